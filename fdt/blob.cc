#include "fdt/blob.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/fdt_error.h"
#include "fdt/file_io.h"
#include "fdt/path.h"
#include "fdt/status_macros.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

constexpr size_t kHeaderSize = 40;       // struct fdt_header, version 17.
constexpr size_t kGrowStep = 64 * 1024;  // fdtoverlay's step, too.

// The header fields, by byte offset (devicetree specification 5.2).
constexpr size_t kTotalSize = 4, kOffDtStruct = 8, kOffDtStrings = 12,
                 kOffMemRsvmap = 16, kVersion = 20, kLastCompVersion = 24,
                 kSizeDtStrings = 32, kSizeDtStruct = 36;
// FDT_LAST_SUPPORTED_VERSION of libfdt 1.6.1.
constexpr uint32_t kLastSupportedVersion = 17;

uint32_t Field(absl::Span<const uint8_t> b, size_t at) {
  return LoadBe32(b.data() + at);
}

// fdt_header_size() for the versions we accept: size_dt_struct came in 17.
uint64_t HeaderSize(absl::Span<const uint8_t> b) {
  return Field(b, kVersion) >= 17 ? 40 : 36;
}

// "off_dt_struct 0x38 + size_dt_struct 4096 ends at 4152, past totalsize
// 4000": why a block fails fdt_check_header()'s bounds (check_block_() in
// libfdt's fdt.c), or "" when it does not.
std::string BlockProblem(absl::Span<const uint8_t> b, const char* off_name,
                         size_t off_at, const char* size_name, size_t size_at) {
  const uint64_t total = Field(b, kTotalSize);
  const uint64_t off = Field(b, off_at);
  if (off < HeaderSize(b) || off > total) {
    return absl::StrFormat("%s 0x%x is outside the blob: not between the "
                           "%u-byte header and totalsize %u",
                           off_name, off, HeaderSize(b), total);
  }
  if (size_name == nullptr) return "";
  const uint64_t size = Field(b, size_at);
  if (off + size > total) {
    return absl::StrFormat("%s 0x%x + %s %u ends at %u, past totalsize %u",
                           off_name, off, size_name, size, off + size, total);
  }
  return "";
}

// Why libfdt says FDT_ERR_TRUNCATED, naming the header field, in the order
// fdt_check_header() and fdt_check_full() test them. `b` holds at least a
// header.
std::string TruncatedCause(absl::Span<const uint8_t> b) {
  const uint32_t total = Field(b, kTotalSize);
  if (total < HeaderSize(b)) {
    return absl::StrFormat("totalsize %u is smaller than the %u-byte header",
                           total, HeaderSize(b));
  }
  std::string problem =
      BlockProblem(b, "off_mem_rsvmap", kOffMemRsvmap, nullptr, 0);
  if (problem.empty()) {
    problem = Field(b, kVersion) >= 17
                  ? BlockProblem(b, "off_dt_struct", kOffDtStruct,
                                 "size_dt_struct", kSizeDtStruct)
                  : BlockProblem(b, "off_dt_struct", kOffDtStruct, nullptr, 0);
  }
  if (problem.empty()) {
    problem = BlockProblem(b, "off_dt_strings", kOffDtStrings,
                           "size_dt_strings", kSizeDtStrings);
  }
  if (!problem.empty()) return problem;
  if (total > b.size()) {
    return absl::StrFormat("the header says %u bytes, only %u are present",
                           total, b.size());
  }
  // The reservation map ends with an entry of size 0 before totalsize
  // (fdt_num_mem_rsv()).
  for (uint64_t at = Field(b, kOffMemRsvmap); at + 16 <= total; at += 16) {
    if (Field(b, at + 8) == 0 && Field(b, at + 12) == 0) {
      return "the structure block ends inside a tag";
    }
  }
  return absl::StrFormat(
      "the memory reservation map at off_mem_rsvmap 0x%x has no terminating "
      "entry before totalsize %u",
      Field(b, kOffMemRsvmap), total);
}

// Why libfdt says FDT_ERR_BADVERSION (fdt_check_header() and our own
// PrecheckStructure()).
std::string BadVersionCause(absl::Span<const uint8_t> b) {
  const uint32_t version = Field(b, kVersion);
  const uint32_t last_comp = Field(b, kLastCompVersion);
  if (last_comp > kLastSupportedVersion) {
    return absl::StrFormat(
        "last_comp_version %u is newer than libfdt supports (%u)", last_comp,
        kLastSupportedVersion);
  }
  if (version < 16) {
    return absl::StrFormat("version %u; 16 or newer is needed", version);
  }
  if (version < last_comp) {
    return absl::StrFormat("version %u is older than last_comp_version %u",
                           version, last_comp);
  }
  return absl::StrFormat("version %u, last_comp_version %u", version,
                         last_comp);
}

