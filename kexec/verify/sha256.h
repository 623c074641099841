// File: kexec/verify/sha256.h
//
// SHA-256 (FIPS 180-4) on the host: the digests the verifying purgatory
// compares against. Our own implementation (the purgatory has its own,
// freestanding one in purgatory_sha256.c; both are tested against the
// FIPS 180-2 examples and against sha256sum, so they agree by testing, not
// by sharing code that must build in two very different worlds).
//
//   Sha256 h;
//   h.Update(buffer);
//   h.UpdateZeros(memsz - buffer.size());  // what the kernel zero-fills
//   std::array<uint8_t, 32> digest = h.Finish();
#ifndef KEXEC_VERIFY_SHA256_H_
#define KEXEC_VERIFY_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace fdt_handoff {

inline constexpr size_t kSha256DigestSize = 32;
using Sha256Digest = std::array<uint8_t, kSha256DigestSize>;

// Sha256
//
// Streaming hasher. Finish() may be called once; the object is spent after.
class Sha256 {
 public:
  Sha256();

  void Update(absl::Span<const uint8_t> data);
  // Update() with `count` zero bytes, without allocating them.
  void UpdateZeros(uint64_t count);
  Sha256Digest Finish();

 private:
  void CompressBlock(const uint8_t* block);
  void Absorb(const uint8_t* data, size_t size);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> block_{};
  size_t block_used_ = 0;
  uint64_t total_bytes_ = 0;
};

// Sha256Of(): the digest of `data`.
Sha256Digest Sha256Of(absl::Span<const uint8_t> data);

// ToHex(): lowercase hex, as sha256sum prints it.
std::string ToHex(const Sha256Digest& digest);

}  // namespace fdt_handoff

#endif  // KEXEC_VERIFY_SHA256_H_
