#include "tools/cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fdt/file_io.h"
#include "fdt/test_trees.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kexec/syscall.h"
#include "kexec/verify/sha256.h"
#include "tools/cli_testing.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPlain72[] = "testdata/corpus/7.2/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols72[] =
    "testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kEmac1[] = "testdata/overlays/zero2w-emac1.dtbo";

std::string Tmp(const std::string& name) {
  return absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

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

// The commands the global usage (`fdt-handoff --help`) lists: the first word
// of each line of its "commands:" block.
std::vector<std::string> ListedCommands() {
  const CliRun help = Cli({"--help"});
  std::vector<std::string> commands;
  bool in_block = false;
  for (absl::string_view line : absl::StrSplit(help.out, '\n')) {
    if (line == "commands:") {
      in_block = true;
    } else if (in_block && line.empty()) {
      break;
    } else if (in_block && absl::StartsWith(line, "  ") &&
               absl::ascii_isalpha(line[2])) {
      line.remove_prefix(2);
      commands.emplace_back(line.substr(0, line.find(' ')));
    }
  }
  return commands;
}

// Each --help gives the four exit statuses, in order, each after "; " or
// ", " (wrapped lines joined).
void ExpectExitStatuses(const std::string& help, const std::string& command) {
  const std::string text = absl::StrReplaceAll(
      absl::StrReplaceAll(help, {{"\n", " "}}), {{"; ", "|"}, {", ", "|"}});
  size_t at = text.find("Exit status: 0 ");
  EXPECT_NE(at, std::string::npos) << command << ":\n" << help;
  for (const char* status : {"|1 ", "|2 bad usage", "|3 "}) {
    at = at == std::string::npos ? at : text.find(status, at);
    EXPECT_NE(at, std::string::npos)
        << command << ": no exit status '" << status + 1 << "':\n" << help;
  }
}

TEST(Cli, EveryListedCommandHasAHelpWithTheExitStatuses) {
  const std::vector<std::string> commands = ListedCommands();
  EXPECT_EQ(commands,
            (std::vector<std::string>{"inspect", "dump", "apply", "reconcile",
                                      "diff", "plan", "load", "exec",
                                      "regress", "boot"}));
  for (const std::string& command : commands) {
    for (const char* help : {"--help", "-h"}) {
      const CliRun r = Cli({command, help});
      EXPECT_EQ(r.code, kExitOk) << command << " " << help << ": " << r.err;
      EXPECT_THAT(r.out, StartsWith("usage: fdt-handoff " + command + " "))
          << command;
      EXPECT_EQ(r.err, "") << command;
      ExpectExitStatuses(r.out, command);
    }
    // An unknown option is bad usage, answered with the command's usage.
    const CliRun bad = Cli({command, "--no-such-option"});
    EXPECT_EQ(bad.code, kExitUsage) << command << ": " << bad.err;
    EXPECT_THAT(bad.err, HasSubstr("\nusage: fdt-handoff " + command + " "))
        << command;
  }
  const CliRun global = Cli({"--help"});
  EXPECT_EQ(global.code, kExitOk);
  ExpectExitStatuses(global.out, "fdt-handoff --help");
}

// What each --help says it takes is what the command accepts: the options
// other helpers added since (--timings, --package, --profile, --json, --root)
// are in the help of the commands that take them.
TEST(Cli, HelpsNameTheOptionsTheCommandsTake) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"plan", {"--timings", "--json", "--page-size", "--verify", "--iomem",
                "--dtb-out", "--ramdisk", "--reuse-cmdline", "--skip-rule"}},
      {"load", {"--timings", "--verify", "--iomem", "--dtb-out"}},
      {"exec", {"--timings", "--verify", "--iomem", "--dtb-out"}},
      {"regress", {"--corpus", "--package", "--live", "--profile", "--overlay",
                   "--symbols", "--json"}},
      {"boot", {"--root", "--json", "--uboot-fdtfile", "--live"}},
      {"reconcile", {"--list-rules", "--diff", "--no-live", "--memory"}},
      {"apply", {"--symbols-from", "--force", "--output"}},
      {"diff", {"--text"}},
  };
  for (const auto& [command, options] : cases) {
    const std::string help = Cli({command, "--help"}).out;
    for (const std::string& option : options) {
      EXPECT_THAT(help, HasSubstr(option)) << command;
    }
  }
  // load and exec take neither --json nor --page-size: their help must not
  // offer them.
  for (const char* command : {"load", "exec"}) {
    const std::string help = Cli({command, "--help"}).out;
    EXPECT_THAT(help, Not(HasSubstr("--json"))) << command;
    EXPECT_THAT(help, Not(HasSubstr("--page-size"))) << command;
    EXPECT_EQ(Cli({command, "--json"}).code, kExitUsage) << command;
  }
  EXPECT_THAT(Cli({"--help"}).out,
              Not(HasSubstr("run the Zero 2W profile over a DTB corpus")));
}

