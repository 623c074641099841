/* File: kexec/verify/purgatory_sha256.h
 *
 * SHA-256 (FIPS 180-4) for the verifying purgatory: freestanding C, no libc,
 * no globals that need relocating. The same file is linked into a tiny
 * static aarch64 Linux program (sha256_vectors_main.c) so that the code the
 * purgatory runs is also executed, under qemu-aarch64-static, against known
 * vectors and against sha256sum.
 *
 * It is written for memory that, with the MMU off, is Device-nGnRnE: every
 * access must be naturally aligned or it faults. Input whose address is
 * 8-byte aligned is read with aligned 64-bit loads (eight per block instead
 * of sixty-four byte loads: uncached reads are what the purgatory spends its
 * time on); anything else is read one byte at a time. Nothing here assumes
 * more alignment than the compiler was told about (-mstrict-align).
 */
#ifndef KEXEC_VERIFY_PURGATORY_SHA256_H_
#define KEXEC_VERIFY_PURGATORY_SHA256_H_

#include <stddef.h>
#include <stdint.h>

#define PURGATORY_SHA256_DIGEST_SIZE 32

struct purgatory_sha256 {
  uint32_t state[8];
  uint64_t total_bytes;
  uint8_t pending[64]; /* a partial block, total_bytes % 64 bytes of it */
};

/* The 64 round constants K of FIPS 180-4 4.2.2, 16-byte aligned; shared
 * with the host's hardware-accelerated path so the table exists once. */
extern const uint32_t purgatory_sha256_round_constants[64];

void purgatory_sha256_init(struct purgatory_sha256 *ctx);
void purgatory_sha256_update(struct purgatory_sha256 *ctx, const uint8_t *data,
                             uint64_t length);
void purgatory_sha256_final(struct purgatory_sha256 *ctx,
                            uint8_t digest[PURGATORY_SHA256_DIGEST_SIZE]);

#endif /* KEXEC_VERIFY_PURGATORY_SHA256_H_ */
