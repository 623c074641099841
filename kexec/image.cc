#include "kexec/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/optional.h"
#include "fdt/endian.h"
#include "fdt/file_io.h"
#include "fdt/status_macros.h"
#include "fdt/unique_fd.h"
#include "kexec/decompress.h"

namespace fdt_handoff {
namespace {

bool HasBytesAt(absl::Span<const uint8_t> b, size_t off,
                absl::string_view magic) {
  return b.size() >= off + magic.size() &&
         std::memcmp(b.data() + off, magic.data(), magic.size()) == 0;
}

// --- The arm64 Image header (booting.rst, "4. Call the kernel image") -----
//
//   u32 code0;                    /* Executable code */
//   u32 code1;                    /* Executable code */
//   u64 text_offset;              /* Image load offset, little endian */
//   u64 image_size;               /* Effective Image size, little endian */
//   u64 flags;                    /* kernel flags, little endian */
//   u64 res2..res4 = 0;           /* reserved */
//   u32 magic = 0x644d5241;       /* Magic number, little endian, "ARM\x64" */
//   u32 res5;                     /* reserved (used for PE COFF offset) */
constexpr size_t kTextOffsetAt = 8;
constexpr size_t kImageSizeAt = 16;
constexpr size_t kFlagsAt = 24;
constexpr size_t kImageMagicAt = 56;
constexpr uint32_t kImageMagic = 0x644d5241;

// Flags: "Bit 0  Kernel endianness. 1 if BE, 0 if LE."
//        "Bit 1-2  Kernel Page size. 0 - Unspecified. 1 - 4K 2 - 16K 3 - 64K"
//        "Bit 3  Kernel physical placement"
constexpr uint64_t kFlagBigEndian = uint64_t{1} << 0;
constexpr int kFlagPageSizeShift = 1;
constexpr uint64_t kFlagPageSizeMask = 3;
constexpr uint64_t kFlagAnyPlacement = uint64_t{1} << 3;
constexpr uint32_t kPageSizes[] = {0, 4096, 16384, 65536};

// "The Image must be placed text_offset bytes from a 2MB aligned base".
// Every kernel has kept text_offset below that alignment; a larger value is
// treated as damage so that placement arithmetic stays meaningful.
constexpr uint64_t kTextOffsetLimit = uint64_t{2} << 20;

// --- U-Boot legacy header (U-Boot include/image.h, all big-endian) ---------
//   0 magic  4 hcrc  8 time  12 size  16 load  20 ep  24 dcrc
//   28 os  29 arch  30 type  31 comp  32 name[32]
constexpr uint32_t kUbootMagic = 0x27051956;
constexpr size_t kUbootHcrcAt = 4;
constexpr size_t kUbootSizeAt = 12;
constexpr size_t kUbootDcrcAt = 24;
constexpr size_t kUbootTypeAt = 30;
constexpr size_t kUbootCompAt = 31;
constexpr uint8_t kUbootTypeKernel = 2;
constexpr uint8_t kUbootTypeRamdisk = 3;
constexpr uint8_t kUbootTypeMulti = 4;
constexpr uint8_t kUbootTypeKernelNoload = 14;
constexpr uint8_t kUbootCompNone = 0;
constexpr uint8_t kUbootCompGzip = 1;
constexpr uint8_t kUbootCompZstd = 6;

// --- EFI zboot header (drivers/firmware/efi/libstub/zboot-header.S) --------
//   0 "MZ\0\0"  4 "zimg"  8 payload offset (LE32)  12 payload size (LE32)
//   16 reserved[2]  24 compression type, NUL-terminated ("gzip", "zstd22")
//   56 LINUX_PE_MAGIC  60 PE header offset
constexpr size_t kZbootHeaderSize = 64;
constexpr size_t kZbootPayloadOffsetAt = 8;
constexpr size_t kZbootPayloadSizeAt = 12;
constexpr size_t kZbootCompAt = 24;
constexpr size_t kZbootCompEnd = 56;

constexpr absl::string_view kGzipMagic("\x1f\x8b", 2);
constexpr absl::string_view kZstdMagic("\x28\xb5\x2f\xfd", 4);

bool IsImage(absl::Span<const uint8_t> b) {
  return b.size() >= kArm64ImageHeaderSize &&
         LoadLe32(b.data() + kImageMagicAt) == kImageMagic;
}
bool IsUbootLegacy(absl::Span<const uint8_t> b) {
  return b.size() >= 4 && LoadBe32(b.data()) == kUbootMagic;
}
bool IsGzip(absl::Span<const uint8_t> b) { return HasBytesAt(b, 0, kGzipMagic); }
bool IsZstd(absl::Span<const uint8_t> b) { return HasBytesAt(b, 0, kZstdMagic); }
bool IsZboot(absl::Span<const uint8_t> b) {
  return HasBytesAt(b, 0, "MZ") && HasBytesAt(b, 4, "zimg");
}

// Compression formats the kernel build knows but this loader does not
// decompress; recognised only to say so.
absl::string_view OtherCompression(absl::Span<const uint8_t> b) {
  if (HasBytesAt(b, 0, absl::string_view("\xfd" "7zXZ\0", 6))) return "xz";
  if (HasBytesAt(b, 0, absl::string_view("\x5d\x00\x00", 3))) return "lzma";
  if (HasBytesAt(b, 0, "BZh")) return "bzip2";
  if (HasBytesAt(b, 0, "\x04\x22\x4d\x18") ||
      HasBytesAt(b, 0, "\x02\x21\x4c\x18")) {
    return "lz4";
  }
  if (HasBytesAt(b, 0, "\x89LZO")) return "lzo";
  return "";
}

// Other files people mistake for a kernel.
absl::string_view OtherFileType(absl::Span<const uint8_t> b) {
  if (HasBytesAt(b, 0, "\xd0\x0d\xfe\xed")) return "a device tree blob (DTB)";
  if (HasBytesAt(b, 0, "070701") || HasBytesAt(b, 0, "070702")) {
    return "a cpio archive (an initramfs?)";
  }
  // arm32 zImage: magic 0x016f2818 (LE) at offset 0x24.
  if (b.size() >= 0x28 && LoadLe32(b.data() + 0x24) == 0x016f2818) {
    return "a 32-bit ARM zImage";
  }
  if (IsUbootLegacy(b)) {
    return "a U-Boot legacy image (nested U-Boot headers are not unwrapped)";
  }
  return "";
}

// Joins the origin and, for data found inside a container, the layer.
std::string Where(absl::string_view origin, absl::string_view layer) {
  return layer.empty() ? std::string(origin)
                       : absl::StrCat(origin, ": ", layer);
}

// The error for `b`, which is none of the formats ParseKernel() unpacks.
// `layer` names where `b` came from ("" for the file itself).
absl::Status NotAKernel(absl::Span<const uint8_t> b, absl::string_view origin,
                        absl::string_view layer) {
  const std::string where = Where(origin, layer);
  if (HasBytesAt(b, 0, "\x7f" "ELF")) {
    return absl::UnimplementedError(absl::StrCat(
        where,
        ": this is an ELF file (vmlinux); kexec on arm64 needs the Image "
        "(arch/arm64/boot/Image or Image.gz)"));
  }
  const absl::string_view compression = OtherCompression(b);
  if (!compression.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        where, ": this is ", compression,
        "-compressed data; only gzip and zstd are decompressed here "
        "(decompress it first, or use the Image or Image.gz)"));
  }
  const absl::string_view type = OtherFileType(b);
  if (!type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": this is ", type, ", not an arm64 kernel"));
  }
  if (b.size() < kArm64ImageHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        where, ": ", b.size(),
        " bytes is too short for an arm64 Image, whose header alone is 64 "
        "bytes"));
  }
  if (HasBytesAt(b, 0, "MZ")) {
    return absl::InvalidArgumentError(absl::StrCat(
        where,
        ": this is a PE/COFF executable (\"MZ\") but neither an arm64 Image "
        "(no \"ARM\\x64\" magic at offset 56) nor an EFI zboot image (no "
        "\"zimg\" at offset 4)"));
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: not an arm64 kernel: no \"ARM\\x64\" magic at offset 56 (found "
      "0x%08x) and no gzip, zstd, EFI zboot or U-Boot legacy signature",
      where, LoadLe32(b.data() + kImageMagicAt)));
}

