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

// A physical range [base, base + size).
struct MemoryRange {
  uint64_t base = 0;
  uint64_t size = 0;
};

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
//   kDataLoss    (decode) the length is not a whole number of entries, or the
//                cell counts are outside 1..2 / 0..2. `where` names the node.
//   kOutOfRange  (encode) a value does not fit the cell counts.
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
//   kDataLoss  a malformed reg (origin and node in the message).
absl::StatusOr<std::vector<MemoryRange>> MemoryOf(const Tree& tree,
                                                  absl::string_view origin,
                                                  std::string* names = nullptr);

// ReservedRegionsOf()
//
// Every enabled /reserved-memory child with a reg (dynamic allocations with
// only `size` are not placed yet and are skipped).
//
// Returns:
//   kDataLoss  a malformed reg.
absl::StatusOr<std::vector<ReservedRegion>> ReservedRegionsOf(
    const Tree& tree, absl::string_view origin);

// FormatRange(): "[0x40000000..0x80000000) (1024 MiB)".
std::string FormatRange(uint64_t base, uint64_t size);

}  // namespace fdt_handoff

#endif  // FDT_MEMORY_H_
