#include "init/devices.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/fake_md.h"
#include "init/fake_sysfs.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ScanBlockDevices, CandidatesOnly) {
  FakeSysBlock sys("scan");
  sys.Disk("sda");
  sys.Partition("sda", "sda1");
  sys.Disk("sdb");  // A whole-disk member.
  sys.Disk("sdc", "0");  // A card reader without a card.
  sys.Disk("md127");
  sys.Disk("loop0");
  sys.Disk("ram0");
  sys.Disk("zram0");
  sys.Disk("dm-0");
  auto names = ScanBlockDevices(sys.class_block());
  ASSERT_TRUE(names.ok()) << names.status();
  // sda has partitions: its partition is the member, not the disk.
  EXPECT_THAT(*names, ElementsAre("sda1", "sdb"));
}

// The real socket: it opens (no privilege needed to listen to uevents) and
// a wait with nothing sent times out as "no event".
TEST(OpenNetlinkUevents, OpensAndTimesOut) {
  auto source = OpenNetlinkUevents();
  ASSERT_TRUE(source.ok()) << source.status();
  auto ev = (*source)->Next(10);
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_FALSE(ev->has_value());
}

TEST(PollingUevents, ReportsWhatAppearedAndWentAfterEachSleep) {
  FakeSysBlock sys("poll");
  sys.Disk("sda");
  std::vector<int> slept;
  auto source = PollingUevents(sys.class_block(), [&](int ms) { slept.push_back(ms); });
  auto none = source->Next(1000);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());  // sda was there from the start.
  sys.Disk("sdb");
  sys.Partition("sdb", "sdb1");
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i) {
    auto ev = source->Next(1000);
    ASSERT_TRUE(ev.ok() && ev->has_value());
    EXPECT_TRUE((*ev)->IsBlockDevice());
    got.push_back((*ev)->action + " " + (*ev)->devname);
  }
  EXPECT_THAT(got, ElementsAre("add sdb", "add sdb1"));
  EXPECT_THAT(slept, ElementsAre(1000, 1000));  // The second event was queued.
  ASSERT_EQ(system(("rm -r " + sys.class_block() + "/sda").c_str()), 0);
  auto gone = source->Next(500);
  ASSERT_TRUE(gone.ok() && gone->has_value());
  EXPECT_EQ((*gone)->action + " " + (*gone)->devname, "remove sda");
}

TEST(PollingUevents, DrivesTheWaitLikeUevents) {
  FakeSysBlock sys("poll_wait");
  sys.Disk("sda");
  FakeMd md;
  md.members["sda"] = FakeMember("raid0", 2, 0);
  md.members["sdb"] = FakeMember("raid0", 2, 1);
  int64_t now = 0;
  int sleeps = 0;
  auto source = PollingUevents(sys.class_block(), [&](int ms) {
    now += int64_t{ms} * 1000000;
    if (++sleeps == 3) sys.Disk("sdb");  // Plugged in after ~3 s.
  });
  std::ostringstream out;
  NanoClock clock = [&] { return now; };
  Console console(out, clock);
  WaitOptions options;
  options.sys_class_block = sys.class_block();
  auto a = WaitForArray(options, *source, md, console, clock);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->complete);
  EXPECT_EQ(now, int64_t{3000000000});
}

TEST(ScanBlockDevices, NoSysfs) {
  auto names = ScanBlockDevices("/nonexistent/sys/class/block");
  EXPECT_EQ(names.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(names.status().message()), HasSubstr("is sysfs mounted?"));
}

struct WaitFixture {
  explicit WaitFixture(const char* name) : sys(name), console(out, events.Clock()) {
    options.sys_class_block = sys.class_block();
    options.wait_seconds = 30;
  }
  FakeSysBlock sys;
  FakeMd md;
  FakeUevents events;
  std::ostringstream out;
  Console console;
  WaitOptions options;
};

TEST(WaitForArray, CompleteAtColdplugReturnsAtOnce) {
  WaitFixture f("cold");
  f.sys.Disk("sda");
  f.sys.Partition("sda", "sda1");
  f.sys.Disk("sdb");
  f.sys.Partition("sdb", "sdb1");
  f.md.members["sda1"] = FakeMember("raid0", 2, 0);
  f.md.members["sdb1"] = FakeMember("raid0", 2, 1);
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->name, "zero2w:root");
  EXPECT_TRUE(a->complete);
  EXPECT_THAT(f.md.calls, ElementsAre("examine sda1", "examine sdb1"));
  EXPECT_TRUE(f.events.timeouts.empty());
}

