#include "tools/cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/file_io.h"
#include "kexec/syscall.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kPlain72[] = "testdata/corpus/7.2/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols72[] =
    "testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kEmac1[] = "testdata/overlays/zero2w-emac1.dtbo";

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return CliRun{code, out.str(), err.str()};
}

std::string Tmp(const std::string& name) {
  return absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::vector<uint8_t> Bytes(const std::string& path) {
  auto b = ReadFile(path);
  return b.ok() ? *b : std::vector<uint8_t>{};
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Cli({}).code, kExitUsage);
  CliRun r = Cli({"frobnicate"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("fdt-handoff: unknown command 'frobnicate'"));
  r = Cli({"reconcile", "-o", Tmp("x.dtb")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("fdt-handoff: reconcile needs --dtb TARGET\n"));
  r = Cli({"reconcile", "--dtb", kPlain72, "-o", Tmp("x.dtb"), "--live", kLive,
           "--no-live"});
  EXPECT_EQ(r.code, kExitUsage);
  r = Cli({"reconcile", "--dtb", kPlain72, "-o", Tmp("x.dtb"),
           "--initrd-start", "0x48000000"});
  EXPECT_EQ(r.code, kExitUsage);
  r = Cli({"apply", kPlain72});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_FALSE(Exists(Tmp("x.dtb")));
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* command :
       {"inspect", "dump", "apply", "reconcile", "diff", "regress", "plan",
        "load", "exec"}) {
    CliRun r = Cli({command, "--help"});
    EXPECT_EQ(r.code, kExitOk) << command;
    EXPECT_THAT(r.out, StartsWith(absl::StrCat("usage: fdt-handoff ", command)))
        << command;
  }
  EXPECT_EQ(Cli({"--help"}).code, kExitOk);
}

TEST(Cli, InspectShowsTheBoard) {
  CliRun r = Cli({"inspect", kLive});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("model:       OrangePi Zero 2W\n"));
  EXPECT_THAT(r.out, HasSubstr("symbols:     no"));
  EXPECT_THAT(r.out, HasSubstr("memory:      [0x40000000..0x80000000) (1024 MiB)\n"));
  EXPECT_THAT(r.out, HasSubstr("reserved:    /reserved-memory/tf-a@40000000 "
                               "[0x40000000..0x40040000) (256 KiB) no-map\n"));
  EXPECT_THAT(r.out, HasSubstr("memreserve:  [0x4ff00000..0x50900000) (10 MiB)\n"));
  EXPECT_THAT(r.out, HasSubstr("chosen:      kaslr-seed = <0x0 0x0>\n"));
  r = Cli({"inspect", kSymbols72});
  EXPECT_THAT(r.out, HasSubstr("symbols:     yes ("));
}

TEST(Cli, ReconcileWritesResultAndReportAndDiff) {
  const std::string out = Tmp("reconciled.dtb");
  const auto target_before = Bytes(kPlain72);
  CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "--overlay",
               kUsb, "--symbols-from", kSymbols72, "--command-line",
               "root=/dev/md127", "--initrd-start", "0x48000000",
               "--initrd-end", "0x48a00000", "-o", out, "--diff"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_THAT(r.out, HasSubstr("symbols          grafted label 'ehci2' -> "
                               "/soc/usb@5310000"));
  EXPECT_THAT(r.out, HasSubstr("memory           /memory@40000000: reg from "
                               "live FDT /memory"));
  EXPECT_THAT(r.out, HasSubstr("-\t\t\tstatus = \"disabled\";\n+\t\t\tstatus = "
                               "\"okay\";\n"));
  EXPECT_EQ(Bytes(kPlain72), target_before);
  // The result is a valid DTB that diff can compare with its input.
  CliRun d = Cli({"diff", kPlain72, out});
  ASSERT_EQ(d.code, kExitOk) << d.err;
  EXPECT_THAT(d.out, HasSubstr("~ /soc/usb@5311400:status \"disabled\" -> \"okay\""));
  EXPECT_THAT(d.out, HasSubstr("+ /chosen:bootargs = \"root=/dev/md127\""));
}

