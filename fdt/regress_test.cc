#include "fdt/regress.h"

#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/blob.h"
#include "fdt/file_io.h"
#include "fdt/regress_profile.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kDtb[] = "sun50i-h618-orangepi-zero2w.dtb";
constexpr char kZero3Profile[] = "testdata/profiles/orangepi-zero3.profile";
constexpr char kZero3Overlay[] =
    "testdata/profiles/orangepi-zero3-expansion.dtbo";
constexpr const char* kPackage72[] = {
    "sun50i-h616-bigtreetech-cb1-manta.dtb", "sun50i-h616-bigtreetech-pi.dtb",
    "sun50i-h616-orangepi-zero2.dtb",        "sun50i-h616-x96-mate.dtb",
    "sun50i-h618-longanpi-3h.dtb",           "sun50i-h618-orangepi-zero2w.dtb",
    "sun50i-h618-orangepi-zero3.dtb",        "sun50i-h618-transpeed-8k618-t.dtb",
    "sun50i-h618-yuzukihd-chameleon.dtb"};

std::string Dirname(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

Fdt Load(const std::string& path) {
  auto fdt = Fdt::FromFile(path);
  EXPECT_TRUE(fdt.ok()) << fdt.status();
  return *std::move(fdt);
}

class RegressTest : public ::testing::Test {
 protected:
  RegressTest() : live_(Load(kLive)) {
    options_.corpus_dir = "testdata/corpus";
    options_.symbols_dir = "testdata/corpus-symbols";
    options_.live = &live_;
    options_.profiles.push_back(Zero2W());
  }

  static ProfileRun Zero2W() {
    auto builtin = BuiltinProfiles();
    EXPECT_TRUE(builtin.ok()) << builtin.status();
    ProfileRun run{(*builtin)[0], {}};
    run.overlays.push_back(Load(kUsb));
    return run;
  }

  static ProfileRun Zero3() {
    auto profile = LoadBoardProfile(kZero3Profile);
    EXPECT_TRUE(profile.ok()) << profile.status();
    ProfileRun run{*profile, {}};
    run.overlays.push_back(Load(kZero3Overlay));
    return run;
  }

  // A kernel package's DTBs: the 9 DTBs of corpus line 7.2 copied under
  // release `release`, with `edit` applied to the Zero 2W's.
  KernelDtbs MakePackage(const std::string& release,
                         const std::function<void(FdtEditor&)>& edit) {
    const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/pkg-",
                                         ::testing::UnitTest::GetInstance()
                                             ->current_test_info()
                                             ->name());
    mkdir(dir.c_str(), 0755);
    KernelDtbs kernel{release, "linux-base-" + release + ".deb", {}, ""};
    for (const char* name : kPackage72) {
      const std::string from = absl::StrCat("testdata/corpus/7.2/", name);
      Fdt fdt = Load(from);
      if (edit && std::string(name) == kDtb) {
        FdtEditor editor(fdt);
        edit(editor);
        auto out = std::move(editor).Finish(from);
        EXPECT_TRUE(out.ok()) << out.status();
        fdt = *std::move(out);
      }
      const std::string to = absl::StrCat(dir, "/", name);
      EXPECT_TRUE(WriteFileAtomic(to, fdt.bytes()).ok());
      kernel.dtb_paths.push_back(to);
    }
    return kernel;
  }

  // A scratch corpus: the real 6.12 and 7.2 Zero 2W DTBs (plain and -@),
  // with `edit` applied to 7.2's two copies.
  void MakeCorpus(const std::function<void(FdtEditor&)>& edit) {
    const std::string root = absl::StrCat(getenv("TEST_TMPDIR"), "/corpus-",
                                          ::testing::UnitTest::GetInstance()
                                              ->current_test_info()
                                              ->name());
    for (const char* kind : {"plain", "symbols"}) {
      mkdir(absl::StrCat(root).c_str(), 0755);
      mkdir(absl::StrCat(root, "/", kind).c_str(), 0755);
      for (const char* line : {"6.12", "7.2"}) {
        mkdir(absl::StrCat(root, "/", kind, "/", line).c_str(), 0755);
        const std::string from =
            absl::StrCat(std::string(kind) == "plain" ? "testdata/corpus"
                                                      : "testdata/corpus-symbols",
                         "/", line, "/", kDtb);
        Fdt fdt = Load(from);
        if (std::string(line) == "7.2" && edit) {
          FdtEditor editor(fdt);
          edit(editor);
          auto out = std::move(editor).Finish(from);
          ASSERT_TRUE(out.ok()) << out.status();
          fdt = *std::move(out);
        }
        ASSERT_TRUE(WriteFileAtomic(absl::StrCat(root, "/", kind, "/", line,
                                                 "/", kDtb),
                                    fdt.bytes())
                        .ok());
      }
    }
    options_.corpus_dir = root + "/plain";
    options_.symbols_dir = root + "/symbols";
  }

  Fdt live_;
  RegressOptions options_;
};

