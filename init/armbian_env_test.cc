#include "init/armbian_env.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/path_set.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Fixture(const std::string& path) {
  auto text = ReadTextFile("testdata/boot/" + path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// himport_r's rules, one row each. `before` is the environment before the
// import; `after` the whole environment afterwards.
TEST(ImportEnvText, FollowsHimportR) {
  const struct {
    std::string name;
    std::string text;
    UbootEnv before;
    UbootEnv after;
    std::string warning;  // A substring of one warning, or "" for none.
  } kCases[] = {
      {"plain", "a=1\nb=two words\n", {}, {{"a", "1"}, {"b", "two words"}}, ""},
      {"no final newline", "a=1", {}, {{"a", "1"}}, ""},
      {"leading blanks skipped", "  \ta=1\n", {}, {{"a", "1"}}, ""},
      {"comment line", "# a=1\n  # b=2\nc=3\n", {}, {{"c", "3"}}, ""},
      {"hash inside a value is kept", "a=x # y\n", {}, {{"a", "x # y"}}, ""},
      {"blank lines", "\n\n a=1\n\n", {}, {{"a", "1"}}, ""},
      {"bare name deletes", "console\n", {{"console", "both"}}, {}, ""},
      {"name= deletes", "console=\nx=1\n", {{"console", "both"}}, {{"x", "1"}},
       ""},
      {"name= at the end deletes", "console=", {{"console", "both"}}, {}, ""},
      {"other variables are kept", "a=1\n", {{"rootdev", "/dev/mmcblk0p1"}},
       {{"a", "1"}, {"rootdev", "/dev/mmcblk0p1"}}, ""},
      {"later line wins", "a=1\na=2\n", {}, {{"a", "2"}}, ""},
      {"quotes are literal", "a=\"x y\"\n", {}, {{"a", "\"x y\""}}, ""},
      {"backslash escapes the next char", "a=x\\\\y\\z\n", {},
       {{"a", "x\\yz"}}, ""},
      {"backslash-newline continues the value", "a=x \\\n y\nb=2\n", {},
       {{"a", "x \n y"}, {"b", "2"}}, "control character"},
      {"trailing backslash is kept", "a=x\\", {}, {{"a", "x\\"}}, ""},
      {"equals in the value", "extraargs=a=b c=d\n", {},
       {{"extraargs", "a=b c=d"}}, ""},
      {"CR stays in the value", "rootdev=/dev/md0\r\n", {},
       {{"rootdev", "/dev/md0\r"}}, "carriage return"},
      {"name=CR sets CR, does not delete", "console=\r\n",
       {{"console", "both"}}, {{"console", "\r"}}, "carriage return"},
      {"CRLF blank line is harmless", "a=1\r\n\r\nb=2\r\n", {},
       {{"a", "1\r"}, {"b", "2\r"}}, "carriage return"},
      {"blank before = stays in the name", "rootdev =/dev/md0\n", {},
       {{"rootdev ", "/dev/md0"}}, "contains blanks"},
      {"no name stops the import", "a=1\n=oops\nb=2\n", {}, {{"a", "1"}},
       "not imported"},
      {"NUL ends the text", std::string("a=1\nb=2\0c=3\n", 12), {},
       {{"a", "1"}, {"b", "2"}}, "NUL byte"},
  };
  for (const auto& c : kCases) {
    UbootEnv env = c.before;
    const EnvImportResult result = ImportEnvText(c.text, "env.txt", env);
    EXPECT_EQ(env, c.after) << c.name;
    if (c.warning.empty()) {
      EXPECT_TRUE(result.warnings.empty())
          << c.name << ": " << result.warnings.front();
    } else {
      EXPECT_THAT(result.warnings, Contains(HasSubstr(c.warning)))
          << c.name << ": no warning with '" << c.warning << "'";
    }
  }
}

TEST(ImportEnvText, WarningsNameFileAndLine) {
  UbootEnv env;
  const EnvImportResult result =
      ImportEnvText("a=1\n\nrootdev=/dev/md0\r\n", "/boot/armbianEnv.txt", env);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_THAT(result.warnings[0],
              HasSubstr("/boot/armbianEnv.txt line 3: the value of 'rootdev'"));
  EXPECT_THAT(result.warnings[0], HasSubstr("\"/dev/md0\\r\""));
}

const PathSet& ZeroTwoWFiles() {
  static const PathSet* files = new PathSet{
      "/boot/armbianEnv.txt",
      "/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb",
      "/boot/dtb/allwinner/overlay/sun50i-h616-usbhost2.dtbo",
      "/boot/dtb/allwinner/overlay/sun50i-h616-usbhost3.dtbo",
      "/boot/dtb/allwinner/overlay/sun50i-h616-pwm34.dtbo",
      "/boot/dtb/allwinner/overlay/sun50i-h616-spidev1_1.dtbo",
      "/boot/dtb/allwinner/overlay/sun50i-h616-w1-gpio.dtbo",
      "/boot/dtb/allwinner/overlay/sun50i-h616-fixup.scr",
      "/boot/overlay-user/zero2w-usb.dtbo",
  };
  return *files;
}

TEST(ArmbianBootEntry, ZeroTwoWImage) {
  auto entry = ArmbianBootEntry(Fixture("armbian-zero2w/armbianEnv.txt"), {},
                                ZeroTwoWFiles());
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->config, "/boot/armbianEnv.txt");
  EXPECT_EQ(entry->kernel, "/boot/Image");
  EXPECT_EQ(entry->initrd, "/boot/uInitrd");
  EXPECT_EQ(entry->dtb, "/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb");
  EXPECT_EQ(entry->cmdline,
            "root=UUID=8c3c3b5e-2f4b-4a4e-9a43-7a2f0f6e1d2b rootwait "
            "rootfstype=ext4 splash=verbose console=ttyS0,115200 console=tty1 "
            "consoleblank=0 loglevel=1 ubootpart= usb-storage.quirks="
            "0x2537:0x1066:u,0x2537:0x1068:u,0x2537:0x1172:u,0x152d:0x0578:u "
            "raid=noautodetect  cgroup_enable=memory");
  EXPECT_FALSE(entry->cmdline_if_overlays_fail.has_value());
  ASSERT_EQ(entry->overlays.size(), 3u);
  EXPECT_EQ(entry->overlays[0].name, "usbhost2");
  EXPECT_EQ(entry->overlays[0].path,
            "/boot/dtb/allwinner/overlay/sun50i-h616-usbhost2.dtbo");
  EXPECT_EQ(entry->overlays[0].origin, OverlayFile::Origin::kArmbianOverlays);
  EXPECT_EQ(entry->overlays[1].name, "usbhost3");
  EXPECT_EQ(entry->overlays[2].path, "/boot/overlay-user/zero2w-usb.dtbo");
  EXPECT_EQ(entry->overlays[2].origin,
            OverlayFile::Origin::kArmbianUserOverlays);
  EXPECT_TRUE(entry->overlays_missing.empty());
  EXPECT_EQ(entry->on_overlay_failure, OverlayFailurePolicy::kRestorePristine);
  EXPECT_TRUE(entry->warnings.empty()) << entry->warnings.front();
}

