#include "init/settings.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

TEST(SplitKernelCommandLine, LikeTheKernel) {
  const struct {
    std::string cmdline;
    std::vector<std::string> words;
  } kCases[] = {
      {"", {}},
      {"  \n", {}},
      {"a b  c\n", {"a", "b", "c"}},
      {"console=ttyS0,115200 root=/dev/md127", {"console=ttyS0,115200",
                                                "root=/dev/md127"}},
      {"a=\"b c\" d", {"a=b c", "d"}},
      {"\"a b\"", {"a b"}},
      {"a=\"\" b", {"a=", "b"}},
      {"tab\there", {"tab", "here"}},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(SplitKernelCommandLine(c.cmdline), c.words) << c.cmdline;
  }
}

TEST(ParseMdbootSettings, Table) {
  struct Want {
    int wait = 30;
    std::string array = "";
    bool dryrun = false, shell = false, verify = false, strict = false;
    std::string warning = "";  // Substring of the only warning; "" for none.
    bool dumpdtb = false;
  };
  const struct {
    std::string cmdline;
    Want want;
  } kCases[] = {
      {"console=ttyS0,115200 root=/dev/ram0", {}},
      {"mdboot.wait=5", {5}},
      {"mdboot.wait=0", {0}},
      {"mdboot.wait=10 mdboot.wait=20", {20}},
      {"mdboot.wait", {30, "", false, false, false, false, "whole seconds"}},
      {"mdboot.wait=soon", {30, "", false, false, false, false,
                            "'mdboot.wait=soon': mdboot.wait wants whole "
                            "seconds from 0 to 86400; keeping 30"}},
      {"mdboot.wait=-1", {30, "", false, false, false, false, "whole seconds"}},
      {"mdboot.wait=+5", {30, "", false, false, false, false, "whole seconds"}},
      {"mdboot.wait=99999", {30, "", false, false, false, false,
                             "whole seconds"}},
      {"mdboot.array=zero2w:root", {30, "zero2w:root"}},
      {"mdboot.array=8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b",
       {30, "8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b"}},
      {"mdboot.array=", {30, "", false, false, false, false,
                         "'mdboot.array' needs a UUID or a name"}},
      {"mdboot.dryrun", {30, "", true}},
      {"mdboot.dryrun=1 mdboot.shell=yes mdboot.verify=on mdboot.strict=true",
       {30, "", true, true, true, true}},
      {"mdboot.shell mdboot.shell=0", {30, "", false, false}},
      {"mdboot.verify=OFF", {}},
      {"mdboot.strict=maybe", {30, "", false, false, false, false,
                               "'mdboot.strict=maybe': a flag takes no value"}},
      {"mdboot.dumpdtb", {30, "", false, false, false, false, "", true}},
      {"mdboot.dumpdtb=on mdboot.dumpdtb=off", {}},
      {"mdboot.dryrun mdboot.wiat=5", {30, "", true, false, false, false,
                                       "unknown setting 'mdboot.wiat=5'"}},
      {"mdboot.Wait=5", {30, "", false, false, false, false,
                         "unknown setting 'mdboot.Wait=5'"}},
      {"mdbootwait=5 xmdboot.wait=5", {}},
      {"root=/dev/md127 -- mdboot.wait=7", {7}},
  };
  for (const auto& c : kCases) {
    const MdbootSettings s = ParseMdbootSettings(c.cmdline);
    EXPECT_EQ(s.wait_seconds, c.want.wait) << c.cmdline;
    EXPECT_EQ(s.array, c.want.array) << c.cmdline;
    EXPECT_EQ(s.dryrun, c.want.dryrun) << c.cmdline;
    EXPECT_EQ(s.shell, c.want.shell) << c.cmdline;
    EXPECT_EQ(s.verify, c.want.verify) << c.cmdline;
    EXPECT_EQ(s.strict, c.want.strict) << c.cmdline;
    EXPECT_EQ(s.dumpdtb, c.want.dumpdtb) << c.cmdline;
    if (c.want.warning.empty()) {
      EXPECT_TRUE(s.warnings.empty()) << c.cmdline << ": " << s.warnings[0];
    } else {
      ASSERT_EQ(s.warnings.size(), 1u) << c.cmdline;
      EXPECT_TRUE(absl::StrContains(s.warnings[0], c.want.warning))
          << c.cmdline << ": " << s.warnings[0];
    }
  }
}

}  // namespace
}  // namespace fdt_handoff