TEST_F(RegressTest, WholeCorpusPasses) {
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].version, "6.1");
  EXPECT_EQ((*results)[0].outcome, LineResult::Outcome::kNotApplicable);
  for (size_t i = 1; i < results->size(); ++i) {
    const LineResult& r = (*results)[i];
    EXPECT_EQ(r.outcome, LineResult::Outcome::kPass)
        << r.version << ": " << ::testing::PrintToString(r.messages);
    EXPECT_EQ(r.checks, 14);
  }
  EXPECT_EQ(FormatRegression(*results),
            "N/A  6.1    sun50i-h618-orangepi-zero2w.dtb\n"
            "     6.1: sun50i-h618-orangepi-zero2w.dtb is not in this kernel "
            "(Orange Pi Zero 2W is upstream since 6.8)\n"
            "PASS 6.12   sun50i-h618-orangepi-zero2w.dtb (14 checks)\n"
            "     6.12: note: labels from the -@ build "
            "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb\n"
            "PASS 7.2    sun50i-h618-orangepi-zero2w.dtb (14 checks)\n"
            "     7.2: note: labels from the -@ build "
            "testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb\n"
            "verdicts: 2 passed, 0 failed, 1 not applicable\n");
}

TEST_F(RegressTest, VanishedOverlayTargetFailsNamingVersionAndNode) {
  MakeCorpus([](FdtEditor& e) {
    ASSERT_TRUE(e.DeleteNode("/soc/usb@5311000").ok());
  });
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].outcome, LineResult::Outcome::kPass);
  const LineResult& bad = (*results)[1];
  EXPECT_EQ(bad.version, "7.2");
  EXPECT_EQ(bad.outcome, LineResult::Outcome::kFail);
  EXPECT_THAT(
      bad.messages,
      ElementsAre(absl::StrCat(
          "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo: fragment@2: "
          "label 'ehci3' names /soc/usb@5311000 in ", options_.symbols_dir,
          "/7.2/", kDtb, ", but that node is not in ", options_.corpus_dir,
          "/7.2/", kDtb, " (model \"OrangePi Zero 2W\")")));
  EXPECT_THAT(FormatRegression(*results),
              ::testing::HasSubstr("FAIL 7.2    sun50i-h618-orangepi-zero2w.dtb "
                                   "(0 checks)\n     7.2: "));
}

TEST_F(RegressTest, LostFixupFailsNamingVersionAndNode) {
  // 7.2 loses the USB1 VBUS supply the overlay's supplies are checked
  // against.
  MakeCorpus([](FdtEditor& e) {
    ASSERT_TRUE(e.DeleteProperty("/soc/phy@5100400", "usb1_vbus-supply").ok());
  });
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok());
  const LineResult& bad = (*results)[1];
  EXPECT_EQ(bad.outcome, LineResult::Outcome::kFail);
  EXPECT_THAT(bad.messages,
              ElementsAre("/soc/phy@5100400:usb1_vbus-supply does not "
                          "reference /vcc5v (expansion-board USB overlay)"));
}

