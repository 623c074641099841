#include "tools/boot_command.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/test_root.h"
#include "tools/cli.h"
#include "tools/cli_testing.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Through RunCli, as the binary runs it.
CliRun Boot(std::vector<std::string> args) {
  args.insert(args.begin(), "boot");
  return Cli(args);
}

std::string FileBytes(const std::string& path) {
  auto bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "";
}

constexpr char kVer[] = "6.12.38-current-sunxi64";
constexpr char kEnv[] =
    "overlay_prefix=sun50i-h616\n"
    "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n"
    "rootdev=/dev/md127\n"
    "console=serial\n"
    "overlays=usbhost2 usbhost3 gone\n"
    "board_note=edited on DOS\r\n";  // Unused by the script: a warning.

// The Zero 2W's 6.12 DTB (built with -@), usbhost2 = a path-only overlay,
// usbhost3 = `bad`.
TestRoot ArmbianRoot(const std::string& name, const std::string& bad) {
  TestRoot root(name);
  root.Armbian(kEnv,
               FileBytes("testdata/corpus-symbols/6.12/"
                         "sun50i-h618-orangepi-zero2w.dtb"),
               "");
  const std::string dir =
      absl::StrCat("boot/dtb-", kVer, "/allwinner/overlay/");
  root.File(dir + "sun50i-h616-usbhost2.dtbo",
            FileBytes("testdata/overlays/marker-target-path.dtbo"));
  root.File(dir + "sun50i-h616-usbhost3.dtbo", bad);
  // mdboot reads the kernel: a real (synthetic) arm64 Image.
  root.File(absl::StrCat("boot/vmlinuz-", kVer), FileBytes("testdata/kernel/Image"));
  return root;
}

TEST(BootCommand, TextReport) {
  const TestRoot root =
      ArmbianRoot("boot_cmd_text", FileBytes("testdata/overlays/marker-target-path.dtbo"));
  const CliRun r = Boot({"--root", root.path()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("config    /boot/armbianEnv.txt (label armbian)\n"));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("kernel    /boot/Image -> /boot/vmlinuz-",
                                            kVer, "\n")));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(
                         "initrd    /boot/uInitrd -> /boot/uInitrd-", kVer, "\n")));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(
                         "dtb       /boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb "
                         "-> /boot/dtb-", kVer,
                         "/allwinner/sun50i-h618-orangepi-zero2w.dtb\n")));
  EXPECT_THAT(r.out, HasSubstr("overlay   applied /boot/dtb/allwinner/overlay/"
                               "sun50i-h616-usbhost2.dtbo\n"));
  EXPECT_THAT(r.out, HasSubstr("overlay   missing /boot/dtb/allwinner/overlay/"
                               "sun50i-h616-gone.dtbo\n"));
  EXPECT_THAT(r.out,
              HasSubstr("cmdline   root=/dev/md127 rootwait "
                        "rootfstype=ext4 splash=verbose console=ttyS0,115200 "
                        "consoleblank=0 loglevel=1 ubootpart= "
                        "usb-storage.quirks=   cgroup_enable=memory\n"));
  // The CR from the DOS line is shown, not sent raw.
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
  EXPECT_THAT(r.out,
              HasSubstr("warning   /boot/armbianEnv.txt line 6: the value "
                        "of 'board_note' contains a carriage return"));
}

