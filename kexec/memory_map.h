// File: kexec/memory_map.h
//
// Where in physical memory the next kernel's segments may go.
//
// Two sources describe usable RAM, and the planner uses only what both allow:
//   - /proc/iomem of the running kernel: top-level "System RAM" minus every
//     nested entry other than the running kernel's own code and data (those
//     are free once the old kernel is gone; "reserved" and firmware entries
//     are not);
//   - the final DTB that the new kernel will boot with: /memory minus static
//     /reserved-memory regions minus /memreserve/ entries.
// booting.rst: "Any memory described to the kernel (even if it is not
// reserved) [...] which is not marked as reserved [...] will be considered
// available", so placing a segment outside the DTB's RAM, or inside one of
// its reservations, would hand the new kernel memory it will reuse.
#ifndef KEXEC_MEMORY_MAP_H_
#define KEXEC_MEMORY_MAP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// A physical range [start, end): half-open, end > start.
struct Range {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t size() const { return end - start; }
  bool operator==(const Range& o) const {
    return start == o.start && end == o.end;
  }
};

// "[0x40000000..0x80000000)".
std::string FormatRanges(const std::vector<Range>& ranges);

// Normalize(): sorted, merged where they touch or overlap, empty ones gone.
std::vector<Range> Normalize(std::vector<Range> ranges);

// Subtract() / Intersect(): on normalized inputs; results are normalized.
std::vector<Range> Subtract(const std::vector<Range>& from,
                            const std::vector<Range>& remove);
std::vector<Range> Intersect(const std::vector<Range>& a,
                             const std::vector<Range>& b);

// ParseIomem()
//
// Usable RAM from /proc/iomem text ("40000000-7fffffff : System RAM", nested
// entries indented by two spaces per level, inclusive ends).
//
// Returns:
//   kDataLoss  a line that is not "<hex>-<hex> : <name>" (line number in
//              the message), or an end below its start.
//   kNotFound  no "System RAM" entry (e.g. /proc/iomem read without root
//              shows all zeros: the message says so).
absl::StatusOr<std::vector<Range>> ParseIomem(absl::string_view text,
                                              absl::string_view origin);

// UsableFromDtb()
//
// /memory minus /reserved-memory (static regions) minus /memreserve/.
//
// Returns:
//   kNotFound  the tree describes no memory.
//   kDataLoss  a malformed reg.
absl::StatusOr<std::vector<Range>> UsableFromDtb(const Tree& tree,
                                                 absl::string_view origin);

struct MemoryMap {
  std::vector<Range> usable;
  std::vector<std::string> notes;  // Where the sources disagree.
};

// CombineMemoryMaps()
//
// The intersection of `dtb` and `iomem` (when given), with a note for every
// range one source allows and the other does not.
MemoryMap CombineMemoryMaps(const std::vector<Range>& dtb,
                            const std::vector<Range>* iomem);

}  // namespace fdt_handoff

#endif  // KEXEC_MEMORY_MAP_H_
