#include "kexec/verify/sha256.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fdt/file_io.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()),
                             s.size());
}

// A deterministic, not very regular byte pattern.
std::vector<uint8_t> Pattern(size_t size) {
  std::vector<uint8_t> out(size);
  uint32_t x = 0x12345678;
  for (uint8_t& b : out) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>(x >> 16);
  }
  return out;
}

TEST(Sha256, Fips180Examples) {
  struct Case {
    const char* message;
    const char* digest;
  };
  // FIPS 180-2 appendix B and the NIST examples.
  constexpr Case kCases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmn"
       "opjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ToHex(Sha256Of(Bytes(c.message))), c.digest) << c.message;
  }
  const std::string million(1000000, 'a');
  EXPECT_EQ(ToHex(Sha256Of(Bytes(million))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesAndZerosGiveTheSameDigest) {
  const std::vector<uint8_t> data = Pattern(10000);
  const Sha256Digest whole = Sha256Of(data);
  for (size_t piece : {1, 7, 55, 56, 63, 64, 65, 999}) {
    Sha256 h;
    for (size_t i = 0; i < data.size(); i += piece) {
      h.Update(absl::MakeConstSpan(data).subspan(i, piece));
    }
    EXPECT_EQ(h.Finish(), whole) << piece;
  }
  // UpdateZeros(n) == Update(n zero bytes), across its 4 KiB chunking.
  for (uint64_t zeros : {0, 1, 4095, 4096, 4097, 3 * 4096 + 17}) {
    std::vector<uint8_t> padded(data.begin(), data.begin() + 333);
    padded.resize(333 + zeros, 0);
    Sha256 h;
    h.Update(absl::MakeConstSpan(data).subspan(0, 333));
    h.UpdateZeros(zeros);
    EXPECT_EQ(h.Finish(), Sha256Of(padded)) << zeros;
  }
}

// Every engine the CPU has gives the portable digests: FIPS examples, every
// length around the block and padding boundaries, pieces that split blocks
// at every offset, and the zero fill.
TEST(Sha256, EveryEngineAgreesWithThePortableOne) {
  const std::vector<Sha256Engine> engines = AvailableSha256Engines();
  ASSERT_FALSE(engines.empty());
  EXPECT_EQ(engines.front(), Sha256Engine::kPortable);
  EXPECT_EQ(FastestSha256Engine(), engines.back());
  EXPECT_EQ(Sha256().engine(), engines.back());
  const std::vector<uint8_t> data = Pattern(4096 + 333);
  for (Sha256Engine engine : engines) {
    SCOPED_TRACE(Sha256EngineName(engine));
    Sha256 abc(engine);
    EXPECT_EQ(abc.engine(), engine);
    abc.Update(Bytes("abc"));
    EXPECT_EQ(ToHex(abc.Finish()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string million(1000000, 'a');
    Sha256 m(engine);
    m.Update(Bytes(million));
    EXPECT_EQ(ToHex(m.Finish()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    for (size_t size = 0; size <= 300; ++size) {
      Sha256 portable(Sha256Engine::kPortable);
      Sha256 h(engine);
      portable.Update(absl::MakeConstSpan(data).subspan(0, size));
      h.Update(absl::MakeConstSpan(data).subspan(0, size));
      ASSERT_EQ(h.Finish(), portable.Finish()) << size;
    }
    const Sha256Digest whole = Sha256Of(data);
    for (size_t piece : {1, 13, 63, 64, 65, 127, 200, 1000}) {
      Sha256 h(engine);
      for (size_t i = 0; i < data.size(); i += piece) {
        h.Update(absl::MakeConstSpan(data).subspan(i, piece));
      }
      EXPECT_EQ(h.Finish(), whole) << piece;
    }
    // Unaligned input: the vector loads take any address.
    Sha256 unaligned(engine);
    unaligned.Update(absl::MakeConstSpan(data).subspan(1, 4000));
    Sha256 portable(Sha256Engine::kPortable);
    portable.Update(absl::MakeConstSpan(data).subspan(1, 4000));
    EXPECT_EQ(unaligned.Finish(), portable.Finish());
    Sha256 zeros(engine);
    zeros.Update(absl::MakeConstSpan(data).subspan(0, 77));
    zeros.UpdateZeros(3 * 4096 + 17);
    std::vector<uint8_t> padded(data.begin(), data.begin() + 77);
    padded.resize(77 + 3 * 4096 + 17, 0);
    Sha256 reference(Sha256Engine::kPortable);
    reference.Update(padded);
    EXPECT_EQ(zeros.Finish(), reference.Finish());
  }
}

// The instructions are found where they exist: the aarch64 build of this
// test runs under qemu-aarch64-static, whose CPU has FEAT_SHA256; x86-64
// has no kArmv8 and asking for it falls back to the portable engine.
TEST(Sha256, Armv8EngineExactlyOnAarch64) {
#if defined(__aarch64__)
  EXPECT_EQ(FastestSha256Engine(), Sha256Engine::kArmv8)
      << "no HWCAP_SHA2: the CPU (or qemu's -cpu) lacks FEAT_SHA256";
  EXPECT_EQ(Sha256(Sha256Engine::kArmv8).engine(), Sha256Engine::kArmv8);
#else
  EXPECT_EQ(AvailableSha256Engines(),
            std::vector<Sha256Engine>{Sha256Engine::kPortable});
  EXPECT_EQ(Sha256(Sha256Engine::kArmv8).engine(), Sha256Engine::kPortable);
#endif
  EXPECT_STREQ(Sha256EngineName(Sha256Engine::kArmv8), "armv8");
  EXPECT_STREQ(Sha256EngineName(Sha256Engine::kPortable), "portable");
}

// The same inputs through coreutils' sha256sum.
TEST(Sha256, AgreesWithSha256sum) {
  for (size_t size : {0, 1, 55, 56, 57, 64, 119, 120, 4096, 123457}) {
    const std::vector<uint8_t> data = Pattern(size);
    const std::string path =
        absl::StrCat(getenv("TEST_TMPDIR"), "/input-", size);
    ASSERT_TRUE(WriteFileAtomic(path, data).ok());
    FILE* pipe = popen(absl::StrCat("sha256sum ", path).c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char line[256] = {};
    ASSERT_NE(fgets(line, sizeof(line), pipe), nullptr);
    ASSERT_EQ(pclose(pipe), 0);
    EXPECT_EQ(ToHex(Sha256Of(data)), std::string(line, 64)) << size;
  }
}

}  // namespace
}  // namespace fdt_handoff
