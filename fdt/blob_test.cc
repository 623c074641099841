#include "fdt/blob.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fdt/endian.h"
#include "fdt/fdt_error.h"
#include "fdt/file_io.h"
#include "fdt/test_trees.h"
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
                     absl::StrCat("truncated.dtb: not a valid DTB: truncated: "
                                  "the header says ",
                                  good.size(), " bytes, only ", b.size(),
                                  " are present (FDT_ERR_TRUNCATED)")});
  }
  cases.push_back({"tiny",
                   {0xd0, 0x0d},
                   absl::StatusCode::kDataLoss,
                   "tiny.dtb: not a valid DTB: truncated: only 2 bytes, less "
                   "than the 40-byte header (FDT_ERR_TRUNCATED)"});
  // Header fields that put a block outside the blob: each message names the
  // field, its value and the bound it breaks, not the file's length.
  const uint32_t total = static_cast<uint32_t>(good.size());
  const uint32_t off_struct = fdt_off_dt_struct(good.data());
  const uint32_t off_strings = fdt_off_dt_strings(good.data());
  const uint32_t size_strings = fdt_size_dt_strings(good.data());
  struct FieldCase {
    const char* name;
    size_t offset;
    uint32_t value;
    std::string cause;
  };
  const std::vector<FieldCase> fields = {
      {"struct_offset", 8, total + 0x100,
       absl::StrFormat("off_dt_struct 0x%x is outside the blob: not between "
                       "the 40-byte header and totalsize %u",
                       total + 0x100, total)},
      {"struct_size", 36, total,
       absl::StrFormat("off_dt_struct 0x%x + size_dt_struct %u ends at %u, "
                       "past totalsize %u",
                       off_struct, total, off_struct + total, total)},
      {"strings_offset", 12, 0x10,
       absl::StrFormat("off_dt_strings 0x10 is outside the blob: not between "
                       "the 40-byte header and totalsize %u",
                       total)},
      {"strings_size", 32, size_strings + 0x1000,
       absl::StrFormat("off_dt_strings 0x%x + size_dt_strings %u ends at %u, "
                       "past totalsize %u",
                       off_strings, size_strings + 0x1000,
                       off_strings + size_strings + 0x1000, total)},
      {"rsvmap_offset", 16, 0xffff0000,
       absl::StrFormat("off_mem_rsvmap 0xffff0000 is outside the blob: not "
                       "between the 40-byte header and totalsize %u",
                       total)},
      {"totalsize_small", 4, 20,
       "totalsize 20 is smaller than the 40-byte header"},
  };
  for (const FieldCase& f : fields) {
    std::vector<uint8_t> b = good;
    StoreBe32(f.value, b.data() + f.offset);
    cases.push_back({f.name, b, absl::StatusCode::kDataLoss,
                     absl::StrCat(f.name, ".dtb: not a valid DTB: truncated: ",
                                  f.cause, " (FDT_ERR_TRUNCATED)")});
  }
  {
    // A reservation map with no size-0 entry before totalsize: move it to
    // 64 bytes of 0x11 appended to the blob.
    std::vector<uint8_t> b = good;
    b.resize(good.size() + 64, 0x11);
    StoreBe32(total + 64, b.data() + 4);
    StoreBe32(total, b.data() + 16);
    const uint32_t off_rsvmap = total;
    cases.push_back(
        {"rsvmap", b, absl::StatusCode::kDataLoss,
         absl::StrFormat("rsvmap.dtb: not a valid DTB: truncated: the memory "
                         "reservation map at off_mem_rsvmap 0x%x has no "
                         "terminating entry before totalsize %u "
                         "(FDT_ERR_TRUNCATED)",
                         off_rsvmap, total + 64)});
  }
  {
    std::vector<uint8_t> b = good;
    StoreBe32(18, b.data() + 24);  // last_comp_version
    StoreBe32(18, b.data() + 20);  // version
    cases.push_back({"too_new", b, absl::StatusCode::kDataLoss,
                     "too_new.dtb: not a valid DTB: unsupported version: "
                     "last_comp_version 18 is newer than libfdt supports "
                     "(17) (FDT_ERR_BADVERSION)"});
  }
  {
    std::vector<uint8_t> b = good;
    StoreBe32(15, b.data() + 20);  // version
    StoreBe32(2, b.data() + 24);   // last_comp_version
    cases.push_back({"too_old", b, absl::StatusCode::kDataLoss,
                     "too_old.dtb: not a valid DTB: unsupported version: "
                     "version 15; 16 or newer is needed (FDT_ERR_BADVERSION)"});
  }
  {
    std::vector<uint8_t> b = good;
    StoreBe32(16, b.data() + 20);  // version below last_comp_version 17
    StoreBe32(17, b.data() + 24);
    cases.push_back({"inverted", b, absl::StatusCode::kDataLoss,
                     "inverted.dtb: not a valid DTB: unsupported version: "
                     "version 16 is older than last_comp_version 17 "
                     "(FDT_ERR_BADVERSION)"});
  }
  {
    std::vector<uint8_t> b = good;
    StoreBe32(0x12345678, b.data());
    cases.push_back({"badmagic", b, absl::StatusCode::kDataLoss,
                     "badmagic.dtb: not a valid DTB: bad magic number "
                     "0x12345678, expected 0xd00dfeed (FDT_ERR_BADMAGIC)"});
  }
  {
    // The first structure token must be FDT_BEGIN_NODE (1); make it 9.
    std::vector<uint8_t> b = good;
    const uint32_t off_struct = fdt_off_dt_struct(good.data());
    StoreBe32(9, b.data() + off_struct);
    cases.push_back({"badstruct", b, absl::StatusCode::kDataLoss,
                     "badstruct.dtb: not a valid DTB: corrupt structure "
                     "block (FDT_ERR_BADSTRUCTURE)"});
  }
  {
    // A property whose name offset points past the strings block.
    std::vector<uint8_t> b = good;
    const uint32_t off_struct = fdt_off_dt_struct(good.data());
    // Root: BEGIN_NODE token (4) + empty name padded to 4 -> first PROP at +8;
    // PROP token, len, nameoff.
    ASSERT_EQ(LoadBe32(good.data() + off_struct + 8),
              static_cast<uint32_t>(FDT_PROP));
    StoreBe32(0x7fff0000, b.data() + off_struct + 16);
    cases.push_back({"badstring", b, absl::StatusCode::kDataLoss,
                     "badstring.dtb: not a valid DTB: bad offset: an offset, "
                     "such as a property name's, points outside its block "
                     "(FDT_ERR_BADOFFSET)"});
  }
  for (const Case& c : cases) {
    auto fdt = Fdt::FromBytes(c.bytes, absl::StrCat(c.name, ".dtb"));
    ASSERT_FALSE(fdt.ok()) << c.name << " loaded";
    EXPECT_EQ(fdt.status().code(), c.code) << c.name;
    EXPECT_EQ(std::string(fdt.status().message()), c.message) << c.name;
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
  // Another cap is named as itself, not as arm64's.
  fdt = Fdt::FromBytes(bytes, "huge.dtb", 4096);
  ASSERT_FALSE(fdt.ok());
  EXPECT_EQ(fdt.status().message(),
            "huge.dtb: DTB is 2097156 bytes, over the 4096-byte limit");
}