// libfdt's node name comparison (fdt_nodename_eq_): "chosen" also matches
// "chosen@0" unless the name looked for has a unit address itself.
bool NodeNameMatches(absl::string_view node, absl::string_view wanted) {
  if (node.size() < wanted.size() ||
      node.compare(0, wanted.size(), wanted) != 0) {
    return false;
  }
  if (node.size() == wanted.size()) return true;
  return wanted.find('@') == absl::string_view::npos &&
         node[wanted.size()] == '@';
}

// Why `bytes` is not a valid DTB, in words, with the facts a user needs
// (the header field and its value): "truncated: the header says 22730
// bytes, only 10000 are present". libfdt's name for it comes after, in
// InvalidDtb(): the cause is what a reader needs first.
std::string Explain(int err, absl::Span<const uint8_t> bytes) {
  switch (-err) {
    case FDT_ERR_BADMAGIC:
      return absl::StrFormat("bad magic number 0x%08x, expected 0xd00dfeed",
                             LoadBe32(bytes.data()));
    case FDT_ERR_TRUNCATED:
      if (bytes.size() < kHeaderSize) {
        return absl::StrFormat(
            "truncated: only %u bytes, less than the %u-byte header",
            bytes.size(), kHeaderSize);
      }
      return absl::StrCat("truncated: ", TruncatedCause(bytes));
    case FDT_ERR_BADSTRUCTURE:
      return "corrupt structure block";
    case FDT_ERR_BADOFFSET:
      return "bad offset: an offset, such as a property name's, points "
             "outside its block";
    case FDT_ERR_BADLAYOUT:
      return "bad layout: the blocks overlap or are out of order";
    case FDT_ERR_BADVERSION:
      if (bytes.size() < kHeaderSize) return "unsupported version";
      return absl::StrCat("unsupported version: ", BadVersionCause(bytes));
    default:
      return "refused by libfdt's checks";
  }
}

// "<origin>: not a valid DTB: <cause> (FDT_ERR_...)". kDataLoss whatever
// libfdt calls it: a blob that fails validation is corrupt.
absl::Status InvalidDtb(const std::string& origin, int err,
                        absl::Span<const uint8_t> bytes) {
  return absl::DataLossError(
      absl::StrCat(origin, ": not a valid DTB: ", Explain(err, bytes), " (",
                   FdtErrorName(err), ")"));
}

// "2097152-byte (2 MiB) arm64 limit", or "N-byte limit" for another cap.
std::string LimitText(size_t max_size) {
  if (max_size == kMaxDtbSize) {
    return absl::StrFormat("%u-byte (2 MiB) arm64 limit", max_size);
  }
  return absl::StrFormat("%u-byte limit", max_size);
}

// Checks what libfdt 1.6.1's fdt_check_full() trusts: it dereferences a
// NULL name for header versions below 16, and loops forever on a property
// length that wraps its offset arithmetic (0xfffffff4). Both were found by
// our fuzzer (testdata/fuzz/regress-*.seed). Returns 0 or -FDT_ERR_*.
// The walk also notes, for free, whether the root has a /__symbols__ child
// (*symbols; Fdt::HasSymbols() answers from it).
int PrecheckStructure(absl::Span<const uint8_t> b, bool* symbols) {
  if (b.size() < kHeaderSize) return -FDT_ERR_TRUNCATED;
  const uint32_t version = LoadBe32(b.data() + 20);
  if (version < 16) return -FDT_ERR_BADVERSION;
  const uint64_t off = LoadBe32(b.data() + 8);
  const uint64_t size = LoadBe32(b.data() + 36);
  if (off > b.size() || size > b.size() - off) return -FDT_ERR_TRUNCATED;
  const uint8_t* s = b.data() + off;
  uint64_t at = 0;
  int depth = 0;  // Below the first root node only; -1 once it has ended.
  while (at + 4 <= size) {
    const uint32_t tag = LoadBe32(s + at);
    at += 4;
    switch (tag) {
      case FDT_BEGIN_NODE: {
        const uint64_t name = at;
        while (at < size && s[at] != 0) ++at;
        if (at >= size) return -FDT_ERR_BADSTRUCTURE;
        if (depth == 1 &&
            NodeNameMatches(
                absl::string_view(reinterpret_cast<const char*>(s + name),
                                  static_cast<size_t>(at - name)),
                "__symbols__")) {
          *symbols = true;
        }
        if (depth >= 0) ++depth;
        at = (at + 1 + 3) & ~uint64_t{3};
        break;
      }
      case FDT_PROP: {
        if (at + 8 > size) return -FDT_ERR_BADSTRUCTURE;
        const uint64_t len = LoadBe32(s + at);
        at += 8;
        if (len > size - at) return -FDT_ERR_BADSTRUCTURE;
        at = (at + len + 3) & ~uint64_t{3};
        break;
      }
      case FDT_END_NODE:
        if (depth > 0 && --depth == 0) depth = -1;
        break;
      case FDT_NOP:
        break;
      case FDT_END:
        return 0;
      default:
        return -FDT_ERR_BADSTRUCTURE;
    }
  }
  return -FDT_ERR_BADSTRUCTURE;
}

