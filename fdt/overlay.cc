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

// The path a label names in `fdt`'s /__symbols__, if any.
absl::optional<std::string> SymbolPath(const void* fdt, const std::string& label) {
  const int symbols = fdt_path_offset(fdt, "/__symbols__");
  if (symbols < 0) return absl::nullopt;
  int len = 0;
  const char* path = static_cast<const char*>(
      fdt_getprop(fdt, symbols, label.c_str(), &len));
  if (path == nullptr || len <= 0) return absl::nullopt;
  return std::string(path, strnlen(path, static_cast<size_t>(len)));
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
  OverlayApplier(const Fdt& base, const OverlayOptions& options,
                 OverlayReport* report)
      : base_(base), options_(options), report_(report), editor_(base) {}

  absl::Status Apply(const Fdt& overlay);
  absl::StatusOr<Fdt> Finish();

 private:
  // Makes `label` resolvable in the tree being edited; grafts it from the
  // symbol source when needed. Returns the node path.
  absl::StatusOr<std::string> ResolveLabel(const Fdt& overlay,
                                           const std::string& label,
                                           const std::vector<FixupUse>& uses);
  absl::Status CheckFragments(const Fdt& overlay, const Tree& tree,
                              const std::map<std::string,
                                             std::vector<FixupUse>>& fixups);

  const Fdt& base_;
  const OverlayOptions& options_;
  OverlayReport* report_;
  FdtEditor editor_;
  std::vector<GraftedLabel> grafted_;
  bool created_symbols_ = false;
};

absl::StatusOr<std::string> OverlayApplier::ResolveLabel(
    const Fdt& overlay, const std::string& label,
    const std::vector<FixupUse>& uses) {
  const void* fdt = editor_.data();
  absl::optional<std::string> path = SymbolPath(fdt, label);
  uint32_t preferred_phandle = 0;
  bool grafting = false;
  if (path.has_value()) {
    if (fdt_path_offset(fdt, path->c_str()) < 0) {
      return absl::NotFoundError(absl::StrCat(
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '", label,
          "' points at ", *path, ", which is not in ", Describe(base_)));
    }
  } else {
    const Fdt* source = options_.symbol_source;
    absl::optional<std::string> source_path =
        source != nullptr ? SymbolPath(source->data(), label) : absl::nullopt;
    if (!source_path.has_value()) {
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
    const int target_node = fdt_path_offset(fdt, source_path->c_str());
    if (target_node < 0) {
      return absl::NotFoundError(absl::StrCat(
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '", label,
          "' names ", *source_path, " in ", source->origin(),
          ", but that node is not in ", Describe(base_)));
    }
    const int source_node = fdt_path_offset(source->data(), source_path->c_str());
    const auto want = Compatible(source->data(), source_node);
    const auto have = Compatible(fdt, target_node);
    if (want != have) {
      return absl::FailedPreconditionError(absl::StrCat(
          overlay.origin(), ": ", FragmentsUsing(uses), ": label '", label,
          "' names ", *source_path, " with compatible ", CompatibleText(want),
          " in ", source->origin(), ", but that node in ", base_.origin(),
          " has compatible ", CompatibleText(have),
          "; the symbol source is not the same board"));
    }
    preferred_phandle = fdt_get_phandle(source->data(), source_node);
    path = source_path;
    grafting = true;
  }
  const bool had_phandle =
      fdt_get_phandle(fdt, fdt_path_offset(fdt, path->c_str())) != 0;
  ASSIGN_OR_RETURN(uint32_t phandle,
                   editor_.EnsurePhandle(*path, preferred_phandle));
  if (grafting) {
    if (fdt_path_offset(editor_.data(), "/__symbols__") < 0) {
      RETURN_IF_ERROR(editor_.AddNode("/", "__symbols__").status());
      created_symbols_ = true;
    }
    RETURN_IF_ERROR(editor_.SetPropertyString("/__symbols__", label, *path));
    grafted_.push_back(GraftedLabel{label, *path,
                                    options_.symbol_source->origin(), phandle,
                                    !had_phandle});
  }
  return *path;
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
  for (const auto& [label, uses] : fixups) {
    RETURN_IF_ERROR(ResolveLabel(overlay, label, uses).status());
  }
  RETURN_IF_ERROR(editor_.ApplyOverlay(overlay));
  if (report_ != nullptr) report_->applied.push_back(overlay.origin());
  return absl::OkStatus();
}

absl::StatusOr<Fdt> OverlayApplier::Finish() {
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
  return std::move(editor_).Finish(base_.origin());
}

}  // namespace

absl::StatusOr<Fdt> ApplyOverlays(const Fdt& base,
                                  const std::vector<Fdt>& overlays,
                                  const OverlayOptions& options,
                                  OverlayReport* report) {
  OverlayApplier applier(base, options, report);
  for (const Fdt& overlay : overlays) {
    RETURN_IF_ERROR(applier.Apply(overlay));
  }
  return applier.Finish();
}

}  // namespace fdt_handoff