TEST(Fdt, FileFarOverTheLimitNamesTheLimit) {
  // FromFile reads up to 8 MiB so that the header can tell the size; a file
  // larger than that is still refused against the 2 MiB limit, not the
  // 8388608-byte read cap.
  const std::string path =
      absl::StrCat(getenv("TEST_TMPDIR"), "/eight-mib-and-more.dtb");
  std::vector<uint8_t> bytes = SmallDtb();
  bytes.resize(4 * kMaxDtbSize + 1, 0);
  ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
  auto fdt = Fdt::FromFile(path);
  ASSERT_FALSE(fdt.ok());
  EXPECT_EQ(fdt.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(fdt.status().message(),
            absl::StrCat(path, ": the file is over 8388608 bytes, far over the "
                         "2097152-byte (2 MiB) arm64 limit for a DTB"));
}

TEST(Fdt, DeepTreesLoad) {
  // fdt_check_full() and our own pre-check walk in loops.
  absl::StatusOr<Fdt> deep = DeepFdt(170000);
  ASSERT_TRUE(deep.ok()) << deep.status();
  EXPECT_GT(deep->size(), size_t{2000000});
  EXPECT_EQ(deep->Model(), "deep");
}

// An overlay whose fragment nests `depth` nodes under __overlay__.
std::vector<uint8_t> DeepOverlay(int depth) {
  std::vector<uint8_t> buf(kMaxDtbSize);
  void* fdt = buf.data();
  EXPECT_EQ(fdt_create(fdt, static_cast<int>(buf.size())), 0);
  EXPECT_EQ(fdt_finish_reservemap(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, ""), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "fragment@0"), 0);
  EXPECT_EQ(fdt_property_string(fdt, "target-path", "/"), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "__overlay__"), 0);
  for (int i = 0; i < depth; ++i) EXPECT_EQ(fdt_begin_node(fdt, "n"), 0);
  for (int i = 0; i < depth + 3; ++i) EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_finish(fdt), 0);
  buf.resize(fdt_totalsize(fdt));
  return buf;
}

