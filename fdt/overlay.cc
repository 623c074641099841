#include "fdt/overlay.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/fdt_error.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

constexpr uint32_t kUnresolvedPhandle = 0xffffffffu;

// A fragment libfdt merges: a child of the overlay's root with an
// __overlay__ node (overlay_merge() skips the others).
struct Fragment {
  std::string name;
  int offset = -1;
};

// One entry of an overlay's /__fixups__: label 'label' is written, as a
// phandle, at byte `offset` of property `property` of node `path`.
struct FixupEntry {
  std::string label;
  std::string text;      // The entry as written: "<path>:<property>:<offset>".
  std::string fragment;  // First component of the path, for messages.
  std::string property;
  int node = -1;         // The node's offset in the overlay.
  uint32_t offset = 0;
};

// What ResolveLabels() needs of the fixups: which fragments use a label.
struct FixupUse {
  std::string fragment;
  std::string property;  // "target" for a fragment target.
};

// Every piece of text a message takes from a blob (a model, compatible
// string, label, node path, property name or value, fixup entry) goes
// through Escaped(): a hostile overlay's newline would forge a line of the
// error output, its terminal escape would rewrite the screen. Origins are
// the caller's names for the inputs, not blob text, and are kept as given.

// "base.dtb (model \"...\")" for messages.
std::string Describe(const Fdt& fdt) {
  const std::string model = fdt.Model();
  return model.empty()
             ? fdt.origin()
             : absl::StrCat(fdt.origin(), " (model \"", Escaped(model), "\")");
}

// The path of `node`, escaped for a message.
std::string PathOf(const void* fdt, int node) {
  char buf[1024];
  if (fdt_get_path(fdt, node, buf, sizeof(buf)) != 0) return "(a long path)";
  return Escaped(buf);
}

// The string a property holds up to its first NUL (or its end).
std::string PropString(const void* value, int len) {
  const char* s = static_cast<const char*>(value);
  return std::string(s, strnlen(s, static_cast<size_t>(len)));
}

// Offsets of the nodes of `fdt` holding `path` (the tree being edited).
// FindNodeOffsets() finds several in one walk; paths it does not know in
// canonical form ("/soc/" as libfdt 1.6.1 writes for a label on an
// __overlay__ node) are looked up the way libfdt itself does.
std::vector<int> NodeOffsets(const void* fdt,
                             const std::vector<std::string>& paths) {
  std::vector<int> offsets = FindNodeOffsets(fdt, paths);
  for (size_t i = 0; i < paths.size(); ++i) {
    if (offsets[i] < 0) offsets[i] = fdt_path_offset(fdt, paths[i].c_str());
  }
  return offsets;
}

std::string FragmentsUsing(const std::vector<FixupUse>& uses) {
  std::set<std::string> names;
  for (const FixupUse& u : uses) {
    names.insert(u.property == "target"
                     ? Escaped(u.fragment)
                     : absl::StrCat(Escaped(u.fragment), " (",
                                    Escaped(u.property), ")"));
  }
  return absl::StrJoin(names, ", ");
}

absl::optional<std::vector<uint8_t>> Compatible(const void* fdt, int node) {
  int len = 0;
  const void* v = fdt_getprop(fdt, node, "compatible", &len);
  if (v == nullptr) return absl::nullopt;
  const uint8_t* p = static_cast<const uint8_t*>(v);
  return std::vector<uint8_t>(p, p + len);
}

// "\"a\", \"b\"": strings from a blob, escaped, for a message.
std::string QuotedList(const std::vector<std::string>& strings) {
  std::vector<std::string> shown;
  for (const std::string& s : strings) shown.push_back(Escaped(s));
  return absl::StrCat("\"", absl::StrJoin(shown, "\", \""), "\"");
}

std::string CompatibleText(const absl::optional<std::vector<uint8_t>>& c) {
  if (!c.has_value()) return "(none)";
  Property p{"compatible", *c};
  return QuotedList(PropertyStrings(p));
}

