// File: kexec/purgatory.h
//
// The purgatory: the code kexec_load's entry point runs after the old kernel
// is gone. On arm64, machine_kexec() jumps to the entry with the MMU and
// caches off and, for kexec_load, x0 = 0: "kimage->start points to
// purgatory assuming that kernel entry and dtb address are embedded in
// purgatory by userspace" (arch/arm64/kernel/machine_kexec.c). So the
// purgatory must set up the boot protocol itself (booting.rst: "x0 =
// physical address of device tree blob (dtb) in system RAM; x1 = 0
// (reserved for future use); x2 = 0; x3 = 0") and branch to the kernel.
//
// The blob is position independent: two PC-relative literal loads read the
// 64-bit kernel entry and DTB address from named slots after the code. Its
// instruction words are data in purgatory.cc, each with its disassembly, so
// the bytes are reviewable and testable without an assembler.
#ifndef KEXEC_PURGATORY_H_
#define KEXEC_PURGATORY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fdt_handoff {

// Byte offsets of the patch slots inside the blob (each a little-endian u64).
inline constexpr size_t kPurgatoryKernelEntrySlot = 24;
inline constexpr size_t kPurgatoryDtbSlot = 32;
inline constexpr size_t kPurgatorySize = 40;

// BuildPurgatory()
//
// The purgatory with its slots patched. Cannot fail: any 64-bit addresses
// are valid operands.
std::vector<uint8_t> BuildPurgatory(uint64_t kernel_entry,
                                    uint64_t dtb_address);

}  // namespace fdt_handoff

#endif  // KEXEC_PURGATORY_H_
