#include "kexec/memory_map.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fdt/memory.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {

std::string FormatRanges(const std::vector<MemoryRange>& ranges) {
  std::vector<std::string> parts;
  for (const MemoryRange& r : ranges) {
    parts.push_back(absl::StrFormat("[0x%x..0x%x)", r.base, r.end()));
  }
  return parts.empty() ? "(none)" : absl::StrJoin(parts, " ");
}

std::vector<MemoryRange> Normalize(std::vector<MemoryRange> ranges) {
  ranges.erase(std::remove_if(ranges.begin(), ranges.end(),
                              [](const MemoryRange& r) { return r.empty(); }),
               ranges.end());
  std::sort(ranges.begin(), ranges.end(),
            [](const MemoryRange& a, const MemoryRange& b) {
              return a.base < b.base;
            });
  std::vector<MemoryRange> out;
  for (const MemoryRange& r : ranges) {
    if (!out.empty() && r.base <= out.back().end()) {
      out.back() = RangeFromBounds(out.back().base,
                                   std::max(out.back().end(), r.end()));
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<MemoryRange> Subtract(const std::vector<MemoryRange>& from,
                                  const std::vector<MemoryRange>& remove) {
  std::vector<MemoryRange> out;
  for (const MemoryRange& whole : from) {
    uint64_t start = whole.base;
    const uint64_t end = whole.end();
    for (const MemoryRange& x : remove) {
      if (x.end() <= start || x.base >= end) continue;
      if (x.base > start) out.push_back(RangeFromBounds(start, x.base));
      start = std::min(std::max(start, x.end()), end);
      if (start >= end) break;
    }
    if (start < end) out.push_back(RangeFromBounds(start, end));
  }
  return Normalize(out);
}

std::vector<MemoryRange> Intersect(const std::vector<MemoryRange>& a,
                                   const std::vector<MemoryRange>& b) {
  std::vector<MemoryRange> out;
  for (const MemoryRange& x : a) {
    for (const MemoryRange& y : b) {
      const uint64_t s = std::max(x.base, y.base);
      const uint64_t e = std::min(x.end(), y.end());
      if (s < e) out.push_back(RangeFromBounds(s, e));
    }
  }
  return Normalize(out);
}

absl::StatusOr<std::vector<MemoryRange>> ParseIomem(absl::string_view text,
                                                    absl::string_view origin) {
  std::vector<MemoryRange> ram;
  std::vector<MemoryRange> holes;
  bool all_zero = true;
  int line_number = 0;
  int ram_depth = -1;  // Indentation of the System RAM entry we are inside.
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const size_t indent = line.find_first_not_of(' ');
    const int depth = static_cast<int>(indent / 2);
    const size_t colon = line.find(" : ");
    const size_t dash = line.find('-', indent);
    uint64_t first = 0, last = 0;
    if (colon == absl::string_view::npos || dash == absl::string_view::npos ||
        dash > colon ||
        !absl::SimpleHexAtoi(line.substr(indent, dash - indent), &first) ||
        !absl::SimpleHexAtoi(line.substr(dash + 1, colon - dash - 1), &last)) {
      return absl::DataLossError(absl::StrCat(
          origin, ":", line_number, ": not an iomem line: \"", line, "\""));
    }
    // Every entry is checked, kept or not: a wrapped one says the file is
    // not what we think it is.
    ASSIGN_OR_RETURN(
        const MemoryRange range,
        RangeFromFirstLast(first, last,
                           absl::StrCat(origin, ":", line_number, ": \"",
                                        absl::StripAsciiWhitespace(line),
                                        "\"")));
    if (first != 0 || last != 0) all_zero = false;
    const absl::string_view name = line.substr(colon + 3);
    if (depth == 0) {
      ram_depth = name == "System RAM" ? 0 : -1;
      if (ram_depth == 0) ram.push_back(range);
    } else if (ram_depth == 0) {
      // The running kernel's image is free once it is replaced; anything
      // else nested in RAM (reserved, firmware, crash kernel) is not.
      if (!absl::StartsWith(name, "Kernel ")) holes.push_back(range);
    }
  }
  if (ram.empty() || all_zero) {
    return absl::NotFoundError(absl::StrCat(
        origin, ": no \"System RAM\" entry",
        all_zero ? " (all addresses are zero: read it as root)" : ""));
  }
  return Subtract(Normalize(ram), Normalize(holes));
}

absl::StatusOr<std::vector<MemoryRange>> UsableFromDtb(
    const Tree& tree, absl::string_view origin) {
  std::string names;
  ASSIGN_OR_RETURN(std::vector<MemoryRange> ram,
                   MemoryOf(tree, origin, &names));
  if (ram.empty()) {
    return absl::NotFoundError(
        absl::StrCat(origin, ": the DTB describes no memory (/memory)"));
  }
  ASSIGN_OR_RETURN(std::vector<MemoryRange> reserved,
                   MemReservesOf(tree, origin));
  ASSIGN_OR_RETURN(std::vector<ReservedRegion> regions,
                   ReservedRegionsOf(tree, origin));
  for (const ReservedRegion& r : regions) reserved.push_back(r.range);
  return Subtract(Normalize(ram), Normalize(reserved));
}

MemoryMap CombineMemoryMaps(const std::vector<MemoryRange>& dtb,
                            const std::vector<MemoryRange>* iomem) {
  MemoryMap map;
  if (iomem == nullptr) {
    map.usable = dtb;
    return map;
  }
  map.usable = Intersect(dtb, *iomem);
  const std::vector<MemoryRange> only_dtb = Subtract(dtb, *iomem);
  const std::vector<MemoryRange> only_iomem = Subtract(*iomem, dtb);
  if (!only_dtb.empty()) {
    map.notes.push_back(absl::StrCat(
        "the DTB allows ", FormatRanges(only_dtb),
        " but /proc/iomem does not (reserved or absent there); not used"));
  }
  if (!only_iomem.empty()) {
    map.notes.push_back(absl::StrCat(
        "/proc/iomem allows ", FormatRanges(only_iomem),
        " but the DTB does not (outside /memory or reserved); not used"));
  }
  return map;
}

}  // namespace fdt_handoff
