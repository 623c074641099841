#include "kexec/mapped_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::vector<uint8_t> Pattern(size_t size) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(i * 7 + 3);
  return out;
}

TEST(MappedFile, MapsARegularFileWhole) {
  // Not a multiple of the page size: the tail page is mapped too.
  const std::vector<uint8_t> bytes = Pattern(3 * 4096 + 5);
  const std::string path = TmpPath("mapped.bin");
  ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
  auto f = MappedFile::Open(path, 1 << 20);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->mapped());
  ASSERT_EQ(f->size(), bytes.size());
  EXPECT_TRUE(std::equal(f->bytes().begin(), f->bytes().end(), bytes.begin()));
  // A move keeps the bytes where they are; the source is left empty.
  const uint8_t* data = f->bytes().data();
  MappedFile moved = *std::move(f);
  EXPECT_EQ(moved.bytes().data(), data);
  EXPECT_TRUE(f->empty());
  EXPECT_FALSE(f->mapped());
}

TEST(MappedFile, SizeZeroFilesAreRead) {
  // /proc files say 0 bytes and have content: read, not mapped.
  auto version = MappedFile::Open("/proc/version", 1 << 20);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_FALSE(version->mapped());
  const std::string text(version->bytes().begin(), version->bytes().end());
  EXPECT_THAT(text, ::testing::StartsWith("Linux version "));
  // A really empty file: read, empty.
  const std::string path = TmpPath("empty.bin");
  ASSERT_TRUE(WriteFileAtomic(path, {}).ok());
  auto empty = MappedFile::Open(path, 1 << 20);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

TEST(MappedFile, FromBytesOwnsThem) {
  std::vector<uint8_t> bytes = Pattern(100);
  const uint8_t* data = bytes.data();
  MappedFile f = MappedFile::FromBytes(std::move(bytes));
  EXPECT_FALSE(f.mapped());
  EXPECT_EQ(f.bytes().data(), data);
  EXPECT_EQ(f.size(), 100u);
  MappedFile g = std::move(f);
  EXPECT_EQ(g.bytes().data(), data);
}

// A pipe cannot be mapped: the read fallback takes the bytes, and says so
// when fewer arrive than the size the caller was told.
TEST(MappedFile, ReadsWhatCannotBeMapped) {
  const std::vector<uint8_t> bytes = Pattern(100);
  for (uint64_t expected : {uint64_t{100}, uint64_t{150}}) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ASSERT_EQ(write(fds[1], bytes.data(), bytes.size()), 100);
    close(fds[1]);
    auto f = MappedFile::FromDescriptor(fds[0], expected, "the pipe");
    close(fds[0]);
    if (expected == 100) {
      ASSERT_TRUE(f.ok()) << f.status();
      EXPECT_FALSE(f->mapped());
      EXPECT_TRUE(std::equal(f->bytes().begin(), f->bytes().end(),
                             bytes.begin(), bytes.end()));
    } else {
      EXPECT_EQ(f.status().code(), absl::StatusCode::kDataLoss);
      EXPECT_EQ(f.status().message(),
                "the pipe: the file shrank while being read: 150 bytes when "
                "opened, 100 found");
    }
  }
}

TEST(MappedFile, RefusesBeforeMapping) {
  const std::string path = TmpPath("big.bin");
  ASSERT_TRUE(WriteFileAtomic(path, Pattern(5000)).ok());
  auto big = MappedFile::Open(path, 4096);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(big.status().message(),
            absl::StrCat(path, ": 5000 bytes is larger than the 4096-byte "
                               "limit"));
  auto missing = MappedFile::Open(TmpPath("no-such"), 4096);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto dir = MappedFile::Open(TmpPath(""), 4096);
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kFailedPrecondition);
  // A FIFO with no writer would block a plain open() forever.
  const std::string fifo = TmpPath("mapped.fifo");
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = MappedFile::Open(fifo, 4096);
  EXPECT_EQ(pipe.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(pipe.status().message(),
            absl::StrCat(fifo, ": is a FIFO (named pipe), not a regular file"));
}

}  // namespace
}  // namespace fdt_handoff