TEST(WaitForArray, HotplugCompletesTheArrayWithProgress) {
  WaitFixture f("hot");
  f.sys.Disk("sda");
  f.sys.Partition("sda", "sda1");
  f.md.members["sda1"] = FakeMember("raid0", 2, 0);
  f.md.members["sdb1"] = FakeMember("raid0", 2, 1);
  // sdb arrives 2.5 s later, its partition 0.1 s after the disk.
  f.events.Add(2500, "add", "sdb", "disk");
  f.events.Add(100, "add", "sdb1");
  f.events.on_deliver = [&](const Uevent& e) {
    if (e.devname == "sdb") f.sys.Disk("sdb");
    if (e.devname == "sdb1") f.sys.Partition("sdb", "sdb1");
  };
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->complete);
  EXPECT_EQ(a->members.size(), 2u);
  // Once at the start, then once a second while nothing changes; the whole
  // disk sdb was examined before its partition table showed.
  EXPECT_EQ(f.out.str(),
            "[    5.000] mdboot: md RAID0 'zero2w:root': 1/2 members (sda1), waiting 30 s\n"
            "[    6.000] mdboot: md RAID0 'zero2w:root': 1/2 members (sda1), waiting 29 s\n"
            "[    7.000] mdboot: md RAID0 'zero2w:root': 1/2 members (sda1), waiting 28 s\n");
  EXPECT_THAT(f.md.calls, ElementsAre("examine sda1", "examine sdb", "examine sdb1"));
  EXPECT_THAT(f.events.timeouts, ElementsAre(1000, 1000, 1000, 1000));
}

// The socket's buffer overflowed (ENOBUFS) while sdb arrived: its "add"
// events are gone, and only a new scan finds the member.
TEST(WaitForArray, LostUeventsScanAgain) {
  WaitFixture f("lost");
  f.sys.Disk("sda");
  f.sys.Partition("sda", "sda1");
  f.md.members["sda1"] = FakeMember("raid0", 2, 0);
  f.md.members["sdb1"] = FakeMember("raid0", 2, 1);
  f.events.Lose(1500);
  f.events.on_lost = [&] {
    f.sys.Disk("sdb");
    f.sys.Partition("sdb", "sdb1");
  };
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->complete);
  EXPECT_THAT(f.md.calls,
              ElementsAre("examine sda1", "examine sda1", "examine sdb1"));
  EXPECT_THAT(f.out.str(),
              HasSubstr("[    6.500] mdboot: device events were lost (uevent "
                        "recv: No buffer space available): scanning " +
                        f.sys.class_block() + " again\n"));
}

// A member that went while events were lost is forgotten by the new scan.
TEST(WaitForArray, LostUeventsForgetWhatWent) {
  WaitFixture f("lost_remove");
  f.options.wait_seconds = 2;
  f.sys.Disk("sda");
  f.sys.Partition("sda", "sda1");
  f.md.members["sda1"] = FakeMember("raid0", 2, 0);
  f.events.Lose(500);
  f.events.on_lost = [&] {
    ASSERT_EQ(system(("rm -r " + f.sys.class_block() + "/sda " +
                      f.sys.class_block() + "/sda1")
                         .c_str()),
              0);
  };
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(
      std::string(a.status().message()),
      HasSubstr("no md member device appeared (block devices seen: none)"));
}

TEST(WaitForArray, TimeoutNamesTheMissingMember) {
  WaitFixture f("timeout");
  f.options.wait_seconds = 3;
  f.sys.Disk("sda");
  f.sys.Partition("sda", "sda1");
  f.md.members["sda1"] = FakeMember("raid0", 2, 0);
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kDeadlineExceeded);
  const std::string m(a.status().message());
  EXPECT_THAT(m, HasSubstr("after waiting 3 s: md RAID0 'zero2w:root' (UUID "
                           "8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b): 1 of 2 members "
                           "missing (slot 1); present: sda1"));
  EXPECT_THAT(m, HasSubstr("mdboot.wait=SECONDS"));
  EXPECT_THAT(f.events.timeouts, ElementsAre(1000, 1000, 1000));
  EXPECT_THAT(f.out.str(), HasSubstr("waiting 1 s\n"));
}

