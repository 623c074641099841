#include "kexec/verify_purgatory_testing.h"

#include <cerrno>
#include <utility>

#include "absl/strings/str_format.h"
#include "fdt/endian.h"
#include "kexec/verify_purgatory.h"

namespace fdt_handoff {
absl::Status CorruptVerifyDigest(size_t region, absl::Span<uint8_t> purgatory) {
  if (purgatory.size() != VerifyPurgatorySegmentSize()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "corrupt digest: a %u-byte segment is not the verifying purgatory "
        "(%u bytes)",
        purgatory.size(), VerifyPurgatorySegmentSize()));
  }
  uint8_t* config = purgatory.data() + VerifyPurgatoryConfigOffset();
  const uint32_t count = LoadLe32(config + kVerifyConfigRegionCount);
  if (region >= count) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "corrupt digest: region %u, but the purgatory checks %u", region,
        count));
  }
  // sha256 follows the u64 address and u64 length of the region record.
  config[kVerifyConfigRegions + region * kVerifyRegionSize + 16] ^= 1;
  return absl::OkStatus();
}

absl::StatusOr<size_t> CorruptSegmentDigest(
    const std::vector<LoadSegment>& segments, SegmentRole role,
    absl::Span<uint8_t> purgatory) {
  if (segments.empty() || segments.back().role != SegmentRole::kPurgatory) {
    return absl::InvalidArgumentError(
        "corrupt digest: the purgatory is not the last segment");
  }
  if (role == SegmentRole::kPurgatory) {
    return absl::InvalidArgumentError(
        "corrupt digest: the purgatory does not check itself");
  }
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i].role != role) continue;
    const absl::Status s = CorruptVerifyDigest(i, purgatory);
    if (!s.ok()) return s;
    return i;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "corrupt digest: no %s segment to corrupt the digest of",
      RoleName(role)));
}

CorruptingKexecSyscalls::CorruptingKexecSyscalls(
    std::unique_ptr<KexecSyscalls> real, SegmentRole role)
    : real_(std::move(real)), role_(role) {}

int CorruptingKexecSyscalls::Load(uint64_t entry,
                                  const std::vector<LoadSegment>& segments) {
  corrupted_region_.reset();
  last_error_ = absl::OkStatus();
  std::vector<LoadSegment> copy = segments;
  if (!copy.empty() && copy.back().role == SegmentRole::kPurgatory) {
    purgatory_.assign(copy.back().buffer.begin(), copy.back().buffer.end());
    copy.back().buffer = purgatory_;
  }
  absl::StatusOr<size_t> region =
      CorruptSegmentDigest(copy, role_, absl::MakeSpan(purgatory_));
  if (!region.ok()) {
    last_error_ = region.status();
    return EINVAL;
  }
  corrupted_region_ = *region;
  return real_->Load(entry, copy);
}

int CorruptingKexecSyscalls::Reboot() { return real_->Reboot(); }

}  // namespace fdt_handoff
