#include "init/md.h"

#include <errno.h>
#include <sys/stat.h>

#include <map>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kUuid[] = "8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b";

// Answers each command line (joined with spaces) with a canned result.
class FakeRunner : public CommandRunner {
 public:
  std::vector<std::string> calls;
  std::map<std::string, CommandResult> answers;
  absl::StatusOr<CommandResult> Run(const std::vector<std::string>& argv) override {
    const std::string line = absl::StrJoin(argv, " ");
    calls.push_back(line);
    auto it = answers.find(line);
    if (it == answers.end()) return CommandResult{1, "", "unexpected call"};
    return it->second;
  }
};

class FakeBlock : public BlockCalls {
 public:
  std::vector<std::string> calls;
  std::map<std::string, int> errnos;
  int SetReadOnly(const std::string& device) override {
    calls.push_back(device);
    auto it = errnos.find(device);
    return it == errnos.end() ? 0 : it->second;
  }
};

std::string Export(const std::string& level, int devices) {
  return absl::StrCat("MD_LEVEL=", level, "\nMD_DEVICES=", devices,
                      "\nMD_NAME=zero2w:root\nMD_UUID=", kUuid,
                      "\nMD_EVENTS=18\n");
}

MdadmPaths Paths() {
  MdadmPaths p;
  p.sys_block = std::string(getenv("TEST_TMPDIR")) + "/sys_block";
  mkdir(p.sys_block.c_str(), 0755);
  return p;
}

TEST(MdadmMd, ExamineReadsExportAndRole) {
  FakeRunner runner;
  FakeBlock block;
  runner.answers["/sbin/mdadm --examine --export /dev/sdb1"] = {0, Export("raid0", 2), ""};
  runner.answers["/sbin/mdadm --examine /dev/sdb1"] = {
      0, "/dev/sdb1:\n   Device Role : Active device 1\n", ""};
  MdadmMd md(runner, block, Paths());
  auto e = md.Examine("sdb1");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->level, "raid0");
  EXPECT_EQ(e->raid_disks, 2);
  EXPECT_EQ(e->role, 1);
}

TEST(MdadmMd, ExamineOfANonMemberIsNotFound) {
  FakeRunner runner;
  FakeBlock block;
  runner.answers["/sbin/mdadm --examine --export /dev/sda"] = {
      1, "", "mdadm: No md superblock detected on /dev/sda.\n"};
  MdadmMd md(runner, block, Paths());
  auto e = md.Examine("sda");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("No md superblock"));
  EXPECT_EQ(runner.calls.size(), 1u);
}

TEST(MdadmMd, ExamineOfAContainerIsUnimplemented) {
  FakeRunner runner;
  FakeBlock block;
  runner.answers["/sbin/mdadm --examine --export /dev/sdc"] = {
      0, absl::StrCat("MD_LEVEL=container\nMD_DEVICES=2\nMD_UUID=", kUuid, "\n"), ""};
  MdadmMd md(runner, block, Paths());
  EXPECT_EQ(md.Examine("sdc").status().code(), absl::StatusCode::kUnimplemented);
}

MdArray Raid0(int present) {
  MdState state;
  for (int i = 0; i < present; ++i) {
    auto e = ParseExamineExport(Export("raid0", 2), "x");
    e->role = i;
    state.Add(i == 0 ? "sda1" : "sdb1", *e);
  }
  return state.Arrays().at(0);
}

TEST(MdadmMd, AssemblesReadOnlyAfterBlkrosetOnEveryMember) {
  FakeRunner runner;
  FakeBlock block;
  runner.answers[absl::StrCat("/sbin/mdadm --assemble --readonly --uuid=", kUuid,
                              " /dev/md127 /dev/sda1 /dev/sdb1")] = {0, "", ""};
  MdadmMd md(runner, block, Paths());
  auto dev = md.AssembleReadOnly(Raid0(2));
  ASSERT_TRUE(dev.ok()) << dev.status();
  EXPECT_EQ(*dev, "/dev/md127");
  EXPECT_THAT(block.calls, ElementsAre("/dev/sda1", "/dev/sdb1"));
  EXPECT_EQ(runner.calls.size(), 1u);
}

TEST(MdadmMd, NeverAssemblesAnIncompleteArray) {
  FakeRunner runner;
  FakeBlock block;
  MdadmMd md(runner, block, Paths());
  auto dev = md.AssembleReadOnly(Raid0(1));
  EXPECT_EQ(dev.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(dev.status().message()), HasSubstr("1 of 2 members missing"));
  EXPECT_TRUE(block.calls.empty());
  EXPECT_TRUE(runner.calls.empty());
}

