// File: kexec/decompress.h
//
// Bounded, in-memory decompression of the two formats arm64 kernels ship in:
// gzip (zlib's inflate) and zstd (libzstd's streaming decoder). Both read an
// untrusted buffer and stop with an error as soon as the output would exceed
// a caller-given limit, so a decompression bomb costs at most `max_output`
// bytes of memory.
//
//   ASSIGN_OR_RETURN(std::vector<uint8_t> image,
//                    Gunzip(file, "Image.gz", size_t{256} << 20));
//
// Errors start with "<origin>: gzip: " or "<origin>: zstd: " and follow the
// project's code policy: malformed bytes are kDataLoss, limits are
// kResourceExhausted.
#ifndef KEXEC_DECOMPRESS_H_
#define KEXEC_DECOMPRESS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fdt_handoff {

// Gunzip()
//
// Decompresses `data`, which must start with a gzip member (RFC 1952).
// Further members that follow are decompressed and appended, as `gzip -d`
// does. Zero bytes after the last member (padding up to a block or partition
// size) are ignored; anything else after it is an error.
//
// Returns:
//   kDataLoss          not gzip, corrupt deflate data, a CRC or length
//                      mismatch (the message carries zlib's text, e.g.
//                      "incorrect data check"), a stream that ends early, or
//                      non-zero bytes after the last member.
//   kResourceExhausted the output would exceed `max_output` bytes, or zlib
//                      could not allocate its state.
absl::StatusOr<std::vector<uint8_t>> Gunzip(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output);

// Unzstd()
//
// Decompresses `data`, one or more zstd frames (skippable frames included).
// Zero bytes after the last frame are ignored.
//
// Returns:
//   kDataLoss          corrupt or truncated zstd data (the message carries
//                      libzstd's error name), or garbage after a frame.
//   kResourceExhausted the output would exceed `max_output` bytes (a frame
//                      that declares a larger content size fails before
//                      anything is decompressed), the frame needs a window
//                      over libzstd's default limit (128 MiB), or memory
//                      for the decoder could not be allocated.
absl::StatusOr<std::vector<uint8_t>> Unzstd(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output);

}  // namespace fdt_handoff

#endif  // KEXEC_DECOMPRESS_H_
