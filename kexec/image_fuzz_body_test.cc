// Runs the kernel-file fuzz body (kexec/image_fuzz_body.h) in every
// `bazel test`: over each fixture in testdata/kernel/ and over systematic
// corruptions of them (every truncation length near the headers and at
// strides, every bit of the first 128 bytes, bit flips at strides through
// the rest, header fields set to extreme values). A crash, sanitizer report
// or __builtin_trap() fails the test. The fixtures themselves must also
// still parse, so the corruptions start from inputs that reach the deep
// paths.
#include "kexec/image_fuzz_body.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/file_io.h"
#include "gtest/gtest.h"
#include "kexec/image.h"

namespace fdt_handoff {
namespace {

// Kernel fixtures; each parses with the fuzz body's cap and page size.
constexpr const char* kKernels[] = {
    "Image",         "Image.gz",
    "Image.zst",     "vmlinuz-zboot-gzip.efi",
    "vmlinuz-zboot-zstd.efi", "uImage",
    "uImage.gz",     "debian-arm64.Image.head",
};
// Fixtures that are not kernels (they still go through the body).
constexpr const char* kOthers[] = {"uInitrd", "initrd.cpio.gz"};

std::vector<uint8_t> Fixture(const std::string& name) {
  auto bytes = ReadFile(absl::StrCat("testdata/kernel/", name));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *std::move(bytes) : std::vector<uint8_t>();
}

void RunBody(const std::vector<uint8_t>& input) {
  FuzzParseKernel(input.data(), input.size());
}

// Runs the body over corruptions of `seed`; returns how many inputs ran.
size_t RunCorruptions(const std::vector<uint8_t>& seed) {
  size_t runs = 0;
  // Truncations: every length up to 160 (all header boundaries), then
  // strides, then each length just short of the end.
  for (size_t n = 0; n < seed.size(); ++n) {
    const bool near_end = n + 16 >= seed.size();
    if (n <= 160 || n % 61 == 0 || near_end) {
      RunBody(std::vector<uint8_t>(seed.begin(), seed.begin() + n));
      ++runs;
    }
  }
  // Bit flips: every bit of the first 128 bytes, one bit per stride after.
  for (size_t i = 0; i < seed.size(); ++i) {
    if (i < 128) {
      for (int bit = 0; bit < 8; ++bit) {
        std::vector<uint8_t> b = seed;
        b[i] ^= static_cast<uint8_t>(1u << bit);
        RunBody(b);
        ++runs;
      }
    } else if (i % 37 == 0) {
      std::vector<uint8_t> b = seed;
      b[i] ^= static_cast<uint8_t>(1u << (i % 8));
      RunBody(b);
      ++runs;
    }
  }
  // 32-bit fields at every 4-byte offset of the first 64 bytes set to the
  // values that break size arithmetic.
  for (size_t off = 0; off + 4 <= seed.size() && off < 64; off += 4) {
    for (uint32_t v : {0u, 1u, 0x7fffffffu, 0xffffffffu}) {
      std::vector<uint8_t> b = seed;
      for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
      RunBody(b);
      ++runs;
    }
  }
  return runs;
}

TEST(FuzzParseKernel, FixturesParseWithTheFuzzSettings) {
  for (const char* name : kKernels) {
    const std::vector<uint8_t> bytes = Fixture(name);
    ASSERT_FALSE(bytes.empty()) << name;
    auto kernel = ParseKernel(bytes, name, kKernelFuzzPageSize,
                              kKernelFuzzMaxImageSize);
    // The real header's image_size (32 MiB) is over the fuzz cap: it
    // reaches the size checks, which is what a seed is for.
    if (std::string(name).rfind("debian-", 0) == 0) {
      EXPECT_EQ(kernel.status().code(), absl::StatusCode::kResourceExhausted)
          << kernel.status();
    } else {
      EXPECT_TRUE(kernel.ok()) << name << ": " << kernel.status();
    }
    RunBody(bytes);
  }
  for (const char* name : kOthers) RunBody(Fixture(name));
}

TEST(FuzzParseKernel, SurvivesCorruptedFixtures) {
  size_t runs = 0;
  for (const char* name : kKernels) runs += RunCorruptions(Fixture(name));
  for (const char* name : kOthers) runs += RunCorruptions(Fixture(name));
  EXPECT_GT(runs, size_t{10000});
}

TEST(FuzzParseKernel, EdgeInputs) {
  FuzzParseKernel(nullptr, 0);
  const uint8_t one = 0x1f;
  FuzzParseKernel(&one, 1);
  // Over the input limit: ignored without reading.
  std::vector<uint8_t> big(kKernelFuzzMaxInputSize + 1, 0);
  RunBody(big);
  // Magic of each format followed by nothing, or by zeros.
  const std::vector<std::vector<uint8_t>> magics = {
      {0x1f, 0x8b}, {0x28, 0xb5, 0x2f, 0xfd}, {'M', 'Z', 0, 0, 'z', 'i', 'm', 'g'},
      {0x27, 0x05, 0x19, 0x56}, {0x7f, 'E', 'L', 'F'}};
  for (const std::vector<uint8_t>& m : magics) {
    RunBody(m);
    std::vector<uint8_t> padded = m;
    padded.resize(4096, 0);
    RunBody(padded);
  }
}

}  // namespace
}  // namespace fdt_handoff
