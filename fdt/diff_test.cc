#include "fdt/diff.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fdt/blob.h"
#include "fdt/test_trees.h"
#include "fdt/tree.h"
#include "gtest/gtest.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

// ---------------------------------------------------------------------------
// Building trees from blobs written with libfdt's sequential-write API.

// A board-like tree that the DiffTrees tests modify.
TestNode BaseNode() {
  return TestNode{
      "",
      {{"model", Str("Raspberry Pi Zero 2 W")}, {"#address-cells", Cells({1})}},
      {{"chosen",
        {{"bootargs", Str("console=ttyS0")}, {"kaslr-seed", Cells({0, 0})}},
        {}},
       {"soc",
        {},
        {{"usb@5310000", {{"status", Str("disabled")}}, {}},
         {"i2c@5002000",
          {{"status", Str("okay")}},
          {{"eeprom@50", {{"reg", Cells({0x50})}}, {}}}}}}}};
}

TestNode* Child(TestNode* node, absl::string_view name) {
  for (TestNode& c : node->children) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TestProp* Prop(TestNode* node, absl::string_view name) {
  for (TestProp& p : node->props) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<TreeChange> Diff(const TestNode& a, const TestNode& b,
                             const MemReserves& ra = {},
                             const MemReserves& rb = {}) {
  absl::StatusOr<Tree> ta = BuildTree(a, ra);
  absl::StatusOr<Tree> tb = BuildTree(b, rb);
  EXPECT_TRUE(ta.ok()) << ta.status();
  EXPECT_TRUE(tb.ok()) << tb.status();
  if (!ta.ok() || !tb.ok()) return {};
  return DiffTrees(*ta, *tb);
}

// ---------------------------------------------------------------------------
// DiffTrees() / FormatTreeChanges()

TEST(DiffTrees, IdenticalTreesHaveNoChanges) {
  const std::vector<TreeChange> changes = Diff(BaseNode(), BaseNode());
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(FormatTreeChanges(changes), "no differences\n");
}

TEST(DiffTrees, OrderIsNotAChange) {
  TestNode shuffled = BaseNode();
  std::reverse(shuffled.props.begin(), shuffled.props.end());
  std::reverse(shuffled.children.begin(), shuffled.children.end());
  TestNode* soc = Child(&shuffled, "soc");
  ASSERT_NE(soc, nullptr);
  std::reverse(soc->children.begin(), soc->children.end());
  EXPECT_EQ(FormatTreeChanges(Diff(BaseNode(), shuffled,
                                   {{0x1000, 0x10}, {0x2000, 0x20}},
                                   {{0x2000, 0x20}, {0x1000, 0x10}})),
            "no differences\n");
}

TEST(DiffTrees, AddedNodeIsReportedOnceWithoutItsContents) {
  TestNode after = BaseNode();
  Child(&after, "soc")
      ->children.push_back(TestNode{
          "mmc@4020000",
          {{"status", Str("okay")}},
          {{"sdio@1", {{"reg", Cells({1})}}, {}}}});
  const std::vector<TreeChange> changes = Diff(BaseNode(), after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, TreeChange::Kind::kNodeAdded);
  EXPECT_EQ(changes[0].path, "/soc/mmc@4020000");
  EXPECT_EQ(changes[0].property, "");
  EXPECT_EQ(FormatTreeChanges(changes), "+ node /soc/mmc@4020000\n");
}

TEST(DiffTrees, RemovedNodeIsReportedOnceWithoutItsContents) {
  TestNode after = BaseNode();
  std::vector<TestNode>& soc_children = Child(&after, "soc")->children;
  soc_children.erase(std::remove_if(soc_children.begin(), soc_children.end(),
                                    [](const TestNode& n) {
                                      return n.name == "i2c@5002000";
                                    }),
                     soc_children.end());
  const std::vector<TreeChange> changes = Diff(BaseNode(), after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, TreeChange::Kind::kNodeRemoved);
  EXPECT_EQ(changes[0].path, "/soc/i2c@5002000");
  EXPECT_EQ(FormatTreeChanges(changes), "- node /soc/i2c@5002000\n");
}

TEST(DiffTrees, PropertyAddedRemovedChanged) {
  TestNode after = BaseNode();
  TestNode* chosen = Child(&after, "chosen");
  Prop(chosen, "bootargs")->value = Str("console=ttyS0 quiet");
  chosen->props.erase(chosen->props.begin() + 1);  // kaslr-seed
  chosen->props.push_back({"linux,initrd-start", Cells({0x2000000})});
  Prop(Child(Child(&after, "soc"), "usb@5310000"), "status")->value =
      Str("okay");
  after.props.push_back({"dma-coherent", {}});

  const std::vector<TreeChange> changes = Diff(BaseNode(), after);
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes[0].kind, TreeChange::Kind::kPropertyAdded);
  EXPECT_EQ(changes[0].path, "/");
  EXPECT_EQ(changes[0].property, "dma-coherent");
  EXPECT_EQ(changes[0].after, "");

  EXPECT_EQ(changes[1].kind, TreeChange::Kind::kPropertyChanged);
  EXPECT_EQ(changes[1].path, "/chosen");
  EXPECT_EQ(changes[1].property, "bootargs");
  EXPECT_EQ(changes[1].before, "\"console=ttyS0\"");
  EXPECT_EQ(changes[1].after, "\"console=ttyS0 quiet\"");

  EXPECT_EQ(changes[2].kind, TreeChange::Kind::kPropertyRemoved);
  EXPECT_EQ(changes[2].property, "kaslr-seed");
  EXPECT_EQ(changes[2].before, "<0x0 0x0>");
  EXPECT_EQ(changes[2].after, "");

  EXPECT_EQ(changes[3].kind, TreeChange::Kind::kPropertyAdded);
  EXPECT_EQ(changes[3].property, "linux,initrd-start");
  EXPECT_EQ(changes[3].after, "<0x2000000>");

  EXPECT_EQ(changes[4].kind, TreeChange::Kind::kPropertyChanged);
  EXPECT_EQ(changes[4].path, "/soc/usb@5310000");

  EXPECT_EQ(FormatTreeChanges(changes),
            "+ /:dma-coherent\n"
            "~ /chosen:bootargs \"console=ttyS0\" -> \"console=ttyS0 quiet\"\n"
            "- /chosen:kaslr-seed = <0x0 0x0>\n"
            "+ /chosen:linux,initrd-start = <0x2000000>\n"
            "~ /soc/usb@5310000:status \"disabled\" -> \"okay\"\n");
}

TEST(DiffTrees, EmptyValuesInChangesAreShownAsEmpty) {
  TestNode before{"", {{"flag", {}}, {"gone", {}}}, {}};
  TestNode after{"", {{"flag", Cells({1})}}, {}};
  EXPECT_EQ(FormatTreeChanges(Diff(before, after)),
            "~ /:flag (empty) -> <0x1>\n"
            "- /:gone\n");
  EXPECT_EQ(FormatTreeChanges(Diff(after, before)),
            "~ /:flag <0x1> -> (empty)\n"
            "+ /:gone\n");
}

TEST(DiffTrees, MemReservesAreComparedAsAMultiset) {
  const std::vector<TreeChange> changes =
      Diff(BaseNode(), BaseNode(),
           {{0x1000, 0x10}, {0x30000000, 0x100000}, {0x1000, 0x10}},
           {{0x30000000, 0x100000}, {0x1000, 0x10}, {0x0, 0x1000}});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, TreeChange::Kind::kMemReserveAdded);
  EXPECT_EQ(changes[0].path, "/memreserve/");
  EXPECT_EQ(changes[0].after, "0x0 0x1000");
  EXPECT_EQ(changes[1].kind, TreeChange::Kind::kMemReserveRemoved);
  EXPECT_EQ(changes[1].before, "0x1000 0x10");
  EXPECT_EQ(FormatTreeChanges(changes),
            "+ /memreserve/ 0x0 0x1000\n"
            "- /memreserve/ 0x1000 0x10\n");
}

