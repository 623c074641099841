/* File: kexec/verify/sha256_vectors_main.c
 *
 * A static aarch64 Linux program around the purgatory's own sha256
 * (purgatory_sha256.c, compiled with the purgatory's code-generation flags)
 * so the exact code the purgatory runs can be executed under
 * qemu-aarch64-static (sha256_qemu_test.sh):
 *
 *   sha256_vectors            checks the FIPS 180-2 examples, with the input
 *                             at every alignment and in uneven pieces (both
 *                             the aligned 64-bit and the byte load path);
 *                             prints "ok" or the failures, exit 0/1
 *   sha256_vectors FILE...    prints "<hex>  FILE" lines, as sha256sum does
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexec/verify/purgatory_sha256.h"

static void Hex(const uint8_t digest[32], char out[65]) {
  for (int i = 0; i < 32; ++i) sprintf(out + 2 * i, "%02x", digest[i]);
}

/* Hashes `data` placed at `offset` bytes past an 8-byte aligned address,
 * fed in pieces of `piece` bytes (0: all at once). */
static void Digest(const uint8_t *data, size_t size, size_t offset,
                   size_t piece, char hex[65]) {
  uint8_t *buffer = aligned_alloc(8, ((size + offset) / 8 + 1) * 8);
  memcpy(buffer + offset, data, size);
  struct purgatory_sha256 ctx;
  purgatory_sha256_init(&ctx);
  if (piece == 0) piece = size;
  for (size_t done = 0; done < size;) {
    const size_t n = size - done < piece ? size - done : piece;
    purgatory_sha256_update(&ctx, buffer + offset + done, n);
    done += n;
  }
  uint8_t digest[32];
  purgatory_sha256_final(&ctx, digest);
  Hex(digest, hex);
  free(buffer);
}

static int CheckVectors(void) {
  static const char kMillionA[] = "(one million 'a')";
  static const struct {
    const char *message;
    const char *digest;
  } kVectors[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmn"
       "opjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {kMillionA,
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  static const size_t kPieces[] = {0, 1, 7, 63, 64, 65, 1000};
  uint8_t *million = malloc(1000000);
  memset(million, 'a', 1000000);
  int failures = 0, checks = 0;
  for (size_t v = 0; v < sizeof(kVectors) / sizeof(kVectors[0]); ++v) {
    const int is_million = kVectors[v].message == kMillionA;
    const uint8_t *data =
        is_million ? million : (const uint8_t *)kVectors[v].message;
    const size_t size = is_million ? 1000000 : strlen(kVectors[v].message);
    for (size_t offset = 0; offset < 8; ++offset) {
      for (size_t p = 0; p < sizeof(kPieces) / sizeof(kPieces[0]); ++p) {
        char hex[65];
        Digest(data, size, offset, kPieces[p], hex);
        ++checks;
        if (strcmp(hex, kVectors[v].digest) != 0) {
          printf("FAIL vector %zu offset %zu piece %zu: %s, want %s\n", v,
                 offset, kPieces[p], hex, kVectors[v].digest);
          ++failures;
        }
      }
    }
  }
  free(million);
  if (failures == 0) printf("ok: %d checks\n", checks);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 1) return CheckVectors();
  for (int i = 1; i < argc; ++i) {
    FILE *f = fopen(argv[i], "rb");
    if (f == NULL) {
      perror(argv[i]);
      return 1;
    }
    struct purgatory_sha256 ctx;
    purgatory_sha256_init(&ctx);
    static uint8_t buffer[1 << 16];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), f)) > 0) {
      purgatory_sha256_update(&ctx, buffer, n);
    }
    fclose(f);
    uint8_t digest[32];
    char hex[65];
    purgatory_sha256_final(&ctx, digest);
    Hex(digest, hex);
    printf("%s  %s\n", hex, argv[i]);
  }
  return 0;
}