// Refuses an overlay nested deeper than kMaxOverlayDepth, naming the
// deepest depth and the start of the path that gets there.
absl::Status CheckOverlayDepth(const Fdt& overlay) {
  constexpr int kShownLevels = 8;
  std::vector<absl::string_view> names;  // Of the current path, shown part.
  std::string first_too_deep;
  int deepest = 0;
  int depth = 0;
  for (int off = 0; off >= 0 && depth >= 0;
       off = fdt_next_node(overlay.data(), off, &depth)) {
    deepest = std::max(deepest, depth);
    if (depth > 0 && depth <= kShownLevels) {
      int len = 0;
      const char* name = fdt_get_name(overlay.data(), off, &len);
      names.resize(static_cast<size_t>(depth) - 1);
      names.emplace_back(name != nullptr ? name : "?",
                         name != nullptr ? static_cast<size_t>(len) : 1);
    }
    if (depth > kMaxOverlayDepth && first_too_deep.empty()) {
      for (absl::string_view n : names) absl::StrAppend(&first_too_deep, "/", n);
      first_too_deep += "/...";
    }
  }
  if (deepest <= kMaxOverlayDepth) return absl::OkStatus();
  // kInvalidArgument, not kResourceExhausted: callers read that one as "the
  // result is too big".
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: nodes nest %d levels deep (%s), over the limit of %d for an "
      "overlay: libfdt's overlay code recurses once per level",
      overlay.origin(), deepest, Escaped(first_too_deep), kMaxOverlayDepth));
}

}  // namespace

StructureReader::StructureReader(const void* fdt)
    : base_(static_cast<const uint8_t*>(fdt)) {
  const uint32_t total = LoadBe32(base_ + 4);
  const uint32_t off = LoadBe32(base_ + 8);
  const uint32_t version = LoadBe32(base_ + 20);
  if (off <= total) {
    size_ = version >= 17 ? std::min(LoadBe32(base_ + 36), total - off)
                          : total - off;
  }
  base_ += off;
}

uint32_t StructureReader::Tag(int offset, int* next,
                              absl::string_view* name) const {
  *next = -FDT_ERR_BADSTRUCTURE;
  if (offset < 0 || offset % 4 != 0 || size_ < 4 ||
      static_cast<size_t>(offset) > size_ - 4) {
    return FDT_END;
  }
  size_t at = static_cast<size_t>(offset);
  const uint32_t tag = LoadBe32(base_ + at);
  at += 4;
  if (tag == FDT_BEGIN_NODE) {
    const void* nul = std::memchr(base_ + at, 0, size_ - at);
    if (nul == nullptr) return FDT_END;
    const size_t len =
        static_cast<size_t>(static_cast<const uint8_t*>(nul) - (base_ + at));
    if (name != nullptr) {
      *name = absl::string_view(reinterpret_cast<const char*>(base_ + at), len);
    }
    at += len + 1;
  } else if (tag == FDT_PROP) {
    if (size_ - at < 8) return FDT_END;
    const size_t len = LoadBe32(base_ + at);
    at += 8;
    if (len > size_ - at) return FDT_END;
    at += len;
  } else if (tag == FDT_END) {
    *next = static_cast<int>(at);
    return FDT_END;
  } else if (tag != FDT_END_NODE && tag != FDT_NOP) {
    return FDT_END;
  }
  *next = static_cast<int>((at + 3) & ~size_t{3});
  return tag;
}

int StructureReader::Child(int parent, absl::string_view name) const {
  int next = 0;
  absl::string_view node;
  if (Tag(parent, &next, &node) != FDT_BEGIN_NODE) return -FDT_ERR_BADOFFSET;
  int depth = 0;
  for (int off = next;; off = next) {
    switch (Tag(off, &next, &node)) {
      case FDT_BEGIN_NODE:
        if (depth == 0 && NodeNameMatches(node, name)) return off;
        ++depth;
        break;
      case FDT_END_NODE:
        if (depth-- == 0) return -FDT_ERR_NOTFOUND;
        break;
      case FDT_END:
        return -FDT_ERR_NOTFOUND;
      default:
        break;
    }
  }
}

int StructureReader::Path(absl::string_view path) const {
  int off = 0;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    size_t end = path.find('/', at);
    if (end == absl::string_view::npos) end = path.size();
    off = Child(off, path.substr(at, end - at));
    if (off < 0) return off;
    at = end;
  }
  return off;
}