// Checks the overlay is meant for this board.
absl::Status CheckBoard(const Fdt& base, const Fdt& overlay, bool force) {
  const std::vector<std::string> wanted = overlay.Compatible();
  if (wanted.empty() || force) return absl::OkStatus();
  const std::vector<std::string> have = base.Compatible();
  for (const std::string& w : wanted) {
    for (const std::string& h : have) {
      if (w == h) return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat(overlay.origin(), ": overlay is for ", QuotedList(wanted),
                   ", but ", Describe(base), " is compatible with ",
                   QuotedList(have), "; pass --force to apply it anyway"));
}

// The fragments libfdt will merge, in its order. An overlay without any is
// refused although libfdt would apply it as a no-op: it is almost always a
// base DTB given in the wrong place.
absl::StatusOr<std::vector<Fragment>> ListFragments(const Fdt& overlay) {
  std::vector<Fragment> out;
  const void* o = overlay.data();
  int child = 0;
  fdt_for_each_subnode(child, o, 0) {
    if (fdt_subnode_offset(o, child, "__overlay__") < 0) continue;
    int len = 0;
    const char* name = fdt_get_name(o, child, &len);
    out.push_back(Fragment{std::string(name, static_cast<size_t>(len)), child});
  }
  if (out.empty()) {
    return absl::DataLossError(absl::StrCat(
        overlay.origin(),
        ": not an overlay: no fragment with an __overlay__ node"));
  }
  return out;
}

// Calls `check` on every phandle and linux,phandle property of `o`, in
// tree order, stopping at the first error it returns (which is returned).
absl::Status ForEachPhandleProperty(
    const void* o,
    absl::FunctionRef<absl::Status(int node, const char* name,
                                   const void* value, int len)>
        check) {
  int depth = 0;
  for (int node = 0; node >= 0 && depth >= 0;
       node = fdt_next_node(o, node, &depth)) {
    for (const char* name : {"phandle", "linux,phandle"}) {
      int len = 0;
      const void* v = fdt_getprop(o, node, name, &len);
      if (v != nullptr) RETURN_IF_ERROR(check(node, name, v, len));
    }
  }
  return absl::OkStatus();
}

// libfdt adds the base's highest phandle to every phandle of the overlay
// (overlay_adjust_local_phandles()), so each must be one 32-bit cell.
absl::Status CheckOverlayPhandles(const Fdt& overlay) {
  const void* o = overlay.data();
  return ForEachPhandleProperty(
      o, [&](int node, const char* name, const void*, int len) {
        if (len == 4) return absl::OkStatus();
        return absl::DataLossError(absl::StrCat(
            overlay.origin(), ": node ", PathOf(o, node), ": '", name,
            "' is ", len, " bytes; a phandle is one 32-bit cell (4 bytes)"));
      });
}

// Checks one property of a /__local_fixups__ node against the overlay node
// it mirrors: a list of 32-bit offsets, each leaving room for a phandle.
// libfdt 1.6.1 reads the old value before it checks the offset, so a wild
// offset would crash it: this check must come first.
absl::Status CheckLocalFixupProperty(const Fdt& overlay, int tree_node,
                                     int fixup_node, int prop) {
  const void* o = overlay.data();
  const char* name = nullptr;
  int len = 0;
  const void* value = fdt_getprop_by_offset(o, prop, &name, &len);
  const std::string where =
      absl::StrCat(overlay.origin(), ": ", PathOf(o, fixup_node), ":",
                   Escaped(name != nullptr ? name : ""));
  if (value == nullptr || len % 4 != 0) {
    return absl::DataLossError(absl::StrCat(
        where, " is ", len, " bytes, not a list of 32-bit offsets"));
  }
  int tree_len = 0;
  if (fdt_getprop(o, tree_node, name, &tree_len) == nullptr) {
    return absl::DataLossError(
        absl::StrCat(where, ": the overlay has no property ",
                     PathOf(o, tree_node), ":", Escaped(name), " to fix up"));
  }
  const uint8_t* cells = static_cast<const uint8_t*>(value);
  for (int i = 0; i < len; i += 4) {
    const uint64_t offset = LoadBe32(cells + i);
    if (offset + 4 > static_cast<uint64_t>(tree_len)) {
      return absl::DataLossError(
          absl::StrCat(where, ": offset ", offset, " is past the end of ",
                       PathOf(o, tree_node), ":", Escaped(name), " (", tree_len,
                       " bytes; a phandle there needs bytes ", offset, "..",
                       offset + 3, ")"));
    }
  }
  return absl::OkStatus();
}

// Walks /__local_fixups__ beside the overlay's own nodes, as libfdt's
// overlay_update_local_references() does (iteratively: no recursion on
// hostile depth).
absl::Status CheckLocalFixups(const Fdt& overlay) {
  const void* o = overlay.data();
  const int root = fdt_path_offset(o, "/__local_fixups__");
  if (root < 0) return absl::OkStatus();
  std::vector<std::pair<int, int>> pending = {{0, root}};  // tree, fixup
  while (!pending.empty()) {
    const auto [tree_node, fixup_node] = pending.back();
    pending.pop_back();
    int prop = 0;
    fdt_for_each_property_offset(prop, o, fixup_node) {
      RETURN_IF_ERROR(
          CheckLocalFixupProperty(overlay, tree_node, fixup_node, prop));
    }
    int child = 0;
    fdt_for_each_subnode(child, o, fixup_node) {
      const char* name = fdt_get_name(o, child, nullptr);
      const int tree_child = fdt_subnode_offset(o, tree_node, name);
      if (tree_child < 0) {
        return absl::DataLossError(absl::StrCat(
            overlay.origin(), ": ", PathOf(o, child), " names node ",
            PathOf(o, tree_node) == "/" ? "" : PathOf(o, tree_node), "/",
            Escaped(name), ", which is not in the overlay"));
      }
      pending.emplace_back(tree_child, child);
    }
  }
  return absl::OkStatus();
}

// libfdt reads the offset with strtoul() and then uses it as an int: a
// sign, a value past INT_MAX or one that wraps would write outside the
// property, so those are refused here (libfdt 1.6.1 would write at the
// wrapped offset, or crash). Leading blanks and a '+' pass, as in libfdt.
absl::StatusOr<uint32_t> ParseFixupOffset(const std::string& text,
                                          const std::string& where) {
  const char* start = text.c_str();
  char* end = nullptr;
  errno = 0;
  const unsigned long value = std::strtoul(start, &end, 10);
  if (end == start || *end != '\0') {
    return absl::DataLossError(
        absl::StrCat(where, ": malformed: the offset \"", Escaped(text),
                     "\" is not a decimal number (expected "
                     "\"<path>:<property>:<offset>\")"));
  }
  if (errno == ERANGE || value > INT_MAX ||
      text.find('-') != std::string::npos) {
    return absl::DataLossError(
        absl::StrCat(where, ": offset ", Escaped(text), " is out of range"));
  }
  return static_cast<uint32_t>(value);
}

// Splits one /__fixups__ entry exactly where libfdt's
// overlay_fixup_phandle() does and checks that the phandle fits where it is
// to be written (libfdt would say only FDT_ERR_NOTFOUND, or NOSPACE).
absl::StatusOr<FixupEntry> ParseFixupEntry(const Fdt& overlay,
                                           const std::string& label,
                                           const std::string& text) {
  const std::string where =
      absl::StrCat(overlay.origin(), ": /__fixups__ entry \"", Escaped(text),
                   "\" for label '", Escaped(label), "'");
  const size_t colon1 = text.find(':');
  const size_t colon2 =
      colon1 == std::string::npos ? colon1 : text.find(':', colon1 + 1);
  if (colon2 == std::string::npos || colon2 == colon1 + 1) {
    return absl::DataLossError(absl::StrCat(
        where, ": malformed (expected \"<path>:<property>:<offset>\")"));
  }
  FixupEntry e{label, text, "", text.substr(colon1 + 1, colon2 - colon1 - 1)};
  ASSIGN_OR_RETURN(e.offset,
                   ParseFixupOffset(text.substr(colon2 + 1), where));
  const std::string path = text.substr(0, colon1);
  const size_t start = !path.empty() && path[0] == '/' ? 1 : 0;
  const size_t slash = path.find('/', start);
  e.fragment = path.substr(
      start, slash == std::string::npos ? slash : slash - start);
  const void* o = overlay.data();
  e.node = fdt_path_offset_namelen(o, path.data(), static_cast<int>(colon1));
  if (e.node < 0) {
    return absl::DataLossError(absl::StrCat(where, ": node ", Escaped(path),
                                            " is not in the overlay"));
  }
  int len = 0;
  if (fdt_getprop(o, e.node, e.property.c_str(), &len) == nullptr) {
    return absl::DataLossError(absl::StrCat(where, ": the overlay's ",
                                            Escaped(path), " has no property '",
                                            Escaped(e.property), "'"));
  }
  if (uint64_t{e.offset} + 4 > static_cast<uint64_t>(len)) {
    return absl::DataLossError(absl::StrCat(
        where, ": offset ", e.offset, " is past the end of ", Escaped(path),
        ":", Escaped(e.property), " (", len, " bytes; the phandle needs bytes ",
        e.offset, "..", uint64_t{e.offset} + 3, ")"));
  }
  return e;
}

// Every /__fixups__ entry, in libfdt's order, each checked.
absl::StatusOr<std::vector<FixupEntry>> ParseFixups(const Fdt& overlay) {
  std::vector<FixupEntry> out;
  const void* o = overlay.data();
  const int fixups = fdt_path_offset(o, "/__fixups__");
  if (fixups < 0) return out;
  int prop = 0;
  fdt_for_each_property_offset(prop, o, fixups) {
    const char* label = nullptr;
    int len = 0;
    const char* value =
        static_cast<const char*>(fdt_getprop_by_offset(o, prop, &label, &len));
    if (value == nullptr || len <= 0 || value[len - 1] != '\0') {
      return absl::DataLossError(absl::StrCat(
          overlay.origin(), ": /__fixups__ property for label '",
          Escaped(label),
          "' is not a list of \"<path>:<property>:<offset>\" strings"));
    }
    for (int i = 0; i < len;) {
      const std::string text(value + i);
      ASSIGN_OR_RETURN(FixupEntry e, ParseFixupEntry(overlay, label, text));
      out.push_back(std::move(e));
      i += static_cast<int>(text.size()) + 1;
    }
  }
  return out;
}

// Checks the overlay's own /__symbols__ as libfdt's overlay_symbol_update()
// will read them after merging (it would fail only after the merge, with
// FDT_ERR_BADVALUE or BADOVERLAY).
absl::Status CheckOverlaySymbols(const Fdt& overlay) {
  const void* o = overlay.data();
  const int symbols = fdt_subnode_offset(o, 0, "__symbols__");
  if (symbols < 0) return absl::OkStatus();
  int prop = 0;
  fdt_for_each_property_offset(prop, o, symbols) {
    const char* name = nullptr;
    int len = 0;
    const char* v =
        static_cast<const char*>(fdt_getprop_by_offset(o, prop, &name, &len));
    const std::string where = absl::StrCat(
        overlay.origin(), ": /__symbols__ label '", Escaped(name), "'");
    if (v == nullptr || len < 1 || std::memchr(v, '\0', len) != v + len - 1 ||
        v[0] != '/') {
      return absl::DataLossError(absl::StrCat(
          where, " is not an absolute path (one string starting with '/')"));
    }
    const std::string path(v);
    const size_t slash = path.find('/', 1);
    if (slash == std::string::npos) continue;  // Not merged: ignored.
    const std::string rest = path.substr(slash);
    if (rest != "/__overlay__" && rest.rfind("/__overlay__/", 0) != 0) continue;
    const int fragment = fdt_subnode_offset_namelen(
        o, 0, path.data() + 1, static_cast<int>(slash - 1));
    if (fragment < 0 || fdt_subnode_offset(o, fragment, "__overlay__") < 0) {
      return absl::DataLossError(absl::StrCat(
          where, " names ", Escaped(path), ", but the overlay has no ",
          Escaped(path.substr(0, slash)), "/__overlay__"));
    }
  }
  return absl::OkStatus();
}

// The packed size of a tree being edited (what fdt_pack() will make it).
size_t PackedSize(const void* fdt) {
  const size_t header = (sizeof(fdt_header) + 7) / 8 * 8;
  return header + (static_cast<size_t>(fdt_num_mem_rsv(fdt)) + 1) * 16 +
         fdt_size_dt_struct(fdt) + fdt_size_dt_strings(fdt);
}

class OverlayApplier {
 public:
  OverlayApplier(FdtEditor& editor, const Fdt& base,
                 const OverlayOptions& options, OverlayReport* report)
      : base_(base), options_(options), report_(report), editor_(editor),
        editor_has_symbols_(base.HasSymbols()) {
    if (options_.symbol_source != nullptr) {
      source_symbols_ =
          fdt_path_offset(options_.symbol_source->data(), "/__symbols__");
    }
  }

  absl::Status Apply(const Fdt& overlay);
  // Removes the grafted symbols, checks the size and reports.
  absl::Status Finish();

 private:
  // A label the overlay uses, resolved to a node of the tree being edited.
  struct Resolved {
    std::string label;
    std::string path;
    uint32_t preferred_phandle = 0;  // The symbol source's, when grafting.
    bool graft = false;
    int offset = -1;
  };
  using Uses = std::map<std::string, std::vector<FixupUse>>;

  // Makes every label of `fixups` resolvable: finds each one's node (in the
  // tree's own symbols, else the symbol source's), checks it, then gives
  // grafted nodes phandles and grafts the missing symbols in one batch each.
  absl::Status ResolveLabels(const Fdt& overlay, const Uses& fixups);
  absl::StatusOr<std::vector<Resolved>> FindLabels(const Fdt& overlay,
                                                   const Uses& fixups);
  absl::Status CheckLabelNodes(const Fdt& overlay, const Uses& fixups,
                               std::vector<Resolved>& resolved);
  absl::Status GraftLabels(const std::vector<Resolved>& resolved);

  // libfdt refused `overlay` with `failed`: finds which step and says why.
  absl::Status Explain(const Fdt& overlay,
                       const std::vector<Fragment>& fragments,
                       const std::vector<FixupEntry>& fixups,
                       const absl::Status& failed);
  absl::Status ExplainSymbols(const Fdt& overlay,
                              const std::vector<Fragment>& fragments,
                              const std::vector<FixupEntry>& fixups,
                              uint32_t delta, const void* merged,
                              const absl::Status& failed);
  absl::Status CheckPhandleRoom(const Fdt& overlay, uint32_t delta);
  absl::StatusOr<FdtEditor> ApplyPrefix(const Fdt& overlay,
                                        const std::vector<Fragment>& fragments,
                                        const std::vector<FixupEntry>& fixups,
                                        size_t count);
  absl::Status CheckTarget(const Fdt& overlay, const Fragment& fragment,
                           size_t index, const void* tree, uint32_t delta,
                           const std::vector<FixupEntry>& fixups);
  std::string Where(size_t fragment_index) const;
  absl::Status TooBig(const std::vector<std::string>& overlays,
                      size_t bytes) const;

  const Fdt& base_;
  const OverlayOptions& options_;
  OverlayReport* report_;
  FdtEditor& editor_;
  bool editor_has_symbols_;
  int source_symbols_ = -1;
  std::vector<GraftedLabel> grafted_;
  std::vector<std::string> applied_;
  bool created_symbols_ = false;
};

// The path a label names in a /__symbols__ node at `symbols`, if any.
absl::optional<std::string> SymbolAt(const void* fdt, int symbols,
                                     const std::string& label) {
  if (symbols < 0) return absl::nullopt;
  int len = 0;
  const char* path = static_cast<const char*>(
      fdt_getprop(fdt, symbols, label.c_str(), &len));
  if (path == nullptr || len <= 0) return absl::nullopt;
  return std::string(path, strnlen(path, static_cast<size_t>(len)));
}

absl::StatusOr<std::vector<OverlayApplier::Resolved>>
OverlayApplier::FindLabels(const Fdt& overlay, const Uses& fixups) {
  const void* fdt = editor_.data();
  const Fdt* source = options_.symbol_source;
  const int own_symbols =
      editor_has_symbols_ ? fdt_path_offset(fdt, "/__symbols__") : -1;
  std::vector<Resolved> resolved;
  for (const auto& [label, uses] : fixups) {
    Resolved r;
    r.label = label;
    if (auto path = SymbolAt(fdt, own_symbols, label)) {
      r.path = *path;
    } else if (auto from = source != nullptr
                               ? SymbolAt(source->data(), source_symbols_, label)
                               : absl::nullopt) {
      r.path = *from;
      r.graft = true;
    } else {
      std::string why;
      if (!base_.HasSymbols() && source == nullptr) {
        why = "; the base has no /__symbols__ (not built with dtc -@): pass "
              "--symbols-from a DTB of the same board built with -@, or a "
              "--live FDT that has symbols";
      } else if (source != nullptr) {
        why = absl::StrCat(" nor in the symbol source ", source->origin());
      }
      return absl::NotFoundError(absl::StrCat(
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '",
          Escaped(label), "' is not defined in ", Describe(base_), why));
    }
    resolved.push_back(r);
  }
  return resolved;
}

absl::Status OverlayApplier::CheckLabelNodes(const Fdt& overlay,
                                             const Uses& fixups,
                                             std::vector<Resolved>& resolved) {
  const void* fdt = editor_.data();
  const Fdt* source = options_.symbol_source;
  std::vector<std::string> paths;
  for (const Resolved& r : resolved) paths.push_back(r.path);
  const std::vector<int> offsets = NodeOffsets(fdt, paths);
  const std::vector<int> source_offsets =
      source != nullptr ? NodeOffsets(source->data(), paths)
                        : std::vector<int>(paths.size(), -1);
  for (size_t i = 0; i < resolved.size(); ++i) {
    Resolved& r = resolved[i];
    const std::string who =
        absl::StrCat(overlay.origin(), ": ", FragmentsUsing(fixups.at(r.label)),
                     ": label '", Escaped(r.label), "'");
    const std::string path = Escaped(r.path);
    r.offset = offsets[i];
    if (r.offset < 0) {
      return absl::NotFoundError(
          r.graft ? absl::StrCat(who, " names ", path, " in ", source->origin(),
                                 ", but that node is not in ", Describe(base_))
                  : absl::StrCat(who, " points at ", path, ", which is not in ",
                                 Describe(base_)));
    }
    if (!r.graft) {
      // libfdt resolves a label only to a node with a phandle; only
      // grafting (our addition) may give it one.
      if (fdt_get_phandle(fdt, r.offset) == 0) {
        return absl::NotFoundError(absl::StrCat(
            who, " names ", path, ", which has no phandle in ", Describe(base_),
            " (dtc -@ gives every labelled node one)"));
      }
      continue;
    }
    const auto want = Compatible(source->data(), source_offsets[i]);
    const auto have = Compatible(fdt, r.offset);
    if (want != have) {
      return absl::FailedPreconditionError(absl::StrCat(
          who, " names ", path, " with compatible ", CompatibleText(want),
          " in ", source->origin(), ", but that node in ", base_.origin(),
          " has compatible ", CompatibleText(have),
          "; the symbol source is not the same board"));
    }
    r.preferred_phandle = fdt_get_phandle(source->data(), source_offsets[i]);
  }
  return absl::OkStatus();
}

absl::Status OverlayApplier::GraftLabels(const std::vector<Resolved>& resolved) {
  const void* fdt = editor_.data();
  // Nodes of a -@ build have phandles already: only the others cost a walk.
  std::vector<FdtEditor::PhandleRequest> requests;
  std::vector<size_t> requested;
  std::vector<uint32_t> phandles;
  for (size_t i = 0; i < resolved.size(); ++i) {
    phandles.push_back(fdt_get_phandle(fdt, resolved[i].offset));
    if (phandles.back() == 0 && resolved[i].graft) {
      requests.push_back({resolved[i].path, resolved[i].preferred_phandle});
      requested.push_back(i);
    }
  }
  const std::vector<uint32_t> had = phandles;
  if (!requests.empty()) {
    ASSIGN_OR_RETURN(std::vector<uint32_t> added,
                     editor_.EnsurePhandles(requests));
    for (size_t k = 0; k < requested.size(); ++k) {
      phandles[requested[k]] = added[k];
    }
  }
  std::vector<std::pair<std::string, std::vector<uint8_t>>> symbols;
  for (size_t i = 0; i < resolved.size(); ++i) {
    const Resolved& r = resolved[i];
    if (!r.graft) continue;
    std::vector<uint8_t> value(r.path.begin(), r.path.end());
    value.push_back(0);
    symbols.emplace_back(r.label, std::move(value));
    grafted_.push_back(GraftedLabel{r.label, r.path,
                                    options_.symbol_source->origin(),
                                    phandles[i], had[i] == 0});
  }
  if (symbols.empty()) return absl::OkStatus();
  if (!editor_has_symbols_) {
    RETURN_IF_ERROR(editor_.AddNode("/", "__symbols__").status());
    created_symbols_ = true;
    editor_has_symbols_ = true;
  }
  return editor_.SetProperties("/__symbols__", symbols);
}

absl::Status OverlayApplier::ResolveLabels(const Fdt& overlay,
                                           const Uses& fixups) {
  if (fixups.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<Resolved> resolved, FindLabels(overlay, fixups));
  RETURN_IF_ERROR(CheckLabelNodes(overlay, fixups, resolved));
  return GraftLabels(resolved);
}

// --- Explaining a refusal ---------------------------------------------------

absl::Status OverlayApplier::TooBig(const std::vector<std::string>& overlays,
                                    size_t bytes) const {
  return absl::ResourceExhaustedError(absl::StrCat(
      "the result of applying ", absl::StrJoin(overlays, ", "), " to ",
      base_.origin(), bytes > 0 ? absl::StrCat(" is ", bytes, " bytes, over")
                                : std::string(" exceeds"),
      " the 2 MiB (", kMaxDtbSize, "-byte) arm64 DTB limit"));
}

std::string OverlayApplier::Where(size_t fragment_index) const {
  return absl::StrCat(
      Describe(base_),
      applied_.empty() ? "" : absl::StrCat(" (after ", absl::StrJoin(applied_, ", "), ")"),
      fragment_index == 0 ? ""
                          : ", nor made by the fragments before it");
}

// libfdt's NOPHANDLES: an overlay phandle plus the base's highest phandle
// must stay below 0xffffffff.
absl::Status OverlayApplier::CheckPhandleRoom(const Fdt& overlay,
                                              uint32_t delta) {
  const void* o = overlay.data();
  return ForEachPhandleProperty(
      o, [&](int node, const char* name, const void* v, int len) {
        if (len != 4) return absl::OkStatus();
        const uint64_t moved =
            uint64_t{LoadBe32(static_cast<const uint8_t*>(v))} + delta;
        if (moved < kUnresolvedPhandle) return absl::OkStatus();
        return absl::ResourceExhaustedError(absl::StrCat(
            overlay.origin(), ": node ", PathOf(o, node), ": ", name, " 0x",
            absl::Hex(LoadBe32(static_cast<const uint8_t*>(v))),
            " moved past the highest phandle of ", Describe(base_), " (0x",
            absl::Hex(delta), ") leaves the 32-bit phandle range"));
      });
}

// A copy of `overlay` with only its first `count` fragments (and the
// __fixups__ and __local_fixups__ entries of those), without __symbols__.
absl::StatusOr<Fdt> TruncatedOverlay(const Fdt& overlay,
                                     const std::vector<Fragment>& fragments,
                                     const std::vector<FixupEntry>& fixups,
                                     size_t count) {
  const void* o = overlay.data();
  // Each root child's subtree spans the offsets up to the next one.
  std::vector<int> starts;
  int child = 0;
  fdt_for_each_subnode(child, o, 0) starts.push_back(child);
  std::set<int> dropped;
  for (size_t i = count; i < fragments.size(); ++i) {
    dropped.insert(fragments[i].offset);
  }
  auto in_dropped = [&](int node) {
    for (size_t i = 0; i < starts.size(); ++i) {
      const bool inside = node >= starts[i] &&
                          (i + 1 == starts.size() || node < starts[i + 1]);
      if (inside) return dropped.count(starts[i]) > 0;
    }
    return false;
  };
  std::map<std::string, std::vector<uint8_t>> kept;  // label -> entries
  for (const FixupEntry& e : fixups) {
    std::vector<uint8_t>& v = kept[e.label];
    if (in_dropped(e.node)) continue;
    v.insert(v.end(), e.text.begin(), e.text.end());
    v.push_back(0);
  }
  FdtEditor editor(overlay);
  for (const auto& [label, value] : kept) {
    RETURN_IF_ERROR(value.empty()
                        ? editor.DeleteProperty("/__fixups__", label).status()
                        : editor.SetProperty("/__fixups__", label, value));
  }
  const int local = fdt_path_offset(o, "/__local_fixups__");
  if (local >= 0) {
    fdt_for_each_subnode(child, o, local) {
      const char* name = fdt_get_name(o, child, nullptr);
      if (dropped.count(fdt_subnode_offset(o, 0, name)) == 0) continue;
      RETURN_IF_ERROR(editor.DeleteNode(absl::StrCat("/__local_fixups__/", name)));
    }
  }
  if (fdt_path_offset(o, "/__symbols__") >= 0) {
    RETURN_IF_ERROR(editor.DeleteNode("/__symbols__"));
  }
  for (size_t i = fragments.size(); i > count; --i) {
    RETURN_IF_ERROR(editor.DeleteNode("/" + fragments[i - 1].name));
  }
  return std::move(editor).Finish(overlay.origin());
}

absl::StatusOr<FdtEditor> OverlayApplier::ApplyPrefix(
    const Fdt& overlay, const std::vector<Fragment>& fragments,
    const std::vector<FixupEntry>& fixups, size_t count) {
  FdtEditor scratch = editor_;
  if (count == 0) return scratch;
  ASSIGN_OR_RETURN(Fdt prefix,
                   TruncatedOverlay(overlay, fragments, fixups, count));
  RETURN_IF_ERROR(scratch.ApplyOverlay(prefix));
  return scratch;
}

// How many times /__local_fixups__ tells libfdt to move `fragment`'s
// target by the base's highest phandle (once per offset-0 entry).
int LocalTargetFixups(const void* o, const Fragment& fragment) {
  const int local = fdt_path_offset(o, "/__local_fixups__");
  int child = 0, count = 0;
  if (local < 0) return 0;
  fdt_for_each_subnode(child, o, local) {
    if (fdt_subnode_offset(o, 0, fdt_get_name(o, child, nullptr)) !=
        fragment.offset) {
      continue;
    }
    int len = 0;
    const auto* v =
        static_cast<const uint8_t*>(fdt_getprop(o, child, "target", &len));
    for (int i = 0; v != nullptr && i + 4 <= len; i += 4) {
      count += LoadBe32(v + i) == 0 ? 1 : 0;
    }
  }
  return count;
}

// Resolves `fragment`'s target the way libfdt's overlay_get_target() will,
// in `tree` (the tree as the fragments before it left it): the target
// phandle after the fixups, else target-path.
absl::Status OverlayApplier::CheckTarget(const Fdt& overlay,
                                         const Fragment& fragment,
                                         size_t index, const void* tree,
                                         uint32_t delta,
                                         const std::vector<FixupEntry>& fixups) {
  const void* o = overlay.data();
  const std::string who =
      absl::StrCat(overlay.origin(), ": ", Escaped(fragment.name), ": ");
  int len = 0;
  const void* target = fdt_getprop(o, fragment.offset, "target", &len);
  if (target != nullptr) {
    if (len != 4) {
      return absl::DataLossError(absl::StrCat(
          who, "'target' is ", len, " bytes; a phandle is 4"));
    }
    const int local = LocalTargetFixups(o, fragment);
    uint32_t phandle = LoadBe32(static_cast<const uint8_t*>(target)) +
                       delta * static_cast<uint32_t>(local);
    std::string what = local > 0 ? " (a node of this overlay)" : "";
    for (const FixupEntry& e : fixups) {
      if (e.node != fragment.offset || e.property != "target") continue;
      const auto path = SymbolAt(editor_.data(),
                                 fdt_path_offset(editor_.data(), "/__symbols__"),
                                 e.label);
      const int node = path ? fdt_path_offset(editor_.data(), path->c_str()) : -1;
      phandle = node >= 0 ? fdt_get_phandle(editor_.data(), node) : 0;
      what = absl::StrCat(" (label '", Escaped(e.label), "')");
    }
    if (phandle == kUnresolvedPhandle) {
      return absl::DataLossError(absl::StrCat(
          who, "target is unresolved (0xffffffff) and no /__fixups__ entry "
               "names it"));
    }
    if (phandle != 0) {
      if (fdt_node_offset_by_phandle(tree, phandle) >= 0) return absl::OkStatus();
      return absl::NotFoundError(absl::StrCat(
          who, "target phandle 0x", absl::Hex(phandle), what, " is not in ",
          Where(index)));
    }
  }
  const char* path = static_cast<const char*>(
      fdt_getprop(o, fragment.offset, "target-path", &len));
  if (path == nullptr) {
    return absl::DataLossError(absl::StrCat(
        who, "has neither a 'target' phandle nor a 'target-path'"));
  }
  const std::string p = PropString(path, len);
  if (fdt_path_offset(tree, p.c_str()) >= 0) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(who, "target-path \"", Escaped(p),
                                          "\" is not in ", Where(index)));
}

