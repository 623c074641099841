// Hostile command lines and special files: each case checks the exit
// status, the message (naming the file, option or field and the cause), that
// no output or temporary file is left, and that the inputs are unchanged.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fdt/file_io.h"
#include "fdt/reconcile.h"
#include "fdt/test_dirs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli.h"
#include "tools/cli_testing.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPlain72[] = "testdata/corpus/7.2/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols72[] =
    "testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kImage[] = "testdata/kernel/Image";
constexpr char kInitrd[] = "testdata/kernel/uInitrd";

// A fresh output directory per test; the listing must show only what the
// test put there.
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeFreshTestDir();
    ASSERT_FALSE(dir_.empty());
    old_umask_ = umask(022);
    for (const char* input : {kPlain72, kSymbols72, kLive, kUsb, kImage, kInitrd}) {
      inputs_[input] = FileBytesOrEmpty(input);
    }
  }
  void TearDown() override {
    umask(old_umask_);
    for (const auto& [path, bytes] : inputs_) {
      EXPECT_EQ(FileBytesOrEmpty(path), bytes) << path << " changed";
    }
  }
  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }
  std::vector<std::string> Entries() const { return ListDir(dir_); }
  std::string Fifo() {
    const std::string fifo = Path("fifo");
    if (access(fifo.c_str(), F_OK) != 0) mkfifo(fifo.c_str(), 0644);
    return fifo;
  }
  // Expects a refusal with exactly `err` and no new file but `keep`.
  void ExpectRefused(const std::vector<std::string>& args, int code,
                     const std::string& err,
                     const std::vector<std::string>& keep = {}) {
    const CliRun r = Cli(args);
    EXPECT_EQ(r.code, code) << absl::StrJoin(args, " ") << "\n" << r.err;
    EXPECT_EQ(r.err, err) << absl::StrJoin(args, " ");
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_EQ(Entries(), keep) << absl::StrJoin(args, " ");
  }

  std::string dir_;
  mode_t old_umask_ = 022;
  std::map<std::string, std::vector<uint8_t>> inputs_;
};

// --- special files ------------------------------------------------------------

TEST_F(BadInput, AFifoAsAnyInputIsRefusedWithoutBlocking) {
  const std::string fifo = Fifo();
  const std::string out = Path("out.dtb");
  const std::string err =
      absl::StrCat("fdt-handoff: ", fifo, ": is a FIFO (named pipe), not a "
                   "regular file\n");
  const std::vector<std::vector<std::string>> runs = {
      {"inspect", fifo},
      {"dump", fifo},
      {"diff", kPlain72, fifo},
      {"apply", kSymbols72, fifo, "-o", out},
      {"apply", fifo, kUsb, "-o", out},
      {"apply", kPlain72, kUsb, "--symbols-from", fifo, "-o", out},
      {"reconcile", "--dtb", fifo, "--live", kLive, "-o", out},
      {"reconcile", "--dtb", kPlain72, "--live", fifo, "-o", out},
      {"reconcile", "--dtb", kPlain72, "--live", kLive, "--overlay", fifo,
       "-o", out},
      {"reconcile", "--dtb", kPlain72, "--live", kLive, "--overlay", kUsb,
       "--symbols-from", fifo, "-o", out},
      {"plan", "--kernel", fifo, "--dtb", kPlain72, "--live", kLive},
      {"plan", "--kernel", kImage, "--initrd", fifo, "--dtb", kPlain72,
       "--live", kLive, "--page-size", "4096"},
      {"regress", "--corpus", "testdata/corpus", "--live", fifo},
  };
  for (const auto& args : runs) ExpectRefused(args, kExitBadInput, err, {"fifo"});
}

TEST_F(BadInput, ADeviceAsAnInputIsRefusedBeforeItIsOpened) {
  ExpectRefused({"plan", "--kernel", "/dev/zero", "--dtb", kPlain72, "--live",
                 kLive},
                kExitBadInput,
                "fdt-handoff: /dev/zero: is a character device, not a "
                "regular file\n");
}

