#include "fdt/overlay.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/blob.h"
#include "fdt/endian.h"
#include "fdt/test_trees.h"
#include "fdt/tree.h"
#include "fdt/tree_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kPlain612[] =
    "testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols612[] =
    "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";

Fdt Load(const std::string& path) {
  auto fdt = Fdt::FromFile(path);
  EXPECT_TRUE(fdt.ok()) << fdt.status();
  return *std::move(fdt);
}

std::string Str(const Tree& tree, const std::string& path,
                const std::string& prop) {
  const Node* n = tree.Find(path);
  if (n == nullptr) return "(no node)";
  const Property* p = n->FindProperty(prop);
  if (p == nullptr) return "(no property)";
  const auto s = PropertyStrings(*p);
  return s.empty() ? "" : s[0];
}

uint32_t Cell(const Tree& tree, const std::string& path,
              const std::string& prop) {
  const Node* n = tree.Find(path);
  const Property* p = n != nullptr ? n->FindProperty(prop) : nullptr;
  return p != nullptr && p->value.size() == 4 ? LoadBe32(p->value.data()) : 0;
}

// What the expansion-board overlay must have done to a tree.
void ExpectUsbEnabled(const Tree& t) {
  for (const char* usb : {"/soc/usb@5310000", "/soc/usb@5310400",
                          "/soc/usb@5311000", "/soc/usb@5311400"}) {
    EXPECT_EQ(Str(t, usb, "status"), "okay") << usb;
  }
  const uint32_t vcc5v = Cell(t, "/vcc5v", "phandle");
  ASSERT_NE(vcc5v, 0u);
  EXPECT_EQ(Cell(t, "/soc/phy@5100400", "usb1_vbus-supply"), vcc5v);
  EXPECT_EQ(Cell(t, "/soc/phy@5100400", "usb2_vbus-supply"), vcc5v);
  EXPECT_EQ(Cell(t, "/soc/phy@5100400", "usb3_vbus-supply"), vcc5v);
}

TEST(ApplyOverlays, SymbolBearingBaseAppliesDirectly) {
  const Fdt base = Load(kSymbols612);
  const std::vector<uint8_t> pristine(base.bytes().begin(), base.bytes().end());
  OverlayReport report;
  auto out = ApplyOverlays(base, {Load(kUsb)}, {}, &report);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(report.grafted.empty());
  ASSERT_EQ(report.applied.size(), 1u);
  auto tree = ParseTree(*out);
  ASSERT_TRUE(tree.ok());
  ExpectUsbEnabled(*tree);
  EXPECT_TRUE(std::equal(pristine.begin(), pristine.end(),
                         base.bytes().begin(), base.bytes().end()));
}

TEST(ApplyOverlays, SymbolLessBaseWithoutSourceNamesLabelAndCure) {
  const Fdt base = Load(kPlain612);
  auto out = ApplyOverlays(base, {Load(kUsb)}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out.status().message(),
            absl::StrCat(kUsb, ": fragment@0: label 'ehci2' is not defined in ",
                         kPlain612,
                         " (model \"OrangePi Zero 2W\"); the base has no "
                         "/__symbols__ (not built with dtc -@): pass "
                         "--symbols-from a DTB of the same board built with "
                         "-@, or a --live FDT that has symbols"));
}

// The central promise: grafting labels into Debian's symbol-less DTB gives
// the same tree as applying the overlay to the -@ build of the same source.
TEST(ApplyOverlays, GraftedResultEqualsSymbolBuildResult) {
  const Fdt plain = Load(kPlain612);
  const Fdt symbols = Load(kSymbols612);
  OverlayOptions options;
  options.symbol_source = &symbols;
  OverlayReport report;
  auto grafted = ApplyOverlays(plain, {Load(kUsb)}, options, &report);
  ASSERT_TRUE(grafted.ok()) << grafted.status();
  auto direct = ApplyOverlays(symbols, {Load(kUsb)}, {});
  ASSERT_TRUE(direct.ok()) << direct.status();

  std::vector<std::string> labels;
  for (const GraftedLabel& g : report.grafted) labels.push_back(g.label);
  EXPECT_THAT(labels, ::testing::ElementsAre("ehci2", "ehci3", "ohci2",
                                             "ohci3", "reg_vcc5v", "usbphy"));
  // The USB nodes had no phandle in Debian's build: they got the -@ build's.
  auto g = ParseTree(*grafted);
  auto d = ParseTree(*direct);
  ASSERT_TRUE(g.ok() && d.ok());
  ExpectUsbEnabled(*g);
  for (const GraftedLabel& l : report.grafted) {
    EXPECT_EQ(l.phandle, Cell(*d, l.path, "phandle")) << l.label;
  }
  // Grafted symbols are gone again; the base had none.
  EXPECT_EQ(g->Find("/__symbols__"), nullptr);
  StripSymbolsAndPhandles(&g->root);
  StripSymbolsAndPhandles(&d->root);
  // The -@ build keeps /omit-if-no-ref/ pin groups the plain build drops;
  // those, and only those, are pruned before comparing.
  for (const std::string& pruned : PruneTo(g->root, &d->root)) {
    EXPECT_THAT(pruned, ::testing::StartsWith("/soc/pinctrl@300b000/"));
  }
  std::string where;
  EXPECT_TRUE(SameTree(g->root, d->root, &where)) << "differs at " << where;
}

