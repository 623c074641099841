#include "fdt/blob.h"

#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/fdt_error.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

// A small valid tree, built with libfdt's sequential-write API:
//   / { compatible = "test,board"; model = "Test Board";
//       chosen { stdout-path = "serial0"; }; };
std::vector<uint8_t> SmallDtb() {
  std::vector<uint8_t> buf(4096);
  void* fdt = buf.data();
  EXPECT_EQ(fdt_create(fdt, static_cast<int>(buf.size())), 0);
  EXPECT_EQ(fdt_finish_reservemap(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, ""), 0);
  EXPECT_EQ(fdt_property_string(fdt, "compatible", "test,board"), 0);
  EXPECT_EQ(fdt_property_string(fdt, "model", "Test Board"), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "chosen"), 0);
  EXPECT_EQ(fdt_property_string(fdt, "stdout-path", "serial0"), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_finish(fdt), 0);
  buf.resize(fdt_totalsize(fdt));
  return buf;
}

void StoreBe32(uint32_t v, uint8_t* p) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

TEST(FdtError, NamesAndCodesComeFromOneTable) {
  EXPECT_EQ(FdtErrorName(-FDT_ERR_NOTFOUND), "FDT_ERR_NOTFOUND");
  EXPECT_EQ(FdtErrorName(FDT_ERR_BADMAGIC), "FDT_ERR_BADMAGIC");
  EXPECT_EQ(FdtErrorName(-9999), "FDT_ERR_UNKNOWN");
  EXPECT_EQ(FdtErrorCode(-FDT_ERR_NOSPACE), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FdtErrorCode(-FDT_ERR_TRUNCATED), absl::StatusCode::kDataLoss);
  const absl::Status s = FdtError(-FDT_ERR_NOTFOUND, "x.dtb: node /soc");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "x.dtb: node /soc: FDT_ERR_NOTFOUND");
  EXPECT_EQ(FdtError(0, "ctx").code(), absl::StatusCode::kInternal);
}

TEST(Fdt, LoadsAValidTree) {
  auto fdt = Fdt::FromBytes(SmallDtb(), "small.dtb");
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  EXPECT_EQ(fdt->Model(), "Test Board");
  EXPECT_EQ(fdt->Compatible(), std::vector<std::string>{"test,board"});
  EXPECT_FALSE(fdt->HasSymbols());
  EXPECT_EQ(fdt->origin(), "small.dtb");
}

TEST(Fdt, DropsBytesPastTotalsize) {
  std::vector<uint8_t> bytes = SmallDtb();
  const size_t size = bytes.size();
  bytes.resize(size + 100, 0xaa);
  auto fdt = Fdt::FromBytes(bytes, "padded.dtb");
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  EXPECT_EQ(fdt->size(), size);
}

// Each malformed blob must be refused with one exact message.
TEST(Fdt, RefusesMalformedBlobsWithExactErrors) {
  const std::vector<uint8_t> good = SmallDtb();
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    absl::StatusCode code;
    std::string message;
  };
  std::vector<Case> cases;
  {
    std::vector<uint8_t> b(good.begin(), good.begin() + good.size() / 2);
    cases.push_back({"truncated", b, absl::StatusCode::kDataLoss,
                     absl::StrCat("truncated.dtb: not a valid DTB: "
                                  "FDT_ERR_TRUNCATED (header says ",
                                  good.size(), " bytes, only ", b.size(),
                                  " present)")});
  }
  cases.push_back({"tiny", {0xd0, 0x0d}, absl::StatusCode::kDataLoss,
                   "tiny.dtb: not a valid DTB: FDT_ERR_TRUNCATED (only 2 "
                   "bytes)"});
  {
    std::vector<uint8_t> b = good;
    StoreBe32(0x12345678, b.data());
    cases.push_back({"badmagic", b, absl::StatusCode::kDataLoss,
                     "badmagic.dtb: not a valid DTB: FDT_ERR_BADMAGIC (magic "
                     "0x12345678, expected 0xd00dfeed)"});
  }
  {
    // The first structure token must be FDT_BEGIN_NODE (1); make it 9.
    std::vector<uint8_t> b = good;
    const uint32_t off_struct = fdt_off_dt_struct(good.data());
    StoreBe32(9, b.data() + off_struct);
    cases.push_back({"badstruct", b, absl::StatusCode::kDataLoss,
                     "badstruct.dtb: not a valid DTB: FDT_ERR_BADSTRUCTURE "
                     "(structure block is corrupt)"});
  }
  {
    // A property whose name offset points past the strings block.
    std::vector<uint8_t> b = good;
    const uint32_t off_struct = fdt_off_dt_struct(good.data());
    // Root: BEGIN_NODE token (4) + empty name padded to 4 -> first PROP at +8;
    // PROP token, len, nameoff.
    ASSERT_EQ(fdt32_to_cpu(*reinterpret_cast<const fdt32_t*>(
                  good.data() + off_struct + 8)),
              static_cast<uint32_t>(FDT_PROP));
    StoreBe32(0x7fff0000, b.data() + off_struct + 16);
    cases.push_back({"badstring", b, absl::StatusCode::kDataLoss,
                     "badstring.dtb: not a valid DTB: FDT_ERR_BADOFFSET (an "
                     "offset, such as a property name's, points outside its "
                     "block)"});
  }
  for (const Case& c : cases) {
    auto fdt = Fdt::FromBytes(c.bytes, absl::StrCat(c.name, ".dtb"));
    ASSERT_FALSE(fdt.ok()) << c.name << " loaded";
    EXPECT_EQ(fdt.status().code(), c.code) << c.name;
    EXPECT_EQ(fdt.status().message(), c.message) << c.name;
  }
}

