#include "kexec/handoff.h"

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/blob.h"
#include "fdt/test_trees.h"
#include "fdt/tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kexec/purgatory.h"
#include "kexec/verify/sha256.h"
#include "kexec/verify_purgatory.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPlain612[] =
    "testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols612[] =
    "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";

Fdt Load(const std::string& path) {
  auto fdt = Fdt::FromFile(path);
  EXPECT_TRUE(fdt.ok()) << fdt.status();
  return *std::move(fdt);
}

absl::Status Seeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 7);
  return absl::OkStatus();
}

// Records what would have reached the kernel.
class FakeSyscalls : public KexecSyscalls {
 public:
  int Load(uint64_t entry, const std::vector<LoadSegment>& segments) override {
    ++loads;
    last_entry = entry;
    last_segments = segments;
    return load_errno;
  }
  int Reboot() override {
    ++reboots;
    return reboot_errno;
  }
  int loads = 0;
  int reboots = 0;
  int load_errno = 0;
  int reboot_errno = 0;
  uint64_t last_entry = 0;
  std::vector<LoadSegment> last_segments;
};

class HandoffTest : public ::testing::Test {
 protected:
  HandoffTest()
      : target_(Load(kPlain612)), symbols_(Load(kSymbols612)),
        live_(Load(kLive)), kernel_(3 << 20, 0x11), initrd_(1 << 20, 0x22) {
    in_.kernel = kernel_;
    in_.text_offset = 0;
    in_.image_size = 32 << 20;
    in_.initrd = initrd_;
    in_.target_dtb = &target_;
    in_.reconcile.live = &live_;
    in_.reconcile.symbols_from = &symbols_;
    in_.reconcile.overlays.push_back(Load(kUsb));
    in_.reconcile.append = "console=ttyS0,115200 root=/dev/md127";
    in_.reconcile.seed_source = Seeds;
  }

  Fdt target_, symbols_, live_;
  std::vector<uint8_t> kernel_, initrd_;
  HandoffInput in_;
  FakeSyscalls sys_;
};

TEST_F(HandoffTest, PlansLoadsAndPutsTheInitrdIntoChosen) {
  auto h = PrepareAndLoad(in_, sys_);
  ASSERT_TRUE(h.ok()) << h.status();
  // secmon@40000000 (256 KiB) is reserved: the kernel goes to 0x40200000.
  EXPECT_EQ(h->plan.kernel_entry, 0x40200000u);
  EXPECT_EQ(h->plan.initrd_start, 0x42200000u);
  EXPECT_EQ(h->plan.initrd_end, 0x42300000u);
  EXPECT_EQ(h->plan.dtb_address, 0x42300000u);
  auto tree = ParseTree(h->dtb);
  ASSERT_TRUE(tree.ok());
  const Node* chosen = tree->Find("/chosen");
  EXPECT_EQ(chosen->FindProperty("linux,initrd-start")->value,
            (std::vector<uint8_t>{0, 0, 0, 0, 0x42, 0x20, 0, 0}));
  EXPECT_EQ(chosen->FindProperty("linux,initrd-end")->value,
            (std::vector<uint8_t>{0, 0, 0, 0, 0x42, 0x30, 0, 0}));
  EXPECT_EQ(h->purgatory, BuildPurgatory(0x40200000, 0x42300000));

  ASSERT_EQ(sys_.loads, 1);
  EXPECT_EQ(sys_.last_entry, h->plan.purgatory_address);
  ASSERT_EQ(sys_.last_segments.size(), 4u);
  EXPECT_EQ(sys_.last_segments[0].buffer.data(), kernel_.data());
  EXPECT_EQ(sys_.last_segments[1].buffer.data(), initrd_.data());
  EXPECT_EQ(sys_.last_segments[2].buffer.size(), h->dtb.size());
  EXPECT_EQ(sys_.last_segments[3].buffer.size(), kPurgatorySize);
  EXPECT_EQ(sys_.reboots, 0);
  EXPECT_THAT(h->report.Format(),
              HasSubstr("/chosen:linux,initrd-start/-end = "
                        "[0x42200000..0x42300000) (1 MiB)"));
}

