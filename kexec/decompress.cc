#include "kexec/decompress.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fdt_handoff {
namespace {

// Output buffers start at this size (or the limit, if smaller) and double.
constexpr size_t kInitialOutput = size_t{64} << 10;

// zlib counts in uInt (32 bits); feed it at most this much at a time.
constexpr size_t kZlibChunk = size_t{1} << 30;

bool AllZero(absl::Span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](uint8_t b) { return b == 0; });
}

// A zstd frame or skippable frame starts here (magic 0xFD2FB528 or
// 0x184D2A50..0x184D2A5F, little-endian).
bool IsZstdFrameStart(absl::Span<const uint8_t> b) {
  if (b.size() < 4) return false;
  const uint32_t magic = uint32_t{b[0]} | uint32_t{b[1]} << 8 |
                         uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  return magic == 0xFD2FB528u || (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

absl::Status TooLarge(absl::string_view origin, absl::string_view format,
                      size_t max_output) {
  return absl::ResourceExhaustedError(
      absl::StrCat(origin, ": ", format, ": decompresses to more than ",
                   max_output, " bytes (the limit)"));
}

// Makes room for more output: grows `out` (whose first `used` bytes are
// filled) by doubling, up to max_output + 1 bytes. The extra byte is how an
// output of exactly max_output bytes is told apart from a larger one.
void Grow(std::vector<uint8_t>* out, size_t used, size_t max_output) {
  const size_t ceiling = max_output + 1;
  size_t next = std::max(kInitialOutput, used * 2);
  if (next > ceiling || next < used) next = ceiling;
  out->resize(next);
}

struct InflateEnd {
  void operator()(z_stream* zs) const {
    inflateEnd(zs);
    delete zs;
  }
};

struct FreeDctx {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

}  // namespace

absl::StatusOr<std::vector<uint8_t>> Gunzip(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output) {
  if (data.size() < 2 || data[0] != 0x1f || data[1] != 0x8b) {
    return absl::DataLossError(
        absl::StrCat(origin, ": gzip: no gzip magic (1f 8b) at offset 0"));
  }
  std::unique_ptr<z_stream, InflateEnd> zs(new z_stream{});
  // 16 + MAX_WBITS: accept the gzip wrapper only (no raw deflate, no zlib).
  if (inflateInit2(zs.get(), 16 + MAX_WBITS) != Z_OK) {
    // inflateEnd() on a stream whose init failed is harmless.
    return absl::ResourceExhaustedError(
        absl::StrCat(origin, ": gzip: cannot allocate the inflate state"));
  }
  std::vector<uint8_t> out;
  size_t in_pos = 0;
  size_t out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) Grow(&out, out_pos, max_output);
    const size_t in_chunk = std::min(data.size() - in_pos, kZlibChunk);
    const size_t out_chunk = std::min(out.size() - out_pos, kZlibChunk);
    // zlib's next_in is not const-qualified in every build; it only reads.
    zs->next_in = const_cast<Bytef*>(data.data() + in_pos);
    zs->avail_in = static_cast<uInt>(in_chunk);
    zs->next_out = out.data() + out_pos;
    zs->avail_out = static_cast<uInt>(out_chunk);
    const int ret = inflate(zs.get(), Z_NO_FLUSH);
    in_pos += in_chunk - zs->avail_in;
    out_pos += out_chunk - zs->avail_out;
    if (out_pos > max_output) return TooLarge(origin, "gzip", max_output);
    switch (ret) {
      case Z_STREAM_END: {
        const absl::Span<const uint8_t> rest = data.subspan(in_pos);
        if (rest.size() >= 2 && rest[0] == 0x1f && rest[1] == 0x8b) {
          inflateReset(zs.get());  // Another gzip member follows.
          continue;
        }
        if (!AllZero(rest)) {
          return absl::DataLossError(absl::StrCat(
              origin, ": gzip: ", rest.size(),
              " bytes after the end of the gzip stream at offset ", in_pos,
              " are neither padding (zero bytes) nor another gzip member"));
        }
        out.resize(out_pos);
        return out;
      }
      case Z_OK:
        continue;
      case Z_BUF_ERROR:
        // No progress was possible: either the output is full (grow it on
        // the next turn) or the input ran out before the end of the stream.
        if (out_pos == out.size()) continue;
        if (in_pos == data.size()) {
          return absl::DataLossError(absl::StrCat(
              origin, ": gzip: the stream is truncated: all ", data.size(),
              " bytes read and no end of stream (", out_pos,
              " bytes decompressed so far)"));
        }
        return absl::InternalError(
            absl::StrCat(origin, ": gzip: inflate made no progress"));
      case Z_MEM_ERROR:
        return absl::ResourceExhaustedError(
            absl::StrCat(origin, ": gzip: out of memory in inflate"));
      case Z_DATA_ERROR:
      default:
        return absl::DataLossError(absl::StrCat(
            origin, ": gzip: corrupt data: ",
            zs->msg != nullptr ? zs->msg : "unknown inflate error",
            " (at compressed offset ", in_pos, ")"));
    }
  }
}

absl::StatusOr<std::vector<uint8_t>> Unzstd(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output) {
  // A frame header may declare the content size; refuse a declared size over
  // the limit before allocating anything.
  const unsigned long long declared =
      ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
      declared != ZSTD_CONTENTSIZE_ERROR && declared > max_output) {
    return absl::ResourceExhaustedError(absl::StrCat(
        origin, ": zstd: the frame declares ", declared,
        " bytes of content, more than the limit of ", max_output, " bytes"));
  }
  std::unique_ptr<ZSTD_DCtx, FreeDctx> dctx(ZSTD_createDCtx());
  if (dctx == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(origin, ": zstd: cannot allocate the decoder"));
  }
  std::vector<uint8_t> out;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) Grow(&out, out_pos, max_output);
    ZSTD_outBuffer ob{out.data(), out.size(), out_pos};
    const size_t ret = ZSTD_decompressStream(dctx.get(), &ob, &in);
    out_pos = ob.pos;
    if (ZSTD_isError(ret)) {
      const ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);
      const std::string what =
          absl::StrCat(ZSTD_getErrorName(ret), " (at compressed offset ",
                       in.pos, ")");
      if (code == ZSTD_error_memory_allocation ||
          code == ZSTD_error_frameParameter_windowTooLarge) {
        return absl::ResourceExhaustedError(
            absl::StrCat(origin, ": zstd: ", what));
      }
      return absl::DataLossError(
          absl::StrCat(origin, ": zstd: corrupt data: ", what));
    }
    if (out_pos > max_output) return TooLarge(origin, "zstd", max_output);
    if (ret == 0) {
      // A frame is complete and flushed.
      const absl::Span<const uint8_t> rest = data.subspan(in.pos);
      if (AllZero(rest)) {
        out.resize(out_pos);
        return out;
      }
      if (!IsZstdFrameStart(rest)) {
        return absl::DataLossError(absl::StrCat(
            origin, ": zstd: ", rest.size(),
            " bytes after the end of the zstd frame at offset ", in.pos,
            " are neither padding (zero bytes) nor another zstd frame"));
      }
      continue;
    }
    if (in.pos == in.size && ob.pos < ob.size) {
      return absl::DataLossError(absl::StrCat(
          origin, ": zstd: the stream is truncated: all ", data.size(),
          " bytes read and the frame is not complete (", out_pos,
          " bytes decompressed so far)"));
    }
  }
}

}  // namespace fdt_handoff
