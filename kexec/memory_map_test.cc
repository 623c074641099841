#include "kexec/memory_map.h"

#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

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
  EXPECT_EQ(*ranges, (std::vector<Range>{{0x40040000, 0x41670000},
                                         {0x41a20000, 0x7c000000},
                                         {0x100000000, 0x140000000}}));
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

TEST(Ranges, SubtractIntersectNormalize) {
  EXPECT_EQ(Normalize({{5, 10}, {0, 3}, {3, 4}, {9, 12}, {20, 20}}),
            (std::vector<Range>{{0, 4}, {5, 12}}));
  EXPECT_EQ(Subtract({{0, 100}}, {{10, 20}, {30, 40}, {90, 200}}),
            (std::vector<Range>{{0, 10}, {20, 30}, {40, 90}}));
  EXPECT_EQ(Intersect({{0, 50}, {60, 100}}, {{40, 70}}),
            (std::vector<Range>{{40, 50}, {60, 70}}));
}

TEST(CombineMemoryMaps, UsesWhatBothAllowAndSaysWhereTheyDisagree) {
  const std::vector<Range> dtb = {{0x40000000, 0x80000000}};
  const std::vector<Range> iomem = {{0x40040000, 0x7c000000}};
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
