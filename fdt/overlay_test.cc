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
              HasSubstr("damaged.dtbo: not a valid DTB: FDT_ERR_TRUNCATED"));
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
