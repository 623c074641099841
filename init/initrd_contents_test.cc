#include "init/initrd_contents.h"

#include <zlib.h>
#include <zstd.h>

#include "absl/strings/str_format.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Append(std::vector<uint8_t>& out, absl::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

size_t Align(size_t n) { return (n + 3) & ~size_t{3}; }

void Pad4(std::vector<uint8_t>& out) {
  while (out.size() % 4) out.push_back(0);
}

// One newc entry, as `cpio -H newc` writes it.
void Entry(std::vector<uint8_t>& out, absl::string_view name,
           absl::string_view data) {
  Append(out, absl::StrFormat(
                  "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                  1, 0100755, 0, 0, 1, 0, data.size(), 0, 0, 0, 0,
                  name.size() + 1, 0));
  Append(out, name);
  out.push_back(0);
  Pad4(out);
  Append(out, data);
  Pad4(out);
}

std::vector<uint8_t> Cpio(std::initializer_list<absl::string_view> names) {
  std::vector<uint8_t> out;
  for (absl::string_view n : names) Entry(out, n, "data");
  Entry(out, "TRAILER!!!", "");
  while (out.size() % 512) out.push_back(0);
  return out;
}

std::vector<uint8_t> Gzip(const std::vector<uint8_t>& in) {
  z_stream z = {};
  deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::vector<uint8_t> out(deflateBound(&z, in.size()) + 64);
  z.next_in = const_cast<uint8_t*>(in.data());
  z.avail_in = in.size();
  z.next_out = out.data();
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<uint8_t> Zstd(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

TEST(InitrdSegmentFormat, Magics) {
  auto f = [](absl::string_view s) {
    return InitrdSegmentFormat(absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(f("070701000"), "cpio");
  EXPECT_EQ(f("\x1f\x8b\x08"), "gzip");
  EXPECT_EQ(f("\x28\xb5\x2f\xfd"), "zstd");
  EXPECT_EQ(f("\x02\x21\x4c\x18"), "lz4");
  EXPECT_EQ(f(absl::string_view("\xfd" "7zXZ\0\0", 7)), "xz");
  EXPECT_EQ(f("BZh9"), "bzip2");
  EXPECT_EQ(f("\x89LZO\0"), "lzo");
  EXPECT_EQ(f("hello"), "");
}

TEST(ListInitrd, PlainThenGzipAsDebianLaysItOut) {
  // Early microcode (plain) + the main archive (compressed).
  std::vector<uint8_t> data = Cpio({"kernel/x86/microcode/GenuineIntel.bin"});
  std::vector<uint8_t> main = Gzip(Cpio({"./usr/sbin/mdadm", "usr/lib/modules/6.1.0/kernel/drivers/md/raid0.ko"}));
  data.insert(data.end(), main.begin(), main.end());
  auto names = ListInitrd(data, "uInitrd");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("kernel/x86/microcode/GenuineIntel.bin",
                                  "usr/sbin/mdadm",
                                  "usr/lib/modules/6.1.0/kernel/drivers/md/raid0.ko"));
}

TEST(ListInitrd, Zstd) {
  auto names = ListInitrd(Zstd(Cpio({"sbin/mdadm"})), "initrd.img");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("sbin/mdadm"));
}

TEST(ListInitrd, Lz4LegacyFromTheLz4Tool) {
  auto file = ReadFile(std::string(getenv("TEST_SRCDIR")) +
                       "/fdt_handoff/testdata/initrd/mdadm-raid0.cpio.lz4");
  ASSERT_TRUE(file.ok()) << file.status();
  auto names = ListInitrd(*file, "mdadm-raid0.cpio.lz4");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, Contains("usr/sbin/mdadm"));
  EXPECT_THAT(*names, Contains("usr/lib/modules/6.1.0-57-arm64/kernel/drivers/md/raid0.ko"));
  auto raw = Lz4LegacyDecompress(*file, "x", size_t{1} << 20);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->size(), 6656u);  // testdata/README.md
}

TEST(Lz4LegacyDecompress, OverlappingMatchAndErrors) {
  // Token 0x35: 3 literals "abc", match of 5+4 at offset 3; then 1 literal.
  std::vector<uint8_t> frame = {0x02, 0x21, 0x4c, 0x18, 8, 0, 0, 0,
                                0x35, 'a', 'b', 'c', 3, 0, 0x10, 'X'};
  auto out = Lz4LegacyDecompress(frame, "t", 100);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(std::string(out->begin(), out->end()), "abcabcabcabcX");
  EXPECT_EQ(Lz4LegacyDecompress(frame, "t", 5).status().code(),
            absl::StatusCode::kResourceExhausted);
  std::vector<uint8_t> far = frame;
  far[12] = 4;  // Offset 4 before a 3-byte output.
  EXPECT_EQ(Lz4LegacyDecompress(far, "t", 100).status().code(),
            absl::StatusCode::kDataLoss);
  std::vector<uint8_t> cut(frame.begin(), frame.end() - 3);
  EXPECT_THAT(std::string(Lz4LegacyDecompress(cut, "t", 100).status().message()),
              HasSubstr("runs past the end"));
}

