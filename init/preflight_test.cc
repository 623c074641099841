#include "init/preflight.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/test_root.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kUuid[] = "1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0";

RootIdentity Raid0() { return {"raid0", "zero2w:root", {"ext4", kUuid, "armbi_root"}}; }

// A target that boots: everything in place.
TargetFacts Good() {
  TargetFacts f;
  f.kernel_release = "6.12.38-current-sunxi64";
  f.config = "CONFIG_BLK_DEV_MD=y\nCONFIG_MD_RAID0=m\n";
  f.modules_on_disk = {"raid0"};
  f.initrd = "/boot/uInitrd";
  f.initrd_files = std::vector<std::string>{
      "usr/sbin/mdadm", "usr/lib/modules/6.12.38-current-sunxi64/kernel/drivers/md/raid0.ko.xz"};
  f.cmdline = absl::StrCat("root=UUID=", kUuid, " rootwait rootfstype=ext4");
  f.root = Raid0();
  return f;
}

TEST(ParseKernelConfig, YesModuleAndNotSet) {
  auto c = ParseKernelConfig(
      "#\n# Automatically generated\nCONFIG_BLK_DEV_MD=y\nCONFIG_MD_RAID0=m\n"
      "# CONFIG_MD_RAID1 is not set\nCONFIG_LOCALVERSION=\"-sunxi64\"\n");
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c["CONFIG_BLK_DEV_MD"], 'y');
  EXPECT_EQ(c["CONFIG_MD_RAID0"], 'm');
  EXPECT_EQ(c.count("CONFIG_MD_RAID1"), 0u);
}

TEST(MdLevelConfig, EveryLevelMdadmNames) {
  EXPECT_EQ(MdLevelConfig("raid0"), "CONFIG_MD_RAID0");
  EXPECT_EQ(MdLevelConfig("raid1"), "CONFIG_MD_RAID1");
  EXPECT_EQ(MdLevelConfig("raid10"), "CONFIG_MD_RAID10");
  EXPECT_EQ(MdLevelConfig("raid4"), "CONFIG_MD_RAID456");
  EXPECT_EQ(MdLevelConfig("raid5"), "CONFIG_MD_RAID456");
  EXPECT_EQ(MdLevelConfig("raid6"), "CONFIG_MD_RAID456");
  EXPECT_EQ(MdLevelConfig("linear"), "CONFIG_MD_LINEAR");
  EXPECT_EQ(MdLevelConfig("multipath"), "CONFIG_MD_MULTIPATH");
  EXPECT_EQ(MdLevelConfig("faulty"), "");
  EXPECT_EQ(MdModuleName("CONFIG_BLK_DEV_MD"), "md-mod");
  EXPECT_EQ(MdModuleName("CONFIG_MD_RAID456"), "raid456");
}

TEST(KernelRelease, BannerAndFileName) {
  const std::string image = std::string("\0\0Linux version %s (%s)\0junk", 27) +
                            "Linux version 6.1.0-57-arm64 (debian-kernel@lists.debian.org) #1";
  EXPECT_EQ(KernelRelease(absl::Span<const uint8_t>(
                reinterpret_cast<const uint8_t*>(image.data()), image.size())),
            "6.1.0-57-arm64");
  EXPECT_EQ(KernelRelease({}), "");
  EXPECT_EQ(KernelReleaseFromName("/boot/vmlinuz-6.12.38-current-sunxi64"),
            "6.12.38-current-sunxi64");
  EXPECT_EQ(KernelReleaseFromName("/boot/Image"), "");
}

TEST(CheckTarget, AGoodTargetHasNothingToSay) {
  PreflightResult r = CheckTarget(Good());
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_THAT(r.notes, IsEmpty());
}

// One miss per row: the warning it must give.
struct Miss {
  const char* name;
  void (*edit)(TargetFacts&);
  const char* expected;
};