absl::StatusOr<Fdt> Fdt::FromBytes(std::vector<uint8_t> bytes,
                                   std::string origin, size_t max_size) {
  if (bytes.size() < 8) return InvalidDtb(origin, -FDT_ERR_TRUNCATED, bytes);
  if (LoadBe32(bytes.data()) == FDT_MAGIC) {
    const uint32_t total = LoadBe32(bytes.data() + 4);
    if (total > max_size) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("%s: DTB is %u bytes, over the %s", origin, total,
                          LimitText(max_size)));
    }
  }
  int err = bytes.size() < kHeaderSize ? -FDT_ERR_TRUNCATED
                                       : fdt_check_header(bytes.data());
  bool symbols = false;
  if (err == 0) err = PrecheckStructure(bytes, &symbols);
  if (err == 0) err = fdt_check_full(bytes.data(), bytes.size());
  // libfdt 1.6.1's fdt_check_full() reads an unknown first tag as FDT_END at
  // depth 0 and accepts the blob; a tree must start with its root node.
  int next = 0;
  if (err == 0 && fdt_next_tag(bytes.data(), 0, &next) != FDT_BEGIN_NODE) {
    err = -FDT_ERR_BADSTRUCTURE;
  }
  if (err != 0) return InvalidDtb(origin, err, bytes);
  bytes.resize(fdt_totalsize(bytes.data()));
  // Below version 17 the precheck's block size is not the header's; ask
  // the tree later instead.
  const bool known = fdt_version(bytes.data()) >= 17;
  Fdt fdt(std::move(bytes), std::move(origin));
  if (known) fdt.symbols_ = symbols ? Symbols::kPresent : Symbols::kAbsent;
  return fdt;
}

absl::StatusOr<Fdt> Fdt::FromFile(const std::string& path, size_t max_size) {
  // Read a little more than the limit so an oversized file is reported by
  // FromBytes with its header's size rather than as a read error; a file
  // over even that is refused against the real limit, not the read cap.
  const uint64_t read_cap = uint64_t{4} * max_size;
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(path, read_cap);
  if (bytes.status().code() == absl::StatusCode::kResourceExhausted) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s: the file is over %u bytes, far over the %s for a DTB", path,
        read_cap, LimitText(max_size)));
  }
  if (!bytes.ok()) return bytes.status();
  return FromBytes(*std::move(bytes), path, max_size);
}

namespace {

uint32_t HeaderWord(absl::Span<const uint8_t> b, size_t index) {
  return LoadBe32(b.data() + 4 * index);
}

// Where the blocks of a DTB whose header is `head` end, when they come in
// the usual order with free space after them; 0 when FromFileBlocks()
// should read the whole file instead.
uint64_t BlocksEnd(absl::Span<const uint8_t> head) {
  // struct fdt_header (v17): magic, totalsize, off_dt_struct,
  // off_dt_strings, off_mem_rsvmap, version, last_comp_version,
  // boot_cpuid_phys, size_dt_strings, size_dt_struct; 40 bytes.
  if (head.size() < 40 || HeaderWord(head, 0) != FDT_MAGIC ||
      HeaderWord(head, 5) < 17) {
    return 0;
  }
  const uint64_t total = HeaderWord(head, 1);
  const uint64_t off_struct = HeaderWord(head, 2);
  const uint64_t off_strings = HeaderWord(head, 3);
  const uint64_t off_rsvmap = HeaderWord(head, 4);
  const uint64_t struct_end = off_struct + HeaderWord(head, 9);
  const uint64_t strings_end = off_strings + HeaderWord(head, 8);
  if (off_rsvmap < 40 || off_rsvmap > off_struct ||
      struct_end > off_strings || strings_end >= total) {
    return 0;
  }
  return strings_end;
}

}  // namespace

absl::StatusOr<Fdt> Fdt::FromFileBlocks(const std::string& path,
                                        size_t max_size) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> head, ReadFileHead(path, 40));
  const uint64_t end = BlocksEnd(head);
  if (end == 0 || end > max_size) return FromFile(path, max_size);
  ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                   ReadFileHead(path, static_cast<size_t>(end)));
  // Re-read, so the file may have changed meanwhile: if it no longer has
  // the header just decoded, the whole file is what counts.
  if (bytes.size() != end ||
      !std::equal(head.begin(), head.end(), bytes.begin())) {
    return FromFile(path, max_size);
  }
  for (int i = 0; i < 4; ++i) {  // totalsize, big-endian
    bytes[4 + i] = static_cast<uint8_t>(end >> (24 - 8 * i));
  }
  return FromBytes(std::move(bytes), path, max_size);
}

std::string Fdt::Model() const {
  int len = 0;
  const char* model =
      static_cast<const char*>(fdt_getprop(data(), 0, "model", &len));
  if (model == nullptr || len <= 0) return "";
  return std::string(model, strnlen(model, static_cast<size_t>(len)));
}