// A DTB's strings are whatever its author wrote: inspect must show a newline
// or terminal escape in the model, compatible, a /chosen property name or a
// reserved-memory node as \xNN, not send it to the terminal.
TEST(Cli, InspectEscapesTheDtbsText) {
  const TestNode root{
      "",
      {{"model", Str("Evil\nboard\x1b[2J")},
       {"compatible", Strs({"vendor,\x1b[31mred", "plain\\one"})},
       {"#address-cells", Cells({1})},
       {"#size-cells", Cells({1})}},
      {{"chosen", {{"boot\nargs", Str("x")}, {"esc\x1b]0;t\x07", {}}}, {}},
       {"memory@0", {{"device_type", Str("memory")}, {"reg", Cells({0, 0x10000})}}, {}},
       {"reserved-memory",
        {{"#address-cells", Cells({1})}, {"#size-cells", Cells({1})},
         {"ranges", {}}},
        {{"fw\x1b[1m@1000", {{"reg", Cells({0x1000, 0x1000})}}, {}}}}}};
  absl::StatusOr<Fdt> fdt = BuildFdt(root);
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  const std::string path = Tmp("hostile-model.dtb");
  ASSERT_TRUE(WriteFileAtomic(path, fdt->bytes()).ok());
  const CliRun r = Cli({"inspect", path});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nmodel:       Evil\\x0aboard\\x1b[2J\n"));
  EXPECT_THAT(r.out, HasSubstr("\ncompatible:  \"vendor,\\x1b[31mred\", "
                               "\"plain\\\\one\"\n"));
  EXPECT_THAT(r.out, HasSubstr("\nchosen:      boot\\x0aargs = \"x\"\n"));
  EXPECT_THAT(r.out, HasSubstr("\nchosen:      esc\\x1b]0;t\\x07 = \n"));
  EXPECT_THAT(r.out, HasSubstr("\nreserved:    /reserved-memory/fw\\x1b[1m@1000 "));
  // Nothing raw: no escape byte, and every line starts with a field name.
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.out.find('\x07'), std::string::npos);
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    EXPECT_THAT(std::string(line), ::testing::MatchesRegex("[a-z]+: .*")) << line;
  }
}

