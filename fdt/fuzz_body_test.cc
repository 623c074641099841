// Runs the fuzz body (fdt/fuzz_body.h) in every `bazel test`: over the seed
// folder testdata/fuzz/, and over systematic corruptions of real DTBs in
// each role of the input. A crash, sanitizer report or __builtin_trap() in
// the body fails the test; returning is all that is asserted for corrupted
// inputs, while the seeds must also reach the stages they were made for, so
// a change to the input format cannot silently turn them into noise.
#include "fdt/fuzz_body.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "fdt/endian.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

constexpr char kSeedDir[] = "testdata/fuzz";
constexpr char kSymbols612[] =
    "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";

// make_seeds.sh writes at least this many; fewer means the filegroup or the
// script lost some.
constexpr size_t kMinSeeds = 10;

// Whether each seed's target loads, and whether it comes out of Reconcile()
// as a success. regress-* are fuzzer finds, kept as reproducers: a libfdt
// 1.6.1 fdt_check_full() hang (property length 0xfffffff4) and NULL
// dereference (header version < 16), both now refused by Fdt::FromBytes, and
// #address-cells = <3> reaching EncodeReg (now kOutOfRange).
struct SeedExpectation {
  const char* name;
  bool loaded;
  bool reconciled;
};
constexpr SeedExpectation kSeedExpectations[] = {
    {"regress-check-full-hang.seed", false, false},
    {"regress-check-full-old-version.seed", false, false},
    {"regress-encode-reg-cells.seed", true, false},
    {"tiny-all.seed", true, true},
    {"tiny-graft-memory.seed", true, true},
    {"tiny-errors.seed", true, false},
    {"zero2w-612-usb-live.seed", true, true},
    {"zero2w-612-graft.seed", true, true},
    {"zero2w-72-memory.seed", true, true},
    {"zero3-force-no-memory.seed", true, false},
};

const SeedExpectation* FindExpectation(const std::string& name) {
  for (const SeedExpectation& e : kSeedExpectations) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

std::vector<uint8_t> Read(const std::string& path) {
  auto bytes = ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *std::move(bytes) : std::vector<uint8_t>();
}

// Packs an input in the fuzz_body.h format: a 16-byte header with the given
// flag bytes (everything else zero) and the blobs, each length-prefixed.
std::vector<uint8_t> Pack(uint8_t flags, uint8_t flags2,
                          const std::vector<const std::vector<uint8_t>*>& blobs) {
  std::vector<uint8_t> out(kFuzzHeaderSize, 0);
  out[0] = flags;
  out[1] = flags2;
  for (const std::vector<uint8_t>* blob : blobs) {
    const size_t at = out.size();
    out.resize(at + 4);
    StoreLe32(static_cast<uint32_t>(blob->size()), out.data() + at);
    out.insert(out.end(), blob->begin(), blob->end());
  }
  return out;
}

FuzzStages RunBody(const std::vector<uint8_t>& input) {
  return RunFuzzInput(absl::MakeConstSpan(input));
}

// Every truncation at `stride`, plus the ones that cut the header.
std::vector<std::vector<uint8_t>> Truncations(const std::vector<uint8_t>& blob,
                                              size_t stride) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t n = 0; n < blob.size(); n += n < 64 ? 4 : stride) {
    out.emplace_back(blob.begin(), blob.begin() + n);
  }
  out.emplace_back(blob.begin(), blob.end() - 1);
  return out;
}

// One bit flipped every `stride` bytes, cycling through the bit positions so
// that high bits of lengths and offsets get hit as well as low ones.
std::vector<std::vector<uint8_t>> BitFlips(const std::vector<uint8_t>& blob,
                                           size_t stride) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < blob.size(); i += stride) {
    out.push_back(blob);
    out.back()[i] ^= static_cast<uint8_t>(1u << ((i / stride) % 8));
  }
  return out;
}

std::vector<std::vector<uint8_t>> Corruptions(const std::vector<uint8_t>& blob) {
  // Primes, so the positions do not line up with the 4-byte token grid.
  std::vector<std::vector<uint8_t>> out = Truncations(blob, 509);
  std::vector<std::vector<uint8_t>> flips = BitFlips(blob, 61);
  out.insert(out.end(), flips.begin(), flips.end());
  return out;
}