TEST(Fdt, RefusesTreesOverTwoMebibytes) {
  FdtEditor editor(*Fdt::FromBytes(SmallDtb(), "small.dtb"));
  // The editor itself refuses to grow past the limit...
  std::vector<uint8_t> big(kMaxDtbSize, 0x55);
  const absl::Status s = editor.SetProperty("/", "blob", big);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  // ...and a 2 MiB + 4 byte header is refused at load, naming the limit.
  std::vector<uint8_t> bytes = SmallDtb();
  StoreBe32(kMaxDtbSize + 4, bytes.data() + 4);
  auto fdt = Fdt::FromBytes(bytes, "huge.dtb");
  ASSERT_FALSE(fdt.ok());
  EXPECT_EQ(fdt.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(fdt.status().message(),
            "huge.dtb: DTB is 2097156 bytes, over the 2097152-byte (2 MiB) "
            "arm64 limit");
}

TEST(Fdt, MissingFileIsNotFoundAndNamesThePath) {
  auto fdt = Fdt::FromFile("/nonexistent/board.dtb");
  ASSERT_FALSE(fdt.ok());
  EXPECT_EQ(fdt.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(fdt.status().message()),
              HasSubstr("/nonexistent/board.dtb: cannot open"));
}

TEST(Fdt, DirectoryIsRefused) {
  auto fdt = Fdt::FromFile("/");
  ASSERT_FALSE(fdt.ok());
  EXPECT_EQ(fdt.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fdt.status().message(), "/: is a directory, not a regular file");
}

TEST(FdtEditor, GrowsOnDemandAndPacks) {
  auto fdt = Fdt::FromBytes(SmallDtb(), "small.dtb");
  ASSERT_TRUE(fdt.ok());
  FdtEditor editor(*fdt);
  // Larger than the initial 64 KiB of slack: needs two growth steps.
  std::vector<uint8_t> value(150 * 1024, 0x5a);
  ASSERT_TRUE(editor.SetProperty("/chosen", "big", value).ok());
  ASSERT_TRUE(editor.SetPropertyU64("/chosen", "linux,initrd-start",
                                    0x0000000148000000ull)
                  .ok());
  auto deleted = editor.DeleteProperty("/chosen", "stdout-path");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  deleted = editor.DeleteProperty("/chosen", "stdout-path");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
  auto start = editor.Property("/chosen", "linux,initrd-start");
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(*start, (std::vector<uint8_t>{0, 0, 0, 1, 0x48, 0, 0, 0}));
  auto out = std::move(editor).Finish("edited");
  ASSERT_TRUE(out.ok()) << out.status();
  // Packed: no slack beyond the content.
  EXPECT_LT(out->size(), value.size() + 1024);
  EXPECT_GT(out->size(), value.size());
}

TEST(FdtEditor, MissingNodeIsNotFound) {
  FdtEditor editor(*Fdt::FromBytes(SmallDtb(), "small.dtb"));
  const absl::Status s = editor.SetPropertyString("/soc", "status", "okay");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "small.dtb: node /soc: FDT_ERR_NOTFOUND");
}

TEST(FdtEditor, EnsurePhandlePrefersTheGivenValueWhenFree) {
  FdtEditor editor(*Fdt::FromBytes(SmallDtb(), "small.dtb"));
  auto p = editor.EnsurePhandle("/chosen", 0x42);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 0x42u);
  // Already has one: kept.
  p = editor.EnsurePhandle("/chosen", 0x7);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 0x42u);
  // 0x42 is taken: next free above the maximum.
  p = editor.EnsurePhandle("/", 0x42);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 0x43u);
}

TEST(FileIo, WriteIsAtomicAndRefusesMissingDirectories) {
  const std::string dir = getenv("TEST_TMPDIR");
  const std::string path = dir + "/out.bin";
  const std::vector<uint8_t> bytes = {1, 2, 3};
  ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
  auto back = ReadFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
  const absl::Status s = WriteFileAtomic(dir + "/missing/out.bin", bytes);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), absl::StrCat(dir, "/missing/out.bin: cannot write: "
                                           "directory ",
                                      dir, "/missing/ does not exist"));
  EXPECT_NE(access((dir + "/missing").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace fdt_handoff