std::vector<std::string> Fdt::Compatible() const {
  std::vector<std::string> out;
  int len = 0;
  const char* p =
      static_cast<const char*>(fdt_getprop(data(), 0, "compatible", &len));
  if (p == nullptr) return out;
  const char* end = p + len;
  while (p < end) {
    const size_t n = strnlen(p, static_cast<size_t>(end - p));
    if (n > 0) out.emplace_back(p, n);
    p += n + 1;
  }
  return out;
}

bool Fdt::HasSymbols() const {
  if (symbols_ != Symbols::kUnknown) return symbols_ == Symbols::kPresent;
  return StructureReader(data()).Child(0, "__symbols__") >= 0;
}

FdtEditor::FdtEditor(const Fdt& source)
    : buf_(source.bytes().begin(), source.bytes().end()),
      origin_(source.origin()) {
  // Room comes with the first edit that needs it (WithGrowth) or with
  // ApplyOverlay()'s scratch copy, so a tree whose first change is an
  // overlay is copied once. A version 17 tree opens in place; an older one
  // needs room for its new header (libfdt edits only version 17).
  if (fdt_open_into(buf_.data(), buf_.data(),
                    static_cast<int>(buf_.size())) != 0) {
    std::vector<uint8_t> opened(source.size() + kGrowStep);
    if (fdt_open_into(source.data(), opened.data(),
                      static_cast<int>(opened.size())) == 0) {
      buf_ = std::move(opened);
    }
  }
}

size_t FdtEditor::UsedSize() const {
  // The blocks in the order fdt_open_into() leaves them: the strings last.
  return static_cast<size_t>(fdt_off_dt_strings(buf_.data())) +
         fdt_size_dt_strings(buf_.data());
}

absl::Status FdtEditor::Grow() {
  // Content over kMaxDtbSize cannot pack below the limit; stop growing.
  if (buf_.size() + kGrowStep > kMaxDtbSize + kGrowStep) {
    return absl::ResourceExhaustedError(absl::StrCat(
        origin_, ": tree grew past the ", kMaxDtbSize, "-byte arm64 limit"));
  }
  std::vector<uint8_t> bigger(buf_.size() + kGrowStep);
  const int err = fdt_open_into(buf_.data(), bigger.data(),
                                static_cast<int>(bigger.size()));
  if (err != 0) return FdtError(err, absl::StrCat(origin_, ": growing tree"));
  buf_ = std::move(bigger);
  return absl::OkStatus();
}

template <typename Describe, typename Op>
absl::Status FdtEditor::WithGrowth(Describe what, Op op) {
  // A tree without a free byte cannot take any addition: grow first rather
  // than let libfdt find that out (a new property name costs a scan of the
  // strings block before FDT_ERR_NOSPACE).
  if (UsedSize() >= buf_.size()) {
    const absl::Status grown = Grow();
    if (!grown.ok()) {
      return absl::Status(grown.code(),
                          absl::StrCat(grown.message(), " while ", what()));
    }
  }
  for (;;) {
    const int err = op(buf_.data());
    if (err == 0) return absl::OkStatus();
    if (err != -FDT_ERR_NOSPACE) {
      return FdtError(err, absl::StrCat(origin_, ": ", what()));
    }
    const absl::Status grown = Grow();
    if (!grown.ok()) {
      return absl::Status(grown.code(),
                          absl::StrCat(grown.message(), " while ", what()));
    }
  }
}

int FdtEditor::Lookup(absl::string_view path) const {
  if (path.empty() || path[0] != '/') {  // An alias: libfdt resolves it.
    return fdt_path_offset_namelen(buf_.data(), path.data(),
                                   static_cast<int>(path.size()));
  }
  // Edits keep the remembered offsets current (Moved()).
  for (const KnownNode& k : known_) {
    if (k.path == path) return k.offset;
  }
  const int off = StructureReader(buf_.data()).Path(path);
  if (off >= 0) known_.push_back(KnownNode{std::string(path), off});
  return off;
}

void FdtEditor::Moved(int at, int struct_size_before) {
  const int delta =
      static_cast<int>(fdt_size_dt_struct(buf_.data())) - struct_size_before;
  if (delta == 0) return;
  for (KnownNode& k : known_) {
    if (k.offset > at) k.offset += delta;
  }
}

absl::StatusOr<int> FdtEditor::NodeOffset(absl::string_view path) const {
  const int off = Lookup(path);
  if (off < 0) {
    return FdtError(off, absl::StrCat(origin_, ": node ", Escaped(path)));
  }
  return off;
}

absl::optional<std::vector<uint8_t>> FdtEditor::Property(
    absl::string_view path, absl::string_view name) const {
  const int off = Lookup(path);
  if (off < 0) return absl::nullopt;
  int len = 0;
  const void* v = fdt_getprop_namelen(buf_.data(), off, name.data(),
                                      static_cast<int>(name.size()), &len);
  if (v == nullptr) return absl::nullopt;
  const uint8_t* p = static_cast<const uint8_t*>(v);
  return std::vector<uint8_t>(p, p + len);
}