TEST(DiffTrees, SortedByPathComponentsThenProperty) {
  // "soc-x" sorts after everything under "soc", although '-' < '/' would put
  // it first in a plain string comparison of paths.
  TestNode before{"", {}, {{"soc", {}, {{"a", {}, {}}}}}};
  TestNode after{"",
                 {{"z", {}}},
                 {{"soc-x", {}, {}},
                  {"soc", {{"p", {}}}, {{"a", {{"q", {}}}, {}}, {"b", {}, {}}}}}};
  EXPECT_EQ(FormatTreeChanges(Diff(before, after, {{5, 5}}, {})),
            "- /memreserve/ 0x5 0x5\n"
            "+ /:z\n"
            "+ /soc:p\n"
            "+ /soc/a:q\n"
            "+ node /soc/b\n"
            "+ node /soc-x\n");
}

TEST(DiffTrees, DeepTreesCompareWithBoundedPaths) {
  constexpr int kDeep = 50000;
  absl::StatusOr<Fdt> a = DeepFdt(kDeep, "a", {{"leaf", Str("old")}});
  absl::StatusOr<Fdt> b = DeepFdt(kDeep, "a", {{"leaf", Str("new")}});
  absl::StatusOr<Fdt> shorter = DeepFdt(kDeep - 1);
  ASSERT_TRUE(a.ok() && b.ok() && shorter.ok());
  absl::StatusOr<Tree> ta = ParseTree(*a);
  absl::StatusOr<Tree> tb = ParseTree(*b);
  absl::StatusOr<Tree> ts = ParseTree(*shorter);
  ASSERT_TRUE(ta.ok() && tb.ok() && ts.ok());

  const std::vector<TreeChange> changed = DiffTrees(*ta, *tb);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].kind, TreeChange::Kind::kPropertyChanged);
  EXPECT_EQ(changed[0].property, "leaf");
  // 100,000 characters in full; shortened around "/..." with whole
  // components on both sides.
  const std::string& path = changed[0].path;
  EXPECT_LE(path.size(), 1024u + 8u);
  EXPECT_TRUE(absl::StartsWith(path, "/a/a/a/")) << path.substr(0, 20);
  EXPECT_TRUE(absl::EndsWith(path, "/a/a/a")) << path;
  EXPECT_NE(path.find("/a/.../a/"), std::string::npos);
  EXPECT_EQ(FormatTreeChanges(changed),
            absl::StrCat("~ ", path, ":leaf \"old\" -> \"new\"\n"));

  const std::vector<TreeChange> removed = DiffTrees(*ta, *ts);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].kind, TreeChange::Kind::kNodeRemoved);
  EXPECT_TRUE(absl::EndsWith(removed[0].path, "/a/a"));
  EXPECT_LE(removed[0].path.size(), 1024u + 8u);
}

