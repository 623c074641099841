#include "kexec/image.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "fdt/endian.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kFixtures[] = "testdata/kernel/";
constexpr char kRealHead[] = "debian-arm64.Image.head";

std::vector<uint8_t> Fixture(absl::string_view name) {
  auto bytes = ReadFile(absl::StrCat(kFixtures, name));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *std::move(bytes) : std::vector<uint8_t>();
}

// A hand-built Image: the 64-byte header (booting.rst layout) and zero
// filler up to `total` bytes.
std::vector<uint8_t> ImageBytes(uint64_t text_offset, uint64_t image_size,
                                uint64_t flags, size_t total = 256) {
  std::vector<uint8_t> b(total, 0);
  StoreLe32(0x14000010, b.data());  // code0: b +0x40
  StoreLe64(text_offset, b.data() + 8);
  StoreLe64(image_size, b.data() + 16);
  StoreLe64(flags, b.data() + 24);
  StoreLe32(0x644d5241, b.data() + 56);  // "ARM\x64"
  return b;
}

std::vector<uint8_t> Gzip(const std::vector<uint8_t>& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::vector<uint8_t> out(deflateBound(&zs, data.size()) + 32);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<uint8_t> Zstd(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(ZSTD_compressBound(data.size()));
  const size_t n =
      ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A U-Boot legacy image around `payload` with correct CRCs (unless the size
// is overridden afterwards). Type 2 = kernel, 3 = ramdisk, 4 = multi;
// compression 0 = none, 1 = gzip, 3 = lzma.
std::vector<uint8_t> Uboot(const std::vector<uint8_t>& payload,
                           uint8_t type = 2, uint8_t comp = 0) {
  std::vector<uint8_t> b(64, 0);
  StoreBe32(0x27051956, b.data());
  StoreBe32(static_cast<uint32_t>(payload.size()), b.data() + 12);
  StoreBe32(crc32_z(0, payload.data(), payload.size()), b.data() + 24);
  b[28] = 5;   // os: linux
  b[29] = 22;  // arch: arm64
  b[30] = type;
  b[31] = comp;
  StoreBe32(crc32_z(0, b.data(), 64), b.data() + 4);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Rewrites the header's data size and fixes up the header CRC.
void SetUbootSize(uint32_t size, std::vector<uint8_t>* b) {
  StoreBe32(size, b->data() + 12);
  StoreBe32(0, b->data() + 4);
  StoreBe32(crc32_z(0, b->data(), 64), b->data() + 4);
}

// An EFI zboot file: the zboot-header.S fields, the payload at 0x100.
std::vector<uint8_t> Zboot(const std::vector<uint8_t>& payload,
                           absl::string_view comp) {
  std::vector<uint8_t> b(0x100, 0);
  b[0] = 'M';
  b[1] = 'Z';
  b[4] = 'z';
  b[5] = 'i';
  b[6] = 'm';
  b[7] = 'g';
  StoreLe32(0x100, b.data() + 8);
  StoreLe32(static_cast<uint32_t>(payload.size()), b.data() + 12);
  for (size_t i = 0; i < comp.size(); ++i) b[24 + i] = comp[i];
  StoreLe32(0x818223cd, b.data() + 0x38);
  StoreLe32(0x40, b.data() + 0x3c);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

std::vector<uint8_t> Bytes(absl::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// --- Negative cases: each with its exact code and message ------------------

struct BadCase {
  std::string name;  // Also the origin.
  std::vector<uint8_t> bytes;
  absl::StatusCode code;
  std::string message;
  uint32_t page_size = 4096;
  size_t max_image_size = kDefaultMaxKernelImageSize;
};

std::vector<BadCase> BadCases() {
  std::vector<BadCase> cases;
  const std::vector<uint8_t> good = ImageBytes(0, 0x10000, 0x2);
  {
    std::vector<uint8_t> b(good.begin(), good.begin() + 40);
    cases.push_back({"truncated.img", b, absl::StatusCode::kDataLoss,
                     "truncated.img: 40 bytes is too short for an arm64 "
                     "Image, whose header alone is 64 bytes"});
  }
  {
    const std::vector<uint8_t> real = Fixture(kRealHead);
    std::vector<uint8_t> b(real.begin(), real.begin() + 63);
    cases.push_back({"efi-stub-63.img", b, absl::StatusCode::kDataLoss,
                     "efi-stub-63.img: 63 bytes is too short for an arm64 "
                     "Image, whose header alone is 64 bytes"});
  }
  {
    std::vector<uint8_t> b = good;
    b[56] = 'B';
    cases.push_back({"badmagic.img", b, absl::StatusCode::kInvalidArgument,
                     "badmagic.img: not an arm64 kernel: no \"ARM\\x64\" "
                     "magic at offset 56 (found 0x644d5242) and no gzip, "
                     "zstd, EFI zboot or U-Boot legacy signature"});
  }
  cases.push_back({"be.img", ImageBytes(0, 0x10000, 0x1),
                   absl::StatusCode::kUnimplemented,
                   "be.img: Image: big-endian kernel (flags bit 0 set); only "
                   "little-endian arm64 kernels can be loaded"});
  {
    BadCase c{"any.img", good, absl::StatusCode::kInvalidArgument,
              "any.img: running page size 8192 is not 4096, 16384 or 65536 "
              "(or 0 when unknown)"};
    c.page_size = 8192;
    cases.push_back(c);
  }
  cases.push_back({"offset.img", ImageBytes(0x200000, 0x10000, 0x2),
                   absl::StatusCode::kDataLoss,
                   "offset.img: Image: text_offset 0x200000 is not below 2 "
                   "MiB, the alignment of the base the Image is placed "
                   "above"});
  // kexec_load places segments on page boundaries only; no arm64 kernel
  // was built with a text_offset that is not a multiple of 4 KiB.
  cases.push_back({"unaligned.img", ImageBytes(0x80010, 0x10000, 0x2),
                   absl::StatusCode::kDataLoss,
                   "unaligned.img: Image: text_offset 0x80010 is not a "
                   "multiple of 4 KiB (no arm64 kernel has one: 0x80000 "
                   "before v5.8, 0 since, a page multiple when randomized); "
                   "the Image could not start on a page boundary, which "
                   "kexec_load requires"});
  {
    // A 4 KiB multiple (RANDOMIZE_TEXT_OFFSET of a 4K kernel) that a 64K
    // running kernel cannot place.
    BadCase c{"random-offset.img", ImageBytes(0x81000, 0x10000, 0),
              absl::StatusCode::kUnimplemented,
              "random-offset.img: Image: text_offset 0x81000 is not a "
              "multiple of the running kernel's 64 KiB pages; kexec_load "
              "places segments on page boundaries only, so this kernel "
              "cannot be loaded from a 64 KiB-page kernel"};
    c.page_size = 65536;
    cases.push_back(c);
  }
  cases.push_back({"long.img", ImageBytes(0, 200, 0x2, 256),
                   absl::StatusCode::kDataLoss,
                   "long.img: Image: the Image is 256 bytes but the header's "
                   "image_size is only 200; image_size must cover the whole "
                   "Image (it is the Image plus BSS)"});
  cases.push_back({"huge.img", ImageBytes(0, uint64_t{1} << 40, 0x2),
                   absl::StatusCode::kResourceExhausted,
                   "huge.img: Image: the header's image_size 0x10000000000 "
                   "(1099511627776 bytes) is more than the limit of "
                   "268435456 bytes"});
  {
    BadCase c{"big.img", ImageBytes(0, 0x10000, 0x2, 8192),
              absl::StatusCode::kResourceExhausted,
              "big.img: Image: the Image is 8192 bytes, more than the limit "
              "of 4096"};
    c.max_image_size = 4096;
    cases.push_back(c);
  }
  cases.push_back(
      {"vmlinux", Bytes(absl::string_view("\x7f" "ELF\x02\x01\x01\0", 8)),
       absl::StatusCode::kUnimplemented,
       "vmlinux: this is an ELF file (vmlinux); kexec on arm64 needs the "
       "Image (arch/arm64/boot/Image or Image.gz)"});
  cases.push_back({"unknown.bin", std::vector<uint8_t>(100, 'x'),
                   absl::StatusCode::kInvalidArgument,
                   "unknown.bin: not an arm64 kernel: no \"ARM\\x64\" magic "
                   "at offset 56 (found 0x78787878) and no gzip, zstd, EFI "
                   "zboot or U-Boot legacy signature"});
  cases.push_back({"empty", {}, absl::StatusCode::kDataLoss,
                   "empty: 0 bytes is too short for an arm64 Image, whose "
                   "header alone is 64 bytes"});
  cases.push_back({"board.dtb", Bytes(absl::string_view("\xd0\x0d\xfe\xed\0\0\0\x48", 8)),
                   absl::StatusCode::kInvalidArgument,
                   "board.dtb: this is a device tree blob (DTB), not an "
                   "arm64 kernel"});
  cases.push_back(
      {"Image.xz", Bytes(absl::string_view("\xfd" "7zXZ\0\0\x04", 7)),
       absl::StatusCode::kUnimplemented,
       "Image.xz: this is xz-compressed data; only gzip and zstd are "
       "decompressed here (decompress it first, or use the Image or "
       "Image.gz)"});
  {
    std::vector<uint8_t> b(128, 0);
    b[0] = 'M';
    b[1] = 'Z';
    cases.push_back({"bzImage.efi", b, absl::StatusCode::kInvalidArgument,
                     "bzImage.efi: this is a PE/COFF executable (\"MZ\") but "
                     "neither an arm64 Image (no \"ARM\\x64\" magic at offset "
                     "56) nor an EFI zboot image (no \"zimg\" at offset 4)"});
  }
  // gzip whose first deflate block has the reserved type 3.
  cases.push_back({"corrupt.gz",
                   {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0xff, 0xff,
                    0xff, 0xff},
                   absl::StatusCode::kDataLoss,
                   "corrupt.gz: gzip: corrupt data: invalid block type (at "
                   "compressed offset 11)"});
  {
    const std::vector<uint8_t> gz = Fixture("Image.gz");
    std::vector<uint8_t> b(gz.begin(), gz.begin() + 200);
    cases.push_back({"half.gz", b, absl::StatusCode::kDataLoss,
                     "half.gz: gzip: the stream is truncated: all 200 bytes "
                     "read and no end of stream (1810 bytes decompressed so "
                     "far)"});
  }
  cases.push_back({"initrd.cpio.gz", Fixture("initrd.cpio.gz"),
                   absl::StatusCode::kInvalidArgument,
                   "initrd.cpio.gz: the gzip data does not start with an "
                   "arm64 Image: this is a cpio archive (an initramfs?), not "
                   "an arm64 kernel"});
  cases.push_back({"text.gz", Gzip(std::vector<uint8_t>(100, 'x')),
                   absl::StatusCode::kInvalidArgument,
                   "text.gz: the gzip data does not start with an arm64 "
                   "Image: not an arm64 kernel: no \"ARM\\x64\" "
                   "magic at offset 56 (found 0x78787878) and no gzip, zstd, "
                   "EFI zboot or U-Boot legacy signature"});
  {
    // Not an Image: refused from its first 64 bytes.
    BadCase c{"bomb.gz", Gzip(std::vector<uint8_t>(size_t{1} << 20, 0)),
              absl::StatusCode::kInvalidArgument,
              "bomb.gz: the gzip data does not start with an arm64 Image: not "
              "an arm64 kernel: no \"ARM\\x64\" magic at offset 56 (found "
              "0x00000000) and no gzip, zstd, EFI zboot or U-Boot legacy "
              "signature"};
    cases.push_back(c);
  }
  // An Image header, then 1 MiB of zeros: capped at its image_size...
  cases.push_back({"image-bomb.gz",
                   Gzip(ImageBytes(0, 0x10000, 0x2, size_t{1} << 20)),
                   absl::StatusCode::kDataLoss,
                   "image-bomb.gz: gzip: the Image decompresses to more than "
                   "65536 bytes, its header's image_size; image_size must "
                   "cover the whole Image (it is the Image plus BSS)"});
  {
    // ... or at the caller's limit when image_size is over it.
    BadCase c{"huge-bomb.zst",
              Zstd(ImageBytes(0, uint64_t{1} << 40, 0x2, size_t{1} << 20)),
              absl::StatusCode::kResourceExhausted,
              "huge-bomb.zst: zstd: the frame declares 1048576 bytes of "
              "content, more than the limit of 65536 bytes"};
    c.max_image_size = 65536;
    cases.push_back(c);
  }
  {
    BadCase c{"huge-bomb.gz",
              Gzip(ImageBytes(0, uint64_t{1} << 40, 0x2, size_t{1} << 20)),
              absl::StatusCode::kResourceExhausted,
              "huge-bomb.gz: gzip: decompresses to more than 65536 bytes (the "
              "limit)"};
    c.max_image_size = 65536;
    cases.push_back(c);
  }
  {
    BadCase c{"bomb.zst", Zstd(std::vector<uint8_t>(size_t{1} << 20, 0)),
              absl::StatusCode::kResourceExhausted,
              "bomb.zst: zstd: the frame declares 1048576 bytes of content, "
              "more than the limit of 65536 bytes"};
    c.max_image_size = 65536;
    cases.push_back(c);
  }
  {
    const std::vector<uint8_t> gz = Gzip(good);
    std::vector<uint8_t> b = Zboot(gz, "gzip");
    b.resize(0x100 + gz.size() - 1);  // The payload claims one byte more.
    cases.push_back({"range.efi", b, absl::StatusCode::kDataLoss,
                     absl::StrCat("range.efi: EFI zboot: the payload (offset "
                                  "256, ",
                                  gz.size(),
                                  " bytes) does not lie between the 64-byte "
                                  "header and the end of the ",
                                  b.size(), "-byte file")});
  }
  {
    std::vector<uint8_t> b = Zboot(Gzip(good), "gzip");
    StoreLe32(0x20, b.data() + 8);  // Inside the header.
    cases.push_back({"overlap.efi", b, absl::StatusCode::kDataLoss,
                     absl::StrCat("overlap.efi: EFI zboot: the payload "
                                  "(offset 32, ",
                                  Gzip(good).size(),
                                  " bytes) does not lie between the 64-byte "
                                  "header and the end of the ",
                                  b.size(), "-byte file")});
  }
  cases.push_back({"lzma.efi", Zboot(Gzip(good), "lzma"),
                   absl::StatusCode::kUnimplemented,
                   "lzma.efi: EFI zboot: the payload is compressed with "
                   "\"lzma\"; only gzip and zstd zboot images can be "
                   "unpacked"});
  {
    std::vector<uint8_t> b = Zboot(Gzip(good), "gzip");
    for (size_t i = 24; i < 56; ++i) b[i] = 'g';
    cases.push_back({"noterm.efi", b, absl::StatusCode::kDataLoss,
                     "noterm.efi: EFI zboot: the compression type at offset "
                     "24 is not NUL-terminated before offset 56"});
  }
  cases.push_back({"notimage.efi",
                   Zboot(Gzip(std::vector<uint8_t>(100, 'x')), "gzip"),
                   absl::StatusCode::kDataLoss,
                   "notimage.efi: EFI zboot: the decompressed payload is not "
                   "an arm64 Image (its first 64 bytes have no \"ARM\\x64\" "
                   "magic at offset 56)"});
  {
    std::vector<uint8_t> b = Zboot(Gzip(good), "gzip");
    b[0x100 + 20] ^= 0x40;  // Inside the deflate data.
    cases.push_back({"flipped.efi", b, absl::StatusCode::kDataLoss, ""});
  }
  {
    std::vector<uint8_t> b = Uboot(Bytes("0123456789"));
    SetUbootSize(4096, &b);
    cases.push_back({"size.uimg", b, absl::StatusCode::kDataLoss,
                     "size.uimg: U-Boot legacy header: the header says 4096 "
                     "data bytes, but only 10 follow the 64-byte header"});
  }
  {
    std::vector<uint8_t> b = Uboot(good);
    b[40] ^= 1;  // In the name: the header CRC no longer matches.
    cases.push_back({"hcrc.uimg", b, absl::StatusCode::kDataLoss, ""});
  }
  {
    std::vector<uint8_t> b = Uboot(good);
    b[64 + 100] ^= 1;
    cases.push_back({"dcrc.uimg", b, absl::StatusCode::kDataLoss, ""});
  }
  cases.push_back({"short.uimg", Bytes(absl::string_view("\x27\x05\x19\x56\0\0", 6)),
                   absl::StatusCode::kDataLoss,
                   "short.uimg: U-Boot legacy header: 6 bytes is too short "
                   "for the 64-byte header"});
  cases.push_back({"uInitrd", Fixture("uInitrd"),
                   absl::StatusCode::kInvalidArgument,
                   "uInitrd: U-Boot legacy header: this is a U-Boot ramdisk "
                   "image (mkimage -T ramdisk, e.g. a uInitrd), not a "
                   "kernel"});
  cases.push_back({"multi.uimg", Uboot(good, 4),
                   absl::StatusCode::kUnimplemented,
                   "multi.uimg: U-Boot legacy header: multi-file images "
                   "(mkimage -T multi) are not supported; pass the kernel or "
                   "initrd itself"});
  cases.push_back({"script.uimg", Uboot(good, 6),
                   absl::StatusCode::kInvalidArgument,
                   "script.uimg: U-Boot legacy header: image type 6 is not a "
                   "kernel (mkimage -T kernel or kernel_noload)"});
  cases.push_back({"lzma.uimg", Uboot(good, 2, 3),
                   absl::StatusCode::kUnimplemented,
                   "lzma.uimg: U-Boot legacy header: the payload is "
                   "lzma-compressed; only uncompressed, gzip and zstd "
                   "payloads are unpacked"});
  cases.push_back({"nested.uimg", Uboot(Uboot(good)),
                   absl::StatusCode::kInvalidArgument,
                   "nested.uimg: U-Boot legacy payload: this is a U-Boot "
                   "legacy image (nested U-Boot headers are not unwrapped), "
                   "not an arm64 kernel"});
  cases.push_back({"be.uimg", Uboot(ImageBytes(0, 0x10000, 0x1)),
                   absl::StatusCode::kUnimplemented,
                   "be.uimg: U-Boot legacy + Image: big-endian kernel (flags "
                   "bit 0 set); only little-endian arm64 kernels can be "
                   "loaded"});
  return cases;
}

TEST(ParseKernel, RefusesBadInputWithExactErrors) {
  for (const BadCase& c : BadCases()) {
    auto kernel =
        ParseKernel(c.bytes, c.name, c.page_size, c.max_image_size);
    ASSERT_FALSE(kernel.ok()) << c.name << " parsed";
    EXPECT_EQ(kernel.status().code(), c.code)
        << c.name << ": " << kernel.status();
    if (!c.message.empty()) {
      EXPECT_EQ(std::string(kernel.status().message()), c.message) << c.name;
    } else {
      // CRC texts carry computed values; check the stable part.
      EXPECT_EQ(kernel.status().message().rfind(c.name + ": ", 0), 0u)
          << kernel.status();
    }
  }
}

TEST(ParseKernel, UbootCrcMessagesNameBothValues) {
  const std::vector<uint8_t> good = ImageBytes(0, 0x10000, 0x2);
  std::vector<uint8_t> b = Uboot(good);
  b[64 + 100] ^= 1;
  const uint32_t computed = crc32_z(0, b.data() + 64, good.size());
  auto kernel = ParseKernel(b, "dcrc.uimg", 4096);
  EXPECT_EQ(kernel.status().message(),
            absl::StrFormat("dcrc.uimg: U-Boot legacy header: data CRC 0x%08x "
                            "does not match the 256 data bytes (computed "
                            "0x%08x)",
                            crc32_z(0, good.data(), good.size()), computed));
  std::vector<uint8_t> h = Uboot(good);
  h[40] ^= 1;
  std::vector<uint8_t> zeroed(h.begin(), h.begin() + 64);
  for (int i = 4; i < 8; ++i) zeroed[i] = 0;
  auto header = ParseKernel(h, "hcrc.uimg", 4096);
  EXPECT_EQ(header.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(header.status().message(),
            absl::StrFormat("hcrc.uimg: U-Boot legacy header: header CRC "
                            "0x%02x%02x%02x%02x does not match the header "
                            "(computed 0x%08x)",
                            h[4], h[5], h[6], h[7],
                            crc32_z(0, zeroed.data(), 64)));
}

// --- Positive cases ---------------------------------------------------------

TEST(ParseKernel, LegacyHeaderUsesTheBootingRstDefaults) {
  // Pre-v3.17: image_size 0. text_offset and flags are not trusted.
  const std::vector<uint8_t> b = ImageBytes(0x1234, 0, 0x1);
  auto kernel = ParseKernel(b, "legacy.img", 4096);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_TRUE(kernel->legacy_image_size);
  EXPECT_EQ(kernel->text_offset, 0x80000u);
  EXPECT_EQ(kernel->image_size, uint64_t{16} << 20);
  EXPECT_EQ(kernel->flags, 0u);
  EXPECT_EQ(kernel->page_size, 0u);
  EXPECT_FALSE(kernel->any_placement);
  EXPECT_EQ(kernel->image, b);
  EXPECT_EQ(kernel->format, "Image");
}

TEST(ParseKernel, UnspecifiedPageSizeFitsAnyHost) {
  // booting.rst, flags "Bit 1-2 Kernel Page size. 0 - Unspecified.": with
  // image_size != 0 that is a v3.17+ header that does not say.
  for (uint32_t host : {4096u, 16384u, 65536u, 0u}) {
    auto kernel = ParseKernel(ImageBytes(0, 0x10000, 0), "any.img", host);
    ASSERT_TRUE(kernel.ok()) << kernel.status();
    EXPECT_EQ(kernel->page_size, 0u);
  }
}

// The page size in flags bits 1-2 only tells the loader what the kernel
// was built for: kexec_load copies pages of the running kernel and does
// not care (the kernel's own kexec_file_load checks that the CPU supports
// the granule, not that it matches). A 4K mdboot may load a 64K target; the
// plan warns (PlanInput::kernel_page_size).
TEST(ParseKernel, AnyPageSizeLoadsFromAnyHost) {
  const struct {
    uint64_t flags;
    uint32_t page_size;
  } kKernels[] = {{1 << 1, 4096}, {2 << 1, 16384}, {3 << 1, 65536}};
  for (const auto& k : kKernels) {
    for (uint32_t host : {4096u, 16384u, 65536u, 0u}) {
      SCOPED_TRACE(absl::StrCat(k.page_size, " on ", host));
      auto kernel = ParseKernel(ImageBytes(0, 0x10000, k.flags), "k.img", host);
      ASSERT_TRUE(kernel.ok()) << kernel.status();
      EXPECT_EQ(kernel->page_size, k.page_size);
    }
  }
}

TEST(ParseKernel, ImageExactlyImageSizeLong) {
  auto kernel = ParseKernel(ImageBytes(0, 256, 0x2, 256), "exact.img", 4096);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_EQ(kernel->image.size(), 256u);
}

// Every synthetic fixture holds the same Image (make_fixtures.sh): 8 KiB,
// text_offset 0, image_size 64 KiB, flags 0xa.
TEST(ParseKernel, AcceptsEveryFixtureFormat) {
  const std::vector<uint8_t> image = Fixture("Image");
  ASSERT_EQ(image.size(), 8192u);
  std::vector<uint8_t> padded = image;  // zboot pads to image_size.
  padded.resize(0x10000, 0);
  struct Case {
    const char* file;
    const char* format;
    const std::vector<uint8_t>* image;
  };
  const Case cases[] = {
      {"Image", "Image", &image},
      {"Image.gz", "Image.gz", &image},
      {"Image.zst", "Image.zst", &image},
      {"vmlinuz-zboot-gzip.efi", "EFI zboot (gzip)", &padded},
      {"vmlinuz-zboot-zstd.efi", "EFI zboot (zstd)", &padded},
      {"uImage", "U-Boot legacy + Image", &image},
      {"uImage.gz", "U-Boot legacy + Image.gz", &image},
  };
  for (const Case& c : cases) {
    auto kernel = ParseKernel(Fixture(c.file), c.file, 4096);
    ASSERT_TRUE(kernel.ok()) << kernel.status();
    EXPECT_EQ(kernel->format, c.format) << c.file;
    EXPECT_TRUE(kernel->image == *c.image) << c.file;
    EXPECT_EQ(kernel->text_offset, 0u) << c.file;
    EXPECT_EQ(kernel->image_size, 0x10000u) << c.file;
    EXPECT_EQ(kernel->flags, 0xau) << c.file;
    EXPECT_EQ(kernel->page_size, 4096u) << c.file;
    EXPECT_TRUE(kernel->any_placement) << c.file;
    EXPECT_FALSE(kernel->legacy_image_size) << c.file;
  }
}

// ReadKernel() gives what ParseKernel() gives for every format; a raw Image
// stays in the file's mapping (no copy), the others are unpacked from it.
TEST(ReadKernel, SameResultAsParseKernelAndRawImageStaysMapped) {
  for (const char* file : {"Image", "Image.gz", "Image.zst",
                           "vmlinuz-zboot-gzip.efi", "vmlinuz-zboot-zstd.efi",
                           "uImage", "uImage.gz"}) {
    const std::string path = absl::StrCat(kFixtures, file);
    auto parsed = ParseKernel(Fixture(file), path, 4096);
    auto read = ReadKernel(path, 4096, 1 << 20);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->format, parsed->format) << file;
    EXPECT_TRUE(std::equal(read->bytes().begin(), read->bytes().end(),
                           parsed->image.begin(), parsed->image.end()))
        << file;
    EXPECT_EQ(read->image_size, parsed->image_size) << file;
    EXPECT_EQ(read->text_offset, parsed->text_offset) << file;
    EXPECT_EQ(read->flags, parsed->flags) << file;
    const bool raw = absl::string_view(file) == "Image";
    EXPECT_EQ(read->mapped.mapped(), raw) << file;
    EXPECT_EQ(read->image.empty(), raw) << file;
    if (raw) {
      EXPECT_EQ(read->bytes().data(), read->mapped.bytes().data());
    }
  }
}

TEST(ReadKernel, RefusesWithTheFilesName) {
  const std::string image = absl::StrCat(kFixtures, "Image");
  auto big = ReadKernel(image, 4096, 4096);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(big.status().message(),
            absl::StrCat(image, ": 8192 bytes is larger than the 4096-byte "
                                "limit"));
  // The header check runs on the mapping as on a buffer.
  const std::string unaligned =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/unaligned.img");
  ASSERT_TRUE(
      WriteFileAtomic(unaligned, ImageBytes(0x80010, 0x10000, 0x2)).ok());
  auto offset = ReadKernel(unaligned, 4096, 1 << 20);
  EXPECT_EQ(offset.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(offset.status().message()),
              ::testing::StartsWith(
                  absl::StrCat(unaligned,
                               ": Image: text_offset 0x80010 is not a multiple "
                               "of 4 KiB")));
  // A 4K kernel from a 16K host: loaded (the plan warns).
  auto page = ReadKernel(image, 16384, 1 << 20);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->page_size, 4096u);
  auto initrd = ReadKernel(absl::StrCat(kFixtures, "initrd.cpio.gz"), 4096,
                           1 << 20);
  EXPECT_EQ(initrd.status().code(), absl::StatusCode::kInvalidArgument);
  auto missing = ReadKernel(absl::StrCat(kFixtures, "no-such"), 4096, 1 << 20);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto dir = ReadKernel(kFixtures, 4096, 1 << 20);
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ParseKernel, WrapsCombineInTheFormatName) {
  const std::vector<uint8_t> image = Fixture("Image");
  auto zboot_in_uboot =
      ParseKernel(Uboot(Fixture("vmlinuz-zboot-zstd.efi")), "u.efi", 4096);
  ASSERT_TRUE(zboot_in_uboot.ok()) << zboot_in_uboot.status();
  EXPECT_EQ(zboot_in_uboot->format, "U-Boot legacy + EFI zboot (zstd)");
  auto zst_in_uboot = ParseKernel(Uboot(Fixture("Image.zst"), 2, 6),
                                  "u.zst", 4096);
  ASSERT_TRUE(zst_in_uboot.ok()) << zst_in_uboot.status();
  EXPECT_EQ(zst_in_uboot->format, "U-Boot legacy + Image.zst");
  EXPECT_TRUE(zst_in_uboot->image == image);
  // kernel_noload (type 14) is a kernel too.
  auto noload = ParseKernel(Uboot(image, 14), "noload", 4096);
  ASSERT_TRUE(noload.ok()) << noload.status();
}

TEST(ParseKernel, GzipPaddedWithZerosIsAccepted) {
  std::vector<uint8_t> gz = Fixture("Image.gz");
  gz.resize(4096, 0);
  auto kernel = ParseKernel(gz, "padded.gz", 4096);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_EQ(kernel->image.size(), 8192u);
}

// The first 4 KiB of Debian bookworm's linux-image-6.1.0-56-arm64
// 6.1.192-2 vmlinuz, a raw EFI-stub Image (testdata/README.md). The whole
// file is 32956352 bytes: text and data up to 32954880 (the end of its
// PE/COFF .data section), then the Authenticode signature.
constexpr size_t kRealDataEnd = 32954880;
constexpr char kRealTruncated[] =
    ": Image: truncated: its PE/COFF section .data (PointerToRawData + "
    "SizeOfRawData) says the Image holds 32954880 bytes of text and data "
    "(image_size 33619968 with BSS), but only ";

TEST(ParseKernel, RealDebianHeadIsRefusedAsTruncated) {
  const std::vector<uint8_t> head = Fixture(kRealHead);
  ASSERT_EQ(head.size(), 4096u);
  auto kernel = ParseKernel(head, kRealHead, 4096);
  EXPECT_EQ(kernel.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(kernel.status().message(),
            absl::StrCat(kRealHead, kRealTruncated, "4096 are present"));
  // One byte short of the data is still refused.
  std::vector<uint8_t> short_by_one = head;
  short_by_one.resize(kRealDataEnd - 1);
  auto one = ParseKernel(short_by_one, "short.img", 4096);
  EXPECT_EQ(one.status().message(),
            absl::StrCat("short.img", kRealTruncated, "32954879 are present"));
  // Compressed, the Image inside is what must be whole.
  auto gz = ParseKernel(Gzip(head), "head.gz", 4096);
  EXPECT_EQ(gz.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(gz.status().message()),
              HasSubstr("head.gz: Image.gz: truncated: its PE/COFF section "
                        ".data"));
}

TEST(ParseKernel, RealDebianHeaderWithItsWholeLength) {
  std::vector<uint8_t> head = Fixture(kRealHead);
  ASSERT_EQ(head.size(), 4096u);
  std::vector<uint8_t> image = head;
  image.resize(kRealDataEnd);  // The rest of the text and data, as zeros.
  auto kernel = ParseKernel(image, kRealHead, 4096);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_EQ(kernel->format, "Image");
  EXPECT_EQ(kernel->text_offset, 0u);
  EXPECT_EQ(kernel->image_size, 0x2010000u);
  EXPECT_EQ(kernel->flags, 0xau);
  EXPECT_EQ(kernel->page_size, 4096u);
  EXPECT_TRUE(kernel->any_placement);
  EXPECT_FALSE(kernel->legacy_image_size);
  EXPECT_EQ(kernel->image, image);
  // Its code0 reads "MZ" (the EFI stub), which must not be taken for zboot.
  EXPECT_EQ(head[0], 'M');
  EXPECT_EQ(head[1], 'Z');

  // From a 16K kernel: the same result (the plan warns about the pages).
  auto on16k = ParseKernel(image, kRealHead, 16384);
  ASSERT_TRUE(on16k.ok()) << on16k.status();
  EXPECT_EQ(on16k->page_size, 4096u);
  // Wrapped as a distribution would: zboot pads the Image to image_size.
  image.resize(0x2010000);
  auto zboot = ParseKernel(Zboot(Zstd(image), "zstd22"), "head.efi", 4096);
  ASSERT_TRUE(zboot.ok()) << zboot.status();
  EXPECT_EQ(zboot->format, "EFI zboot (zstd)");
  EXPECT_EQ(zboot->image.size(), 0x2010000u);
}

// Without a PE/COFF header, the entry branch must land inside the file.
TEST(ParseKernel, EntryBranchMustLandInsideTheFile) {
  // code0 is "b +0x40": the instruction at 0x40 must be there.
  auto ok = ParseKernel(ImageBytes(0, 0x10000, 0x2, 0x44), "enough.img", 4096);
  EXPECT_TRUE(ok.ok()) << ok.status();
  auto cut = ParseKernel(ImageBytes(0, 0x10000, 0x2, 0x40), "cut.img", 4096);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cut.status().message(),
            "cut.img: Image: truncated: its code0 (the entry branch to offset "
            "0x40) says the Image holds 68 bytes of text and data (image_size "
            "65536 with BSS), but only 64 are present");
  // The synthetic fixture: EFI-style code0 ("MZ"), code1 "b +0x1000".
  std::vector<uint8_t> fixture = Fixture("Image");
  fixture.resize(4096);
  auto half = ParseKernel(fixture, "Image.4k", 4096);
  EXPECT_EQ(half.status().message(),
            "Image.4k: Image: truncated: its code1 (the entry branch to offset "
            "0x1004) says the Image holds 4104 bytes of text and data "
            "(image_size 65536 with BSS), but only 4096 are present");
  // The legacy rule (image_size 0) does not exempt a cut file.
  auto legacy = ParseKernel(ImageBytes(0, 0, 0, 0x40), "old.img", 4096);
  EXPECT_EQ(legacy.status().code(), absl::StatusCode::kDataLoss);
}

// A whole real kernel, when FDT_HANDOFF_REAL_KERNEL names one:
//   testdata/kernel/fetch_real_kernel.sh   # Debian's current one, cached
//   ./tools/test.sh                        # passes the newest cached one
// Any version: nothing here is tied to one Debian kernel.
TEST(ParseKernel, RealKernelFromEnvironment) {
  const char* path = std::getenv("FDT_HANDOFF_REAL_KERNEL");
  if (path == nullptr || *path == '\0') {
    GTEST_SKIP() << "FDT_HANDOFF_REAL_KERNEL not set";
  }
  auto file = ReadFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  auto kernel = ParseKernel(*file, path, 4096);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  std::cout << path << ": format " << kernel->format << ", Image "
            << kernel->image.size() << " bytes, text_offset 0x" << std::hex
            << kernel->text_offset << ", image_size 0x" << kernel->image_size
            << ", flags 0x" << kernel->flags << std::dec << ", page size "
            << kernel->page_size << "\n";
  EXPECT_FALSE(kernel->legacy_image_size);
  EXPECT_LT(kernel->text_offset, uint64_t{2} << 20);
  EXPECT_GE(kernel->image_size, kernel->image.size());
  EXPECT_LT(kernel->image_size, uint64_t{256} << 20);
  EXPECT_GT(kernel->image.size(), size_t{1} << 20);
  EXPECT_TRUE(kernel->page_size == 0 || kernel->page_size == 4096);
  // Its first 4 KiB alone are refused as truncated (any version: the test
  // does not assume which kernel the archive holds today).
  const std::vector<uint8_t> head(kernel->image.begin(),
                                  kernel->image.begin() + 4096);
  auto cut = ParseKernel(head, "head", 4096);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(cut.status().message()),
              HasSubstr("head: Image: truncated: its "));
}

// --- StripUbootLegacyHeader ---------------------------------------------------

TEST(StripUbootLegacyHeader, UnwrapsUInitrd) {
  auto initrd = StripUbootLegacyHeader(Fixture("uInitrd"), "uInitrd");
  ASSERT_TRUE(initrd.ok()) << initrd.status();
  EXPECT_EQ(*initrd, Fixture("initrd.cpio.gz"));
}

TEST(StripUbootLegacyHeader, PassesOtherFilesThrough) {
  const std::vector<uint8_t> plain = Fixture("initrd.cpio.gz");
  auto out = StripUbootLegacyHeader(plain, "initrd.img");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, plain);
  auto empty = StripUbootLegacyHeader({}, "empty");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

TEST(StripUbootLegacyHeader, RefusesDamageAndKernels) {
  std::vector<uint8_t> u = Fixture("uInitrd");
  {
    std::vector<uint8_t> b = u;
    SetUbootSize(1000, &b);
    auto out = StripUbootLegacyHeader(b, "uInitrd");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "uInitrd: U-Boot legacy header: the header says 1000 data "
              "bytes, but only 49 follow the 64-byte header");
  }
  {
    std::vector<uint8_t> b(u.begin(), u.begin() + 30);
    auto out = StripUbootLegacyHeader(b, "uInitrd");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "uInitrd: U-Boot legacy header: 30 bytes is too short for the "
              "64-byte header");
  }
  {
    auto out = StripUbootLegacyHeader(Fixture("uImage"), "uImage");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(out.status().message(),
              "uImage: U-Boot legacy header: this is a U-Boot kernel image "
              "(mkimage -T kernel), not a ramdisk");
  }
  {
    auto out = StripUbootLegacyHeader(Uboot(Bytes("x"), 7), "fs.uimg");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(out.status().message(),
              "fs.uimg: U-Boot legacy header: image type 7 is not a ramdisk "
              "(mkimage -T ramdisk)");
  }
  {
    auto out = StripUbootLegacyHeader(Uboot(Bytes("x"), 4), "multi.uimg");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
  }
}

// --- ReadInitrd ------------------------------------------------------------

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string WriteTmp(const std::string& name,
                     const std::vector<uint8_t>& bytes) {
  const std::string path = TmpPath(name);
  EXPECT_TRUE(WriteFileAtomic(path, bytes).ok());
  return path;
}

TEST(ReadInitrd, UnwrapsUInitrdInPlace) {
  const std::string path =
      WriteTmp("uInitrd", Fixture("uInitrd"));
  auto initrd = ReadInitrd(path, 1 << 20, "the limit");
  ASSERT_TRUE(initrd.ok()) << initrd.status();
  EXPECT_TRUE(initrd->uboot_header);
  const std::vector<uint8_t> cpio = Fixture("initrd.cpio.gz");
  EXPECT_TRUE(std::equal(initrd->payload.begin(), initrd->payload.end(),
                         cpio.begin(), cpio.end()));
  // The payload is the file's own buffer past the header: no copy, and a
  // move keeps it.
  EXPECT_EQ(initrd->payload.data(), initrd->file.bytes().data() + 64);
  Initrd moved = *std::move(initrd);
  EXPECT_EQ(moved.payload.data(), moved.file.bytes().data() + 64);

  auto plain = ReadInitrd(WriteTmp("initrd.gz", cpio), 1 << 20, "the limit");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->uboot_header);
  EXPECT_EQ(plain->payload.data(), plain->file.bytes().data());
  EXPECT_EQ(plain->payload.size(), cpio.size());
}

TEST(ReadInitrd, RefusesBeforeReading) {
  const std::string big = WriteTmp("big.img", std::vector<uint8_t>(5000, 1));
  auto over = ReadInitrd(big, 4096, "usable RAM beside the kernel");
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status().message(),
            absl::StrCat(big, ": the initrd is 5000 bytes, more than the 4096 "
                              "bytes of usable RAM beside the kernel; not "
                              "reading it"));

  const std::string empty = WriteTmp("empty.img", {});
  auto zero = ReadInitrd(empty, 4096, "x");
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(zero.status().message(),
            absl::StrCat(empty, ": the initrd is empty (0 bytes)"));

  const std::string empty_uboot =
      WriteTmp("empty.uimg", Uboot(std::vector<uint8_t>(), 3));
  auto zero_payload = ReadInitrd(empty_uboot, 4096, "x");
  EXPECT_EQ(zero_payload.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(zero_payload.status().message()),
              HasSubstr(": the initrd is empty (a U-Boot header around 0 "
                        "bytes)"));

  // A FIFO with no writer would block a plain open() forever.
  const std::string fifo = TmpPath("initrd.fifo");
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = ReadInitrd(fifo, 4096, "x");
  EXPECT_EQ(pipe.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(pipe.status().message(),
            absl::StrCat(fifo, ": is a FIFO (named pipe), not a regular "
                               "file"));

  auto dir = ReadInitrd(TmpPath(""), 4096, "x");
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kFailedPrecondition);
  auto missing = ReadInitrd(TmpPath("no-such-initrd"), 4096, "x");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  auto kernel = ReadInitrd(WriteTmp("uImage", Fixture("uImage")), 1 << 20, "x");
  EXPECT_EQ(kernel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(kernel.status().message()),
              HasSubstr("this is a U-Boot kernel image"));
}

}  // namespace
}  // namespace fdt_handoff