// libfdt records each label of the overlay under its fragment's target,
// which it looks up again after the merge. Debian's libfdt 1.6.1 copies a
// phandle on an __overlay__ node (a label there gives it one) onto the
// target, so a target named by its old phandle is gone by then.
absl::Status OverlayApplier::ExplainSymbols(
    const Fdt& overlay, const std::vector<Fragment>& fragments,
    const std::vector<FixupEntry>& fixups, uint32_t delta, const void* merged,
    const absl::Status& failed) {
  const void* o = overlay.data();
  const int symbols = fdt_subnode_offset(o, 0, "__symbols__");
  int prop = 0;
  fdt_for_each_property_offset(prop, o, symbols) {
    const char* label = nullptr;
    int len = 0;
    const char* v =
        static_cast<const char*>(fdt_getprop_by_offset(o, prop, &label, &len));
    const std::string path = PropString(v, len);
    for (size_t i = 0; i < fragments.size(); ++i) {
      const std::string prefix = "/" + fragments[i].name + "/__overlay__";
      if (path != prefix && path.rfind(prefix + "/", 0) != 0) continue;
      if (CheckTarget(overlay, fragments[i], i, merged, delta, fixups).ok()) {
        continue;
      }
      return absl::NotFoundError(absl::StrCat(
          overlay.origin(), ": /__symbols__ label '", Escaped(label), "' (",
          Escaped(path), "): ", Escaped(fragments[i].name),
          "'s target cannot be found again after the merge: its __overlay__ "
          "node has a phandle (a label on it gives it one), which libfdt "
          "1.6.1 copies onto the target; keep labels off __overlay__ nodes"));
    }
  }
  return failed;
}