TEST(Cli, ReconcileWritesResultAndReportAndDiff) {
  const std::string out = Tmp("reconciled.dtb");
  const auto target_before = FileBytesOrEmpty(kPlain72);
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
  EXPECT_EQ(FileBytesOrEmpty(kPlain72), target_before);
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
  EXPECT_EQ(FileBytesOrEmpty(out), old);
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
  auto bytes = FileBytesOrEmpty(kPlain72);
  bytes.resize(1000);
  ASSERT_TRUE(WriteFileAtomic(truncated, bytes).ok());
  const std::vector<Case> cases = {
      {{"reconcile", "--dtb", "/nonexistent.dtb", "--no-live", "-o", out},
       "fdt-handoff: /nonexistent.dtb: cannot open: No such file or "
       "directory\n"},
      {{"reconcile", "--dtb", truncated, "--no-live", "-o", out},
       absl::StrCat("fdt-handoff: ", truncated,
                    ": not a valid DTB: truncated: the header says ",
                    FileBytesOrEmpty(kPlain72).size(),
                    " bytes, only 1000 are present (FDT_ERR_TRUNCATED)\n")},
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
       "fdt-handoff: /nonexistent.dtb: cannot open: No such file or "
       "directory\n"},
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

// A target kernel built for 64 KiB pages is planned from a 4 KiB host with
// a warning (the CPU must support the granule), not refused.
TEST(Cli, PlanWarnsAboutAnotherPageSize) {
  auto image = ReadFile("testdata/kernel/Image");
  ASSERT_TRUE(image.ok()) << image.status();
  (*image)[24] = static_cast<uint8_t>(((*image)[24] & ~0x6) | (3 << 1));
  const std::string path = Tmp("Image-64k");
  ASSERT_TRUE(WriteFileAtomic(path, *image).ok());
  CliRun r = Cli({"plan", "--kernel", path, "--dtb", kPlain72, "--live", kLive,
                  "--page-size", "4096"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("\nwarning    the target kernel uses 64 KiB pages "
                        "(Image flags bits 1-2), the running kernel 4 KiB "
                        "pages: kexec_load does not mind, but the CPU must "
                        "support the 64 KiB translation granule, or the new "
                        "kernel stops in its first instructions without a "
                        "word\n"));
}

// --skip-rule initrd would load the initrd without telling the kernel
// where it is: refused as usage, before anything is read or loaded.
TEST(Cli, SkippedInitrdRuleWithAnInitrdIsUsage) {
  for (const char* command : {"plan", "load", "exec"}) {
    SCOPED_TRACE(command);
    CliRun r = Cli({command, "--kernel", "testdata/kernel/Image", "--initrd",
                    "testdata/kernel/uInitrd", "--dtb", kPlain72, "--live",
                    kLive, "--skip-rule", "initrd"});
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_THAT(r.err,
                StartsWith(absl::StrCat(
                    "fdt-handoff: ", command,
                    " --skip-rule initrd cannot go with --initrd: the initrd "
                    "would be loaded but /chosen/linux,initrd-start/-end "
                    "would not say where (missing, or stale from the live "
                    "FDT); drop one of them\n")));
    EXPECT_EQ(r.out, "");
  }
}

// The syscall layer as a test sees it: what reached kexec_load (copied,
// since the CLI's buffers are gone when RunCli returns) and reboot.
class FakeKexec : public KexecSyscalls {
 public:
  struct Copied {
    SegmentRole role;
    std::vector<uint8_t> bytes;
    uint64_t mem, memsz;
  };
  int Load(uint64_t entry, const std::vector<LoadSegment>& segments) override {
    ++loads;
    if (load_errno != 0) return load_errno;
    this->entry = entry;
    for (const LoadSegment& s : segments) {
      loaded.push_back(Copied{s.role, {s.buffer.begin(), s.buffer.end()},
                              s.mem, s.memsz});
    }
    return 0;
  }
  int Reboot() override {
    ++reboots;
    reboot_after_load = !loaded.empty();
    return reboot_errno;
  }
  bool IsArm64() const override { return arm64; }

  bool arm64 = true;
  int load_errno = 0, reboot_errno = 0;
  int loads = 0, reboots = 0;
  bool reboot_after_load = false;
  uint64_t entry = 0;
  std::vector<Copied> loaded;
};

// The Zero 2W's RAM as its /proc/iomem lists it (TF-A's 256 KiB excluded).
std::string IomemFixture() {
  const std::string path = Tmp("iomem");
  const std::string text = "40040000-7fffffff : System RAM\n";
  EXPECT_TRUE(WriteFileAtomic(path, std::vector<uint8_t>(text.begin(),
                                                         text.end()))
                  .ok());
  return path;
}

std::vector<std::string> LoadArgs(const char* command,
                                  const std::string& dtb_out) {
  return {command,  "--kernel", "testdata/kernel/Image", "--initrd",
          "testdata/kernel/uInitrd", "--dtb", kPlain72, "--live", kLive,
          "--iomem", IomemFixture(), "--append", "root=/dev/md127",
          "--no-seeds", "--dtb-out", dtb_out};
}

TEST(Cli, LoadHandsThePlannedSegmentsToKexecLoad) {
  if (getpagesize() != 4096) GTEST_SKIP() << "the fixture Image is 4K-paged";
  FakeKexec sys;
  const std::string dtb_out = Tmp("load.dtb");
  CliRun r = Cli(LoadArgs("load", dtb_out), &sys);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(sys.loads, 1);
  EXPECT_EQ(sys.reboots, 0);
  ASSERT_EQ(sys.loaded.size(), 4u);
  // kernel at the first 2 MiB-aligned base above TF-A, image_size 64 KiB.
  EXPECT_EQ(sys.loaded[0].role, SegmentRole::kKernel);
  EXPECT_EQ(sys.loaded[0].bytes, FileBytesOrEmpty("testdata/kernel/Image"));
  EXPECT_EQ(sys.loaded[0].mem, 0x40200000u);
  EXPECT_EQ(sys.loaded[0].memsz, 0x10000u);
  // The initrd without its U-Boot header, right above the kernel.
  EXPECT_EQ(sys.loaded[1].role, SegmentRole::kInitrd);
  EXPECT_EQ(sys.loaded[1].bytes, FileBytesOrEmpty("testdata/kernel/initrd.cpio.gz"));
  EXPECT_EQ(sys.loaded[1].mem, 0x40210000u);
  // The DTB exactly as written to --dtb-out, then the purgatory, entered.
  EXPECT_EQ(sys.loaded[2].role, SegmentRole::kDtb);
  EXPECT_EQ(sys.loaded[2].bytes, FileBytesOrEmpty(dtb_out));
  EXPECT_EQ(sys.loaded[3].role, SegmentRole::kPurgatory);
  EXPECT_EQ(sys.entry, sys.loaded[3].mem);
  EXPECT_THAT(r.out, HasSubstr("loaded: the next kernel will receive this "
                               "DTB ("));
}

TEST(Cli, ExecLoadsThenReboots) {
  if (getpagesize() != 4096) GTEST_SKIP() << "the fixture Image is 4K-paged";
  FakeKexec sys;
  sys.reboot_errno = EPERM;  // A real reboot does not come back.
  CliRun r = Cli(LoadArgs("exec", Tmp("exec.dtb")), &sys);
  EXPECT_EQ(sys.loads, 1);
  EXPECT_EQ(sys.reboots, 1);
  EXPECT_TRUE(sys.reboot_after_load);
  EXPECT_THAT(r.out, HasSubstr("rebooting into the loaded kernel\n"));
  EXPECT_EQ(r.code, kExitEnvironment);
  EXPECT_THAT(r.err, HasSubstr("reboot(LINUX_REBOOT_CMD_KEXEC) failed: "));
  EXPECT_THAT(r.err, HasSubstr("run as root (CAP_SYS_BOOT)"));
}

TEST(Cli, RefusedKexecLoadPrintsTheAdviceAndNothingIsLoaded) {
  if (getpagesize() != 4096) GTEST_SKIP() << "the fixture Image is 4K-paged";
  struct Case {
    int err;
    int exit;
    const char* advice;
  };
  const Case cases[] = {
      {EPERM, kExitEnvironment, "kernel.kexec_load_disabled"},
      {ENOSYS, kExitEnvironment, "without CONFIG_KEXEC"},
      {EBUSY, kExitBadInput, "another kexec load is in progress"},
      {EINVAL, kExitBadInput, "the kernel rejected the segments"},
  };
  for (const Case& c : cases) {
    FakeKexec sys;
    sys.load_errno = c.err;
    CliRun r = Cli(LoadArgs("exec", Tmp("refused.dtb")), &sys);
    EXPECT_EQ(r.code, c.exit) << c.err;
    EXPECT_THAT(r.err, StartsWith("fdt-handoff: kexec_load failed: ")) << c.err;
    EXPECT_THAT(r.err, HasSubstr(c.advice)) << c.err;
    EXPECT_EQ(sys.loads, 1) << c.err;
    EXPECT_TRUE(sys.loaded.empty()) << c.err;
    EXPECT_EQ(sys.reboots, 0) << c.err;  // exec stops at the refusal.
    EXPECT_THAT(r.out, Not(HasSubstr("loaded:"))) << c.err;
  }
}

TEST(Cli, BadInputNeverReachesTheKernel) {
  if (getpagesize() != 4096) GTEST_SKIP() << "the fixture Image is 4K-paged";
  FakeKexec sys;
  // The first 4 KiB of the fixture Image: truncated.
  const std::vector<uint8_t> image = FileBytesOrEmpty("testdata/kernel/Image");
  const std::string cut = Tmp("Image.4k");
  ASSERT_TRUE(WriteFileAtomic(cut, absl::MakeConstSpan(image).subspan(0, 4096))
                  .ok());
  std::vector<std::string> args = LoadArgs("load", Tmp("bad.dtb"));
  args[2] = cut;
  CliRun r = Cli(args, &sys);
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat(cut, ": Image: truncated: ")));
  // A 0-byte initrd.
  const std::string empty = Tmp("empty.initrd");
  ASSERT_TRUE(WriteFileAtomic(empty, {}).ok());
  args = LoadArgs("load", Tmp("bad.dtb"));
  args[4] = empty;
  r = Cli(args, &sys);
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err, absl::StrCat("fdt-handoff: ", empty,
                                ": the initrd is empty (0 bytes)\n"));
  // An initrd larger than the RAM /proc/iomem lists: refused before reading.
  const std::string small_ram = Tmp("iomem-small");
  const std::string text = "40000000-4001003f : System RAM\n";
  ASSERT_TRUE(WriteFileAtomic(small_ram, std::vector<uint8_t>(text.begin(),
                                                              text.end()))
                  .ok());
  args = LoadArgs("load", Tmp("bad.dtb"));
  args[10] = small_ram;
  r = Cli(args, &sys);
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("testdata/kernel/uInitrd: the initrd is 113 "
                               "bytes, more than the 64 bytes of usable RAM "
                               "left beside the kernel's image_size (from "
                               "/proc/iomem); not reading it"));
  EXPECT_EQ(sys.loads, 0);
  EXPECT_FALSE(Exists(Tmp("bad.dtb")));
}