TEST(ListInitrd, XzIsNamedAsUnreadable) {
  std::vector<uint8_t> xz = {0xfd, '7', 'z', 'X', 'Z', 0, 0, 4};
  auto names = ListInitrd(xz, "uInitrd");
  EXPECT_EQ(names.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(names.status().message()),
              HasSubstr("uInitrd: compressed with xz, which mdboot cannot unpack"));
}

// One newc entry as a truncated archive ends: no padding after the data.
std::vector<uint8_t> UnpaddedEntry(absl::string_view name,
                                   absl::string_view data) {
  std::vector<uint8_t> out;
  Entry(out, name, data);
  out.resize(Align(110 + name.size() + 1) + data.size());
  return out;
}

std::string Message(const absl::StatusOr<std::vector<std::string>>& r) {
  return std::string(r.status().message());
}

// The review's case: a 110-byte header, "a\0" padded to 112, data "x": 113
// bytes, and the next entry would start at 116, past the end.
TEST(ListInitrd, UnalignedTailIsATruncatedArchiveNotACrash) {
  const std::vector<uint8_t> cpio = UnpaddedEntry("a", "x");
  ASSERT_EQ(cpio.size(), 113u);
  auto names = ListInitrd(cpio, "/boot/uInitrd");
  EXPECT_EQ(names.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Message(names),
            "/boot/uInitrd: cpio archive truncated: it ends right after file "
            "'a' (1 byte at offset 112), without the padding or a TRAILER!!! "
            "entry");
  // Each of the 1 to 3 missing padding bytes, also inside a compressed
  // segment after a plain one.
  for (absl::string_view data : {"x", "xy", "xyz"}) {
    std::vector<uint8_t> plain = Cpio({"early"});
    const std::vector<uint8_t> tail =
        Gzip(UnpaddedEntry("usr/sbin/mdadm", data));
    plain.insert(plain.end(), tail.begin(), tail.end());
    auto r = ListInitrd(plain, "initrd.img");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << data;
    EXPECT_THAT(Message(r),
                HasSubstr("initrd.img: cpio archive truncated: it ends right "
                          "after file 'usr/sbin/mdadm'"));
  }
}

TEST(ListInitrd, TruncatedHeaderNameAndFile) {
  std::vector<uint8_t> header = Cpio({"usr/sbin/mdadm"});
  header.resize(50);
  EXPECT_EQ(
      Message(ListInitrd(header, "x")),
      "x: cpio archive truncated: the header at offset 0 has 50 of 110 bytes");
  std::vector<uint8_t> name = Cpio({"usr/sbin/mdadm"});
  name.resize(120);  // The name needs 15 bytes from 110.
  EXPECT_EQ(Message(ListInitrd(name, "x")),
            "x: cpio archive truncated: the name of the entry at offset 0 "
            "(15 bytes) runs past the end");
  std::vector<uint8_t> file = Cpio({"usr/sbin/mdadm"});
  file.resize(128 + 2);  // Name to 125, padded to 128; 2 of the 4 data bytes.
  EXPECT_EQ(Message(ListInitrd(file, "x")),
            "x: cpio archive truncated: file 'usr/sbin/mdadm' (4 bytes at "
            "offset 128) runs past the end");
  // A name from the archive reaches the message escaped.
  std::vector<uint8_t> evil;
  Entry(evil, "a\x1b[2J\nb", "data");
  evil.resize(evil.size() - 2);
  EXPECT_THAT(Message(ListInitrd(evil, "x")),
              HasSubstr("file 'a\\x1b[2J\\x0ab'"));
}

// A zstd frame header that declares `size` bytes of content (a 1 KiB
// window, 8-byte Frame_Content_Size), and no blocks after it.
std::vector<uint8_t> ZstdDeclaring(uint64_t size) {
  std::vector<uint8_t> out = {0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00};
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<uint8_t>(size >> (8 * i)));
  return out;
}

TEST(ListInitrd, LargerThanTheCapIsNotFullyCheckedAndNotUnpacked) {
  EXPECT_EQ(kMaxInitrdUnpacked, size_t{256} << 20);
  auto over =
      ListInitrd(ZstdDeclaring(kMaxInitrdUnpacked + 1), "/boot/uInitrd");
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Message(over),
            "/boot/uInitrd: not fully checked: the preflight unpacks at most "
            "256 MiB (zstd: the frame declares 268435457 bytes of content, "
            "more than the limit of 268435456 bytes)");
  // At the cap it is decoded (and found cut short: there are no blocks).
  auto at = ListInitrd(ZstdDeclaring(kMaxInitrdUnpacked), "/boot/uInitrd");
  EXPECT_EQ(at.status().code(), absl::StatusCode::kDataLoss) << at.status();
}

TEST(ListInitrd, GarbageAndTruncation) {
  std::vector<uint8_t> junk = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(ListInitrd(junk, "x").status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<uint8_t> cpio = Cpio({"usr/sbin/mdadm"});
  cpio.resize(120);
  EXPECT_EQ(ListInitrd(cpio, "x").status().code(), absl::StatusCode::kDataLoss);
  std::vector<uint8_t> bad = Cpio({"a"});
  bad[60] = 'z';  // A non-hex digit in c_filesize.
  EXPECT_THAT(std::string(ListInitrd(bad, "x").status().message()),
              HasSubstr("bad cpio header at 0"));
}

}  // namespace
}  // namespace fdt_handoff