TEST(MdadmMd, BlkrosetFailureStopsBeforeMdadm) {
  FakeRunner runner;
  FakeBlock block;
  block.errnos["/dev/sdb1"] = EACCES;
  MdadmMd md(runner, block, Paths());
  auto dev = md.AssembleReadOnly(Raid0(2));
  EXPECT_EQ(dev.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(dev.status().message()),
              HasSubstr("cannot make /dev/sdb1 read-only (BLKROSET)"));
  EXPECT_TRUE(runner.calls.empty());
}

TEST(MdadmMd, MdadmFailureQuotesIt) {
  FakeRunner runner;
  FakeBlock block;
  runner.answers[absl::StrCat("/sbin/mdadm --assemble --readonly --uuid=", kUuid,
                              " /dev/md127 /dev/sda1 /dev/sdb1")] = {
      1, "", "mdadm: /dev/sda1 is busy - skipping\n"};
  runner.answers["/sbin/mdadm --stop /dev/md127"] = {
      1, "", "mdadm: Cannot get exclusive access to /dev/md127\n"};
  MdadmMd md(runner, block, Paths());
  auto dev = md.AssembleReadOnly(Raid0(2));
  EXPECT_EQ(dev.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(dev.status().message()),
              HasSubstr("failed (exit 1): mdadm: /dev/sda1 is busy - skipping"));
  const absl::Status s = md.Stop("/dev/md127");
  EXPECT_THAT(std::string(s.message()), HasSubstr("Cannot get exclusive access"));
}

// mdadm's messages quote what is on the disks (names, paths): its first
// line reaches the console escaped.
TEST(MdadmMd, MdadmTextIsEscaped) {
  FakeRunner runner;
  FakeBlock block;
  runner.answers[absl::StrCat("/sbin/mdadm --assemble --readonly --uuid=",
                              kUuid, " /dev/md127 /dev/sda1 /dev/sdb1")] = {
      1, "",
      "mdadm: array \x1b]0;owned\x07 \x9b"
      "2J busy\n"};
  runner.answers["/sbin/mdadm --stop /dev/md127"] = {1, "", "mdadm: \x1b[2J\n"};
  MdadmMd md(runner, block, Paths());
  auto dev = md.AssembleReadOnly(Raid0(2));
  EXPECT_THAT(std::string(dev.status().message()),
              HasSubstr("failed (exit 1): mdadm: array \\x1b]0;owned\\x07 "
                        "\\x9b2J busy"));
  EXPECT_THAT(std::string(md.Stop("/dev/md127").message()),
              HasSubstr("failed (exit 1): mdadm: \\x1b[2J"));
  // An incomplete array is named in the refusal, escaped as well.
  MdArray half = Raid0(1);
  half.name = "x\x1by";
  EXPECT_THAT(std::string(md.AssembleReadOnly(half).status().message()),
              HasSubstr("md array x\\x1by is not complete"));
}

TEST(MdadmMd, MissingMdadmIsUnavailable) {
  auto runner = LinuxCommandRunner();
  FakeBlock block;
  MdadmPaths p = Paths();
  p.mdadm = "/nonexistent/mdadm";
  MdadmMd md(*runner, block, p);
  auto e = md.Examine("sda1");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr("the initramfs must carry it at /nonexistent/mdadm"));
}

TEST(FreeMdDevice, SkipsArraysInUse) {
  const std::string sys = std::string(getenv("TEST_TMPDIR")) + "/sys_free";
  mkdir(sys.c_str(), 0755);
  EXPECT_EQ(*FreeMdDevice(sys), "md127");
  mkdir((sys + "/md127").c_str(), 0755);
  mkdir((sys + "/md126").c_str(), 0755);
  EXPECT_EQ(*FreeMdDevice(sys), "md125");
}

TEST(MdRootDevice, FirstPartitionWhenPartitioned) {
  const std::string sys = std::string(getenv("TEST_TMPDIR")) + "/sys_part";
  mkdir(sys.c_str(), 0755);
  mkdir((sys + "/md127").c_str(), 0755);
  EXPECT_EQ(MdRootDevice(sys, "/dev", "md127"), "/dev/md127");
  mkdir((sys + "/md127/md127p1").c_str(), 0755);
  EXPECT_EQ(MdRootDevice(sys, "/dev", "md127"), "/dev/md127p1");
}

}  // namespace
}  // namespace fdt_handoff
