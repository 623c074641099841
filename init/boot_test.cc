#include "init/boot.h"

#include <errno.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/test_root.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kVer[] = "6.12.38-current-sunxi64";
constexpr char kOverlayDir[] = "boot/dtb-6.12.38-current-sunxi64/allwinner/overlay/";
constexpr char kEnv[] =
    "overlay_prefix=sun50i-h616\nconsole=serial\n"
    "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n"
    "rootdev=UUID=1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0\n"
    "overlays=usbhost2\n";

std::string Bytes(const std::string& path) {
  auto bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "";
}

absl::Status FixedSeeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 1);
  return absl::OkStatus();
}

class FakeKexec : public KexecSyscalls {
 public:
  int load_errno = 0;
  int loads = 0;
  uint64_t entry = 0;
  size_t segments = 0;
  int Load(uint64_t e, const std::vector<LoadSegment>& s) override {
    ++loads;
    entry = e;
    segments = s.size();
    return load_errno;
  }
  int Reboot() override { return EPERM; }
};

class PrepareBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto live = Fdt::FromFile("testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb");
    ASSERT_TRUE(live.ok()) << live.status();
    live_.emplace(*std::move(live));
    options_.live = &*live_;
    options_.seed_source = FixedSeeds;
    options_.identity = RootIdentity{
        "raid0", "zero2w:root", {"ext4", "1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0", ""}};
  }

  // Armbian's layout with the synthetic Image and the board's DTB; the
  // usbhost2 overlay holds `overlay`.
  void Armbian(const std::string& overlay) {
    root_.Armbian(kEnv,
                  Bytes("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb"),
                  overlay);
    root_.File(absl::StrCat("boot/vmlinuz-", kVer), Bytes("testdata/kernel/Image"));
  }

  absl::StatusOr<PreparedBoot> Prepare() {
    auto dir = RootDir::Open(root_.path());
    EXPECT_TRUE(dir.ok()) << dir.status();
    return PrepareBoot(*dir, options_);
  }

  TestRoot root_{"prepare_boot"};
  absl::optional<Fdt> live_;
  BootOptions options_;
};

const char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";

TEST_F(PrepareBootTest, ArmbianRootToAPlan) {
  Armbian(Bytes(kUsb));
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  ASSERT_TRUE(boot->handoff.has_value());
  EXPECT_EQ(boot->dtb.applied.size(), 1u);
  EXPECT_THAT(boot->dtb.cmdline,
              HasSubstr("root=UUID=1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0 rootwait"));
  // The DTB handed over carries the command line of the configuration.
  auto bootargs = boot->handoff->dtb.bytes();
  EXPECT_GT(bootargs.size(), 0u);
  const std::string text = FormatPreparedBoot(*boot);
  EXPECT_THAT(text, HasSubstr(absl::StrCat("kernel    /boot/Image -> /boot/vmlinuz-", kVer)));
  EXPECT_THAT(text, HasSubstr("overlay   applied /boot/dtb/allwinner/overlay/"
                              "sun50i-h616-usbhost2.dtbo"));
  EXPECT_THAT(text, HasSubstr("purgatory: x0 = DTB"));
  // The initrd fixture ("initrd") is no initramfs: a note, not a warning.
  EXPECT_THAT(text, HasSubstr("note      cannot look inside the initrd /boot/uInitrd"));
  EXPECT_THAT(text, Not(HasSubstr("preflight")));
}

// The review's crash: a newc archive whose last file ends unaligned and
// without a trailer (header, "a\0", "x": 113 bytes) made the preflight read
// past the end and throw, killing PID 1. It is a note, and the boot goes on.
TEST_F(PrepareBootTest, ShortCpioInitrdIsANoteAndTheBootGoesOn) {
  Armbian(Bytes(kUsb));
  std::string cpio = "070701";
  for (uint32_t field : {1, 0100644, 0, 0, 1, 0, 1, 0, 0, 0, 0, 2, 0}) {
    absl::StrAppendFormat(&cpio, "%08x", field);
  }
  cpio += std::string("a\0x", 3);
  ASSERT_EQ(cpio.size(), 113u);
  root_.File(absl::StrCat("boot/uInitrd-", kVer), cpio);
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_TRUE(boot->handoff.has_value());
  EXPECT_THAT(FormatPreparedBoot(*boot),
              HasSubstr("note      cannot look inside the initrd /boot/uInitrd "
                        "(/boot/uInitrd: cpio archive truncated: it ends right "
                        "after file 'a' (1 byte at offset 112), without the "
                        "padding or a TRAILER!!! entry): whether it carries "
                        "mdadm was not checked"));
}

