// Golden tests: each case reconciles a real DTB from the corpus and compares
// the canonical DTS of the result with testdata/goldens/. Regenerate with
//   bazel test //fdt:reconcile_golden_test --spawn_strategy=local
//     --test_env=UPDATE_GOLDENS=$PWD
// (one command) and explain each changed golden in the commit message.
#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "fdt/blob.h"
#include "fdt/dts_text.h"
#include "fdt/golden.h"
#include "fdt/reconcile.h"
#include "fdt/tree.h"
#include "fdt/tree_testing.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kZero2w[] = "sun50i-h618-orangepi-zero2w.dtb";

Fdt Load(const std::string& path) {
  auto fdt = Fdt::FromFile(path);
  EXPECT_TRUE(fdt.ok()) << fdt.status();
  return *std::move(fdt);
}

// Deterministic "random" bytes so goldens are stable.
absl::Status CountingSeeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 1);
  return absl::OkStatus();
}

ReconcileOptions ZeroTwoWOptions(const Fdt* live, const Fdt* symbols) {
  ReconcileOptions o;
  o.live = live;
  o.symbols_from = symbols;
  o.overlays.push_back(Load(kUsb));
  o.append = "console=ttyS0,115200 root=/dev/md127 rootwait";
  o.initrd_start = 0x48000000;
  o.initrd_end = 0x48a00000;
  o.seed_source = CountingSeeds;
  return o;
}

std::string ReconcileToDts(const Fdt& target, const ReconcileOptions& options) {
  auto out = Reconcile(target, options);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return "";
  auto dts = DumpDts(*out);
  EXPECT_TRUE(dts.ok()) << dts.status();
  return dts.ok() ? *dts : "";
}

void ExpectGolden(const std::string& dts, const std::string& golden) {
  const absl::Status s = CheckGolden(dts, golden);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(ReconcileGolden, ZeroTwoW612WithOverlayAndLiveFixups) {
  const Fdt live = Load(kLive);
  const Fdt symbols =
      Load(absl::StrCat("testdata/corpus-symbols/6.12/", kZero2w));
  ExpectGolden(
      ReconcileToDts(Load(absl::StrCat("testdata/corpus/6.12/", kZero2w)),
                     ZeroTwoWOptions(&live, &symbols)),
      "testdata/goldens/zero2w-6.12-usb-live.dts");
}

// The blog's case: mdboot runs 6.12 (live FDT), the target is a newer kernel.
TEST(ReconcileGolden, CrossVersionLive612Target72) {
  const Fdt live = Load(kLive);
  const Fdt symbols =
      Load(absl::StrCat("testdata/corpus-symbols/7.2/", kZero2w));
  ExpectGolden(
      ReconcileToDts(Load(absl::StrCat("testdata/corpus/7.2/", kZero2w)),
                     ZeroTwoWOptions(&live, &symbols)),
      "testdata/goldens/zero2w-7.2-usb-live612.dts");
}

// Debian's symbol-less DTB with grafted labels must give the tree the -@
// build gives, for every line that has the board.
TEST(ReconcileGolden, GraftedEqualsSymbolBuildOnEveryLine) {
  const Fdt live = Load(kLive);
  for (const char* line : {"6.12", "7.2"}) {
    const Fdt plain = Load(absl::StrCat("testdata/corpus/", line, "/", kZero2w));
    const Fdt symbols =
        Load(absl::StrCat("testdata/corpus-symbols/", line, "/", kZero2w));
    auto grafted = Reconcile(plain, ZeroTwoWOptions(&live, &symbols));
    auto direct = Reconcile(symbols, ZeroTwoWOptions(&live, nullptr));
    ASSERT_TRUE(grafted.ok()) << grafted.status();
    ASSERT_TRUE(direct.ok()) << direct.status();
    auto g = ParseTree(*grafted);
    auto d = ParseTree(*direct);
    ASSERT_TRUE(g.ok() && d.ok());
    StripSymbolsAndPhandles(&g->root);
    StripSymbolsAndPhandles(&d->root);
    for (const std::string& pruned : PruneTo(g->root, &d->root)) {
      EXPECT_TRUE(absl::StartsWith(pruned, "/soc/pinctrl@300b000/"))
          << line << ": " << pruned;
    }
    std::string where;
    EXPECT_TRUE(SameTree(g->root, d->root, &where))
        << line << ": differs at " << where;
  }
  // And the grafted result itself is pinned by a golden.
  const Fdt symbols =
      Load(absl::StrCat("testdata/corpus-symbols/7.2/", kZero2w));
  auto direct =
      Reconcile(symbols, ZeroTwoWOptions(&live, nullptr));
  ASSERT_TRUE(direct.ok());
  auto dts = DumpDts(*direct);
  ASSERT_TRUE(dts.ok());
  ExpectGolden(*dts, "testdata/goldens/zero2w-7.2-symbols-build.dts");
}

TEST(ReconcileGolden, NoLiveFdtWithExplicitMemory) {
  const Fdt symbols =
      Load(absl::StrCat("testdata/corpus-symbols/6.12/", kZero2w));
  ReconcileOptions o = ZeroTwoWOptions(nullptr, &symbols);
  o.memory = {{0x40000000, 0x40000000}};
  ExpectGolden(
      ReconcileToDts(Load(absl::StrCat("testdata/corpus/6.12/", kZero2w)), o),
      "testdata/goldens/zero2w-6.12-no-live.dts");
}

std::vector<std::string> DtbsIn(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (absl::EndsWith(name, ".dtb")) out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Every other H616/H618 board: the /chosen rules alone, no live FDT.
TEST(ReconcileGolden, ChosenRulesOnEveryOtherBoard) {
  int boards = 0;
  for (const char* line : {"6.1", "6.12", "7.2"}) {
    const std::string dir = absl::StrCat("testdata/corpus/", line);
    for (const std::string& dtb : DtbsIn(dir)) {
      if (dtb == kZero2w) continue;
      ++boards;
      ReconcileOptions o;
      o.skip_rules = {"memory", "reserved-memory", "memreserve",
                      "serial-number", "mac-address"};
      o.append = "console=ttyS0,115200 root=/dev/md127 rootwait";
      o.initrd_start = 0x48000000;
      o.initrd_end = 0x48a00000;
      o.seed_source = CountingSeeds;
      ExpectGolden(ReconcileToDts(Load(absl::StrCat(dir, "/", dtb)), o),
                   absl::StrCat("testdata/goldens/chosen/", line, "/",
                                absl::StripSuffix(dtb, ".dtb"), ".dts"));
    }
  }
  EXPECT_EQ(boards, 17);
}

}  // namespace
}  // namespace fdt_handoff
