#include "fdt/diff.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/dts_text.h"
#include "fdt/path.h"

namespace fdt_handoff {
namespace {

// ---------------------------------------------------------------------------
// Structural diff.

std::string MemReserveText(const std::pair<uint64_t, uint64_t>& entry) {
  return absl::StrCat("0x", absl::Hex(entry.first), " 0x",
                      absl::Hex(entry.second));
}

// Pointers to `items` sorted by name; stable so that duplicate names (which a
// malformed-but-accepted blob may have) keep blob order on both sides.
template <typename T>
std::vector<const T*> SortedByName(const std::vector<T>& items) {
  std::vector<const T*> sorted;
  sorted.reserve(items.size());
  for (const T& item : items) sorted.push_back(&item);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const T* x, const T* y) { return x->name < y->name; });
  return sorted;
}

void DiffMemReserves(const Tree& a, const Tree& b,
                     std::vector<TreeChange>* out) {
  std::vector<std::pair<uint64_t, uint64_t>> before = a.memreserves;
  std::vector<std::pair<uint64_t, uint64_t>> after = b.memreserves;
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && before[i] < after[j])) {
      out->push_back(TreeChange{TreeChange::Kind::kMemReserveRemoved,
                                "/memreserve/", "", MemReserveText(before[i]),
                                ""});
      ++i;
    } else if (i == before.size() || after[j] < before[i]) {
      out->push_back(TreeChange{TreeChange::Kind::kMemReserveAdded,
                                "/memreserve/", "", "",
                                MemReserveText(after[j])});
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
}

// Walks both nodes in canonical (sorted) order, so `out` comes out sorted by
// path component by component, then property, without a separate sort.
void DiffNodes(const Node& a, const Node& b, const std::string& path,
               std::vector<TreeChange>* out) {
  const std::vector<const Property*> pa = SortedByName(a.properties);
  const std::vector<const Property*> pb = SortedByName(b.properties);
  size_t i = 0, j = 0;
  while (i < pa.size() || j < pb.size()) {
    if (j == pb.size() || (i < pa.size() && pa[i]->name < pb[j]->name)) {
      out->push_back(TreeChange{TreeChange::Kind::kPropertyRemoved, path,
                                pa[i]->name, FormatValue(*pa[i]), ""});
      ++i;
    } else if (i == pa.size() || pb[j]->name < pa[i]->name) {
      out->push_back(TreeChange{TreeChange::Kind::kPropertyAdded, path,
                                pb[j]->name, "", FormatValue(*pb[j])});
      ++j;
    } else {
      if (pa[i]->value != pb[j]->value) {
        out->push_back(TreeChange{TreeChange::Kind::kPropertyChanged, path,
                                  pa[i]->name, FormatValue(*pa[i]),
                                  FormatValue(*pb[j])});
      }
      ++i;
      ++j;
    }
  }

  const std::vector<const Node*> ca = SortedByName(a.children);
  const std::vector<const Node*> cb = SortedByName(b.children);
  i = 0;
  j = 0;
  while (i < ca.size() || j < cb.size()) {
    if (j == cb.size() || (i < ca.size() && ca[i]->name < cb[j]->name)) {
      out->push_back(TreeChange{TreeChange::Kind::kNodeRemoved,
                                JoinNodePath(path, ca[i]->name), "", "", ""});
      ++i;
    } else if (i == ca.size() || cb[j]->name < ca[i]->name) {
      out->push_back(TreeChange{TreeChange::Kind::kNodeAdded,
                                JoinNodePath(path, cb[j]->name), "", "", ""});
      ++j;
    } else {
      DiffNodes(*ca[i], *cb[j], JoinNodePath(path, ca[i]->name), out);
      ++i;
      ++j;
    }
  }
}

std::string ShownValue(const std::string& formatted) {
  return formatted.empty() ? "(empty)" : formatted;
}

// ---------------------------------------------------------------------------
// Line diff: Myers, "An O(ND) Difference Algorithm and Its Variations"
// (1986), section 4b, the linear-space refinement. Each box is reduced by
// finding the middle snake of a shortest edit script and splitting around it.

// Marks which lines of `a` are deleted and which lines of `b` are inserted
// by a shortest edit script turning `a` into `b`. Lines are interned ints.
class LineDiffer {
 public:
  LineDiffer(const std::vector<int>& a, const std::vector<int>& b)
      : a_(a), b_(b), deleted_(a.size(), false), inserted_(b.size(), false) {}

