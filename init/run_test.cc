#include "init/run.h"

#include <errno.h>
#include <zlib.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/fake_md.h"
#include "init/fake_mount_calls.h"
#include "init/fake_sysfs.h"
#include "init/test_root.h"
#include "kexec/verify/sha256.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kVer[] = "6.12.38-current-sunxi64";
constexpr char kUuid[] = "1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";

std::string Bytes(const std::string& path) {
  auto bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "";
}

std::string Env(const std::string& rootdev) {
  return absl::StrCat(
      "overlay_prefix=sun50i-h616\nconsole=serial\n"
      "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\nrootdev=",
      rootdev, "\noverlays=usbhost2\n");
}

// The first 4 KiB of an ext4 file system with UUID kUuid.
std::string Ext4Head() {
  std::string head(4096, '\0');
  head[1024 + 0x38] = '\x53';
  head[1024 + 0x39] = '\xef';
  const uint8_t uuid[16] = {0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x41, 0x72,
                            0x83, 0x94, 0xa5, 0xb6, 0xc7, 0xd8, 0xe9, 0xf0};
  for (int i = 0; i < 16; ++i) head[1024 + 0x68 + i] = static_cast<char>(uuid[i]);
  return head;
}

class FakeModules : public ModuleCalls {
 public:
  std::vector<std::string> calls;
  int LoadModule(const std::string& path, int) override {
    calls.push_back(path);
    return 0;
  }
};

// Records what was true when kexec_load came: nothing mounted, array stopped.
class FakeKexec : public KexecSyscalls {
 public:
  FakeKexec(FakeMountCalls& mounts, FakeMd& md) : mounts_(mounts), md_(md) {}
  std::string mount_point;
  int load_errno = 0;
  int loads = 0;
  int reboots = 0;
  bool clean_at_load = false;
  std::vector<uint8_t> loaded_dtb;
  int Load(uint64_t, const std::vector<LoadSegment>& segments) override {
    ++loads;
    for (const LoadSegment& s : segments) {
      if (s.role == SegmentRole::kDtb) loaded_dtb.assign(s.buffer.begin(), s.buffer.end());
    }
    clean_at_load = mounts_.mounted.count(mount_point) == 0 &&
                    !md_.calls.empty() && md_.calls.back() == "stop /dev/md127";
    return load_errno;
  }
  int Reboot() override {
    ++reboots;
    return EPERM;  // A test process may not reboot; the sequence ends here.
  }

 private:
  FakeMountCalls& mounts_;
  FakeMd& md_;
};

class FakeRescue : public Rescue {
 public:
  bool shell = false;
  int shells = 0;
  std::vector<int> sleeps;
  bool HasShell() override { return shell; }
  void RunShell() override { ++shells; }
  void Sleep(int seconds) override { sleeps.push_back(seconds); }
};

absl::Status FixedSeeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 7);
  return absl::OkStatus();
}

class RunBootTest : public ::testing::Test {
 protected:
  RunBootTest()
      : files_("run_files"),
        mnt_("run_mnt"),
        sys_("run_sys"),
        kexec_(mounts_, md_),
        console_(out_, events_.Clock()) {
    files_.File("dev/md127", Ext4Head());
    files_.Dir("sys_block");
    Cmdline("console=ttyS0,115200");
    for (const char* disk : {"sda", "sdb"}) sys_.Disk(disk);
    sys_.Partition("sda", "sda1");
    sys_.Partition("sdb", "sdb1");
    md_.members["sda1"] = FakeMember("raid0", 2, 0);
    md_.members["sdb1"] = FakeMember("raid0", 2, 1);
  }

  void Cmdline(const std::string& text) { files_.File("proc/cmdline", text + "\n"); }

  void Armbian(const std::string& overlay, const std::string& rootdev) {
    mnt_.Armbian(Env(rootdev),
                 Bytes("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb"),
                 overlay);
    mnt_.File(absl::StrCat("boot/vmlinuz-", kVer), Bytes("testdata/kernel/Image"));
  }
  void Armbian() { Armbian(Bytes(kUsb), absl::StrCat("UUID=", kUuid)); }

