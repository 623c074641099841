// File: kexec/verify/sha256.h
//
// SHA-256 (FIPS 180-4) on the host: the digests the verifying purgatory
// compares against. Two engines compute the same function:
//
//   kPortable  the purgatory's own freestanding implementation
//              (purgatory_sha256.c), built for the host as well, so the
//              digests can be computed by the very code that checks them;
//   kArmv8     the ARMv8 Cryptographic Extension's SHA256H/SHA256H2/
//              SHA256SU0/SU1 instructions (FEAT_SHA256), on aarch64 CPUs whose
//              kernel reports HWCAP_SHA2. Used for whole 64-byte blocks only;
//              partial blocks and the padding go through kPortable on the
//              same state. `fdt-handoff load --verify` hashes ~40 MiB: on a
//              board, and far more under QEMU's TCG (one helper call per
//              instruction instead of ~2,000 emulated ones per block), the
//              instructions are what make that cheap.
//
// Sha256() picks the fastest engine the CPU has. The tests run both engines
// against the FIPS 180-2 examples, sha256sum and each other on the host and
// (for kArmv8) the aarch64 build under qemu-aarch64-static.
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
#include <vector>

#include "absl/types/span.h"

extern "C" {
#include "kexec/verify/purgatory_sha256.h"
}

namespace fdt_handoff {

inline constexpr size_t kSha256DigestSize = 32;
using Sha256Digest = std::array<uint8_t, kSha256DigestSize>;

// Sha256Engine: how the 64-byte blocks are compressed (see the overview).
enum class Sha256Engine { kPortable, kArmv8 };

// The engines this CPU can run: kPortable always, then kArmv8 on aarch64
// when getauxval(AT_HWCAP) has HWCAP_SHA2.
std::vector<Sha256Engine> AvailableSha256Engines();

// The last of AvailableSha256Engines(): what Sha256() uses.
Sha256Engine FastestSha256Engine();

// "portable" or "armv8".
const char* Sha256EngineName(Sha256Engine engine);

// Sha256
//
// Streaming hasher. Finish() may be called once; the object is spent after.
class Sha256 {
 public:
  // With FastestSha256Engine().
  Sha256();
  // With `engine` if the CPU has it, else kPortable; engine() says which.
  explicit Sha256(Sha256Engine engine);

  Sha256Engine engine() const { return engine_; }

  void Update(absl::Span<const uint8_t> data);
  // Update() with `count` zero bytes, without allocating them.
  void UpdateZeros(uint64_t count);
  Sha256Digest Finish();

 private:
  // The purgatory's own state: its update() and final() handle partial
  // blocks and padding for both engines; kArmv8 only takes over whole
  // blocks, on the same state words.
  purgatory_sha256 ctx_;
  Sha256Engine engine_;
};

// Sha256Of(): the digest of `data`.
Sha256Digest Sha256Of(absl::Span<const uint8_t> data);

// ToHex(): lowercase hex, as sha256sum prints it.
std::string ToHex(const Sha256Digest& digest);

}  // namespace fdt_handoff

#endif  // KEXEC_VERIFY_SHA256_H_
