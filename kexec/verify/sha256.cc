#include "kexec/verify/sha256.h"

#include <algorithm>

namespace fdt_handoff {
namespace {

// FIPS 180-4 4.2.2.
constexpr std::array<uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 5.3.3.
constexpr std::array<uint32_t, 8> kInitialState = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

constexpr uint32_t Rotr(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

// FIPS 180-4 3.1: words are big-endian in the message.
uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

Sha256::Sha256() : state_(kInitialState) {}

// FIPS 180-4 6.2.2, steps 1-4, with the full 64-word schedule.
void Sha256::CompressBlock(const uint8_t* block) {
  std::array<uint32_t, 64> w;
  for (int t = 0; t < 16; ++t) w[t] = LoadBe32(block + 4 * t);
  for (int t = 16; t < 64; ++t) {
    const uint32_t s0 =
        Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 =
        Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (int t = 0; t < 64; ++t) {
    const uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) +
                        ((e & f) ^ (~e & g)) + kK[t] + w[t];
    const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) +
                        ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  // Named variables, not an array rotated each round: the compiler keeps
  // them in registers (about three times faster, which the host pays for
  // every byte of kernel and initrd when --verify is on).
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

void Sha256::Absorb(const uint8_t* data, size_t size) {
  total_bytes_ += size;
  while (size > 0) {
    if (block_used_ == 0 && size >= block_.size()) {
      CompressBlock(data);
      data += block_.size();
      size -= block_.size();
      continue;
    }
    const size_t n = std::min(size, block_.size() - block_used_);
    std::copy(data, data + n, block_.begin() + block_used_);
    block_used_ += n;
    data += n;
    size -= n;
    if (block_used_ == block_.size()) {
      CompressBlock(block_.data());
      block_used_ = 0;
    }
  }
}

void Sha256::Update(absl::Span<const uint8_t> data) {
  Absorb(data.data(), data.size());
}

void Sha256::UpdateZeros(uint64_t count) {
  static constexpr std::array<uint8_t, 4096> kZeros{};
  while (count > 0) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(count, kZeros.size()));
    Absorb(kZeros.data(), n);
    count -= n;
  }
}

Sha256Digest Sha256::Finish() {
  // FIPS 180-4 5.1.1: 0x80, zeros to 56 mod 64, the bit length (64-bit BE).
  const uint64_t bits = total_bytes_ * 8;
  std::array<uint8_t, 72> pad{};
  pad[0] = 0x80;
  const size_t zeros = (block_used_ < 56 ? 56 : 120) - block_used_ - 1;
  for (int i = 0; i < 8; ++i) {
    pad[1 + zeros + i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  }
  Absorb(pad.data(), 1 + zeros + 8);
  Sha256Digest out;
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) {
      out[4 * i + j] = static_cast<uint8_t>(state_[i] >> (24 - 8 * j));
    }
  }
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