TEST(ApplyOverlays, MissingLabelNamesLabelModelAndFragment) {
  const Fdt base = Load(kSymbols612);
  auto out = ApplyOverlays(
      base, {Load("testdata/overlays/zero2w-emac1.dtbo")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out.status().message(),
            absl::StrCat("testdata/overlays/zero2w-emac1.dtbo: fragment@0: "
                         "label 'emac1' is not defined in ",
                         kSymbols612, " (model \"OrangePi Zero 2W\")"));
}

TEST(ApplyOverlays, MissingLabelInSymbolSourceToo) {
  const Fdt symbols = Load(kSymbols612);
  OverlayOptions options;
  options.symbol_source = &symbols;
  auto out = ApplyOverlays(Load(kPlain612),
                           {Load("testdata/overlays/zero2w-emac1.dtbo")},
                           options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            absl::StrCat("testdata/overlays/zero2w-emac1.dtbo: fragment@0: "
                         "label 'emac1' is not defined in ",
                         kPlain612, " (model \"OrangePi Zero 2W\") nor in the "
                         "symbol source ", kSymbols612));
}

TEST(ApplyOverlays, OverlayForAnotherBoardIsRefusedUnlessForced) {
  const Fdt base = Load(kSymbols612);
  const Fdt zero3 = Load("testdata/overlays/zero3-usb.dtbo");
  auto out = ApplyOverlays(base, {zero3}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status().message(),
            absl::StrCat("testdata/overlays/zero3-usb.dtbo: overlay is for "
                         "\"xunlong,orangepi-zero3\", but ",
                         kSymbols612,
                         " (model \"OrangePi Zero 2W\") is compatible with "
                         "\"xunlong,orangepi-zero2w\", \"allwinner,sun50i-h618\"; "
                         "pass --force to apply it anyway"));
  OverlayOptions force;
  force.force = true;
  auto forced = ApplyOverlays(base, {zero3}, force);
  ASSERT_TRUE(forced.ok()) << forced.status();
  auto tree = ParseTree(*forced);
  EXPECT_EQ(Str(*tree, "/soc/usb@5310000", "status"), "okay");
}

TEST(ApplyOverlays, TargetPathFragmentsNeedNoSymbols) {
  auto out = ApplyOverlays(Load(kPlain612),
                           {Load("testdata/overlays/marker-target-path.dtbo")},
                           {});
  ASSERT_TRUE(out.ok()) << out.status();
  auto tree = ParseTree(*out);
  EXPECT_EQ(Str(*tree, "/fdt-handoff-marker", "note"),
            "added by a target-path overlay");
  EXPECT_EQ(Str(*tree, "/soc/usb@5311000", "status"), "okay");
}

TEST(ApplyOverlays, MissingTargetPathNamesFragmentAndPath) {
  auto out = ApplyOverlays(Load(kPlain612),
                           {Load("testdata/overlays/bad-target-path.dtbo")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out.status().message(),
            absl::StrCat("testdata/overlays/bad-target-path.dtbo: fragment@0: "
                         "target-path \"/soc/ethernet@5030000\" is not in ",
                         kPlain612, " (model \"OrangePi Zero 2W\")"));
}

TEST(ApplyOverlays, GraftRefusesANodeOfAnotherKind) {
  // A symbol source whose /soc/usb@5310000 claims another compatible: the
  // label must not be grafted onto the target's EHCI node.
  const Fdt symbols = Load(kSymbols612);
  FdtEditor editor(symbols);
  ASSERT_TRUE(editor.SetPropertyString("/soc/usb@5310000", "compatible",
                                       "vendor,other-device")
                  .ok());
  auto odd = std::move(editor).Finish("odd-symbols.dtb");
  ASSERT_TRUE(odd.ok());
  OverlayOptions options;
  options.symbol_source = &*odd;
  auto out = ApplyOverlays(Load(kPlain612), {Load(kUsb)}, options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status().message(),
            absl::StrCat(kUsb, ": fragment@0: label 'ehci2' names "
                         "/soc/usb@5310000 with compatible "
                         "\"vendor,other-device\" in odd-symbols.dtb, but that "
                         "node in ",
                         kPlain612,
                         " has compatible \"allwinner,sun50i-h616-ehci\", "
                         "\"generic-ehci\"; the symbol source is not the same "
                         "board"));
}

TEST(ApplyOverlays, AllOrNothing) {
  const Fdt base = Load(kSymbols612);
  const std::vector<uint8_t> pristine(base.bytes().begin(), base.bytes().end());
  const Fdt usb = Load(kUsb);
  const std::vector<uint8_t> usb_pristine(usb.bytes().begin(), usb.bytes().end());
  auto out = ApplyOverlays(
      base, {usb, Load("testdata/overlays/zero2w-emac1.dtbo")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("'emac1'"));
  // Neither input was touched (libfdt would have trashed both in place).
  EXPECT_TRUE(std::equal(pristine.begin(), pristine.end(),
                         base.bytes().begin(), base.bytes().end()));
  EXPECT_TRUE(std::equal(usb_pristine.begin(), usb_pristine.end(),
                         usb.bytes().begin(), usb.bytes().end()));
}

TEST(ApplyOverlays, DamagedOverlayIsRefusedAtLoad) {
  const Fdt usb = Load(kUsb);
  std::vector<uint8_t> bytes(usb.bytes().begin(), usb.bytes().end());
  bytes.resize(bytes.size() - 64);  // Cut into the strings block.
  auto damaged = Fdt::FromBytes(bytes, "damaged.dtbo");
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(damaged.status().message()),
              HasSubstr("damaged.dtbo: not a valid DTB: truncated: "));
  EXPECT_THAT(std::string(damaged.status().message()),
              ::testing::EndsWith(" (FDT_ERR_TRUNCATED)"));
}

TEST(ApplyOverlays, ABaseIsNotAnOverlay) {
  auto out = ApplyOverlays(Load(kSymbols612), {Load(kPlain612)}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(out.status().message(),
            absl::StrCat(kPlain612, ": not an overlay: no fragment with an "
                         "__overlay__ node"));
}

// --- libfdt's order: fragments and overlays build on earlier ones --------

constexpr char kDiff[] = "testdata/overlay-diff/";

Fdt Case(const std::string& name) { return Load(kDiff + name); }

TEST(ApplyOverlays, FragmentsTargetNodesEarlierFragmentsMade) {
  // fragment@1 targets by a label of the overlay, fragment@2 by path, the
  // nodes the fragments before them add; references go both ways.
  auto out = ApplyOverlays(Case("base.dtb"), {Case("chain-mixed.dtbo")}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  auto t = ParseTree(*out);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Str(*t, "/soc/bus@3000/dev@1", "status"), "okay");
  const Node* dev = t->Find("/soc/bus@3000/dev@1");
  ASSERT_NE(dev, nullptr);
  const Property* link = dev->FindProperty("link");
  ASSERT_NE(link, nullptr);
  ASSERT_EQ(link->value.size(), 8u);
  EXPECT_EQ(LoadBe32(link->value.data()),
            Cell(*t, "/soc/serial@1000", "phandle"));
  EXPECT_EQ(LoadBe32(link->value.data() + 4),
            Cell(*t, "/soc/bus@3000/dev@1", "phandle"));
}

TEST(ApplyOverlays, StackedOverlaysUseLabelsEarlierOnesAdded) {
  OverlayReport report;
  auto out = ApplyOverlays(
      Case("base.dtb"),
      {Case("stack-a.dtbo"), Case("stack-b.dtbo"), Case("stack-c.dtbo")}, {},
      &report);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(report.applied.size(), 3u);
  auto t = ParseTree(*out);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Str(*t, "/soc/spi@7000", "status"), "okay");
  EXPECT_EQ(Str(*t, "/soc/spi@7000/flash@0/partitions", "compatible"),
            "fixed-partitions");
  EXPECT_EQ(Str(*t, "/__symbols__", "flash"), "/soc/spi@7000/flash@0");
}

TEST(ApplyOverlays, TargetMadeOnlyByALaterFragmentIsNamed) {
  const Fdt base = Case("base.dtb");
  const std::vector<uint8_t> pristine(base.bytes().begin(), base.bytes().end());
  auto out = ApplyOverlays(base, {Case("chain-path-wrong-order.dtbo")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out.status().message(),
            "testdata/overlay-diff/chain-path-wrong-order.dtbo: fragment@0: "
            "target-path \"/late\" is not in testdata/overlay-diff/base.dtb "
            "(model \"overlay-diff test board\")");
  EXPECT_TRUE(std::equal(pristine.begin(), pristine.end(),
                         base.bytes().begin(), base.bytes().end()));
}

TEST(ApplyOverlays, LaterFragmentsTargetIsCheckedAgainstTheMergedTree) {
  // stack-c's fragment@1 targets /soc/spi@7000/flash@0, which stack-b made:
  // without stack-b it must fail on that fragment, naming what came before.
  auto out = ApplyOverlays(Case("base.dtb"),
                           {Case("stack-a.dtbo"), Case("chain-path.dtbo"),
                            Case("target-path-missing.dtbo")},
                           {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "testdata/overlay-diff/target-path-missing.dtbo: fragment@0: "
            "target-path \"/soc/ethernet@9000\" is not in "
            "testdata/overlay-diff/base.dtb (model \"overlay-diff test "
            "board\") (after testdata/overlay-diff/stack-a.dtbo, "
            "testdata/overlay-diff/chain-path.dtbo)");
}

// --- Messages for bad fixups: overlay, entry, cause; no libfdt names --------

TEST(ApplyOverlays, FixupNamingAMissingPropertyIsExplained) {
  auto out = ApplyOverlays(Case("base.dtb"),
                           {Case("fixup-missing-property.dtbo")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(out.status().message(),
            "testdata/overlay-diff/fixup-missing-property.dtbo: /__fixups__ "
            "entry \"/fragment@0:tgt:0\" for label 'usb': the overlay's "
            "/fragment@0 has no property 'tgt'");
}

TEST(ApplyOverlays, FixupOffsetPastThePropertyIsExplained) {
  auto out = ApplyOverlays(Case("base.dtb"),
                           {Case("fixup-offset-past-end.dtbo")}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(out.status().message(),
            "testdata/overlay-diff/fixup-offset-past-end.dtbo: /__fixups__ "
            "entry \"/fragment@0:target:4\" for label 'usb': offset 4 is past "
            "the end of /fragment@0:target (4 bytes; the phandle needs bytes "
            "4..7)");
}

// An overlay carrying `bytes` of payload in a property named `name`.
Fdt BigOverlay(const std::string& origin, const std::string& name,
               size_t bytes) {
  FdtEditor editor(Case("target-path.dtbo"));
  EXPECT_TRUE(editor
                  .SetProperty("/fragment@0/__overlay__/marker", name,
                               std::vector<uint8_t>(bytes, 0x5a))
                  .ok());
  auto fdt = std::move(editor).Finish(origin);
  EXPECT_TRUE(fdt.ok()) << fdt.status();
  return *std::move(fdt);
}

TEST(ApplyOverlays, ResultOver2MiBBlamesTheOverlaysNotTheBase) {
  const size_t part = 1100 * 1024;  // Each under 2 MiB, both together over.
  auto out = ApplyOverlays(Case("base.dtb"),
                           {BigOverlay("big-1.dtbo", "blob-1", part),
                            BigOverlay("big-2.dtbo", "blob-2", part)},
                           {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(out.status().message()),
              ::testing::MatchesRegex(absl::StrCat(
                  "the result of applying big-1\\.dtbo, big-2\\.dtbo to ",
                  "testdata/overlay-diff/base\\.dtb is 2[0-9]{6} bytes, over the 2 MiB \\(2097152-byte\\) "
                  "arm64 DTB limit")));
}

// libfdt's overlay code recurses once per level: FdtEditor::ApplyOverlay()
// refuses an overlay deeper than kMaxOverlayDepth with kInvalidArgument (not
// kResourceExhausted, which ApplyOverlays() reports as "the result is over
// 2 MiB"), and ApplyOverlays() passes that code on, naming the fragment.
TEST(ApplyOverlays, AnOverlayNestedTooDeepIsInvalidArgument) {
  TestNode chain{"n", {{"deepest", fdt_handoff::Str("x")}}, {}};
  for (int i = 1; i < kMaxOverlayDepth; ++i) {
    chain = TestNode{"n", {}, {std::move(chain)}};
  }
  const TestNode root{
      "",
      {},
      {{"fragment@0",
        {{"target-path", fdt_handoff::Str("/")}},
        {{"__overlay__", {}, {std::move(chain)}}}}}};
  absl::StatusOr<Fdt> deep = BuildFdt(root);
  ASSERT_TRUE(deep.ok()) << deep.status();
  const Fdt base = Case("base.dtb");
  auto out = ApplyOverlays(base, {*deep}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr(absl::StrCat("nest ", kMaxOverlayDepth + 2,
                                     " levels deep (/fragment@0/__overlay__/n/"
                                     "n/n/n/n/n/...), over the limit of ",
                                     kMaxOverlayDepth, " for an overlay")));
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("(in fragment@0)"));
}

// libfdt answers a target-path that is neither a path nor an alias with
// FDT_ERR_BADPATH (kInvalidArgument through the table); the explanation
// makes it the missing target it is.
TEST(ApplyOverlays, ATargetPathNamingNoAliasIsNotFound) {
  const TestNode root{
      "",
      {},
      {{"fragment@0",
        {{"target-path", fdt_handoff::Str("nosuchalias")}},
        {{"__overlay__", {{"marker", fdt_handoff::Str("x")}}, {}}}}}};
  absl::StatusOr<Fdt> overlay = BuildFdt(root);
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  auto out = ApplyOverlays(Case("base.dtb"), {*overlay}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("fragment@0: target-path \"nosuchalias\" is not in "));
}

// --- Hostile text in an overlay or base is escaped in every message ------
//
// Labels, node names, property names and values of a blob can hold any byte
// but NUL. A message that quotes them must not carry a terminal escape or a
// newline (it would clear the screen or forge a line of the output): each
// such piece goes through Escaped() (fdt/escape.h).

// A screen clear and a newline; kShown is how Escaped() writes them.
const std::string kEvil = "\x1b[2J\n";
const std::string kShown = "\\x1b[2J\\x0a";

// Passes when every byte of `text` is printable ASCII (0x20..0x7e).
::testing::AssertionResult AllPrintable(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7e) {
      return ::testing::AssertionFailure()
             << "raw byte 0x" << std::hex << int{c} << " at " << std::dec << i;
    }
  }
  return ::testing::AssertionSuccess();
}

// `root` as a blob named `origin` (BuildFdt() names every blob "test blob").
absl::StatusOr<Fdt> Build(const TestNode& root, const std::string& origin) {
  absl::StatusOr<Fdt> built = BuildFdt(root);
  if (!built.ok()) return built.status();
  return Fdt::FromBytes(
      std::vector<uint8_t>(built->bytes().begin(), built->bytes().end()),
      origin);
}

// A base with a hostile model and compatible, a labelled UART with a
// phandle, a node without one, and labels naming a hostile missing path
// and the phandle-less node.
Fdt HostileBase() {
  using fdt_handoff::Str;
  const TestNode root{
      "",
      {{"model", Str("evil" + kEvil + "board")},
       {"compatible", Strs({"test,board" + kEvil})}},
      {{"soc",
        {},
        {{"uart@1000",
          {{"compatible", Str("test,uart")}, {"phandle", Cells({1})}},
          {}},
         {"bare" + kEvil, {{"compatible", Str("test,bare")}}, {}}}},
       {"__symbols__",
        {{"uart", Str("/soc/uart@1000")},
         {"gone", Str("/soc/gone" + kEvil)},
         {"bare", Str("/soc/bare" + kEvil)}},
        {}}}};
  absl::StatusOr<Fdt> base = Build(root, "base.dtb");
  EXPECT_TRUE(base.ok()) << base.status();
  return base.ok() ? *std::move(base) : Case("base.dtb");
}

// A fragment targeting /soc that sets status; `props` are added to it.
TestNode Fragment(const std::string& name, std::vector<TestProp> props = {},
                  std::vector<TestNode> overlay_children = {}) {
  props.insert(props.begin(), {"target-path", fdt_handoff::Str("/soc")});
  return TestNode{name,
                  std::move(props),
                  {{"__overlay__",
                    {{"status", fdt_handoff::Str("okay")}},
                    std::move(overlay_children)}}};
}

// An overlay of fragment@0, with an unresolved phandle in `ref` (kRef),
// whose /__fixups__ holds `fixups`.
constexpr char kRef[] = "/fragment@0:ref:0";
TestNode WithFixups(std::vector<TestProp> fixups) {
  return TestNode{"",
                  {},
                  {Fragment("fragment@0", {{"ref", Cells({0xffffffff})}}),
                   {"__fixups__", std::move(fixups), {}}}};
}

struct HostileCase {
  std::string name;
  TestNode overlay;
  absl::StatusCode code;
  std::string expected;  // A part of the message, with kShown in it.
};

std::vector<HostileCase> HostileCases() {
  using fdt_handoff::Str;
  std::vector<HostileCase> cases;
  // --- Labels (FindLabels, CheckLabelNodes) ------------------------------
  cases.push_back(
      {"unresolved label, used by a hostile fragment and property",
       TestNode{
           "",
           {},
           {Fragment("frag" + kEvil + "@0",
                     {{"ref" + kEvil, Cells({0xffffffff})}}),
            {"__fixups__",
             {{"lbl" + kEvil, Str("/frag" + kEvil + "@0:ref" + kEvil + ":0")}},
             {}}}},
       absl::StatusCode::kNotFound,
       "hostile.dtbo: frag" + kShown + "@0 (ref" + kShown + "): label 'lbl" +
           kShown + "' is not defined in base.dtb (model \"evil" + kShown +
           "board\")"});
  cases.push_back({"label naming a missing node",
                   WithFixups({{"gone", Str(kRef)}}),
                   absl::StatusCode::kNotFound,
                   "label 'gone' points at /soc/gone" + kShown +
                       ", which is not in base.dtb"});
  cases.push_back({"label naming a node without a phandle",
                   WithFixups({{"bare", Str(kRef)}}),
                   absl::StatusCode::kNotFound,
                   "label 'bare' names /soc/bare" + kShown +
                       ", which has no phandle in base.dtb"});
  // --- Fragment targets (CheckTarget after libfdt refused) ---------------
  cases.push_back(
      {"bad target-path in a hostile fragment",
       TestNode{"",
                {},
                {{"frag" + kEvil + "@0",
                  {{"target-path", Str("/soc/no" + kEvil + "where")}},
                  {{"__overlay__", {{"status", Str("okay")}}, {}}}}}},
       absl::StatusCode::kNotFound,
       "hostile.dtbo: frag" + kShown + "@0: target-path \"/soc/no" + kShown +
           "where\" is not in base.dtb (model \"evil" + kShown + "board\")"});
  // --- /__fixups__ entries (ParseFixups, ParseFixupEntry) ----------------
  cases.push_back({"malformed fixup entry",
                   WithFixups({{"uart", Str("no colons" + kEvil)}}),
                   absl::StatusCode::kDataLoss,
                   "/__fixups__ entry \"no colons" + kShown +
                       "\" for label 'uart': malformed"});
  cases.push_back(
      {"fixup offset that is not a number",
       WithFixups({{"uart", Str("/fragment@0:target:" + kEvil)}}),
       absl::StatusCode::kDataLoss,
       "malformed: the offset \"" + kShown + "\" is not a decimal number"});
  cases.push_back({"fixup naming a node the overlay lacks",
                   WithFixups({{"uart", Str("/frag" + kEvil + ":target:0")}}),
                   absl::StatusCode::kDataLoss,
                   "entry \"/frag" + kShown +
                       ":target:0\" for label 'uart': "
                       "node /frag" +
                       kShown + " is not in the overlay"});
  cases.push_back(
      {"fixup naming a property the overlay lacks",
       WithFixups({{"lbl" + kEvil, Str("/fragment@0:tar" + kEvil + "get:0")}}),
       absl::StatusCode::kDataLoss,
       "entry \"/fragment@0:tar" + kShown + "get:0\" for label 'lbl" + kShown +
           "': the overlay's /fragment@0 has no property 'tar" + kShown +
           "get'"});
  cases.push_back(
      {"fixup offset past a hostile property",
       TestNode{"",
                {},
                {Fragment("fragment@0", {{"ref" + kEvil, Cells({0})}}),
                 {"__fixups__",
                  {{"uart", Str("/fragment@0:ref" + kEvil + ":4")}},
                  {}}}},
       absl::StatusCode::kDataLoss,
       "offset 4 is past the end of /fragment@0:ref" + kShown + " (4 bytes"});
  cases.push_back(
      {"fixup property that is not a string list",
       WithFixups({{"lbl" + kEvil, Raw("abc")}}), absl::StatusCode::kDataLoss,
       "/__fixups__ property for label 'lbl" + kShown + "' is not a list"});
  // --- /__local_fixups__ (CheckLocalFixups, CheckLocalFixupProperty) ----
  cases.push_back(
      {"local fixup for a property the overlay lacks",
       TestNode{"",
                {},
                {Fragment("fragment@0"),
                 {"__local_fixups__",
                  {},
                  {{"fragment@0", {{"ghost" + kEvil, Cells({0})}}, {}}}}}},
       absl::StatusCode::kDataLoss,
       "hostile.dtbo: /__local_fixups__/fragment@0:ghost" + kShown +
           ": the overlay has no property /fragment@0:ghost" + kShown +
           " to fix up"});
  cases.push_back(
      {"local fixup of odd length",
       TestNode{"",
                {},
                {Fragment("fragment@0", {{"ref" + kEvil, Cells({0})}}),
                 {"__local_fixups__",
                  {},
                  {{"fragment@0", {{"ref" + kEvil, Raw("abc")}}, {}}}}}},
       absl::StatusCode::kDataLoss,
       "/__local_fixups__/fragment@0:ref" + kShown +
           " is 3 bytes, not a list of 32-bit offsets"});
  cases.push_back(
      {"local fixup past the end of a hostile property",
       TestNode{"",
                {},
                {Fragment("fragment@0", {{"ref" + kEvil, Cells({0})}}),
                 {"__local_fixups__",
                  {},
                  {{"fragment@0", {{"ref" + kEvil, Cells({4})}}, {}}}}}},
       absl::StatusCode::kDataLoss,
       "offset 4 is past the end of /fragment@0:ref" + kShown + " (4 bytes"});
  cases.push_back(
      {"local fixup node the overlay lacks",
       TestNode{"",
                {},
                {Fragment("fragment@0"),
                 {"__local_fixups__", {}, {{"ghost" + kEvil, {}, {}}}}}},
       absl::StatusCode::kDataLoss,
       "hostile.dtbo: /__local_fixups__/ghost" + kShown + " names node /ghost" +
           kShown + ", which is not in the overlay"});
  // --- Phandles (CheckOverlayPhandles, CheckPhandleRoom) ----------------
  cases.push_back(
      {"phandle that is not one cell",
       TestNode{"",
                {},
                {Fragment("fragment@0", {},
                          {{"n" + kEvil, {{"phandle", Cells({1, 2})}}, {}}})}},
       absl::StatusCode::kDataLoss,
       "hostile.dtbo: node /fragment@0/__overlay__/n" + kShown +
           ": 'phandle' is 8 bytes"});
  cases.push_back(
      {"phandle moved out of range",
       TestNode{
           "",
           {},
           {Fragment("fragment@0", {},
                     {{"n" + kEvil, {{"phandle", Cells({0xfffffffe})}}, {}}})}},
       absl::StatusCode::kResourceExhausted,
       "hostile.dtbo: node /fragment@0/__overlay__/n" + kShown +
           ": phandle 0xfffffffe moved past the highest phandle "
           "of base.dtb (model \"evil" +
           kShown + "board\")"});
  // --- The overlay's own /__symbols__ (CheckOverlaySymbols) -------------
  cases.push_back(
      {"overlay symbol that is not an absolute path",
       TestNode{"",
                {},
                {Fragment("fragment@0"),
                 {"__symbols__", {{"sym" + kEvil, Str("relative")}}, {}}}},
       absl::StatusCode::kDataLoss,
       "hostile.dtbo: /__symbols__ label 'sym" + kShown +
           "' is not an absolute path"});
  cases.push_back(
      {"overlay symbol naming a fragment the overlay lacks",
       TestNode{"",
                {},
                {Fragment("fragment@0"),
                 {"__symbols__",
                  {{"sym", Str("/frag" + kEvil + "/__overlay__/x")}},
                  {}}}},
       absl::StatusCode::kDataLoss,
       "label 'sym' names /frag" + kShown +
           "/__overlay__/x, but the overlay has no /frag" + kShown +
           "/__overlay__"});
  // --- The board check (CheckBoard) --------------------------------------
  cases.push_back({"overlay for another board",
                   TestNode{"",
                            {{"compatible", Str("other" + kEvil)}},
                            {Fragment("fragment@0")}},
                   absl::StatusCode::kFailedPrecondition,
                   "hostile.dtbo: overlay is for \"other" + kShown +
                       "\", but base.dtb (model \"evil" + kShown +
                       "board\") is compatible with \"test,board" + kShown +
                       "\""});
  return cases;
}

TEST(ApplyOverlays, HostileTextIsEscapedInEveryMessage) {
  const Fdt base = HostileBase();
  for (const HostileCase& c : HostileCases()) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Fdt> overlay = Build(c.overlay, "hostile.dtbo");
    ASSERT_TRUE(overlay.ok()) << overlay.status();
    auto out = ApplyOverlays(base, {*overlay}, {});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), c.code) << out.status();
    const std::string message(out.status().message());
    EXPECT_THAT(message, HasSubstr(c.expected));
    EXPECT_TRUE(AllPrintable(message)) << message;
  }
}

TEST(ApplyOverlays, HostileCompatibleOfAGraftedLabelIsEscaped) {
  using fdt_handoff::Str;
  // The symbol source's node claims a hostile compatible: CheckLabelNodes
  // quotes both compatibles.
  const absl::StatusOr<Fdt> source =
      Build(TestNode{"",
                     {},
                     {{"soc",
                       {},
                       {{"uart@1000",
                         {{"compatible", Strs({"other" + kEvil, "x"})}},
                         {}}}},
                      {"__symbols__", {{"src", Str("/soc/uart@1000")}}, {}}}},
            "source.dtb");
  ASSERT_TRUE(source.ok()) << source.status();
  const absl::StatusOr<Fdt> overlay =
      Build(WithFixups({{"src", Str(kRef)}}), "hostile.dtbo");
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  OverlayOptions options;
  options.symbol_source = &*source;
  auto out = ApplyOverlays(HostileBase(), {*overlay}, options);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(out.status().message());
  EXPECT_THAT(message,
              HasSubstr("label 'src' names /soc/uart@1000 with compatible "
                        "\"other" +
                        kShown + "\", \"x\" in source.dtb"));
  EXPECT_TRUE(AllPrintable(message)) << message;
}

TEST(ApplyOverlays, HostileLabelOnAnOverlayNodeIsEscaped) {
  // overlay-node-label.dtbo with its one symbol renamed: libfdt fails after
  // the merge, and ExplainSymbols() quotes the label.
  FdtEditor editor(Case("overlay-node-label.dtbo"));
  ASSERT_TRUE(editor.DeleteProperty("/__symbols__", "myusb").ok());
  ASSERT_TRUE(editor
                  .SetPropertyString("/__symbols__", "my" + kEvil + "usb",
                                     "/fragment@0/__overlay__")
                  .ok());
  auto overlay = std::move(editor).Finish("hostile.dtbo");
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  auto out = ApplyOverlays(Case("base.dtb"), {*overlay}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  const std::string message(out.status().message());
  EXPECT_THAT(message,
              HasSubstr("hostile.dtbo: /__symbols__ label 'my" + kShown +
                        "usb' (/fragment@0/__overlay__): "
                        "fragment@0's target cannot be found again"));
  EXPECT_TRUE(AllPrintable(message)) << message;
}

TEST(ApplyOverlays, HostileFragmentNameOfATooDeepOverlayIsEscaped) {
  // libfdt's refusal is explained by naming the fragment that fails.
  TestNode chain{"n", {}, {}};
  for (int i = 1; i < kMaxOverlayDepth; ++i) {
    chain = TestNode{"n", {}, {std::move(chain)}};
  }
  const TestNode root{"",
                      {},
                      {{"frag" + kEvil + "@0",
                        {{"target-path", fdt_handoff::Str("/")}},
                        {{"__overlay__", {}, {std::move(chain)}}}}}};
  const absl::StatusOr<Fdt> overlay = Build(root, "hostile.dtbo");
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  auto out = ApplyOverlays(Case("base.dtb"), {*overlay}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_THAT(message,
              HasSubstr("levels deep (/frag" + kShown + "@0/__overlay__/n/"));
  EXPECT_THAT(message, HasSubstr("(in frag" + kShown + "@0)"));
  EXPECT_TRUE(AllPrintable(message)) << message;
}

// Debian 12's libfdt 1.6.1 copies a phandle on an __overlay__ node onto the
// target (tools/overlay_diff_test.cc shows fdtoverlay doing the same): the
// overlay we ship must give none of its __overlay__ nodes a phandle.
TEST(ShippedOverlay, KeepsLabelsOffOverlayNodes) {
  auto tree = ParseTree(Load(kUsb));
  ASSERT_TRUE(tree.ok());
  int fragments = 0;
  for (const Node& fragment : tree->root.children) {
    const Node* overlay = fragment.FindChild("__overlay__");
    if (overlay == nullptr) continue;
    ++fragments;
    EXPECT_EQ(overlay->FindProperty("phandle"), nullptr) << fragment.name;
    EXPECT_EQ(overlay->FindProperty("linux,phandle"), nullptr) << fragment.name;
  }
  EXPECT_EQ(fragments, 5);
  const Node* symbols = tree->Find("/__symbols__");
  for (const Property& p : symbols != nullptr ? symbols->properties
                                              : std::vector<Property>{}) {
    EXPECT_THAT(PropertyStrings(p)[0],
                ::testing::Not(::testing::EndsWith("/__overlay__")))
        << p.name;
  }
}

}  // namespace
}  // namespace fdt_handoff
