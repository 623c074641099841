// File: fdt/blob.h
//
// Fdt: an owned, fully validated flattened device tree (DTB), and FdtEditor:
// a writable copy that grows on demand.
//
// Everything that reaches libfdt from outside (a file, /sys/firmware/fdt, a
// fuzzer) enters through Fdt::FromBytes(), which runs fdt_check_full() over
// exactly the bytes we hold. After that, read-only libfdt calls on
// Fdt::data() cannot walk out of the buffer.
//
//   ASSIGN_OR_RETURN(Fdt target, Fdt::FromFile("zero2w.dtb"));
//   FdtEditor editor(target);
//   RETURN_IF_ERROR(editor.SetPropertyString("/chosen", "bootargs", "..."));
//   ASSIGN_OR_RETURN(Fdt out, editor.Finish());
#ifndef FDT_BLOB_H_
#define FDT_BLOB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"

namespace fdt_handoff {

// The largest DTB arm64 accepts. Documentation/arch/arm64/booting.rst: "The
// device tree blob (dtb) must be placed on an 8-byte boundary and must not
// exceed 2 megabytes in size."
inline constexpr size_t kMaxDtbSize = size_t{2} << 20;

// The deepest nesting FdtEditor::ApplyOverlay() accepts in an overlay.
// libfdt's overlay code (overlay_apply_node(), overlay_adjust_node_phandles(),
// ...) recurses once per level and slows down with depth (a 170,000-level
// overlay ran for minutes); Linux reads at most 64 levels of any tree
// (drivers/of/fdt.c, FDT_MAX_DEPTH), so no real overlay comes near this.
inline constexpr int kMaxOverlayDepth = 1024;

// Fdt
//
// Immutable after construction; copyable (it is a few tens of KiB).
class Fdt {
 public:
  // Fdt::FromBytes()
  //
  // Validates `bytes` with fdt_check_full() and takes ownership. Bytes past
  // the header's totalsize are dropped. `origin` (a file name, or a
  // description like "overlay result") prefixes every error about this blob.
  //
  // Returns:
  //   kDataLoss          not a valid DTB. The message gives the cause in
  //                      words first (for the header errors with the field
  //                      and its value), then libfdt's name in parentheses:
  //                      "x.dtb: not a valid DTB: truncated: off_dt_struct
  //                      0x38 + size_dt_struct 4096 ends at 4152, past
  //                      totalsize 4000 (FDT_ERR_TRUNCATED)"; "unsupported
  //                      version: last_comp_version 18 is newer than libfdt
  //                      supports (17) (FDT_ERR_BADVERSION)".
  //   kResourceExhausted totalsize exceeds `max_size` (arm64's 2 MiB).
  //
  // The checks walk the structure block in loops: a tree nested tens of
  // thousands of levels deep loads like any other.
  static absl::StatusOr<Fdt> FromBytes(std::vector<uint8_t> bytes,
                                       std::string origin,
                                       size_t max_size = kMaxDtbSize);

  // Fdt::FromFile()
  //
  // ReadFile() + FromBytes(), with `path` as the origin. Codes are those of
  // both (kNotFound for a missing file, kPermissionDenied, kDataLoss, ...);
  // a file over 4 * `max_size` bytes is kResourceExhausted, named against
  // `max_size`.
  static absl::StatusOr<Fdt> FromFile(const std::string& path,
                                      size_t max_size = kMaxDtbSize);

  // Fdt::FromFileBlocks()
  //
  // FromFile() without the free space a DTB may carry after its blocks: reads
  // the 40-byte header, then only up to the end of the structure and strings
  // blocks, and sets totalsize to that end, when the blocks come in the usual
  // order (memory reservation map, structure, strings) and free space
  // follows them: the same tree, its bytes the file's up to that end. For
  // the live FDT, which is read-only input: QEMU's
  // virt passes 1 MiB of which about 7.6 KB is used, and /sys/firmware/fdt
  // gives 4 KiB per read(). A header it cannot use that way (bad magic,
  // version < 17, other block order, no free space) gets FromFile() itself,
  // so its errors and results are FromFile()'s.
  //
  // Returns: FromFile()'s codes.
  static absl::StatusOr<Fdt> FromFileBlocks(const std::string& path,
                                            size_t max_size = kMaxDtbSize);

  const void* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  absl::Span<const uint8_t> bytes() const { return bytes_; }
  const std::string& origin() const { return origin_; }

  // Root /model, or "" when absent. Used to name a board in messages.
  std::string Model() const;

  // Root /compatible as a list of strings (empty when absent).
  std::vector<std::string> Compatible() const;

  // True when the tree has a /__symbols__ node.
  bool HasSymbols() const;

 private:
  friend class FdtEditor;
  Fdt(std::vector<uint8_t> bytes, std::string origin)
      : bytes_(std::move(bytes)), origin_(std::move(origin)) {}

  // Whether the root has a /__symbols__ child, when FromBytes() saw it on
  // its validation walk; unknown for trees an editor produced.
  enum class Symbols : uint8_t { kUnknown, kAbsent, kPresent };

