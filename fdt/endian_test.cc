#include "fdt/endian.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;

// The loads are usable at compile time (constants in tables).
constexpr uint8_t kBytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
static_assert(LoadBe32(kBytes) == 0x01020304u, "");
static_assert(LoadLe32(kBytes) == 0x04030201u, "");

TEST(EndianTest, LoadsReadTheDocumentedByteOrder) {
  const uint8_t b[] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
  EXPECT_EQ(LoadBe32(b), 0xfedcba98u);
  EXPECT_EQ(LoadBe64(b), 0xfedcba9876543210u);
  EXPECT_EQ(LoadLe16(b), 0xdcfeu);
  EXPECT_EQ(LoadLe32(b), 0x98badcfeu);
  EXPECT_EQ(LoadLe64(b), 0x1032547698badcfeu);
}

TEST(EndianTest, StoresWriteTheDocumentedByteOrder) {
  uint8_t b[8] = {};
  StoreBe32(0x11223344u, b);
  EXPECT_THAT(b, ElementsAre(0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0));
  StoreBe64(0x0102030405060708u, b);
  EXPECT_THAT(b, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  StoreLe32(0x11223344u, b);
  EXPECT_THAT(b, ElementsAre(0x44, 0x33, 0x22, 0x11, 5, 6, 7, 8));
  StoreLe64(0x0102030405060708u, b);
  EXPECT_THAT(b, ElementsAre(8, 7, 6, 5, 4, 3, 2, 1));
}

// Every offset of a buffer: the helpers never assume alignment (ASan/UBSan
// builds catch an unaligned integer access).
TEST(EndianTest, RoundTripsAtEveryAlignment) {
  std::vector<uint8_t> buf(16);
  for (size_t at = 0; at < 8; ++at) {
    StoreBe64(0x8899aabbccddeeffu + at, buf.data() + at);
    EXPECT_EQ(LoadBe64(buf.data() + at), 0x8899aabbccddeeffu + at) << at;
    StoreLe64(0x8899aabbccddeeffu + at, buf.data() + at);
    EXPECT_EQ(LoadLe64(buf.data() + at), 0x8899aabbccddeeffu + at) << at;
    StoreBe32(0xa1b2c3d4u + at, buf.data() + at);
    EXPECT_EQ(LoadBe32(buf.data() + at), 0xa1b2c3d4u + at) << at;
    StoreLe32(0xa1b2c3d4u + at, buf.data() + at);
    EXPECT_EQ(LoadLe32(buf.data() + at), 0xa1b2c3d4u + at) << at;
    EXPECT_EQ(LoadLe16(buf.data() + at), 0xc3d4u + at) << at;
  }
}

TEST(EndianTest, LoadCellsJoinsOneOrTwoCells) {
  const uint8_t b[] = {0x00, 0x00, 0x00, 0x01, 0x40, 0x00, 0x00, 0x00};
  EXPECT_EQ(LoadCells(b, 0), 0u);
  EXPECT_EQ(LoadCells(b, 1), 1u);
  EXPECT_EQ(LoadCells(b, 2), 0x140000000u);
  EXPECT_EQ(LoadCells(b + 4, 1), 0x40000000u);
}

}  // namespace
}  // namespace fdt_handoff