constexpr uint8_t kOverlay = 0x01, kLiveFlag = 0x02, kSeeds = 0x04;
constexpr uint8_t kAppendAndReuse = 0x03;

TEST(FuzzBodyTest, SeedsExistAndReachTheirStages) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kSeedDir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".seed") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  ASSERT_GE(names.size(), kMinSeeds) << "seeds missing from " << kSeedDir;

  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> seed = Read(absl::StrCat(kSeedDir, "/", name));
    EXPECT_GT(seed.size(), kFuzzHeaderSize);
    EXPECT_LT(seed.size(), 100u * 1024) << "keep seeds small";
    const FuzzStages stages = RunBody(seed);
    const SeedExpectation* expected = FindExpectation(name);
    EXPECT_TRUE(stages.target_loaded || (expected && !expected->loaded));
    if (expected != nullptr) {
      EXPECT_EQ(stages.target_loaded, expected->loaded);
      EXPECT_EQ(stages.reconciled, expected->reconciled);
      EXPECT_EQ(stages.dumped, expected->reconciled);
    }
  }
  for (const SeedExpectation& e : kSeedExpectations) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), e.name))
        << e.name << " is listed here but not in //testdata:fuzz_seeds";
  }
}

TEST(FuzzBodyTest, RealInputPackedHereReconciles) {
  const std::vector<uint8_t> target = Read(kSymbols612);
  const std::vector<uint8_t> usb = Read(kUsb);
  const std::vector<uint8_t> live = Read(kLive);
  const FuzzStages stages =
      RunBody(Pack(kOverlay | kLiveFlag | kSeeds, 0, {&target, &usb, &live}));
  EXPECT_TRUE(stages.overlay_applied);
  EXPECT_TRUE(stages.reconciled);
  EXPECT_TRUE(stages.dumped);
}

TEST(FuzzBodyTest, ShortAndDegenerateInputsReturn) {
  std::vector<uint8_t> input;
  FuzzLoadApplyReconcile(nullptr, 0);
  for (size_t n = 0; n <= kFuzzHeaderSize + 8; ++n) {
    input.assign(n, 0xff);
    EXPECT_FALSE(RunBody(input).target_loaded);
    input.assign(n, 0x00);
    EXPECT_FALSE(RunBody(input).target_loaded);
  }
}

TEST(FuzzBodyTest, CorruptTargetReturns) {
  const std::vector<uint8_t> usb = Read(kUsb);
  const std::vector<uint8_t> live = Read(kLive);
  size_t runs = 0;
  for (const std::vector<uint8_t>& bad : Corruptions(Read(kSymbols612))) {
    RunBody(Pack(kOverlay | kLiveFlag | kSeeds, kAppendAndReuse,
             {&bad, &usb, &live}));
    ++runs;
  }
  EXPECT_GT(runs, 400u);
}

TEST(FuzzBodyTest, CorruptLiveReturns) {
  const std::vector<uint8_t> target = Read(kSymbols612);
  const std::vector<uint8_t> usb = Read(kUsb);
  size_t runs = 0;
  for (const std::vector<uint8_t>& bad : Corruptions(Read(kLive))) {
    RunBody(Pack(kOverlay | kLiveFlag | kSeeds, 0, {&target, &usb, &bad}));
    ++runs;
  }
  EXPECT_GT(runs, 300u);
}

TEST(FuzzBodyTest, CorruptOverlayReturns) {
  const std::vector<uint8_t> target = Read(kSymbols612);
  const std::vector<uint8_t> usb = Read(kUsb);
  const std::vector<uint8_t> live = Read(kLive);
  // The overlay is small: every byte gets a flip.
  std::vector<std::vector<uint8_t>> bad = Truncations(usb, 7);
  std::vector<std::vector<uint8_t>> flips = BitFlips(usb, 1);
  bad.insert(bad.end(), flips.begin(), flips.end());
  for (const std::vector<uint8_t>& overlay : bad) {
    RunBody(Pack(kOverlay | kLiveFlag | kSeeds, 0, {&target, &overlay, &live}));
  }
  EXPECT_GT(bad.size(), usb.size());
}

}  // namespace
}  // namespace fdt_handoff
