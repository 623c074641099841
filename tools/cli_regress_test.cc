// `fdt-handoff regress` as a user runs it: a new kernel package (a .deb
// built at test time from the corpus DTBs, or its unpacked folder), the
// corpus layout with a new kernel folder, text and --json output.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/blob.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli.h"
#include "tools/cli_testing.h"
#include "tools/package_testing.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kZero2WProfile[] = "fdt/profiles/orangepi-zero2w.profile";
constexpr char kZero3Profile[] = "testdata/profiles/orangepi-zero3.profile";
constexpr char kDtbDir[] = "usr/lib/modules/7.2.13+deb14-arm64/dtb/allwinner";
constexpr char kZero2W[] = "sun50i-h618-orangepi-zero2w.dtb";

// The regress command on `pkg` with both boards' profiles.
CliRun RegressPackage(const std::string& pkg, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "regress",   "--package", pkg,           "--live",
      kLive,       "--symbols", "testdata/corpus-symbols",
      "--profile", kZero2WProfile, "--profile", kZero3Profile,
      "--overlay", kUsb};
  args.insert(args.end(), extra.begin(), extra.end());
  return Cli(args);
}

// Deletes `node` from the package's Zero 2W DTB.
void DropNode(const std::string& root, const std::string& node) {
  const std::string path = absl::StrCat(root, "/", kDtbDir, "/", kZero2W);
  auto fdt = Fdt::FromFile(path);
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  FdtEditor editor(*fdt);
  ASSERT_TRUE(editor.DeleteNode(node).ok());
  auto out = std::move(editor).Finish(path);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(WriteFileAtomic(path, out->bytes()).ok());
}

TEST(CliRegress, DebianPackageGetsOneVerdictPerBoard) {
  const std::string root = PackageTree("sid", kDtbDir, "7.2");
  const std::string deb =
      BuildDeb(root, "linux-base-7.2.13+deb14-arm64", "xz");
  CliRun r = RegressPackage(deb, {});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], absl::StrCat("kernel 7.2.13+deb14-arm64 from ", deb,
                                   ": 9 H616/H618 DTBs"));
  int verdicts = 0;
  for (const std::string& l : lines) verdicts += absl::StartsWith(l, "PASS ");
  EXPECT_EQ(verdicts, 9);
  EXPECT_THAT(r.out, HasSubstr(
      "PASS 7.2.13+deb14-arm64 sun50i-h618-orangepi-zero2w.dtb (14 checks)\n"
      "     7.2.13+deb14-arm64: note: no -@ build for 7.2.13+deb14-arm64: "
      "labels grafted from the nearest older one, 7.2 "
      "(testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb)\n"
      "PASS 7.2.13+deb14-arm64 sun50i-h618-orangepi-zero3.dtb (14 checks)\n"));
  EXPECT_THAT(r.out, HasSubstr("PASS 7.2.13+deb14-arm64 "
                               "sun50i-h616-orangepi-zero2.dtb (7 checks, no "
                               "profile: fixups only)\n"));
  EXPECT_THAT(r.out, HasSubstr("verdicts: 9 passed, 0 failed, 0 not "
                               "applicable\n"));
}

TEST(CliRegress, VanishedLabelPathFailsTheBoardAndTheRun) {
  const std::string root = PackageTree("sid-broken", kDtbDir, "7.2");
  DropNode(root, "/soc/usb@5310000");
  CliRun r = RegressPackage(root, {});
  EXPECT_EQ(r.code, kExitBadInput) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(
      "FAIL 7.2.13+deb14-arm64 sun50i-h618-orangepi-zero2w.dtb (0 checks)\n"
      "     7.2.13+deb14-arm64: note: no -@ build for 7.2.13+deb14-arm64: "
      "labels grafted from the nearest older one, 7.2 "
      "(testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb)\n"
      "     7.2.13+deb14-arm64: ", kUsb, ": fragment@0: label 'ehci2' names "
      "/soc/usb@5310000 in testdata/corpus-symbols/7.2/"
      "sun50i-h618-orangepi-zero2w.dtb, but that node is not in ", root, "/",
      kDtbDir, "/sun50i-h618-orangepi-zero2w.dtb (model \"OrangePi Zero "
      "2W\")\n")));
  EXPECT_THAT(r.out, HasSubstr("verdicts: 8 passed, 1 failed, 0 not "
                               "applicable\n"));
}

