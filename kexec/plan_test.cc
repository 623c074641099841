#include "kexec/plan.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

// [start, end), as the messages show usable RAM.
MemoryRange B(uint64_t start, uint64_t end) {
  return RangeFromBounds(start, end);
}

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

// The Zero 2W: 1 GiB at 0x40000000, TF-A's 256 KiB at the bottom reserved.
PlanInput ZeroTwoW() {
  PlanInput in;
  in.usable = {B(0x40040000, 0x80000000)};
  in.page_size = 4096;
  in.text_offset = 0;
  in.image_size = 32 * kMiB;
  in.kernel_bytes = 24 * kMiB;
  in.initrd_bytes = 10 * kMiB;
  in.dtb_bytes = 24 * 1024;
  in.purgatory_bytes = 40;
  return in;
}

TEST(PlanSegments, RangesAtTheTopOfTheAddressSpaceDoNotWrap) {
  // Page-aligning a range that starts in the last page would wrap to 0 and
  // make a range of everything; it has no whole page and is skipped.
  constexpr uint64_t kTop = ~uint64_t{0};
  PlanInput in = ZeroTwoW();
  in.usable.push_back(B(kTop - 0x800, kTop));
  in.usable.push_back(B(kTop - 0x3000, kTop - 0x1000));
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->kernel_base, 0x40200000u);
  in.usable = {B(kTop - 0x800, kTop)};
  plan = PlanSegments(in);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(PlanSegments, ZeroTwoWLayout) {
  auto plan = PlanSegments(ZeroTwoW());
  ASSERT_TRUE(plan.ok()) << plan.status();
  // The first 2 MiB-aligned base above TF-A's region.
  EXPECT_EQ(plan->kernel_base, 0x40200000u);
  EXPECT_EQ(plan->kernel_entry, 0x40200000u);
  EXPECT_EQ(plan->initrd_start, 0x42200000u);
  EXPECT_EQ(plan->initrd_end, 0x42200000u + 10 * kMiB);
  EXPECT_EQ(plan->dtb_address, 0x42c00000u);
  EXPECT_EQ(plan->purgatory_address, 0x42c06000u);
  ASSERT_EQ(plan->segments.size(), 4u);
  EXPECT_EQ(plan->segments[0].memsz, 32 * kMiB);
  EXPECT_EQ(plan->segments[0].bufsz, 24 * kMiB);
  EXPECT_EQ(plan->segments[2].memsz, 0x6000u);
  EXPECT_EQ(plan->segments[3].memsz, 0x1000u);
  EXPECT_EQ(FormatPlan(*plan),
            "segment    physical range                         bytes      memsz\n"
            "kernel     [0x0040200000..0x0042200000)   25165824   33554432\n"
            "initrd     [0x0042200000..0x0042c00000)   10485760   10485760\n"
            "dtb        [0x0042c00000..0x0042c06000)      24576      24576\n"
            "purgatory  [0x0042c06000..0x0042c07000)         40       4096\n"
            "entry      0x0042c06000 (purgatory: x0 = DTB 0x42c00000, then "
            "kernel at 0x40200000)\n");
}

TEST(PlanSegments, LegacyTextOffsetMayUseTheBaseBelowTheImage) {
  PlanInput in = ZeroTwoW();
  in.text_offset = 0x80000;
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // base 0x40000000 is reserved, but only [base + text_offset, + image_size)
  // must be free: 0x40080000 is usable.
  EXPECT_EQ(plan->kernel_base, 0x40000000u);
  EXPECT_EQ(plan->kernel_entry, 0x40080000u);
}

TEST(PlanSegments, DtbNeverCrossesATwoMebibyteBoundary) {
  PlanInput in = ZeroTwoW();
  in.initrd_bytes = 12 * kMiB - 4096;  // Ends one page before 0x42e00000.
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->initrd_end, 0x42200000u + 12 * kMiB - 4096);
  EXPECT_EQ(plan->dtb_address, 0x42e00000u);
  EXPECT_EQ(plan->purgatory_address, 0x42e06000u);
}

TEST(PlanSegments, SkipsReservedHoles) {
  PlanInput in = ZeroTwoW();
  in.usable = {B(0x40040000, 0x42300000), B(0x42400000, 0x80000000)};
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->initrd_start, 0x42400000u);
  for (const Segment& s : plan->segments) {
    EXPECT_FALSE(s.mem < 0x42400000 && s.mem + s.memsz > 0x42300000)
        << RoleName(s.role) << " overlaps the reserved hole";
  }
}

TEST(PlanSegments, NoInitrdMeansThreeSegments) {
  PlanInput in = ZeroTwoW();
  in.initrd_bytes = 0;
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->segments.size(), 3u);
  EXPECT_EQ(plan->initrd_start, 0u);
  EXPECT_EQ(plan->dtb_address, 0x42200000u);
}