TEST(Cli, FailedApplyLeavesNoOutputAndKeepsAnOldOne) {
  const std::string out = Tmp("applied.dtb");
  CliRun r = Cli({"apply", kSymbols72, kUsb, kEmac1, "-o", out});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err,
            absl::StrCat("fdt-handoff: ", kEmac1,
                         ": fragment@0: label 'emac1' is not defined in ",
                         kSymbols72, " (model \"OrangePi Zero 2W\")\n"));
  EXPECT_FALSE(Exists(out));
  // An existing file is not touched by a failing run.
  const std::vector<uint8_t> old = {'o', 'l', 'd'};
  ASSERT_TRUE(WriteFileAtomic(out, old).ok());
  EXPECT_EQ(Cli({"apply", kSymbols72, kEmac1, "-o", out}).code, kExitBadInput);
  EXPECT_EQ(Bytes(out), old);
  // And the good overlay alone works.
  r = Cli({"apply", kSymbols72, kUsb, "-o", out});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("applied " + std::string(kUsb)));
}

TEST(Cli, BadInputsExitOneNamingTheFile) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::string out = Tmp("bad.dtb");
  const std::string truncated = Tmp("truncated.dtb");
  auto bytes = Bytes(kPlain72);
  bytes.resize(1000);
  ASSERT_TRUE(WriteFileAtomic(truncated, bytes).ok());
  const std::vector<Case> cases = {
      {{"reconcile", "--dtb", "/nonexistent.dtb", "--no-live", "-o", out},
       "fdt-handoff: /nonexistent.dtb: cannot open: No such file or directory\n"},
      {{"reconcile", "--dtb", truncated, "--no-live", "-o", out},
       absl::StrCat("fdt-handoff: ", truncated,
                    ": not a valid DTB: FDT_ERR_TRUNCATED (header says ",
                    Bytes(kPlain72).size(), " bytes, only 1000 present)\n")},
      {{"reconcile", "--dtb", kPlain72, "--no-live", "-o", out},
       absl::StrCat("fdt-handoff: memory: no RAM description: no live FDT was "
                    "given, the target ",
                    kPlain72,
                    " has none either, and no --memory BASE:SIZE was given\n")},
      {{"reconcile", "--dtb", kPlain72, "--live", "testdata/live/no-memory.dtb",
        "-o", out},
       absl::StrCat("fdt-handoff: memory: no RAM description: the live FDT "
                    "testdata/live/no-memory.dtb has no /memory node with a "
                    "reg, the target ",
                    kPlain72,
                    " has none either, and no --memory BASE:SIZE was given\n")},
      {{"reconcile", "--dtb", kPlain72, "--live", "testdata", "-o", out},
       "fdt-handoff: testdata: is a directory, not a regular file\n"},
      {{"reconcile", "--dtb", kPlain72, "--no-live", "--memory",
        "0x40000000:1G", "-o", Tmp("missing-dir/out.dtb")},
       absl::StrCat("fdt-handoff: ", Tmp("missing-dir/out.dtb"),
                    ": cannot write: directory ", Tmp("missing-dir/"),
                    " does not exist\n")},
      {{"reconcile", "--dtb", kPlain72, "--live", kLive, "--overlay",
        "testdata/overlays/zero3-usb.dtbo", "--symbols-from", kSymbols72, "-o",
        out},
       absl::StrCat("fdt-handoff: testdata/overlays/zero3-usb.dtbo: overlay is "
                    "for \"xunlong,orangepi-zero3\", but ",
                    kPlain72,
                    " (model \"OrangePi Zero 2W\") is compatible with "
                    "\"xunlong,orangepi-zero2w\", \"allwinner,sun50i-h618\"; "
                    "pass --force to apply it anyway\n")},
      {{"diff", kPlain72, "/nonexistent.dtb"},
       "fdt-handoff: /nonexistent.dtb: cannot open: No such file or directory\n"},
  };
  for (const Case& c : cases) {
    CliRun r = Cli(c.args);
    EXPECT_EQ(r.code, kExitBadInput) << c.args[2];
    EXPECT_EQ(r.err, c.err);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(Exists(out));
  }
  EXPECT_FALSE(Exists(Tmp("missing-dir")));
}

