#include "fdt/overlay.h"

#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fdt/fdt_error.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

constexpr uint32_t kUnresolvedPhandle = 0xffffffffu;

// One reference from an overlay's /__fixups__: "<path>:<property>:<offset>".
struct FixupUse {
  std::string fragment;  // First path component, e.g. "fragment@4".
  std::string property;  // "target" for a fragment target.
};

std::string Describe(const Fdt& fdt) {
  const std::string model = fdt.Model();
  return model.empty() ? fdt.origin()
                       : absl::StrCat(fdt.origin(), " (model \"", model, "\")");
}

absl::StatusOr<std::map<std::string, std::vector<FixupUse>>> ParseFixups(
    const Fdt& overlay, const Tree& tree) {
  std::map<std::string, std::vector<FixupUse>> out;
  const Node* fixups = tree.Find("/__fixups__");
  if (fixups == nullptr) return out;
  for (const Property& p : fixups->properties) {
    for (const std::string& entry : PropertyStrings(p)) {
      std::vector<std::string> parts = absl::StrSplit(entry, ':');
      uint32_t offset = 0;
      if (parts.size() != 3 || parts[0].size() < 2 || parts[0][0] != '/' ||
          !absl::SimpleAtoi(parts[2], &offset)) {
        return absl::DataLossError(
            absl::StrCat(overlay.origin(), ": malformed /__fixups__ entry \"",
                         entry, "\" for label '", p.name, "'"));
      }
      std::vector<std::string> path =
          absl::StrSplit(parts[0].substr(1), '/');
      out[p.name].push_back(FixupUse{path[0], parts[1]});
    }
  }
  return out;
}

std::string FragmentsUsing(const std::vector<FixupUse>& uses) {
  std::set<std::string> names;
  for (const FixupUse& u : uses) {
    names.insert(u.property == "target"
                     ? u.fragment
                     : absl::StrCat(u.fragment, " (", u.property, ")"));
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

std::string CompatibleText(const absl::optional<std::vector<uint8_t>>& c) {
  if (!c.has_value()) return "(none)";
  Property p{"compatible", *c};
  return absl::StrCat("\"", absl::StrJoin(PropertyStrings(p), "\", \""), "\"");
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
  return absl::FailedPreconditionError(absl::StrCat(
      overlay.origin(), ": overlay is for \"", absl::StrJoin(wanted, "\", \""),
      "\", but ", Describe(base), " is compatible with \"",
      absl::StrJoin(have, "\", \""), "\"; pass --force to apply it anyway"));
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
  // Removes the grafted symbols and reports them.
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

  // Makes every label of `fixups` resolvable: finds each one's node (in the
  // tree's own symbols, else the symbol source's), checks it, then gives
  // the nodes phandles and grafts the missing symbols in one batch each.
  absl::Status ResolveLabels(
      const Fdt& overlay,
      const std::map<std::string, std::vector<FixupUse>>& fixups);
  absl::Status CheckFragments(const Fdt& overlay, const Tree& tree,
                              const std::map<std::string,
                                             std::vector<FixupUse>>& fixups);

  const Fdt& base_;
  const OverlayOptions& options_;
  OverlayReport* report_;
  FdtEditor& editor_;
  bool editor_has_symbols_;
  int source_symbols_ = -1;
  std::vector<GraftedLabel> grafted_;
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

absl::Status OverlayApplier::ResolveLabels(
    const Fdt& overlay,
    const std::map<std::string, std::vector<FixupUse>>& fixups) {
  if (fixups.empty()) return absl::OkStatus();
  const void* fdt = editor_.data();
  const Fdt* source = options_.symbol_source;
  const int own_symbols =
      editor_has_symbols_ ? fdt_path_offset(fdt, "/__symbols__") : -1;
  std::vector<Resolved> resolved;
  std::vector<std::string> source_paths;
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
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '", label,
          "' is not defined in ", Describe(base_), why));
    }
    resolved.push_back(r);
  }
  // One walk of each tree finds every node.
  std::vector<std::string> paths;
  for (const Resolved& r : resolved) paths.push_back(r.path);
  const std::vector<int> offsets = FindNodeOffsets(fdt, paths);
  const std::vector<int> source_offsets =
      source != nullptr ? FindNodeOffsets(source->data(), paths)
                        : std::vector<int>(paths.size(), -1);
  for (size_t i = 0; i < resolved.size(); ++i) {
    Resolved& r = resolved[i];
    const std::vector<FixupUse>& uses = fixups.at(r.label);
    r.offset = offsets[i];
    if (r.offset < 0) {
      if (!r.graft) {
        return absl::NotFoundError(absl::StrCat(
            overlay.origin(), ": ", FragmentsUsing(uses), ": label '", r.label,
            "' points at ", r.path, ", which is not in ", Describe(base_)));
      }
      return absl::NotFoundError(absl::StrCat(
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '", r.label,
          "' names ", r.path, " in ", source->origin(),
          ", but that node is not in ", Describe(base_)));
    }
    if (!r.graft) continue;
    const int source_node = source_offsets[i];
    const auto want = Compatible(source->data(), source_node);
    const auto have = Compatible(fdt, r.offset);
    if (want != have) {
      return absl::FailedPreconditionError(absl::StrCat(
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '", r.label,
          "' names ", r.path, " with compatible ", CompatibleText(want),
          " in ", source->origin(), ", but that node in ", base_.origin(),
          " has compatible ", CompatibleText(have),
          "; the symbol source is not the same board"));
    }
    r.preferred_phandle = fdt_get_phandle(source->data(), source_node);
  }
  // libfdt resolves a label only to a node with a phandle. Nodes of a -@
  // build have theirs already: only the others cost a walk.
  std::vector<FdtEditor::PhandleRequest> requests;
  std::vector<size_t> requested;
  std::vector<bool> had_phandle;
  std::vector<uint32_t> phandles;
  for (size_t i = 0; i < resolved.size(); ++i) {
    const uint32_t existing = fdt_get_phandle(fdt, resolved[i].offset);
    had_phandle.push_back(existing != 0);
    phandles.push_back(existing);
    if (existing == 0) {
      requests.push_back({resolved[i].path, resolved[i].preferred_phandle});
      requested.push_back(i);
    }
  }
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
    grafted_.push_back(GraftedLabel{r.label, r.path, source->origin(),
                                    phandles[i], !had_phandle[i]});
  }
  if (symbols.empty()) return absl::OkStatus();
  if (!editor_has_symbols_) {
    RETURN_IF_ERROR(editor_.AddNode("/", "__symbols__").status());
    created_symbols_ = true;
    editor_has_symbols_ = true;
  }
  return editor_.SetProperties("/__symbols__", symbols);
}