// --- Is the whole payload there? --------------------------------------------
//
// An Image file is the kernel's text and data; BSS (and the early page
// tables) follow it in memory only. image_size covers both ("Effective Image
// size", booting.rst; the kernel's image.h sets it to _end - _text), and
// Linux's own loader, arch/arm64/kernel/kexec_image.c, copies the file and
// zero-fills the rest ("kbuf.bufsz = kernel_len; kbuf.memsz =
// le64_to_cpu(h->image_size)"), so a truncated file would run zeros where
// its code belongs. The rule applied here: every byte the kernel runs or
// reads as initialised data (_text up to _edata) must be in the file. Only
// BSS may be missing, and the kernel clears that itself.
//
// _edata - _text is recorded exactly in EFI-stub Images (every distribution
// kernel): arch/arm64/kernel/efi-header.S gives the PE/COFF sections
// .text and .data "PointerToRawData" + "SizeOfRawData" up to
// __pecoff_data_rawsize, which vmlinux.lds.S ends at _edata. A kernel
// without the EFI stub records no end of data; there the entry branch
// (booting.rst: code0/code1 "Executable code", `b primary_entry`, whose
// target lies in .init.text near the end of the text) must land inside
// the file.

// PE/COFF (Microsoft PE format, "COFF File Header" and "Section Table").
constexpr size_t kPeOffsetAt = 60;            // e_lfanew, Image "res5".
constexpr size_t kPeCoffHeaderSize = 24;      // "PE\0\0" + COFF header.
constexpr size_t kPeSectionCountAt = 6;       // From "PE\0\0".
constexpr size_t kPeOptionalSizeAt = 20;      // From "PE\0\0".
constexpr size_t kPeSectionSize = 40;
constexpr size_t kPeRawSizeAt = 16;           // SizeOfRawData.
constexpr size_t kPeRawPointerAt = 20;        // PointerToRawData.

