// File: kexec/image.h
//
// Recognises the arm64 kernel files found on boards and in distributions,
// and turns each into the raw, uncompressed arm64 Image that kexec_load
// needs, with its 64-byte header decoded and checked against
// Documentation/arch/arm64/booting.rst. Also unwraps U-Boot legacy
// ("mkimage") headers from initrds.
//
// Accepted kernel files, detected by content, never by name:
//
//   Image              the raw Image: "ARM\x64" magic at offset 56. Kernels
//                      with the EFI stub (Debian's /boot/vmlinuz-*-arm64)
//                      are raw Images whose code0 happens to read "MZ".
//   Image.gz           gzip (1f 8b), decompressed here: "The AArch64 kernel
//                      does not currently provide a decompressor and
//                      therefore requires decompression (gzip etc.) to be
//                      performed by the boot loader" (booting.rst).
//   Image.zst          zstd (28 b5 2f fd).
//   EFI zboot          "MZ" + "zimg" at offset 4: a PE/COFF decompressor
//                      around a gzip or zstd payload (CONFIG_EFI_ZBOOT,
//                      drivers/firmware/efi/libstub/zboot-header.S).
//   U-Boot legacy      big-endian magic 0x27051956 (mkimage -T kernel),
//                      around any of the above except another U-Boot header.
//
// Status code policy (every function here follows it):
//
//   kDataLoss          the bytes are damaged: truncated headers or streams,
//                      an Image shorter than the text and data its header
//                      describes, corrupt compressed data, checksums that do
//                      not match, offsets or sizes that point outside the
//                      file, Image bytes longer than the header's
//                      image_size, a zboot payload that is not an Image, a
//                      text_offset no kernel build writes (2 MiB or more,
//                      not a multiple of 4 KiB).
//   kUnimplemented     a kernel, intact, in a form this loader does not
//                      handle: big-endian Image, a text_offset that is not a
//                      multiple of the running kernel's page size, ELF
//                      vmlinux, compression other than gzip/zstd (xz, lzma,
//                      lz4, lzo, bzip2), U-Boot multi-file images.
//   kInvalidArgument   intact bytes that are not an arm64 kernel at all (a
//                      DTB, an initramfs, a 32-bit zImage, a gzip file that
//                      holds something else, unknown data), and caller
//                      errors (an unsupported `running_page_size`).
//   kResourceExhausted the decompressed Image, or the memory its header
//                      asks for (image_size), is over the caller's limit;
//                      the decompressor could not allocate its state; a
//                      zstd window over 128 MiB.
//   kInternal          zlib made no progress (see Gunzip(); never seen).
//
// Every message starts with `origin` (normally the file name) and says what
// was expected, e.g.
//   "vmlinux: this is an ELF file (vmlinux); kexec on arm64 needs the Image
//    (arch/arm64/boot/Image or Image.gz)".
//
// Example:
//
//   ASSIGN_OR_RETURN(std::vector<uint8_t> file, ReadFile(path));
//   ASSIGN_OR_RETURN(Arm64Image kernel,
//                    ParseKernel(file, path, getpagesize()));
//   // kernel.image goes at <2 MiB-aligned base> + kernel.text_offset, and
//   // kernel.image_size bytes from there must be free.
#ifndef KEXEC_IMAGE_H_
#define KEXEC_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "kexec/mapped_file.h"

