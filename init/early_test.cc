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