TEST(DiffTrees, ShortPathsAreNotShortened) {
  // A 1,000-byte path (250 levels of "abc") is kept whole.
  TestNode root{"", {}, {}};
  TestNode* at = &root;
  std::string path;
  for (int i = 0; i < 250; ++i) {
    at->children.push_back(TestNode{"abc", {}, {}});
    at = &at->children.back();
    path += "/abc";
  }
  TestNode after = root;
  at->props.push_back({"p", {}});
  const std::vector<TreeChange> changes = Diff(root, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, path);
}

TEST(FormatTreeChanges, ControlBytesInNamesAreEscaped) {
  const std::vector<TreeChange> changes = {
      {TreeChange::Kind::kNodeAdded, "/bad\nnode", "", "", ""},
      {TreeChange::Kind::kPropertyChanged, "/x\x1b", "p\rq", "<0x1>",
       "<0x2>"},
      {TreeChange::Kind::kPropertyRemoved, "/", "\\", "", ""},
  };
  EXPECT_EQ(FormatTreeChanges(changes),
            "+ node /bad\\x0anode\n"
            "~ /x\\x1b:p\\x0dq <0x1> -> <0x2>\n"
            "- /:\\\\\n");
}

// ---------------------------------------------------------------------------
// UnifiedDiff(). Expected outputs were produced by GNU diffutils 3.8 with
// `diff -u --label a --label b` (or -U<n>).

std::string Lines(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) absl::StrAppend(&out, i, "\n");
  return out;
}

std::string Replace(std::string text, absl::string_view from,
                    absl::string_view to) {
  const size_t at = text.find(absl::StrCat("\n", from, "\n"));
  if (at != std::string::npos) {
    text.replace(at + 1, from.size(), std::string(to));
  } else if (absl::StartsWith(text, absl::StrCat(from, "\n"))) {
    text.replace(0, from.size(), std::string(to));
  }
  return text;
}

struct UnifiedCase {
  const char* label;
  std::string a;
  std::string b;
  int context;
  std::string expected;
};

