#include "init/command.h"

#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

TEST(LinuxCommandRunner, CollectsOutputErrorsAndExitStatus) {
  auto runner = LinuxCommandRunner();
  auto r = runner->Run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_status, 3);
}

TEST(LinuxCommandRunner, LargeOutputOnBothStreamsDoesNotDeadlock) {
  auto runner = LinuxCommandRunner();
  auto r = runner->Run({"/bin/sh", "-c",
                        "i=0; while [ $i -lt 3000 ]; do echo "
                        "0123456789012345678901234567890123456789; "
                        "echo e >&2; i=$((i+1)); done"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out.size(), 3000u * 41);
  EXPECT_EQ(r->err.size(), 3000u * 2);
}

TEST(LinuxCommandRunner, SignalAndMissingProgram) {
  auto runner = LinuxCommandRunner();
  auto r = runner->Run({"/bin/sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_status, 128 + 9);
  EXPECT_EQ(runner->Run({"/nonexistent/mdadm"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FirstLine, SkipsBlankLines) {
  EXPECT_EQ(FirstLine("\n  \nmdadm: No md superblock detected on /dev/sda.\nx"),
            "mdadm: No md superblock detected on /dev/sda.");
  EXPECT_EQ(FirstLine(""), "");
}

}  // namespace
}  // namespace fdt_handoff
