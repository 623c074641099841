#include "init/discover.h"

#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/test_root.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kEnv[] =
    "overlay_prefix=sun50i-h616\n"
    "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n"
    "rootdev=/dev/md127\n"
    "overlays=usbhost2 usbhost3\n";
constexpr char kVer[] = "6.12.38-current-sunxi64";

absl::StatusOr<Discovery> Discover(const TestRoot& root,
                                   const std::string& fdtfile = "") {
  auto dir = RootDir::Open(root.path());
  if (!dir.ok()) return dir.status();
  return DiscoverBoot(*dir, {fdtfile});
}

TEST(DiscoverBoot, ArmbianLayoutThroughItsSymlinks) {
  TestRoot root("discover_armbian");
  root.Armbian(kEnv, "dtb", "overlay");
  auto found = Discover(root);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->entry.config, "/boot/armbianEnv.txt");
  EXPECT_EQ(found->kernel.path, "/boot/Image");
  EXPECT_EQ(found->kernel.real, absl::StrCat("/boot/vmlinuz-", kVer));
  EXPECT_EQ(found->initrd.path, "/boot/uInitrd");
  EXPECT_EQ(found->initrd.real, absl::StrCat("/boot/uInitrd-", kVer));
  EXPECT_EQ(found->dtb.path,
            "/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb");
  EXPECT_EQ(found->dtb.real, absl::StrCat("/boot/dtb-", kVer,
                                          "/allwinner/"
                                          "sun50i-h618-orangepi-zero2w.dtb"));
  ASSERT_EQ(found->overlays.size(), 2u);
  EXPECT_EQ(found->overlays[1].real,
            absl::StrCat("/boot/dtb-", kVer,
                         "/allwinner/overlay/sun50i-h616-usbhost3.dtbo"));
  EXPECT_THAT(found->entry.cmdline, HasSubstr("root=/dev/md127 rootwait"));
  EXPECT_TRUE(found->entry.warnings.empty()) << found->entry.warnings.front();
}

TEST(DiscoverBoot, ExtlinuxWhenNoArmbianEnv) {
  TestRoot root("discover_extlinux");
  root.File("boot/vmlinuz-6.1.0-27-arm64", "kernel");
  root.File("boot/initrd.img-6.1.0-27-arm64", "initrd");
  root.File("usr/lib/linux-image-6.1.0-27-arm64/allwinner/"
            "sun50i-h618-orangepi-zero2w.dtb", "dtb");
  root.File("boot/dtbo/usb.dtbo", "o");
  root.File("boot/extlinux/extlinux.conf",
            "default l0\nlabel l0\n linux /boot/vmlinuz-6.1.0-27-arm64\n"
            " initrd /boot/initrd.img-6.1.0-27-arm64\n"
            " fdtdir /usr/lib/linux-image-6.1.0-27-arm64/\n"
            " fdtoverlays /boot/dtbo/usb.dtbo /boot/dtbo/gone.dtbo\n"
            " append root=/dev/md127 ro\n");
  auto found = Discover(root, "allwinner/sun50i-h618-orangepi-zero2w.dtb");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->entry.config, "/boot/extlinux/extlinux.conf");
  EXPECT_EQ(found->entry.label, "l0");
  EXPECT_EQ(found->kernel.real, "/boot/vmlinuz-6.1.0-27-arm64");
  EXPECT_EQ(found->dtb.real, "/usr/lib/linux-image-6.1.0-27-arm64/allwinner/"
                             "sun50i-h618-orangepi-zero2w.dtb");
  ASSERT_EQ(found->entry.overlays.size(), 1u);
  EXPECT_EQ(found->overlays[0].real, "/boot/dtbo/usb.dtbo");
  ASSERT_EQ(found->entry.overlays_missing.size(), 1u);
  EXPECT_EQ(found->entry.overlays_missing[0].path, "/boot/dtbo/gone.dtbo");
  EXPECT_THAT(
      found->entry.warnings,
      Contains(HasSubstr("overlay /boot/dtbo/gone.dtbo (fdtoverlays) does not "
                         "exist; skipped")));
  EXPECT_EQ(found->entry.cmdline, "root=/dev/md127 ro");
}

