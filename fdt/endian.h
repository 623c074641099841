// Fixed-width integers in byte buffers, in an explicit byte order.
//
// A devicetree blob is big-endian (header, tokens, cells); an arm64 Image
// header, a PE header, the purgatory's slots and a cpio's sizes are
// little-endian. Every such read or write in this project goes through the
// functions below, which assemble the value byte by byte: they work on any
// host byte order and on any alignment (no struct or integer casts over
// bytes, so no undefined behaviour on an unaligned pointer), and compilers
// turn them into a single load or store where the target allows.
//
// Contract for all of them: `p` points at least at as many readable (Load)
// or writable (Store) bytes as the width says; nothing is checked, so the
// caller bounds-checks first. Header-only on purpose: fdt/, kexec/ and init/
// all use it, and each call is a few instructions.

#ifndef FDT_ENDIAN_H_
#define FDT_ENDIAN_H_

#include <cstdint>

namespace fdt_handoff {

// --- Big-endian (devicetree) ------------------------------------------------

constexpr uint32_t LoadBe32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 |
         uint32_t{p[3]};
}

constexpr uint64_t LoadBe64(const uint8_t* p) {
  return uint64_t{LoadBe32(p)} << 32 | LoadBe32(p + 4);
}

// A number of `cells` big-endian 32-bit cells (a reg or ranges field); the
// devicetree's #address-cells / #size-cells. Meant for 0, 1 or 2 cells: with
// more, only the last two count (the higher ones are shifted out).
constexpr uint64_t LoadCells(const uint8_t* p, int cells) {
  uint64_t v = 0;
  for (int i = 0; i < cells; ++i) v = (v << 32) | LoadBe32(p + 4 * i);
  return v;
}

inline void StoreBe32(uint32_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

inline void StoreBe64(uint64_t v, uint8_t* p) {
  StoreBe32(static_cast<uint32_t>(v >> 32), p);
  StoreBe32(static_cast<uint32_t>(v), p + 4);
}

// --- Little-endian (arm64 Image, PE, purgatory, cpio) -----------------------

constexpr uint16_t LoadLe16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

constexpr uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
         uint32_t{p[3]} << 24;
}

constexpr uint64_t LoadLe64(const uint8_t* p) {
  return uint64_t{LoadLe32(p)} | uint64_t{LoadLe32(p + 4)} << 32;
}

inline void StoreLe32(uint32_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

inline void StoreLe64(uint64_t v, uint8_t* p) {
  StoreLe32(static_cast<uint32_t>(v), p);
  StoreLe32(static_cast<uint32_t>(v >> 32), p + 4);
}

}  // namespace fdt_handoff

#endif  // FDT_ENDIAN_H_
