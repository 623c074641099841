#include "kexec/decompress.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fdt/endian.h"

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

// Another gzip member starts here.
bool MoreGzip(absl::Span<const uint8_t> b) {
  return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

// A zstd frame or skippable frame starts here (magic 0xFD2FB528 or
// 0x184D2A50..0x184D2A5F, little-endian).
bool IsZstdFrameStart(absl::Span<const uint8_t> b) {
  if (b.size() < 4) return false;
  const uint32_t magic = LoadLe32(b.data());
  return magic == 0xFD2FB528u || (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

absl::Status TooLarge(absl::string_view origin, absl::string_view format,
                      size_t max_output) {
  return absl::ResourceExhaustedError(
      absl::StrCat(origin, ": ", format, ": decompresses to more than ",
                   max_output, " bytes (the limit)"));
}

// The output buffer of one decompression and its limit (see OutputLimit).
// The buffer holds one byte more than the limit: that is how an output of
// exactly the limit is told apart from a larger one.
class Output {
 public:
  Output(const OutputLimit& limit, absl::string_view origin,
         absl::string_view format)
      : limit_(limit), origin_(origin), format_(format),
        cap_(limit.max_output), head_pending_(bool(limit.limit_from_head)) {}

  std::vector<uint8_t>& bytes() { return out_; }

  // Grows the buffer, whose first `used` bytes are filled: by doubling
  // while the size is unknown, straight to the limit once the head set it.
  void MakeRoom(size_t used) {
    const size_t ceiling = cap_ == SIZE_MAX ? cap_ : cap_ + 1;
    size_t next = from_head_ ? ceiling : std::max(kInitialOutput, used * 2);
    if (next > ceiling || next < used) next = ceiling;
    out_.resize(next);
  }

  // After progress to `used` bytes (`ended`: the stream is complete): asks
  // for the limit once the head is there, and enforces it.
  absl::Status Check(size_t used, bool ended) {
    if (head_pending_ && (used >= limit_.head_size || ended)) {
      head_pending_ = false;
      const size_t head = std::min(used, limit_.head_size);
      absl::StatusOr<size_t> cap = limit_.limit_from_head(
          absl::Span<const uint8_t>(out_.data(), head));
      if (!cap.ok()) return cap.status();
      cap_ = std::min(*cap, limit_.max_output);
      from_head_ = true;
      if (used <= cap_ && !ended) MakeRoom(used);
    }
    if (used <= cap_) return absl::OkStatus();
    if (from_head_ && limit_.over_head_limit) {
      return limit_.over_head_limit(cap_);
    }
    return TooLarge(origin_, format_, cap_);
  }

 private:
  const OutputLimit& limit_;
  absl::string_view origin_;
  absl::string_view format_;
  size_t cap_;
  bool head_pending_;
  bool from_head_ = false;
  std::vector<uint8_t> out_;
};

// The error for inflate()'s `ret` (not Z_OK or Z_STREAM_END) after `in_pos`
// of `in_size` bytes read and `out_pos` written, the output not full.
absl::Status InflateFailure(int ret, const z_stream& zs,
                            absl::string_view origin, size_t in_size,
                            size_t in_pos, size_t out_pos) {
  switch (ret) {
    case Z_BUF_ERROR:
      if (in_pos == in_size) {
        return absl::DataLossError(absl::StrCat(
            origin, ": gzip: the stream is truncated: all ", in_size,
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
          zs.msg != nullptr ? zs.msg : "unknown inflate error",
          " (at compressed offset ", in_pos, ")"));
  }
}

struct InflateEnd {
  void operator()(z_stream* zs) const {
    inflateEnd(zs);
    delete zs;
  }
};

// The error for ZSTD_decompressStream()'s error result `ret`.
absl::Status ZstdFailure(size_t ret, absl::string_view origin, size_t in_pos) {
  const ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);
  const std::string what = absl::StrCat(
      ZSTD_getErrorName(ret), " (at compressed offset ", in_pos, ")");
  if (code == ZSTD_error_memory_allocation ||
      code == ZSTD_error_frameParameter_windowTooLarge) {
    return absl::ResourceExhaustedError(absl::StrCat(origin, ": zstd: ", what));
  }
  return absl::DataLossError(
      absl::StrCat(origin, ": zstd: corrupt data: ", what));
}

struct FreeDctx {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

}  // namespace

absl::StatusOr<std::vector<uint8_t>> Gunzip(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output) {
  OutputLimit limit;
  limit.max_output = max_output;
  return Gunzip(data, origin, limit);
}

absl::StatusOr<std::vector<uint8_t>> Gunzip(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            const OutputLimit& limit) {
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
  Output output(limit, origin, "gzip");
  std::vector<uint8_t>& out = output.bytes();
  size_t in_pos = 0;
  size_t out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) output.MakeRoom(out_pos);
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
    const absl::Status checked = output.Check(
        out_pos, ret == Z_STREAM_END && !MoreGzip(data.subspan(in_pos)));
    if (!checked.ok()) return checked;
    switch (ret) {
      case Z_STREAM_END: {
        const absl::Span<const uint8_t> rest = data.subspan(in_pos);
        if (MoreGzip(rest)) {
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
        return std::move(out);
      }
      case Z_OK:
        continue;
      case Z_BUF_ERROR:
        // No progress was possible: the output is full (grow it on the next
        // turn), or else InflateFailure() says why.
        if (out_pos == out.size()) continue;
        return InflateFailure(ret, *zs, origin, data.size(), in_pos, out_pos);
      default:
        return InflateFailure(ret, *zs, origin, data.size(), in_pos, out_pos);
    }
  }
}

absl::StatusOr<std::vector<uint8_t>> Unzstd(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            size_t max_output) {
  OutputLimit limit;
  limit.max_output = max_output;
  return Unzstd(data, origin, limit);
}

absl::StatusOr<std::vector<uint8_t>> Unzstd(absl::Span<const uint8_t> data,
                                            absl::string_view origin,
                                            const OutputLimit& limit) {
  const size_t max_output = limit.max_output;
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
  Output output(limit, origin, "zstd");
  std::vector<uint8_t>& out = output.bytes();
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) output.MakeRoom(out_pos);
    ZSTD_outBuffer ob{out.data(), out.size(), out_pos};
    const size_t ret = ZSTD_decompressStream(dctx.get(), &ob, &in);
    out_pos = ob.pos;
    if (ZSTD_isError(ret)) return ZstdFailure(ret, origin, in.pos);
    const bool ended = ret == 0 && AllZero(data.subspan(in.pos));
    const absl::Status checked = output.Check(out_pos, ended);
    if (!checked.ok()) return checked;
    if (ret == 0) {
      // A frame is complete and flushed.
      const absl::Span<const uint8_t> rest = data.subspan(in.pos);
      if (ended) {
        out.resize(out_pos);
        return std::move(out);
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