// One reconcile: the seed source is asked as often as by one Reconcile(),
// and the DTB and report are exactly those of a Reconcile() that was given
// the planned initrd range from the start.
TEST_F(HandoffTest, ReconcilesOnceAndEqualsAReconcileWithTheFinalRange) {
  int draws = 0;
  in_.reconcile.seed_source = [&draws](absl::Span<uint8_t> out) {
    ++draws;
    return Seeds(out);
  };
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  const int handoff_draws = draws;

  draws = 0;
  ReconcileOptions options = in_.reconcile;
  options.initrd_start = h->plan.initrd_start;
  options.initrd_end = h->plan.initrd_end;
  ReconcileReport report;
  auto direct = Reconcile(target_, options, &report);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_GT(draws, 0);
  EXPECT_EQ(handoff_draws, draws);

  EXPECT_TRUE(std::equal(h->dtb.bytes().begin(), h->dtb.bytes().end(),
                         direct->bytes().begin(), direct->bytes().end()));
  EXPECT_EQ(h->report.Format(), report.Format());
  EXPECT_THAT(h->report.Format(),
              HasSubstr("/chosen:linux,initrd-start/-end = "
                        "[0x42200000..0x42300000) (1 MiB)"));
}

// With the "initrd" rule skipped, /chosen would not say where the initrd
// is (no linux,initrd-* at all, or stale ones from the live FDT) while the
// initrd is loaded anyway: refused, and nothing reaches kexec_load.
TEST_F(HandoffTest, SkippedInitrdRuleWithAnInitrdIsRefused) {
  in_.reconcile.skip_rules = {"initrd"};
  auto h = PrepareAndLoad(in_, sys_);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(h.status().message(),
            "handoff: an initrd is given but the reconcile rule 'initrd' is "
            "skipped: the initrd would be loaded while /chosen/linux,initrd-"
            "start/-end would be missing or left from the old boot, so the "
            "new kernel would not find it; run the rule or leave the initrd "
            "out");
  EXPECT_EQ(sys_.loads, 0);
}

// Without an initrd, skipping the rule is the caller's choice: the DTB is
// that of a Reconcile() with the same options.
TEST_F(HandoffTest, SkippedInitrdRuleWithoutAnInitrdIsNotPatched) {
  in_.reconcile.skip_rules = {"initrd"};
  in_.initrd = {};
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->plan.initrd_start, 0u);
  auto direct = Reconcile(target_, in_.reconcile);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_TRUE(std::equal(h->dtb.bytes().begin(), h->dtb.bytes().end(),
                         direct->bytes().begin(), direct->bytes().end()));
}

TEST_F(HandoffTest, IomemNarrowsTheMapAndSaysSo) {
  const std::vector<MemoryRange> iomem = {
      RangeFromBounds(0x40040000, 0x7c000000)};
  in_.iomem = &iomem;
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->usable, iomem);
  EXPECT_THAT(h->memory_notes,
              ::testing::ElementsAre(
                  "the DTB allows [0x7c000000..0x80000000) but /proc/iomem "
                  "does not (reserved or absent there); not used"));
}

TEST_F(HandoffTest, NothingIsLoadedAfterAnError) {
  in_.reconcile.live = nullptr;  // No memory anywhere.
  auto h = PrepareAndLoad(in_, sys_);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kFailedPrecondition);
  in_.reconcile.live = &live_;
  in_.image_size = 2u << 30;  // Larger than RAM.
  h = PrepareAndLoad(in_, sys_);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sys_.loads, 0);
}