TEST_F(BadInput, AnOutputThatIsNotARegularFileIsNotReplaced) {
  std::vector<std::string> targets = {Fifo()};
  // A device node, as `-o /dev/mmcblk0` run as root would name.
  if (mknod(Path("device").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0) {
    targets.push_back(Path("device"));
  }
  ASSERT_EQ(mkdir(Path("dir").c_str(), 0755), 0);
  targets.push_back(Path("dir"));
  const std::vector<std::string> before = Entries();
  for (const std::string& target : targets) {
    struct stat st;
    ASSERT_EQ(stat(target.c_str(), &st), 0);
    const std::string err = absl::StrCat(
        "fdt-handoff: ", target, ": is a ", FileTypeName(st.st_mode),
        ", not a regular file; refusing to replace it with the output\n");
    ExpectRefused({"reconcile", "--dtb", kPlain72, "--live", kLive, "-o", target},
                  kExitBadInput, err, before);
    ExpectRefused({"apply", kSymbols72, kUsb, "-o", target}, kExitBadInput,
                  err, before);
    ExpectRefused({"plan", "--kernel", kImage, "--dtb", kPlain72, "--live",
                   kLive, "--page-size", "4096", "--dtb-out", target},
                  kExitBadInput, err, before);
    struct stat after;
    ASSERT_EQ(stat(target.c_str(), &after), 0);
    EXPECT_EQ(after.st_mode, st.st_mode) << target;
    EXPECT_EQ(after.st_rdev, st.st_rdev) << target;
  }
}

// --- permissions ----------------------------------------------------------------

TEST_F(BadInput, SeededOutputsAreCreatedOwnerOnly) {
  const std::string seeded = Path("seeded.dtb");
  CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "-o", seeded});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(PermissionBits(seeded), 0600);
  r = Cli({"plan", "--kernel", kImage, "--dtb", kPlain72, "--live", kLive,
           "--page-size", "4096", "--dtb-out", Path("plan.dtb")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(PermissionBits(Path("plan.dtb")), 0600);
  // Without seeds the umask decides.
  r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "--no-seeds", "-o",
           Path("plain.dtb")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(PermissionBits(Path("plain.dtb")), 0644);
  umask(077);
  r = Cli({"apply", kSymbols72, kUsb, "-o", Path("applied.dtb")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(PermissionBits(Path("applied.dtb")), 0600);
  EXPECT_EQ(Entries(), (std::vector<std::string>{"applied.dtb", "plain.dtb",
                                                 "plan.dtb", "seeded.dtb"}));
}

TEST_F(BadInput, AnExistingOutputKeepsItsMode) {
  const std::string out = Path("out.dtb");
  for (mode_t mode : {mode_t{0600}, mode_t{0640}}) {
    ASSERT_TRUE(WriteFileAtomic(out, {1}).ok());
    ASSERT_EQ(chmod(out.c_str(), mode), 0);
    CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "-o", out});
    ASSERT_EQ(r.code, kExitOk) << r.err;
    EXPECT_EQ(PermissionBits(out), mode);
    EXPECT_GT(FileBytesOrEmpty(out).size(), 1000u);
  }
}

// --- standard output --------------------------------------------------------------

TEST_F(BadInput, AFullStandardOutputFailsTheRun) {
  const std::string err =
      "fdt-handoff: cannot write to standard output (disk full?); what it "
      "shows is incomplete\n";
  const std::vector<std::vector<std::string>> runs = {
      {"dump", kLive},
      {"inspect", kLive},
      {"diff", "--text", kPlain72, kLive},
      {"reconcile", "--dtb", kPlain72, "--live", kLive, "--diff", "-o",
       Path("out.dtb")},
      {"--help"},
  };
  for (const auto& args : runs) {
    std::ofstream full("/dev/full");
    ASSERT_TRUE(full.is_open());
    std::ostringstream errs;
    EXPECT_EQ(RunCli(args, full, errs), kExitBadInput) << args[0];
    EXPECT_EQ(errs.str(), err) << args[0];
  }
  // A run that already failed keeps its own status and message.
  std::ofstream full("/dev/full");
  std::ostringstream errs;
  EXPECT_EQ(RunCli({"dump"}, full, errs), kExitUsage);
  EXPECT_THAT(errs.str(), HasSubstr("dump takes one DTB"));
}

// --- numbers -------------------------------------------------------------------------

TEST_F(BadInput, MemoryValuesAreCheckedAndNamed) {
  const std::string out = Path("out.dtb");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0xffffffffffffffff:0x10",
       "--memory '0xffffffffffffffff:0x10': the range wraps past 2^64 (BASE "
       "0xffffffffffffffff + SIZE 0x10)"},
      {" -1:1G",
       "--memory BASE: ' -1' is not a number: ' ' is not a decimal digit (no "
       "blanks or signs; a K, M or G suffix may follow)"},
      {"-1:1G",
       "--memory BASE: '-1' is not a number: '-' is not a decimal digit (no "
       "blanks or signs; a K, M or G suffix may follow)"},
      {"0x40000000: 1G",
       "--memory SIZE: ' 1G' is not a number: ' ' is not a decimal digit (no "
       "blanks or signs; a K, M or G suffix may follow)"},
      {"010:1G",
       "--memory BASE: '010' is not a number: a leading zero (octal is not "
       "taken); write it in decimal without the zero, or in hex with 0x"},
      {"0x40000000:0", "--memory '0x40000000:0': SIZE is 0"},
      {"0x:1G", "--memory BASE: '0x' is not a number: no digits (decimal, or "
                "hex with 0x)"},
      {"1G", "--memory: '1G' is not BASE:SIZE, e.g. 0x40000000:1G"},
      {"0x40000000:99999999999G",
       "--memory SIZE: '99999999999G' is not a number: more than 64 bits"},
      {"18446744073709551616:1",
       "--memory BASE: '18446744073709551616' is not a number: more than 64 "
       "bits"},
      {"0x40000000:1\n",
       "--memory SIZE: '1\\n' is not a number: '\\n' is not a decimal digit (no "
       "blanks or signs; a K, M or G suffix may follow)"},
  };
  for (const auto& [value, message] : cases) {
    ExpectRefused({"reconcile", "--dtb", kPlain72, "--no-live", "--memory",
                   value, "-o", out},
                  kExitBadInput, absl::StrCat("fdt-handoff: ", message, "\n"));
  }
  // The largest range that ends at 2^64 - 1 is fine, and so is decimal.
  CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--no-live", "--memory",
                  "1073741824:1G", "-o", out});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[0x40000000..0x80000000)"));
}

