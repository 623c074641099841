#include "kexec/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 7) ^ (i >> 8));
  return v;
}

// One gzip member of `data`, made with zlib's deflate.
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

// A zstd frame with the content size in its header.
std::vector<uint8_t> Zstd(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(ZSTD_compressBound(data.size()));
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(),
                                 data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A zstd frame without the content size (as a streaming compressor writes).
std::vector<uint8_t> ZstdNoSize(const std::vector<uint8_t>& data) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  EXPECT_FALSE(ZSTD_isError(
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)));
  std::vector<uint8_t> out(ZSTD_compressBound(data.size()) + 64);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  EXPECT_EQ(ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_end), 0u);
  out.resize(ob.pos);
  ZSTD_freeCCtx(cctx);
  return out;
}

std::vector<uint8_t> Concat(std::vector<uint8_t> a,
                            const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Gunzip, RoundTripsLargerThanTheFirstBuffer) {
  const std::vector<uint8_t> data = Pattern(300000);
  auto out = Gunzip(Gzip(data), "x.gz", size_t{1} << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, data);
}

TEST(Gunzip, OutputExactlyAtTheLimitIsAccepted) {
  const std::vector<uint8_t> data = Pattern(4096);
  auto out = Gunzip(Gzip(data), "x.gz", 4096);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->size(), 4096u);
  auto over = Gunzip(Gzip(data), "x.gz", 4095);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status().message(),
            "x.gz: gzip: decompresses to more than 4095 bytes (the limit)");
}

TEST(Gunzip, ConcatenatedMembersAndZeroPadding) {
  const std::vector<uint8_t> a = Pattern(1000);
  const std::vector<uint8_t> b(500, 0x42);
  std::vector<uint8_t> file = Concat(Gzip(a), Gzip(b));
  file.resize(file.size() + 512, 0);
  auto out = Gunzip(file, "x.gz", 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Concat(a, b));
}

TEST(Gunzip, RefusesDamage) {
  const std::vector<uint8_t> gz = Gzip(Pattern(1000));
  {
    std::vector<uint8_t> garbage = gz;
    garbage.push_back(0x01);
    garbage.push_back(0x00);
    auto out = Gunzip(garbage, "x.gz", 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "x.gz: gzip: 2 bytes after the end of the gzip stream at offset " +
                  std::to_string(gz.size()) +
                  " are neither padding (zero bytes) nor another gzip member");
  }
  {
    std::vector<uint8_t> bad_crc = gz;
    bad_crc[bad_crc.size() - 8] ^= 1;  // CRC32 field of the trailer.
    auto out = Gunzip(bad_crc, "x.gz", 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "x.gz: gzip: corrupt data: incorrect data check (at "
              "compressed offset " +
                  std::to_string(gz.size() - 4) + ")");
  }
  {
    const std::vector<uint8_t> empty;
    auto out = Gunzip(empty, "x.gz", 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "x.gz: gzip: no gzip magic (1f 8b) at offset 0");
  }
}

// The limit learnt from the output's head: asked once, with exactly the
// head, and enforced as soon as the output passes it. The corrupt member
// after the first one is never reached: decompression stopped at the limit.
TEST(Gunzip, LimitFromTheHeadStopsAtOnce) {
  const std::vector<uint8_t> data = Pattern(200000);
  const std::vector<uint8_t> corrupt = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
                                        0xff, 0xff, 0xff};
  int calls = 0;
  size_t head_seen = 0;
  OutputLimit limit;
  limit.max_output = size_t{1} << 30;
  limit.head_size = 64;
  limit.limit_from_head = [&](absl::Span<const uint8_t> head) {
    ++calls;
    head_seen = head.size();
    EXPECT_TRUE(std::equal(head.begin(), head.end(), data.begin()));
    return absl::StatusOr<size_t>(100000);
  };
  limit.over_head_limit = [](size_t cap) {
    return absl::DataLossError(absl::StrCat("over ", cap));
  };
  auto out = Gunzip(Concat(Gzip(data), corrupt), "x.gz", limit);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(out.status().message(), "over 100000");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(head_seen, 64u);
  // Within the limit: the whole output, the head asked once.
  calls = 0;
  auto whole = Gunzip(Gzip(Pattern(100000)), "ok.gz", limit);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(*whole, Pattern(100000));
  EXPECT_EQ(calls, 1);
  // An output shorter than the head is shown whole, once it ends.
  calls = 0;
  auto tiny = Gunzip(Gzip(Pattern(10)), "tiny.gz", limit);
  ASSERT_TRUE(tiny.ok()) << tiny.status();
  EXPECT_EQ(head_seen, 10u);
  EXPECT_EQ(calls, 1);
}