TEST(UnifiedDiff, MatchesGnuDiff) {
  const std::string ten = Lines(1, 10);
  const std::string thirty = Lines(1, 30);
  const std::vector<UnifiedCase> cases = {
      {"equal", ten, ten, 3, ""},
      {"both empty", "", "", 3, ""},
      {"insert at start", ten, "new\n" + ten, 3,
       "--- a\n+++ b\n@@ -1,3 +1,4 @@\n+new\n 1\n 2\n 3\n"},
      {"insert at end", ten, ten + "new\n", 3,
       "--- a\n+++ b\n@@ -8,3 +8,4 @@\n 8\n 9\n 10\n+new\n"},
      {"change in the middle", ten, Replace(ten, "5", "five"), 3,
       "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
      {"delete two lines", ten, Replace(Replace(ten, "4", "x"), "5", "x"), 3,
       "--- a\n+++ b\n@@ -1,8 +1,8 @@\n 1\n 2\n 3\n-4\n-5\n+x\n+x\n 6\n 7\n"
       " 8\n"},
      {"far apart changes make two hunks", thirty,
       Replace(Replace(thirty, "3", "three"), "25", "twentyfive"), 3,
       "--- a\n+++ b\n"
       "@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n"
       "@@ -22,7 +22,7 @@\n 22\n 23\n 24\n-25\n+twentyfive\n 26\n 27\n 28\n"},
      {"gap of 2*context joins hunks", thirty,
       Replace(Replace(thirty, "3", "x"), "10", "y"), 3,
       "--- a\n+++ b\n@@ -1,13 +1,13 @@\n 1\n 2\n-3\n+x\n 4\n 5\n 6\n 7\n 8\n"
       " 9\n-10\n+y\n 11\n 12\n 13\n"},
      {"gap of 2*context+1 splits hunks", thirty,
       Replace(Replace(thirty, "3", "x"), "11", "y"), 3,
       "--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+x\n 4\n 5\n 6\n"
       "@@ -8,7 +8,7 @@\n 8\n 9\n 10\n-11\n+y\n 12\n 13\n 14\n"},
      {"context 1", thirty, Replace(Replace(thirty, "3", "x"), "10", "y"), 1,
       "--- a\n+++ b\n@@ -2,3 +2,3 @@\n 2\n-3\n+x\n 4\n"
       "@@ -9,3 +9,3 @@\n 9\n-10\n+y\n 11\n"},
      {"from empty", "", "a\nb\nc\n", 3,
       "--- a\n+++ b\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"},
      {"to empty", "a\nb\nc\n", "", 3,
       "--- a\n+++ b\n@@ -1,3 +0,0 @@\n-a\n-b\n-c\n"},
      {"one-line ranges omit the count", "a\nb\nc\n", "a\nB\nc\n", 0,
       "--- a\n+++ b\n@@ -2 +2 @@\n-b\n+B\n"},
      {"empty range names the line before", ten,
       "1\n2\n3\n6\n7\n8\n9\n10\n", 0,
       "--- a\n+++ b\n@@ -4,2 +3,0 @@\n-4\n-5\n"},
      {"insert at start without context", ten, "new\n" + ten, 0,
       "--- a\n+++ b\n@@ -0,0 +1 @@\n+new\n"},
      {"insert at end without context", ten, ten + "new\n", 0,
       "--- a\n+++ b\n@@ -10,0 +11 @@\n+new\n"},
      {"no newline at end", "a\nb", "a\nc", 3,
       "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
       "+c\n\\ No newline at end of file\n"},
      {"newline added at end", "a\nb", "a\nb\n", 3,
       "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
       "+b\n"},
      {"negative context is zero", "a\nb\nc\n", "a\nB\nc\n", -5,
       "--- a\n+++ b\n@@ -2 +2 @@\n-b\n+B\n"},
  };
  for (const UnifiedCase& c : cases) {
    EXPECT_EQ(UnifiedDiff(c.a, c.b, "a", "b", c.context), c.expected)
        << c.label;
  }
}

TEST(UnifiedDiff, UsesTheGivenNames) {
  EXPECT_EQ(UnifiedDiff("x\n", "y\n", "golden/x.dts", "actual"),
            "--- golden/x.dts\n+++ actual\n@@ -1 +1 @@\n-x\n+y\n");
}

// Length of a longest common subsequence, by the textbook quadratic DP.
int LcsLength(const std::vector<std::string>& a,
              const std::vector<std::string>& b) {
  std::vector<std::vector<int>> t(a.size() + 1,
                                  std::vector<int>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1
                                     : std::max(t[i - 1][j], t[i][j - 1]);
    }
  }
  return t[a.size()][b.size()];
}