// The bytes an Image must hold, and which header field says so.
struct PayloadExtent {
  uint64_t bytes = 0;
  std::string field;  // For messages; empty when nothing is known.
};

// The end of the last PE/COFF section's raw data, when `b` carries a PE
// header at e_lfanew whose section table lies inside `b`.
absl::optional<PayloadExtent> PeExtent(absl::Span<const uint8_t> b) {
  const uint64_t pe = LoadLe32(b.data() + kPeOffsetAt);
  if (pe < kArm64ImageHeaderSize || pe + kPeCoffHeaderSize > b.size() ||
      !HasBytesAt(b, pe, absl::string_view("PE\0\0", 4))) {
    return absl::nullopt;
  }
  const uint64_t count = uint64_t{b[pe + kPeSectionCountAt]} |
                         uint64_t{b[pe + kPeSectionCountAt + 1]} << 8;
  const uint64_t optional = uint64_t{b[pe + kPeOptionalSizeAt]} |
                            uint64_t{b[pe + kPeOptionalSizeAt + 1]} << 8;
  const uint64_t table = pe + kPeCoffHeaderSize + optional;
  if (table + count * kPeSectionSize > b.size()) return absl::nullopt;
  PayloadExtent out;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t s = table + i * kPeSectionSize;
    const uint64_t end = uint64_t{LoadLe32(b.data() + s + kPeRawPointerAt)} +
                         LoadLe32(b.data() + s + kPeRawSizeAt);
    if (end > out.bytes) {
      const auto* name = reinterpret_cast<const char*>(b.data() + s);
      out.bytes = end;
      out.field = absl::StrCat(
          "PE/COFF section ",
          absl::CHexEscape(absl::string_view(name, strnlen(name, 8))),
          " (PointerToRawData + SizeOfRawData)");
    }
  }
  return out;
}

// The byte after the instruction the entry branch (code0, or code1 after
// the EFI stub's "MZ" instruction) jumps to, when one of them is a `B`.
absl::optional<PayloadExtent> BranchExtent(absl::Span<const uint8_t> b) {
  for (size_t at : {size_t{0}, size_t{4}}) {
    const uint32_t insn = LoadLe32(b.data() + at);
    if ((insn >> 26) != 0x05) continue;  // B imm26: 0b000101.
    int64_t imm = insn & 0x3ffffff;
    if ((imm & 0x2000000) != 0) imm -= int64_t{1} << 26;
    const int64_t target = static_cast<int64_t>(at) + imm * 4;
    PayloadExtent out;
    out.bytes = target < 0 ? ~uint64_t{0} : static_cast<uint64_t>(target) + 4;
    out.field = absl::StrFormat("code%d (the entry branch to offset 0x%x)",
                                at / 4, target);
    return out;
  }
  return absl::nullopt;
}

// Refuses an Image file that lacks part of its text or data (see above).
absl::Status CheckPayloadPresent(absl::Span<const uint8_t> b,
                                 absl::string_view where,
                                 uint64_t image_size) {
  absl::optional<PayloadExtent> extent = PeExtent(b);
  if (!extent.has_value()) extent = BranchExtent(b);
  if (!extent.has_value() || b.size() >= extent->bytes) {
    return absl::OkStatus();
  }
  return absl::DataLossError(absl::StrFormat(
      "%s: truncated: its %s says the Image holds %d bytes of text and "
      "data (image_size %d with BSS), but only %d are present",
      where, extent->field, extent->bytes, image_size, b.size()));
}

// The header predates v3.17 (image_size 0): fills in what booting.rst lets
// a loader assume.
void UseLegacyDefaults(size_t file_bytes, Arm64Image* image) {
  Arm64Image& out = *image;
  // booting.rst: "Prior to v3.17, the endianness of text_offset was not
  // specified. In these cases image_size is zero and text_offset is
  // 0x80000 in the endianness of the kernel. [...] Where image_size is
  // zero, text_offset can be assumed to be 0x80000." The flags field was
  // "introduced in v3.17" as well, so it is ignored here. For the size,
  // "a bootloader should attempt to keep as much memory as possible free
  // [...] The amount of space required [...] is effectively unbound":
  // assume 16 MiB like kexec-tools, U-Boot and u-root, or the Image's own
  // length if it is longer.
  out.legacy_image_size = true;
  out.text_offset = kLegacyTextOffset;
  out.image_size = std::max<uint64_t>(kLegacyImageSize, file_bytes);
  out.flags = 0;
}

