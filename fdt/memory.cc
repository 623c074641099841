#include "fdt/memory.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

void AppendCells(uint64_t v, int cells, std::vector<uint8_t>* out) {
  for (int i = cells - 1; i >= 0; --i) {
    uint8_t cell[4];
    StoreBe32(static_cast<uint32_t>(v >> (32 * i)), cell);
    out->insert(out->end(), cell, cell + 4);
  }
}

}  // namespace

absl::StatusOr<MemoryRange> MakeRange(uint64_t base, uint64_t size,
                                      absl::string_view what) {
  // base + size must be at most 2^64 - 1: the last byte is below 2^64 and
  // end() is representable.
  if (size > ~uint64_t{0} - base) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: base 0x%x + size 0x%x wraps past 2^64", what, base, size));
  }
  return MemoryRange{base, size};
}

absl::StatusOr<MemoryRange> RangeFromFirstLast(uint64_t first, uint64_t last,
                                               absl::string_view what) {
  if (last < first) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: end 0x%x is below start 0x%x", what, last, first));
  }
  if (last == ~uint64_t{0}) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: [0x%x..0x%x] ends at 2^64", what, first, last));
  }
  return MemoryRange{first, last - first + 1};
}

MemoryRange RangeFromBounds(uint64_t start, uint64_t end) {
  return MemoryRange{start, end > start ? end - start : 0};
}

int CellsOf(const Node& node, absl::string_view name, int fallback) {
  const Property* p = node.FindProperty(name);
  if (p == nullptr || p->value.size() != 4) return fallback;
  return static_cast<int>(LoadBe32(p->value.data()));
}

