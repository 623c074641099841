/* File: kexec/verify/fake_kernel.S
 *
 * A stand-in kernel for qemu_virt_test.sh: proves that the verifying
 * purgatory entered it, with what registers. Prints
 *
 *   fake kernel: x0=0x<hex> x1=0x<hex> x2=0x<hex> x3=0x<hex> el=<n>
 *
 * on QEMU virt's PL011 (0x9000000, already usable without setup under
 * QEMU), then powers the machine off with PSCI SYSTEM_OFF (hvc from EL1,
 * smc from EL2, as QEMU's built-in PSCI expects).
 */
#define UART_DR 0x9000000
#define UART_FR 0x9000018

  .section .text, "ax", %progbits
  .global _start
_start:
  mov x19, x0
  mov x20, x1
  mov x21, x2
  mov x22, x3
  mrs x23, CurrentEL
  ubfx x23, x23, #2, #2

  adr x0, banner
  bl puts
  adr x0, s_x0
  bl puts
  mov x0, x19
  bl puthex
  adr x0, s_x1
  bl puts
  mov x0, x20
  bl puthex
  adr x0, s_x2
  bl puts
  mov x0, x21
  bl puthex
  adr x0, s_x3
  bl puts
  mov x0, x22
  bl puthex
  adr x0, s_el
  bl puts
  add x0, x23, #'0'
  bl putc
  adr x0, s_end
  bl puts

  movz x0, #0x0008
  movk x0, #0x8400, lsl #16         /* PSCI SYSTEM_OFF */
  cmp x23, #2
  b.eq 1f
  hvc #0
  b 2f
1:
  smc #0
2:
  wfe
  b 2b

/* putc(x0): waits while FR.TXFF, writes DR. Clobbers x9, x10. */
putc:
  movz x9, #(UART_FR & 0xffff)
  movk x9, #(UART_FR >> 16), lsl #16
3:
  ldr w10, [x9]
  tbnz w10, #5, 3b
  movz x9, #(UART_DR & 0xffff)
  movk x9, #(UART_DR >> 16), lsl #16
  str w0, [x9]
  ret

/* puts(x0 = NUL-terminated string). Clobbers x0, x9..x12. */
puts:
  mov x12, x30
  mov x11, x0
4:
  ldrb w0, [x11], #1
  cbz w0, 5f
  bl putc
  b 4b
5:
  mov x30, x12
  ret

/* puthex(x0): "0x" and 16 hex digits. Clobbers x0, x9..x14. */
puthex:
  mov x14, x30
  mov x13, x0
  mov x0, #'0'
  bl putc
  mov x0, #'x'
  bl putc
  mov x12, #60
6:
  lsr x0, x13, x12
  and x0, x0, #0xf
  cmp x0, #10
  b.lo 7f
  add x0, x0, #('a' - 10 - '0')
7:
  add x0, x0, #'0'
  bl putc
  subs x12, x12, #4
  b.pl 6b
  mov x30, x14
  ret

banner: .asciz "fake kernel:"
s_x0: .asciz " x0="
s_x1: .asciz " x1="
s_x2: .asciz " x2="
s_x3: .asciz " x3="
s_el: .asciz " el="
s_end: .asciz "\r\n"