  absl::Status Run(RunOptions options = {}) {
    InitPaths paths;
    paths.cmdline = files_.path() + "/proc/cmdline";
    paths.load_order = files_.path() + "/load-order";
    paths.sys_class_block = sys_.class_block();
    paths.sys_block = files_.path() + "/sys_block";
    paths.dev = files_.path() + "/dev";
    paths.mount_point = mnt_.path();
    kexec_.mount_point = mnt_.path();
    paths.live_fdt = "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
    paths.iomem = files_.path() + "/no-iomem";
    paths.proc_filesystems = files_.path() + "/no-filesystems";
    InitEnv env{console_, events_.Clock(), mounts_, modules_, md_, kexec_,
                [this]() -> absl::StatusOr<std::unique_ptr<UeventSource>> {
                  return std::unique_ptr<UeventSource>(new Forward(events_));
                },
                paths, 4096, FixedSeeds};
    return RunBoot(env, options);
  }

  // Hands the fixture's FakeUevents to RunBoot, which owns what it opens.
  class Forward : public UeventSource {
   public:
    explicit Forward(FakeUevents& to) : to_(to) {}
    absl::StatusOr<absl::optional<Uevent>> Next(int ms) override { return to_.Next(ms); }

   private:
    FakeUevents& to_;
  };

  std::string Log() const { return out_.str(); }

  TestRoot files_;
  TestRoot mnt_;
  FakeSysBlock sys_;
  FakeMountCalls mounts_;
  FakeModules modules_;
  FakeMd md_;
  FakeKexec kexec_;
  FakeUevents events_;
  std::ostringstream out_;
  Console console_;
};

TEST_F(RunBootTest, AssemblesMountsPlansUnmountsStopsThenKexecs) {
  Armbian();
  const absl::Status s = Run();
  // The fake reboot refuses; everything before it happened.
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("reboot into the loaded kernel: "));
  EXPECT_EQ(kexec_.loads, 1);
  EXPECT_EQ(kexec_.reboots, 1);
  EXPECT_TRUE(kexec_.clean_at_load);
  EXPECT_THAT(md_.calls, ElementsAre("examine sda1", "examine sdb1",
                                     "assemble zero2w:root sda1 sdb1",
                                     "stop /dev/md127"));
  const std::string dev = files_.path() + "/dev/md127";
  EXPECT_THAT(mounts_.calls,
              ::testing::Contains(absl::StrCat("mount ", dev, " ", mnt_.path(),
                                               " ext4 7 noload")));
  EXPECT_EQ(mounts_.calls.back(), "umount " + mnt_.path());
  const std::string log = Log();
  EXPECT_THAT(log, HasSubstr("[    5.000] mdboot: mdboot starting\n"));
  EXPECT_THAT(log, HasSubstr("mdboot: settings: wait 30 s, array (the only complete one)\n"));
  EXPECT_THAT(log, HasSubstr("no modules to load"));
  EXPECT_THAT(log, HasSubstr("complete; present: sda1 (slot 0), sdb1 (slot 1); assembling read-only"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("(ext4, UUID ", kUuid, ") read-only on")));
  EXPECT_THAT(log, HasSubstr("mdboot: overlay   applied /boot/dtb/allwinner/overlay/sun50i-h616-usbhost2.dtbo"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("mdboot: loaded; rebooting into /boot/vmlinuz-", kVer)));
  EXPECT_THAT(log, ::testing::ContainsRegex(
                       "mdboot: cpu time: mdboot [0-9]+\\.[0-9]{3} s user \\+ [0-9]+\\.[0-9]{3} s system, "
                       "mdadm [0-9]+\\.[0-9]{3} s \\+ [0-9]+\\.[0-9]{3} s\n"));
  EXPECT_THAT(log, Not(HasSubstr("preflight ")));
  if (getenv("RUN_TEST_SHOW_LOG") != nullptr) std::cout << log;
}

