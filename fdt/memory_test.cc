#include "fdt/memory.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/test_trees.h"
#include "fdt/tree.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

constexpr uint64_t kTop = ~uint64_t{0};

TEST(MakeRange, RefusesRangesThatWrapPastTwoToTheSixtyFour) {
  auto ok = MakeRange(0x40000000, 0x40000000, "x");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->base, 0x40000000u);
  EXPECT_EQ(ok->end(), 0x80000000u);
  // The last representable end: 2^64 - 1.
  EXPECT_TRUE(MakeRange(kTop - 0x10, 0x10, "x").ok());
  EXPECT_TRUE(MakeRange(kTop, 0, "x").ok());

  auto at_top = MakeRange(kTop - 0xf, 0x10, "live.dtb: /memory");
  ASSERT_FALSE(at_top.ok());
  EXPECT_EQ(at_top.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(at_top.status().message(),
            "live.dtb: /memory: base 0xfffffffffffffff0 + size 0x10 wraps "
            "past 2^64");
  EXPECT_FALSE(MakeRange(kTop, 1, "x").ok());
  EXPECT_FALSE(MakeRange(1, kTop, "x").ok());
}

TEST(RangeFromFirstLast, InclusiveEndsAsInProcIomem) {
  auto r = RangeFromFirstLast(0x40000000, 0x7fffffff, "iomem:1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (MemoryRange{0x40000000, 0x40000000}));
  auto top = RangeFromFirstLast(0xffffffffffff0000, kTop, "iomem:3");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(top.status().message(),
            "iomem:3: [0xffffffffffff0000..0xffffffffffffffff] ends at 2^64");
  auto backwards = RangeFromFirstLast(0x2000, 0x1000, "iomem:4");
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.status().message(),
            "iomem:4: end 0x1000 is below start 0x2000");
}

TEST(RangeFromBounds, IsEmptyWhenBackwards) {
  EXPECT_EQ(RangeFromBounds(0x1000, 0x3000), (MemoryRange{0x1000, 0x2000}));
  EXPECT_TRUE(RangeFromBounds(0x3000, 0x1000).empty());
}

TEST(DecodeReg, WrappingEntryNamesTheNodeAndEntry) {
  const Property reg{"reg", Cells({0, 0x40000000, 0, 0x1000, 0xffffffff,
                                   0xfffff000, 0, 0x2000})};
  auto ranges = DecodeReg(reg, 2, 2, "live.dtb: /memory@40000000");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ranges.status().message(),
            "live.dtb: /memory@40000000: reg entry 1: base 0xfffffffffffff000 "
            "+ size 0x2000 wraps past 2^64");
  // 32-bit cells cannot wrap 64 bits.
  auto narrow = DecodeReg(Property{"reg", Cells({0xfffff000, 0x2000})}, 1, 1,
                          "n");
  ASSERT_TRUE(narrow.ok());
  EXPECT_EQ((*narrow)[0].end(), 0x100001000u);
}

TEST(MemoryOf, ReservedRegionsOfAndMemReservesOfRefuseWrappedRanges) {
  const TestNode root{
      "",
      {{"#address-cells", Cells({2})}, {"#size-cells", Cells({2})}},
      {{"memory@40000000",
        {{"device_type", Str("memory")},
         {"reg", Cells({0, 0x40000000, 0, 0x40000000})}},
        {}},
       {"reserved-memory",
        {{"#address-cells", Cells({2})}, {"#size-cells", Cells({2})}},
        {{"bad\nname", {{"reg", Cells({0xffffffff, 0, 1, 0})}}, {}}}}}};
  absl::StatusOr<Tree> tree =
      BuildTree(root, {{0x48000000, 0x1000}, {kTop - 0xfff, 0x2000}});
  ASSERT_TRUE(tree.ok()) << tree.status();

  auto memory = MemoryOf(*tree, "t.dtb");
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ(*memory, (std::vector<MemoryRange>{{0x40000000, 0x40000000}}));

  auto regions = ReservedRegionsOf(*tree, "t.dtb");
  ASSERT_FALSE(regions.ok());
  EXPECT_EQ(regions.status().code(), absl::StatusCode::kInvalidArgument);
  // The node name is escaped in the message.
  EXPECT_EQ(regions.status().message(),
            "t.dtb: /reserved-memory/bad\\x0aname: reg entry 0: base "
            "0xffffffff00000000 + size 0x100000000 wraps past 2^64");

  auto reserves = MemReservesOf(*tree, "t.dtb");
  ASSERT_FALSE(reserves.ok());
  EXPECT_EQ(reserves.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reserves.status().message(),
            "t.dtb: /memreserve/ entry 1: base 0xfffffffffffff000 + size "
            "0x2000 wraps past 2^64");
}

TEST(FormatRange, ShowsBoundsAndSize) {
  EXPECT_EQ(FormatRange(MemoryRange{0x40000000, 0x40000000}),
            "[0x40000000..0x80000000) (1024 MiB)");
  EXPECT_EQ(FormatRange(0x4ff00000, 0xa00000),
            "[0x4ff00000..0x50900000) (10 MiB)");
}

}  // namespace
}  // namespace fdt_handoff