TEST(FdtEditor, OverlaysNestedDeeperThanTheLimitAreRefused) {
  const Fdt base = *Fdt::FromBytes(SmallDtb(), "small.dtb");
  // Depth counts from the overlay's root: fragment@0 is 1, __overlay__ 2.
  absl::StatusOr<Fdt> at_limit =
      Fdt::FromBytes(DeepOverlay(kMaxOverlayDepth - 2), "limit.dtbo");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status();
  FdtEditor editor(base);
  EXPECT_TRUE(editor.ApplyOverlay(*at_limit).ok());

  absl::StatusOr<Fdt> deep = Fdt::FromBytes(DeepOverlay(100000), "deep.dtbo");
  ASSERT_TRUE(deep.ok()) << deep.status();
  FdtEditor untouched(base);
  const absl::Status s = untouched.ApplyOverlay(*deep);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "deep.dtbo: nodes nest 100002 levels deep "
            "(/fragment@0/__overlay__/n/n/n/n/n/n/...), over the limit of "
            "1024 for an overlay: libfdt's overlay code recurses once per "
            "level");
  auto result = std::move(untouched).Finish("out");
  auto expected = FdtEditor(base).Finish("out");
  ASSERT_TRUE(result.ok() && expected.ok());
  EXPECT_EQ(result->bytes(), expected->bytes());
}