TEST_F(HandoffTest, ACommandLineTheKernelWouldCutIsNeverLoaded) {
  for (const std::string& append :
       {std::string(2048, 'a'), std::string("quiet\ninit=/bin/sh")}) {
    in_.reconcile.append = append;
    auto h = PrepareAndLoad(in_, sys_);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(h.status().message()),
                ::testing::StartsWith("bootargs: "));
  }
  EXPECT_EQ(sys_.loads, 0);
  in_.reconcile.append = std::string(2047, 'a');
  ASSERT_TRUE(PrepareAndLoad(in_, sys_).ok());
  EXPECT_EQ(sys_.loads, 1);
}

TEST_F(HandoffTest, EveryErrnoBecomesAdvice) {
  struct Case {
    int err;
    absl::StatusCode code;
    const char* advice;
  };
  const Case cases[] = {
      {EPERM, absl::StatusCode::kPermissionDenied, "kernel.kexec_load_disabled"},
      {EBUSY, absl::StatusCode::kUnavailable, "another kexec load is in progress"},
      {EINVAL, absl::StatusCode::kInvalidArgument, "  dtb       buf "},
      {ENOSYS, absl::StatusCode::kUnimplemented, "without CONFIG_KEXEC"},
      {ENOMEM, absl::StatusCode::kResourceExhausted, "could not allocate"},
      {ENOEXEC, absl::StatusCode::kUnimplemented, "not an arm64 binary"},
  };
  for (const Case& c : cases) {
    sys_.load_errno = c.err;
    auto h = PrepareAndLoad(in_, sys_);
    ASSERT_FALSE(h.ok()) << c.err;
    EXPECT_EQ(h.status().code(), c.code) << c.err;
    EXPECT_THAT(std::string(h.status().message()), HasSubstr(c.advice));
  }
  sys_.reboot_errno = EINVAL;
  absl::Status s = RebootIntoKexec(sys_);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no kexec image is loaded"));
  sys_.reboot_errno = EPERM;
  EXPECT_EQ(RebootIntoKexec(sys_).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(HandoffTest, InitrdAddressMayNotBeGivenByHand) {
  in_.reconcile.initrd_start = 1;
  in_.reconcile.initrd_end = 2;
  auto h = PrepareHandoff(in_);
  EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HandoffTest, KernelPageSizeMismatchIsAWarningInThePlan) {
  in_.kernel_page_size = 65536;
  in_.page_size = 4096;
  auto h = PrepareAndLoad(in_, sys_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(sys_.loads, 1);
  ASSERT_EQ(h->plan.warnings.size(), 1u);
  EXPECT_THAT(h->plan.warnings[0],
              HasSubstr("the CPU must support the 64 KiB translation "
                        "granule"));
  EXPECT_THAT(FormatHandoffJson(*h),
              HasSubstr("\"warnings\": [\"the target kernel uses 64 KiB "
                        "pages"));
  in_.kernel_page_size = 4096;
  h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(h->plan.warnings.empty());
  EXPECT_THAT(FormatHandoffJson(*h), HasSubstr("\"warnings\": []"));
}

TEST_F(HandoffTest, JsonCarriesTheTable) {
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok());
  const std::string json = FormatHandoffJson(*h);
  EXPECT_THAT(json, HasSubstr("\"kernel_entry\": [1075838976, \"0x40200000\"]"));
  EXPECT_THAT(json, HasSubstr("{\"role\": \"dtb\", \"mem\": [1110441984, "
                              "\"0x42300000\"]"));
}

// The segment as the purgatory will find it in memory: the buffer, then
// the zeros kexec_load fills in up to memsz.
Sha256Digest InMemoryDigest(absl::Span<const uint8_t> buffer, uint64_t memsz) {
  std::vector<uint8_t> memory(buffer.begin(), buffer.end());
  memory.resize(memsz, 0);
  return Sha256Of(memory);
}

TEST_F(HandoffTest, VerifyHashesEverySegmentAsItWillBeInMemory) {
  in_.verify = true;
  in_.image_size = 4 << 20;  // Less to hash (under qemu-user, too).
  auto h = PrepareAndLoad(in_, sys_);
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->plan.segments.size(), 4u);

  // A bigger purgatory segment: code, config block and its own stack.
  const Segment& purgatory = h->plan.segments[3];
  EXPECT_EQ(purgatory.role, SegmentRole::kPurgatory);
  EXPECT_EQ(purgatory.bufsz, VerifyPurgatorySegmentSize());
  EXPECT_GT(purgatory.bufsz, kPurgatorySize + kVerifyStackSize);
  EXPECT_EQ(purgatory.memsz, (purgatory.bufsz + 4095) / 4096 * 4096);
  EXPECT_EQ(h->purgatory.size(), purgatory.bufsz);
  ASSERT_EQ(sys_.last_segments.size(), 4u);
  EXPECT_EQ(sys_.last_segments[3].buffer.data(), h->purgatory.data());

  // Kernel, initrd, DTB: buffer plus zero fill to memsz (the kernel's memsz
  // is image_size, 4 MiB, of which 3 MiB are the Image).
  const absl::Span<const uint8_t> buffers[] = {kernel_, initrd_, h->dtb.bytes()};
  ASSERT_EQ(h->verify_regions.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Segment& s = h->plan.segments[i];
    const VerifyRegion& r = h->verify_regions[i];
    EXPECT_EQ(r.address, s.mem) << i;
    EXPECT_EQ(r.length, s.memsz) << i;
    EXPECT_EQ(r.sha256, InMemoryDigest(buffers[i], s.memsz)) << i;
  }
  EXPECT_EQ(h->verify_regions[0].length, 4u << 20);

  // The config block carries the plan's addresses and those digests.
  const size_t c = VerifyPurgatoryConfigOffset();
  auto le64 = [&](size_t at) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | h->purgatory[c + at + i];
    return v;
  };
  EXPECT_EQ(le64(kVerifyConfigKernelEntry), h->plan.kernel_entry);
  EXPECT_EQ(le64(kVerifyConfigDtbAddress), h->plan.dtb_address);
  EXPECT_EQ(le64(kVerifyConfigUartBase), 0x5000000u);
  EXPECT_EQ(h->purgatory[c + kVerifyConfigUartKind], UartInfo::k8250);
  EXPECT_EQ(h->purgatory[c + kVerifyConfigRegionCount], 3);
  const size_t dtb_region = kVerifyConfigRegions + 2 * kVerifyRegionSize;
  EXPECT_EQ(le64(dtb_region), h->plan.dtb_address);
  EXPECT_TRUE(std::equal(h->verify_regions[2].sha256.begin(),
                         h->verify_regions[2].sha256.end(),
                         h->purgatory.begin() + c + dtb_region + 16));

  EXPECT_EQ(FormatPurgatory(*h),
            "purgatory: verifying (sha256 of 3 segments, UART "
            "/soc/serial@5000000 at 0x5000000, 8250 reg-shift 2 io-width 4)");
  const std::string json = FormatHandoffJson(*h);
  EXPECT_THAT(json, HasSubstr("\"verify\": {\"enabled\": true,\n"
                              "    \"uart\": {\"kind\": \"8250\""));
  EXPECT_THAT(json, HasSubstr(absl::StrCat(
                        "\"sha256\": \"", ToHex(h->verify_regions[1].sha256),
                        "\"")));
}