TEST(CheckTarget, EachMissIsAWarningWithWhatHappensAndTheFix) {
  const Miss misses[] = {
      {"no md", [](TargetFacts& f) { f.config = "CONFIG_MD_RAID0=y\n"; },
       "lacks MD RAID support (CONFIG_BLK_DEV_MD is not set in "
       "/boot/config-6.12.38-current-sunxi64): it cannot start the array and "
       "will hang at \"waiting for root device\"; boot a kernel built with "
       "CONFIG_BLK_DEV_MD=y"},
      {"no raid0", [](TargetFacts& f) { f.config = "CONFIG_BLK_DEV_MD=y\n"; },
       "lacks raid0 support (CONFIG_MD_RAID0 is not set"},
      {"module not on disk", [](TargetFacts& f) { f.modules_on_disk.clear(); },
       "CONFIG_MD_RAID0=m) but raid0.ko is not under /lib/modules/6.12.38-current-sunxi64"},
      {"module not in initrd",
       [](TargetFacts& f) { f.initrd_files = std::vector<std::string>{"sbin/mdadm"}; },
       "the initrd /boot/uInitrd does not carry raid0.ko (CONFIG_MD_RAID0=m): "
       "the target's initramfs cannot start the array and will hang at "
       "\"waiting for root device\"; add raid0 to /etc/initramfs-tools/modules"},
      {"no mdadm",
       [](TargetFacts& f) {
         f.initrd_files = std::vector<std::string>{"lib/modules/x/raid0.ko", "etc/mdadm"};
       },
       "the initrd /boot/uInitrd has no mdadm: the target's initramfs cannot "
       "assemble the array and will hang at \"waiting for root device\"; "
       "install mdadm on the target"},
      {"no initrd", [](TargetFacts& f) { f.initrd.clear(); f.initrd_files.reset(); },
       "the entry boots without an initrd"},
      {"wrong uuid",
       [](TargetFacts& f) { f.cmdline = "root=UUID=0000 rootwait"; },
       "root=UUID=0000 is not the array's file system (UUID 1b2c3d4e-5f60-4172-"
       "8394-a5b6c7d8e9f0): the target will hang at \"waiting for root device\""
       " (or mounts another disk that matches); use root=UUID=1b2c3d4e-"},
      {"armbian default rootdev",
       [](TargetFacts& f) { f.cmdline = "root=/dev/mmcblk0p1 rootwait"; },
       "root=/dev/mmcblk0p1 is not the RAID array"},
      {"other array name",
       [](TargetFacts& f) { f.cmdline = "root=/dev/md/data"; },
       "root=/dev/md/data is not this array (named 'zero2w:root')"},
      {"wrong label", [](TargetFacts& f) { f.cmdline = "root=LABEL=boot"; },
       "root=LABEL=boot is not the array's file system (label 'armbi_root')"},
      {"no root", [](TargetFacts& f) { f.cmdline = "rootwait quiet"; },
       "the command line has no root="},
  };
  for (const Miss& m : misses) {
    TargetFacts f = Good();
    m.edit(f);
    PreflightResult r = CheckTarget(f);
    ASSERT_EQ(r.warnings.size(), 1u) << m.name << ": " << absl::StrJoin(r.warnings, "\n");
    EXPECT_THAT(r.warnings[0], HasSubstr(m.expected)) << m.name;
  }
}

TEST(CheckRootArgument, WhatTheArrayProvides) {
  std::string note;
  for (const char* ok :
       {"root=UUID=1B2C3D4E-5F60-4172-8394-A5B6C7D8E9F0", "root=LABEL=armbi_root",
        "root=/dev/md0", "root=/dev/md127p1", "root=/dev/md/root",
        "root=/dev/md/zero2w:root", "root=/dev/sda1 root=/dev/md0"}) {
    EXPECT_EQ(CheckRootArgument(ok, Raid0(), &note), "") << ok;
  }
  EXPECT_NE(CheckRootArgument("root=/dev/md0 root=/dev/sda1", Raid0(), &note), "");
  EXPECT_NE(CheckRootArgument("root=/dev/mdx", Raid0(), &note), "");
  EXPECT_NE(CheckRootArgument("root=PARTUUID=1234-01", Raid0(), &note), "");
  EXPECT_TRUE(note.empty());
  RootIdentity unknown = Raid0();
  unknown.fs.uuid.clear();
  EXPECT_EQ(CheckRootArgument("root=UUID=abc", unknown, &note), "");
  EXPECT_THAT(note, HasSubstr("UUID is unknown"));
}

// The array's name, its level and the file system's label come from the
// disks: escaped in every message.
TEST(CheckTarget, TextFromTheDisksIsEscaped) {
  TargetFacts f = Good();
  f.root.name = "x:\x1b[2J\x9b";
  f.root.level = "raid\n9";
  f.root.fs.label = "l\x1b]0;";
  f.cmdline = "root=/dev/md/other";
  PreflightResult r = CheckTarget(f);
  f.cmdline = "root=LABEL=other";
  PreflightResult label = CheckTarget(f);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("(named 'x:\\x1b[2J\\x9b')"));
  EXPECT_THAT(r.notes, Contains("md level 'raid\\x0a9' has no known kernel "
                                "option: not checked"));
  ASSERT_EQ(label.warnings.size(), 1u);
  EXPECT_THAT(label.warnings[0], HasSubstr("(label 'l\\x1b]0;')"));
}