TEST_F(RegressTest, DoubleReservationFails) {
  // A 7.2 DTB whose firmware region is split over two nodes: covered, but
  // not exactly once.
  MakeCorpus([](FdtEditor& e) {
    ASSERT_TRUE(e.AddNode("/reserved-memory", "extra@40020000").ok());
    ASSERT_TRUE(e.SetProperty("/reserved-memory/extra@40020000", "reg",
                              std::vector<uint8_t>{0, 0, 0, 0, 0x40, 2, 0, 0,
                                                   0, 0, 0, 0, 0, 1, 0, 0})
                    .ok());
  });
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok());
  const LineResult& bad = (*results)[1];
  EXPECT_EQ(bad.outcome, LineResult::Outcome::kFail);
  EXPECT_THAT(bad.messages,
              ElementsAre("reserved-memory: live tf-a@40000000 "
                          "[0x40000000..0x40040000) (256 KiB) must be covered "
                          "exactly once, found 2 overlapping node(s): "
                          "extra@40020000, secmon@40000000"));
}

TEST_F(RegressTest, MissingBoardInANewLineFails) {
  MakeCorpus(nullptr);
  const std::string gone = options_.corpus_dir + "/7.2/" + kDtb;
  ASSERT_EQ(unlink(gone.c_str()), 0);
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[1].outcome, LineResult::Outcome::kFail);
  EXPECT_THAT((*results)[1].messages, ElementsAre(gone + " is missing"));
}

TEST_F(RegressTest, MissingCorpusIsNotFound) {
  options_.corpus_dir = "/nonexistent/corpus";
  auto results = RunRegression(options_);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RegressTest, SecondBoardProfileRunsWithItsOwnOverlay) {
  options_.profiles.push_back(Zero3());
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 6u);  // 3 lines x 2 boards.
  std::vector<std::string> verdicts;
  for (const LineResult& r : *results) {
    verdicts.push_back(absl::StrCat(r.version, " ", r.board, " ",
                                    static_cast<int>(r.outcome), " ",
                                    r.checks));
    EXPECT_NE(r.outcome, LineResult::Outcome::kFail)
        << ::testing::PrintToString(r.messages);
  }
  // Pass = 0, n/a = 2. The Zero 3 has 7 expectations (4 USB hosts, 2
  // supplies, IR) + 7 fixup checks.
  EXPECT_THAT(verdicts, ElementsAre("6.1 Orange Pi Zero 2W 2 0",
                                    "6.1 Orange Pi Zero 3 2 0",
                                    "6.12 Orange Pi Zero 2W 0 14",
                                    "6.12 Orange Pi Zero 3 0 14",
                                    "7.2 Orange Pi Zero 2W 0 14",
                                    "7.2 Orange Pi Zero 3 0 14"));
  EXPECT_THAT((*results)[1].messages,
              ElementsAre("sun50i-h618-orangepi-zero3.dtb is not in this "
                          "kernel (Orange Pi Zero 3 is upstream since 6.6)"));
}

TEST_F(RegressTest, SecondBoardProfileCatchesItsOwnRegression) {
  // The Zero 3's IR receiver node is gone from a 7.2 DTB: the Zero 3
  // profile (the only one with an IR expectation) fails on its label.
  options_.profiles = {Zero3()};
  const std::string root = absl::StrCat(getenv("TEST_TMPDIR"), "/zero3");
  for (const char* kind : {"", "/plain", "/symbols", "/plain/7.2",
                           "/symbols/7.2"}) {
    mkdir((root + kind).c_str(), 0755);
  }
  const std::string name = "sun50i-h618-orangepi-zero3.dtb";
  Fdt plain = Load("testdata/corpus/7.2/" + name);
  FdtEditor editor(plain);
  ASSERT_TRUE(editor.DeleteNode("/soc/ir@7040000").ok());
  auto edited = std::move(editor).Finish(name);
  ASSERT_TRUE(edited.ok()) << edited.status();
  ASSERT_TRUE(WriteFileAtomic(root + "/plain/7.2/" + name, edited->bytes()).ok());
  ASSERT_TRUE(WriteFileAtomic(root + "/symbols/7.2/" + name,
                              Load("testdata/corpus-symbols/7.2/" + name).bytes())
                  .ok());
  options_.corpus_dir = root + "/plain";
  options_.symbols_dir = root + "/symbols";
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, LineResult::Outcome::kFail);
  EXPECT_THAT((*results)[0].messages,
              ElementsAre(absl::StrCat(
                  kZero3Overlay, ": fragment@4: label 'ir' names "
                  "/soc/ir@7040000 in ", root, "/symbols/7.2/", name,
                  ", but that node is not in ", root, "/plain/7.2/", name,
                  " (model \"OrangePi Zero3\")")));
}

