#include "kexec/purgatory.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/file_io.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

TEST(Purgatory, ExactBytesWithPatchedSlots) {
  const std::vector<uint8_t> blob = BuildPurgatory(0x40200000, 0x142c06000);
  const std::vector<uint8_t> expected = {
      0x00, 0x01, 0x00, 0x58,  // ldr x0, 0x20
      0xe1, 0x03, 0x1f, 0xaa,  // mov x1, xzr
      0xe2, 0x03, 0x1f, 0xaa,  // mov x2, xzr
      0xe3, 0x03, 0x1f, 0xaa,  // mov x3, xzr
      0x44, 0x00, 0x00, 0x58,  // ldr x4, 0x18
      0x80, 0x00, 0x1f, 0xd6,  // br x4
      0x00, 0x00, 0x20, 0x40, 0x00, 0x00, 0x00, 0x00,  // kernel entry
      0x00, 0x60, 0xc0, 0x42, 0x01, 0x00, 0x00, 0x00,  // DTB address
  };
  EXPECT_EQ(blob, expected);
  EXPECT_EQ(blob.size(), kPurgatorySize);
}

// Disassembles the blob with Debian's aarch64 binutils: the words must mean
// what purgatory.cc's comments say.
TEST(Purgatory, DisassemblesToTheBootProtocol) {
  const std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/purgatory.bin");
  ASSERT_TRUE(WriteFileAtomic(path, BuildPurgatory(0x40200000, 0x42c00000)).ok());
  const std::string command = absl::StrCat(
      "aarch64-linux-gnu-objdump -D -b binary -m aarch64 ", path, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) text.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0) << "aarch64-linux-gnu-objdump (Debian's "
                                "binutils-aarch64-linux-gnu) failed:\n"
                             << text;
  std::vector<std::string> instructions;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    // "   0:\t58000100 \tldr\tx0, 0x20"
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() >= 4 && absl::EndsWith(cols[0], ":")) {
      instructions.push_back(absl::StrCat(cols[2], " ", cols[3]));
    }
  }
  ASSERT_GE(instructions.size(), 6u) << text;
  instructions.resize(6);
  EXPECT_EQ(instructions, (std::vector<std::string>{
                              "ldr x0, 0x20", "mov x1, xzr", "mov x2, xzr",
                              "mov x3, xzr", "ldr x4, 0x18", "br x4"}));
}

}  // namespace
}  // namespace fdt_handoff
