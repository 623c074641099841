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
#include "fdt/escape.h"
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

// TreeChange::path for `name` under `parent` (or `parent` itself when `name`
// is empty): the path as it is, unless it is longer than kMaxShownPath, when
// its first and last components are kept around "/...". Only trees nested
// far deeper than Linux reads get there; without it, a diff of two such
// trees would hold (and take the time to copy) one long path per change.
constexpr size_t kMaxShownPath = 1024;

std::string ShownPath(absl::string_view parent, absl::string_view name) {
  const absl::string_view separator =
      name.empty() || parent == "/" ? "" : "/";
  if (parent.size() + separator.size() + name.size() <= kMaxShownPath) {
    return name.empty() ? std::string(parent) : JoinNodePath(parent, name);
  }
  // Head: whole components from the start of the parent.
  constexpr size_t kHead = kMaxShownPath / 4;
  size_t head = parent.rfind('/', std::min(kHead, parent.size()));
  if (head == 0 || head == absl::string_view::npos) {
    head = std::min(kHead, parent.size());
  }
  // Tail: the last kMaxShownPath / 2 bytes, from a component boundary.
  constexpr size_t kTail = kMaxShownPath / 2;
  std::string tail;
  if (name.size() >= kTail) {
    tail = absl::StrCat("/", name.substr(name.size() - kTail));
  } else {
    const size_t from_parent = kTail - name.size() - separator.size();
    absl::string_view end = parent.substr(parent.size() - std::min(from_parent, parent.size()));
    const size_t slash = end.find('/');
    if (slash != absl::string_view::npos) end.remove_prefix(slash);
    tail = absl::StrCat(end, separator, name);
  }
  return absl::StrCat(parent.substr(0, head), "/...", tail);
}

void DiffProperties(const Node& a, const Node& b, absl::string_view path,
                    std::vector<TreeChange>* out) {
  const std::vector<const Property*> pa = SortedByName(a.properties);
  const std::vector<const Property*> pb = SortedByName(b.properties);
  size_t i = 0, j = 0;
  while (i < pa.size() || j < pb.size()) {
    if (j == pb.size() || (i < pa.size() && pa[i]->name < pb[j]->name)) {
      out->push_back(TreeChange{TreeChange::Kind::kPropertyRemoved,
                                ShownPath(path, ""), pa[i]->name,
                                FormatValue(*pa[i]), ""});
      ++i;
    } else if (i == pa.size() || pb[j]->name < pa[i]->name) {
      out->push_back(TreeChange{TreeChange::Kind::kPropertyAdded,
                                ShownPath(path, ""), pb[j]->name, "",
                                FormatValue(*pb[j])});
      ++j;
    } else {
      if (pa[i]->value != pb[j]->value) {
        out->push_back(TreeChange{TreeChange::Kind::kPropertyChanged,
                                  ShownPath(path, ""), pa[i]->name,
                                  FormatValue(*pa[i]), FormatValue(*pb[j])});
      }
      ++i;
      ++j;
    }
  }
}

// A matched pair of nodes whose children are being merged.
struct DiffFrame {
  size_t path_length;                   // Of the node's path.
  std::vector<const Node*> a_children;  // Sorted by name.
  std::vector<const Node*> b_children;
  size_t i = 0, j = 0;  // Merge positions.
};

// Walks both trees in canonical (sorted) order, depth first with an explicit
// stack and one shared path buffer (a tree may nest tens of thousands of
// levels), so `out` comes out sorted by path component by component, then
// property, without a separate sort.
class NodeDiffer {
 public:
  explicit NodeDiffer(std::vector<TreeChange>* out) : out_(out) {}

  void Run(const Node& a, const Node& b) {
    path_ = "/";
    Enter(a, b);
    while (!stack_.empty()) Step();
  }

