#include "init/mount_calls.h"

#include <errno.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

// The real IsMountPoint() on the test host: /proc is a mount point there as
// on the board, a fresh folder is not, "/" is (its parent is itself).
TEST(LinuxMountCalls, IsMountPoint) {
  std::unique_ptr<MountCalls> calls = LinuxMountCalls();
  EXPECT_TRUE(calls->IsMountPoint("/proc"));
  EXPECT_TRUE(calls->IsMountPoint("/"));
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/not_mounted";
  const int err = calls->MakeDir(dir, 0755);
  ASSERT_TRUE(err == 0 || err == EEXIST) << err;
  EXPECT_FALSE(calls->IsMountPoint(dir));
  EXPECT_FALSE(calls->IsMountPoint(dir + "/missing"));
}

}  // namespace
}  // namespace fdt_handoff