TEST_F(HandoffTest, WithoutVerifyThePurgatoryIsThePlainOne) {
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_FALSE(h->verify);
  EXPECT_TRUE(h->verify_regions.empty());
  EXPECT_EQ(h->purgatory.size(), kPurgatorySize);
  EXPECT_EQ(FormatPurgatory(*h),
            "purgatory: x0 = DTB, x1..x3 = 0, no verification");
  EXPECT_THAT(FormatHandoffJson(*h),
              HasSubstr("\"verify\": {\"enabled\": false}"));
}

TEST_F(HandoffTest, VerifyWithoutStdoutPathStillVerifiesAndSaysSo) {
  FdtEditor editor(target_);
  ASSERT_TRUE(editor.DeleteProperty("/chosen", "stdout-path").ok());
  auto target = std::move(editor).Finish("no stdout-path");
  ASSERT_TRUE(target.ok()) << target.status();
  in_.target_dtb = &*target;
  in_.verify = true;
  in_.image_size = 4 << 20;
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->verify_regions.size(), 3u);
  EXPECT_EQ(h->verify_uart.kind, UartInfo::kNone);
  EXPECT_EQ(FormatPurgatory(*h),
            "purgatory: verifying (sha256 of 3 segments, no UART: the DTB has "
            "no /chosen/stdout-path; a mismatch halts without a message)");
  const size_t c = VerifyPurgatoryConfigOffset();
  EXPECT_EQ(h->purgatory[c + kVerifyConfigUartKind], 0);
}