// Decodes the flags of a v3.17+ header into `out` and refuses what cannot
// be loaded here.
absl::Status CheckFlags(absl::string_view where, Arm64Image* image) {
  Arm64Image& out = *image;
  // "Bit 0 Kernel endianness. 1 if BE, 0 if LE." We load little-endian
  // kernels only (as kexec_file does on a little-endian host without
  // mixed-endian support).
  if ((out.flags & kFlagBigEndian) != 0) {
    return absl::UnimplementedError(absl::StrCat(
        where,
        ": big-endian kernel (flags bit 0 set); only little-endian arm64 "
        "kernels can be loaded"));
  }
  // "Bit 1-2 Kernel Page size. 0 - Unspecified. 1 - 4K 2 - 16K 3 - 64K":
  // every value is defined, and none stops the load. The field tells the
  // loader what the kernel was built for; kexec_load copies pages of the
  // running kernel whatever the new one uses, and the kernel's own
  // kexec_file_load (arch/arm64/kernel/kexec_image.c) refuses only a
  // granule the CPU lacks (system_supports_*kb_granule()), not a
  // difference. The plan warns about one (PlanInput::kernel_page_size).
  out.page_size =
      kPageSizes[(out.flags >> kFlagPageSizeShift) & kFlagPageSizeMask];
  // "Bit 3 Kernel physical placement. 0: 2MB aligned base should be as close
  // as possible to the base of DRAM [...] 1: 2MB aligned base such that all
  // image_size bytes counted from the start of the image are within the
  // 48-bit addressable range of physical memory"
  out.any_placement = (out.flags & kFlagAnyPlacement) != 0;
  return absl::OkStatus();
}

// booting.rst: "The Image must be placed text_offset bytes from a 2MB
// aligned base address anywhere in usable system RAM and called there. The
// region between the 2 MB aligned base address and the start of the image
// has no special significance to the kernel". It asks for no alignment
// beyond that; kexec_load does: every segment must start on a page of the
// running kernel (sanity_check_segment_list(), -EADDRNOTAVAIL), and the
// kernel's segment starts at base + text_offset. Refused here rather than
// placed at the page below with a zero prefix: kexec_load zero-fills only
// past a segment's buffer, so a prefix would mean copying the whole Image
// (a raw Image is loaded from its mapping, uncopied) for a text_offset no
// Linux build has written (0x80000 before v5.8, 0 since,
// RANDOMIZE_TEXT_OFFSET a multiple of 4 KiB or of the kernel's page), and
// that kexec-tools ("Base address ... is not page aligned") and the
// kernel's own kexec_file_load refuse as well.
absl::Status CheckTextOffset(absl::string_view where, uint64_t text_offset,
                             uint32_t running_page_size) {
  constexpr uint64_t kSmallestPage = 4096;
  if (text_offset % kSmallestPage != 0) {
    return absl::DataLossError(absl::StrFormat(
        "%s: text_offset 0x%x is not a multiple of 4 KiB (no arm64 kernel has "
        "one: 0x80000 before v5.8, 0 since, a page multiple when randomized); "
        "the Image could not start on a page boundary, which kexec_load "
        "requires",
        where, text_offset));
  }
  if (running_page_size != 0 && text_offset % running_page_size != 0) {
    return absl::UnimplementedError(absl::StrFormat(
        "%s: text_offset 0x%x is not a multiple of the running kernel's %d KiB "
        "pages; kexec_load places segments on page boundaries only, so this "
        "kernel cannot be loaded from a %d KiB-page kernel",
        where, text_offset, running_page_size / 1024,
        running_page_size / 1024));
  }
  return absl::OkStatus();
}

