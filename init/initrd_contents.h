// File: init/initrd_contents.h
//
// The file names inside an initramfs, for the target preflight ("does the
// target's initrd carry mdadm and the md modules?"). An initramfs is what
// the kernel's init/initramfs.c unpacks: a sequence of newc cpio archives
// ("070701"/"070702"), each either plain or compressed, with zero padding
// between them (Debian's early microcode cpio is plain, the main one
// compressed). Armbian wraps it in a 64-byte U-Boot legacy header
// (uInitrd), which kexec/image.h strips.
//
// Compressions read here: gzip and zstd (the libraries the kernel loader
// already links), and lz4's legacy format (`lz4 -l`, what initramfs-tools
// writes for COMPRESS=lz4: a small block decoder of our own). xz, lzma,
// bzip2 and lzo are recognised and reported as not readable: mdboot links
// no decoder for them, so the preflight says it could not look inside.
#ifndef INIT_INITRD_CONTENTS_H_
#define INIT_INITRD_CONTENTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fdt_handoff {

// Cap on the unpacked size of one compressed segment. The preflight runs
// inside mdboot's PID 1 on a board with 1 GB of RAM that already holds the
// kernel and the initrd to hand over; the decompressors double their buffer
// as it fills, so the peak is 1.5 times the cap (384 MiB). A gzip bomb or
// an initrd larger than this is reported as not fully checked, not
// unpacked: the preflight is advisory and must never cost the boot. A
// distribution initrd unpacks to well under this (Debian's arm64 one with
// MODULES=most: about 100 MiB).
inline constexpr size_t kMaxInitrdUnpacked = size_t{256} << 20;

// The compression an initramfs segment starts with: "gzip", "zstd", "lz4",
// "xz", "lzma", "bzip2", "lzo", "cpio" (plain newc), or "" (unknown).
std::string InitrdSegmentFormat(absl::Span<const uint8_t> data);

// Lz4LegacyDecompress()
//
// Decompresses the lz4 legacy frame format (magic 0x184C2102, then blocks
// of a little-endian u32 size and an lz4 block of at most 8 MiB output).
// Stops at the end of `data` or at a zero block size (padding).
//
// Returns:
//   kDataLoss          not the legacy magic, a block past the end of
//                      `data`, a match offset before the start of the
//                      block's output, or a block that ends mid-sequence.
//   kResourceExhausted the output would exceed `max_output`.
absl::StatusOr<std::vector<uint8_t>> Lz4LegacyDecompress(
    absl::Span<const uint8_t> data, absl::string_view origin,
    size_t max_output);

// ListCpio()
//
// Appends the names in the newc archives of `data` (uncompressed), in
// archive order, stopping at the end or at data that is not a cpio header
// after the padding. `rest` gets the offset where it stopped (a compressed
// segment may start there).
//
// Returns:
//   kDataLoss  a header with non-hex fields, or an archive cut short (the
//              message says "cpio archive truncated" and where): a header,
//              a name or a file that runs past the end of `data`, or a last
//              file without the padding that would align the next header.
absl::Status ListCpio(absl::Span<const uint8_t> data, absl::string_view origin,
                      std::vector<std::string>& names, size_t& rest);

// ListInitrd()
//
// Every file name in the initramfs `data` (U-Boot header already
// stripped): plain segments, then each compressed one unpacked and listed.
// Names are as stored ("usr/sbin/mdadm", no leading "./").
//
// Returns:
//   kUnimplemented     a segment compressed with xz, lzma, bzip2 or lzo
//                      (the message names it).
//   kInvalidArgument   a segment in no known format.
//   kResourceExhausted a segment unpacks to more than kMaxInitrdUnpacked
//                      (or its decoder could not get memory): the message
//                      says the initrd was not fully checked.
//   kDataLoss          from the decompressors or ListCpio().
absl::StatusOr<std::vector<std::string>> ListInitrd(
    absl::Span<const uint8_t> data, absl::string_view origin);

}  // namespace fdt_handoff

#endif  // INIT_INITRD_CONTENTS_H_
