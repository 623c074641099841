#include "init/mount.h"

#include <errno.h>

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/fake_mount_calls.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Put(std::vector<uint8_t>& b, size_t at, absl::string_view s) {
  std::memcpy(b.data() + at, s.data(), s.size());
}

std::vector<uint8_t> Ext4(absl::string_view label) {
  std::vector<uint8_t> b(4096);
  Put(b, 1024 + 0x38, "\x53\xef");
  for (int i = 0; i < 16; ++i) b[1024 + 0x68 + i] = static_cast<uint8_t>(0x10 + i);
  Put(b, 1024 + 0x78, label);
  return b;
}

TEST(DetectFilesystem, Ext4UuidAndLabel) {
  FsInfo fs = DetectFilesystem(Ext4("armbi_root"));
  EXPECT_EQ(fs.type, "ext4");
  EXPECT_EQ(fs.uuid, "10111213-1415-1617-1819-1a1b1c1d1e1f");
  EXPECT_EQ(fs.label, "armbi_root");
}

TEST(DetectFilesystem, XfsBtrfsF2fsAndUnknown) {
  std::vector<uint8_t> b(kFilesystemHeadSize);
  Put(b, 0, "XFSB");
  Put(b, 108, "rootfs");
  EXPECT_EQ(DetectFilesystem(b).type, "xfs");
  EXPECT_EQ(DetectFilesystem(b).label, "rootfs");

  std::vector<uint8_t> c(kFilesystemHeadSize);
  Put(c, 0x10040, "_BHRfS_M");
  c[0x10020] = 0xab;
  EXPECT_EQ(DetectFilesystem(c).type, "btrfs");
  EXPECT_EQ(DetectFilesystem(c).uuid.substr(0, 2), "ab");

  std::vector<uint8_t> d(2048);
  Put(d, 1024, "\x10\x20\xf5\xf2");
  EXPECT_EQ(DetectFilesystem(d).type, "f2fs");

  EXPECT_EQ(DetectFilesystem(std::vector<uint8_t>(4096)).type, "");
  // Too short for any check (a truncated read): unknown, no crash.
  EXPECT_EQ(DetectFilesystem(std::vector<uint8_t>(1081)).type, "");
}

TEST(NoReplayOption, PerType) {
  EXPECT_EQ(NoReplayOption("ext4"), "noload");
  EXPECT_EQ(NoReplayOption("xfs"), "norecovery");
  EXPECT_EQ(NoReplayOption("btrfs"), "nologreplay");
  // f2fs refuses a read-only device after an unclean shutdown ("Need to
  // recover fsync data, but write access unavailable") unless told not to
  // roll forward.
  EXPECT_EQ(NoReplayOption("f2fs"), "norecovery");
  EXPECT_EQ(NoReplayOption("vfat"), "");
}

TEST(MountReadOnly, DetectedF2fsGetsNorecovery) {
  FakeMountCalls calls;
  auto type = MountReadOnly(calls, "/dev/md127", "/mnt", {"f2fs", "", ""}, "");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_THAT(
      calls.calls,
      ElementsAre("mkdir /mnt", "mount /dev/md127 /mnt f2fs 7 norecovery"));
}

TEST(BlockFilesystems, SkipsNodev) {
  EXPECT_THAT(BlockFilesystems("nodev\tsysfs\nnodev\ttmpfs\n\text4\n\tvfat\n"
                               "nodev\tmqueue\n\tbtrfs\n"),
              ElementsAre("ext4", "vfat", "btrfs"));
}

TEST(MountReadOnly, DetectedExt4GetsNoload) {
  FakeMountCalls calls;
  auto type = MountReadOnly(calls, "/dev/md127", "/mnt", {"ext4", "", ""}, "");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(*type, "ext4");
  // MS_RDONLY|MS_NOSUID|MS_NODEV = 7.
  EXPECT_THAT(calls.calls,
              ElementsAre("mkdir /mnt", "mount /dev/md127 /mnt ext4 7 noload"));
}

TEST(MountReadOnly, DetectedTypeFailingIsNotRetriedBlindly) {
  FakeMountCalls calls;
  calls.mount_errno["/mnt"] = ENODEV;
  auto type = MountReadOnly(calls, "/dev/md127", "/mnt", {"xfs", "", ""},
                            "\text4\n\txfs\n");
  EXPECT_EQ(type.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(type.status().message()),
              HasSubstr("/dev/md127 (xfs) read-only on /mnt: No such device "
                        "(this kernel has no driver for it)"));
  EXPECT_EQ(calls.calls.size(), 2u);
}

TEST(MountReadOnly, UnknownTypeTriesExt4ThenProcFilesystems) {
  FakeMountCalls calls;
  calls.mount_errno["/mnt ext4"] = EINVAL;
  calls.mount_errno["/mnt squashfs"] = EINVAL;
  auto type = MountReadOnly(calls, "/dev/md0", "/mnt", {},
                            "nodev\tproc\n\tsquashfs\n\text4\n\tvfat\n");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(*type, "vfat");
  EXPECT_THAT(calls.calls,
              ElementsAre("mkdir /mnt", "mount /dev/md0 /mnt ext4 7 noload",
                          "mount /dev/md0 /mnt squashfs 7",
                          "mount /dev/md0 /mnt vfat 7"));
}

TEST(MountReadOnly, NothingMountsNamesEachTry) {
  FakeMountCalls calls;
  calls.mount_errno["/mnt"] = EINVAL;
  auto type = MountReadOnly(calls, "/dev/md0", "/mnt", {}, "\tvfat\n");
  EXPECT_EQ(type.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(type.status().message()),
              HasSubstr("ext4: Invalid argument; vfat: Invalid argument"));
}

TEST(UnmountRoot, Busy) {
  FakeMountCalls calls;
  EXPECT_TRUE(UnmountRoot(calls, "/mnt").ok());
  calls.umount_errno["/mnt"] = EBUSY;
  const absl::Status s = UnmountRoot(calls, "/mnt");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("still uses it"));
}

TEST(ReadFilesystemHead, ReadsAFileAndNamesAMissingOne) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/fs.img";
  std::vector<uint8_t> img = Ext4("x");
  FILE* f = fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  fwrite(img.data(), 1, img.size(), f);
  fclose(f);
  auto head = ReadFilesystemHead(path);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(*head, img);
  EXPECT_EQ(ReadFilesystemHead(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace fdt_handoff