// Decodes and checks the header of `b`, a raw Image (IsImage() holds), into
// the fields of the result; the caller gives it the bytes. `format` names
// the packing, for Arm64Image::format and messages.
absl::StatusOr<Arm64Image> CheckImageFields(absl::Span<const uint8_t> b,
                                            absl::string_view origin,
                                            std::string format,
                                            uint32_t running_page_size,
                                            size_t max_image_size) {
  const std::string where = absl::StrCat(origin, ": ", format);
  if (!IsImage(b)) {  // The callers check; kept as the contract's guard.
    return absl::DataLossError(
        absl::StrCat(where, ": no arm64 Image header (\"ARM\\x64\" magic)"));
  }
  if (b.size() > max_image_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat(where, ": the Image is ", b.size(),
                     " bytes, more than the limit of ", max_image_size));
  }
  Arm64Image out;
  out.text_offset = LoadLe64(b.data() + kTextOffsetAt);
  out.image_size = LoadLe64(b.data() + kImageSizeAt);
  out.flags = LoadLe64(b.data() + kFlagsAt);
  out.format = std::move(format);

  if (out.image_size == 0) {
    UseLegacyDefaults(b.size(), &out);
    RETURN_IF_ERROR(CheckPayloadPresent(b, where, out.image_size));
    return out;
  }

  RETURN_IF_ERROR(CheckFlags(where, &out));

  // "The Image must be placed text_offset bytes from a 2MB aligned base
  // address anywhere in usable system RAM and called there."
  if (out.text_offset >= kTextOffsetLimit) {
    return absl::DataLossError(absl::StrFormat(
        "%s: text_offset 0x%x is not below 2 MiB, the alignment of the base "
        "the Image is placed above",
        where, out.text_offset));
  }
  RETURN_IF_ERROR(CheckTextOffset(where, out.text_offset, running_page_size));
  // "At least image_size bytes from the start of the image must be free for
  // use by the kernel."
  if (out.image_size > max_image_size) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: the header's image_size 0x%x (%d bytes) is more than the limit "
        "of %d bytes",
        where, out.image_size, out.image_size, max_image_size));
  }
  // "image_size: Effective Image size": it includes the BSS, so the file may
  // be shorter, but never longer.
  if (b.size() > out.image_size) {
    return absl::DataLossError(absl::StrFormat(
        "%s: the Image is %d bytes but the header's image_size is only %d; "
        "image_size must cover the whole Image (it is the Image plus BSS)",
        where, b.size(), out.image_size));
  }
  RETURN_IF_ERROR(CheckPayloadPresent(b, where, out.image_size));
  return out;
}

// CheckImageFields(), and the result takes `bytes` over.
absl::StatusOr<Arm64Image> CheckImage(std::vector<uint8_t> bytes,
                                      absl::string_view origin,
                                      std::string format,
                                      uint32_t running_page_size,
                                      size_t max_image_size) {
  ASSIGN_OR_RETURN(Arm64Image out,
                   CheckImageFields(bytes, origin, std::move(format),
                                    running_page_size, max_image_size));
  out.image = std::move(bytes);
  return out;
}

// How far to decompress a kernel: the Image header in the first 64 bytes of
// output says how long the Image can be (image_size; the legacy 0 says
// nothing), so the decompressor stops as soon as the output passes it, and
// allocates that much once. Output that does not start with an Image stops
// at once: `not_image` is its error (NotAKernel() or damage).
OutputLimit KernelOutputLimit(
    std::string where, size_t max_image_size,
    std::function<absl::Status(absl::Span<const uint8_t>)> not_image) {
  OutputLimit limit;
  limit.max_output = max_image_size;
  limit.head_size = kArm64ImageHeaderSize;
  limit.limit_from_head =
      [max_image_size, not_image](
          absl::Span<const uint8_t> head) -> absl::StatusOr<size_t> {
    if (!IsImage(head)) return not_image(head);
    const uint64_t image_size = LoadLe64(head.data() + kImageSizeAt);
    if (image_size == 0 || image_size > max_image_size) return max_image_size;
    return static_cast<size_t>(image_size);
  };
  limit.over_head_limit = [where, max_image_size](size_t cap) {
    if (cap == max_image_size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          where, ": decompresses to more than ", cap, " bytes (the limit)"));
    }
    return absl::DataLossError(absl::StrCat(
        where, ": the Image decompresses to more than ", cap,
        " bytes, its header's image_size; image_size must cover the whole "
        "Image (it is the Image plus BSS)"));
  };
  return limit;
}

// Decompresses a zboot payload compressed with `comp` (the header's type
// string) and names the format in `format`.
absl::StatusOr<std::vector<uint8_t>> DecompressZbootPayload(
    absl::Span<const uint8_t> payload, absl::string_view comp,
    const std::string& where, size_t max_image_size, std::string* format) {
  const std::string payload_origin = absl::StrCat(where, " payload");
  std::vector<uint8_t> image;
  // zboot exists to carry an Image; anything else means a damaged file.
  auto not_image = [&where](absl::Span<const uint8_t> head) {
    return absl::DataLossError(absl::StrCat(
        where, ": the decompressed payload is not an arm64 Image (its first ",
        head.size(), " bytes have no \"ARM\\x64\" magic at offset 56)"));
  };
  if (comp == "gzip") {
    ASSIGN_OR_RETURN(
        image, Gunzip(payload, payload_origin,
                      KernelOutputLimit(absl::StrCat(payload_origin, ": gzip"),
                                        max_image_size, not_image)));
    *format = "EFI zboot (gzip)";
  } else if (comp == "zstd" || comp == "zstd22") {
    ASSIGN_OR_RETURN(
        image, Unzstd(payload, payload_origin,
                      KernelOutputLimit(absl::StrCat(payload_origin, ": zstd"),
                                        max_image_size, not_image)));
    *format = "EFI zboot (zstd)";
  } else {
    return absl::UnimplementedError(absl::StrCat(
        where, ": the payload is compressed with \"", absl::CHexEscape(comp),
        "\"; only gzip and zstd zboot images can be unpacked"));
  }
  return image;
}

