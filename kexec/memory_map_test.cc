#include "kexec/memory_map.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/memory.h"
#include "fdt/test_trees.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

// [start, end): the tests read best in bounds, as /proc/iomem and the
// messages show ranges.
MemoryRange B(uint64_t start, uint64_t end) {
  return RangeFromBounds(start, end);
}

// /proc/iomem of an arm64 board with 1 GiB at 0x40000000 and TF-A's no-map
// region at the bottom, as the kernel prints it.
constexpr char kIomem[] =
    "05000000-050003ff : serial\n"
    "40000000-4003ffff : reserved\n"
    "40040000-7fffffff : System RAM\n"
    "  40210000-4166ffff : Kernel code\n"
    "  41670000-41a1ffff : reserved\n"
    "  41a20000-41d7ffff : Kernel data\n"
    "  7c000000-7fffffff : reserved\n"
    "100000000-13fffffff : System RAM\n";

TEST(ParseIomem, SystemRamMinusNestedReservationsKeepsKernelImage) {
  auto ranges = ParseIomem(kIomem, "/proc/iomem");
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_EQ(*ranges, (std::vector<MemoryRange>{B(0x40040000, 0x41670000),
                                               B(0x41a20000, 0x7c000000),
                                               B(0x100000000, 0x140000000)}));
}

TEST(ParseIomem, UnprivilegedReadIsExplained) {
  auto ranges = ParseIomem(
      "00000000-00000000 : serial\n00000000-00000000 : System RAM\n",
      "/proc/iomem");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ranges.status().message(),
            "/proc/iomem: no \"System RAM\" entry (all addresses are zero: "
            "read it as root)");
}

TEST(ParseIomem, GarbageNamesTheLine) {
  auto ranges = ParseIomem("40000000-7fffffff : System RAM\nhello\n", "iomem");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ranges.status().message(), "iomem:2: not an iomem line: \"hello\"");
}

TEST(ParseIomem, EntriesEndingAtTwoToTheSixtyFourAreRefused) {
  // Kept (System RAM) or not (a top-level device), a range past the address
  // space means the file is not what we think: refused, never dropped.
  for (const char* line : {"fffffffffff00000-ffffffffffffffff : System RAM\n",
                           "fffffffffff00000-ffffffffffffffff : pcie\n"}) {
    auto ranges = ParseIomem(
        absl::StrCat("40000000-7fffffff : System RAM\n", line), "iomem");
    ASSERT_FALSE(ranges.ok()) << line;
    EXPECT_EQ(ranges.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(ranges.status().message()),
                ::testing::StartsWith(
                    "iomem:2: \"fffffffffff00000-ffffffffffffffff : "));
    EXPECT_THAT(std::string(ranges.status().message()),
                ::testing::EndsWith(
                    "[0xfffffffffff00000..0xffffffffffffffff] ends at 2^64"));
  }
  auto backwards = ParseIomem("7fffffff-40000000 : System RAM\n", "iomem");
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.status().message(),
            "iomem:1: \"7fffffff-40000000 : System RAM\": end 0x40000000 is "
            "below start 0x7fffffff");
}

TEST(UsableFromDtb, WrappedReservationIsAnErrorNotDropped) {
  const TestNode root{
      "",
      {{"#address-cells", Cells({2})}, {"#size-cells", Cells({2})}},
      {{"memory@40000000",
        {{"device_type", Str("memory")},
         {"reg", Cells({0, 0x40000000, 0, 0x40000000})}},
        {}}}};
  auto fine = BuildTree(root, {{0x48000000, 0x1000}});
  ASSERT_TRUE(fine.ok());
  auto usable = UsableFromDtb(*fine, "final.dtb");
  ASSERT_TRUE(usable.ok()) << usable.status();
  EXPECT_EQ(*usable, (std::vector<MemoryRange>{B(0x40000000, 0x48000000),
                                               B(0x48001000, 0x80000000)}));

  auto wrapped = BuildTree(root, {{0xfffffffffffff000, 0x48001000}});
  ASSERT_TRUE(wrapped.ok());
  usable = UsableFromDtb(*wrapped, "final.dtb");
  ASSERT_FALSE(usable.ok());
  EXPECT_EQ(usable.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(usable.status().message(),
            "final.dtb: /memreserve/ entry 0: base 0xfffffffffffff000 + size "
            "0x48001000 wraps past 2^64");
}

TEST(Ranges, SubtractIntersectNormalize) {
  EXPECT_EQ(Normalize({B(5, 10), B(0, 3), B(3, 4), B(9, 12), B(20, 20)}),
            (std::vector<MemoryRange>{B(0, 4), B(5, 12)}));
  EXPECT_EQ(Subtract({B(0, 100)}, {B(10, 20), B(30, 40), B(90, 200)}),
            (std::vector<MemoryRange>{B(0, 10), B(20, 30), B(40, 90)}));
  EXPECT_EQ(Intersect({B(0, 50), B(60, 100)}, {B(40, 70)}),
            (std::vector<MemoryRange>{B(40, 50), B(60, 70)}));
  // Up to the last byte below 2^64.
  constexpr uint64_t kTop = ~uint64_t{0};
  EXPECT_EQ(Subtract({B(kTop - 0x100, kTop)}, {B(kTop - 0x10, kTop)}),
            (std::vector<MemoryRange>{B(kTop - 0x100, kTop - 0x10)}));
}

TEST(CombineMemoryMaps, UsesWhatBothAllowAndSaysWhereTheyDisagree) {
  const std::vector<MemoryRange> dtb = {B(0x40000000, 0x80000000)};
  const std::vector<MemoryRange> iomem = {B(0x40040000, 0x7c000000)};
  const MemoryMap map = CombineMemoryMaps(dtb, &iomem);
  EXPECT_EQ(map.usable, iomem);
  ASSERT_EQ(map.notes.size(), 1u);
  EXPECT_EQ(map.notes[0],
            "the DTB allows [0x40000000..0x40040000) [0x7c000000..0x80000000) "
            "but /proc/iomem does not (reserved or absent there); not used");
  EXPECT_EQ(CombineMemoryMaps(dtb, nullptr).usable, dtb);
}

}  // namespace
}  // namespace fdt_handoff
