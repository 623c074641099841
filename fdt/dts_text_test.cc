#include "fdt/dts_text.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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
// Building blobs with libfdt's sequential-write API, so the tests do not need
// dtc and go through the same Fdt::FromBytes() + ParseTree() path as real
// inputs.


// ---------------------------------------------------------------------------
// FormatValue()

struct FormatCase {
  const char* label;
  std::vector<uint8_t> value;
  std::string expected;
};

TEST(FormatValue, ChoosesStringsCellsOrBytes) {
  const std::vector<FormatCase> cases = {
      {"empty", {}, ""},
      {"string", Str("okay"), "\"okay\""},
      {"string list", Strs({"a", "b", "c"}), "\"a\", \"b\", \"c\""},
      {"string of four bytes beats cells", Str("abc"), "\"abc\""},
      {"string of eight bytes beats cells", Str("abcdefg"), "\"abcdefg\""},
      {"space is printable", Str("a b"), "\"a b\""},
      {"quote and backslash escaped", Str("say \"hi\" \\n"),
       "\"say \\\"hi\\\" \\\\n\""},
      {"no terminator, 3 bytes", Raw("abc"), "[61 62 63]"},
      {"no terminator, 4 bytes", Raw("abcd"), "<0x61626364>"},
      {"leading NUL", Raw(absl::string_view("\0abc", 4)), "<0x616263>"},
      {"lone NUL", Raw(absl::string_view("\0", 1)), "[00]"},
      {"empty string in the middle", Raw(absl::string_view("a\0\0b\0", 5)),
       "[61 00 00 62 00]"},
      {"empty string at the end", Raw(absl::string_view("ab\0\0", 4)),
       "<0x61620000>"},
      {"tab is not printable", Raw(absl::string_view("a\tb\0", 4)),
       "<0x61096200>"},
      {"DEL is not printable", Raw(absl::string_view("a\x7f\0", 3)),
       "[61 7f 00]"},
      {"high byte is not printable", Raw(absl::string_view("\x80\0", 2)),
       "[80 00]"},
      {"one cell", Cells({2}), "<0x2>"},
      {"zero cell", Cells({0}), "<0x0>"},
      {"cells are big-endian", Cells({1, 0x40000000}), "<0x1 0x40000000>"},
      {"lowercase hex", Cells({0xDEADBEEF, 0xff}), "<0xdeadbeef 0xff>"},
      {"bytes", {0x01, 0x02, 0xab}, "[01 02 ab]"},
      {"five bytes", {0, 0, 0, 0, 0x10}, "[00 00 00 00 10]"},
  };
  for (const FormatCase& c : cases) {
    EXPECT_EQ(FormatValue(Property{"p", c.value}), c.expected) << c.label;
  }
}

// ---------------------------------------------------------------------------
// DumpDts()

TEST(DumpDts, EmptyTreeHasHeaderAndRootOnly) {
  absl::StatusOr<Tree> tree = BuildTree(TestNode{"", {}, {}});
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(DumpDts(*tree), "/dts-v1/;\n\n/ {\n};\n");
}

TEST(DumpDts, FullSmallTree) {
  TestNode root{
      "",
      {
          {"model", Str("Raspberry Pi Zero 2 W")},
          {"compatible", Strs({"raspberrypi,model-zero-2-w", "brcm,bcm2837"})},
          {"#size-cells", Cells({1})},
          {"#address-cells", Cells({1})},
      },
      {
          {"soc",
           {{"ranges", {}}, {"compatible", Str("simple-bus")}},
           {{"usb@7e980000",
             {{"status", Str("disabled")},
              {"reg", Cells({0x7e980000, 0x10000})},
              {"mac", {0xb8, 0x27, 0xeb, 0x01, 0x02, 0x03}}},
             {}}}},
          {"chosen",
           {{"bootargs", Str("console=serial0,115200 root=\"/dev/mmcblk0p2\"")},
            {"kaslr-seed", Cells({0, 0})}},
           {}},
      }};
  absl::StatusOr<Tree> tree =
      BuildTree(root, {{0x30000000, 0x100000}, {0x0, 0x1000}});
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(DumpDts(*tree),
            "/dts-v1/;\n"
            "\n"
            "/memreserve/ 0x30000000 0x100000;\n"
            "/memreserve/ 0x0 0x1000;\n"
            "\n"
            "/ {\n"
            "\t#address-cells = <0x1>;\n"
            "\t#size-cells = <0x1>;\n"
            "\tcompatible = \"raspberrypi,model-zero-2-w\", \"brcm,bcm2837\";\n"
            "\tmodel = \"Raspberry Pi Zero 2 W\";\n"
            "\n"
            "\tchosen {\n"
            "\t\tbootargs = \"console=serial0,115200 "
            "root=\\\"/dev/mmcblk0p2\\\"\";\n"
            "\t\tkaslr-seed = <0x0 0x0>;\n"
            "\t};\n"
            "\n"
            "\tsoc {\n"
            "\t\tcompatible = \"simple-bus\";\n"
            "\t\tranges;\n"
            "\n"
            "\t\tusb@7e980000 {\n"
            "\t\t\tmac = [b8 27 eb 01 02 03];\n"
            "\t\t\treg = <0x7e980000 0x10000>;\n"
            "\t\t\tstatus = \"disabled\";\n"
            "\t\t};\n"
            "\t};\n"
            "};\n");
}

TEST(DumpDts, MemReservesKeepBlobOrder) {
  absl::StatusOr<Tree> tree =
      BuildTree(TestNode{"", {}, {}}, {{0x2000, 0x10}, {0x1000, 0xffffffffff}});
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(DumpDts(*tree),
            "/dts-v1/;\n\n"
            "/memreserve/ 0x2000 0x10;\n"
            "/memreserve/ 0x1000 0xffffffffff;\n"
            "\n"
            "/ {\n};\n");
}