TEST(Cli, ACommandLineTheKernelWouldCutNeverReachesIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string(2048, 'a'),
       "fdt-handoff: --append: the kernel command line (/chosen/bootargs) "
       "would be 2048 bytes; arm64 takes at most 2047 (COMMAND_LINE_SIZE "
       "2048, NUL included) and would cut the rest\n"},
      {"root=/dev/md127\rquiet",
       "fdt-handoff: --append: control byte \\x0d at offset 15; the kernel "
       "command line (/chosen/bootargs) takes printable text (separate "
       "parameters with spaces)\n"},
  };
  for (const char* command : {"plan", "load", "exec"}) {
    for (const auto& [append, err] : cases) {
      FakeKexec sys;
      const std::string dtb_out = Tmp("cut.dtb");
      std::vector<std::string> args = LoadArgs(command, dtb_out);
      args[12] = append;  // The value of --append.
      const CliRun r = Cli(args, &sys);
      EXPECT_EQ(r.code, kExitBadInput) << command;
      EXPECT_EQ(r.err, err) << command;
      EXPECT_EQ(r.out, "") << command;
      EXPECT_EQ(sys.loads, 0) << command;
      EXPECT_EQ(sys.reboots, 0) << command;
      EXPECT_FALSE(Exists(dtb_out)) << command;
    }
  }
}