TEST(Cli, ForcedOverlayForAnotherBoardApplies) {
  CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "--overlay",
               "testdata/overlays/zero3-usb.dtbo", "--symbols-from", kSymbols72,
               "--force", "-o", Tmp("forced.dtb")});
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

TEST(Cli, ListRulesPrintsThePolicy) {
  CliRun r = Cli({"reconcile", "--list-rules"});
  ASSERT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, StartsWith("memory           /memory from --memory or the "
                                "live FDT"));
}

TEST(Cli, RegressPassesOnTheCorpusAndFailsWithoutSymbols) {
  CliRun r = Cli({"regress", "--corpus", "testdata/corpus", "--symbols",
               "testdata/corpus-symbols", "--live", kLive, "--overlay", kUsb});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("verdicts: 2 passed, 0 failed, 1 not "
                               "applicable\n"));
  r = Cli({"regress", "--corpus", "testdata/corpus", "--live", kLive,
           "--overlay", kUsb});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.out, HasSubstr("FAIL 7.2    sun50i-h618-orangepi-zero2w.dtb"));
}

TEST(Cli, PlanPrintsTheSegmentTableOnAnyHost) {
  const std::string dtb_out = Tmp("plan.dtb");
  CliRun r = Cli({"plan", "--kernel", "testdata/kernel/Image.gz", "--initrd",
                  "testdata/kernel/uInitrd", "--dtb", kPlain72, "--live", kLive,
                  "--overlay", kUsb, "--symbols-from", kSymbols72, "--append",
                  "root=/dev/md127", "--page-size", "4096", "--dtb-out",
                  dtb_out});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kernel testdata/kernel/Image.gz: Image.gz, "));
  EXPECT_THAT(r.out, HasSubstr("usable RAM: [0x40040000..0x80000000)\n"));
  EXPECT_THAT(r.out, HasSubstr("kernel     [0x0040200000..0x0040210000)"));
  EXPECT_THAT(r.out, HasSubstr("entry      0x0040217000 (purgatory: x0 = DTB "
                               "0x40211000, then kernel at 0x40200000)"));
  EXPECT_THAT(r.out, HasSubstr("initrd           /chosen:linux,initrd-start/-end = "
                               "[0x40210000..0x40210031) (49 bytes)"));
  EXPECT_TRUE(Exists(dtb_out));
  r = Cli({"plan", "--kernel", "testdata/kernel/Image", "--dtb", kPlain72,
           "--live", kLive, "--json", "--page-size", "4096"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\n  \"entry\": ["));
}

TEST(Cli, PlanRefusesBadKernelsAndUsage) {
  CliRun r = Cli({"plan", "--dtb", kPlain72, "--live", kLive});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, StartsWith("fdt-handoff: plan needs --kernel IMAGE\n"));
  r = Cli({"plan", "--kernel", kPlain72, "--dtb", kPlain72, "--live", kLive});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, StartsWith(absl::StrCat("fdt-handoff: ", kPlain72, ": ")));
  r = Cli({"plan", "--kernel", "testdata/kernel/Image", "--dtb", kPlain72,
           "--live", kLive, "--initrd-start", "1", "--initrd-end", "2"});
  EXPECT_EQ(r.code, kExitUsage);
}

TEST(Cli, LoadAndExecRefuseOffArm64BeforeReadingAnything) {
  if (HostIsArm64()) GTEST_SKIP() << "only meaningful on a non-arm64 host";
  for (const char* command : {"load", "exec"}) {
    CliRun r = Cli({command, "--kernel", "/nonexistent", "--dtb", kPlain72});
    EXPECT_EQ(r.code, kExitEnvironment);
    EXPECT_EQ(r.err, absl::StrCat("fdt-handoff: ", command,
                                  ": this fdt-handoff is not an arm64 binary; "
                                  "load and exec only work on the arm64 board "
                                  "(use 'plan' to see what would be loaded)\n"));
  }
}

TEST(Cli, DumpIsCanonical) {
  CliRun r = Cli({"dump", kLive});
  ASSERT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, StartsWith("/dts-v1/;\n\n/memreserve/ 0x4ff00000 0xa00000;\n"));
}

}  // namespace
}  // namespace fdt_handoff