// Random texts over tiny alphabets are full of ties and boundary cases; the
// diff must reproduce both texts and be as short as the LCS allows.
TEST(UnifiedDiff, RandomTextsGiveValidShortestDiffs) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 3000; ++round) {
    const int alphabet = 1 + round % 4;
    std::uniform_int_distribution<int> length(0, 14);
    std::uniform_int_distribution<int> letter(0, alphabet - 1);
    std::vector<std::string> a(length(rng)), b(length(rng));
    for (std::string& line : a) line = std::string(1, 'a' + letter(rng));
    for (std::string& line : b) line = std::string(1, 'a' + letter(rng));
    const std::string text_a =
        a.empty() ? "" : absl::StrCat(absl::StrJoin(a, "\n"), "\n");
    const std::string text_b =
        b.empty() ? "" : absl::StrCat(absl::StrJoin(b, "\n"), "\n");

    // With context covering everything there is at most one hunk, and its
    // ' '/'-' lines spell `a` and its ' '/'+' lines spell `b`.
    const std::string diff = UnifiedDiff(text_a, text_b, "a", "b", 100);
    if (a == b) {
      EXPECT_EQ(diff, "");
      continue;
    }
    std::vector<std::string> got_a, got_b;
    int edits = 0;
    std::vector<absl::string_view> lines = absl::StrSplit(diff, '\n');
    ASSERT_GE(lines.size(), 4u) << diff;
    ASSERT_EQ(lines[0], "--- a");
    ASSERT_EQ(lines[1], "+++ b");
    ASSERT_TRUE(absl::StartsWith(lines[2], "@@ ")) << diff;
    for (size_t i = 3; i + 1 < lines.size(); ++i) {
      ASSERT_FALSE(lines[i].empty()) << diff;
      const std::string body(lines[i].substr(1));
      switch (lines[i][0]) {
        case ' ':
          got_a.push_back(body);
          got_b.push_back(body);
          break;
        case '-':
          got_a.push_back(body);
          ++edits;
          break;
        case '+':
          got_b.push_back(body);
          ++edits;
          break;
        default:
          FAIL() << "unexpected line in\n" << diff;
      }
    }
    ASSERT_EQ(got_a, a) << diff;
    ASSERT_EQ(got_b, b) << diff;
    const int shortest =
        static_cast<int>(a.size() + b.size()) - 2 * LcsLength(a, b);
    ASSERT_EQ(edits, shortest) << "a=" << absl::StrJoin(a, "")
                               << " b=" << absl::StrJoin(b, "") << "\n"
                               << diff;
  }
}

// Applies a unified diff to `a`: every hunk's ' ' and '-' lines must match
// `a` where the header says; returns the patched text (or a message).
std::string Patch(absl::string_view a, absl::string_view diff) {
  std::vector<std::string> in;
  for (absl::string_view l : absl::StrSplit(a, '\n')) in.emplace_back(l);
  if (!in.empty() && in.back().empty()) in.pop_back();
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(diff, '\n')) lines.emplace_back(l);
  std::vector<std::string> out;
  size_t next = 0;  // Next line of `in` to copy.
  for (size_t i = 2; i < lines.size() && !lines[i].empty(); ++i) {
    if (absl::StartsWith(lines[i], "@@ -")) {
      int start = 0;
      if (!absl::SimpleAtoi(lines[i].substr(4, lines[i].find_first_of(", ", 4) - 4),
                            &start)) {
        return "bad hunk header " + lines[i];
      }
      // "l,0" names the line before an empty range.
      const bool empty = absl::StrContains(
          lines[i].substr(0, lines[i].find(" +")), ",0");
      const size_t first = static_cast<size_t>(empty ? start : start - 1);
      if (first < next) return "hunks overlap at " + lines[i];
      while (next < first) out.push_back(in[next++]);
      continue;
    }
    const std::string body = lines[i].substr(1);
    if (lines[i][0] == '+') {
      out.push_back(body);
      continue;
    }
    if (next >= in.size() || in[next] != body) {
      return absl::StrCat("line ", next + 1, " does not match: ", lines[i]);
    }
    if (lines[i][0] == ' ') out.push_back(body);
    ++next;
  }
  while (next < in.size()) out.push_back(in[next++]);
  return absl::StrCat(absl::StrJoin(out, "\n"), "\n");
}