// EFI zboot: a PE/COFF decompressor stub with the compressed Image inside.
absl::StatusOr<Arm64Image> ParseZboot(absl::Span<const uint8_t> b,
                                      absl::string_view origin,
                                      absl::string_view prefix,
                                      uint32_t running_page_size,
                                      size_t max_image_size) {
  const std::string where = absl::StrCat(origin, ": EFI zboot");
  if (b.size() < kZbootHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        where, ": ", b.size(),
        " bytes is too short for the 64-byte zboot header"));
  }
  const uint64_t offset = LoadLe32(b.data() + kZbootPayloadOffsetAt);
  const uint64_t size = LoadLe32(b.data() + kZbootPayloadSizeAt);
  if (offset < kZbootHeaderSize || offset + size > b.size()) {
    return absl::DataLossError(absl::StrCat(
        where, ": the payload (offset ", offset, ", ", size,
        " bytes) does not lie between the 64-byte header and the end of the ",
        b.size(), "-byte file"));
  }
  const auto* comp_begin =
      reinterpret_cast<const char*>(b.data() + kZbootCompAt);
  const size_t comp_len =
      strnlen(comp_begin, kZbootCompEnd - kZbootCompAt);
  if (comp_len == kZbootCompEnd - kZbootCompAt) {
    return absl::DataLossError(absl::StrCat(
        where,
        ": the compression type at offset 24 is not NUL-terminated before "
        "offset 56"));
  }
  const absl::string_view comp(comp_begin, comp_len);
  const absl::Span<const uint8_t> payload = b.subspan(offset, size);
  std::string format;
  // Makefile.zboot: comp-type is gzip, lz4, lzma, lzo, xzkern or zstd22.
  ASSIGN_OR_RETURN(std::vector<uint8_t> image,
                   DecompressZbootPayload(payload, comp, where,
                                          max_image_size, &format));
  // zboot exists to carry an Image; anything else means a damaged file.
  if (!IsImage(image)) {
    return absl::DataLossError(absl::StrCat(
        where, ": the decompressed payload (", image.size(),
        " bytes) is not an arm64 Image (no \"ARM\\x64\" magic at offset 56)"));
  }
  return CheckImage(std::move(image), origin, absl::StrCat(prefix, format),
                    running_page_size, max_image_size);
}

// Everything but the U-Boot wrapper: raw Image, gzip, zstd, EFI zboot.
// `prefix` goes in front of the format name; `layer` names the bytes in
// messages when they are not the file itself.
absl::StatusOr<Arm64Image> ParseUnwrapped(absl::Span<const uint8_t> b,
                                          absl::string_view origin,
                                          absl::string_view prefix,
                                          absl::string_view layer,
                                          uint32_t running_page_size,
                                          size_t max_image_size) {
  if (IsImage(b)) {
    if (b.size() > max_image_size) {  // Before copying it.
      return absl::ResourceExhaustedError(absl::StrCat(
          origin, ": ", prefix, "Image: the Image is ", b.size(),
          " bytes, more than the limit of ", max_image_size));
    }
    return CheckImage(std::vector<uint8_t>(b.begin(), b.end()), origin,
                      absl::StrCat(prefix, "Image"), running_page_size,
                      max_image_size);
  }
  if (IsGzip(b) || IsZstd(b)) {
    const bool gzip = IsGzip(b);
    const absl::string_view kind = gzip ? "gzip" : "zstd";
    auto not_image = [&](absl::Span<const uint8_t> head) {
      // A well-formed archive of something else, e.g. a gzip'ed initramfs
      // passed as the kernel: said from its first bytes, without
      // decompressing the rest.
      return NotAKernel(
          head, origin,
          absl::StrCat(layer, layer.empty() ? "" : ": ", "the ", kind,
                       " data does not start with an arm64 Image"));
    };
    const OutputLimit limit = KernelOutputLimit(
        absl::StrCat(Where(origin, layer), ": ", kind), max_image_size,
        not_image);
    std::vector<uint8_t> image;
    if (gzip) {
      ASSIGN_OR_RETURN(image, Gunzip(b, Where(origin, layer), limit));
    } else {
      ASSIGN_OR_RETURN(image, Unzstd(b, Where(origin, layer), limit));
    }
    if (!IsImage(image)) {
      // A well-formed archive of something else, e.g. a gzip'ed initramfs
      // passed as the kernel.
      return NotAKernel(
          image, origin,
          absl::StrCat(layer, layer.empty() ? "" : ": ", "the ",
                       gzip ? "gzip" : "zstd", " data decompresses to ",
                       image.size(), " bytes that are not an arm64 Image"));
    }
    return CheckImage(std::move(image), origin,
                      absl::StrCat(prefix, gzip ? "Image.gz" : "Image.zst"),
                      running_page_size, max_image_size);
  }
  if (IsZboot(b)) {
    return ParseZboot(b, origin, prefix, running_page_size, max_image_size);
  }
  return NotAKernel(b, origin, layer);
}