TEST(ArmbianBootEntry, CrlfFileFailsLikeUBootAndSaysWhy) {
  // Every value ends in \r, fdtfile too: no DTB candidate exists, as on the
  // board (U-Boot's load fails the same way).
  auto entry = ArmbianBootEntry(Fixture("armbian-crlf/armbianEnv.txt"), {},
                                ZeroTwoWFiles());
  ASSERT_EQ(entry.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(entry.status().message(),
              HasSubstr("/boot/armbianEnv.txt: no DTB for "
                        "fdtfile=sun50i-h618-orangepi-zero2w.dtb\\r; tried "
                        "/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb\\r"
                        ", /boot/dtb/sun50i-h618-orangepi-zero2w.dtb\\r"));
  EXPECT_THAT(entry.status().message(), HasSubstr("DOS line endings"));
}

// An armbianEnv.txt from the table plus a fixed DTB line, run through the
// script; the command line must be the script's, byte for byte.
TEST(ArmbianBootEntry, CommandLineRecipe) {
  const std::string kDtb =
      "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n";
  const std::string kTail = " consoleblank=0 loglevel=1 ubootpart= "
                            "usb-storage.quirks=  ";
  const struct {
    std::string name;
    std::string env;
    std::string cmdline;
  } kCases[] = {
      {"defaults", "",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose "
       "console=ttyS0,115200 console=tty1" +
           kTail + " cgroup_enable=memory"},
      {"console=display", "console=display\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose "
       "console=ttyS0,115200 console=tty1" +
           kTail + " cgroup_enable=memory"},
      {"console=serial", "console=serial\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose "
       "console=ttyS0,115200" +
           kTail + " cgroup_enable=memory"},
      {"console=none", "console=none\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose " + kTail +
           " cgroup_enable=memory"},
      {"console deleted", "console\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose " + kTail +
           " cgroup_enable=memory"},
      {"consoleargs from the file when console matches nothing",
       "console=custom\nconsoleargs=console=ttyS5,1500000\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose "
       "console=ttyS5,1500000" +
           kTail + " cgroup_enable=memory"},
      {"bootlogo=true", "bootlogo=true\nconsole=serial\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash "
       "plymouth.ignore-serial-consoles console=ttyS0,115200" +
           kTail + " cgroup_enable=memory"},
      {"docker off", "docker_optimizations=off\nconsole=serial\n",
       "root=/dev/mmcblk0p1 rootwait rootfstype=ext4 splash=verbose "
       "console=ttyS0,115200" +
           kTail},
      {"every variable",
       "rootdev=/dev/md127\nrootfstype=btrfs\nverbosity=7\n"
       "console=serial\npartuuid=1234-01\nusbstoragequirks=0x1:0x2:u\n"
       "extraargs=a=1 b\nextraboardargs=c\n",
       "root=/dev/md127 rootwait rootfstype=btrfs splash=verbose "
       "console=ttyS0,115200 consoleblank=0 loglevel=7 ubootpart=1234-01 "
       "usb-storage.quirks=0x1:0x2:u a=1 b c cgroup_enable=memory"},
  };
  for (const auto& c : kCases) {
    auto entry = ArmbianBootEntry(kDtb + c.env, {}, ZeroTwoWFiles());
    ASSERT_TRUE(entry.ok()) << c.name << ": " << entry.status();
    EXPECT_EQ(entry->cmdline, c.cmdline) << c.name;
  }
}

// A command line the target kernel would cut (arm64 keeps 2047 bytes) or
// that holds a control byte fails the entry, naming the variable to fix
// (fdt/command_line.h has the rule).
TEST(ArmbianBootEntry, CommandLineTheKernelWouldNotTakeIsRefused) {
  const std::string kBase =
      "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\nconsole=serial\n";
  auto base = ArmbianBootEntry(kBase, {}, ZeroTwoWFiles());
  ASSERT_TRUE(base.ok()) << base.status();
  // root=/dev/mmcblk0p1 ... usb-storage.quirks=  <extraargs>  cgroup_...
  ASSERT_EQ(base->cmdline.size(), 160u);
  const std::string kLong =
      " bytes; arm64 takes at most 2047 (COMMAND_LINE_SIZE 2048, NUL "
      "included) and would cut the rest";
  const std::string kText =
      "; the kernel command line (/chosen/bootargs) takes printable text "
      "(separate parameters with spaces)";
  const std::string kDos =
      " (a carriage return: the file has DOS line endings; convert it with "
      "dos2unix)";
  const struct {
    std::string name;
    std::string env;
    std::string error;  // Empty: accepted.
  } kCases[] = {
      {"2047 bytes", "extraargs=" + std::string(1887, 'x') + "\n", ""},
      {"2048 bytes", "extraargs=" + std::string(1888, 'x') + "\n",
       "/boot/armbianEnv.txt: extraargs (1888 bytes): the kernel command line "
       "(/chosen/bootargs) would be 2048" +
           kLong},
      {"3000-byte extraargs", "extraargs=" + std::string(3000, 'x') + "\n",
       "/boot/armbianEnv.txt: extraargs (3000 bytes): the kernel command line "
       "(/chosen/bootargs) would be 3160" +
           kLong},
      {"the longest variable is named",
       "extraargs=" + std::string(1000, 'x') +
           "\nextraboardargs=" + std::string(1200, 'y') + "\n",
       "/boot/armbianEnv.txt: extraboardargs (1200 bytes): the kernel command "
       "line (/chosen/bootargs) would be 2360" +
           kLong},
      {"DOS line ending in rootdev", "rootdev=/dev/md0\r\n",
       "/boot/armbianEnv.txt: rootdev: control byte \\x0d at offset 8" + kText +
           kDos},
      {"backslash-newline in extraargs", "extraargs=quiet \\\ninit=/bin/sh\n",
       "/boot/armbianEnv.txt: extraargs: control byte \\x0a at offset 6" +
           kText},
      {"tab in extraboardargs", "extraboardargs=a\tb\n",
       "/boot/armbianEnv.txt: extraboardargs: control byte \\x09 at offset 1" +
           kText},
      {"the first control byte, not the longest variable",
       "extraargs=" + std::string(3000, 'x') + "\nusbstoragequirks=\x1b[2J\n",
       "/boot/armbianEnv.txt: usbstoragequirks: control byte \\x1b at offset "
       "0" +
           kText},
      {"a CR in a variable the script does not use", "overlays=\r\n", ""},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    auto entry = ArmbianBootEntry(kBase + c.env, {}, ZeroTwoWFiles());
    if (c.error.empty()) {
      ASSERT_TRUE(entry.ok()) << entry.status();
      EXPECT_LE(entry->cmdline.size(), 2047u);
      continue;
    }
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(entry.status().message(), c.error);
  }
}

// The script's DTB cascade; `fdtdir` afterwards decides the overlay folder.
TEST(ArmbianBootEntry, DtbLookupOrder) {
  const std::string kZ = "sun50i-h618-orangepi-zero2w.dtb";
  const struct {
    std::string name;
    std::string env;
    std::string uboot_fdtfile;
    PathSet files;
    std::string dtb;
    std::string overlay;  // Where `overlays=usb` is looked for.
  } kCases[] = {
      {"vendor dir", "fdtfile=allwinner/" + kZ + "\noverlays=usb\n", "",
       {"/boot/dtb/allwinner/" + kZ}, "/boot/dtb/allwinner/" + kZ,
       "/boot/dtb/allwinner/overlay/sun50i-h616-usb.dtbo"},
      {"bare name in the vendor dir", "fdtfile=" + kZ + "\noverlays=usb\n", "",
       {"/boot/dtb/allwinner/" + kZ}, "/boot/dtb/allwinner/" + kZ,
       "/boot/dtb/allwinner/overlay/sun50i-h616-usb.dtbo"},
      {"flat dtb dir", "fdtfile=allwinner/" + kZ + "\noverlays=usb\n", "",
       {"/boot/dtb/" + kZ}, "/boot/dtb/" + kZ,
       "/boot/dtb/overlay/sun50i-h616-usb.dtbo"},
      {"U-Boot's default when fdtfile is unset", "overlays=usb\n",
       "allwinner/" + kZ, {"/boot/dtb/allwinner/" + kZ},
       "/boot/dtb/allwinner/" + kZ,
       "/boot/dtb/allwinner/overlay/sun50i-h616-usb.dtbo"},
      {"U-Boot's default when fdtfile is missing",
       "fdtfile=allwinner/sun50i-h618-typo.dtb\noverlays=usb\n",
       "allwinner/" + kZ, {"/boot/dtb/allwinner/" + kZ},
       "/boot/dtb/allwinner/" + kZ,
       "/boot/dtb/allwinner/overlay/sun50i-h616-usb.dtbo"},
      {"U-Boot's default, flat", "fdtfile=typo.dtb\noverlays=usb\n",
       "allwinner/" + kZ, {"/boot/dtb/" + kZ}, "/boot/dtb/" + kZ,
       "/boot/dtb/overlay/sun50i-h616-usb.dtbo"},
      {"fdtdir from the file", "fdtdir=/boot/mydtbs/\nfdtfile=" + kZ +
       "\noverlays=usb\n", "", {"/boot/mydtbs/" + kZ}, "/boot/mydtbs/" + kZ,
       "/boot/mydtbs/overlay/sun50i-h616-usb.dtbo"},
  };
  for (const auto& c : kCases) {
    auto entry = ArmbianBootEntry("overlay_prefix=sun50i-h616\n" + c.env,
                                  {"/boot/", c.uboot_fdtfile}, c.files);
    ASSERT_TRUE(entry.ok()) << c.name << ": " << entry.status();
    EXPECT_EQ(entry->dtb, c.dtb) << c.name;
    ASSERT_EQ(entry->overlays_missing.size(), 1u) << c.name;
    EXPECT_EQ(entry->overlays_missing[0].path, c.overlay) << c.name;
  }
}

TEST(ArmbianBootEntry, FallbackIsAWarning) {
  auto entry = ArmbianBootEntry(
      "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n", {},
      PathSet{"/boot/dtb/sun50i-h618-orangepi-zero2w.dtb"});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_THAT(entry->warnings,
              Contains(HasSubstr(
                  "the DTB /boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb "
                  "does not exist; using "
                  "/boot/dtb/sun50i-h618-orangepi-zero2w.dtb")));
}

TEST(ArmbianBootEntry, Errors) {
  const struct {
    std::string name;
    std::string env;
    std::string uboot_fdtfile;
    absl::StatusCode code;
    std::string message;
  } kCases[] = {
      {"no fdtfile anywhere", "rootdev=/dev/md0\n", "",
       absl::StatusCode::kInvalidArgument,
       "/boot/armbianEnv.txt: fdtfile is not set"},
      {"fdtfile deleted", "fdtfile=\n", "allwinner/x.dtb",
       absl::StatusCode::kInvalidArgument, "fdtfile is not set"},
      {"no candidate exists", "fdtfile=allwinner/a.dtb\n", "allwinner/b.dtb",
       absl::StatusCode::kNotFound,
       "/boot/armbianEnv.txt: no DTB for fdtfile=a.dtb; tried "
       "/boot/dtb/allwinner/a.dtb, /boot/dtb/a.dtb, /boot/dtb/allwinner/b.dtb, "
       "/boot/dtb/b.dtb"},
  };
  for (const auto& c : kCases) {
    auto entry =
        ArmbianBootEntry(c.env, {"/boot/", c.uboot_fdtfile}, PathSet{});
    EXPECT_EQ(entry.status().code(), c.code) << c.name;
    EXPECT_THAT(entry.status().message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(ArmbianBootEntry, MissingOverlaysAreSkippedAndReported) {
  auto entry = ArmbianBootEntry(
      "fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb\n"
      "overlay_prefix=sun50i-h616\noverlays=usbhost2 nosuch\n"
      "user_overlays=mine\n",
      {}, ZeroTwoWFiles());
  ASSERT_TRUE(entry.ok()) << entry.status();
  ASSERT_EQ(entry->overlays.size(), 1u);
  EXPECT_EQ(entry->overlays[0].name, "usbhost2");
  ASSERT_EQ(entry->overlays_missing.size(), 2u);
  EXPECT_EQ(entry->overlays_missing[0].path,
            "/boot/dtb/allwinner/overlay/sun50i-h616-nosuch.dtbo");
  EXPECT_EQ(entry->overlays_missing[1].path, "/boot/overlay-user/mine.dtbo");
  EXPECT_EQ(entry->overlays_missing[1].origin,
            OverlayFile::Origin::kArmbianUserOverlays);
  EXPECT_THAT(entry->warnings,
              Contains(HasSubstr("overlay 'nosuch' (overlays): "
                                 "/boot/dtb/allwinner/overlay/"
                                 "sun50i-h616-nosuch.dtbo does not exist")));
  EXPECT_THAT(
      entry->warnings,
      Contains(HasSubstr("overlay 'mine' (user_overlays): "
                         "/boot/overlay-user/mine.dtbo does not exist")));
}

TEST(ArmbianBootEntry, Pwm34AndFixupParameters) {
  auto entry = ArmbianBootEntry(Fixture("armbian-pwm34/armbianEnv.txt"), {},
                                ZeroTwoWFiles());
  ASSERT_TRUE(entry.ok()) << entry.status();
  // The fixup script rebuilds bootargs word by word: a leading space, one
  // space between words, no serial console. The backslash-newline in
  // extraargs became a newline, which splits words like a blank.
  EXPECT_EQ(entry->cmdline,
            " root=/dev/md/zero2w:root rootwait rootfstype=ext4 splash "
            "plymouth.ignore-serial-consoles console=tty1 consoleblank=0 "
            "loglevel=1 ubootpart= usb-storage.quirks= net.ifnames=0 quiet");
  ASSERT_TRUE(entry->cmdline_if_overlays_fail.has_value());
  EXPECT_EQ(*entry->cmdline_if_overlays_fail,
            "root=/dev/md/zero2w:root rootwait rootfstype=ext4 splash "
            "plymouth.ignore-serial-consoles console=ttyS0,115200 console=tty1 "
            "consoleblank=0 loglevel=1 ubootpart= usb-storage.quirks= "
            "net.ifnames=0 \n quiet ");
  EXPECT_THAT(
      entry->warnings,
      Contains(HasSubstr("U-Boot would run "
                         "/boot/dtb/allwinner/overlay/sun50i-h616-fixup.scr "
                         "to apply param_spidev_spi_bus, param_w1_pin, "
                         "param_w1_pin_int_pullup to the DTB")));
  EXPECT_THAT(entry->warnings,
              Contains(HasSubstr("overlay pwm34: console=ttyS0,115200 "
                                 "removed")));
  ASSERT_EQ(entry->overlays.size(), 3u);
  // The line with every overlay applied boots; the one without the fixup's
  // edit keeps the newline and could not (boot_dtb.h refuses it if used).
  EXPECT_EQ(entry->cmdline_if_overlays_fail_check.code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(entry->cmdline_if_overlays_fail_check.message()),
            "/boot/armbianEnv.txt: extraargs: control byte \\x0a at offset "
            "14; the kernel command line (/chosen/bootargs) takes printable "
            "text (separate parameters with spaces)");
}

TEST(ArmbianBootEntry, NoFixupScriptNoFixups) {
  // Without the fixup script U-Boot sources nothing: pwm34 changes nothing
  // and param_* are not read by anyone (so no warning about them either).
  auto entry = ArmbianBootEntry(
      "fdtfile=allwinner/z.dtb\noverlay_prefix=sun50i-h616\noverlays=pwm34\n"
      "param_w1_pin=PH4\nconsole=serial\n",
      {}, PathSet{"/boot/dtb/allwinner/z.dtb"});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_TRUE(absl::StrContains(entry->cmdline, "console=ttyS0,115200"));
  EXPECT_FALSE(entry->cmdline_if_overlays_fail.has_value());
  EXPECT_THAT(entry->warnings, Not(Contains(HasSubstr("param_"))));
}

TEST(ArmbianBootEntry, UserFixupScriptIsReported) {
  auto entry = ArmbianBootEntry("fdtfile=z.dtb\n", {},
                                PathSet{"/boot/dtb/allwinner/z.dtb",
                                        "/boot/fixup.scr"});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_THAT(entry->warnings,
              Contains(HasSubstr(
                  "U-Boot would run /boot/fixup.scr after the overlays")));
}

TEST(ArmbianBootEntry, PrefixSetByTheFileMovesImageAndInitrd) {
  // U-Boot sets ${prefix} before the script; the import can overwrite it,
  // and the script's later ${prefix}uInitrd / ${prefix}Image follow.
  auto entry = ArmbianBootEntry("fdtfile=z.dtb\nprefix=/boot/alt/\n", {},
                                PathSet{"/boot/dtb/allwinner/z.dtb"});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->config, "/boot/armbianEnv.txt");
  EXPECT_EQ(entry->dtb, "/boot/dtb/allwinner/z.dtb");
  EXPECT_EQ(entry->kernel, "/boot/alt/Image");
  EXPECT_EQ(entry->initrd, "/boot/alt/uInitrd");
}

TEST(ArmbianBootEntry, PrefixOfASeparateBootPartition) {
  auto entry = ArmbianBootEntry("fdtfile=z.dtb\n", {"/", ""},
                                PathSet{"/dtb/allwinner/z.dtb"});
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->config, "/armbianEnv.txt");
  EXPECT_EQ(entry->kernel, "/Image");
  EXPECT_EQ(entry->initrd, "/uInitrd");
  EXPECT_EQ(entry->dtb, "/dtb/allwinner/z.dtb");
}

}  // namespace
}  // namespace fdt_handoff