// PID 1 retries after a failure, and `/init boot` runs the sequence again
// from the rescue shell: the early file systems are mounted once, not a
// fresh tmpfs over /run (hiding /run/mdadm/map) on every attempt.
TEST_F(RunBootTest, AnotherAttemptDoesNotMountTheEarlyFileSystemsAgain) {
  Armbian();
  EXPECT_EQ(Run().code(), absl::StatusCode::kPermissionDenied);
  RunOptions from_shell;
  from_shell.ignore_stop_settings = true;
  EXPECT_EQ(Run(from_shell).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(kexec_.loads, 2);
  for (const char* early :
       {"mount proc /proc ", "mount sysfs /sys ", "mount devtmpfs /dev ",
        "mount tmpfs /run ", "mount tmpfs /tmp "}) {
    EXPECT_EQ(std::count_if(mounts_.calls.begin(), mounts_.calls.end(),
                            [&](const std::string& c) {
                              return absl::StartsWith(c, early);
                            }),
              1)
        << early;
  }
}

TEST_F(RunBootTest, ModulesLoadBeforeTheWait) {
  Armbian();
  files_.File("load-order", "# kernel 6.1\n/lib/modules/6.1/md-mod.ko\n/lib/modules/6.1/raid0.ko\n");
  EXPECT_EQ(Run().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(modules_.calls, ElementsAre("/lib/modules/6.1/md-mod.ko", "/lib/modules/6.1/raid0.ko"));
  EXPECT_THAT(Log(), HasSubstr("modules: 2 loaded, 0 already present, 0 failed (of 2)"));
}

TEST_F(RunBootTest, ArrayIncompleteAfterTheWaitNamesTheMissingMember) {
  Armbian();
  Cmdline("mdboot.wait=2");
  md_.members.erase("sdb1");
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("waiting for the array: after waiting 2 s: md RAID0 "
                        "'zero2w:root' (UUID 8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b): "
                        "1 of 2 members missing (slot 1); present: sda1 (slot 0)"));
  EXPECT_THAT(md_.calls, Not(::testing::Contains(HasSubstr("assemble"))));
  EXPECT_EQ(kexec_.loads, 0);
  EXPECT_THAT(Log(), HasSubstr("md RAID0 'zero2w:root': 1/2 members (sda1), waiting 2 s"));

  FakeRescue no_shell;
  RescueAfter(s, console_, no_shell);
  EXPECT_THAT(no_shell.sleeps, ElementsAre(kRetryDelaySeconds));
  EXPECT_THAT(Log(), HasSubstr("mdboot: BOOT FAILED: waiting for the array: after waiting 2 s"));
  EXPECT_THAT(Log(), HasSubstr("no rescue shell in this initramfs: trying again in 10 s"));
  FakeRescue shell;
  shell.shell = true;
  RescueAfter(s, console_, shell);
  EXPECT_EQ(shell.shells, 1);
  EXPECT_TRUE(shell.sleeps.empty());
  EXPECT_THAT(Log(), HasSubstr("run `/init boot` to boot"));
}

TEST_F(RunBootTest, NoBootConfigurationStopsTheArrayAgain) {
  mnt_.File("etc/hostname", "zero2w\n");
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("boot configuration: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("/boot/armbianEnv.txt"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("/boot/extlinux/extlinux.conf"));
  EXPECT_EQ(md_.calls.back(), "stop /dev/md127");
  EXPECT_EQ(mounts_.calls.back(), "umount " + mnt_.path());
  EXPECT_EQ(kexec_.loads, 0);
}

// A 3000-byte extraargs in armbianEnv.txt: the target kernel would cut the
// command line at 2047 bytes. The boot fails as any bad configuration does,
// the array is stopped again and nothing reaches kexec_load.
TEST_F(RunBootTest, ACommandLineTheKernelWouldCutFailsTheBoot) {
  Armbian(Bytes(kUsb),
          absl::StrCat("UUID=", kUuid, "\nextraargs=", std::string(3000, 'x')));
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  const std::string why =
      "boot configuration: /boot/armbianEnv.txt: extraargs (3000 bytes): the "
      "kernel command line (/chosen/bootargs) would be 3187 bytes; arm64 "
      "takes at most 2047 (COMMAND_LINE_SIZE 2048, NUL included) and would "
      "cut the rest";
  EXPECT_EQ(std::string(s.message()), why);
  EXPECT_EQ(kexec_.loads, 0);
  EXPECT_EQ(kexec_.reboots, 0);
  EXPECT_EQ(md_.calls.back(), "stop /dev/md127");
  EXPECT_EQ(mounts_.calls.back(), "umount " + mnt_.path());
  FakeRescue shell;
  shell.shell = true;
  RescueAfter(s, console_, shell);
  EXPECT_THAT(Log(), HasSubstr("mdboot: BOOT FAILED: " + why + "\n"));
  EXPECT_EQ(shell.shells, 1);
}

// A DOS line ending in armbianEnv.txt leaves a CR in rootdev; U-Boot would
// pass it on, mdboot refuses it and says how to fix the file.
TEST_F(RunBootTest, AControlByteInTheCommandLineFailsTheBoot) {
  Armbian(Bytes(kUsb), absl::StrCat("UUID=", kUuid, "\r"));
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(s.message()),
            "boot configuration: /boot/armbianEnv.txt: rootdev: control byte "
            "\\x0d at offset 41; the kernel command line (/chosen/bootargs) "
            "takes printable text (separate parameters with spaces) (a "
            "carriage return: the file has DOS line endings; convert it with "
            "dos2unix)");
  EXPECT_EQ(kexec_.loads, 0);
  FakeRescue no_shell;
  RescueAfter(s, console_, no_shell);
  EXPECT_THAT(Log(), HasSubstr("mdboot: BOOT FAILED: boot configuration: "
                               "/boot/armbianEnv.txt: rootdev: control byte "
                               "\\x0d at offset 41;"));
  EXPECT_EQ(Log().find('\r'), std::string::npos);  // Escaped, never raw.
}

TEST_F(RunBootTest, KernelMissing) {
  Armbian();
  ASSERT_EQ(unlink((mnt_.path() + "/boot/vmlinuz-" + kVer).c_str()), 0);
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("/boot/Image"));
  EXPECT_EQ(kexec_.loads, 0);
}

