// File: fdt/memory.h
//
// Reading the memory description of a tree: /memory nodes, /reserved-memory
// regions and `reg` encoding under #address-cells/#size-cells. Shared by the
// reconcile rules, `fdt-handoff inspect` and the kexec planner, which all
// need the same answer to "which RAM does this tree describe".
#ifndef FDT_MEMORY_H_
#define FDT_MEMORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// MemoryRange
//
// A physical range [base, base + size): the one range type of the project,
// for /memory, /reserved-memory, /memreserve/, /proc/iomem, --memory and the
// kexec planner alike.
//
// Invariant: base + size fits in 64 bits, so end() never wraps. Ranges built
// from numbers read from a blob, a file or the command line go through
// MakeRange() or RangeFromFirstLast(), which check it; RangeFromBounds() is
// for ranges computed from other ranges, which cannot break it.
struct MemoryRange {
  uint64_t base = 0;
  uint64_t size = 0;

  uint64_t end() const { return base + size; }  // One past the last byte.
  bool empty() const { return size == 0; }
  bool operator==(const MemoryRange& o) const {
    return base == o.base && size == o.size;
  }
  bool operator!=(const MemoryRange& o) const { return !(*this == o); }
};

// MakeRange()
//
// [base, base + size), checked. `what` names the source in the error, e.g.
// "live.dtb: /memory@40000000: reg entry 0".
//
// Returns:
//   kInvalidArgument  base + size wraps past 2^64 (or ends exactly there,
//                     where no 64-bit end address can express it).
absl::StatusOr<MemoryRange> MakeRange(uint64_t base, uint64_t size,
                                      absl::string_view what);

// RangeFromFirstLast()
//
// The inclusive range [first, last], as /proc/iomem writes it.
//
// Returns:
//   kInvalidArgument  last < first, or last is 0xffffffffffffffff (the range
//                     would end at 2^64).
absl::StatusOr<MemoryRange> RangeFromFirstLast(uint64_t first, uint64_t last,
                                               absl::string_view what);

// RangeFromBounds(): [start, end) for start <= end (empty when end < start).
MemoryRange RangeFromBounds(uint64_t start, uint64_t end);

// A /reserved-memory child with a static `reg`.
struct ReservedRegion {
  std::string name;    // Node name, e.g. "secmon@40000000".
  MemoryRange range;
  bool no_map = false;
  const Node* node = nullptr;  // Points into the Tree it came from.
};

// CellsOf()
//
// The node's #address-cells or #size-cells; `fallback` when absent or
// malformed (devicetree spec 2.3.5: 2 and 1 when the root says nothing).
int CellsOf(const Node& node, absl::string_view name, int fallback);

// DecodeReg() / EncodeReg()
//
// Returns:
//   kDataLoss        (decode) the length is not a whole number of entries, or
//                    the cell counts are outside 1..2 / 0..2. `where` names
//                    the node.
//   kInvalidArgument (decode) an entry's address + size wraps past 2^64
//                    ("<where>: reg entry N: base 0x... + size 0x... wraps
//                    past 2^64").
//   kOutOfRange      (encode) a value does not fit the cell counts.
absl::StatusOr<std::vector<MemoryRange>> DecodeReg(const Property& reg,
                                                   int address_cells,
                                                   int size_cells,
                                                   absl::string_view where);
absl::StatusOr<std::vector<uint8_t>> EncodeReg(
    const std::vector<MemoryRange>& ranges, int address_cells, int size_cells,
    absl::string_view where);

// IsMemoryNode(): device_type = "memory", or named memory/memory@... when
// device_type is absent.
bool IsMemoryNode(const Node& node);

// IsDisabled(): a `status` other than "okay"/"ok".
bool IsDisabled(const Node& node);

// MemoryOf()
//
// Non-empty ranges of every enabled top-level memory node, in tree order;
// `names` (optional) receives the node paths, comma separated.
//
// Returns:
//   kDataLoss         a malformed reg (origin and node in the message).
//   kInvalidArgument  a reg entry that wraps past 2^64 (origin, node, entry).
absl::StatusOr<std::vector<MemoryRange>> MemoryOf(const Tree& tree,
                                                  absl::string_view origin,
                                                  std::string* names = nullptr);

// ReservedRegionsOf()
//
// Every enabled /reserved-memory child with a reg (dynamic allocations with
// only `size` are not placed yet and are skipped).
//
// Returns:
//   kDataLoss         a malformed reg.
//   kInvalidArgument  a reg entry that wraps past 2^64.
absl::StatusOr<std::vector<ReservedRegion>> ReservedRegionsOf(
    const Tree& tree, absl::string_view origin);

// MemReservesOf()
//
// The tree's /memreserve/ entries (Tree::memreserves holds them raw, as the
// blob does) as ranges, in blob order.
//
// Returns:
//   kInvalidArgument  an entry wraps past 2^64 ("<origin>: /memreserve/ entry
//                     N: ...").
absl::StatusOr<std::vector<MemoryRange>> MemReservesOf(
    const Tree& tree, absl::string_view origin);

// FormatRange(): "[0x40000000..0x80000000) (1024 MiB)".
std::string FormatRange(uint64_t base, uint64_t size);
std::string FormatRange(const MemoryRange& range);

}  // namespace fdt_handoff

#endif  // FDT_MEMORY_H_