absl::Status FdtEditor::SetProperty(absl::string_view path,
                                    absl::string_view name,
                                    absl::Span<const uint8_t> value) {
  ASSIGN_OR_RETURN(int off, NodeOffset(path));
  return SetPropertyAt(off, path, name, value);
}

absl::Status FdtEditor::SetPropertyAt(int offset, absl::string_view path,
                                      absl::string_view name,
                                      absl::Span<const uint8_t> value) {
  // Node offsets are relative to the structure block, which growing
  // (fdt_open_into) moves as a whole: `offset` stays valid across retries.
  const std::string prop(name);
  const int before = static_cast<int>(fdt_size_dt_struct(buf_.data()));
  RETURN_IF_ERROR(WithGrowth(
      [&] {
        return absl::StrCat("setting ", Escaped(path), ":", Escaped(name));
      },
      [&](void* fdt) {
        return fdt_setprop(fdt, offset, prop.c_str(), value.data(),
                           static_cast<int>(value.size()));
      }));
  Moved(offset, before);
  return absl::OkStatus();
}

absl::Status FdtEditor::SetPropertyString(absl::string_view path,
                                          absl::string_view name,
                                          absl::string_view value) {
  std::vector<uint8_t> bytes(value.begin(), value.end());
  bytes.push_back(0);
  return SetProperty(path, name, bytes);
}

absl::Status FdtEditor::SetPropertyU32(absl::string_view path,
                                       absl::string_view name,
                                       uint32_t value) {
  uint8_t bytes[4];
  StoreBe32(value, bytes);
  return SetProperty(path, name, bytes);
}

absl::Status FdtEditor::SetPropertyU64(absl::string_view path,
                                       absl::string_view name,
                                       uint64_t value) {
  uint8_t bytes[8];
  StoreBe64(value, bytes);
  return SetProperty(path, name, bytes);
}

absl::StatusOr<std::vector<std::string>> FdtEditor::DeleteProperties(
    absl::string_view path, absl::Span<const absl::string_view> names) {
  // Deleting a property moves what follows it, never the node itself, so
  // one lookup serves every name.
  ASSIGN_OR_RETURN(int off, NodeOffset(path));
  std::vector<std::string> deleted;
  for (absl::string_view name : names) {
    const std::string prop(name);
    const int before = static_cast<int>(fdt_size_dt_struct(buf_.data()));
    const int err = fdt_delprop(buf_.data(), off, prop.c_str());
    Moved(off, before);
    if (err == -FDT_ERR_NOTFOUND) continue;
    if (err != 0) {
      return FdtError(err, absl::StrCat(origin_, ": deleting ", Escaped(path),
                                        ":", Escaped(name)));
    }
    deleted.push_back(prop);
  }
  return deleted;
}

absl::StatusOr<bool> FdtEditor::DeleteProperty(absl::string_view path,
                                               absl::string_view name) {
  ASSIGN_OR_RETURN(int off, NodeOffset(path));
  const std::string prop(name);
  const int before = static_cast<int>(fdt_size_dt_struct(buf_.data()));
  const int err = fdt_delprop(buf_.data(), off, prop.c_str());
  Moved(off, before);
  if (err == -FDT_ERR_NOTFOUND) return false;
  if (err != 0) {
    return FdtError(err, absl::StrCat(origin_, ": deleting ", Escaped(path),
                                      ":", Escaped(name)));
  }
  return true;
}

absl::StatusOr<std::string> FdtEditor::AddNode(absl::string_view parent,
                                               absl::string_view name) {
  ASSIGN_OR_RETURN(const int off, NodeOffset(parent));
  const std::string child(name);
  std::string path = JoinNodePath(parent, child);
  // fdt_add_subnode() looks for an existing child itself (FDT_ERR_EXISTS):
  // one walk of the parent, not two.
  const int before = static_cast<int>(fdt_size_dt_struct(buf_.data()));
  int added = -1;
  RETURN_IF_ERROR(WithGrowth(
      [&] {
        return absl::StrCat("adding node ", Escaped(parent), "/",
                            Escaped(name));
      },
      [&](void* fdt) {
        added = fdt_add_subnode(fdt, off, child.c_str());
        if (added == -FDT_ERR_EXISTS) {
          added = StructureReader(fdt).Child(off, child);
        }
        return added < 0 ? added : 0;
      }));
  Moved(off, before);
  known_.push_back(KnownNode{path, added});
  return path;
}