TEST_F(RegressTest, NewKernelFolderBorrowsTheNearestOlderSymbolBuild) {
  // The case: a new kernel's DTBs in DIR/7.2.13/, no -@ build for
  // it. The 7.2 symbol build lends its labels, and the verdict says so.
  MakeCorpus(nullptr);
  const std::string line = options_.corpus_dir + "/7.2.13";
  ASSERT_EQ(rename((options_.corpus_dir + "/7.2").c_str(), line.c_str()), 0);
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  const LineResult& r = (*results)[1];
  EXPECT_EQ(r.version, "7.2.13");
  EXPECT_EQ(r.outcome, LineResult::Outcome::kPass)
      << ::testing::PrintToString(r.messages);
  EXPECT_EQ(r.checks, 14);
  EXPECT_THAT(r.notes, ElementsAre(absl::StrCat(
                           "no -@ build for 7.2.13: labels grafted from the "
                           "nearest older one, 7.2 (",
                           options_.symbols_dir, "/7.2/", kDtb, ")")));
}

TEST_F(RegressTest, NoSymbolBuildAtAllFailsWithTheLabel) {
  options_.symbols_dir.clear();
  auto results = RunRegression(options_);
  ASSERT_TRUE(results.ok());
  const LineResult& r = (*results)[2];
  EXPECT_EQ(r.outcome, LineResult::Outcome::kFail);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_THAT(r.messages[0], HasSubstr("label 'ehci2' is not defined"));
  EXPECT_THAT(r.notes, ElementsAre("no folder of -@ builds given (--symbols "
                                   "DIR): no label source"));
}

TEST_F(RegressTest, KernelPackageGetsOneVerdictPerBoard) {
  options_.profiles.push_back(Zero3());
  const KernelDtbs kernel = MakePackage("7.2.13+deb14-arm64", nullptr);
  auto results = RunKernelRegression(kernel, options_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 9u);
  std::vector<std::string> boards;
  for (const LineResult& r : *results) {
    EXPECT_EQ(r.version, "7.2.13+deb14-arm64");
    EXPECT_EQ(r.outcome, LineResult::Outcome::kPass)
        << r.dtb << ": " << ::testing::PrintToString(r.messages);
    boards.push_back(absl::StrCat(r.dtb, " ", r.board, " ", r.checks));
  }
  EXPECT_THAT(boards, ElementsAre(
      "sun50i-h616-bigtreetech-cb1-manta.dtb  7",
      "sun50i-h616-bigtreetech-pi.dtb  7",
      "sun50i-h616-orangepi-zero2.dtb  7",
      "sun50i-h616-x96-mate.dtb  7",
      "sun50i-h618-longanpi-3h.dtb  7",
      "sun50i-h618-orangepi-zero2w.dtb Orange Pi Zero 2W 14",
      "sun50i-h618-orangepi-zero3.dtb Orange Pi Zero 3 14",
      "sun50i-h618-transpeed-8k618-t.dtb  7",
      "sun50i-h618-yuzukihd-chameleon.dtb  7"));
  const std::string note =
      "no -@ build for 7.2.13+deb14-arm64: labels grafted from the nearest "
      "older one, 7.2 (testdata/corpus-symbols/7.2/";
  EXPECT_THAT((*results)[5].notes, ElementsAre(note + kDtb + ")"));
  EXPECT_THAT((*results)[6].notes,
              ElementsAre(note + "sun50i-h618-orangepi-zero3.dtb)"));
  EXPECT_TRUE((*results)[0].notes.empty());  // No profile, no overlay.
  EXPECT_FALSE(RegressFailed(*results));
  EXPECT_THAT(FormatRegression(*results),
              HasSubstr("PASS 7.2.13+deb14-arm64 sun50i-h616-x96-mate.dtb (7 "
                        "checks, no profile: fixups only)\n"));
}

