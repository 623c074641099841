#include "init/md_state.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kUuid[] = "8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b";

// `mdadm --examine --export` of a v1.2 RAID 0 member, as super1.c prints it.
std::string Export1(const std::string& level, int devices,
                    const std::string& uuid = kUuid,
                    const std::string& name = "zero2w:root") {
  return absl::StrCat("MD_LEVEL=", level, "\nMD_DEVICES=", devices,
                      "\nMD_NAME=", name, "\nMD_UUID=", uuid,
                      "\nMD_UPDATE_TIME=1764500000\n"
                      "MD_DEV_UUID=11223344:55667788:99aabbcc:ddeeff00\n"
                      "MD_EVENTS=18\n");
}

// The part of plain `mdadm --examine` (v1.2) that names the slot.
std::string Examine1(const std::string& role) {
  return absl::StrCat(
      "/dev/sda1:\n          Magic : a92b4efc\n        Version : 1.2\n"
      "    Feature Map : 0x0\n     Array UUID : ", kUuid,
      "\n           Name : zero2w:root\n     Raid Level : raid0\n"
      "   Raid Devices : 2\n\n    Chunk Size : 512K\n\n   Device Role : ",
      role, "\n   Array State : AA ('A' == active, '.' == missing, 'R' == "
      "replacing)\n");
}

MdExamine Member(const std::string& level, int devices, absl::optional<int> role,
                 const std::string& uuid = kUuid,
                 const std::string& name = "zero2w:root") {
  auto e = ParseExamineExport(Export1(level, devices, uuid, name), "test");
  EXPECT_TRUE(e.ok()) << e.status();
  MdExamine m = e.ok() ? *e : MdExamine{};
  m.role = role;
  return m;
}

TEST(ParseExamineExport, Versions) {
  auto v1 = ParseExamineExport(Export1("raid0", 2), "sda1");
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->level, "raid0");
  EXPECT_EQ(v1->raid_disks, 2);
  EXPECT_EQ(v1->uuid, kUuid);
  EXPECT_EQ(v1->name, "zero2w:root");
  EXPECT_EQ(v1->dev_uuid, "11223344:55667788:99aabbcc:ddeeff00");
  EXPECT_EQ(v1->events, 18u);
  EXPECT_FALSE(v1->role.has_value());

  // 0.90 (super0.c): no name, no device UUID.
  auto v0 = ParseExamineExport(
      "MD_LEVEL=raid1\nMD_DEVICES=2\n"
      "MD_UUID=a1b2c3d4:e5f60718:293a4b5c:6d7e8f90\n"
      "MD_UPDATE_TIME=1764400000\nMD_EVENTS=42\n",
      "sdb1");
  ASSERT_TRUE(v0.ok()) << v0.status();
  EXPECT_EQ(v0->level, "raid1");
  EXPECT_EQ(v0->name, "");
  EXPECT_EQ(v0->dev_uuid, "");
  EXPECT_EQ(v0->events, 42u);

  // Levels above 0 add MD_ARRAY_SIZE; unknown keys are fine.
  auto v5 = ParseExamineExport(
      Export1("raid5", 3) + "MD_ARRAY_SIZE=2.00 GB\nMD_NEW_KEY=x\n", "sdc1");
  ASSERT_TRUE(v5.ok()) << v5.status();
  EXPECT_EQ(v5->level, "raid5");
}