absl::Status OverlayApplier::Explain(const Fdt& overlay,
                                     const std::vector<Fragment>& fragments,
                                     const std::vector<FixupEntry>& fixups,
                                     const absl::Status& failed) {
  uint32_t delta = 0;
  if (fdt_find_max_phandle(editor_.data(), &delta) != 0) return failed;
  RETURN_IF_ERROR(CheckPhandleRoom(overlay, delta));
  if (failed.code() == absl::StatusCode::kResourceExhausted) {
    std::vector<std::string> names = applied_;
    names.push_back(overlay.origin());
    return TooBig(names, 0);
  }
  // The first fragment libfdt cannot merge: applying the fragments before
  // it works, applying it too fails. Failure is monotone, so bisect.
  size_t good = 0, bad = fragments.size();
  {
    absl::StatusOr<FdtEditor> merged =
        ApplyPrefix(overlay, fragments, fixups, bad);
    if (merged.ok()) {
      // Every fragment merges: libfdt failed recording the overlay's labels.
      return ExplainSymbols(overlay, fragments, fixups, delta, merged->data(),
                            failed);
    }
  }
  while (bad - good > 1) {
    const size_t mid = good + (bad - good) / 2;
    if (ApplyPrefix(overlay, fragments, fixups, mid).ok()) {
      good = mid;
    } else {
      bad = mid;
    }
  }
  ASSIGN_OR_RETURN(FdtEditor before,
                   ApplyPrefix(overlay, fragments, fixups, good));
  RETURN_IF_ERROR(CheckTarget(overlay, fragments[good], good, before.data(),
                              delta, fixups));
  return absl::Status(failed.code(),
                      absl::StrCat(failed.message(), " (in ",
                                   Escaped(fragments[good].name), ")"));
}