// A 4K mdboot and a 64K target kernel (flags bits 1-2 = 3): planned and
// loadable, with the granule warning in the plan.
TEST_F(PrepareBootTest, TargetKernelWithOtherPagesIsPlannedWithAWarning) {
  Armbian(Bytes(kUsb));
  std::string image = Bytes("testdata/kernel/Image");
  ASSERT_GT(image.size(), 24u);
  image[24] = static_cast<char>((image[24] & ~0x6) | (3 << 1));
  root_.File(absl::StrCat("boot/vmlinuz-", kVer), image);
  options_.page_size = 4096;
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_EQ(boot->kernel.page_size, 65536u);
  ASSERT_TRUE(boot->handoff.has_value());
  EXPECT_THAT(FormatPreparedBoot(*boot),
              HasSubstr("warning    the target kernel uses 64 KiB pages (Image "
                        "flags bits 1-2), the running kernel 4 KiB pages"));
}

TEST_F(PrepareBootTest, OverlayFailureBootsThePristineDtbWithAWarning) {
  Armbian(Bytes("testdata/overlays/bad-target-path.dtbo"));
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_TRUE(boot->dtb.applied.empty());
  ASSERT_EQ(boot->dtb.failed.size(), 1u);
  EXPECT_THAT(FormatPreparedBoot(*boot),
              HasSubstr("Error applying DT overlays, restoring original DT"));
  EXPECT_TRUE(boot->handoff.has_value());
}

TEST_F(PrepareBootTest, OverlaidDtbThatCannotBeHandedOverFallsBackToPristine) {
  Armbian(Bytes("testdata/overlays/memory-size-cells-zero.dtbo"));
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_TRUE(boot->dtb.applied.empty());
  ASSERT_TRUE(boot->handoff.has_value());
  EXPECT_THAT(FormatPreparedBoot(*boot),
              HasSubstr("the DTB with overlays cannot be handed over (the "
                        "handoff DTB: the DTB describes no memory (/memory))"));
  EXPECT_THAT(FormatPreparedBoot(*boot),
              HasSubstr("); booting the pristine DTB without overlays"));
}