// A DTB with free space after its blocks (as QEMU passes it: 1 MiB, a few
// KB used) is read only up to the blocks' end, which becomes totalsize; the
// bytes before it are the file's.
TEST(Fdt, FromFileBlocksLeavesTheFreeSpaceUnread) {
  std::vector<uint8_t> roomy(64 * 1024);
  ASSERT_EQ(fdt_create_empty_tree(roomy.data(), roomy.size()), 0);
  const int node = fdt_add_subnode(roomy.data(), 0, "chosen");
  ASSERT_GE(node, 0);
  ASSERT_EQ(fdt_setprop_string(roomy.data(), node, "bootargs", "console=x"), 0);
  const std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/roomy.dtb");
  ASSERT_TRUE(WriteFileAtomic(path, roomy).ok());

  auto whole = Fdt::FromFile(path);
  auto blocks = Fdt::FromFileBlocks(path);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_TRUE(blocks.ok()) << blocks.status();
  EXPECT_EQ(whole->size(), roomy.size());
  const size_t end = fdt_off_dt_strings(roomy.data()) +
                     fdt_size_dt_strings(roomy.data());
  std::vector<uint8_t> expected(roomy.begin(), roomy.begin() + end);
  fdt_set_totalsize(expected.data(), end);
  EXPECT_TRUE(std::equal(blocks->bytes().begin(), blocks->bytes().end(),
                         expected.begin(), expected.end()));
  EXPECT_EQ(blocks->origin(), path);
  // The same tree: what fdt_pack() makes of either is the same blob.
  std::vector<uint8_t> packed(whole->bytes().begin(), whole->bytes().end());
  ASSERT_EQ(fdt_pack(packed.data()), 0);
  packed.resize(fdt_totalsize(packed.data()));
  std::vector<uint8_t> packed_blocks(blocks->bytes().begin(),
                                     blocks->bytes().end());
  ASSERT_EQ(fdt_pack(packed_blocks.data()), 0);
  packed_blocks.resize(fdt_totalsize(packed_blocks.data()));
  EXPECT_EQ(packed_blocks, packed);

  // Without free space, or not a DTB at all: exactly FromFile().
  const std::string tight = absl::StrCat(getenv("TEST_TMPDIR"), "/tight.dtb");
  ASSERT_TRUE(WriteFileAtomic(tight, packed).ok());
  auto tight_blocks = Fdt::FromFileBlocks(tight);
  ASSERT_TRUE(tight_blocks.ok()) << tight_blocks.status();
  EXPECT_TRUE(std::equal(tight_blocks->bytes().begin(),
                         tight_blocks->bytes().end(), packed.begin(),
                         packed.end()));
  const std::string junk = absl::StrCat(getenv("TEST_TMPDIR"), "/junk.dtb");
  ASSERT_TRUE(WriteFileAtomic(junk, std::vector<uint8_t>(100, 0x5a)).ok());
  EXPECT_EQ(Fdt::FromFileBlocks(junk).status(), Fdt::FromFile(junk).status());
  // Cut inside its blocks: the partial read falls back, FromFile()'s error.
  const std::string cut = absl::StrCat(getenv("TEST_TMPDIR"), "/cut.dtb");
  ASSERT_TRUE(WriteFileAtomic(cut, absl::MakeConstSpan(roomy).subspan(0, 80))
                  .ok());
  const absl::Status cut_status = Fdt::FromFileBlocks(cut).status();
  EXPECT_EQ(cut_status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cut_status, Fdt::FromFile(cut).status());
  EXPECT_EQ(Fdt::FromFileBlocks("/no/such.dtb").status().code(),
            absl::StatusCode::kNotFound);
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
  // Larger than one 64 KiB growth step: needs three.
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

// Paths and names often come from a blob (a grafted label's path, a live
// FDT's node): a terminal escape or newline in them is escaped in messages.
TEST(FdtEditor, HostilePathsAndNamesAreEscapedInMessages) {
  const std::string evil = "\x1b[2J\n";
  const std::string shown = "\\x1b[2J\\x0a";
  FdtEditor editor(*Fdt::FromBytes(SmallDtb(), "small.dtb"));
  EXPECT_EQ(editor.NodeOffset("/soc" + evil).status().message(),
            "small.dtb: node /soc" + shown + ": FDT_ERR_NOTFOUND");
  EXPECT_EQ(editor.DeleteNode("/soc" + evil).message(),
            "small.dtb: node /soc" + shown + ": FDT_ERR_NOTFOUND");
  auto phandles = editor.EnsurePhandles({{"/soc" + evil, 0}});
  EXPECT_EQ(phandles.status().message(),
            "small.dtb: node /soc" + shown + ": FDT_ERR_NOTFOUND");
  // Growing past 2 MiB names what was being written.
  const absl::Status big = editor.SetProperty(
      "/chosen", "blob" + evil, std::vector<uint8_t>(kMaxDtbSize + 1, 0));
  EXPECT_EQ(big.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(big.message()),
              HasSubstr(" while setting /chosen:blob" + shown));
  const absl::Status added =
      editor.AddNode("/chosen", std::string(kMaxDtbSize + 1, 'n') + evil)
          .status();
  EXPECT_EQ(added.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(added.message()), HasSubstr(shown));
  for (const absl::Status& s : {big, added}) {
    for (char c : s.message()) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << s.message();
    }
  }
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

// A tree shaped like a board's: /chosen and /aliases after a /soc with many
// nodes (so lookups walk past it), unit addresses, a NOP, a node named
// __symbols__ below the root's children, and optionally /__symbols__.
std::vector<uint8_t> BoardLikeDtb(bool symbols) {
  std::vector<uint8_t> buf(64 * 1024);
  void* fdt = buf.data();
  EXPECT_EQ(fdt_create(fdt, static_cast<int>(buf.size())), 0);
  EXPECT_EQ(fdt_finish_reservemap(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, ""), 0);
  EXPECT_EQ(fdt_property_u32(fdt, "#address-cells", 2), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "cpus"), 0);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fdt_begin_node(fdt, absl::StrCat("cpu@", i).c_str()), 0);
    EXPECT_EQ(fdt_property_u32(fdt, "reg", i), 0);
    EXPECT_EQ(fdt_end_node(fdt), 0);
  }
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "soc"), 0);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(fdt_begin_node(fdt, absl::StrCat("usb@", 5000 + i).c_str()), 0);
    EXPECT_EQ(fdt_property_string(fdt, "status", "disabled"), 0);
    EXPECT_EQ(fdt_begin_node(fdt, "port"), 0);
    EXPECT_EQ(fdt_property_u32(fdt, "reg", i), 0);
    EXPECT_EQ(fdt_end_node(fdt), 0);
    EXPECT_EQ(fdt_end_node(fdt), 0);
  }
  EXPECT_EQ(fdt_begin_node(fdt, "__symbols__"), 0);  // Not the root's.
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "aliases"), 0);
  EXPECT_EQ(fdt_property_string(fdt, "serial0", "/soc/usb@5001"), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "chosen"), 0);
  EXPECT_EQ(fdt_property_string(fdt, "bootargs", "quiet"), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  if (symbols) {
    EXPECT_EQ(fdt_begin_node(fdt, "__symbols__"), 0);
    EXPECT_EQ(fdt_property_string(fdt, "usb1", "/soc/usb@5001"), 0);
    EXPECT_EQ(fdt_end_node(fdt), 0);
  }
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_finish(fdt), 0);
  buf.resize(fdt_totalsize(fdt));
  // A NOP in the structure, as fdt_nop_property() leaves one.
  const int soc = fdt_path_offset(buf.data(), "/soc/usb@5002");
  EXPECT_EQ(fdt_nop_property(buf.data(), soc, "status"), 0);
  return buf;
}