TEST(PlanSegments, RefusesWhatCannotBePlaced) {
  struct Case {
    const char* name;
    std::function<void(PlanInput&)> edit;
    absl::StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {"image larger than RAM",
       [](PlanInput& in) {
         in.image_size = 2 * kGiB;
         in.kernel_bytes = kMiB;
       },
       absl::StatusCode::kResourceExhausted,
       "plan: no room for the kernel (2147483648 bytes) at a 2 MiB-aligned "
       "base + text_offset 0x0; usable RAM: [0x40040000..0x80000000)"},
      {"initrd outside the 32 GiB window",
       [](PlanInput& in) {
         in.usable = {B(0x40000000, 0x42200000), B(0x900000000, 0x940000000)};
       },
       absl::StatusCode::kResourceExhausted,
       "plan: no room for the initrd (10485760 bytes) above the kernel and "
       "inside the 32 GiB window [0x40000000..0x840000000); usable RAM: "
       "[0x40000000..0x42200000) [0x900000000..0x940000000)"},
      {"DTB over 2 MiB", [](PlanInput& in) { in.dtb_bytes = 2 * kMiB + 8; },
       absl::StatusCode::kResourceExhausted,
       "plan: the DTB is 2097160 bytes, over arm64's 2 MiB limit"},
      {"no memory", [](PlanInput& in) { in.usable.clear(); },
       absl::StatusCode::kResourceExhausted,
       "plan: no room for the kernel (33554432 bytes) at a 2 MiB-aligned "
       "base + text_offset 0x0; usable RAM: (none)"},
      {"no room for the DTB",
       [](PlanInput& in) { in.usable = {B(0x40000000, 0x42a05000)}; },
       absl::StatusCode::kResourceExhausted,
       "plan: no room for the DTB (24576 bytes) above the initrd without "
       "crossing a 2 MiB boundary; usable RAM: [0x40000000..0x42a05000)"},
      {"odd page size", [](PlanInput& in) { in.page_size = 3000; },
       absl::StatusCode::kInvalidArgument,
       "plan: page size 3000 is not a power of two"},
      // kexec_load takes page-aligned segments only, and the kernel's
      // starts at base + text_offset (plan.h promises page-aligned mem).
      {"text_offset not a page multiple",
       [](PlanInput& in) { in.text_offset = 0x80010; },
       absl::StatusCode::kInvalidArgument,
       "plan: text_offset 0x80010 is not a multiple of the page size 4096: "
       "the kernel segment, which starts at a 2 MiB-aligned base + "
       "text_offset, would not be page aligned"},
      {"text_offset a 4 KiB but not a 64 KiB multiple",
       [](PlanInput& in) {
         in.page_size = 65536;
         in.text_offset = 0x81000;
       },
       absl::StatusCode::kInvalidArgument,
       "plan: text_offset 0x81000 is not a multiple of the page size 65536: "
       "the kernel segment, which starts at a 2 MiB-aligned base + "
       "text_offset, would not be page aligned"},
      {"kernel page size not an arm64 one",
       [](PlanInput& in) { in.kernel_page_size = 8192; },
       absl::StatusCode::kInvalidArgument,
       "plan: the kernel's page size 8192 is not 4096, 16384 or 65536 (or 0, "
       "unspecified)"},
      {"kernel bytes beyond image_size",
       [](PlanInput& in) { in.kernel_bytes = in.image_size + 1; },
       absl::StatusCode::kInvalidArgument,
       "plan: kernel data (33554433 bytes) must be non-empty and fit "
       "image_size (33554432 bytes)"},
  };
  for (const Case& c : cases) {
    PlanInput in = ZeroTwoW();
    c.edit(in);
    auto plan = PlanSegments(in);
    ASSERT_FALSE(plan.ok()) << c.name;
    EXPECT_EQ(plan.status().code(), c.code) << c.name;
    EXPECT_EQ(plan.status().message(), c.message) << c.name;
  }
}

// A target built for other pages than the running kernel's loads (kexec_load
// copies the running kernel's pages and does not care), but only boots on a
// CPU with that translation granule: a warning in the plan, not a refusal.
TEST(PlanSegments, PageSizeMismatchIsAWarning) {
  PlanInput in = ZeroTwoW();
  in.kernel_page_size = 65536;
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::string kWarning =
      "the target kernel uses 64 KiB pages (Image flags bits 1-2), the "
      "running kernel 4 KiB pages: kexec_load does not mind, but the CPU must "
      "support the 64 KiB translation granule, or the new kernel stops in its "
      "first instructions without a word";
  EXPECT_EQ(plan->warnings, std::vector<std::string>{kWarning});
  EXPECT_THAT(FormatPlan(*plan),
              ::testing::HasSubstr("\nwarning    " + kWarning + "\n"));
  // Same segments as without the warning.
  auto same = PlanSegments(ZeroTwoW());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(plan->kernel_entry, same->kernel_entry);
  EXPECT_EQ(plan->purgatory_address, same->purgatory_address);

  in.page_size = 16384;
  in.kernel_page_size = 4096;
  plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->warnings.size(), 1u);
  EXPECT_THAT(plan->warnings[0],
              ::testing::StartsWith("the target kernel uses 4 KiB pages (Image "
                                    "flags bits 1-2), the running kernel 16 "
                                    "KiB pages:"));
  // Equal, or unspecified (0): nothing to say.
  for (uint64_t kernel : {uint64_t{16384}, uint64_t{0}}) {
    in.kernel_page_size = kernel;
    plan = PlanSegments(in);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_TRUE(plan->warnings.empty()) << kernel;
    EXPECT_THAT(FormatPlan(*plan),
                ::testing::Not(::testing::HasSubstr("warning")));
  }
}

TEST(PlanSegments, InitrdStaysInTheWindowOfTheKernel) {
  PlanInput in = ZeroTwoW();
  in.usable = {B(0x40000000, 0x42200000), B(0x800000000, 0x840000000)};
  auto plan = PlanSegments(in);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->initrd_start, 0x800000000u);
  EXPECT_LE(plan->initrd_end, 0x840000000u);
}

}  // namespace
}  // namespace fdt_handoff