// A checked U-Boot legacy image: its payload (inside the input) and fields.
struct UbootLegacy {
  absl::Span<const uint8_t> payload;
  uint8_t type;
  uint8_t comp;
};

// Checks the header of `b` (IsUbootLegacy() holds) as U-Boot's
// image_check_hcrc() / image_check_dcrc() would: CRC-32 of the header with
// its hcrc field zeroed, then the size, then CRC-32 of the data.
absl::StatusOr<UbootLegacy> ReadUbootLegacy(absl::Span<const uint8_t> b,
                                            absl::string_view origin) {
  const std::string where = absl::StrCat(origin, ": U-Boot legacy header");
  if (b.size() < kUbootLegacyHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        where, ": ", b.size(), " bytes is too short for the 64-byte header"));
  }
  uint8_t header[kUbootLegacyHeaderSize];
  std::memcpy(header, b.data(), sizeof(header));
  std::memset(header + kUbootHcrcAt, 0, 4);
  const uint32_t hcrc_computed = crc32_z(0, header, sizeof(header));
  const uint32_t hcrc = LoadBe32(b.data() + kUbootHcrcAt);
  if (hcrc != hcrc_computed) {
    return absl::DataLossError(absl::StrFormat(
        "%s: header CRC 0x%08x does not match the header (computed 0x%08x)",
        where, hcrc, hcrc_computed));
  }
  const uint64_t size = LoadBe32(b.data() + kUbootSizeAt);
  const uint64_t available = b.size() - kUbootLegacyHeaderSize;
  if (size > available) {
    return absl::DataLossError(absl::StrCat(
        where, ": the header says ", size, " data bytes, but only ",
        available, " follow the 64-byte header"));
  }
  UbootLegacy out;
  out.payload = b.subspan(kUbootLegacyHeaderSize, size);
  out.type = b[kUbootTypeAt];
  out.comp = b[kUbootCompAt];
  const uint32_t dcrc_computed =
      crc32_z(0, out.payload.data(), out.payload.size());
  const uint32_t dcrc = LoadBe32(b.data() + kUbootDcrcAt);
  if (dcrc != dcrc_computed) {
    return absl::DataLossError(absl::StrFormat(
        "%s: data CRC 0x%08x does not match the %d data bytes (computed "
        "0x%08x)",
        where, dcrc, size, dcrc_computed));
  }
  if (out.type == kUbootTypeMulti) {
    return absl::UnimplementedError(absl::StrCat(
        where,
        ": multi-file images (mkimage -T multi) are not supported; pass the "
        "kernel or initrd itself"));
  }
  return out;
}

// An initrd's U-Boot header must say "ramdisk".
absl::Status CheckRamdisk(const UbootLegacy& uboot, absl::string_view origin) {
  if (uboot.type == kUbootTypeRamdisk) return absl::OkStatus();
  const bool kernel = uboot.type == kUbootTypeKernel ||
                      uboot.type == kUbootTypeKernelNoload;
  return absl::InvalidArgumentError(absl::StrCat(
      origin, ": U-Boot legacy header: ",
      kernel ? std::string("this is a U-Boot kernel image (mkimage -T "
                           "kernel), not a ramdisk")
             : absl::StrCat("image type ", static_cast<int>(uboot.type),
                            " is not a ramdisk (mkimage -T ramdisk)")));
}

absl::string_view UbootCompName(uint8_t comp) {
  switch (comp) {
    case 2: return "bzip2";
    case 3: return "lzma";
    case 4: return "lzo";
    case 5: return "lz4";
    default: return "";
  }
}

}  // namespace

absl::StatusOr<Arm64Image> ParseKernel(absl::Span<const uint8_t> file,
                                       absl::string_view origin,
                                       uint32_t running_page_size,
                                       size_t max_image_size) {
  if (running_page_size != 0 && running_page_size != 4096 &&
      running_page_size != 16384 && running_page_size != 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": running page size ", running_page_size,
                     " is not 4096, 16384 or 65536 (or 0 when unknown)"));
  }
  if (!IsUbootLegacy(file)) {
    return ParseUnwrapped(file, origin, "", "", running_page_size,
                          max_image_size);
  }
  ASSIGN_OR_RETURN(const UbootLegacy uboot, ReadUbootLegacy(file, origin));
  const std::string where = absl::StrCat(origin, ": U-Boot legacy header");
  if (uboot.type == kUbootTypeRamdisk) {
    return absl::InvalidArgumentError(absl::StrCat(
        where,
        ": this is a U-Boot ramdisk image (mkimage -T ramdisk, e.g. a "
        "uInitrd), not a kernel"));
  }
  if (uboot.type != kUbootTypeKernel && uboot.type != kUbootTypeKernelNoload) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": image type ", static_cast<int>(uboot.type),
        " is not a kernel (mkimage -T kernel or kernel_noload)"));
  }
  // The payload is recognised by its content; the compression byte only
  // decides whether it is one this loader can unpack at all.
  if (uboot.comp != kUbootCompNone && uboot.comp != kUbootCompGzip &&
      uboot.comp != kUbootCompZstd) {
    const absl::string_view name = UbootCompName(uboot.comp);
    return absl::UnimplementedError(absl::StrCat(
        where, ": the payload is ",
        name.empty() ? absl::StrCat("compressed with unknown method ",
                                    static_cast<int>(uboot.comp))
                     : absl::StrCat(name, "-compressed"),
        "; only uncompressed, gzip and zstd payloads are unpacked"));
  }
  return ParseUnwrapped(uboot.payload, origin, "U-Boot legacy + ",
                        "U-Boot legacy payload", running_page_size,
                        max_image_size);
}

