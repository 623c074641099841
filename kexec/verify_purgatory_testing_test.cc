#include "kexec/verify_purgatory_testing.h"

#include <cerrno>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "kexec/plan.h"
#include "kexec/syscall.h"
#include "kexec/verify_purgatory.h"

namespace fdt_handoff {
namespace {

std::vector<VerifyRegion> ThreeRegions() {
  std::vector<VerifyRegion> regions(3);
  for (size_t i = 0; i < regions.size(); ++i) {
    regions[i].address = 0x40200000 + i * 0x100000;
    regions[i].length = 0x1000;
    regions[i].sha256.fill(static_cast<uint8_t>(0x10 * (i + 1)));
  }
  return regions;
}

std::vector<uint8_t> Purgatory() {
  absl::StatusOr<std::vector<uint8_t>> p =
      BuildVerifyPurgatory(0x40200000, 0x42000000, UartInfo(), ThreeRegions());
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : std::vector<uint8_t>();
}

size_t DigestOffset(size_t region) {
  return VerifyPurgatoryConfigOffset() + kVerifyConfigRegions +
         region * kVerifyRegionSize + 16;
}

// Indexes where a and b differ.
std::vector<size_t> Differences(const std::vector<uint8_t>& a,
                                absl::Span<const uint8_t> b) {
  std::vector<size_t> out;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) out.push_back(i);
  }
  return out;
}

TEST(CorruptVerifyDigestTest, FlipsOneBitOfThatRegionsDigestOnly) {
  const std::vector<uint8_t> original = Purgatory();
  std::vector<uint8_t> p = original;
  ASSERT_TRUE(CorruptVerifyDigest(1, absl::MakeSpan(p)).ok());
  EXPECT_EQ(Differences(original, p), std::vector<size_t>{DigestOffset(1)});
  EXPECT_EQ(p[DigestOffset(1)], 0x20 ^ 1);
}

TEST(CorruptVerifyDigestTest, RefusesARegionPastTheCount) {
  std::vector<uint8_t> p = Purgatory();
  const absl::Status s = CorruptVerifyDigest(3, absl::MakeSpan(p));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("region 3, but the purgatory checks 3"),
            std::string::npos)
      << s;
}

TEST(CorruptVerifyDigestTest, RefusesSomethingThatIsNotThePurgatory) {
  std::vector<uint8_t> p(40, 0);
  EXPECT_EQ(CorruptVerifyDigest(0, absl::MakeSpan(p)).code(),
            absl::StatusCode::kInvalidArgument);
}

// Records what Load() was given, with copies of the buffers.
class RecordingSyscalls : public KexecSyscalls {
 public:
  int Load(uint64_t entry, const std::vector<LoadSegment>& segments) override {
    ++loads;
    this->entry = entry;
    buffers.clear();
    for (const LoadSegment& s : segments) {
      buffers.emplace_back(s.buffer.begin(), s.buffer.end());
    }
    return 0;
  }
  int Reboot() override {
    ++reboots;
    return 0;
  }
  int loads = 0, reboots = 0;
  uint64_t entry = 0;
  std::vector<std::vector<uint8_t>> buffers;
};

struct Segments {
  std::vector<uint8_t> kernel = std::vector<uint8_t>(64, 1);
  std::vector<uint8_t> initrd = std::vector<uint8_t>(32, 2);
  std::vector<uint8_t> dtb = std::vector<uint8_t>(16, 3);
  std::vector<uint8_t> purgatory = Purgatory();
  std::vector<LoadSegment> List() const {
    return {{SegmentRole::kKernel, kernel, 0x40200000, 0x1000},
            {SegmentRole::kInitrd, initrd, 0x40300000, 0x1000},
            {SegmentRole::kDtb, dtb, 0x40400000, 0x1000},
            {SegmentRole::kPurgatory, purgatory, 0x40500000,
             purgatory.size()}};
  }
};

TEST(CorruptingKexecSyscallsTest, LoadsACorruptedCopyOfThePurgatoryOnly) {
  auto real = std::make_unique<RecordingSyscalls>();
  RecordingSyscalls* seen = real.get();
  CorruptingKexecSyscalls sys(std::move(real), SegmentRole::kInitrd);
  const Segments in;
  ASSERT_EQ(sys.Load(0x40500000, in.List()), 0) << sys.last_error();
  ASSERT_EQ(seen->loads, 1);
  EXPECT_EQ(seen->entry, 0x40500000u);
  ASSERT_EQ(seen->buffers.size(), 4u);
  EXPECT_EQ(seen->buffers[0], in.kernel);
  EXPECT_EQ(seen->buffers[1], in.initrd);
  EXPECT_EQ(seen->buffers[2], in.dtb);
  // Region 1 is the initrd's; the caller's purgatory is left as it was.
  EXPECT_EQ(Differences(in.purgatory, seen->buffers[3]),
            std::vector<size_t>{DigestOffset(1)});
  EXPECT_EQ(in.purgatory, Purgatory());
  EXPECT_EQ(sys.corrupted_region(), absl::optional<size_t>(1));
  EXPECT_EQ(sys.Reboot(), 0);
  EXPECT_EQ(seen->reboots, 1);
}

TEST(CorruptingKexecSyscallsTest, RefusesWithoutCallingTheKernel) {
  auto real = std::make_unique<RecordingSyscalls>();
  RecordingSyscalls* seen = real.get();
  CorruptingKexecSyscalls sys(std::move(real), SegmentRole::kInitrd);
  Segments in;
  std::vector<LoadSegment> no_initrd = in.List();
  no_initrd.erase(no_initrd.begin() + 1);
  EXPECT_EQ(sys.Load(0x40500000, no_initrd), EINVAL);
  EXPECT_NE(sys.last_error().message().find("no initrd segment"),
            std::string::npos)
      << sys.last_error();
  std::vector<LoadSegment> no_purgatory = in.List();
  no_purgatory.pop_back();
  EXPECT_EQ(sys.Load(0x40500000, no_purgatory), EINVAL);
  EXPECT_EQ(seen->loads, 0);
  EXPECT_FALSE(sys.corrupted_region().has_value());
}

}  // namespace
}  // namespace fdt_handoff