 private:
  void Enter(const Node& a, const Node& b) {
    DiffProperties(a, b, path_, out_);
    stack_.push_back(DiffFrame{path_.size(), SortedByName(a.children),
                               SortedByName(b.children)});
  }

  std::string ChildOf(absl::string_view name) const {
    return ShownPath(path_, name);
  }

  // One merge step of the innermost frame.
  void Step() {
    DiffFrame& f = stack_.back();
    path_.resize(f.path_length);
    const auto& ca = f.a_children;
    const auto& cb = f.b_children;
    if (f.i == ca.size() && f.j == cb.size()) {
      stack_.pop_back();
    } else if (f.j == cb.size() ||
               (f.i < ca.size() && ca[f.i]->name < cb[f.j]->name)) {
      out_->push_back(TreeChange{TreeChange::Kind::kNodeRemoved,
                                 ChildOf(ca[f.i++]->name), "", "", ""});
    } else if (f.i == ca.size() || cb[f.j]->name < ca[f.i]->name) {
      out_->push_back(TreeChange{TreeChange::Kind::kNodeAdded,
                                 ChildOf(cb[f.j++]->name), "", "", ""});
    } else {
      const Node& na = *ca[f.i++];
      const Node& nb = *cb[f.j++];
      // JoinNodePath()'s rule, in place: the buffer is shared by all levels.
      if (path_.size() > 1) path_.push_back('/');
      path_.append(na.name);
      Enter(na, nb);  // May move `f`; it is not used again.
    }
  }

  std::vector<TreeChange>* out_;
  std::vector<DiffFrame> stack_;
  std::string path_;
};

std::string ShownValue(const std::string& formatted) {
  return formatted.empty() ? "(empty)" : formatted;
}

// ---------------------------------------------------------------------------
// Line diff: Myers, "An O(ND) Difference Algorithm and Its Variations"
// (1986), section 4b, the linear-space refinement. Each box is reduced by
// finding the middle snake of a shortest edit script and splitting around it.

// Marks which lines of `a` are deleted and which lines of `b` are inserted
// by an edit script turning `a` into `b`. Lines are interned ints.
//
// Myers' search costs O((n + m) * D) for D edits, which two large unrelated
// texts (two wide trees) make quadratic. Every unit of work is counted
// against `budget`: a search that runs out splits its box at the furthest
// point it reached (GNU diff's "too expensive" heuristic), and every box
// left after that has only its common head and tail matched and the rest
// replaced. The script is then correct but not always shortest.
class LineDiffer {
 public:
  LineDiffer(const std::vector<int>& a, const std::vector<int>& b,
             int64_t budget)
      : a_(a), b_(b), deleted_(a.size(), false), inserted_(b.size(), false),
        budget_(budget) {}

  void Run();

  const std::vector<bool>& deleted() const { return deleted_; }
  const std::vector<bool>& inserted() const { return inserted_; }
  int64_t steps() const { return steps_; }
  bool shortest() const { return shortest_; }

 private:
  struct Box {
    int a_lo, a_hi, b_lo, b_hi;
  };
  // A diagonal run from (x0, y0) to (x1, y1), in coordinates relative to the
  // box it was found in; possibly empty.
  struct Snake {
    int x0, y0, x1, y1;
  };

  // The box being searched, and the furthest forward point so far.
  struct Search {
    int n, m;
    const int* a;
    const int* b;
    int delta;
    bool odd;
    Snake best{0, 0, 0, 0};
  };

  bool OutOfBudget() const { return steps_ >= budget_; }
  bool FindMiddleSnake(const Box& box, Snake* snake);
  bool ForwardRound(Search& s, int d, Snake* snake);
  bool BackwardRound(Search& s, int d, Snake* snake);
  void MarkAll(const Box& box);

