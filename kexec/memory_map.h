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
#include "fdt/memory.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// Ranges are fdt/memory.h's MemoryRange throughout.

// "[0x40000000..0x80000000)".
std::string FormatRanges(const std::vector<MemoryRange>& ranges);

// Normalize(): sorted, merged where they touch or overlap, empty ones gone.
std::vector<MemoryRange> Normalize(std::vector<MemoryRange> ranges);

// Subtract() / Intersect(): on normalized inputs; results are normalized.
std::vector<MemoryRange> Subtract(const std::vector<MemoryRange>& from,
                                  const std::vector<MemoryRange>& remove);
std::vector<MemoryRange> Intersect(const std::vector<MemoryRange>& a,
                                   const std::vector<MemoryRange>& b);

// ParseIomem()
//
// Usable RAM from /proc/iomem text ("40000000-7fffffff : System RAM", nested
// entries indented by two spaces per level, inclusive ends).
//
// Returns:
//   kDataLoss         a line that is not "<hex>-<hex> : <name>" (line number
//                     in the message).
//   kInvalidArgument  an entry whose end is below its start, or that ends
//                     at 2^64 (origin, line number and the entry).
//   kNotFound         no "System RAM" entry (e.g. /proc/iomem read without
//                     root shows all zeros: the message says so).
absl::StatusOr<std::vector<MemoryRange>> ParseIomem(absl::string_view text,
                                                    absl::string_view origin);

// UsableFromDtb()
//
// /memory minus /reserved-memory (static regions) minus /memreserve/.
//
// Returns:
//   kNotFound         the tree describes no memory.
//   kDataLoss         a malformed reg.
//   kInvalidArgument  a /memory, /reserved-memory or /memreserve/ range that
//                     wraps past 2^64: refused rather than dropped, since a
//                     dropped reservation would let a segment land on it.
absl::StatusOr<std::vector<MemoryRange>> UsableFromDtb(
    const Tree& tree, absl::string_view origin);

struct MemoryMap {
  std::vector<MemoryRange> usable;
  std::vector<std::string> notes;  // Where the sources disagree.
};

// CombineMemoryMaps()
//
// The intersection of `dtb` and `iomem` (when given), with a note for every
// range one source allows and the other does not.
MemoryMap CombineMemoryMaps(const std::vector<MemoryRange>& dtb,
                            const std::vector<MemoryRange>* iomem);

}  // namespace fdt_handoff

#endif  // KEXEC_MEMORY_MAP_H_
