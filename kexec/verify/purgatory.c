/* File: kexec/verify/purgatory.c
 *
 * The verifying purgatory's C half (entry.S calls verify_main()). It runs
 * after machine_kexec() has copied every segment into place and turned the
 * MMU off, so: no libc, no heap, no globals but the config block, every
 * data access is to Device-nGnRnE memory (aligned only: -mstrict-align), and
 * the code must run from wherever the planner put the segment (position
 * independent, no relocations: build_purgatory.sh checks the object file).
 *
 * It hashes each region the host described and compares the result with
 * the digest the host computed over the same bytes (the buffer plus the
 * zero fill up to memsz, which is exactly what the kernel leaves in
 * memory). kexec-tools' purgatory loops forever on a mismatch without a
 * word (purgatory/purgatory.c); here a mismatch is printed to the UART that
 * the new DTB's /chosen/stdout-path names, and then the CPU halts: it never
 * continues into a kernel, initrd or DTB that is not what was loaded.
 *
 * The config block layout is shared with kexec/verify_purgatory.h (the
 * kVerifyConfig* offsets); the static asserts below pin it. All fields are
 * little-endian, as the CPU is.
 */
#include <stddef.h>
#include <stdint.h>

#include "kexec/verify/purgatory_sha256.h"

#define MAX_REGIONS 15

enum uart_kind { UART_NONE = 0, UART_PL011 = 1, UART_8250 = 2 };

struct verify_region {
  uint64_t address;
  uint64_t length;
  uint8_t sha256[PURGATORY_SHA256_DIGEST_SIZE];
};

struct verify_config {
  uint64_t kernel_entry;
  uint64_t dtb_address;
  uint64_t uart_base;
  uint32_t uart_kind;
  uint32_t reg_shift;
  uint32_t io_width;
  uint32_t region_count;
  struct verify_region regions[MAX_REGIONS];
};

_Static_assert(offsetof(struct verify_config, kernel_entry) == 0, "layout");
_Static_assert(offsetof(struct verify_config, dtb_address) == 8, "layout");
_Static_assert(offsetof(struct verify_config, uart_base) == 16, "layout");
_Static_assert(offsetof(struct verify_config, uart_kind) == 24, "layout");
_Static_assert(offsetof(struct verify_config, reg_shift) == 28, "layout");
_Static_assert(offsetof(struct verify_config, io_width) == 32, "layout");
_Static_assert(offsetof(struct verify_config, region_count) == 36, "layout");
_Static_assert(offsetof(struct verify_config, regions) == 40, "layout");
_Static_assert(sizeof(struct verify_region) == 48, "layout");
_Static_assert(offsetof(struct verify_region, sha256) == 16, "layout");
_Static_assert(sizeof(struct verify_config) == 40 + 15 * 48, "layout");

/* The block the host fills in. The linker script puts .config last in the
 * blob; build_purgatory.sh exports its offset. Not const and not static:
 * the compiler must not fold the zeros it is built with into the code. */
__attribute__((used, section(".config"), aligned(16)))
struct verify_config verify_config = {0};

/* --- UART --------------------------------------------------------------- */

/* How long to wait for room in the transmit FIFO before writing anyway: a
 * UART the old kernel left unclocked must not keep the purgatory from
 * reaching its halt. Polls, not time (there is no timer set up). */
#define UART_POLL_LIMIT 1000000u

/* PL011 (ARM DDI 0183): UARTDR at 0x00, UARTFR at 0x18, FR.TXFF is bit 5.
 * 32-bit accesses. */
#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

/* 8250/16550: THR is register 0, LSR register 5, LSR.THRE bit 5; register
 * n lives at n << reg_shift, accessed io_width bytes wide. */
#define UART8250_THR 0
#define UART8250_LSR 5
#define UART8250_LSR_THRE (1u << 5)

static uint32_t MmioRead(uint64_t address, uint32_t width) {
  if (width == 4) return *(volatile uint32_t *)(uintptr_t)address;
  if (width == 2) return *(volatile uint16_t *)(uintptr_t)address;
  return *(volatile uint8_t *)(uintptr_t)address;
}