TEST(CheckTarget, UnknownArrayOnAHostGivesNotes) {
  TargetFacts f = Good();
  f.root = RootIdentity{};
  f.config = "CONFIG_BLK_DEV_MD=y\n";  // No level option: not checked.
  for (const char* cmdline : {"root=LABEL=x", "root=/dev/md/root", "root=UUID=abc"}) {
    f.cmdline = cmdline;
    PreflightResult r = CheckTarget(f);
    EXPECT_THAT(r.warnings, IsEmpty()) << cmdline;
    EXPECT_EQ(r.notes.size(), 2u) << cmdline;
    EXPECT_THAT(r.notes[0], HasSubstr("only CONFIG_BLK_DEV_MD was checked"));
  }
  f.cmdline = "root=/dev/mmcblk0p1";  // Certainly not an array.
  EXPECT_EQ(CheckTarget(f).warnings.size(), 1u);
}

TEST(CheckTarget, WhatCannotBeCheckedIsANote) {
  TargetFacts f = Good();
  f.config.reset();
  f.initrd_files.reset();
  f.initrd_error = "/boot/uInitrd: compressed with xz, which mdboot cannot unpack";
  PreflightResult r = CheckTarget(f);
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_THAT(r.notes, ElementsAre(
      "no /boot/config-6.12.38-current-sunxi64 on the target: its kernel's MD "
      "support was not checked",
      "cannot look inside the initrd /boot/uInitrd (/boot/uInitrd: compressed "
      "with xz, which mdboot cannot unpack): whether it carries mdadm was not "
      "checked"));
}

TEST(GatherTargetFacts, ReadsConfigModulesAndInitrd) {
  TestRoot t("preflight_root");
  t.File("boot/vmlinuz-6.1.0-57-arm64", "kernel");
  t.File("boot/config-6.1.0-57-arm64", "CONFIG_BLK_DEV_MD=m\nCONFIG_MD_RAID0=m\n");
  t.Link("lib", "usr/lib");  // merged /usr
  t.File("usr/lib/modules/6.1.0-57-arm64/kernel/drivers/md/md-mod.ko", "m");
  t.File("usr/lib/modules/6.1.0-57-arm64/kernel/drivers/md/raid0.ko.xz", "m");
  auto root = RootDir::Open(t.path());
  ASSERT_TRUE(root.ok()) << root.status();
  Discovery found;
  found.kernel = {"/boot/Image", "/boot/vmlinuz-6.1.0-57-arm64"};
  found.initrd = {"/boot/uInitrd", "/boot/uInitrd-6.1.0-57-arm64"};
  const std::vector<uint8_t> junk = {'j', 'u', 'n', 'k'};
  TargetFacts f = GatherTargetFacts(*root, found, {}, junk, "root=/dev/md0", Raid0());
  EXPECT_EQ(f.kernel_release, "6.1.0-57-arm64");
  ASSERT_TRUE(f.config.has_value());
  EXPECT_THAT(f.modules_on_disk, ElementsAre("md-mod", "raid0"));
  EXPECT_FALSE(f.initrd_files.has_value());
  EXPECT_THAT(f.initrd_error, HasSubstr("not an initramfs"));
  PreflightResult r = CheckTarget(f);
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_EQ(r.notes.size(), 1u);
}

// The preflight runs in PID 1: an initrd it cannot list is a note, never a
// crash (a short cpio) or a gigabyte of memory (a bomb).
TEST(GatherTargetFacts, ShortOrHugeInitrdIsANote) {
  TestRoot t("preflight_short_initrd");
  auto root = RootDir::Open(t.path());
  ASSERT_TRUE(root.ok()) << root.status();
  Discovery found;
  found.kernel = {"/boot/Image", "/boot/vmlinuz-6.1.0-57-arm64"};
  found.initrd = {"/boot/uInitrd", "/boot/uInitrd-6.1.0-57-arm64"};
  // newc header, "a\0" padded to 112, file data "x": 113 bytes, no trailer.
  std::string cpio = "070701";
  for (uint32_t field : {1, 0100644, 0, 0, 1, 0, 1, 0, 0, 0, 0, 2, 0}) {
    cpio += absl::StrFormat("%08x", field);
  }
  cpio += std::string("a\0x", 3);
  ASSERT_EQ(cpio.size(), 113u);
  const std::vector<uint8_t> short_cpio(cpio.begin(), cpio.end());
  PreflightResult r = CheckTarget(GatherTargetFacts(
      *root, found, {}, short_cpio, "root=/dev/md0", Raid0()));
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_THAT(r.notes,
              Contains(HasSubstr("cannot look inside the initrd /boot/uInitrd "
                                 "(/boot/uInitrd: cpio archive truncated: it "
                                 "ends right after file 'a'")));
  // A zstd frame that declares 1 GiB: refused before anything is unpacked.
  std::vector<uint8_t> bomb = {0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00, 0,
                               0,    0,    0x40, 0,    0,    0,    0};
  r = CheckTarget(
      GatherTargetFacts(*root, found, {}, bomb, "root=/dev/md0", Raid0()));
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_THAT(r.notes, Contains(HasSubstr(
                           "/boot/uInitrd: not fully checked: the preflight "
                           "unpacks at most 256 MiB")));
}

}  // namespace
}  // namespace fdt_handoff
