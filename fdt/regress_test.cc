#include "fdt/regress.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/blob.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;

constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kDtb[] = "sun50i-h618-orangepi-zero2w.dtb";

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
    options_.overlays.push_back(Load(kUsb));
    options_.profile = &OrangePiZero2WProfile();
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
            "     6.1: sun50i-h618-orangepi-zero2w.dtb is not in this line "
            "(Orange Pi Zero 2W is upstream since 6.8)\n"
            "PASS 6.12   sun50i-h618-orangepi-zero2w.dtb (14 checks)\n"
            "PASS 7.2    sun50i-h618-orangepi-zero2w.dtb (14 checks)\n"
            "kernel lines: 2 passed, 0 failed, 1 not applicable\n");
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

TEST(CompareVersions, Numeric) {
  EXPECT_LT(CompareVersions("6.1", "6.12"), 0);
  EXPECT_LT(CompareVersions("6.12", "7.2"), 0);
  EXPECT_LT(CompareVersions("6.8", "6.12"), 0);
  EXPECT_EQ(CompareVersions("7.2", "7.2"), 0);
  EXPECT_GT(CompareVersions("7.10", "7.2"), 0);
}

}  // namespace
}  // namespace fdt_handoff