absl::Status OverlayApplier::CheckFragments(
    const Fdt& overlay, const Tree& tree,
    const std::map<std::string, std::vector<FixupUse>>& fixups) {
  int fragments = 0;
  for (const Node& fragment : tree.root.children) {
    if (fragment.FindChild("__overlay__") == nullptr) continue;
    ++fragments;
    const Property* target_path = fragment.FindProperty("target-path");
    const Property* target = fragment.FindProperty("target");
    if (target_path != nullptr) {
      const std::vector<std::string> s = PropertyStrings(*target_path);
      const std::string path = s.empty() ? "" : s[0];
      if (fdt_path_offset(editor_.data(), path.c_str()) < 0) {
        return absl::NotFoundError(absl::StrCat(
            overlay.origin(), ": ", fragment.name, ": target-path \"", path,
            "\" is not in ", Describe(base_)));
      }
    } else if (target != nullptr && target->value.size() == 4) {
      const uint32_t phandle = ReadBe32(target->value.data());
      if (phandle == kUnresolvedPhandle) {
        bool fixed = false;
        for (const auto& [label, uses] : fixups) {
          for (const FixupUse& u : uses) {
            fixed |= u.fragment == fragment.name && u.property == "target";
          }
        }
        if (!fixed) {
          return absl::DataLossError(absl::StrCat(
              overlay.origin(), ": ", fragment.name,
              ": target is unresolved (0xffffffff) and no /__fixups__ entry "
              "names it"));
        }
      } else if (fdt_node_offset_by_phandle(editor_.data(), phandle) < 0) {
        return absl::NotFoundError(absl::StrCat(
            overlay.origin(), ": ", fragment.name, ": target phandle 0x",
            absl::Hex(phandle), " is not in ", Describe(base_)));
      }
    } else {
      return absl::DataLossError(
          absl::StrCat(overlay.origin(), ": ", fragment.name,
                       ": has neither a 4-byte 'target' nor 'target-path'"));
    }
  }
  if (fragments == 0) {
    return absl::DataLossError(absl::StrCat(
        overlay.origin(),
        ": not an overlay: no fragment with an __overlay__ node"));
  }
  return absl::OkStatus();
}

absl::Status OverlayApplier::Apply(const Fdt& overlay) {
  RETURN_IF_ERROR(CheckBoard(base_, overlay, options_.force));
  ASSIGN_OR_RETURN(Tree tree, ParseTree(overlay));
  ASSIGN_OR_RETURN(auto fixups, ParseFixups(overlay, tree));
  RETURN_IF_ERROR(CheckFragments(overlay, tree, fixups));
  RETURN_IF_ERROR(ResolveLabels(overlay, fixups));
  RETURN_IF_ERROR(editor_.ApplyOverlay(overlay));
  // The overlay's own labels, if any, now live in the tree's /__symbols__.
  editor_has_symbols_ =
      editor_has_symbols_ || fdt_path_offset(editor_.data(), "/__symbols__") >= 0;
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