TEST(CliRegress, JsonForCi) {
  const std::string root = PackageTree("sid-json", kDtbDir, "7.2");
  DropNode(root, "/soc/usb@5310000");
  const std::string deb = BuildDeb(root, "linux-base-7.2.13-json", "zstd");
  CliRun r = RegressPackage(deb, {"--json"});
  EXPECT_EQ(r.code, kExitBadInput) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\n  \"results\": [\n    {\"kernel\": "
                                "\"7.2.13+deb14-arm64\", \"dtb\": "
                                "\"sun50i-h616-bigtreetech-cb1-manta.dtb\", "
                                "\"board\": \"\", \"verdict\": \"pass\", "
                                "\"checks\": 7, \"notes\": [], \"messages\": "
                                "[]},\n"));
  EXPECT_THAT(r.out, HasSubstr("\"dtb\": \"sun50i-h618-orangepi-zero2w.dtb\", "
                               "\"board\": \"Orange Pi Zero 2W\", \"verdict\": "
                               "\"fail\", \"checks\": 0, \"notes\": [\"no -@ "
                               "build for 7.2.13+deb14-arm64: "));
  EXPECT_THAT(r.out, HasSubstr("\"messages\": [\"" + std::string(kUsb) +
                               ": fragment@0: label 'ehci2' names "));
  // The DTB is named inside the package, not in the scratch folder.
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(", but that node is not in ", deb,
                                            ":", kDtbDir, "/", kZero2W)));
  EXPECT_THAT(r.out, HasSubstr("\n  ],\n  \"passed\": 8,\n  \"failed\": 1,\n"
                               "  \"not_applicable\": 0\n}\n"));
  EXPECT_EQ(r.out.find("kernel 7.2.13"), std::string::npos);  // JSON only.
}

TEST(CliRegress, NewKernelFolderInTheCorpusUsesTheOlderSymbolBuild) {
  // The report: DIR/7.2.13/ with a new kernel's 9 DTBs failed with
  // "label 'ehci2' is not defined". With the 7.2 -@ build it passes.
  const std::string root = PackageTree("corpus", "7.2.13", "7.2");
  CliRun r = Cli({"regress", "--corpus", root, "--symbols",
                  "testdata/corpus-symbols", "--live", kLive, "--overlay",
                  kUsb});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_EQ(r.out,
            "PASS 7.2.13 sun50i-h618-orangepi-zero2w.dtb (14 checks)\n"
            "     7.2.13: note: no -@ build for 7.2.13: labels grafted from "
            "the nearest older one, 7.2 "
            "(testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb)\n"
            "verdicts: 1 passed, 0 failed, 0 not applicable\n");
}

TEST(CliRegress, BadInputAndUsage) {
  CliRun r = Cli({"regress", "--live", kLive, "--overlay", kUsb});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("fdt-handoff: regress needs exactly one of "
                                "--corpus DIR and --package PKG\n"));
  r = Cli({"regress", "--corpus", "a", "--package", "b", "--live", kLive});
  EXPECT_EQ(r.code, kExitUsage);
  r = Cli({"regress", "--package", "b"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("fdt-handoff: regress needs --live LIVE\n"));

  r = RegressPackage("/nonexistent/linux-base.deb", {});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err, "fdt-handoff: /nonexistent/linux-base.deb: no such "
                   "package (a .deb or a folder)\n");

  const std::string bad = absl::StrCat(getenv("TEST_TMPDIR"), "/bad.profile");
  WriteText(bad, "board B\ndtb b.dtb\nsince 6.6\nexpect /x status okay\n");
  r = Cli({"regress", "--corpus", "testdata/corpus", "--live", kLive,
           "--profile", bad});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err, absl::StrCat("fdt-handoff: ", bad,
                                ":4: expect needs 'PATH PROPERTY = \"STRING\"' "
                                "or 'PATH PROPERTY -> NODE'\n"));

  r = Cli({"regress", "--corpus", "testdata/corpus", "--live", kLive});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("overlay sun50i-h618-orangepi-zero2w-usb.dtbo "
                               "is not among the --overlay files"));
}

TEST(CliRegress, HelpDescribesPackages) {
  CliRun r = Cli({"regress", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--package PKG"));
  EXPECT_THAT(r.out, HasSubstr("--json"));
}

}  // namespace
}  // namespace fdt_handoff