TEST_F(BadInput, InitrdAddressesAreStrictNumbers) {
  ExpectRefused({"reconcile", "--dtb", kPlain72, "--live", kLive,
                 "--initrd-start", "010", "--initrd-end", "0x48a00000", "-o",
                 Path("out.dtb")},
                kExitBadInput,
                "fdt-handoff: --initrd-start: '010' is not a number: a leading "
                "zero (octal is not taken); write it in decimal without the "
                "zero, or in hex with 0x\n");
}

TEST_F(BadInput, PageSizeMustBeAnArm64PageSize) {
  for (const char* size : {"8192", "4095", "0", "1M"}) {
    const CliRun r = Cli({"plan", "--kernel", kImage, "--dtb", kPlain72,
                          "--live", kLive, "--page-size", size});
    EXPECT_EQ(r.code, kExitBadInput) << size;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat(
                           "fdt-handoff: --page-size '", size,
                           "': arm64 pages are 4K, 16K or 64K")));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("no room")));
  }
  ExpectRefused({"plan", "--kernel", kImage, "--dtb", kPlain72, "--live", kLive,
                 "--page-size", "04096"},
                kExitBadInput,
                "fdt-handoff: --page-size: '04096' is not a number: a leading "
                "zero (octal is not taken); write it in decimal without the "
                "zero, or in hex with 0x\n");
  const CliRun r = Cli({"plan", "--kernel", kImage, "--dtb", kPlain72, "--live",
                        kLive, "--page-size", "4K"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

// --- usage ---------------------------------------------------------------------------

TEST_F(BadInput, AnUnknownRuleIsAUsageError) {
  const CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive,
                        "--skip-rule", "sedes", "-o", Path("out.dtb")});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, ::testing::StartsWith(
                         "fdt-handoff: --skip-rule: unknown rule 'sedes'; "
                         "rules: memory, reserved-memory, "));
  EXPECT_THAT(Entries(), IsEmpty());
}