namespace fdt_handoff {

// Size of the arm64 Image header ("The decompressed kernel image contains a
// 64-byte header", booting.rst), and of a U-Boot legacy header.
inline constexpr size_t kArm64ImageHeaderSize = 64;
inline constexpr size_t kUbootLegacyHeaderSize = 64;

// Default cap on the decompressed Image and on its header's image_size.
// Debian's 6.1 arm64 Image is 32 MiB including BSS; the cap leaves 8x room
// while keeping a decompression bomb from exhausting memory.
inline constexpr size_t kDefaultMaxKernelImageSize = size_t{256} << 20;

// What booting.rst lets a loader assume for a pre-v3.17 header, whose
// image_size is 0: "Where image_size is zero, text_offset can be assumed to
// be 0x80000." The size is not specified ("effectively unbound"); 16 MiB is
// what kexec-tools, U-Boot and u-root assume.
inline constexpr uint64_t kLegacyTextOffset = 0x80000;
inline constexpr uint64_t kLegacyImageSize = uint64_t{16} << 20;

// Arm64Image
//
// A kernel ready to place: the raw Image and the decoded header fields.
struct Arm64Image {
  // The raw, decompressed Image bytes (header included), wherever they are:
  // `mapped` when ReadKernel() found a raw Image file, else `image`. May be
  // shorter than image_size: the rest is BSS, which the kernel clears
  // itself.
  absl::Span<const uint8_t> bytes() const {
    return mapped.empty() ? absl::Span<const uint8_t>(image) : mapped.bytes();
  }
  // The Image when it was decompressed or copied (ParseKernel()); empty
  // when `mapped` holds it.
  std::vector<uint8_t> image;
  // The kernel file itself, mapped, when it is a raw Image (ReadKernel()):
  // no copy at all.
  MappedFile mapped;
  // Offset of the Image from its 2 MiB-aligned load base.
  uint64_t text_offset = 0;
  // Bytes from the start of the Image the kernel needs free, after the
  // legacy rule: kLegacyImageSize (or the Image's length, if larger) when
  // the header's field is 0.
  uint64_t image_size = 0;
  // True when the header predates v3.17 (image_size == 0), so text_offset
  // and image_size above are the assumed values, and flags were ignored.
  bool legacy_image_size = false;
  // Header flags as stored (0 for a legacy header).
  uint64_t flags = 0;
  // Page size from flags bits 1-2: 0 (unspecified), 4096, 16384 or 65536.
  // The kernel runs only on a CPU with that translation granule; it need
  // not be the running kernel's (HandoffInput::kernel_page_size).
  uint32_t page_size = 0;
  // Flags bit 3: the 2 MiB-aligned base may be anywhere in the 48-bit
  // physical range; when false it "should be as close as possible to the
  // base of DRAM".
  bool any_placement = false;
  // How the file was packed: "Image", "Image.gz", "Image.zst",
  // "EFI zboot (gzip)", "EFI zboot (zstd)", or "U-Boot legacy + " and one of
  // these.
  std::string format;
};

// ParseKernel()
//
// Detects the format of `file` (see the overview), unwraps and decompresses
// it, and checks the Image header:
//   - the Image is at least 64 bytes and carries the "ARM\x64" magic;
//   - image_size == 0 selects the legacy rule (kLegacyTextOffset,
//     kLegacyImageSize);
//   - flags bit 0 (big-endian) is clear;
//   - flags bits 1-2 (the kernel's page size, any of 0 unspecified, 4K, 16K,
//     64K) are decoded into `page_size`, not checked: kexec_load does not
//     care, the CPU's granule support decides whether the kernel runs
//     (PlanSegments() warns when it differs from the running kernel's);
//   - text_offset is below 2 MiB (true of every arm64 kernel: 0x80000 before
//     v5.8, 0 since, random but below 2 MiB with RANDOMIZE_TEXT_OFFSET) and
//     a multiple of the running kernel's page size (of 4 KiB when
//     `running_page_size` is 0): kexec_load takes page-aligned segments
//     only, and the Image's starts at a 2 MiB-aligned base + text_offset;
//   - the Image bytes fit in image_size, and image_size and the Image fit in
//     `max_image_size`;
//   - the file holds the Image's whole text and data, so that only BSS is
//     missing: up to the end of the last PE/COFF section for EFI-stub
//     Images, else at least up to the entry branch's target (the rule and
//     its sources are in image.cc).
//
// Compressed kernels are decompressed only as far as their header allows:
// the output stops at image_size (or `max_image_size` for a legacy header)
// and is allocated once at that size; output that does not start with an
// Image header stops after 64 bytes.
//
// `running_page_size` is the page size of the running kernel (4096, 16384 or
// 65536), to whose pages kexec_load aligns every segment; 0 when unknown
// checks text_offset against 4 KiB only.
//
// Returns:
//   kDataLoss          damaged file (see the policy above): truncated
//                      header, text or data, corrupt gzip/zstd, zboot
//                      payload outside the file or not an Image, U-Boot
//                      header or data CRC mismatch or size past the end of
//                      the file, Image longer than image_size, text_offset
//                      >= 2 MiB or not a multiple of 4 KiB (the message
//                      names the field and its value).
//   kUnimplemented     big-endian Image; text_offset a multiple of 4 KiB
//                      but not of
//                      `running_page_size` (both are named); ELF
//                      vmlinux; compression other than gzip or zstd (at the
//                      top level, in a zboot header or in a U-Boot header);
//                      U-Boot multi-file image.
//   kInvalidArgument   not an arm64 kernel (the message says what the bytes
//                      look like when it can tell); `running_page_size` is
//                      not 0, 4096, 16384 or 65536.
//   kResourceExhausted the decompressed Image, or image_size, exceeds
//                      `max_image_size`; the decompressor's allocation or
//                      window limits (see Gunzip(), Unzstd()).
//   kInternal          zlib made no progress (see Gunzip()).
absl::StatusOr<Arm64Image> ParseKernel(
    absl::Span<const uint8_t> file, absl::string_view origin,
    uint32_t running_page_size,
    size_t max_image_size = kDefaultMaxKernelImageSize);

// ParseKernel() for a file read into memory: the same result and codes,
// but a raw Image's bytes are moved into Arm64Image::image, not copied.
absl::StatusOr<Arm64Image> ParseKernel(
    std::vector<uint8_t>&& file, absl::string_view origin,
    uint32_t running_page_size,
    size_t max_image_size = kDefaultMaxKernelImageSize);

// ReadKernel()
//
// Opens the kernel file at `path` as a MappedFile (at most `max_file_size`
// bytes) and parses it as ParseKernel() does, without copying it: a raw
// Image (Debian's vmlinuz) stays in the mapping (Arm64Image::mapped), a
// compressed or U-Boot-wrapped one is decompressed or copied from the
// mapping into Arm64Image::image and the mapping is dropped.
//
// Returns: MappedFile::Open()'s codes (kNotFound, kPermissionDenied,
// kFailedPrecondition for a non-regular file, kResourceExhausted over
// `max_file_size`, ...), then ParseKernel()'s.
absl::StatusOr<Arm64Image> ReadKernel(
    const std::string& path, uint32_t running_page_size,
    uint64_t max_file_size,
    size_t max_image_size = kDefaultMaxKernelImageSize);

// StripUbootLegacyHeader()
//
// For initrds: when `file` starts with the U-Boot legacy magic (an Armbian
// style uInitrd, `mkimage -T ramdisk`), checks the header and returns the
// payload; otherwise returns `file` unchanged. The header's compression
// byte is ignored: the kernel detects and unpacks initramfs compression
// itself.
//
// Returns:
//   kDataLoss          header shorter than 64 bytes, header or data CRC
//                      mismatch, data size past the end of the file.
//   kInvalidArgument   the U-Boot image is not a ramdisk (e.g. a uImage
//                      kernel passed as the initrd).
//   kUnimplemented     a U-Boot multi-file image.
absl::StatusOr<std::vector<uint8_t>> StripUbootLegacyHeader(
    absl::Span<const uint8_t> file, absl::string_view origin);

// Initrd
//
// An initrd file mapped once into `file` (MappedFile: no copy); `payload`
// points into it (past a U-Boot legacy header, if there was one) and is what
// the kernel gets. Moving an Initrd keeps `payload` valid (neither a mapping
// nor a read fallback's buffer moves).
struct Initrd {
  MappedFile file;
  absl::Span<const uint8_t> payload;
  bool uboot_header = false;
};

// ReadInitrd()
//
// Checks that `path` is a regular file before opening it (a device's open
// can have side effects), opens it without blocking (O_NONBLOCK: a FIFO
// swapped in cannot hang the caller) and checks again, not empty, and at
// most `max_bytes` long, all before reading a byte, then maps it
// (MappedFile::Open()) and unwraps a U-Boot legacy header in place as
// StripUbootLegacyHeader() does (no copy). `limit_name` says where
// `max_bytes` comes from, for the message (e.g. "the usable RAM left beside
// the kernel, from /proc/iomem").
//
// Returns:
//   kNotFound, kPermissionDenied, ...  the open or a read failed (the
//                      absl::ErrnoToStatus() code of errno).
//   kFailedPrecondition `path` is not a regular file (a directory, FIFO,
//                      device or socket).
//   kInvalidArgument   the file, or its U-Boot payload, is empty (0 bytes);
//                      the StripUbootLegacyHeader() refusals.
//   kResourceExhausted the file is larger than `max_bytes`.
//   kDataLoss          the file shrank while being read (read fallback);
//                      the StripUbootLegacyHeader() damage.
//   kUnimplemented     a U-Boot multi-file image.
absl::StatusOr<Initrd> ReadInitrd(const std::string& path, uint64_t max_bytes,
                                  absl::string_view limit_name);

}  // namespace fdt_handoff

#endif  // KEXEC_IMAGE_H_