// armbianEnv.txt builds a command line the target kernel would cut (arm64
// keeps 2047 bytes) or with a control byte: the boot fails at the
// configuration, before the kernel is looked for, naming file and variable.
TEST_F(PrepareBootTest, CommandLineTheKernelWouldNotTakeFailsTheBoot) {
  const struct {
    std::string env;
    std::string error;
  } kCases[] = {
      {"extraargs=" + std::string(3000, 'x') + "\n",
       "/boot/armbianEnv.txt: extraargs (3000 bytes): the kernel command line "
       "(/chosen/bootargs) would be 3187 bytes; arm64 takes at most 2047 "
       "(COMMAND_LINE_SIZE 2048, NUL included) and would cut the rest"},
      {"extraargs=quiet \x1b[2J\n",
       "/boot/armbianEnv.txt: extraargs: control byte \\x1b at offset 6; the "
       "kernel command line (/chosen/bootargs) takes printable text (separate "
       "parameters with spaces)"},
  };
  // No kernel at all: the configuration is refused before it is missed.
  root_.Armbian(
      kEnv,
      Bytes("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb"),
      Bytes(kUsb));
  for (const auto& c : kCases) {
    SCOPED_TRACE(absl::CEscape(c.env));
    root_.File("boot/armbianEnv.txt", kEnv + c.env);
    for (bool require_plan : {true, false}) {
      options_.require_plan = require_plan;
      auto boot = Prepare();
      EXPECT_EQ(boot.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(std::string(boot.status().message()), c.error);
    }
  }
}

// The overlaid DTB cannot be handed over, and the pristine one's command
// line (pwm34's fixup not applied, so the newline stays) cannot boot: both
// reasons are given, nothing is prepared.
TEST_F(PrepareBootTest, PristineFallbackWithABadCommandLineIsNotTried) {
  root_.Armbian(
      "overlay_prefix=sun50i-h616\nconsole=serial\n"
      "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n"
      "overlays=usbhost2 pwm34\nextraargs=quiet \\\n init=/bin/sh\n",
      Bytes("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb"),
      Bytes("testdata/overlays/memory-size-cells-zero.dtbo"));
  root_.File(absl::StrCat(kOverlayDir, "sun50i-h616-pwm34.dtbo"),
             Bytes("testdata/overlays/marker-target-path.dtbo"));
  root_.File(absl::StrCat(kOverlayDir, "sun50i-h616-fixup.scr"), "script");
  root_.File(absl::StrCat("boot/vmlinuz-", kVer),
             Bytes("testdata/kernel/Image"));
  auto boot = Prepare();
  ASSERT_FALSE(boot.ok());
  EXPECT_THAT(std::string(boot.status().message()),
              ::testing::StartsWith("the handoff DTB: the DTB describes no "
                                    "memory (/memory)"));
  EXPECT_THAT(std::string(boot.status().message()),
              HasSubstr("; the pristine DTB cannot be tried: "
                        "/boot/armbianEnv.txt: extraargs: control byte \\x0a "
                        "at offset 6; "));
}

TEST_F(PrepareBootTest, NoMemoryIsNotBlamedOnTheOverlays) {
  Armbian(Bytes(kUsb));
  options_.live = nullptr;  // Neither a live FDT nor /memory in the DTB.
  auto boot = Prepare();
  EXPECT_EQ(boot.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(boot.status().message()), HasSubstr("no RAM description"));
  // `boot --root` on a host: the reason instead of a plan, overlays kept.
  options_.require_plan = false;
  boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_FALSE(boot->handoff.has_value());
  EXPECT_EQ(boot->dtb.applied.size(), 1u);
  EXPECT_THAT(FormatPreparedBoot(*boot), HasSubstr("plan      not made: memory: no RAM description"));
  EXPECT_THAT(FormatPreparedBoot(*boot), Not(HasSubstr("pristine")));
}

TEST_F(PrepareBootTest, NoBootConfiguration) {
  root_.File("etc/hostname", "zero2w\n");
  auto boot = Prepare();
  EXPECT_EQ(boot.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(boot.status().message()), HasSubstr("/boot/armbianEnv.txt"));
  EXPECT_THAT(std::string(boot.status().message()),
              HasSubstr("/boot/extlinux/extlinux.conf"));
}

TEST_F(PrepareBootTest, KernelMissing) {
  Armbian(Bytes(kUsb));
  ASSERT_EQ(unlink((root_.path() + "/boot/vmlinuz-" + kVer).c_str()), 0);
  auto boot = Prepare();
  EXPECT_EQ(boot.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(boot.status().message()), HasSubstr("/boot/Image"));
}

TEST_F(PrepareBootTest, KernelCorrupt) {
  Armbian(Bytes(kUsb));
  root_.File(absl::StrCat("boot/vmlinuz-", kVer), "not a kernel at all, just text");
  auto boot = Prepare();
  EXPECT_FALSE(boot.ok());
  EXPECT_THAT(std::string(boot.status().message()), HasSubstr("/boot/Image"));
  std::string gz = Bytes("testdata/kernel/Image.gz");
  gz.resize(gz.size() / 2);  // Truncated stream.
  root_.File(absl::StrCat("boot/vmlinuz-", kVer), gz);
  boot = Prepare();
  EXPECT_EQ(boot.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(boot.status().message()), HasSubstr("/boot/Image"));
}

TEST_F(PrepareBootTest, DtbCorrupt) {
  Armbian(Bytes(kUsb));
  root_.File(absl::StrCat("boot/dtb-", kVer, "/allwinner/sun50i-h618-orangepi-zero2w.dtb"),
             Bytes("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb")
                 .substr(0, 1000));  // Truncated.
  auto boot = Prepare();
  EXPECT_EQ(boot.status().code(), absl::StatusCode::kDataLoss) << boot.status();
  EXPECT_THAT(std::string(boot.status().message()), HasSubstr("sun50i-h618-orangepi-zero2w.dtb"));
}

TEST_F(PrepareBootTest, PreflightWarningsAreReported) {
  Armbian(Bytes(kUsb));
  options_.identity->fs.uuid = "00000000-0000-0000-0000-000000000000";
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  ASSERT_EQ(boot->preflight.warnings.size(), 1u);
  EXPECT_THAT(FormatPreparedBoot(*boot),
              HasSubstr("preflight root=UUID=1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0 "
                        "is not the array's file system"));
}

TEST_F(PrepareBootTest, LoadPassesThePlanAndExplainsARefusal) {
  Armbian(Bytes(kUsb));
  auto boot = Prepare();
  ASSERT_TRUE(boot.ok()) << boot.status();
  FakeKexec sys;
  ASSERT_TRUE(LoadPreparedBoot(*boot, sys).ok());
  EXPECT_EQ(sys.entry, boot->handoff->plan.purgatory_address);
  EXPECT_EQ(sys.segments, boot->handoff->plan.segments.size());
  sys.load_errno = EPERM;
  const absl::Status s = LoadPreparedBoot(*boot, sys);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(s.message()), HasSubstr("kexec_load_disabled"));
}

}  // namespace
}  // namespace fdt_handoff
