#include "init/early.h"

#include <errno.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/fake_mount_calls.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(MountEarly, MountsTheKernelFileSystemsInOrder) {
  FakeMountCalls calls;
  ASSERT_TRUE(MountEarly(calls).ok());
  EXPECT_THAT(calls.calls,
              ElementsAre("mkdir /proc", "mount proc /proc proc 14",
                          "mkdir /sys", "mount sysfs /sys sysfs 14",
                          "mkdir /dev", "mount devtmpfs /dev devtmpfs 2 mode=0755",
                          "mkdir /run", "mount tmpfs /run tmpfs 6 mode=0755",
                          "mkdir /tmp", "mount tmpfs /tmp tmpfs 6 mode=1777"));
}

TEST(MountEarly, AlreadyMountedIsFine) {
  FakeMountCalls calls;
  calls.mount_errno["/dev"] = EBUSY;
  calls.mount_errno["/proc"] = EBUSY;
  EXPECT_TRUE(MountEarly(calls).ok());
}

// A retry after a failed boot, or `/init boot` from the rescue shell, runs
// MountEarly() again. tmpfs (and proc since Linux 5.8) makes a new
// superblock on every mount, so the kernel does not answer EBUSY: a second
// mount would stack a fresh, empty /run over mdadm's map and the shell's
// files, once more per attempt. What is mounted already is left alone.
TEST(MountEarly, SecondRunMountsNothingAgain) {
  FakeMountCalls calls;
  ASSERT_TRUE(MountEarly(calls).ok());
  calls.calls.clear();
  ASSERT_TRUE(MountEarly(calls).ok());
  EXPECT_THAT(calls.calls,
              ElementsAre("mkdir /proc", "mkdir /sys", "mkdir /dev",
                          "mkdir /run", "mkdir /tmp"));
}

// The kernel mounted devtmpfs itself (CONFIG_DEVTMPFS_MOUNT), or main()
// did to open the console: only the rest is mounted.
TEST(MountEarly, OnlyWhatIsNotMountedYet) {
  FakeMountCalls calls;
  calls.mounted = {"/dev", "/run"};
  ASSERT_TRUE(MountEarly(calls).ok());
  EXPECT_THAT(
      calls.calls,
      ElementsAre("mkdir /proc", "mount proc /proc proc 14", "mkdir /sys",
                  "mount sysfs /sys sysfs 14", "mkdir /dev", "mkdir /run",
                  "mkdir /tmp", "mount tmpfs /tmp tmpfs 6 mode=1777"));
}

TEST(MountEarly, NamesEveryFailureAndTriesTheRest) {
  FakeMountCalls calls;
  calls.mount_errno["/sys"] = ENODEV;
  calls.mount_errno["/tmp"] = ENOMEM;
  const absl::Status s = MountEarly(calls);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("sysfs on /sys: No such device"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("tmpfs on /tmp: Cannot allocate memory"));
  EXPECT_EQ(calls.calls.size(), 10u);
}

}  // namespace
}  // namespace fdt_handoff