TEST(DiscoverBoot, BothConfigurationsArmbianWins) {
  TestRoot root("discover_both");
  root.Armbian(kEnv, "dtb", "overlay");
  root.File("boot/extlinux/extlinux.conf", "label x\n linux /nope\n");
  auto found = Discover(root);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->entry.config, "/boot/armbianEnv.txt");
  EXPECT_THAT(found->entry.warnings,
              Contains(HasSubstr("mdboot follows "
                                 "/boot/armbianEnv.txt")));
}

TEST(DiscoverBoot, Errors) {
  const struct {
    std::string name;
    void (*setup)(const TestRoot&);
    absl::StatusCode code;
    std::string message;
    std::string also = "";  // A second part of the message, when it has one.
  } kCases[] = {
      {"no configuration", [](const TestRoot& r) { r.Dir("boot"); },
       absl::StatusCode::kNotFound,
       "looked for /boot/armbianEnv.txt (Armbian) and "
       "/boot/extlinux/extlinux.conf"},
      {"kernel link dangling",
       [](const TestRoot& r) {
         r.Armbian(kEnv, "d", "o");
         unlink((r.path() + "/boot/vmlinuz-6.12.38-current-sunxi64").c_str());
       },
       absl::StatusCode::kNotFound,
       "the kernel /boot/Image named by /boot/armbianEnv.txt is missing: "},
      {"initrd missing",
       [](const TestRoot& r) {
         r.Armbian(kEnv, "d", "o");
         unlink((r.path() + "/boot/uInitrd").c_str());
       },
       absl::StatusCode::kNotFound, "the initrd /boot/uInitrd"},
      {"kernel is a directory",
       [](const TestRoot& r) {
         r.Armbian(kEnv, "d", "o");
         unlink((r.path() + "/boot/Image").c_str());
         r.Dir("boot/Image");
       },
       absl::StatusCode::kFailedPrecondition, "is not a regular file"},
      {"no DTB",
       [](const TestRoot& r) {
         r.Armbian("fdtfile=allwinner/other.dtb\n", "d", "o");
       },
       absl::StatusCode::kNotFound,
       "/boot/armbianEnv.txt: no DTB for fdtfile=other.dtb"},
      {"extlinux DTB missing",
       [](const TestRoot& r) {
         r.File("boot/k", "k");
         r.File("boot/extlinux/extlinux.conf", "label x\n linux /boot/k\n"
                                               " fdt /boot/x.dtb\n");
       },
       absl::StatusCode::kNotFound,
       "the DTB /boot/x.dtb named by /boot/extlinux/extlinux.conf"},
      // U-Boot's sysboot would move on to the other labels
      // (boot_unattempted_labels()); mdboot says which.
      {"extlinux kernel missing: next label named",
       [](const TestRoot& r) {
         r.File("boot/k", "k");
         r.File("boot/extlinux/extlinux.conf",
                "default new\nlabel old\n linux /boot/k\nlabel new\n"
                " linux /boot/gone\n");
       },
       absl::StatusCode::kNotFound,
       "the kernel /boot/gone named by /boot/extlinux/extlinux.conf is "
       "missing: ",
       "; U-Boot would try label 'old' next; mdboot boots only the chosen "
       "label"},
      {"extlinux initrd missing: next labels named",
       [](const TestRoot& r) {
         r.File("boot/k", "k");
         r.File("boot/extlinux/extlinux.conf",
                "label new\n linux /boot/k\n initrd /boot/i\nlabel old\n"
                " linux /boot/k\nlabel rescue\n linux /boot/k\n");
       },
       absl::StatusCode::kNotFound,
       "the initrd /boot/i named by /boot/extlinux/extlinux.conf is missing: ",
       "; U-Boot would try label 'old' next (then 'rescue'); mdboot boots "
       "only the chosen label"},
      {"extlinux without labels",
       [](const TestRoot& r) { r.File("boot/extlinux/extlinux.conf", "\n"); },
       absl::StatusCode::kNotFound, "no label"},
  };
  for (const auto& c : kCases) {
    TestRoot root("discover_errors");
    c.setup(root);
    auto found = Discover(root);
    EXPECT_EQ(found.status().code(), c.code) << c.name << ": " << found.status();
    EXPECT_THAT(found.status().message(), HasSubstr(c.message)) << c.name;
  }
}

}  // namespace
}  // namespace fdt_handoff