TEST_F(BadInput, DoubleDashEndsTheOptions) {
  // A file whose name starts with '-' is reachable after "--".
  const std::string odd = "-odd.dtb";
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(chdir(dir_.c_str()), 0);
  ASSERT_TRUE(WriteFileAtomic(odd, inputs_[kLive]).ok());
  const CliRun in_dir = Cli({"dump", "--", odd});
  const CliRun as_option = Cli({"dump", odd});
  ASSERT_EQ(chdir(cwd), 0);
  EXPECT_EQ(in_dir.code, kExitOk) << in_dir.err;
  EXPECT_THAT(in_dir.out, HasSubstr("model = \"OrangePi Zero 2W\";"));
  EXPECT_EQ(as_option.code, kExitUsage);
  EXPECT_THAT(as_option.err, ::testing::StartsWith("fdt-handoff: unknown option -odd.dtb\n"));
  CliRun r = Cli({"dump", "--", kLive});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  r = Cli({"inspect", "--", "--help"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err, "fdt-handoff: --help: cannot open: No such file or directory\n");
  r = Cli({"diff", "--text", "--", kLive, "--text"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err, "fdt-handoff: --text: cannot open: No such file or directory\n");
  r = Cli({"apply", kSymbols72, "-o", Path("out.dtb"), "--", kUsb});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "-o",
           Path("r.dtb"), "--"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "-o",
           Path("r.dtb"), "--", "--diff"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, ::testing::StartsWith("fdt-handoff: unknown argument --diff\n"));
  r = Cli({"dump", "--"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(Entries(), (std::vector<std::string>{odd, "out.dtb", "r.dtb"}));
}

TEST_F(BadInput, EveryHelpDocumentsTheExitStatuses) {
  for (const char* command : {"inspect", "dump", "apply", "reconcile", "diff",
                              "regress", "plan", "load", "exec"}) {
    const CliRun r = Cli({command, "--help"});
    EXPECT_THAT(r.out, HasSubstr("2 bad usage")) << command;
    EXPECT_THAT(r.out, HasSubstr("3 refused by the system")) << command;
  }
  EXPECT_THAT(Cli({"--help"}).out, HasSubstr("3 refused by the system"));
}

// --- accepted without comment before --------------------------------------------

// The messages are fdt/command_line.h's CheckCommandLine() behind the part
// of the command line they are about.
std::string TooLong(size_t n) {
  return absl::StrCat("the kernel command line (/chosen/bootargs) would be ", n,
                      " bytes; arm64 takes at most 2047 (COMMAND_LINE_SIZE "
                      "2048, NUL included) and would cut the rest\n");
}

TEST_F(BadInput, ACommandLineLongerThanArm64TakesIsRefused) {
  const std::string out = Path("out.dtb");
  for (const char* flag : {"--append", "--command-line"}) {
    ExpectRefused({"reconcile", "--dtb", kPlain72, "--live", kLive, flag,
                   std::string(2048, 'a'), "-o", out},
                  kExitBadInput, "fdt-handoff: --append: " + TooLong(2048));
  }
  const CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive,
                        "--append", std::string(2047, 'a'), "-o", out});
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

// With --reuse-cmdline the running kernel's /proc/cmdline counts too: an
// --append that alone fits makes the joined line one byte too long.
TEST_F(BadInput, ReusedCommandLinePlusAppendIsCheckedTogether) {
  auto text = ReadTextFile("/proc/cmdline");
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string reused = StripBootImage(*text);
  const std::string out = Path("out.dtb");
  if (reused.size() >= 2047) {  // A host whose own line is at the limit.
    ExpectRefused({"reconcile", "--dtb", kPlain72, "--live", kLive,
                   "--reuse-cmdline", "--append", "x", "-o", out},
                  kExitBadInput,
                  "fdt-handoff: /proc/cmdline: " + TooLong(reused.size()));
    return;
  }
  const size_t append = 2048 - reused.size() - (reused.empty() ? 0 : 1);
  ExpectRefused(
      {"reconcile", "--dtb", kPlain72, "--live", kLive, "--reuse-cmdline",
       "--append", std::string(append, 'a'), "-o", out},
      kExitBadInput,
      absl::StrCat("fdt-handoff: --reuse-cmdline (", reused.size(),
                   " bytes from /proc/cmdline) and --append (", append,
                   " bytes): ", TooLong(2048)));
  const CliRun r =
      Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "--reuse-cmdline",
           "--append", std::string(append - 1, 'a'), "-o", out});
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

TEST_F(BadInput, ControlBytesInTheCommandLineAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"root=/dev/md127\ninit=/bin/sh", "\\x0a at offset 15"},
      {"console=ttyS0\x1b[2J", "\\x1b at offset 13"},
      {"quiet\tsplash", "\\x09 at offset 5"},
      {std::string("a\0b", 3), "\\x00 at offset 1"},
  };
  for (const auto& [append, where] : cases) {
    for (const char* flag : {"--append", "--command-line"}) {
      ExpectRefused({"reconcile", "--dtb", kPlain72, "--live", kLive, flag,
                     append, "-o", Path("out.dtb")},
                    kExitBadInput,
                    absl::StrCat("fdt-handoff: --append: control byte ", where,
                                 "; the kernel command line (/chosen/bootargs) "
                                 "takes printable text (separate parameters "
                                 "with spaces)\n"));
    }
  }
  // One option, the last one wins (kexec-tools): only the last is checked.
  const CliRun r =
      Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "--append", "a\nb",
           "--command-line", "quiet", "-o", Path("out.dtb")});
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