TEST_F(RunBootTest, DtbCorrupt) {
  Armbian();
  mnt_.File(absl::StrCat("boot/dtb-", kVer, "/allwinner/sun50i-h618-orangepi-zero2w.dtb"),
            "not a DTB");
  const absl::Status s = Run();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("sun50i-h618-orangepi-zero2w.dtb"));
  EXPECT_EQ(kexec_.loads, 0);
}

TEST_F(RunBootTest, OverlayFailureBootsWithoutOverlaysAndWarns) {
  Armbian(Bytes("testdata/overlays/bad-target-path.dtbo"), absl::StrCat("UUID=", kUuid));
  EXPECT_EQ(Run().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(kexec_.loads, 1);
  EXPECT_THAT(Log(), HasSubstr("mdboot: overlay   FAILED  /boot/dtb/allwinner/overlay/sun50i-h616-usbhost2.dtbo"));
  EXPECT_THAT(Log(), HasSubstr("Error applying DT overlays, restoring original DT"));
}

TEST_F(RunBootTest, KexecLoadRefusedGivesErrnoAdvice) {
  Armbian();
  kexec_.load_errno = EPERM;
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(s.message()), HasSubstr("kexec_load: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("kexec_load_disabled"));
  EXPECT_EQ(kexec_.reboots, 0);
}

TEST_F(RunBootTest, DryRunAndShellStopBeforeLoading) {
  Armbian();
  Cmdline("mdboot.dryrun");
  absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(s.message()), HasSubstr("mdboot.dryrun"));
  EXPECT_EQ(kexec_.loads, 0);
  EXPECT_THAT(Log(), HasSubstr("purgatory: x0 = DTB"));  // The plan was shown.
  Cmdline("mdboot.shell");
  s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(kexec_.loads, 0);
  // `/init boot` from the rescue shell boots despite mdboot.shell...
  RunOptions now;
  now.ignore_stop_settings = true;
  EXPECT_EQ(Run(now).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(kexec_.loads, 1);
  // ...and `/init boot --dry-run` only shows the plan.
  now.dryrun = true;
  EXPECT_EQ(Run(now).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(kexec_.loads, 1);
}

TEST_F(RunBootTest, VerifyLoadsTheSha256Purgatory) {
  Armbian();
  Cmdline("mdboot.verify");
  EXPECT_EQ(Run().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(kexec_.loads, 1);
  EXPECT_THAT(Log(), HasSubstr("mdboot: purgatory: verifying (sha256 of 3 segments"));
}

// The block mdboot.dumpdtb prints decodes (base64, gunzip) to exactly the
// DTB segment given to kexec_load.
TEST_F(RunBootTest, DumpDtbPrintsTheBlobHandedToKexecLoad) {
  Armbian();
  Cmdline("mdboot.dumpdtb");
  EXPECT_EQ(Run().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_EQ(kexec_.loads, 1);
  ASSERT_FALSE(kexec_.loaded_dtb.empty());
  const std::string log = Log();
  EXPECT_THAT(log, HasSubstr("mdboot: mdboot.dumpdtb: the DTB handed to kexec_load follows\n"));
  const size_t begin = log.find("\nMDBOOT-DTB-BEGIN ");
  const size_t end = log.find("\nMDBOOT-DTB-END\n");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  std::vector<std::string> lines = absl::StrSplit(log.substr(begin + 1, end - begin), '\n',
                                                  absl::SkipEmpty());
  EXPECT_EQ(lines.front(), absl::StrCat("MDBOOT-DTB-BEGIN ", kexec_.loaded_dtb.size(), " ",
                                        ToHex(Sha256Of(kexec_.loaded_dtb))));
  std::string b64;
  for (size_t i = 1; i < lines.size(); ++i) b64 += lines[i];
  std::string packed;
  ASSERT_TRUE(absl::Base64Unescape(b64, &packed));
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  std::vector<uint8_t> blob(4 << 20);
  zs.next_in = reinterpret_cast<Bytef*>(&packed[0]);
  zs.avail_in = static_cast<uInt>(packed.size());
  zs.next_out = blob.data();
  zs.avail_out = static_cast<uInt>(blob.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  blob.resize(zs.total_out);
  inflateEnd(&zs);
  EXPECT_EQ(blob, kexec_.loaded_dtb);
  // The kernel's log lines after it are stamped again.
  EXPECT_THAT(log.substr(end), HasSubstr("mdboot: loaded; rebooting into"));
}

TEST_F(RunBootTest, StrictMakesPreflightWarningsFatal) {
  Armbian(Bytes(kUsb), "/dev/mmcblk0p1");  // Armbian's default rootdev.
  Cmdline("mdboot.strict");
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("mdboot.strict and 1 problem(s)"));
  EXPECT_THAT(Log(), HasSubstr("preflight root=/dev/mmcblk0p1 is not the RAID array"));
  EXPECT_EQ(kexec_.loads, 0);
  // Without strict the same target boots, with the warning on the console.
  Cmdline("");
  EXPECT_EQ(Run().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(kexec_.loads, 1);
}

TEST_F(RunBootTest, AssemblyFailureMountsNothing) {
  Armbian();
  md_.assemble_error = absl::UnavailableError("mdadm: /dev/sda1 is busy");
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("assembling the array: mdadm: /dev/sda1 is busy"));
  for (const std::string& c : mounts_.calls) EXPECT_THAT(c, Not(HasSubstr(mnt_.path())));
}

TEST_F(RunBootTest, MountFailureStopsTheArray) {
  Armbian();
  mounts_.mount_errno[mnt_.path()] = ENODEV;
  const absl::Status s = Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("mount: cannot mount"));
  EXPECT_EQ(md_.calls.back(), "stop /dev/md127");
}

TEST_F(RunBootTest, CancelledIsNotAFailureOnTheConsole) {
  FakeRescue shell;
  shell.shell = true;
  RescueAfter(absl::CancelledError("mdboot.shell: stopped before kexec_load"), console_, shell);
  EXPECT_THAT(Log(), Not(HasSubstr("BOOT FAILED")));
  EXPECT_THAT(Log(), HasSubstr("mdboot: mdboot.shell: stopped before kexec_load"));
}

}  // namespace
}  // namespace fdt_handoff