TEST(Cli, LoadAndExecRefuseOffArm64BeforeReadingAnything) {
  FakeKexec sys;
  sys.arm64 = false;
  for (const char* command : {"load", "exec"}) {
    CliRun r =
        Cli({command, "--kernel", "/nonexistent", "--dtb", kPlain72}, &sys);
    EXPECT_EQ(r.code, kExitEnvironment);
    EXPECT_EQ(r.err, absl::StrCat("fdt-handoff: ", command,
                                  ": this fdt-handoff is not an arm64 binary; "
                                  "load and exec only work on the arm64 board "
                                  "(use 'plan' to see what would be loaded)\n"));
  }
  EXPECT_EQ(sys.loads, 0);
  // The real syscall layer says the same on a host that is not arm64.
  if (!HostIsArm64()) {
    CliRun r = Cli({"load", "--kernel", "/nonexistent", "--dtb", kPlain72});
    EXPECT_EQ(r.code, kExitEnvironment);
  }
}

TEST(Cli, TimingsGoToStderr) {
  if (getpagesize() != 4096) GTEST_SKIP() << "the fixture Image is 4K-paged";
  FakeKexec sys;
  CliRun r = Cli({"plan", "--kernel", "testdata/kernel/Image.gz", "--dtb",
                  kPlain72, "--live", kLive, "--page-size", "4096",
                  "--timings"},
                 &sys);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.err, ::testing::MatchesRegex(
                         "timings: read [0-9.]+ ms, parse [0-9.]+ ms, "
                         "reconcile [0-9.]+ ms, plan [0-9.]+ ms, verify "
                         "[0-9.]+ ms, syscall - "
                         "\\(plan\\)\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("timings")));
  std::vector<std::string> args = LoadArgs("load", Tmp("timed.dtb"));
  args.push_back("--timings");
  r = Cli(args, &sys);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.err, ::testing::MatchesRegex(
                         "timings: read [0-9.]+ ms, parse [0-9.]+ ms, "
                         "reconcile [0-9.]+ ms, plan [0-9.]+ ms, verify "
                         "0.0 ms, syscall [0-9.]+ ms\n"));
  // With --verify, the hashing and the engine that did it.
  args.push_back("--verify");
  r = Cli(args, &sys);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.err, ::testing::MatchesRegex(absl::StrCat(
                         "timings: read [0-9.]+ ms, parse [0-9.]+ ms, "
                         "reconcile [0-9.]+ ms, plan [0-9.]+ ms, verify "
                         "[0-9.]+ ms \\(sha256 ",
                         Sha256EngineName(FastestSha256Engine()),
                         "\\), syscall [0-9.]+ ms\n")));
}

TEST(Cli, DumpIsCanonical) {
  CliRun r = Cli({"dump", kLive});
  ASSERT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, StartsWith("/dts-v1/;\n\n/memreserve/ 0x4ff00000 0xa00000;\n"));
}

}  // namespace
}  // namespace fdt_handoff
