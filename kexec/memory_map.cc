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

std::string FormatRanges(const std::vector<Range>& ranges) {
  std::vector<std::string> parts;
  for (const Range& r : ranges) {
    parts.push_back(absl::StrFormat("[0x%x..0x%x)", r.start, r.end));
  }
  return parts.empty() ? "(none)" : absl::StrJoin(parts, " ");
}

std::vector<Range> Normalize(std::vector<Range> ranges) {
  ranges.erase(std::remove_if(ranges.begin(), ranges.end(),
                              [](const Range& r) { return r.end <= r.start; }),
               ranges.end());
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.start < b.start;
  });
  std::vector<Range> out;
  for (const Range& r : ranges) {
    if (!out.empty() && r.start <= out.back().end) {
      out.back().end = std::max(out.back().end, r.end);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<Range> Subtract(const std::vector<Range>& from,
                            const std::vector<Range>& remove) {
  std::vector<Range> out;
  for (Range r : from) {
    for (const Range& x : remove) {
      if (x.end <= r.start || x.start >= r.end) continue;
      if (x.start > r.start) out.push_back(Range{r.start, x.start});
      r.start = std::min(std::max(r.start, x.end), r.end);
      if (r.start >= r.end) break;
    }
    if (r.start < r.end) out.push_back(r);
  }
  return Normalize(out);
}

std::vector<Range> Intersect(const std::vector<Range>& a,
                             const std::vector<Range>& b) {
  std::vector<Range> out;
  for (const Range& x : a) {
    for (const Range& y : b) {
      const uint64_t s = std::max(x.start, y.start);
      const uint64_t e = std::min(x.end, y.end);
      if (s < e) out.push_back(Range{s, e});
    }
  }
  return Normalize(out);
}

absl::StatusOr<std::vector<Range>> ParseIomem(absl::string_view text,
                                              absl::string_view origin) {
  std::vector<Range> ram;
  std::vector<Range> holes;
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
        !absl::SimpleHexAtoi(line.substr(dash + 1, colon - dash - 1), &last) ||
        last < first) {
      return absl::DataLossError(absl::StrCat(
          origin, ":", line_number, ": not an iomem line: \"", line, "\""));
    }
    if (first != 0 || last != 0) all_zero = false;
    const absl::string_view name = line.substr(colon + 3);
    const Range range{first, last + 1};
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

absl::StatusOr<std::vector<Range>> UsableFromDtb(const Tree& tree,
                                                 absl::string_view origin) {
  std::string names;
  ASSIGN_OR_RETURN(std::vector<MemoryRange> memory,
                   MemoryOf(tree, origin, &names));
  if (memory.empty()) {
    return absl::NotFoundError(
        absl::StrCat(origin, ": the DTB describes no memory (/memory)"));
  }
  std::vector<Range> ram;
  for (const MemoryRange& m : memory) ram.push_back(Range{m.base, m.base + m.size});
  std::vector<Range> reserved;
  ASSIGN_OR_RETURN(std::vector<ReservedRegion> regions,
                   ReservedRegionsOf(tree, origin));
  for (const ReservedRegion& r : regions) {
    reserved.push_back(Range{r.range.base, r.range.base + r.range.size});
  }
  for (const auto& [address, size] : tree.memreserves) {
    reserved.push_back(Range{address, address + size});
  }
  return Subtract(Normalize(ram), Normalize(reserved));
}

MemoryMap CombineMemoryMaps(const std::vector<Range>& dtb,
                            const std::vector<Range>* iomem) {
  MemoryMap map;
  if (iomem == nullptr) {
    map.usable = dtb;
    return map;
  }
  map.usable = Intersect(dtb, *iomem);
  const std::vector<Range> only_dtb = Subtract(dtb, *iomem);
  const std::vector<Range> only_iomem = Subtract(*iomem, dtb);
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