absl::Status FdtEditor::DeleteNode(absl::string_view path) {
  ASSIGN_OR_RETURN(int off, NodeOffset(path));
  known_.clear();  // The subtree's offsets are gone, later ones moved.
  const int err = fdt_del_node(buf_.data(), off);
  if (err != 0) {
    return FdtError(err,
                    absl::StrCat(origin_, ": deleting node ", Escaped(path)));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> FdtEditor::EnsurePhandle(absl::string_view path,
                                                  uint32_t preferred) {
  ASSIGN_OR_RETURN(int off, NodeOffset(path));
  const uint32_t existing = fdt_get_phandle(buf_.data(), off);
  if (existing != 0) return existing;
  uint32_t chosen = 0;
  if (preferred != 0 && preferred != ~uint32_t{0} &&
      fdt_node_offset_by_phandle(buf_.data(), preferred) ==
          -FDT_ERR_NOTFOUND) {
    chosen = preferred;
  } else {
    uint32_t max = 0;
    const int err = fdt_find_max_phandle(buf_.data(), &max);
    if (err != 0) {
      return FdtError(err, absl::StrCat(origin_, ": scanning phandles"));
    }
    if (max >= 0xfffffffeu) {
      return absl::ResourceExhaustedError(absl::StrCat(
          origin_, ": no phandle values left for ", Escaped(path)));
    }
    chosen = max + 1;
  }
  uint8_t bytes[4];
  StoreBe32(chosen, bytes);
  RETURN_IF_ERROR(SetPropertyAt(off, path, "phandle", bytes));
  return chosen;
}

std::vector<int> FdtEditor::FindNodes(
    const std::vector<std::string>& paths) const {
  return FindNodeOffsets(buf_.data(), paths);
}

std::vector<int> FindNodeOffsets(const void* fdt,
                                 const std::vector<std::string>& paths) {
  std::vector<int> found(paths.size(), -1);
  std::map<std::string, std::vector<size_t>, std::less<>> wanted;
  // Every path on the way to a wanted one ("/soc" for "/soc/usb@5310000"):
  // any other node is skipped with its subtree, its path never built.
  std::set<std::string, std::less<>> on_the_way;
  for (size_t i = 0; i < paths.size(); ++i) {
    wanted[paths[i]].push_back(i);
    for (size_t slash = paths[i].find('/', 1); slash != std::string::npos;
         slash = paths[i].find('/', slash + 1)) {
      on_the_way.insert(paths[i].substr(0, slash));
    }
    on_the_way.insert(paths[i]);
  }
  const StructureReader reader(fdt);
  std::string path;
  std::vector<size_t> length_at_depth;  // path.size() of each open node.
  int skipping = 0;                     // Depth inside a skipped subtree.
  size_t remaining = paths.size();
  int next = 0;
  for (int off = 0; remaining > 0; off = next) {
    absl::string_view name;
    const uint32_t tag = reader.Tag(off, &next, &name);
    if (tag == FDT_END) break;
    if (tag == FDT_END_NODE) {
      if (skipping > 0) {
        --skipping;
      } else {
        if (length_at_depth.empty()) break;
        length_at_depth.pop_back();
        if (length_at_depth.empty()) break;  // The root has ended.
        path.resize(length_at_depth.back());
      }
      continue;
    }
    if (tag != FDT_BEGIN_NODE) continue;
    if (skipping > 0) {
      ++skipping;
      continue;
    }
    if (length_at_depth.empty()) {
      path = "/";
    } else {
      if (length_at_depth.size() > 1) path += '/';
      path.append(name.data(), name.size());
      if (on_the_way.find(path) == on_the_way.end()) {
        path.resize(length_at_depth.back());
        skipping = 1;
        continue;
      }
    }
    length_at_depth.push_back(path.size());
    const auto it = wanted.find(path);
    if (it != wanted.end()) {
      for (size_t i : it->second) {
        found[i] = off;
        --remaining;
      }
    }
  }
  return found;
}

absl::StatusOr<std::vector<uint32_t>> FdtEditor::EnsurePhandles(
    const std::vector<PhandleRequest>& requests) {
  std::vector<std::string> paths;
  for (const PhandleRequest& r : requests) paths.push_back(r.path);
  const std::vector<int> offsets = FindNodes(paths);
  std::vector<uint32_t> result(requests.size(), 0);
  std::set<uint32_t> used;
  uint32_t max = 0;
  int depth = 0;
  for (int off = 0; off >= 0; off = fdt_next_node(buf_.data(), off, &depth)) {
    if (depth < 0) break;
    const uint32_t p = fdt_get_phandle(buf_.data(), off);
    if (p != 0 && p != ~uint32_t{0}) {
      used.insert(p);
      max = std::max(max, p);
    }
  }
  std::vector<size_t> order;          // Requests whose node needs a write.
  std::map<int, size_t> first_at;     // Node offset -> first request for it.
  for (size_t i = 0; i < requests.size(); ++i) {
    if (offsets[i] < 0) {
      return absl::NotFoundError(absl::StrCat(
          origin_, ": node ", Escaped(requests[i].path), ": FDT_ERR_NOTFOUND"));
    }
    const auto seen = first_at.find(offsets[i]);
    if (seen != first_at.end()) {
      result[i] = result[seen->second];  // Same node: same phandle.
      continue;
    }
    first_at[offsets[i]] = i;
    result[i] = fdt_get_phandle(buf_.data(), offsets[i]);
    if (result[i] != 0) continue;
    const uint32_t preferred = requests[i].preferred;
    if (preferred != 0 && preferred != ~uint32_t{0} &&
        used.count(preferred) == 0) {
      result[i] = preferred;
    } else {
      if (max >= 0xfffffffeu) {
        return absl::ResourceExhaustedError(
            absl::StrCat(origin_, ": no phandle values left for ",
                         Escaped(requests[i].path)));
      }
      result[i] = ++max;
    }
    used.insert(result[i]);
    max = std::max(max, result[i]);
    order.push_back(i);
  }
  // Writing into a node moves every node after it: go from the last node to
  // the first.
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return offsets[a] > offsets[b]; });
  for (size_t i : order) {
    uint8_t bytes[4];
    StoreBe32(result[i], bytes);
    RETURN_IF_ERROR(
        SetPropertyAt(offsets[i], requests[i].path, "phandle", bytes));
  }
  return result;
}

