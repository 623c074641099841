#include "init/boot_dtb.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/test_root.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kOverlayDir[] =
    "boot/dtb-6.12.38-current-sunxi64/allwinner/overlay/";

std::string Dtb() {
  auto bytes =
      ReadFile("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb");
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return std::string(bytes->begin(), bytes->end());
}

std::string Overlay(const std::string& path) {
  auto bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return std::string(bytes->begin(), bytes->end());
}

const char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
const char kMarker[] = "testdata/overlays/marker-target-path.dtbo";
const char kBad[] = "testdata/overlays/bad-target-path.dtbo";

struct Built {
  absl::StatusOr<BootDtb> dtb;
  std::string pristine;
};

// An Armbian root whose usbhost2/usbhost3 overlays hold `first`/`second`.
Built BuildArmbian(const std::string& env, const std::string& first,
                   const std::string& second, bool fixup = false) {
  TestRoot root("boot_dtb_test");
  root.Armbian(env, Dtb(), "");
  root.File(absl::StrCat(kOverlayDir, "sun50i-h616-usbhost2.dtbo"), first);
  root.File(absl::StrCat(kOverlayDir, "sun50i-h616-usbhost3.dtbo"), second);
  if (fixup) root.File(absl::StrCat(kOverlayDir, "sun50i-h616-fixup.scr"), "s");
  auto dir = RootDir::Open(root.path());
  EXPECT_TRUE(dir.ok());
  auto found = DiscoverBoot(*dir, {});
  EXPECT_TRUE(found.ok()) << found.status();
  if (!found.ok()) return {found.status(), ""};
  return {BuildBootDtb(*dir, *found), Dtb()};
}

constexpr char kEnv[] =
    "overlay_prefix=sun50i-h616\nconsole=serial\n"
    "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n"
    "overlays=usbhost2 usbhost3\n";

bool HasMarker(const Fdt& dtb) {
  FdtEditor editor(dtb);
  return editor.Property("/fdt-handoff-marker", "note").has_value();
}

TEST(BuildBootDtb, ArmbianAppliesEveryOverlay) {
  Built b = BuildArmbian(kEnv, Overlay(kUsb), Overlay(kMarker));
  ASSERT_TRUE(b.dtb.ok()) << b.dtb.status();
  EXPECT_EQ(b.dtb->applied,
            (std::vector<std::string>{
                "/boot/dtb/allwinner/overlay/sun50i-h616-usbhost2.dtbo",
                "/boot/dtb/allwinner/overlay/sun50i-h616-usbhost3.dtbo"}));
  EXPECT_TRUE(b.dtb->failed.empty());
  EXPECT_TRUE(HasMarker(b.dtb->dtb));
  EXPECT_TRUE(b.dtb->warnings.empty());
}

TEST(BuildBootDtb, ArmbianRestoresThePristineDtbOnAnyFailure) {
  // pwm34 + the fixup script: the command line goes back to the one
  // without the fixup's edit, as U-Boot skips the fixups after an error.
  Built b = BuildArmbian(std::string(kEnv) + "overlays=usbhost2 usbhost3 pwm34\n",
                         Overlay(kMarker), Overlay(kBad), /*fixup=*/true);
  ASSERT_TRUE(b.dtb.ok()) << b.dtb.status();
  EXPECT_TRUE(b.dtb->applied.empty());
  ASSERT_EQ(b.dtb->failed.size(), 1u);
  EXPECT_EQ(b.dtb->failed[0].path,
            "/boot/dtb/allwinner/overlay/sun50i-h616-usbhost3.dtbo");
  EXPECT_THAT(b.dtb->failed[0].error, HasSubstr("/soc/ethernet@5030000"));
  const std::vector<uint8_t> pristine(b.pristine.begin(), b.pristine.end());
  EXPECT_EQ(std::vector<uint8_t>(b.dtb->dtb.bytes().begin(),
                                 b.dtb->dtb.bytes().end()),
            pristine);
  EXPECT_FALSE(HasMarker(b.dtb->dtb));
  EXPECT_THAT(b.dtb->cmdline, HasSubstr("console=ttyS0,115200"));
  ASSERT_EQ(b.dtb->warnings.size(), 2u);
  EXPECT_THAT(b.dtb->warnings[1],
              HasSubstr("Error applying DT overlays, restoring original DT"));
  EXPECT_THAT(b.dtb->warnings[1],
              HasSubstr("without the ones that applied (/boot/dtb/allwinner/"
                        "overlay/sun50i-h616-usbhost2.dtbo)"));
}

