#include "init/dtb_dump.h"

#include <zlib.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

// Independent decoder: base64, then gunzip with zlib's inflate.
std::vector<uint8_t> Decode(const std::vector<std::string>& lines) {
  std::string b64;
  for (size_t i = 1; i + 1 < lines.size(); ++i) b64 += lines[i];
  std::string packed;
  EXPECT_TRUE(absl::Base64Unescape(b64, &packed));
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  std::vector<uint8_t> out(1 << 20);
  zs.next_in = reinterpret_cast<Bytef*>(&packed[0]);
  zs.avail_in = static_cast<uInt>(packed.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(DtbDumpLines, RoundTripsWithSizeAndDigest) {
  std::vector<uint8_t> blob(5000);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<uint8_t>(i * 7 + i / 300);
  auto lines = DtbDumpLines(blob);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_GE(lines->size(), 3u);
  EXPECT_EQ(lines->front().rfind("MDBOOT-DTB-BEGIN 5000 ", 0), 0u) << lines->front();
  EXPECT_EQ(lines->back(), "MDBOOT-DTB-END");
  for (size_t i = 1; i + 1 < lines->size(); ++i) {
    EXPECT_LE((*lines)[i].size(), 76u);
    EXPECT_EQ((*lines)[i].find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
              std::string::npos);
  }
  EXPECT_EQ(Decode(*lines), blob);
}

TEST(DtbDumpLines, DigestIsSha256OfTheBlob) {
  const std::vector<uint8_t> abc = {'a', 'b', 'c'};
  auto lines = DtbDumpLines(abc);
  ASSERT_TRUE(lines.ok());
  // FIPS 180-2's "abc" example.
  EXPECT_EQ(lines->front(),
            "MDBOOT-DTB-BEGIN 3 "
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Decode(*lines), abc);
}

}  // namespace
}  // namespace fdt_handoff
