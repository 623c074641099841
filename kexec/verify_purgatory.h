// File: kexec/verify_purgatory.h
//
// The verifying purgatory (`--verify`, off by default): before it enters the
// kernel, it computes the sha256 of every other segment as it lies in memory
// and compares it with the digest computed here. On a mismatch it prints
// one line (wrapped here; it ends in "\r\n") to the UART the new DTB's
// /chosen/stdout-path names,
//
//   fdt-handoff purgatory: sha256 mismatch in segment 1 [0x42200000+0x1000];
//   halting
//
// and halts in a `wfe` loop: it never continues into a corrupt kernel, and
// is never silent when there is a UART.
//
// On success it prints "fdt-handoff purgatory: N segments verified" and does
// what the plain purgatory (kexec/purgatory.h) does: x0 = DTB, x1..x3 = 0,
// branch to the kernel entry. Segment numbers are the rows of the plan's
// segment table (the purgatory is always the last, highest one).
//
// The code is freestanding C for aarch64 (kexec/verify/purgatory.c,
// entry.S, purgatory.lds), compiled by Debian's cross gcc at build time and
// embedded as bytes (kexec/verify/blob.h). The host fills in its config
// block; the layout below is pinned by static asserts in purgatory.c and
// here, and build_purgatory.sh checks the linked block's offset and size.
//
// Segment layout: [code | rodata | config block | pad | 4 KiB stack]. The
// stack sits at the end of the purgatory's own segment (the returned bytes
// include it as zeros), so nothing outside the planned segments is written.
//
//   ASSIGN_OR_RETURN(UartInfo uart, UartFromStdoutPath(final_tree));
//   ASSIGN_OR_RETURN(std::vector<uint8_t> segment,
//                    BuildVerifyPurgatory(entry, dtb, uart, regions));
//   // plan with purgatory_bytes = VerifyPurgatorySegmentSize()
#ifndef KEXEC_VERIFY_PURGATORY_H_
#define KEXEC_VERIFY_PURGATORY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// At most 15 regions: kexec_load takes 16 segments and one is the purgatory.
inline constexpr size_t kVerifyMaxRegions = 15;

// The config block: offsets from its start (VerifyPurgatoryConfigOffset()).
// All fields little-endian.
inline constexpr size_t kVerifyConfigKernelEntry = 0;   // u64
inline constexpr size_t kVerifyConfigDtbAddress = 8;    // u64
inline constexpr size_t kVerifyConfigUartBase = 16;     // u64
inline constexpr size_t kVerifyConfigUartKind = 24;     // u32: 0, 1, 2
inline constexpr size_t kVerifyConfigRegShift = 28;     // u32
inline constexpr size_t kVerifyConfigIoWidth = 32;      // u32: 1, 2, 4
inline constexpr size_t kVerifyConfigRegionCount = 36;  // u32
inline constexpr size_t kVerifyConfigRegions = 40;      // regions[15]:
inline constexpr size_t kVerifyRegionSize = 48;  // u64 address, u64 length,
                                                 // u8 sha256[32]
inline constexpr size_t kVerifyConfigSize =
    kVerifyConfigRegions + kVerifyMaxRegions * kVerifyRegionSize;  // 760

// The stack the purgatory uses, at the end of its own segment.
inline constexpr size_t kVerifyStackSize = 4096;

// UartInfo: where the purgatory prints, from the DTB.
struct UartInfo {
  // uart_kind in the config block. kPl011: DR at +0, FR at +0x18, waits
  // while FR.TXFF (bit 5); 32-bit accesses. k8250: THR at +0, LSR at
  // +(5 << reg_shift), waits for LSR.THRE (bit 5); io_width-byte accesses.
  // The purgatory gives up waiting after a million polls and writes anyway,
  // so a dead UART cannot keep it from halting.
  enum Kind { kNone = 0, kPl011 = 1, k8250 = 2 };

  uint64_t base = 0;  // Physical (CPU) address, through the buses' ranges.
  Kind kind = kNone;
  uint32_t reg_shift = 0;  // 8250: the reg-shift property (default 0).
  uint32_t io_width = 1;   // 8250: reg-io-width (default 1); PL011: 4.
  std::string node;        // The node stdout-path resolved to, raw.
  std::string note;        // Why kind is kNone (empty otherwise); DTB text
                           // in it is escaped (fdt/escape.h).
};

// UartFromStdoutPath()
//
// Resolves /chosen/stdout-path (or the older linux,stdout-path): drops any
// ":options" suffix, expands an alias through /aliases, and reads the
// node's first reg entry with its parent's #address-cells/#size-cells,
// translated to a CPU address through every enclosing bus's `ranges` (an
// empty `ranges` is the identity; a non-empty one is searched for the entry
// that covers the address). compatible "arm,pl011" is a PL011;
// "snps,dw-apb-uart", "ns16550a" or "ns16550" an 8250 with reg-shift and
// reg-io-width (1, 2 or 4). Any other compatible, or an unusable
// io-width, gives kind kNone with a note, not an error: verification still
// works, only the message has nowhere to go. Notes and error messages show
// the DTB's text (stdout-path, alias, node names, compatible) escaped.
//
// Returns:
//   kNotFound       no stdout-path; its alias is not in /aliases; no node at
//                   the path; the address is outside a bus's ranges.
//   kDataLoss       stdout-path is not a string; reg (or a ranges entry) is
//                   shorter than the cells say.
//   kUnimplemented  addresses of more than 2 cells (#address-cells 3, as on
//                   PCI), or a bus without `ranges` (not memory-mapped).
absl::StatusOr<UartInfo> UartFromStdoutPath(const Tree& dtb);

// DescribeUart(): "UART /soc/serial@5000000 at 0x5000000, 8250 reg-shift 2
// io-width 4", "UART /pl011@9000000 at 0x9000000, PL011", or "no UART:
// <note>; a mismatch halts without a message". The node path is escaped
// (fdt/escape.h's Escaped()): a newline or terminal escape in a DTB's node
// name is shown as \xNN, never sent raw.
std::string DescribeUart(const UartInfo& uart);

// VerifyRegion: one segment as the purgatory will find it in memory.
struct VerifyRegion {
  uint64_t address = 0;
  uint64_t length = 0;  // The segment's memsz: buffer plus zero fill.
  std::array<uint8_t, 32> sha256{};
};

// VerifyPurgatorySegmentSize()
//
// The bytes BuildVerifyPurgatory() returns: code, config block, padding and
// the 4 KiB stack. Give it to the planner as purgatory_bytes.
size_t VerifyPurgatorySegmentSize();

// VerifyPurgatoryConfigOffset(): where the config block starts in the
// segment (taken from the linked purgatory's symbol table at build time).
size_t VerifyPurgatoryConfigOffset();

// BuildVerifyPurgatory()
//
// The purgatory segment: the embedded blob with its config block filled in
// (kernel entry, DTB address, UART, regions in order) followed by zeros up
// to VerifyPurgatorySegmentSize(). It runs from any page-aligned address.
//
// Returns:
//   kInvalidArgument  more than 15 regions; an 8250 io_width other than 1,
//                     2 or 4, or a reg_shift above 16.
absl::StatusOr<std::vector<uint8_t>> BuildVerifyPurgatory(
    uint64_t kernel_entry, uint64_t dtb_address, const UartInfo& uart,
    const std::vector<VerifyRegion>& regions);

}  // namespace fdt_handoff

#endif  // KEXEC_VERIFY_PURGATORY_H_