// Every node path of a tree, in blob order.
std::vector<std::string> AllPaths(const void* fdt) {
  std::vector<std::string> paths;
  char path[512];
  int depth = 0;
  for (int off = 0; off >= 0 && depth >= 0;
       off = fdt_next_node(fdt, off, &depth)) {
    EXPECT_EQ(fdt_get_path(fdt, off, path, sizeof(path)), 0);
    paths.emplace_back(path);
  }
  return paths;
}

TEST(StructureReader, ReadsTheSameTagsAndNodesAsLibfdt) {
  const std::vector<uint8_t> bytes = BoardLikeDtb(true);
  const void* fdt = bytes.data();
  const StructureReader reader(fdt);
  int offset = 0;
  for (;;) {
    int ours = 0, theirs = 0;
    const uint32_t tag = reader.Tag(offset, &ours);
    ASSERT_EQ(tag, fdt_next_tag(fdt, offset, &theirs)) << "at " << offset;
    ASSERT_EQ(ours, theirs) << "at " << offset;
    if (tag == FDT_END) break;
    offset = ours;
  }
  for (const std::string& path : AllPaths(fdt)) {
    EXPECT_EQ(reader.Path(path), fdt_path_offset(fdt, path.c_str())) << path;
  }
  for (const char* path :
       {"/soc/usb", "/soc/usb@5049/port", "//soc//usb@5003/", "/soc/usb@9",
        "/nope", "/soc/port", "/cpus/cpu@0/x", "/chosen/"}) {
    EXPECT_EQ(reader.Path(path), fdt_path_offset(fdt, path)) << path;
  }
  // Out of range and misaligned offsets read as a malformed tag.
  int next = 0;
  EXPECT_EQ(reader.Tag(static_cast<int>(bytes.size()), &next), FDT_END);
  EXPECT_EQ(next, -FDT_ERR_BADSTRUCTURE);
  EXPECT_EQ(reader.Tag(2, &next), FDT_END);
  EXPECT_EQ(next, -FDT_ERR_BADSTRUCTURE);
  EXPECT_EQ(reader.Child(8, "x"), -FDT_ERR_BADOFFSET);
}