  const std::vector<int>& a_;
  const std::vector<int>& b_;
  std::vector<bool> deleted_;
  std::vector<bool> inserted_;
  const int64_t budget_;
  int64_t steps_ = 0;
  bool shortest_ = true;
  std::vector<int> forward_, backward_;  // Reused across boxes.
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
//
// Returns false when the budget ran out before any forward step was made;
// when it runs out later, `snake` is the empty snake at the furthest point
// (largest x + y) the forward search reached.
bool LineDiffer::FindMiddleSnake(const Box& box, Snake* snake) {
  Search s;
  s.n = box.a_hi - box.a_lo;
  s.m = box.b_hi - box.b_lo;
  s.a = a_.data() + box.a_lo;
  s.b = b_.data() + box.b_lo;
  s.delta = s.n - s.m;
  s.odd = (s.delta % 2) != 0;
  // Diagonals run from -m to n; -1 marks "not reached".
  forward_.assign(s.n + s.m + 1, -1);
  backward_.assign(s.n + s.m + 1, -1);
  steps_ += 2 * (s.n + s.m + 1);
  const int max_d = (s.n + s.m + 1) / 2;
  for (int d = 0; d <= max_d; ++d) {
    if (ForwardRound(s, d, snake) || BackwardRound(s, d, snake)) return true;
    if (OutOfBudget()) {
      *snake = s.best;
      return s.best.x0 + s.best.y0 > 0;
    }
  }
  return false;
}

// Forward: the furthest x on each diagonal reachable with <= d edits. True
// when a path meets the backward search (then `snake` is its last snake).
bool LineDiffer::ForwardRound(Search& s, int d, Snake* snake) {
  auto fwd = [&](int k) -> int& { return forward_[k + s.m]; };
  auto bwd = [&](int k) -> int& { return backward_[k + s.m]; };
  int kmin = std::max(-d, -s.m);
  int kmax = std::min(d, s.n);
  if ((kmin + d) % 2 != 0) ++kmin;
  if ((kmax + d) % 2 != 0) --kmax;
  for (int k = kmin; k <= kmax && !OutOfBudget(); k += 2) {
    ++steps_;
    int x = -1;
    if (d == 0) {
      x = 0;
    } else {
      x = fwd(k);
      // Delete a[x] coming from diagonal k - 1 ...
      if (k - 1 >= -s.m && fwd(k - 1) >= 0) {
        x = std::max(x, std::min(fwd(k - 1) + 1, s.n));
      }
      // ... or insert b[y] coming from diagonal k + 1.
      if (k + 1 <= s.n && fwd(k + 1) >= 0) {
        x = std::max(x, std::min(fwd(k + 1), s.m + k));
      }
    }
    if (x < 0) continue;
    int y = x - k;
    const int x0 = x, y0 = y;
    while (x < s.n && y < s.m && s.a[x] == s.b[y]) {
      ++x;
      ++y;
    }
    steps_ += x - x0;
    fwd(k) = x;
    if (x + y > s.best.x0 + s.best.y0) s.best = Snake{x, y, x, y};
    if (s.odd && std::abs(k - s.delta) <= d - 1 && bwd(k) >= 0 &&
        x >= bwd(k)) {
      *snake = Snake{x0, y0, x, y};
      return true;
    }
  }
  return false;
}

// Backward: the smallest x on each diagonal k = delta + c from which (n, m)
// is reachable with <= d edits. True when a path meets the forward search.
bool LineDiffer::BackwardRound(Search& s, int d, Snake* snake) {
  auto fwd = [&](int k) -> int& { return forward_[k + s.m]; };
  auto bwd = [&](int k) -> int& { return backward_[k + s.m]; };
  int cmin = std::max(-d, -s.n);
  int cmax = std::min(d, s.m);
  if ((cmin + d) % 2 != 0) ++cmin;
  if ((cmax + d) % 2 != 0) --cmax;
  for (int c = cmin; c <= cmax && !OutOfBudget(); c += 2) {
    ++steps_;
    const int k = s.delta + c;
    int x = -1;
    if (d == 0) {
      x = s.n;
    } else {
      auto consider = [&x](int candidate) {
        if (x < 0 || candidate < x) x = candidate;
      };
      if (bwd(k) >= 0) consider(bwd(k));
      // Delete a[x - 1] going back from diagonal k + 1 ...
      if (k + 1 <= s.n && bwd(k + 1) >= 0) {
        consider(std::max(bwd(k + 1) - 1, 0));
      }
      // ... or insert b[y - 1] going back from diagonal k - 1.
      if (k - 1 >= -s.m && bwd(k - 1) >= 0) {
        consider(std::max(bwd(k - 1), k));
      }
    }
    if (x < 0) continue;
    int y = x - k;
    const int x1 = x, y1 = y;
    while (x > 0 && y > 0 && s.a[x - 1] == s.b[y - 1]) {
      --x;
      --y;
    }
    steps_ += x1 - x;
    bwd(k) = x;
    if (!s.odd && std::abs(k) <= d && fwd(k) >= 0 && fwd(k) >= x) {
      *snake = Snake{x, y, x1, y1};
      return true;
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
    // Trimming is linear over all boxes together: they never overlap, and
    // what is trimmed is not looked at again.
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
    if (OutOfBudget()) {
      shortest_ = false;
      MarkAll(box);
      continue;
    }
    Snake s;
    const int size = (box.a_hi - box.a_lo) + (box.b_hi - box.b_lo);
    const bool found = FindMiddleSnake(box, &s);
    if (OutOfBudget()) shortest_ = false;
    // Both halves must be strictly smaller, or the loop would not end. The
    // search guarantees it; falling back to "replace everything" keeps the
    // output a correct (if not shortest) diff should that ever be violated.
    if (!found || s.x0 + s.y0 >= size ||
        (box.a_hi - box.a_lo - s.x1) + (box.b_hi - box.b_lo - s.y1) >= size) {
      shortest_ = false;
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
  NodeDiffer(&changes).Run(a.root, b.root);
  return changes;
}

std::string FormatTreeChanges(const std::vector<TreeChange>& changes) {
  if (changes.empty()) return "no differences\n";
  std::string out;
  // Names come from the blobs unchecked: escaped, one change stays one line.
  auto where = [&out](const TreeChange& c) {
    AppendEscaped(c.path, &out);
    out.push_back(':');
    AppendEscaped(c.property, &out);
  };
  for (const TreeChange& c : changes) {
    switch (c.kind) {
      case TreeChange::Kind::kNodeAdded:
      case TreeChange::Kind::kNodeRemoved:
        out.append(c.kind == TreeChange::Kind::kNodeAdded ? "+ node "
                                                          : "- node ");
        AppendEscaped(c.path, &out);
        out.push_back('\n');
        break;
      case TreeChange::Kind::kPropertyAdded:
        out.append("+ ");
        where(c);
        absl::StrAppend(&out, c.after.empty() ? "" : " = ", c.after, "\n");
        break;
      case TreeChange::Kind::kPropertyRemoved:
        out.append("- ");
        where(c);
        absl::StrAppend(&out, c.before.empty() ? "" : " = ", c.before, "\n");
        break;
      case TreeChange::Kind::kPropertyChanged:
        out.append("~ ");
        where(c);
        absl::StrAppend(&out, " ", ShownValue(c.before), " -> ",
                        ShownValue(c.after), "\n");
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
                        int context, UnifiedDiffStats* stats) {
  UnifiedDiffStats local_stats;
  UnifiedDiffStats& st = stats != nullptr ? *stats : local_stats;
  st = UnifiedDiffStats{};
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

  st.budget = kUnifiedDiffBaseBudget +
              kUnifiedDiffBudgetPerLine *
                  static_cast<int64_t>(a_ids.size() + b_ids.size());
  LineDiffer differ(a_ids, b_ids, st.budget);
  differ.Run();
  st.steps = differ.steps();
  st.shortest = differ.shortest();
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