TEST(ParseExamineExport, Errors) {
  const struct {
    std::string text;
    absl::StatusCode code;
    std::string message;
  } kCases[] = {
      {"", absl::StatusCode::kNotFound, "sda1: no md superblock"},
      {"\n", absl::StatusCode::kNotFound, "no md superblock"},
      {"MD_LEVEL=raid0\nMD_DEVICES=2\n", absl::StatusCode::kDataLoss,
       "sda1: mdadm --examine --export: MD_LEVEL, MD_DEVICES or MD_UUID "
       "missing"},
      {"MD_LEVEL=raid0\nMD_DEVICES=two\nMD_UUID=x\n",
       absl::StatusCode::kDataLoss, "MD_DEVICES=two is not a number"},
      {"MD_LEVEL=raid0\nMD_DEVICES=-2\nMD_UUID=x\n",
       absl::StatusCode::kDataLoss, "MD_DEVICES=-2 is not a number"},
      {"mdadm: No md superblock detected on /dev/sda1.\n",
       absl::StatusCode::kDataLoss, "is not KEY=VALUE"},
      {"MD_METADATA=imsm\nMD_LEVEL=container\nMD_UUID=x\nMD_DEVICES=2\n",
       absl::StatusCode::kUnimplemented, "firmware RAID container"},
  };
  for (const auto& c : kCases) {
    auto e = ParseExamineExport(c.text, "sda1");
    EXPECT_EQ(e.status().code(), c.code) << c.text;
    EXPECT_THAT(e.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseExamineRole, Table) {
  const struct {
    std::string name;
    std::string text;
    absl::optional<int> role;
    bool spare;
  } kCases[] = {
      {"v1 slot 0", Examine1("Active device 0"), 0, false},
      {"v1 slot 1", Examine1("Active device 1"), 1, false},
      {"v1 spare", Examine1("spare"), absl::nullopt, true},
      {"v1 journal", Examine1("Journal"), absl::nullopt, true},
      {"v1 replacement", Examine1("Replacement device 1"), 1, false},
      {"0.90 this row",
       "      Number   Major   Minor   RaidDevice State\n"
       "this     1       8       17        1      active sync   /dev/sdb1\n\n"
       "   0     0       8        1        0      active sync   /dev/sda1\n"
       "   1     1       8       17        1      active sync   /dev/sdb1\n",
       1, false},
      {"0.90 spare",
       "this     2       8       33        2      spare   /dev/sdc1\n",
       absl::nullopt, true},
      {"no role line", "/dev/sda1:\n  Magic : a92b4efc\n", absl::nullopt,
       false},
  };
  for (const auto& c : kCases) {
    MdExamine e;
    ASSERT_TRUE(ParseExamineRole(c.text, "sda1", e).ok()) << c.name;
    EXPECT_EQ(e.role, c.role) << c.name;
    EXPECT_EQ(e.spare, c.spare) << c.name;
  }
  MdExamine e;
  const absl::Status bad =
      ParseExamineRole(Examine1("Active device x"), "sda1", e);
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bad.message(), HasSubstr("sda1: mdadm --examine: slot 'x'"));
  EXPECT_EQ(ParseExamineRole(Examine1("Wizard"), "sda1", e).code(),
            absl::StatusCode::kDataLoss);
}

TEST(MdState, RaidZeroWaitsForItsSecondDisk) {
  MdState state;
  EXPECT_TRUE(state.Arrays().empty());
  state.Add("sda1", Member("raid0", 2, 0));
  std::vector<MdArray> arrays = state.Arrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_FALSE(arrays[0].complete);
  EXPECT_FALSE(arrays[0].runnable);
  EXPECT_EQ(arrays[0].missing, 1);
  EXPECT_EQ(arrays[0].missing_slots, std::vector<int>{1});
  EXPECT_EQ(ProgressLine(arrays[0], 27),
            "md RAID0 'zero2w:root': 1/2 members (sda1), waiting 27 s");
  EXPECT_EQ(MissingReport(arrays[0]),
            absl::StrCat("md RAID0 'zero2w:root' (UUID ", kUuid,
                         "): 1 of 2 members missing (slot 1); present: sda1 "
                         "(slot 0)"));
  auto chosen = state.Choose("");
  EXPECT_EQ(chosen.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(chosen.status().message(),
              HasSubstr("no complete md array; seen: md RAID0 'zero2w:root'"));

  state.Add("sdb1", Member("raid0", 2, 1));
  arrays = state.Arrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_TRUE(arrays[0].complete);
  EXPECT_TRUE(arrays[0].runnable);
  EXPECT_EQ(ProgressLine(arrays[0], 3),
            "md RAID0 'zero2w:root': 2/2 members (sda1, sdb1), waiting 3 s");
  chosen = state.Choose("");
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->uuid, kUuid);

  state.Remove("sda1");
  state.Remove("sdz9");  // Never seen: ignored.
  arrays = state.Arrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_EQ(arrays[0].missing_slots, std::vector<int>{0});
}

TEST(MdState, CompletenessByLevel) {
  const struct {
    std::string name;
    std::string level;
    int raid_disks;
    std::vector<absl::optional<int>> roles;  // One member each.
    bool complete, runnable;
    int missing;
  } kCases[] = {
      {"raid0 2/2", "raid0", 2, {0, 1}, true, true, 0},
      {"raid0 1/2", "raid0", 2, {1}, false, false, 1},
      {"linear 2/3", "linear", 3, {0, 2}, false, false, 1},
      {"raid1 1/2 runs degraded", "raid1", 2, {0}, false, true, 1},
      {"raid5 2/3 runs degraded", "raid5", 3, {0, 2}, false, true, 1},
      {"raid5 1/3", "raid5", 3, {0}, false, false, 2},
      {"raid6 2/4", "raid6", 4, {0, 3}, false, true, 2},
      {"raid10 3/4 waits", "raid10", 4, {0, 1, 2}, false, false, 1},
      {"roles unknown count", "raid0", 2, {absl::nullopt, absl::nullopt}, true,
       true, 0},
      {"roles unknown 1/2", "raid0", 2, {absl::nullopt}, false, false, 1},
      {"same slot twice is one", "raid0", 2, {0, 0}, false, false, 1},
  };
  for (const auto& c : kCases) {
    MdState state;
    for (size_t i = 0; i < c.roles.size(); ++i) {
      state.Add(absl::StrCat("sd", std::string(1, static_cast<char>('a' + i)), "1"),
                Member(c.level, c.raid_disks, c.roles[i]));
    }
    const std::vector<MdArray> arrays = state.Arrays();
    ASSERT_EQ(arrays.size(), 1u) << c.name;
    EXPECT_EQ(arrays[0].complete, c.complete) << c.name;
    EXPECT_EQ(arrays[0].runnable, c.runnable) << c.name;
    EXPECT_EQ(arrays[0].missing, c.missing) << c.name;
  }
}

TEST(MdState, SparesFillNoSlot) {
  MdState state;
  state.Add("sda1", Member("raid1", 2, 0));
  MdExamine spare = Member("raid1", 2, absl::nullopt);
  spare.spare = true;
  state.Add("sdc1", spare);
  const std::vector<MdArray> arrays = state.Arrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_FALSE(arrays[0].complete);
  EXPECT_EQ(arrays[0].missing_slots, std::vector<int>{1});
  EXPECT_EQ(ProgressLine(arrays[0], 10),
            "md RAID1 'zero2w:root': 1/2 members (sda1, sdc1 spare), waiting "
            "10 s");
}

TEST(MdState, ChoosingAmongArrays) {
  const std::string kOther = "a1b2c3d4:e5f60718:293a4b5c:6d7e8f90";
  MdState state;
  state.Add("sda1", Member("raid0", 2, 0));
  state.Add("sdb1", Member("raid0", 2, 1));
  state.Add("sda2", Member("raid1", 2, 0, kOther, "zero2w:data"));
  state.Add("sdb2", Member("raid1", 2, 1, kOther, "zero2w:data"));
  const struct {
    std::string wanted;
    std::string uuid;  // Empty: an error.
    absl::StatusCode code = absl::StatusCode::kOk;
    std::string message = "";
  } kCases[] = {
      {"", "", absl::StatusCode::kFailedPrecondition,
       "2 complete md arrays: md RAID1 'zero2w:data'"},
      {"zero2w:root", kUuid},
      {"root", kUuid},
      {"data", kOther},
      {"8C3C3B5E-2F4B-4A4E-9A43-7A2F0F6E1D2B", kUuid},
      {"8c3c3b5e2f4b4a4e9a437a2f0f6e1d2b", kUuid},
      {kOther, kOther},
      {"other:root", "", absl::StatusCode::kNotFound,
       "no md array matches mdboot.array=other:root; seen: md RAID1 "
       "'zero2w:data'"},
      {"zero2w", "", absl::StatusCode::kNotFound, "no md array matches"},
  };
  for (const auto& c : kCases) {
    auto chosen = state.Choose(c.wanted);
    if (c.uuid.empty()) {
      EXPECT_EQ(chosen.status().code(), c.code) << c.wanted;
      EXPECT_THAT(chosen.status().message(), HasSubstr(c.message)) << c.wanted;
    } else {
      ASSERT_TRUE(chosen.ok()) << c.wanted << ": " << chosen.status();
      EXPECT_EQ(chosen->uuid, c.uuid) << c.wanted;
    }
  }
  auto several = state.Choose("");
  EXPECT_THAT(several.status().message(),
              HasSubstr("choose one with mdboot.array=UUID"));
}

TEST(MdState, ArraysNamedOnlyByUuidAndDisagreements) {
  MdState state;
  MdExamine v0 = Member("raid1", 2, 0, "a1b2c3d4:e5f60718:293a4b5c:6d7e8f90", "");
  state.Add("sda1", v0);
  MdExamine odd = v0;
  odd.raid_disks = 3;
  odd.role = 1;
  state.Add("sdb1", odd);
  const std::vector<MdArray> arrays = state.Arrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_THAT(ProgressLine(arrays[0], 5),
              HasSubstr("md RAID1 'a1b2c3d4:e5f60718:293a4b5c:6d7e8f90': 2/2"));
  ASSERT_EQ(arrays[0].warnings.size(), 1u);
  EXPECT_THAT(arrays[0].warnings[0],
              HasSubstr("sdb1 says raid1 with 3 devices, sda1 says raid1 with "
                        "2"));
}

// MD_NAME is 32 bytes chosen by whoever made the array: an ESC sequence or
// a newline in it must not reach the console as it is.
TEST(MdState, NameFromTheDiskIsEscaped) {
  MdState state;
  const std::string evil = "a\x1b[2J\nroot\x9b";
  MdExamine e = Member("raid0", 2, 0, kUuid, "x");
  e.name = evil;  // mdadm prints MD_NAME up to the first NUL or newline.
  state.Add("sda1", e);
  const std::vector<MdArray> arrays = state.Arrays();
  ASSERT_EQ(arrays.size(), 1u);
  const std::string progress = ProgressLine(arrays[0], 5);
  EXPECT_EQ(
      progress,
      "md RAID0 'a\\x1b[2J\\x0aroot\\x9b': 1/2 members (sda1), waiting 5 s");
  const std::string report = MissingReport(arrays[0]);
  EXPECT_THAT(report, HasSubstr("md RAID0 'a\\x1b[2J\\x0aroot\\x9b' (UUID "));
  const auto chosen = state.Choose("other");
  for (const std::string& text :
       {progress, report, std::string(chosen.status().message())}) {
    EXPECT_EQ(text.find_first_of("\x1b\n\x9b"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace fdt_handoff