absl::Status FdtEditor::SetProperties(
    absl::string_view path,
    const std::vector<std::pair<std::string, std::vector<uint8_t>>>& props) {
  // Writing a property of a node never moves the node itself.
  ASSIGN_OR_RETURN(int off, NodeOffset(path));
  for (const auto& [name, value] : props) {
    RETURN_IF_ERROR(SetPropertyAt(off, path, name, value));
  }
  return absl::OkStatus();
}

absl::Status FdtEditor::ApplyOverlay(const Fdt& overlay) {
  RETURN_IF_ERROR(CheckOverlayDepth(overlay));
  // Room for the overlay's content and for the edits after it. (A copy is
  // never smaller than the tree's totalsize: fdt_open_into() refuses.)
  size_t room = std::max(buf_.size(), UsedSize() + kGrowStep) + overlay.size();
  for (;;) {
    std::vector<uint8_t> scratch(room);
    int err = fdt_open_into(buf_.data(), scratch.data(),
                            static_cast<int>(scratch.size()));
    if (err != 0) return FdtError(err, absl::StrCat(origin_, ": copying"));
    std::vector<uint8_t> overlay_copy(overlay.bytes().begin(),
                                      overlay.bytes().end());
    err = fdt_overlay_apply(scratch.data(), overlay_copy.data());
    if (err == 0) {
      buf_ = std::move(scratch);
      known_.clear();
      return absl::OkStatus();
    }
    if (err != -FDT_ERR_NOSPACE || room + kGrowStep > 2 * kMaxDtbSize) {
      return FdtError(err, absl::StrCat(overlay.origin(), ": applying to ",
                                        origin_));
    }
    room += kGrowStep;
  }
}

std::vector<std::pair<uint64_t, uint64_t>> FdtEditor::MemReserves() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  const int n = fdt_num_mem_rsv(buf_.data());
  for (int i = 0; i < n; ++i) {
    uint64_t address = 0, size = 0;
    if (fdt_get_mem_rsv(buf_.data(), i, &address, &size) == 0) {
      out.emplace_back(address, size);
    }
  }
  return out;
}

absl::Status FdtEditor::DeleteAllMemReserves() {
  while (fdt_num_mem_rsv(buf_.data()) > 0) {
    const int err = fdt_del_mem_rsv(buf_.data(), 0);
    if (err != 0) {
      return FdtError(err, absl::StrCat(origin_, ": deleting /memreserve/"));
    }
  }
  return absl::OkStatus();
}

absl::Status FdtEditor::AddMemReserve(uint64_t address, uint64_t size) {
  return WithGrowth(
      [] { return std::string("adding /memreserve/"); },
      [&](void* fdt) { return fdt_add_mem_rsv(fdt, address, size); });
}

absl::StatusOr<Fdt> FdtEditor::Finish(std::string origin) && {
  const int err = fdt_pack(buf_.data());
  if (err != 0) return FdtError(err, absl::StrCat(origin_, ": packing"));
  buf_.resize(fdt_totalsize(buf_.data()));
  if (buf_.size() > kMaxDtbSize) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("%s: DTB is %u bytes, over the %s", origin,
                        buf_.size(), LimitText(kMaxDtbSize)));
  }
  const int header = fdt_check_header(buf_.data());
  if (header != 0) {
    return absl::DataLossError(absl::StrCat(
        origin, ": libfdt produced an invalid tree: ", FdtErrorName(header)));
  }
  return Fdt(std::move(buf_), std::move(origin));
}

}  // namespace fdt_handoff