  std::vector<uint8_t> bytes_;
  std::string origin_;
  Symbols symbols_ = Symbols::kUnknown;
};

// StructureReader
//
// Reads the structure block of a tree that Fdt::FromBytes() validated or
// libfdt's writers produced since (an FdtEditor's), without libfdt's
// per-tag re-checks: fdt_next_tag() costs about 50 instructions a tag, and
// a path lookup walks every tag before the node it finds (/chosen comes
// after /soc). Reads still stay inside the block: a tag that does not fit
// reads as FDT_END. Valid while the tree is not changed.
class StructureReader {
 public:
  explicit StructureReader(const void* fdt);

  // Tag()
  //
  // fdt_next_tag(): the tag at `offset` (FDT_BEGIN_NODE, FDT_PROP, ...),
  // with *next the offset of the tag after it and, for FDT_BEGIN_NODE,
  // *name the node's name (when `name` is not null). A malformed or
  // out-of-range tag returns FDT_END with *next = -FDT_ERR_BADSTRUCTURE.
  uint32_t Tag(int offset, int* next, absl::string_view* name = nullptr) const;

  // Child()
  //
  // fdt_subnode_offset(): the child of the node at `parent` named `name`
  // ("usb" also finds "usb@5310000", as in libfdt), or -FDT_ERR_NOTFOUND,
  // or -FDT_ERR_BADOFFSET when `parent` is not a node.
  int Child(int parent, absl::string_view name) const;

  // Path()
  //
  // fdt_path_offset() for an absolute path ("/", "/soc/usb@5310000");
  // aliases are not resolved.
  int Path(absl::string_view path) const;

 private:
  const uint8_t* base_;
  size_t size_ = 0;
};

// FindNodeOffsets()
//
// Offsets of the nodes at absolute `paths` in a valid tree (-1 for a missing
// one), found in one walk instead of one fdt_path_offset() walk per path.
std::vector<int> FindNodeOffsets(const void* fdt,
                                 const std::vector<std::string>& paths);

// FdtEditor
//
// A writable copy of a tree. Every mutation is addressed by node path and
// retries after growing the buffer when libfdt reports FDT_ERR_NOSPACE
// (libfdt checks for space before it moves anything, so a NOSPACE failure
// leaves the tree as it was). Finish() packs and re-validates.
//
// Error messages name paths and property names through Escaped()
// (fdt/escape.h): they often come from a blob (a label's path, a live FDT's
// node) and may hold control bytes.
//
// Not thread-safe, const calls included: lookups remember node offsets.
class FdtEditor {
 public:
  explicit FdtEditor(const Fdt& source);

  // Read-only view of the tree being edited (valid until the next mutation).
  const void* data() const { return buf_.data(); }

  // NodeOffset()
  //
  // Returns:
  //   kNotFound  no node at `path` ("<origin>: node /x: FDT_ERR_NOTFOUND").
  absl::StatusOr<int> NodeOffset(absl::string_view path) const;

  // Property()
  //
  // The raw value of `path`:`name`, or nullopt when the node or property is
  // absent.
  absl::optional<std::vector<uint8_t>> Property(absl::string_view path,
                                               absl::string_view name) const;

  // SetProperty() / SetPropertyString() / SetPropertyU32() / SetPropertyU64()
  //
  // Creates or replaces the property. Values are encoded big-endian, as the
  // devicetree specification requires.
  //
  // Returns:
  //   kNotFound          no node at `path`.
  //   kResourceExhausted the tree would exceed kMaxDtbSize.
  absl::Status SetProperty(absl::string_view path, absl::string_view name,
                           absl::Span<const uint8_t> value);
  absl::Status SetPropertyString(absl::string_view path,
                                 absl::string_view name,
                                 absl::string_view value);
  absl::Status SetPropertyU32(absl::string_view path, absl::string_view name,
                              uint32_t value);
  absl::Status SetPropertyU64(absl::string_view path, absl::string_view name,
                              uint64_t value);

  // DeleteProperty()
  //
  // Returns true when the property existed and was removed, false when it
  // was absent (not an error: deletions are "delete if present").
  //
  // Returns:
  //   kNotFound  no node at `path`.
  absl::StatusOr<bool> DeleteProperty(absl::string_view path,
                                      absl::string_view name);

  // DeleteProperties()
  //
  // DeleteProperty() for several names of one node; returns the names that
  // existed (in the order given).
  //
  // Returns:
  //   kNotFound  no node at `path`.
  absl::StatusOr<std::vector<std::string>> DeleteProperties(
      absl::string_view path, absl::Span<const absl::string_view> names);

  // AddNode()
  //
  // Creates `parent`/`name` (or finds it if it exists) and returns its path.
  //
  // Returns:
  //   kNotFound          no node at `parent`.
  //   kResourceExhausted the tree would exceed kMaxDtbSize.
  absl::StatusOr<std::string> AddNode(absl::string_view parent,
                                      absl::string_view name);

