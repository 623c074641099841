#include "kexec/verify/sha256.h"

#include <algorithm>

#if defined(__aarch64__)
#include <arm_neon.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace fdt_handoff {

// purgatory_sha256.c reads aligned input as little-endian 64-bit words; the
// hosts we build for (x86_64, aarch64) are little-endian like the purgatory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "purgatory_sha256.c assumes a little-endian CPU");

namespace {

#if defined(__aarch64__)

// FIPS 180-4 4.2.2, the purgatory's table (purgatory_sha256.h).
constexpr const uint32_t* kRoundConstants = purgatory_sha256_round_constants;

bool CpuHasSha256Instructions() {
  return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
}

// `blocks` 64-byte blocks from `data` (any alignment: NEON loads are
// unaligned-safe in normal memory) into `state` (a..h), with the ARMv8
// SHA-256 instructions. Each SHA256H/SHA256H2 pair does four rounds on
// ABCD/EFGH; SHA256SU0/SU1 extend the schedule four words at a time (Arm
// ARM, "SHA256H, SHA256H2, SHA256SU0, SHA256SU1"). `target` lets the
// compiler emit them in this function only: the rest of the binary runs on
// any ARMv8-A CPU, and this one only after the HWCAP check.
__attribute__((target("+crypto"))) void Armv8Blocks(uint32_t state[8],
                                                   const uint8_t* data,
                                                   uint64_t blocks) {
  uint32x4_t abcd = vld1q_u32(state);
  uint32x4_t efgh = vld1q_u32(state + 4);
  for (; blocks > 0; --blocks, data += 64) {
    const uint32x4_t abcd_in = abcd;
    const uint32x4_t efgh_in = efgh;
    // The message words are big-endian (FIPS 180-4 3.1).
    uint32x4_t w[4];
    for (int i = 0; i < 4; ++i) {
      w[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data + 16 * i)));
    }
#pragma GCC unroll 16
    for (int group = 0; group < 16; ++group) {
      uint32x4_t& cur = w[group & 3];
      const uint32x4_t wk = vaddq_u32(cur, vld1q_u32(kRoundConstants + 4 * group));
      const uint32x4_t abcd_before = abcd;
      abcd = vsha256hq_u32(abcd, efgh, wk);
      efgh = vsha256h2q_u32(efgh, abcd_before, wk);
      if (group < 12) {  // W[16..63]: this group's slot gets W[t+16..t+19].
        cur = vsha256su1q_u32(vsha256su0q_u32(cur, w[(group + 1) & 3]),
                              w[(group + 2) & 3], w[(group + 3) & 3]);
      }
    }
    abcd = vaddq_u32(abcd, abcd_in);
    efgh = vaddq_u32(efgh, efgh_in);
  }
  vst1q_u32(state, abcd);
  vst1q_u32(state + 4, efgh);
}

#else

bool CpuHasSha256Instructions() { return false; }

void Armv8Blocks(uint32_t*, const uint8_t*, uint64_t) {}  // Never called.

#endif

// The instructions' engine, checked once.
bool HaveArmv8() {
  static const bool have = CpuHasSha256Instructions();
  return have;
}

}  // namespace

std::vector<Sha256Engine> AvailableSha256Engines() {
  std::vector<Sha256Engine> out = {Sha256Engine::kPortable};
  if (HaveArmv8()) out.push_back(Sha256Engine::kArmv8);
  return out;
}

Sha256Engine FastestSha256Engine() { return AvailableSha256Engines().back(); }

const char* Sha256EngineName(Sha256Engine engine) {
  return engine == Sha256Engine::kArmv8 ? "armv8" : "portable";
}

Sha256::Sha256() : Sha256(FastestSha256Engine()) {}

Sha256::Sha256(Sha256Engine engine)
    : engine_(engine == Sha256Engine::kArmv8 && HaveArmv8()
                  ? Sha256Engine::kArmv8
                  : Sha256Engine::kPortable) {
  purgatory_sha256_init(&ctx_);
}

void Sha256::Update(absl::Span<const uint8_t> data) {
  const uint8_t* p = data.data();
  uint64_t n = data.size();
  if (engine_ == Sha256Engine::kArmv8) {
    // Complete a pending partial block through the portable code, then take
    // the whole blocks; the tail becomes the new partial block.
    const uint64_t used = ctx_.total_bytes & 63;
    if (used != 0) {
      const uint64_t fill = std::min<uint64_t>(n, 64 - used);
      purgatory_sha256_update(&ctx_, p, fill);
      p += fill;
      n -= fill;
    }
    const uint64_t blocks = n / 64;
    if (blocks > 0) {
      Armv8Blocks(ctx_.state, p, blocks);
      ctx_.total_bytes += blocks * 64;
      p += blocks * 64;
      n -= blocks * 64;
    }
  }
  purgatory_sha256_update(&ctx_, p, n);
}

void Sha256::UpdateZeros(uint64_t count) {
  // 8-byte aligned, so the portable engine takes its word-at-a-time path.
  alignas(8) static constexpr std::array<uint8_t, 4096> kZeros{};
  while (count > 0) {
    const uint64_t n = std::min<uint64_t>(count, kZeros.size());
    Update(absl::MakeConstSpan(kZeros.data(), n));
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