TEST(DumpDts, OrderOfPropertiesAndChildrenIsIrrelevant) {
  const TestNode leaf_a{"a@1", {{"x", Cells({1})}, {"y", Str("y")}}, {}};
  const TestNode leaf_a_shuffled{"a@1", {{"y", Str("y")}, {"x", Cells({1})}},
                                 {}};
  const TestNode leaf_b{"b", {{"z", {}}}, {}};
  absl::StatusOr<Tree> one = BuildTree(
      TestNode{"", {{"p", Str("1")}, {"q", Str("2")}}, {leaf_a, leaf_b}});
  absl::StatusOr<Tree> two = BuildTree(TestNode{
      "", {{"q", Str("2")}, {"p", Str("1")}}, {leaf_b, leaf_a_shuffled}});
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(DumpDts(*one), DumpDts(*two));

  // ... while a change in content is not hidden by the sorting.
  absl::StatusOr<Tree> three = BuildTree(
      TestNode{"", {{"p", Str("1")}, {"q", Str("3")}}, {leaf_a, leaf_b}});
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_NE(DumpDts(*one), DumpDts(*three));
}

TEST(DumpDts, SortsByteWise) {
  // '#' (0x23) < ',' (0x2c) < '-' (0x2d) < 'A' (0x41) < 'a' (0x61): byte
  // order, not locale or case-folding order.
  absl::StatusOr<Tree> tree = BuildTree(TestNode{
      "",
      {{"a", {}}, {"A", {}}, {"-x", {}}, {",y", {}}, {"#z", {}}},
      {{"node-b", {}, {}}, {"node@1", {}, {}}, {"Node", {}, {}}}});
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(DumpDts(*tree),
            "/dts-v1/;\n\n/ {\n"
            "\t#z;\n\t,y;\n\t-x;\n\tA;\n\ta;\n"
            "\n\tNode {\n\t};\n"
            "\n\tnode-b {\n\t};\n"
            "\n\tnode@1 {\n\t};\n"
            "};\n");
}

TEST(DumpDts, FdtOverloadMatchesTreeOverload) {
  absl::StatusOr<Fdt> fdt = BuildFdt(
      TestNode{"", {{"model", Str("m")}}, {{"chosen", {}, {}}}}, {{1, 2}});
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  absl::StatusOr<Tree> tree = ParseTree(*fdt);
  ASSERT_TRUE(tree.ok()) << tree.status();
  absl::StatusOr<std::string> dumped = DumpDts(*fdt);
  ASSERT_TRUE(dumped.ok()) << dumped.status();
  EXPECT_EQ(*dumped, DumpDts(*tree));
  EXPECT_EQ(*dumped,
            "/dts-v1/;\n\n/memreserve/ 0x1 0x2;\n\n/ {\n"
            "\tmodel = \"m\";\n\n\tchosen {\n\t};\n};\n");
}

TEST(DumpDts, DeepTreeDumpsWithBoundedIndentation) {
  constexpr int kDeep = 50000;
  absl::StatusOr<Fdt> fdt = DeepFdt(kDeep, "a", {{"leaf", Str("bottom")}});
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  absl::StatusOr<std::string> dumped = DumpDts(*fdt);
  ASSERT_TRUE(dumped.ok()) << dumped.status();
  absl::StatusOr<Tree> tree = ParseTree(*fdt);
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(*dumped, DumpDts(*tree));

  // Every level is there: one "a {" and one "};" each (plus the root's).
  const std::vector<absl::string_view> lines = absl::StrSplit(*dumped, '\n');
  int opened = 0, closed = 0;
  size_t widest_indent = 0;
  for (absl::string_view line : lines) {
    const size_t indent = line.find_first_not_of('\t');
    if (indent == absl::string_view::npos) continue;
    widest_indent = std::max(widest_indent, indent);
    if (line.substr(indent) == "a {") ++opened;
    if (line.substr(indent) == "};") ++closed;
  }
  EXPECT_EQ(opened, kDeep);
  EXPECT_EQ(closed, kDeep + 1);
  EXPECT_EQ(widest_indent, kMaxDumpIndent);
  EXPECT_NE(dumped->find(absl::StrCat(std::string(kMaxDumpIndent, '\t'),
                                      "leaf = \"bottom\";\n")),
            std::string::npos);
  // Linear in the blob: without the cap this text is about 2.5 GB.
  EXPECT_LT(dumped->size(), 8 * fdt->size());
}

TEST(DumpDts, ControlBytesInNamesAreEscaped) {
  absl::StatusOr<Fdt> fdt = BuildFdt(TestNode{
      "",
      {{"evil\nname", Str("x")}, {"back\\slash", {}}},
      {{"node\x1b[2J\r", {{"p\xff", Cells({1})}}, {}}}});
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  absl::StatusOr<std::string> dumped = DumpDts(*fdt);
  ASSERT_TRUE(dumped.ok()) << dumped.status();
  EXPECT_EQ(*dumped,
            "/dts-v1/;\n\n/ {\n"
            "\tback\\\\slash;\n"
            "\tevil\\x0aname = \"x\";\n"
            "\n\tnode\\x1b[2J\\x0d {\n"
            "\t\tp\\xff = <0x1>;\n"
            "\t};\n"
            "};\n");
  for (char c : *dumped) {
    EXPECT_TRUE(c == '\n' || c == '\t' || (c >= 0x20 && c <= 0x7e))
        << static_cast<int>(c);
  }
}

}  // namespace
}  // namespace fdt_handoff