  // DeleteNode()
  //
  // Removes the node and its subtree.
  //
  // Returns:
  //   kNotFound  no node at `path`.
  absl::Status DeleteNode(absl::string_view path);

  // EnsurePhandle()
  //
  // Returns the node's phandle; if it has none, gives it `preferred` when
  // that value is unused in the tree, else the highest phandle + 1.
  //
  // Returns:
  //   kNotFound          no node at `path`.
  //   kResourceExhausted no phandle values left.
  absl::StatusOr<uint32_t> EnsurePhandle(absl::string_view path,
                                         uint32_t preferred = 0);

  // ApplyOverlay()
  //
  // Applies `overlay` with fdt_overlay_apply(). libfdt may damage both blobs
  // when it fails ("expect the base device tree to be modified, even if the
  // function returns an error", libfdt.h), so the call runs on scratch copies
  // of this tree and of the overlay, grows and retries from fresh copies on
  // FDT_ERR_NOSPACE, and swaps the result in only on success.
  //
  // Returns:
  //   the libfdt error through FdtError(): kNotFound (a target or symbol is
  //   missing), kDataLoss (malformed overlay), kResourceExhausted (no room
  //   within twice kMaxDtbSize, or no phandles left), kInvalidArgument
  //   (FDT_ERR_BADPATH, e.g. a target-path naming no alias; BADOFFSET,
  //   BADSTATE), kInternal (FDT_ERR_INTERNAL).
  //   kInvalidArgument    the overlay nests deeper than kMaxOverlayDepth (the
  //                       message names the depth and the path's start).
  absl::Status ApplyOverlay(const Fdt& overlay);

  // FindNodes()
  //
  // Offsets of the nodes at `paths` (-1 for a missing one), found in one
  // walk of the tree rather than one walk per path. Valid until the next
  // mutation.
  std::vector<int> FindNodes(const std::vector<std::string>& paths) const;

  // EnsurePhandles()
  //
  // EnsurePhandle() for many nodes at once: one walk to find them and the
  // phandles in use, then the new phandles written from the last node to the
  // first, so that no write moves a node still to be written.
  //
  // Returns:
  //   kNotFound          a path is not in the tree.
  //   kResourceExhausted no phandle values left, or the 2 MiB limit.
  struct PhandleRequest {
    std::string path;
    uint32_t preferred = 0;
  };
  absl::StatusOr<std::vector<uint32_t>> EnsurePhandles(
      const std::vector<PhandleRequest>& requests);

  // SetProperties()
  //
  // SetProperty() for several properties of one node, with one lookup.
  //
  // Returns: as SetProperty().
  absl::Status SetProperties(
      absl::string_view path,
      const std::vector<std::pair<std::string, std::vector<uint8_t>>>& props);

  // Memory reservation block (/memreserve/) access.
  std::vector<std::pair<uint64_t, uint64_t>> MemReserves() const;
  absl::Status DeleteAllMemReserves();
  absl::Status AddMemReserve(uint64_t address, uint64_t size);

  // Finish()
  //
  // Packs the tree (fdt_pack) into a new Fdt with `origin`. The structure is
  // not walked again: it came from a validated Fdt through libfdt's own
  // writers (the fuzz target re-validates every result to keep that true).
  //
  // Returns:
  //   kResourceExhausted the packed tree exceeds kMaxDtbSize.
  //   kDataLoss          libfdt produced an invalid header (a bug).
  absl::StatusOr<Fdt> Finish(std::string origin) &&;

  const std::string& origin() const { return origin_; }

 private:
  // Runs `op` (a libfdt call returning <0 on error); on FDT_ERR_NOSPACE grows
  // the buffer by 64 KiB and runs it again. `what()` describes the edit in
  // error messages (built only for an error).
  template <typename Describe, typename Op>
  absl::Status WithGrowth(Describe what, Op op);
  absl::Status Grow();
  // Bytes of buf_ the tree's blocks use (the rest is free room).
  size_t UsedSize() const;
  // SetProperty() on a node already looked up; `path` is for messages.
  absl::Status SetPropertyAt(int offset, absl::string_view path,
                             absl::string_view name,
                             absl::Span<const uint8_t> value);
  // The offset of the node at `path` (or -FDT_ERR_*): remembered from an
  // earlier lookup or edit when there is one, else found in one walk.
  int Lookup(absl::string_view path) const;
  // After an edit inside the node at `at` (its properties, or a new child)
  // changed the structure block from `struct_size_before` bytes: moves the
  // remembered offsets behind it by the difference. Node offsets count from
  // the start of the structure block, so growing the buffer and the
  // /memreserve/ block leave them alone; deleting a node or applying an
  // overlay forgets them all.
  void Moved(int at, int struct_size_before);

  struct KnownNode {
    std::string path;
    int offset;
  };

  std::vector<uint8_t> buf_;
  std::string origin_;
  // Offsets of the nodes looked up or added so far. The rules address
  // /chosen four times, and each fdt_path_offset() walks most of the tree.
  mutable std::vector<KnownNode> known_;
};

}  // namespace fdt_handoff

#endif  // FDT_BLOB_H_