TEST_F(RegressTest, KernelPackageWhereALabelledNodeVanishedFails) {
  // The new kernel dropped ehci3's node: the older -@ build still names it,
  // and that is exactly the regression to report.
  KernelDtbs kernel = MakePackage("7.3.1+deb14-arm64", [](FdtEditor& e) {
    ASSERT_TRUE(e.DeleteNode("/soc/usb@5311000").ok());
  });
  // As if extracted from the .deb: messages name the DTB inside it.
  kernel.extracted_root = Dirname(kernel.dtb_paths[0]);
  auto results = RunKernelRegression(kernel, options_);
  ASSERT_TRUE(results.ok()) << results.status();
  const LineResult& bad = (*results)[5];
  EXPECT_EQ(bad.dtb, kDtb);
  EXPECT_EQ(bad.outcome, LineResult::Outcome::kFail);
  EXPECT_THAT(bad.notes,
              ElementsAre(absl::StrCat(
                  "no -@ build for 7.3.1+deb14-arm64: labels grafted from "
                  "the nearest older one, 7.2 (testdata/corpus-symbols/7.2/",
                  kDtb, ")")));
  EXPECT_THAT(bad.messages,
              ElementsAre(absl::StrCat(
                  kUsb, ": fragment@2: label 'ehci3' names /soc/usb@5311000 "
                  "in testdata/corpus-symbols/7.2/", kDtb,
                  ", but that node is not in linux-base-7.3.1+deb14-arm64.deb:",
                  kDtb, " (model \"OrangePi Zero 2W\")")));
  EXPECT_TRUE(RegressFailed(*results));
  // The other boards are unaffected.
  EXPECT_EQ((*results)[4].outcome, LineResult::Outcome::kPass);
}

TEST_F(RegressTest, SymbolBuildOfTheSameVersionIsTheKernelsOwn) {
  const std::string syms = absl::StrCat(getenv("TEST_TMPDIR"), "/syms");
  mkdir(syms.c_str(), 0755);
  mkdir((syms + "/7.2").c_str(), 0755);
  mkdir((syms + "/7.2.13").c_str(), 0755);
  for (const char* line : {"/7.2/", "/7.2.13/"}) {
    ASSERT_TRUE(WriteFileAtomic(
                    syms + line + kDtb,
                    Load(absl::StrCat("testdata/corpus-symbols/7.2/", kDtb)).bytes())
                    .ok());
  }
  options_.symbols_dir = syms;
  auto results =
      RunKernelRegression(MakePackage("7.2.13+deb14-arm64", nullptr), options_);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[5].outcome, LineResult::Outcome::kPass);
  EXPECT_THAT((*results)[5].notes,
              ElementsAre(absl::StrCat("labels from the -@ build ", syms,
                                       "/7.2.13/", kDtb)));
}

TEST_F(RegressTest, ProfileBoardMissingFromThePackage) {
  KernelDtbs kernel = MakePackage("7.2.13", nullptr);
  kernel.dtb_paths.erase(kernel.dtb_paths.begin() + 5);  // The Zero 2W.
  auto results = RunKernelRegression(kernel, options_);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 9u);
  EXPECT_EQ(results->back().outcome, LineResult::Outcome::kFail);
  EXPECT_THAT(results->back().messages,
              ElementsAre(absl::StrCat(kDtb, " in linux-base-7.2.13.deb is "
                                       "missing")));
  kernel.release = "6.6.30";
  results = RunKernelRegression(kernel, options_);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(results->back().outcome, LineResult::Outcome::kNotApplicable);
}

TEST_F(RegressTest, KernelWithoutDtbsIsInvalid) {
  auto results = RunKernelRegression({"7.2.13", "pkg", {}, ""}, options_);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(results.status().message(), "pkg: no DTBs to check");
}

TEST(LoadProfileRuns, BuiltinProfileTakesItsOverlayByName) {
  auto runs = LoadProfileRuns({}, {kUsb});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].profile.name, "Orange Pi Zero 2W");
  ASSERT_EQ((*runs)[0].overlays.size(), 1u);
  EXPECT_EQ((*runs)[0].overlays[0].origin(), kUsb);
}

