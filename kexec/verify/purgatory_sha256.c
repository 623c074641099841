/* File: kexec/verify/purgatory_sha256.c
 *
 * SHA-256 as specified in FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1, 6.2),
 * written for the purgatory: see purgatory_sha256.h for the constraints.
 */
#include "kexec/verify/purgatory_sha256.h"

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. Not static: the host's ARMv8 SHA-256 path
 * (sha256.cc) loads the same table; in the purgatory -fvisibility=hidden
 * keeps references to it PC-relative. 16-byte aligned for those 128-bit
 * loads. The price: gcc folds the constants into the unrolled rounds as
 * immediates either way (same purgatory code), but an exported table is
 * also kept, 256 bytes more in the blob (10,488 -> 10,744 bytes). */
__attribute__((aligned(16)))
const uint32_t purgatory_sha256_round_constants[64] = {
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

/* A 64-bit load the compiler may not assume anything about beyond what the
 * type says: used only on 8-byte aligned addresses. may_alias because the
 * bytes being hashed are not C objects of this type. */
typedef uint64_t __attribute__((may_alias, aligned(8))) aligned_u64;

static uint32_t RotateRight(uint32_t x, unsigned n) {
  return (x >> n) | (x << (32 - n));
}

/* The message is big-endian (FIPS 180-4 3.1: "the most significant byte
 * ... stored in the left-most byte position"); the CPU is little-endian. */
static uint32_t SwapBytes32(uint32_t x) {
  return (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
}

static void LoadBlockWords(const uint8_t *block, uint32_t words[16]) {
  if (((uintptr_t)block & 7) == 0) {
    const aligned_u64 *p = (const aligned_u64 *)block;
    for (int i = 0; i < 8; ++i) {
      const uint64_t v = p[i]; /* bytes 8i..8i+7, little-endian */
      words[2 * i] = SwapBytes32((uint32_t)v);
      words[2 * i + 1] = SwapBytes32((uint32_t)(v >> 32));
    }
    return;
  }
  for (int i = 0; i < 16; ++i) {
    words[i] = ((uint32_t)block[4 * i] << 24) |
               ((uint32_t)block[4 * i + 1] << 16) |
               ((uint32_t)block[4 * i + 2] << 8) | (uint32_t)block[4 * i + 3];
  }
}

/* FIPS 180-4 6.2.2, with the message schedule kept as a 16-word ring
 * (W[t] only ever needs W[t-2], W[t-7], W[t-15], W[t-16]).
 *
 * With the MMU off, the stack and the constant table are uncached Device
 * memory like everything else, so what costs is data accesses, not
 * instructions (those come from the I-cache entry.S turns on). Fully
 * unrolled, every ring index and round constant is a compile-time constant:
 * the ring lives in registers and the constants become mov/movk pairs.
 * Together with -fno-schedule-insns (the pre-allocation scheduler otherwise
 * raises register pressure into spills; see build_purgatory.sh) that is
 * about 90 data accesses per 64-byte block instead of about 340. */
static void Compress(uint32_t state[8], const uint8_t *block) {
  uint32_t w[16];
  LoadBlockWords(block, w);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
#pragma GCC unroll 64
  for (int t = 0; t < 64; ++t) {
    if (t >= 16) {
      const uint32_t w15 = w[(t - 15) & 15];
      const uint32_t w2 = w[(t - 2) & 15];
      const uint32_t sigma0 =
          RotateRight(w15, 7) ^ RotateRight(w15, 18) ^ (w15 >> 3);
      const uint32_t sigma1 =
          RotateRight(w2, 17) ^ RotateRight(w2, 19) ^ (w2 >> 10);
      w[t & 15] += sigma0 + w[(t - 7) & 15] + sigma1;
    }
    const uint32_t big_sigma1 =
        RotateRight(e, 6) ^ RotateRight(e, 11) ^ RotateRight(e, 25);
    const uint32_t choose = (e & f) ^ (~e & g);
    const uint32_t t1 =
        h + big_sigma1 + choose + purgatory_sha256_round_constants[t] + w[t & 15];
    const uint32_t big_sigma0 =
        RotateRight(a, 2) ^ RotateRight(a, 13) ^ RotateRight(a, 22);
    const uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    const uint32_t t2 = big_sigma0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

void purgatory_sha256_init(struct purgatory_sha256 *ctx) {
  /* FIPS 180-4 5.3.3: square roots of the first eight primes. */
  ctx->state[0] = 0x6a09e667;
  ctx->state[1] = 0xbb67ae85;
  ctx->state[2] = 0x3c6ef372;
  ctx->state[3] = 0xa54ff53a;
  ctx->state[4] = 0x510e527f;
  ctx->state[5] = 0x9b05688c;
  ctx->state[6] = 0x1f83d9ab;
  ctx->state[7] = 0x5be0cd19;
  ctx->total_bytes = 0;
}

void purgatory_sha256_update(struct purgatory_sha256 *ctx, const uint8_t *data,
                             uint64_t length) {
  unsigned used = (unsigned)(ctx->total_bytes & 63);
  ctx->total_bytes += length;
  if (used != 0) {
    while (used < 64 && length > 0) {
      ctx->pending[used++] = *data++;
      --length;
    }
    if (used < 64) return;
    Compress(ctx->state, ctx->pending);
  }
  /* Whole blocks straight from memory: no copy through the stack. */
  for (; length >= 64; data += 64, length -= 64) Compress(ctx->state, data);
  for (unsigned i = 0; i < length; ++i) ctx->pending[i] = data[i];
}

void purgatory_sha256_final(struct purgatory_sha256 *ctx,
                            uint8_t digest[PURGATORY_SHA256_DIGEST_SIZE]) {
  /* FIPS 180-4 5.1.1: a 1 bit, zeros up to 56 mod 64, the length in bits
   * as a big-endian 64-bit number. */
  const uint64_t bits = ctx->total_bytes * 8;
  const uint8_t one = 0x80;
  const uint8_t zero = 0;
  purgatory_sha256_update(ctx, &one, 1);
  while ((ctx->total_bytes & 63) != 56) purgatory_sha256_update(ctx, &zero, 1);
  uint8_t length_be[8];
  for (int i = 0; i < 8; ++i) length_be[i] = (uint8_t)(bits >> (56 - 8 * i));
  purgatory_sha256_update(ctx, length_be, 8);
  for (int i = 0; i < 8; ++i) {
    digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)ctx->state[i];
  }
}