absl::Status OverlayApplier::Apply(const Fdt& overlay) {
  RETURN_IF_ERROR(CheckBoard(base_, overlay, options_.force));
  ASSIGN_OR_RETURN(std::vector<Fragment> fragments, ListFragments(overlay));
  RETURN_IF_ERROR(CheckOverlayPhandles(overlay));
  RETURN_IF_ERROR(CheckLocalFixups(overlay));
  ASSIGN_OR_RETURN(std::vector<FixupEntry> fixups, ParseFixups(overlay));
  RETURN_IF_ERROR(CheckOverlaySymbols(overlay));
  Uses uses;
  for (const FixupEntry& e : fixups) {
    uses[e.label].push_back(FixupUse{e.fragment, e.property});
  }
  RETURN_IF_ERROR(ResolveLabels(overlay, uses));
  // Targets are left to libfdt, which resolves each fragment's target after
  // merging the fragments before it; only a refusal is explained.
  const absl::Status applied = editor_.ApplyOverlay(overlay);
  if (!applied.ok()) return Explain(overlay, fragments, fixups, applied);
  // The overlay's own labels, if any, now live in the tree's /__symbols__.
  editor_has_symbols_ =
      editor_has_symbols_ || fdt_path_offset(editor_.data(), "/__symbols__") >= 0;
  applied_.push_back(overlay.origin());
  if (report_ != nullptr) report_->applied.push_back(overlay.origin());
  return absl::OkStatus();
}

