#include "kexec/purgatory.h"

#include "fdt/endian.h"

namespace fdt_handoff {
namespace {

// A64 instruction words, little-endian in memory. Offsets in bytes.
constexpr uint32_t kCode[] = {
    // 0x00: ldr x0, 0x20   (LDR literal, 64-bit: 0x58000000 | imm19 << 5 |
    //                        Rt; imm19 = (0x20 - 0x00) / 4 = 8)
    0x58000100,
    // 0x04: mov x1, xzr    (ORR x1, xzr, xzr)
    0xaa1f03e1,
    // 0x08: mov x2, xzr
    0xaa1f03e2,
    // 0x0c: mov x3, xzr
    0xaa1f03e3,
    // 0x10: ldr x4, 0x18   (imm19 = (0x18 - 0x10) / 4 = 2, Rt = 4)
    0x58000044,
    // 0x14: br x4
    0xd61f0080,
    // 0x18: kernel entry slot (u64), 0x20: DTB address slot (u64).
};

static_assert(sizeof(kCode) == kPurgatoryKernelEntrySlot,
              "the kernel entry slot follows the code");
static_assert(kPurgatoryDtbSlot == kPurgatoryKernelEntrySlot + 8, "");
static_assert(kPurgatoryKernelEntrySlot % 8 == 0,
              "LDR (literal) of a 64-bit value needs an 8-byte aligned slot "
              "when alignment checks are on (MMU off: all accesses are "
              "Device-nGnRnE and must be aligned)");

}  // namespace

std::vector<uint8_t> BuildPurgatory(uint64_t kernel_entry,
                                    uint64_t dtb_address) {
  std::vector<uint8_t> blob(kPurgatorySize);
  for (size_t i = 0; i < sizeof(kCode) / sizeof(kCode[0]); ++i) {
    StoreLe32(kCode[i], blob.data() + 4 * i);
  }
  StoreLe64(kernel_entry, blob.data() + kPurgatoryKernelEntrySlot);
  StoreLe64(dtb_address, blob.data() + kPurgatoryDtbSlot);
  return blob;
}

}  // namespace fdt_handoff
