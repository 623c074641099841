// File: kexec/decompress.h
//
// Bounded, in-memory decompression of the two formats arm64 kernels ship in:
// gzip (zlib's inflate) and zstd (libzstd's streaming decoder). Both read an
// untrusted buffer and stop with an error as soon as the output would exceed
// a caller-given limit, so a decompression bomb costs at most that limit in
// memory. The limit may be learnt from the first output bytes (OutputLimit):
// ParseKernel() caps a compressed kernel at its header's image_size.
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
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fdt_handoff {

// OutputLimit
//
// How much output a decompression may produce. `max_output` always holds.
// With `limit_from_head`, the caller learns the true size from the start of
// the output (an arm64 Image's header says image_size): once the first
// `head_size` bytes exist (or the whole output, if shorter), it is called
// once and returns the limit for the rest (at most `max_output`), or an
// error that stops decompressing at once. The buffer then grows to that
// limit in one step: no doubling, no copy of a half-grown buffer, so the
// peak is the limit plus the input. Passing a limit from the head returns
// `over_head_limit(limit)` when set, else the kResourceExhausted error.
struct OutputLimit {
  size_t max_output = 0;
  size_t head_size = 0;
  std::function<absl::StatusOr<size_t>(absl::Span<const uint8_t> head)>
      limit_from_head;
  std::function<absl::Status(size_t limit)> over_head_limit;
};

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
//   kInternal          inflate made no progress with input and output room
//                      left (a zlib bug; never seen).
absl::StatusOr<std::vector<uint8_t>> Gunzip(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output);

// Gunzip() with an OutputLimit: the codes above, plus whatever
// `limit_from_head` and `over_head_limit` return.
absl::StatusOr<std::vector<uint8_t>> Gunzip(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            const OutputLimit& limit);

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

// Unzstd() with an OutputLimit: the codes above, plus whatever
// `limit_from_head` and `over_head_limit` return. A frame's declared
// content size is checked against `max_output` only.
absl::StatusOr<std::vector<uint8_t>> Unzstd(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            const OutputLimit& limit);

}  // namespace fdt_handoff

#endif  // KEXEC_DECOMPRESS_H_