  void Run();

  const std::vector<bool>& deleted() const { return deleted_; }
  const std::vector<bool>& inserted() const { return inserted_; }

 private:
  struct Box {
    int a_lo, a_hi, b_lo, b_hi;
  };
  // A diagonal run from (x0, y0) to (x1, y1), in coordinates relative to the
  // box it was found in; possibly empty.
  struct Snake {
    int x0, y0, x1, y1;
  };

  bool FindMiddleSnake(const Box& box, Snake* snake) const;
  void MarkAll(const Box& box);

  const std::vector<int>& a_;
  const std::vector<int>& b_;
  std::vector<bool> deleted_;
  std::vector<bool> inserted_;
};

void LineDiffer::MarkAll(const Box& box) {
  for (int i = box.a_lo; i < box.a_hi; ++i) deleted_[i] = true;
  for (int j = box.b_lo; j < box.b_hi; ++j) inserted_[j] = true;
}

// The search runs forward from the box's top-left corner and backward from
// its bottom-right corner, one edit at a time, until the furthest-reaching
// paths on some diagonal k = x - y overlap.
//
// Unlike the paper, which lets paths wander outside the box, every point kept
// here lies inside it: a move that would leave the box is replaced by the
// box's edge point on the target diagonal, which is reachable with no more
// edits (shown by rerouting the path along the edge). Each V entry keeps the
// best point reachable with *at most* d edits, so the earlier value on a
// diagonal is also a candidate. Keeping everything in the box means the
// returned snake can always be used to split it.
bool LineDiffer::FindMiddleSnake(const Box& box, Snake* snake) const {
  const int n = box.a_hi - box.a_lo;
  const int m = box.b_hi - box.b_lo;
  const int* a = a_.data() + box.a_lo;
  const int* b = b_.data() + box.b_lo;
  const int delta = n - m;
  const bool odd = (delta % 2) != 0;
  // Diagonals run from -m to n; -1 marks "not reached".
  const int offset = m;
  std::vector<int> forward(n + m + 1, -1);
  std::vector<int> backward(n + m + 1, -1);
  auto fwd = [&](int k) -> int& { return forward[k + offset]; };
  auto bwd = [&](int k) -> int& { return backward[k + offset]; };

  const int max_d = (n + m + 1) / 2;
  for (int d = 0; d <= max_d; ++d) {
    // Forward: the furthest x on each diagonal reachable with <= d edits.
    int kmin = std::max(-d, -m);
    int kmax = std::min(d, n);
    if ((kmin + d) % 2 != 0) ++kmin;
    if ((kmax + d) % 2 != 0) --kmax;
    for (int k = kmin; k <= kmax; k += 2) {
      int x = -1;
      if (d == 0) {
        x = 0;
      } else {
        x = fwd(k);
        // Delete a[x] coming from diagonal k - 1 ...
        if (k - 1 >= -m && fwd(k - 1) >= 0) {
          x = std::max(x, std::min(fwd(k - 1) + 1, n));
        }
        // ... or insert b[y] coming from diagonal k + 1.
        if (k + 1 <= n && fwd(k + 1) >= 0) {
          x = std::max(x, std::min(fwd(k + 1), m + k));
        }
      }
      if (x < 0) continue;
      int y = x - k;
      const int x0 = x, y0 = y;
      while (x < n && y < m && a[x] == b[y]) {
        ++x;
        ++y;
      }
      fwd(k) = x;
      if (odd && std::abs(k - delta) <= d - 1 && bwd(k) >= 0 && x >= bwd(k)) {
        *snake = Snake{x0, y0, x, y};
        return true;
      }
    }

    // Backward: the smallest x on each diagonal from which (n, m) is
    // reachable with <= d edits. Diagonal k = delta + c.
    int cmin = std::max(-d, -n);
    int cmax = std::min(d, m);
    if ((cmin + d) % 2 != 0) ++cmin;
    if ((cmax + d) % 2 != 0) --cmax;
    for (int c = cmin; c <= cmax; c += 2) {
      const int k = delta + c;
      int x = -1;
      if (d == 0) {
        x = n;
      } else {
        auto consider = [&x](int candidate) {
          if (x < 0 || candidate < x) x = candidate;
        };
        if (bwd(k) >= 0) consider(bwd(k));
        // Delete a[x - 1] going back from diagonal k + 1 ...
        if (k + 1 <= n && bwd(k + 1) >= 0) {
          consider(std::max(bwd(k + 1) - 1, 0));
        }
        // ... or insert b[y - 1] going back from diagonal k - 1.
        if (k - 1 >= -m && bwd(k - 1) >= 0) {
          consider(std::max(bwd(k - 1), k));
        }
      }
      if (x < 0) continue;
      int y = x - k;
      const int x1 = x, y1 = y;
      while (x > 0 && y > 0 && a[x - 1] == b[y - 1]) {
        --x;
        --y;
      }
      bwd(k) = x;
      if (!odd && std::abs(k) <= d && fwd(k) >= 0 && fwd(k) >= x) {
        *snake = Snake{x, y, x1, y1};
        return true;
      }
    }
  }
  return false;
}