absl::StatusOr<Arm64Image> ParseKernel(std::vector<uint8_t>&& file,
                                       absl::string_view origin,
                                       uint32_t running_page_size,
                                       size_t max_image_size) {
  // A raw Image (Debian's vmlinuz) is the common case and tens of MiB: take
  // the bytes over instead of copying them.
  if (IsImage(file) && file.size() <= max_image_size &&
      (running_page_size == 0 || running_page_size == 4096 ||
       running_page_size == 16384 || running_page_size == 65536)) {
    return CheckImage(std::move(file), origin, "Image", running_page_size,
                      max_image_size);
  }
  return ParseKernel(absl::Span<const uint8_t>(file), origin,
                     running_page_size, max_image_size);
}

absl::StatusOr<Arm64Image> ReadKernel(const std::string& path,
                                      uint32_t running_page_size,
                                      uint64_t max_file_size,
                                      size_t max_image_size) {
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path, max_file_size));
  // A raw Image is the common case (Debian's vmlinuz, tens of MiB): its
  // bytes stay where the mapping put them.
  if (IsImage(file.bytes()) && file.size() <= max_image_size &&
      (running_page_size == 0 || running_page_size == 4096 ||
       running_page_size == 16384 || running_page_size == 65536)) {
    ASSIGN_OR_RETURN(Arm64Image out,
                     CheckImageFields(file.bytes(), path, "Image",
                                      running_page_size, max_image_size));
    out.mapped = std::move(file);
    return out;
  }
  return ParseKernel(file.bytes(), path, running_page_size, max_image_size);
}

absl::StatusOr<std::vector<uint8_t>> StripUbootLegacyHeader(
    absl::Span<const uint8_t> file, absl::string_view origin) {
  if (!IsUbootLegacy(file)) {
    return std::vector<uint8_t>(file.begin(), file.end());
  }
  ASSIGN_OR_RETURN(const UbootLegacy uboot, ReadUbootLegacy(file, origin));
  RETURN_IF_ERROR(CheckRamdisk(uboot, origin));
  return std::vector<uint8_t>(uboot.payload.begin(), uboot.payload.end());
}

namespace {

absl::Status ErrnoError(int err, absl::string_view what,
                        const std::string& path) {
  return absl::ErrnoToStatus(err, absl::StrCat(path, ": ", what));
}

// Initrds are regular files; a FIFO would block, a device be read forever.
absl::Status CheckRegular(const struct stat& st, const std::string& path) {
  if (S_ISREG(st.st_mode)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      path, ": is a ", FileTypeName(st.st_mode), ", not a regular file"));
}

}  // namespace

absl::StatusOr<Initrd> ReadInitrd(const std::string& path, uint64_t max_bytes,
                                  absl::string_view limit_name) {
  // Refused before it is opened: opening a device can have side effects.
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return ErrnoError(errno, "cannot open the initrd", path);
  }
  RETURN_IF_ERROR(CheckRegular(st, path));
  // Closed on every path out: the mapping does not need it open.
  const UniqueFd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(errno, "cannot open the initrd", path);
  if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "cannot stat", path);
  RETURN_IF_ERROR(CheckRegular(st, path));  // Swapped in meanwhile?
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the initrd is empty (0 bytes)"));
  }
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        path, ": the initrd is ", size, " bytes, more than the ", max_bytes,
        " bytes of ", limit_name, "; not reading it"));
  }
  Initrd out;
  ASSIGN_OR_RETURN(out.file, MappedFile::FromDescriptor(fd.get(), size, path));
  out.payload = out.file.bytes();
  if (IsUbootLegacy(out.payload)) {
    ASSIGN_OR_RETURN(const UbootLegacy uboot,
                     ReadUbootLegacy(out.payload, path));
    RETURN_IF_ERROR(CheckRamdisk(uboot, path));
    out.payload = uboot.payload;
    out.uboot_header = true;
    if (out.payload.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the initrd is empty (a U-Boot header around 0 bytes)"));
    }
  }
  return out;
}

}  // namespace fdt_handoff
