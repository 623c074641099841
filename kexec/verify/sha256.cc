#include "kexec/verify/sha256.h"

#include <algorithm>

namespace fdt_handoff {

// purgatory_sha256.c reads aligned input as little-endian 64-bit words; the
// hosts we build for (x86_64, aarch64) are little-endian like the purgatory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "purgatory_sha256.c assumes a little-endian CPU");

Sha256::Sha256() { purgatory_sha256_init(&ctx_); }

void Sha256::Update(absl::Span<const uint8_t> data) {
  purgatory_sha256_update(&ctx_, data.data(), data.size());
}

void Sha256::UpdateZeros(uint64_t count) {
  // 8-byte aligned, so the word-at-a-time path is taken.
  alignas(8) static constexpr std::array<uint8_t, 4096> kZeros{};
  while (count > 0) {
    const uint64_t n = std::min<uint64_t>(count, kZeros.size());
    purgatory_sha256_update(&ctx_, kZeros.data(), n);
    count -= n;
  }
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out;
  purgatory_sha256_final(&ctx_, out.data());
  return out;
}

Sha256Digest Sha256Of(absl::Span<const uint8_t> data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

std::string ToHex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace fdt_handoff
