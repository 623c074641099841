// File: kexec/verify_purgatory_testing.h
//
// TEST ONLY (a testonly target, never linked into //tools:fdt-handoff): the
// proof that the verifying purgatory (kexec/verify_purgatory.h) refuses a
// segment whose sha256 differs from the digest it was given. Production code
// cannot ask for a wrong digest; these helpers make one in an already built
// purgatory segment, so the purgatory must print its mismatch line and halt.
//
// Users: kexec/verify/write_handoff_segments.cc (the bare QEMU test) and the
// testonly CLI variant e2e/fdt_handoff_corrupt_main.cc (the e2e run
// fdt-handoff-verify-corrupt), which wraps the real syscalls:
//
//   CorruptingKexecSyscalls sys(LinuxKexecSyscalls(), SegmentRole::kInitrd);
//   RETURN_IF_ERROR(LoadSegments(sys, entry, segments));  // digest flipped
#ifndef KEXEC_VERIFY_PURGATORY_TESTING_H_
#define KEXEC_VERIFY_PURGATORY_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "kexec/plan.h"
#include "kexec/syscall.h"

namespace fdt_handoff {

// CorruptVerifyDigest()
//
// Flips the lowest bit of the first byte of region `region`'s expected
// sha256 in `purgatory`, a segment built by BuildVerifyPurgatory().
//
// Returns:
//   kInvalidArgument  `purgatory` is not a verifying purgatory segment (wrong
//                     size), or `region` is not below its region count.
absl::Status CorruptVerifyDigest(size_t region, absl::Span<uint8_t> purgatory);

// CorruptSegmentDigest()
//
// CorruptVerifyDigest() for the region of the segment with `role` in
// `segments` (the purgatory's regions are the other segments, in order; the
// purgatory is the last segment). Returns the corrupted region's index.
//
// Returns:
//   kInvalidArgument  no purgatory segment last, no segment with `role`, or
//                     `role` is the purgatory; the codes of
//                     CorruptVerifyDigest().
absl::StatusOr<size_t> CorruptSegmentDigest(
    const std::vector<LoadSegment>& segments, SegmentRole role,
    absl::Span<uint8_t> purgatory);

// CorruptingKexecSyscalls
//
// Forwards to `real`, except that Load() passes a copy of the purgatory
// segment with the digest of the `role` segment corrupted. If that is
// impossible (see CorruptSegmentDigest()) Load() returns EINVAL without
// calling `real`, and last_error() says why.
class CorruptingKexecSyscalls : public KexecSyscalls {
 public:
  CorruptingKexecSyscalls(std::unique_ptr<KexecSyscalls> real,
                          SegmentRole role);

  int Load(uint64_t entry, const std::vector<LoadSegment>& segments) override;
  int Reboot() override;

  // The corrupted region of the last successful Load(), if any.
  absl::optional<size_t> corrupted_region() const { return corrupted_region_; }
  // Why the last Load() refused, OK otherwise.
  const absl::Status& last_error() const { return last_error_; }

 private:
  std::unique_ptr<KexecSyscalls> real_;
  SegmentRole role_;
  std::vector<uint8_t> purgatory_;  // The corrupted copy the kernel reads.
  absl::optional<size_t> corrupted_region_;
  absl::Status last_error_;
};

}  // namespace fdt_handoff

#endif  // KEXEC_VERIFY_PURGATORY_TESTING_H_