TEST(LoadProfileRuns, ProfileFileFindsItsOverlayBesideIt) {
  auto runs = LoadProfileRuns({kZero3Profile}, {});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  ASSERT_EQ((*runs)[0].overlays.size(), 1u);
  EXPECT_EQ((*runs)[0].overlays[0].origin(), kZero3Overlay);
}

TEST(LoadProfileRuns, MissingOverlayNamesProfileAndOverlay) {
  auto runs = LoadProfileRuns({}, {});
  ASSERT_FALSE(runs.ok());
  EXPECT_EQ(runs.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(runs.status().message(),
            "builtin:orangepi-zero2w.profile: overlay "
            "sun50i-h618-orangepi-zero2w-usb.dtbo is not among the --overlay "
            "files; give it with --overlay "
            "PATH/sun50i-h618-orangepi-zero2w-usb.dtbo");
}

TEST(LoadProfileRuns, OverlayNoProfileNamesIsRefused) {
  auto runs = LoadProfileRuns({kZero3Profile}, {kUsb});
  ASSERT_FALSE(runs.ok());
  EXPECT_EQ(runs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runs.status().message(),
            absl::StrCat(kUsb, ": no profile names this overlay (they name: "
                               "orangepi-zero3-expansion.dtbo)"));
}

TEST(FormatRegressionJson, OneObjectWithEveryVerdict) {
  LineResult pass{"7.2.13", "a.dtb", "Board \"A\"",
                  LineResult::Outcome::kPass, {}, {"labels from x"}, 14};
  LineResult fail{"7.2.13", "b.dtb", "", LineResult::Outcome::kFail,
                  {"node /x is gone\n(why)"}, {}, 3};
  LineResult na{"6.1", "c.dtb", "C", LineResult::Outcome::kNotApplicable,
                {"c.dtb is not in this kernel"}, {}, 0};
  EXPECT_EQ(FormatRegressionJson({pass, fail, na}),
            "{\n"
            "  \"results\": [\n"
            "    {\"kernel\": \"7.2.13\", \"dtb\": \"a.dtb\", \"board\": "
            "\"Board \\\"A\\\"\", \"verdict\": \"pass\", \"checks\": 14, "
            "\"notes\": [\"labels from x\"], \"messages\": []},\n"
            "    {\"kernel\": \"7.2.13\", \"dtb\": \"b.dtb\", \"board\": \"\", "
            "\"verdict\": \"fail\", \"checks\": 3, \"notes\": [], "
            "\"messages\": [\"node /x is gone\\u000a(why)\"]},\n"
            "    {\"kernel\": \"6.1\", \"dtb\": \"c.dtb\", \"board\": \"C\", "
            "\"verdict\": \"n/a\", \"checks\": 0, \"notes\": [], "
            "\"messages\": [\"c.dtb is not in this kernel\"]}\n"
            "  ],\n"
            "  \"passed\": 1,\n"
            "  \"failed\": 1,\n"
            "  \"not_applicable\": 1\n"
            "}\n");
  EXPECT_TRUE(RegressFailed({pass, fail, na}));
  EXPECT_FALSE(RegressFailed({pass, na}));
}

TEST(CompareVersions, Numeric) {
  EXPECT_LT(CompareVersions("6.1", "6.12"), 0);
  EXPECT_LT(CompareVersions("6.12", "7.2"), 0);
  EXPECT_LT(CompareVersions("6.8", "6.12"), 0);
  EXPECT_EQ(CompareVersions("7.2", "7.2"), 0);
  EXPECT_GT(CompareVersions("7.10", "7.2"), 0);
  // Releases compare by their leading digits and dots.
  EXPECT_LT(CompareVersions("7.2", "7.2.13+deb14-arm64"), 0);
  EXPECT_EQ(CompareVersions("7.2.13", "7.2.13+deb14-arm64"), 0);
  EXPECT_LT(CompareVersions("6.12.20-current-sunxi64", "6.12.57+deb13-arm64"),
            0);
  EXPECT_GT(CompareVersions("6.12.57+deb13-arm64", "6.8"), 0);
}

}  // namespace
}  // namespace fdt_handoff