absl::Status OverlayApplier::Finish() {
  // Grafted symbols were scaffolding for libfdt; the result should describe
  // the same symbols as its base did.
  for (const GraftedLabel& g : grafted_) {
    const auto value = editor_.Property("/__symbols__", g.label);
    if (value.has_value() &&
        std::string(value->begin(), value->end()) == g.path + '\0') {
      RETURN_IF_ERROR(editor_.DeleteProperty("/__symbols__", g.label).status());
    }
  }
  if (created_symbols_) {
    const int symbols = fdt_path_offset(editor_.data(), "/__symbols__");
    if (symbols >= 0 &&
        fdt_first_property_offset(editor_.data(), symbols) < 0 &&
        fdt_first_subnode(editor_.data(), symbols) < 0) {
      RETURN_IF_ERROR(editor_.DeleteNode("/__symbols__"));
    }
  }
  const size_t size = PackedSize(editor_.data());
  if (size > kMaxDtbSize) return TooBig(applied_, size);
  if (report_ != nullptr) {
    report_->grafted.insert(report_->grafted.end(), grafted_.begin(),
                            grafted_.end());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyOverlaysTo(FdtEditor& editor, const Fdt& base,
                             const std::vector<Fdt>& overlays,
                             const OverlayOptions& options,
                             OverlayReport* report) {
  OverlayApplier applier(editor, base, options, report);
  for (const Fdt& overlay : overlays) {
    RETURN_IF_ERROR(applier.Apply(overlay));
  }
  return applier.Finish();
}

absl::StatusOr<Fdt> ApplyOverlays(const Fdt& base,
                                  const std::vector<Fdt>& overlays,
                                  const OverlayOptions& options,
                                  OverlayReport* report) {
  FdtEditor editor(base);
  RETURN_IF_ERROR(ApplyOverlaysTo(editor, base, overlays, options, report));
  return std::move(editor).Finish(base.origin());
}

}  // namespace fdt_handoff