absl::StatusOr<std::vector<MemoryRange>> DecodeReg(const Property& reg,
                                                   int address_cells,
                                                   int size_cells,
                                                   absl::string_view where) {
  if (address_cells < 1 || address_cells > 2 || size_cells < 0 ||
      size_cells > 2) {
    return absl::DataLossError(absl::StrFormat(
        "%s: unsupported #address-cells=%d/#size-cells=%d", where,
        address_cells, size_cells));
  }
  const size_t entry = 4u * static_cast<size_t>(address_cells + size_cells);
  if (reg.value.size() % entry != 0) {
    return absl::DataLossError(absl::StrFormat(
        "%s: reg is %u bytes, not a multiple of (#address-cells=%d + "
        "#size-cells=%d) cells",
        where, reg.value.size(), address_cells, size_cells));
  }
  std::vector<MemoryRange> out;
  for (size_t i = 0; i < reg.value.size(); i += entry) {
    const uint8_t* p = reg.value.data() + i;
    const uint64_t base = LoadCells(p, address_cells);
    const uint64_t size =
        size_cells == 0 ? 0 : LoadCells(p + 4 * address_cells, size_cells);
    ASSIGN_OR_RETURN(MemoryRange range,
                     MakeRange(base, size,
                               absl::StrCat(where, ": reg entry ", i / entry)));
    out.push_back(range);
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> EncodeReg(
    const std::vector<MemoryRange>& ranges, int address_cells, int size_cells,
    absl::string_view where) {
  // A tree may legally say #address-cells = <3>, but no RAM address needs
  // more than 64 bits; anything outside 1..2 / 0..2 cannot be written.
  if (address_cells < 1 || address_cells > 2 || size_cells < 0 ||
      size_cells > 2) {
    return absl::OutOfRangeError(absl::StrFormat(
        "%s: cannot write memory ranges with #address-cells=%d/#size-cells=%d "
        "(only 1..2 and 0..2 are supported)",
        where, address_cells, size_cells));
  }
  std::vector<uint8_t> out;
  for (const MemoryRange& r : ranges) {
    const bool fits = (address_cells >= 2 || r.base >> 32 == 0) &&
                      (size_cells >= 2 || r.size >> 32 == 0);
    if (!fits) {
      return absl::OutOfRangeError(absl::StrFormat(
          "%s: %s does not fit #address-cells=%d/#size-cells=%d", where,
          FormatRange(r.base, r.size), address_cells, size_cells));
    }
    AppendCells(r.base, address_cells, &out);
    AppendCells(r.size, size_cells, &out);
  }
  return out;
}

bool IsMemoryNode(const Node& n) {
  const Property* t = n.FindProperty("device_type");
  if (t != nullptr) {
    const auto s = PropertyStrings(*t);
    return !s.empty() && s[0] == "memory";
  }
  return n.name == "memory" || absl::StartsWith(n.name, "memory@");
}

bool IsDisabled(const Node& n) {
  const Property* s = n.FindProperty("status");
  if (s == nullptr) return false;
  const auto v = PropertyStrings(*s);
  return !v.empty() && v[0] != "okay" && v[0] != "ok";
}

absl::StatusOr<std::vector<MemoryRange>> MemoryOf(const Tree& tree,
                                                  absl::string_view origin,
                                                  std::string* names) {
  const int ac = CellsOf(tree.root, "#address-cells", 2);
  const int sc = CellsOf(tree.root, "#size-cells", 1);
  std::vector<MemoryRange> out;
  for (const Node& n : tree.root.children) {
    if (!IsMemoryNode(n) || IsDisabled(n)) continue;
    const Property* reg = n.FindProperty("reg");
    if (reg == nullptr) continue;
    ASSIGN_OR_RETURN(auto ranges, DecodeReg(*reg, ac, sc,
                                            absl::StrCat(origin, ": /", Escaped(n.name))));
    for (const MemoryRange& r : ranges) {
      if (r.size != 0) out.push_back(r);
    }
    if (names != nullptr) {
      if (!names->empty()) names->append(", ");
      names->append(absl::StrCat("/", n.name));
    }
  }
  return out;
}

absl::StatusOr<std::vector<ReservedRegion>> ReservedRegionsOf(
    const Tree& tree, absl::string_view origin) {
  std::vector<ReservedRegion> out;
  const Node* rm = tree.Find("/reserved-memory");
  if (rm == nullptr) return out;
  const int ac = CellsOf(*rm, "#address-cells", 2);
  const int sc = CellsOf(*rm, "#size-cells", 1);
  for (const Node& n : rm->children) {
    const Property* reg = n.FindProperty("reg");
    if (reg == nullptr || IsDisabled(n)) continue;
    ASSIGN_OR_RETURN(
        auto ranges,
        DecodeReg(*reg, ac, sc,
                  absl::StrCat(origin, ": /reserved-memory/", Escaped(n.name))));
    for (const MemoryRange& r : ranges) {
      out.push_back(ReservedRegion{n.name, r,
                                   n.FindProperty("no-map") != nullptr, &n});
    }
  }
  return out;
}

absl::StatusOr<std::vector<MemoryRange>> MemReservesOf(
    const Tree& tree, absl::string_view origin) {
  std::vector<MemoryRange> out;
  for (size_t i = 0; i < tree.memreserves.size(); ++i) {
    const auto& [address, size] = tree.memreserves[i];
    ASSIGN_OR_RETURN(
        MemoryRange range,
        MakeRange(address, size,
                  absl::StrCat(origin, ": /memreserve/ entry ", i)));
    out.push_back(range);
  }
  return out;
}

std::string FormatRange(const MemoryRange& range) {
  return FormatRange(range.base, range.size);
}

std::string FormatRange(uint64_t base, uint64_t size) {
  std::string amount;
  if (size != 0 && size % (uint64_t{1} << 20) == 0) {
    amount = absl::StrCat(size >> 20, " MiB");
  } else if (size % 1024 == 0) {
    amount = absl::StrCat(size >> 10, " KiB");
  } else {
    amount = absl::StrCat(size, " bytes");
  }
  return absl::StrFormat("[0x%x..0x%x) (%s)", base, base + size, amount);
}

}  // namespace fdt_handoff