static void MmioWrite(uint64_t address, uint32_t width, uint32_t value) {
  if (width == 4) {
    *(volatile uint32_t *)(uintptr_t)address = value;
  } else if (width == 2) {
    *(volatile uint16_t *)(uintptr_t)address = (uint16_t)value;
  } else {
    *(volatile uint8_t *)(uintptr_t)address = (uint8_t)value;
  }
}

static void PutChar(const struct verify_config *cfg, char c) {
  const uint64_t base = cfg->uart_base;
  if (cfg->uart_kind == UART_PL011) {
    for (uint32_t n = 0; n < UART_POLL_LIMIT; ++n) {
      if ((MmioRead(base + PL011_FR, 4) & PL011_FR_TXFF) == 0) break;
    }
    MmioWrite(base + PL011_DR, 4, (uint8_t)c);
  } else if (cfg->uart_kind == UART_8250) {
    const uint32_t shift = cfg->reg_shift;
    const uint32_t width = cfg->io_width;
    for (uint32_t n = 0; n < UART_POLL_LIMIT; ++n) {
      if (MmioRead(base + ((uint64_t)UART8250_LSR << shift), width) &
          UART8250_LSR_THRE) {
        break;
      }
    }
    MmioWrite(base + ((uint64_t)UART8250_THR << shift), width, (uint8_t)c);
  }
}

static void PutString(const struct verify_config *cfg, const char *s) {
  while (*s != '\0') PutChar(cfg, *s++);
}

/* "0x" and the hex digits, no leading zeros (as the host prints them). */
static void PutHex(const struct verify_config *cfg, uint64_t v) {
  PutString(cfg, "0x");
  int shift = 60;
  while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) {
    PutChar(cfg, "0123456789abcdef"[(v >> shift) & 0xf]);
  }
}

static void PutDecimal(const struct verify_config *cfg, uint32_t v) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) PutChar(cfg, digits[--n]);
}

/* Halting means never running the next kernel; wfe keeps the core quiet.
 * The loop, because a wfe can return on any event. */
static void __attribute__((noreturn)) Halt(void) {
  for (;;) __asm__ volatile("wfe" ::: "memory");
}

/* --- Verification ------------------------------------------------------- */

static int SameDigest(const uint8_t *a, const uint8_t *b) {
  uint8_t diff = 0;
  for (int i = 0; i < PURGATORY_SHA256_DIGEST_SIZE; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

/* Called by entry.S with the config block. Returns only when every region
 * matches; entry.S then enters the kernel. */
void verify_main(const struct verify_config *cfg) {
  const uint32_t count = cfg->region_count;
  if (count > MAX_REGIONS) {
    PutString(cfg, "fdt-handoff purgatory: bad config (");
    PutDecimal(cfg, count);
    PutString(cfg, " regions); halting\r\n");
    Halt();
  }
  for (uint32_t i = 0; i < count; ++i) {
    const struct verify_region *r = &cfg->regions[i];
    struct purgatory_sha256 ctx;
    uint8_t digest[PURGATORY_SHA256_DIGEST_SIZE];
    purgatory_sha256_init(&ctx);
    purgatory_sha256_update(&ctx, (const uint8_t *)(uintptr_t)r->address,
                            r->length);
    purgatory_sha256_final(&ctx, digest);
    if (!SameDigest(digest, r->sha256)) {
      PutString(cfg, "fdt-handoff purgatory: sha256 mismatch in segment ");
      PutDecimal(cfg, i);
      PutString(cfg, " [");
      PutHex(cfg, r->address);
      PutString(cfg, "+");
      PutHex(cfg, r->length);
      PutString(cfg, "]; halting\r\n");
      Halt();
    }
  }
  PutString(cfg, "fdt-handoff purgatory: ");
  PutDecimal(cfg, count);
  PutString(cfg, " segments verified\r\n");
}