TEST(BootCommand, PreflightAndNoPlanWithoutTheBoardsFdt) {
  const TestRoot root =
      ArmbianRoot("boot_cmd_noplan", FileBytes("testdata/overlays/marker-target-path.dtbo"));
  // The SD card's partition, as a fresh Armbian image has it.
  root.File("boot/armbianEnv.txt",
            std::string(kEnv) + "rootdev=/dev/mmcblk0p1\n");
  const CliRun r = Boot({"--root", root.path()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("preflight root=/dev/mmcblk0p1 is not the RAID array: "
                        "the target will hang at \"waiting for root device\""));
  EXPECT_THAT(r.out, HasSubstr("note      no /boot/config-6.12.38-current-sunxi64 on the target"));
  EXPECT_THAT(r.out, HasSubstr("plan      not made: memory: no RAM description"));
}

TEST(BootCommand, PlanAndChangeReportWithLive) {
  const TestRoot root =
      ArmbianRoot("boot_cmd_live", FileBytes("testdata/overlays/marker-target-path.dtbo"));
  const std::string live = "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
  CliRun r = Boot({"--root", root.path(), "--live", live});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nkernel     [0x"));   // The segment table.
  EXPECT_THAT(r.out, HasSubstr("purgatory: x0 = DTB"));
  EXPECT_THAT(r.out, HasSubstr("serial-number    /serial-number = "));  // Reconciled.
  EXPECT_THAT(r.out, Not(HasSubstr("plan      not made")));
  r = Boot({"--root", root.path(), "--live=" + live, "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"plan\": {"));
  EXPECT_THAT(r.out, HasSubstr("\"plan_error\": \"\"}"));
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1);  // One line.
  r = Boot({"--root", root.path(), "--live", root.path() + "/nothing.dtb"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("nothing.dtb"));
}

TEST(BootCommand, JsonWithAFailedOverlay) {
  const TestRoot root = ArmbianRoot(
      "boot_cmd_json", FileBytes("testdata/overlays/bad-target-path.dtbo"));
  const CliRun r = Boot({"--json", "--root=" + root.path()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string dtb = "/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb";
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat(
                         "{\"config\": \"/boot/armbianEnv.txt\", \"label\": \"armbian\", "
                         "\"kernel\": \"/boot/Image\", \"kernel_real\": \"/boot/vmlinuz-",
                         kVer, "\", \"initrd\": \"/boot/uInitrd\", \"initrd_real\": "
                         "\"/boot/uInitrd-", kVer, "\", \"dtb\": \"", dtb, "\"")));
  // Armbian restores the pristine DTB: nothing applied.
  EXPECT_THAT(
      r.out,
      HasSubstr("\"overlays\": [], \"overlays_failed\": [\"/boot/dtb/allwinner/"
                "overlay/sun50i-h616-usbhost3.dtbo\"], \"overlays_missing\": "
                "[\"/boot/dtb/allwinner/overlay/sun50i-h616-gone.dtbo\"], "
                "\"cmdline\": \"root=/dev/md127 rootwait"));
  EXPECT_THAT(r.out, HasSubstr("Error applying DT overlays, restoring original DT"));
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1);  // One line.
}

TEST(BootCommand, NothingToBootIsBadInput) {
  TestRoot empty("boot_cmd_empty");
  empty.Dir("boot");
  CliRun r = Boot({"--root", empty.path()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat(
                         "fdt-handoff: no boot configuration in ", empty.path(),
                         ": looked for /boot/armbianEnv.txt (Armbian) and "
                         "/boot/extlinux/extlinux.conf")));

  r = Boot({"--root", empty.path() + "/nope"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("/nope: cannot open"));

  TestRoot bad_dtb("boot_cmd_bad_dtb");
  bad_dtb.Armbian(kEnv, "not a dtb", "");
  r = Boot({"--root", bad_dtb.path()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb"));
}

// What mdboot would refuse, `boot` refuses with the same message: a command
// line the target kernel would cut at 2047 bytes, or with a control byte.
TEST(BootCommand, ACommandLineTheKernelWouldNotTakeIsBadInput) {
  TestRoot root = ArmbianRoot("boot_cmd_cmdline", "");
  root.File("boot/armbianEnv.txt",
            std::string(kEnv) + "extraargs=" + std::string(3000, 'x') + "\n");
  CliRun r = Boot({"--root", root.path()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "fdt-handoff: /boot/armbianEnv.txt: extraargs (3000 bytes): the "
            "kernel command line (/chosen/bootargs) would be 3156 bytes; arm64 "
            "takes at most 2047 (COMMAND_LINE_SIZE 2048, NUL included) and "
            "would cut the rest\n");
  root.File("boot/armbianEnv.txt",
            std::string(kEnv) + "rootdev=/dev/md127\r\n");
  r = Boot({"--root", root.path(), "--json"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "fdt-handoff: /boot/armbianEnv.txt: rootdev: control byte \\x0d at "
            "offset 10; the kernel command line (/chosen/bootargs) takes "
            "printable text (separate parameters with spaces) (a carriage "
            "return: the file has DOS line endings; convert it with "
            "dos2unix)\n");
}

TEST(BootCommand, ExtlinuxUsesTheUBootFdtfile) {
  TestRoot root("boot_cmd_extlinux");
  root.File("boot/vmlinuz", FileBytes("testdata/kernel/Image"));
  root.File("usr/lib/linux-image-6.1/allwinner/board.dtb",
            FileBytes("testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb"));
  root.File("boot/extlinux/extlinux.conf",
            "label l0\n linux /boot/vmlinuz\n fdtdir /usr/lib/linux-image-6.1/\n"
            " append root=/dev/md127 ro\n");
  CliRun r = Boot({"--root", root.path(), "--uboot-fdtfile", "allwinner/board.dtb"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("dtb       /usr/lib/linux-image-6.1/allwinner/board.dtb\n"));
  EXPECT_THAT(r.out, HasSubstr("initrd    (none)\n"));
  EXPECT_THAT(r.out, HasSubstr("cmdline   root=/dev/md127 ro\n"));
  // The default names the Zero 2W's DTB, which this root lacks.
  r = Boot({"--root", root.path()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("the DTB /usr/lib/linux-image-6.1/allwinner/"
                               "sun50i-h618-orangepi-zero2w.dtb named by "
                               "/boot/extlinux/extlinux.conf is missing"));
}

TEST(BootCommand, Usage) {
  const struct {
    std::vector<std::string> args;
    int code;
    std::string text;
  } kCases[] = {
      {{}, kExitUsage, "boot needs --root DIR"},
      {{"--root"}, kExitUsage, "--root needs a value"},
      {{"--root", "/", "--frob"}, kExitUsage, "unknown argument --frob"},
      {{"--help"}, kExitOk, "usage: fdt-handoff boot --root DIR"},
  };
  for (const auto& c : kCases) {
    const CliRun r = Boot(c.args);
    EXPECT_EQ(r.code, c.code);
    EXPECT_THAT(c.code == kExitOk ? r.out : r.err, HasSubstr(c.text));
  }
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"--help"}, out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("boot --root DIR [--json]"));
}

}  // namespace
}  // namespace fdt_handoff
