// File: kexec/verify/sha256.h
//
// SHA-256 (FIPS 180-4) on the host: the digests the verifying purgatory
// compares against. A C++ face on the purgatory's own freestanding
// implementation (purgatory_sha256.c), built for the host as well, so the
// digests are computed and checked by the same code; the tests run it
// against the FIPS 180-2 examples and sha256sum on the host, and the
// aarch64 build of it under qemu-aarch64-static.
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

extern "C" {
#include "kexec/verify/purgatory_sha256.h"
}

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
  // The purgatory's own implementation: the digests the host computes and
  // the ones the purgatory checks come from the same code.
  purgatory_sha256 ctx_;
};

// Sha256Of(): the digest of `data`.
Sha256Digest Sha256Of(absl::Span<const uint8_t> data);

// ToHex(): lowercase hex, as sha256sum prints it.
std::string ToHex(const Sha256Digest& digest);

}  // namespace fdt_handoff

#endif  // KEXEC_VERIFY_SHA256_H_