// pwm34's fixup rebuilds the command line word by word, so a newline in
// extraargs (a backslash-newline in armbianEnv.txt) is gone from the line
// that boots with the overlays. When an overlay fails, the line without the
// edit boots, newline included: that boot is refused, naming the variable.
TEST(BuildBootDtb, RestoringThePristineDtbChecksItsCommandLine) {
  const std::string env = std::string(kEnv) +
                          "overlays=usbhost2 usbhost3 pwm34\n"
                          "extraargs=quiet \\\n init=/bin/sh\n";
  Built ok = BuildArmbian(env, Overlay(kMarker), Overlay(kMarker),
                          /*fixup=*/true);
  ASSERT_TRUE(ok.dtb.ok()) << ok.dtb.status();
  EXPECT_THAT(ok.dtb->cmdline, HasSubstr(" quiet init=/bin/sh"));
  Built failed = BuildArmbian(env, Overlay(kMarker), Overlay(kBad),
                              /*fixup=*/true);
  EXPECT_EQ(failed.dtb.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(failed.dtb.status().message()),
            "/boot/armbianEnv.txt: extraargs: control byte \\x0a at offset 6; "
            "the kernel command line (/chosen/bootargs) takes printable text "
            "(separate parameters with spaces) (in the command line without "
            "the fixup script's edit, which goes with the pristine DTB)");
}

TEST(BuildBootDtb, OverlayThatIsNotADtbFails) {
  Built b = BuildArmbian(kEnv, Overlay(kMarker), "not a dtbo");
  ASSERT_TRUE(b.dtb.ok()) << b.dtb.status();
  ASSERT_EQ(b.dtb->failed.size(), 1u);
  EXPECT_THAT(b.dtb->failed[0].error,
              HasSubstr("/boot/dtb/allwinner/overlay/sun50i-h616-usbhost3.dtbo"));
  EXPECT_TRUE(b.dtb->applied.empty());
  // Without the pwm34 edit both command lines are the same.
  EXPECT_THAT(b.dtb->cmdline, HasSubstr("console=ttyS0,115200"));
}

TEST(BuildBootDtb, ExtlinuxSkipsOnlyTheFailingOverlay) {
  TestRoot root("boot_dtb_extlinux");
  root.File("boot/Image", "k");
  root.File("boot/board.dtb", Dtb());
  root.File("boot/dtbo/bad.dtbo", Overlay(kBad));
  root.File("boot/dtbo/marker.dtbo", Overlay(kMarker));
  root.File("boot/extlinux/extlinux.conf",
            "label x\n linux /boot/Image\n fdt /boot/board.dtb\n"
            " fdtoverlays /boot/dtbo/bad.dtbo /boot/dtbo/marker.dtbo\n"
            " append root=/dev/md127\n");
  auto dir = RootDir::Open(root.path());
  ASSERT_TRUE(dir.ok());
  auto found = DiscoverBoot(*dir, {});
  ASSERT_TRUE(found.ok()) << found.status();
  auto b = BuildBootDtb(*dir, *found);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->applied, std::vector<std::string>{"/boot/dtbo/marker.dtbo"});
  ASSERT_EQ(b->failed.size(), 1u);
  EXPECT_EQ(b->failed[0].path, "/boot/dtbo/bad.dtbo");
  EXPECT_TRUE(HasMarker(b->dtb));
  EXPECT_EQ(b->cmdline, "root=/dev/md127");
  ASSERT_EQ(b->warnings.size(), 1u);
  EXPECT_THAT(b->warnings[0],
              HasSubstr("overlay /boot/dtbo/bad.dtbo (fdtoverlays) failed"));
}

TEST(BuildBootDtb, Errors) {
  {
    TestRoot root("boot_dtb_errors");
    root.File("boot/Image", "k");
    root.File("boot/extlinux/extlinux.conf", "label x\n linux /boot/Image\n");
    auto dir = RootDir::Open(root.path());
    auto found = DiscoverBoot(*dir, {});
    ASSERT_TRUE(found.ok()) << found.status();
    auto b = BuildBootDtb(*dir, *found);
    EXPECT_EQ(b.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(b.status().message(), HasSubstr("label 'x' names no DTB"));
  }
  {
    TestRoot root("boot_dtb_errors");
    root.Armbian(kEnv, "garbage", "");
    auto dir = RootDir::Open(root.path());
    auto found = DiscoverBoot(*dir, {});
    ASSERT_TRUE(found.ok()) << found.status();
    auto b = BuildBootDtb(*dir, *found);
    EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(b.status().message(),
                HasSubstr("/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb"));
  }
}

}  // namespace
}  // namespace fdt_handoff