TEST_F(HandoffTest, StdoutPathTextReachesThePurgatoryLineEscaped) {
  FdtEditor editor(target_);
  ASSERT_TRUE(editor
                  .SetPropertyString("/chosen", "stdout-path",
                                     "/soc/uart\n\x1b[2J:115200n8")
                  .ok());
  auto target = std::move(editor).Finish("hostile stdout-path");
  ASSERT_TRUE(target.ok()) << target.status();
  in_.target_dtb = &*target;
  in_.verify = true;
  in_.image_size = 4 << 20;
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(FormatPurgatory(*h),
            "purgatory: verifying (sha256 of 3 segments, no UART: stdout-path "
            "\"/soc/uart\\x0a\\x1b[2J:115200n8\": no node /soc/uart\\x0a\\x1b[2J; "
            "a mismatch halts without a message)");
  EXPECT_THAT(FormatHandoffJson(*h), Not(HasSubstr("\x1b")));
}

TEST_F(HandoffTest, PlansADeepTarget) {
  // 50,000 nested nodes (about 600 KB): `plan` used to die of a stack
  // overflow in a recursive walk after the reconcile.
  absl::StatusOr<Fdt> deep = DeepFdt(50000);
  ASSERT_TRUE(deep.ok()) << deep.status();
  in_.target_dtb = &*deep;
  in_.reconcile.overlays.clear();
  in_.reconcile.symbols_from = nullptr;
  auto h = PrepareHandoff(in_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_GT(h->dtb.size(), deep->size());
  EXPECT_EQ(h->plan.kernel_entry, 0x40200000u);
  auto tree = ParseTree(h->dtb);
  ASSERT_TRUE(tree.ok());
  EXPECT_NE(tree->Find("/chosen"), nullptr);
}

TEST_F(HandoffTest, WrappedReservationInTheTargetIsRefused) {
  // UsableFromDtb used to drop it and plan over the memory it reserves.
  FdtEditor editor(target_);
  ASSERT_TRUE(editor.AddMemReserve(0xfffffffffff00000, 0x40300000).ok());
  auto target = std::move(editor).Finish("wrapped.dtb");
  ASSERT_TRUE(target.ok()) << target.status();
  in_.target_dtb = &*target;
  auto h = PrepareHandoff(in_);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(h.status().message()),
              HasSubstr("/memreserve/ entry 0: base 0xfffffffffff00000 + size "
                        "0x40300000 wraps past 2^64"));
}

TEST(LoadSegments, MoreThanSixteenSegmentsNeverReachTheKernel) {
  FakeSyscalls sys;
  std::vector<LoadSegment> many(17, LoadSegment{SegmentRole::kInitrd, {}, 0, 0});
  const absl::Status s = LoadSegments(sys, 0, many);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "kexec_load: 17 segments, the kernel takes at most 16");
  EXPECT_EQ(sys.loads, 0);
}

}  // namespace
}  // namespace fdt_handoff
