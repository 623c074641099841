// File: fdt/diff.h
//
// Two views of "what changed between these device trees":
//
//   * DiffTrees() / FormatTreeChanges(): a structural diff of two Tree
//     models, one entry per added/removed node, added/removed/changed
//     property and added/removed memory reservation. This is what
//     reconciliation reports print ("~ /soc/usb@5310000:status "disabled" ->
//     "okay"").
//   * UnifiedDiff(): a `diff -u` of two texts, for golden-file mismatches
//     where the canonical DTS dumps (fdt/dts_text.h) are compared line by
//     line.
//
//   std::vector<TreeChange> changes = DiffTrees(before, after);
//   std::cout << FormatTreeChanges(changes);
//   std::cout << UnifiedDiff(DumpDts(before), DumpDts(after), "before.dts",
//                            "after.dts");
#ifndef FDT_DIFF_H_
#define FDT_DIFF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// TreeChange
//
// One difference between two trees.
//
//   kind      what changed.
//   path      the node's absolute path ("/" for the root, "/soc/usb@5310000"),
//             or "/memreserve/" for memory reservations. A path longer than
//             1024 bytes (a tree nested far deeper than Linux reads) is
//             shortened to its first and last components around "/...", so
//             that the changes of such a tree stay linear in its size.
//   property  the property name for the kProperty* kinds, else "".
//   before    FormatValue() of the old value for kPropertyRemoved and
//             kPropertyChanged ("" for an empty property, as FormatValue()
//             returns); "0x<address> 0x<size>" for kMemReserveRemoved; else "".
//   after     likewise for the new value (kPropertyAdded, kPropertyChanged,
//             kMemReserveAdded).
struct TreeChange {
  enum class Kind {
    kNodeAdded,
    kNodeRemoved,
    kPropertyAdded,
    kPropertyRemoved,
    kPropertyChanged,
    kMemReserveAdded,
    kMemReserveRemoved,
  };

  Kind kind;
  std::string path;
  std::string property;
  std::string before;
  std::string after;
};

// DiffTrees()
//
// Returns the changes that turn `a` into `b`.
//
// Nodes are matched by name at each level (so "usb@5310000" renamed to
// "usb@5320000" is one removal and one addition). An added or removed node is
// reported once, without its properties or descendants. Properties are
// compared by raw bytes, so a change that FormatValue() cannot show (there is
// none today) would still be reported.
//
// The walk uses no recursion: trees of any depth compare.
//
// Memory reservations are compared as a multiset of (address, size) pairs:
// reordering the reservation block is not a change.
//
// Order (deterministic, independent of blob order): memory reservation
// changes first, by (address, size), removals before additions of the same
// pair; then node and property changes in the order of the canonical DTS dump,
// i.e. by path compared component by component, and within one path the
// node's own addition/removal first, then its properties by name.
std::vector<TreeChange> DiffTrees(const Tree& a, const Tree& b);

// FormatTreeChanges()
//
// One line per change:
//
//   + node /soc/usb@5310000
//   - node /x
//   + /chosen:bootargs = "console=ttyS0"
//   + /chosen:linux,initrd-empty           (an empty property: no " = ")
//   - /chosen:kaslr-seed = <0x0 0x0>
//   ~ /soc/usb@5310000:status "disabled" -> "okay"
//   ~ /x:flag (empty) -> <0x1>             (an empty value in a change)
//   + /memreserve/ 0x30000000 0x100000
//   - /memreserve/ 0x0 0x1000
//
// Paths and property names go through AppendEscaped() (fdt/escape.h): a
// control byte in a name cannot break a line. Returns "no differences\n" for
// an empty list.
std::string FormatTreeChanges(const std::vector<TreeChange>& changes);

// UnifiedDiff()
//
// Returns the differences between two line-oriented texts in the format of
// GNU `diff -u --label a_name --label b_name` with `context` lines of context
// (negative counts as 0), or "" when the texts are equal:
//
//   --- a_name
//   +++ b_name
//   @@ -l,n +l,n @@
//    unchanged
//   -removed
//   +added
//
// Hunk headers follow GNU's rules: ",n" is omitted when a range has exactly
// one line, and an empty range is written "l,0" where l is the line before
// it. A last line without a trailing newline is followed by
// "\ No newline at end of file", as in GNU diff. Changes separated by at most
// 2 * context unchanged lines share a hunk.
//
// The edit script is a shortest one (Myers' O(ND) algorithm in linear space),
// so it matches GNU diff whenever the shortest script is unique; where
// several are equally short the choice may differ from GNU's. The search is
// bounded: it may spend kUnifiedDiffBaseBudget + kUnifiedDiffBudgetPerLine
// steps per line of both texts. Two large texts with many differences
// (two wide, unrelated trees) exhaust it; the rest of the texts is then
// matched only at the ends of each unresolved stretch, which stays correct
// (the hunks still turn `a` into `b`) but may be longer than needed, and the
// work stays linear in the size of the texts.
//
// `stats` (optional) receives the work done.
inline constexpr int64_t kUnifiedDiffBaseBudget = int64_t{1} << 22;
inline constexpr int64_t kUnifiedDiffBudgetPerLine = 64;

struct UnifiedDiffStats {
  // Steps of the search: diagonals visited, lines compared along diagonals,
  // and table entries cleared. At most `budget` + 3 * (lines of a + lines
  // of b) + 2 (the last table and the last diagonal run may overshoot).
  int64_t steps = 0;
  int64_t budget = 0;
  // False when the budget cut the search short (the script may not be a
  // shortest one).
  bool shortest = true;
};

std::string UnifiedDiff(absl::string_view a, absl::string_view b,
                        absl::string_view a_name, absl::string_view b_name,
                        int context = 3, UnifiedDiffStats* stats = nullptr);

}  // namespace fdt_handoff

#endif  // FDT_DIFF_H_