TEST(WaitForArray, RemovedMemberCountsAsMissingAgain) {
  WaitFixture f("remove");
  f.options.wait_seconds = 2;
  f.sys.Disk("sda");
  f.sys.Partition("sda", "sda1");
  f.md.members["sda1"] = FakeMember("raid0", 2, 0);
  f.events.Add(10, "remove", "sda1");
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(a.status().message()),
              HasSubstr("no md member device appeared (block devices seen: none)"));
  // The change is printed at once, not a second later.
  EXPECT_THAT(f.out.str(), HasSubstr("[    5.010] mdboot: no md member yet"));
}

TEST(WaitForArray, ZeroWaitChecksOnce) {
  WaitFixture f("zero");
  f.options.wait_seconds = 0;
  f.sys.Disk("sdb");
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(a.status().message()), HasSubstr("block devices seen: sdb"));
  EXPECT_TRUE(f.events.timeouts.empty());
}

TEST(WaitForArray, WantedArrayIsWaitedForWhileAnotherIsComplete) {
  WaitFixture f("wanted");
  f.options.wanted = "data";
  f.options.wait_seconds = 5;
  f.sys.Disk("sda");
  f.sys.Disk("sdb");
  f.sys.Disk("sdc");
  f.md.members["sda"] = FakeMember("raid1", 1, 0, "nas:other", "11111111:11111111:11111111:11111111");
  f.md.members["sdb"] = FakeMember("raid5", 3, 0, "nas:data");
  f.md.members["sdc"] = FakeMember("raid5", 3, 1, "nas:data");
  f.md.members["sdd"] = FakeMember("raid5", 3, 2, "nas:data");
  f.events.Add(1500, "add", "sdd", "disk");
  f.events.on_deliver = [&](const Uevent&) { f.sys.Disk("sdd"); };
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->name, "nas:data");
  // Only the wanted array's progress is shown.
  EXPECT_THAT(f.out.str(), Not(HasSubstr("nas:other")));
  EXPECT_THAT(f.out.str(), HasSubstr("md RAID5 'nas:data': 2/3 members (sdb, sdc)"));
}

TEST(WaitForArray, TwoCompleteArraysNeedMdbootArray) {
  WaitFixture f("two");
  f.sys.Disk("sda");
  f.sys.Disk("sdb");
  f.md.members["sda"] = FakeMember("raid1", 1, 0, "a:one", "11111111:11111111:11111111:11111111");
  f.md.members["sdb"] = FakeMember("raid1", 1, 0, "a:two", "22222222:22222222:22222222:22222222");
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(a.status().message()), HasSubstr("mdboot.array"));
}

TEST(WaitForArray, MdadmMissingIsFatal) {
  WaitFixture f("nomdadm");
  f.sys.Disk("sda");
  f.md.examine_error = absl::UnavailableError("cannot run mdadm");
  auto a = WaitForArray(f.options, f.events, f.md, f.console, f.events.Clock());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
}

TEST(WaitForArray, BadUeventIsLoggedAndIgnored) {
  class Bad : public UeventSource {
   public:
    int n = 0;
    int64_t now = 0;
    absl::StatusOr<absl::optional<Uevent>> Next(int timeout_ms) override {
      now += int64_t{timeout_ms} * 1000000;
      if (n++ == 0) return absl::DataLossError("uevent: no ACTION@DEVPATH header");
      return absl::optional<Uevent>();
    }
  } bad;
  FakeSysBlock sys("bad");
  FakeMd md;
  std::ostringstream out;
  NanoClock clock = [&] { return bad.now; };
  Console console(out, clock);
  WaitOptions options;
  options.sys_class_block = sys.class_block();
  options.wait_seconds = 2;
  auto a = WaitForArray(options, bad, md, console, clock);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(out.str(), HasSubstr("ignoring a uevent: uevent: no ACTION@DEVPATH header"));
}

}  // namespace
}  // namespace fdt_handoff