// The canonical dump of a wide tree: `count` nodes under /soc, unit
// addresses from `first` in steps of `step`, and a status that alternates
// with `phase`. Two such texts share most short lines ("};", statuses) but
// little structure: the shape that made the unbounded search quadratic.
std::string WideDts(int count, int first, int step, int phase) {
  std::string text = "/dts-v1/;\n\n/ {\n\tsoc {\n";
  for (int i = 0; i < count; ++i) {
    const int unit = first + i * step;
    absl::StrAppend(&text, "\n\t\tdev@", absl::Hex(unit), " {\n",
                    "\t\t\treg = <0x", absl::Hex(unit), " 0x100>;\n",
                    "\t\t\tstatus = \"", (i + phase) % 3 ? "okay" : "disabled",
                    "\";\n\t\t};\n");
  }
  return text + "\t};\n};\n";
}

TEST(UnifiedDiff, WorkOnWideTreesIsBoundedAndTheDiffStaysCorrect) {
  // About 100,000 lines a side, as in two 1 MB DTBs.
  const std::string a = WideDts(20000, 0x1000, 0x100, 0);
  const std::string b = WideDts(20000, 0x1080, 0x180, 1);
  const int64_t lines = std::count(a.begin(), a.end(), '\n') +
                        std::count(b.begin(), b.end(), '\n');
  UnifiedDiffStats stats;
  const std::string diff = UnifiedDiff(a, b, "a", "b", 3, &stats);
  EXPECT_EQ(stats.budget,
            kUnifiedDiffBaseBudget + kUnifiedDiffBudgetPerLine * lines);
  EXPECT_LE(stats.steps, stats.budget + 3 * lines + 2);
  // The unbounded search needs far more than the budget here.
  EXPECT_FALSE(stats.shortest);
  EXPECT_EQ(Patch(a, diff), b);
  // Bounded output, too: at most every line of both texts once, plus hunk
  // headers.
  EXPECT_LE(static_cast<int64_t>(std::count(diff.begin(), diff.end(), '\n')),
            2 * lines);
}

TEST(UnifiedDiff, SmallEditsInLargeTextsStayShortestAndCheap) {
  std::string a, b;
  for (int i = 0; i < 50000; ++i) {
    absl::StrAppend(&a, "line ", i, "\n");
    absl::StrAppend(&b, i % 1000 == 500 ? "edited " : "line ", i, "\n");
  }
  UnifiedDiffStats stats;
  const std::string diff = UnifiedDiff(a, b, "a", "b", 3, &stats);
  EXPECT_TRUE(stats.shortest);
  EXPECT_LT(stats.steps, stats.budget / 4);
  EXPECT_EQ(std::count(diff.begin(), diff.end(), '@'), 50 * 4);
  EXPECT_EQ(Patch(a, diff), b);
}

TEST(UnifiedDiff, LargeTextsAreFast) {
  // 5000 lines with 50 scattered one-line edits, then two 5000-line texts
  // with nothing in common (the worst case for an O(ND) search). Run time is
  // bounded by the test timeout; a quadratic-memory implementation would
  // need gigabytes here.
  std::string a, b, c;
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&a, "line ", i, "\n");
    absl::StrAppend(&b, i % 100 == 50 ? "edited " : "line ", i, "\n");
    absl::StrAppend(&c, "other ", i, "\n");
  }
  const std::string diff = UnifiedDiff(a, b, "a", "b");
  EXPECT_EQ(std::count(diff.begin(), diff.end(), '@'), 50 * 4);
  EXPECT_NE(diff.find("\n-line 4950\n+edited 4950\n"), std::string::npos);

  const std::string unrelated = UnifiedDiff(a, c, "a", "c");
  EXPECT_TRUE(absl::StartsWith(unrelated,
                               "--- a\n+++ c\n@@ -1,5000 +1,5000 @@\n-line 0\n"))
      << unrelated.substr(0, 200);
  EXPECT_EQ(std::count(unrelated.begin(), unrelated.end(), '\n'), 3 + 10000);
}

}  // namespace
}  // namespace fdt_handoff