TEST(Fdt, HasSymbolsOnlyForARootSymbolsNode) {
  auto with = Fdt::FromBytes(BoardLikeDtb(true), "with.dtb");
  auto without = Fdt::FromBytes(BoardLikeDtb(false), "without.dtb");
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_TRUE(with->HasSymbols());
  EXPECT_FALSE(without->HasSymbols());  // /soc/__symbols__ does not count.
  // Trees an editor produced answer from the tree itself.
  FdtEditor editor(*with);
  auto same = FdtEditor(*with).Finish("same");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->HasSymbols());
  ASSERT_TRUE(editor.DeleteNode("/__symbols__").ok());
  auto dropped = std::move(editor).Finish("dropped");
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(dropped->HasSymbols());
}

// Every node's offset as the editor reports it, against libfdt's own
// lookup in the editor's current tree.
void ExpectOffsetsMatchLibfdt(const FdtEditor& editor, const char* after) {
  for (const std::string& path : AllPaths(editor.data())) {
    auto ours = editor.NodeOffset(path);
    ASSERT_TRUE(ours.ok()) << after << ": " << path << ": " << ours.status();
    EXPECT_EQ(*ours, fdt_path_offset(editor.data(), path.c_str()))
        << after << ": " << path;
  }
}

TEST(FdtEditor, RememberedOffsetsFollowEveryEdit) {
  auto fdt = Fdt::FromBytes(BoardLikeDtb(true), "board.dtb");
  ASSERT_TRUE(fdt.ok());
  FdtEditor editor(*fdt);
  ExpectOffsetsMatchLibfdt(editor, "start");  // Remembers every node.
  ASSERT_TRUE(editor.AddNode("/", "memory@40000000").ok());
  ExpectOffsetsMatchLibfdt(editor, "AddNode /memory@40000000");
  ASSERT_TRUE(editor.AddNode("/soc", "usb@5001").ok());  // Exists already.
  ASSERT_TRUE(editor.AddNode("/soc/usb@5010", "hub").ok());
  ExpectOffsetsMatchLibfdt(editor, "AddNode /soc/usb@5010/hub");
  ASSERT_TRUE(editor.SetPropertyString("/soc/usb@5001", "status", "okay")
                  .ok());  // Shorter value: the tree shrinks.
  ExpectOffsetsMatchLibfdt(editor, "SetProperty shorter");
  std::vector<uint8_t> big(100 * 1024, 0x5a);  // Grows the buffer, too.
  ASSERT_TRUE(editor.SetProperty("/cpus/cpu@2", "big", big).ok());
  ExpectOffsetsMatchLibfdt(editor, "SetProperty big");
  const absl::string_view names[] = {"status", "missing"};
  ASSERT_TRUE(editor.DeleteProperties("/soc/usb@5020", names).ok());
  ExpectOffsetsMatchLibfdt(editor, "DeleteProperties");
  ASSERT_TRUE(editor.DeleteProperty("/cpus/cpu@2", "big").ok());
  ExpectOffsetsMatchLibfdt(editor, "DeleteProperty");
  ASSERT_TRUE(
      editor.EnsurePhandles({{"/soc/usb@5040/port"}, {"/cpus/cpu@1"}}).ok());
  ExpectOffsetsMatchLibfdt(editor, "EnsurePhandles");
  ASSERT_TRUE(editor.AddMemReserve(0x48000000, 0x1000).ok());
  ExpectOffsetsMatchLibfdt(editor, "AddMemReserve");
  ASSERT_TRUE(editor.DeleteNode("/soc/usb@5030").ok());
  ExpectOffsetsMatchLibfdt(editor, "DeleteNode");
  EXPECT_EQ(editor.NodeOffset("/soc/usb@5030").status().code(),
            absl::StatusCode::kNotFound);
  // Every edit landed where libfdt's own lookups say.
  auto status = editor.Property("/soc/usb@5001", "status");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(std::string(status->begin(), status->end()),
            std::string("okay", 5));
  EXPECT_FALSE(editor.Property("/soc/usb@5010/hub", "status").has_value());
  EXPECT_GE(fdt_path_offset(editor.data(), "/memory@40000000"), 0);
}