TEST(Unzstd, HeadErrorStopsDecompression) {
  OutputLimit limit;
  limit.max_output = size_t{1} << 30;
  limit.head_size = 64;
  limit.limit_from_head = [](absl::Span<const uint8_t>) {
    return absl::StatusOr<size_t>(absl::InvalidArgumentError("not wanted"));
  };
  const std::vector<uint8_t> z = Concat(ZstdNoSize(Pattern(300000)),
                                        std::vector<uint8_t>{1, 2, 3, 4, 5});
  auto out = Unzstd(z, "x.zst", limit);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "not wanted");
  limit.limit_from_head = [](absl::Span<const uint8_t>) {
    return absl::StatusOr<size_t>(4096);
  };
  auto capped = Unzstd(z, "x.zst", limit);
  EXPECT_EQ(capped.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(capped.status().message(),
            "x.zst: zstd: decompresses to more than 4096 bytes (the limit)");
}

TEST(Unzstd, RoundTripsWithAndWithoutContentSize) {
  const std::vector<uint8_t> data = Pattern(200000);
  for (const auto& z : {Zstd(data), ZstdNoSize(data)}) {
    auto out = Unzstd(z, "x.zst", 1 << 20);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, data);
  }
  // Two frames, then zero padding.
  std::vector<uint8_t> two = Concat(Zstd(data), ZstdNoSize(data));
  two.resize(two.size() + 100, 0);
  auto out = Unzstd(two, "x.zst", 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Concat(data, data));
}

TEST(Unzstd, EnforcesTheLimit) {
  const std::vector<uint8_t> zeros(size_t{1} << 20, 0);
  auto declared = Unzstd(Zstd(zeros), "bomb.zst", 65536);
  EXPECT_EQ(declared.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(declared.status().message(),
            "bomb.zst: zstd: the frame declares 1048576 bytes of content, "
            "more than the limit of 65536 bytes");
  auto streamed = Unzstd(ZstdNoSize(zeros), "bomb.zst", 65536);
  EXPECT_EQ(streamed.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(streamed.status().message(),
            "bomb.zst: zstd: decompresses to more than 65536 bytes (the "
            "limit)");
}

TEST(Unzstd, RefusesDamage) {
  const std::vector<uint8_t> z = Zstd(Pattern(5000));
  {
    std::vector<uint8_t> truncated(z.begin(), z.begin() + z.size() / 2);
    auto out = Unzstd(truncated, "x.zst", 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::string_view(out.status().message())
                    .rfind("x.zst: zstd: the stream is truncated: all " +
                               std::to_string(truncated.size()) +
                               " bytes read and the frame is not complete",
                           0) == 0)
        << out.status();
  }
  {
    std::vector<uint8_t> garbage = z;
    garbage.push_back(0x55);
    auto out = Unzstd(garbage, "x.zst", 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "x.zst: zstd: 1 bytes after the end of the zstd frame at "
              "offset " +
                  std::to_string(z.size()) +
                  " are neither padding (zero bytes) nor another zstd frame");
  }
  {
    std::vector<uint8_t> not_zstd(16, 0x11);
    auto out = Unzstd(not_zstd, "x.zst", 1 << 20);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(out.status().message(),
              "x.zst: zstd: corrupt data: Unknown frame descriptor (at "
              "compressed offset 0)");
  }
}

}  // namespace
}  // namespace fdt_handoff