void LineDiffer::Run() {
  // An explicit stack instead of recursion: the split depth grows with the
  // number of edits, which a large unrelated pair of texts makes big.
  std::vector<Box> work = {
      Box{0, static_cast<int>(a_.size()), 0, static_cast<int>(b_.size())}};
  while (!work.empty()) {
    Box box = work.back();
    work.pop_back();
    while (box.a_lo < box.a_hi && box.b_lo < box.b_hi &&
           a_[box.a_lo] == b_[box.b_lo]) {
      ++box.a_lo;
      ++box.b_lo;
    }
    while (box.a_lo < box.a_hi && box.b_lo < box.b_hi &&
           a_[box.a_hi - 1] == b_[box.b_hi - 1]) {
      --box.a_hi;
      --box.b_hi;
    }
    if (box.a_lo == box.a_hi || box.b_lo == box.b_hi) {
      MarkAll(box);
      continue;
    }
    Snake s;
    const int size = (box.a_hi - box.a_lo) + (box.b_hi - box.b_lo);
    // Both halves must be strictly smaller, or the loop would not end. The
    // search guarantees it; falling back to "replace everything" keeps the
    // output a correct (if not shortest) diff should that ever be violated.
    if (!FindMiddleSnake(box, &s) || s.x0 + s.y0 >= size ||
        (box.a_hi - box.a_lo - s.x1) + (box.b_hi - box.b_lo - s.y1) >= size) {
      MarkAll(box);
      continue;
    }
    work.push_back(Box{box.a_lo + s.x1, box.a_hi, box.b_lo + s.y1, box.b_hi});
    work.push_back(Box{box.a_lo, box.a_lo + s.x0, box.b_lo, box.b_lo + s.y0});
  }
}

// Splits after each '\n'; a final line without one is kept as is, so the
// difference between "x" and "x\n" is visible, as in GNU diff.
std::vector<absl::string_view> SplitLines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t newline = text.find('\n', start);
    const size_t end =
        newline == absl::string_view::npos ? text.size() : newline + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

// A run of deleted lines of `a` and inserted lines of `b` at one position.
struct Change {
  int a_start, a_count, b_start, b_count;
};

// GNU diff's print_unidiff_number_range rule, 0-based start in.
std::string HunkRange(int start, int count) {
  if (count == 0) return absl::StrCat(start, ",0");
  if (count == 1) return absl::StrCat(start + 1);
  return absl::StrCat(start + 1, ",", count);
}

void AppendLine(char prefix, absl::string_view line, std::string* out) {
  out->push_back(prefix);
  out->append(line.data(), line.size());
  if (line.empty() || line.back() != '\n') {
    out->append("\n\\ No newline at end of file\n");
  }
}

}  // namespace

std::vector<TreeChange> DiffTrees(const Tree& a, const Tree& b) {
  std::vector<TreeChange> changes;
  DiffMemReserves(a, b, &changes);
  DiffNodes(a.root, b.root, "/", &changes);
  return changes;
}