// An overlay setting /chosen:`name` = "x" (target-path, no fixups).
std::vector<uint8_t> ChosenOverlay(const char* name) {
  std::vector<uint8_t> buf(4096);
  void* fdt = buf.data();
  EXPECT_EQ(fdt_create(fdt, static_cast<int>(buf.size())), 0);
  EXPECT_EQ(fdt_finish_reservemap(fdt), 0);
  EXPECT_EQ(fdt_begin_node(fdt, ""), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "fragment@0"), 0);
  EXPECT_EQ(fdt_property_string(fdt, "target-path", "/chosen"), 0);
  EXPECT_EQ(fdt_begin_node(fdt, "__overlay__"), 0);
  EXPECT_EQ(fdt_property_string(fdt, name, "x"), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_end_node(fdt), 0);
  EXPECT_EQ(fdt_finish(fdt), 0);
  buf.resize(fdt_totalsize(fdt));
  return buf;
}

TEST(FdtEditor, AppliesOverlaysOneAfterAnotherAndEditsBetween) {
  FdtEditor editor(*Fdt::FromBytes(SmallDtb(), "small.dtb"));
  // A buffer grown far past what the tree now uses: the scratch copies
  // must still take the tree's whole totalsize.
  const std::vector<uint8_t> big(200 * 1024, 0x5a);
  ASSERT_TRUE(editor.SetProperty("/chosen", "big", big).ok());
  ASSERT_TRUE(editor.DeleteProperty("/chosen", "big").ok());
  for (const char* name : {"a", "b", "c", "d"}) {
    auto overlay = Fdt::FromBytes(ChosenOverlay(name), name);
    ASSERT_TRUE(overlay.ok()) << overlay.status();
    // Each scratch copy must hold the tree with its free room so far.
    ASSERT_TRUE(editor.ApplyOverlay(*overlay).ok()) << name;
    ASSERT_TRUE(
        editor.SetPropertyU32("/chosen", absl::StrCat(name, "-n"), 1).ok());
  }
  auto out = std::move(editor).Finish("stacked");
  ASSERT_TRUE(out.ok()) << out.status();
  for (const char* name : {"a", "b", "c", "d"}) {
    const int chosen = fdt_path_offset(out->data(), "/chosen");
    EXPECT_NE(fdt_getprop(out->data(), chosen, name, nullptr), nullptr) << name;
  }
}

TEST(FindNodeOffsets, FindsExactPathsInOneWalk) {
  const std::vector<uint8_t> bytes = BoardLikeDtb(true);
  const void* fdt = bytes.data();
  std::vector<std::string> paths = AllPaths(fdt);
  paths.insert(paths.end(), {"/soc/usb@5007/port", "/soc/usb", "/soc//usb@5001",
                             "/nope", "/soc/usb@5007/port", "/chosen/"});
  const std::vector<int> found = FindNodeOffsets(fdt, paths);
  ASSERT_EQ(found.size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    // Exact paths only: no unit-address shorthand, no doubled slashes.
    const bool exact =
        paths[i] == "/" || (paths[i].find("//") == std::string::npos &&
                            paths[i].back() != '/' && paths[i] != "/soc/usb");
    const int want = exact ? fdt_path_offset(fdt, paths[i].c_str()) : -1;
    EXPECT_EQ(found[i], want < 0 ? -1 : want) << paths[i];
  }
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