TEST_F(BadInput, AnEmptyInitrdIsAnError) {
  const std::string empty = Path("empty.cpio");
  ASSERT_TRUE(WriteFileAtomic(empty, {}).ok());
  ExpectRefused({"plan", "--kernel", kImage, "--initrd", empty, "--dtb",
                 kPlain72, "--live", kLive, "--page-size", "4096", "--dtb-out",
                 Path("out.dtb")},
                kExitBadInput,
                absl::StrCat("fdt-handoff: ", empty,
                             ": the initrd is empty (0 bytes)\n"),
                {"empty.cpio"});
}

TEST_F(BadInput, ALongOutputNameWorks) {
  const std::string name = std::string(251, 'n') + ".dtb";  // NAME_MAX
  const CliRun r = Cli({"reconcile", "--dtb", kPlain72, "--live", kLive, "-o",
                        Path(name)});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(Entries(), std::vector<std::string>{name});
}

// --- environment --------------------------------------------------------------------

TEST_F(BadInput, PermissionDeniedIsTheEnvironmentsRefusal) {
  // An unreadable input, as /sys/firmware/fdt (0400 root) is to a user.
  const std::string secret = Path("live.dtb");
  ASSERT_TRUE(WriteFileAtomic(secret, inputs_[kLive]).ok());
  ASSERT_EQ(chmod(secret.c_str(), 0600), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    // root reads anything: drop to nobody first.
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(100);
    std::ostringstream out, err;
    const int code = RunCli({"inspect", secret}, out, err);
    const bool named =
        err.str() == absl::StrCat("fdt-handoff: ", secret,
                                  ": cannot open: Permission denied\n");
    _exit(named ? code : 101);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kExitEnvironment);
}

}  // namespace
}  // namespace fdt_handoff