std::string FormatTreeChanges(const std::vector<TreeChange>& changes) {
  if (changes.empty()) return "no differences\n";
  std::string out;
  for (const TreeChange& c : changes) {
    switch (c.kind) {
      case TreeChange::Kind::kNodeAdded:
        absl::StrAppend(&out, "+ node ", c.path, "\n");
        break;
      case TreeChange::Kind::kNodeRemoved:
        absl::StrAppend(&out, "- node ", c.path, "\n");
        break;
      case TreeChange::Kind::kPropertyAdded:
        absl::StrAppend(&out, "+ ", c.path, ":", c.property,
                        c.after.empty() ? "" : " = ", c.after, "\n");
        break;
      case TreeChange::Kind::kPropertyRemoved:
        absl::StrAppend(&out, "- ", c.path, ":", c.property,
                        c.before.empty() ? "" : " = ", c.before, "\n");
        break;
      case TreeChange::Kind::kPropertyChanged:
        absl::StrAppend(&out, "~ ", c.path, ":", c.property, " ",
                        ShownValue(c.before), " -> ", ShownValue(c.after),
                        "\n");
        break;
      case TreeChange::Kind::kMemReserveAdded:
        absl::StrAppend(&out, "+ /memreserve/ ", c.after, "\n");
        break;
      case TreeChange::Kind::kMemReserveRemoved:
        absl::StrAppend(&out, "- /memreserve/ ", c.before, "\n");
        break;
    }
  }
  return out;
}

std::string UnifiedDiff(absl::string_view a, absl::string_view b,
                        absl::string_view a_name, absl::string_view b_name,
                        int context) {
  if (a == b) return "";
  if (context < 0) context = 0;
  const std::vector<absl::string_view> a_lines = SplitLines(a);
  const std::vector<absl::string_view> b_lines = SplitLines(b);

  // Intern lines so the search compares ints, not strings.
  std::unordered_map<std::string_view, int> ids;
  auto intern = [&ids](const std::vector<absl::string_view>& lines) {
    std::vector<int> out;
    out.reserve(lines.size());
    for (absl::string_view line : lines) {
      const auto inserted = ids.emplace(
          std::string_view(line.data(), line.size()), static_cast<int>(ids.size()));
      out.push_back(inserted.first->second);
    }
    return out;
  };
  const std::vector<int> a_ids = intern(a_lines);
  const std::vector<int> b_ids = intern(b_lines);

  LineDiffer differ(a_ids, b_ids);
  differ.Run();
  const std::vector<bool>& deleted = differ.deleted();
  const std::vector<bool>& inserted = differ.inserted();

  const int n = static_cast<int>(a_lines.size());
  const int m = static_cast<int>(b_lines.size());
  std::vector<Change> changes;
  for (int i = 0, j = 0; i < n || j < m;) {
    if ((i < n && deleted[i]) || (j < m && inserted[j])) {
      Change c{i, 0, j, 0};
      while (i < n && deleted[i]) {
        ++i;
        ++c.a_count;
      }
      while (j < m && inserted[j]) {
        ++j;
        ++c.b_count;
      }
      changes.push_back(c);
    } else {
      ++i;
      ++j;
    }
  }

  std::string out = absl::StrCat("--- ", a_name, "\n+++ ", b_name, "\n");
  size_t first = 0;
  while (first < changes.size()) {
    // Like GNU diff, join the next change while the unchanged gap before it
    // is at most 2 * context lines: the hunks' context would touch.
    size_t last = first;
    while (last + 1 < changes.size() &&
           changes[last + 1].a_start -
                   (changes[last].a_start + changes[last].a_count) <=
               2 * context) {
      ++last;
    }
    const Change& head = changes[first];
    const Change& tail = changes[last];
    const int a_lo = std::max(0, head.a_start - context);
    const int b_lo = head.b_start - (head.a_start - a_lo);
    const int a_tail_end = tail.a_start + tail.a_count;
    const int a_hi = std::min(n, a_tail_end + context);
    const int b_hi = tail.b_start + tail.b_count + (a_hi - a_tail_end);
    absl::StrAppend(&out, "@@ -", HunkRange(a_lo, a_hi - a_lo), " +",
                    HunkRange(b_lo, b_hi - b_lo), " @@\n");
    int ai = a_lo;
    for (size_t h = first; h <= last; ++h) {
      const Change& c = changes[h];
      for (; ai < c.a_start; ++ai) AppendLine(' ', a_lines[ai], &out);
      for (int i = 0; i < c.a_count; ++i) {
        AppendLine('-', a_lines[c.a_start + i], &out);
      }
      for (int j = 0; j < c.b_count; ++j) {
        AppendLine('+', b_lines[c.b_start + j], &out);
      }
      ai = c.a_start + c.a_count;
    }
    for (; ai < a_hi; ++ai) AppendLine(' ', a_lines[ai], &out);
    first = last + 1;
  }
  return out;
}

}  // namespace fdt_handoff
