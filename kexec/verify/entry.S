/* File: kexec/verify/entry.S
 *
 * The verifying purgatory's first instruction is at offset 0 of its segment,
 * which is kexec_load's entry point. machine_kexec() arrives here with the
 * MMU and caches off, interrupts masked, at EL2 or EL1 (x0..x3 carry
 * nothing for kexec_load: "kimage->start points to purgatory assuming that
 * kernel entry and dtb address are embedded in purgatory by userspace",
 * arch/arm64/kernel/machine_kexec.c).
 *
 *  1. Turn the I-cache on (booting.rst allows it if invalidated first):
 *     with it off every instruction of the hash loop is an uncached fetch.
 *     The D-cache cannot help with the MMU off. SCTLR is saved in x19 and
 *     restored, I-cache invalidated again, before the kernel is entered, so
 *     the kernel gets exactly the state machine_kexec() gave us.
 *  2. sp = the top of the 4 KiB stack the linker script reserves after the
 *     blob, inside this segment (the host pads the segment to include it).
 *  3. verify_main(&verify_config): returns only if every digest matched
 *     (on a mismatch it prints to the UART and halts).
 *  4. booting.rst: x0 = physical address of the DTB, x1 = x2 = x3 = 0, then
 *     branch to the kernel image's entry.
 *
 * Everything is PC-relative (adr, bl): the blob runs at any address.
 */
#define SCTLR_I (1 << 12)

  .section .text.entry, "ax", %progbits
  .global _start
  .type _start, %function
_start:
  mrs x20, CurrentEL
  ubfx x20, x20, #2, #2           /* x20 = exception level */
  cmp x20, #2
  b.eq 1f
  mrs x19, sctlr_el1
  b 2f
1:
  mrs x19, sctlr_el2
2:
  ic iallu
  dsb nsh
  isb
  orr x9, x19, #SCTLR_I
  cmp x20, #2
  b.eq 3f
  msr sctlr_el1, x9
  b 4f
3:
  msr sctlr_el2, x9
4:
  isb

  adr x9, __stack_top
  mov sp, x9
  adr x0, verify_config
  bl verify_main                  /* preserves x19, x20 (AAPCS64) */

  cmp x20, #2
  b.eq 5f
  msr sctlr_el1, x19
  b 6f
5:
  msr sctlr_el2, x19
6:
  isb
  ic iallu
  dsb nsh
  isb

  adr x9, verify_config
  ldr x4, [x9, #0]                /* kernel_entry */
  ldr x0, [x9, #8]                /* dtb_address */
  mov x1, xzr
  mov x2, xzr
  mov x3, xzr
  br x4
  .size _start, . - _start
