#include "fdt/reconcile.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fdt/command_line.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/memory.h"
#include "fdt/path.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// Everything a rule may read or change. `target` and `live` are top-level
// copies (TreeScope::kTopLevel: root, its children's properties,
// /reserved-memory); rules that need deeper nodes ask for FullTarget() and
// FullLive(), parsed on first use. `target` is the tree after the overlays,
// before any rule ran; edits go to `editor`.
struct RuleContext {
  FdtEditor& editor;
  const Tree& target;
  const Tree* live;  // Null without a live FDT.
  const Fdt* live_fdt;
  std::string live_origin;
  const ReconcileOptions& options;
  std::vector<ReconcileChange>& changes;
  absl::string_view rule;
  absl::optional<Tree>* full_target;
  absl::optional<Tree>* full_live;

  void Note(std::string text) {
    changes.push_back(ReconcileChange{std::string(rule), std::move(text)});
  }

  // The whole target as the editor holds it now.
  absl::StatusOr<const Tree*> FullTarget() {
    if (!full_target->has_value()) {
      ASSIGN_OR_RETURN(*full_target,
                       ParseTree(editor.data(), editor.origin()));
    }
    return &**full_target;
  }
  absl::StatusOr<const Tree*> FullLive() {
    if (!full_live->has_value()) {
      ASSIGN_OR_RETURN(*full_live, ParseTree(*live_fdt));
    }
    return &**full_live;
  }
};

namespace {

constexpr size_t kRngSeedSize = 128;  // What Linux's kexec_file adds, too.

// --- memory ----------------------------------------------------------------

absl::Status MemoryRule(RuleContext& c) {
  std::vector<MemoryRange> ranges;
  std::string source;
  if (!c.options.memory.empty()) {
    for (const MemoryRange& r : c.options.memory) {
      ASSIGN_OR_RETURN(MemoryRange checked,
                       MakeRange(r.base, r.size, "memory: --memory BASE:SIZE"));
      ranges.push_back(checked);
    }
    source = "--memory";
  } else if (c.live != nullptr) {
    std::string names;
    ASSIGN_OR_RETURN(ranges, MemoryOf(*c.live, c.live_origin, &names));
    source = absl::StrCat("live FDT ", names);
  }
  if (ranges.empty()) {
    std::string names;
    ASSIGN_OR_RETURN(auto own, MemoryOf(c.target, c.editor.origin(), &names));
    if (own.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "memory: no RAM description: ",
          c.live != nullptr
              ? absl::StrCat("the live FDT ", c.live_origin,
                             " has no /memory node with a reg")
              : std::string("no live FDT was given"),
          ", the target ", c.editor.origin(),
          " has none either, and no --memory BASE:SIZE was given"));
    }
    c.Note(absl::StrCat("kept the target's own ", names));
    return absl::OkStatus();
  }
  const int ac = CellsOf(c.target.root, "#address-cells", 2);
  const int sc = CellsOf(c.target.root, "#size-cells", 1);
  const std::string name = absl::StrFormat("memory@%x", ranges[0].base);
  ASSIGN_OR_RETURN(std::vector<uint8_t> reg,
                   EncodeReg(ranges, ac, sc, absl::StrCat("/", name)));
  for (const Node& n : c.target.root.children) {
    if (IsMemoryNode(n)) {
      RETURN_IF_ERROR(c.editor.DeleteNode(absl::StrCat("/", n.name)));
      c.Note(absl::StrCat("removed the target's /", n.name));
    }
  }
  ASSIGN_OR_RETURN(std::string path, c.editor.AddNode("/", name));
  RETURN_IF_ERROR(c.editor.SetPropertyString(path, "device_type", "memory"));
  RETURN_IF_ERROR(c.editor.SetProperty(path, "reg", reg));
  std::vector<std::string> text;
  for (const MemoryRange& r : ranges) text.push_back(FormatRange(r.base, r.size));
  c.Note(absl::StrCat(path, ": reg from ", source, ": ",
                      absl::StrJoin(text, ", ")));
  return absl::OkStatus();
}

// --- reserved-memory ------------------------------------------------------

// True when [r.base, r.base + r.size) lies inside the union of `regions`.
bool Covered(const MemoryRange& r, const std::vector<ReservedRegion>& regions,
             std::vector<std::string>* by) {
  uint64_t at = r.base;
  const uint64_t end = r.end();
  bool progress = true;
  while (at < end && progress) {
    progress = false;
    for (const ReservedRegion& g : regions) {
      if (g.range.base <= at && at < g.range.end()) {
        at = g.range.end();
        by->push_back(g.name);
        progress = true;
      }
    }
  }
  return at >= end;
}

absl::Status ReservedMemoryRule(RuleContext& c) {
  if (c.live == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto live_regions, ReservedRegionsOf(*c.live, c.live_origin));
  ASSIGN_OR_RETURN(auto target_regions,
                   ReservedRegionsOf(c.target, c.editor.origin()));
  const Node* rm = c.target.Find("/reserved-memory");
  const int ac = rm != nullptr ? CellsOf(*rm, "#address-cells", 2)
                               : CellsOf(c.target.root, "#address-cells", 2);
  const int sc = rm != nullptr ? CellsOf(*rm, "#size-cells", 1)
                               : CellsOf(c.target.root, "#size-cells", 1);
  bool have_node = rm != nullptr;
  for (const ReservedRegion& live : live_regions) {
    std::vector<std::string> by;
    if (Covered(live.range, target_regions, &by)) {
      c.Note(absl::StrCat("live /reserved-memory/", live.name, " ",
                          FormatRange(live.range.base, live.range.size),
                          " is covered by the target's ",
                          absl::StrJoin(by, ", "), "; not added"));
      continue;
    }
    if (!have_node) {
      ASSIGN_OR_RETURN(std::string p, c.editor.AddNode("/", "reserved-memory"));
      RETURN_IF_ERROR(c.editor.SetPropertyU32(p, "#address-cells",
                                              static_cast<uint32_t>(ac)));
      RETURN_IF_ERROR(c.editor.SetPropertyU32(p, "#size-cells",
                                              static_cast<uint32_t>(sc)));
      RETURN_IF_ERROR(c.editor.SetProperty(p, "ranges", {}));
      c.Note("created /reserved-memory");
      have_node = true;
    }
    std::string name = live.name;
    if (c.editor.NodeOffset(JoinNodePath("/reserved-memory", name)).ok()) {
      name = absl::StrCat(name, "-live");
    }
    ASSIGN_OR_RETURN(std::string path,
                     c.editor.AddNode("/reserved-memory", name));
    for (const Property& p : live.node->properties) {
      if (p.name == "reg" || p.name == "phandle" || p.name == "linux,phandle") {
        continue;
      }
      RETURN_IF_ERROR(c.editor.SetProperty(path, p.name, p.value));
    }
    ASSIGN_OR_RETURN(std::vector<uint8_t> reg,
                     EncodeReg({live.range}, ac, sc, path));
    RETURN_IF_ERROR(c.editor.SetProperty(path, "reg", reg));
    target_regions.push_back(ReservedRegion{name, live.range, live.no_map, live.node});
    c.Note(absl::StrCat(path, ": added from live FDT, ",
                        FormatRange(live.range.base, live.range.size),
                        live.no_map ? ", no-map" : ""));
  }
  return absl::OkStatus();
}

// --- memreserve -------------------------------------------------------------

absl::Status MemReserveRule(RuleContext& c) {
  if (c.live == nullptr) return absl::OkStatus();
  // Checked even when dropped: a wrapped entry means the live FDT is bad.
  ASSIGN_OR_RETURN(std::vector<MemoryRange> reserves,
                   MemReservesOf(*c.live, c.live_origin));
  for (const MemoryRange& r : reserves) {
    if (c.options.keep_memreserve) {
      RETURN_IF_ERROR(c.editor.AddMemReserve(r.base, r.size));
      c.Note(absl::StrCat("kept live /memreserve/ ", FormatRange(r),
                          " (--keep-memreserve)"));
    } else {
      c.Note(absl::StrCat("dropped live /memreserve/ ", FormatRange(r),
                          ": it belongs to the old boot"));
    }
  }
  return absl::OkStatus();
}

// --- identity ---------------------------------------------------------------

absl::Status SerialNumberRule(RuleContext& c) {
  if (c.live == nullptr) return absl::OkStatus();
  const Property* serial = c.live->root.FindProperty("serial-number");
  if (serial == nullptr) return absl::OkStatus();
  const Property* old = c.target.root.FindProperty("serial-number");
  if (old != nullptr && old->value == serial->value) return absl::OkStatus();
  RETURN_IF_ERROR(c.editor.SetProperty("/", "serial-number", serial->value));
  const auto s = PropertyStrings(*serial);
  c.Note(absl::StrCat("/serial-number = \"", s.empty() ? "" : s[0],
                      "\" from live FDT"));
  return absl::OkStatus();
}

// Depth-first search, in tree order, for a node with the same compatible
// and reg. A worklist rather than recursion (the target may nest tens of
// thousands of levels), with parent links so that only the match's path is
// built.
bool FindByCompatibleAndReg(const Node& root, const Property& compatible,
                            const Property& reg, std::string* found) {
  constexpr size_t kNone = ~size_t{0};
  std::vector<std::pair<const Node*, size_t>> seen;  // Node, parent's index.
  std::vector<std::pair<const Node*, size_t>> todo = {{&root, kNone}};
  while (!todo.empty()) {
    seen.push_back(todo.back());
    todo.pop_back();
    const Node& node = *seen.back().first;
    const Property* c = node.FindProperty("compatible");
    const Property* r = node.FindProperty("reg");
    if (c != nullptr && r != nullptr && c->value == compatible.value &&
        r->value == reg.value) {
      std::vector<const Node*> chain;
      for (size_t i = seen.size() - 1; seen[i].second != kNone;
           i = seen[i].second) {
        chain.push_back(seen[i].first);
      }
      // Appended in place rather than through JoinNodePath(), which would
      // copy the growing path once per level.
      found->clear();
      for (auto n = chain.rbegin(); n != chain.rend(); ++n) {
        absl::StrAppend(found, "/", (*n)->name);
      }
      if (found->empty()) *found = "/";
      return true;
    }
    for (auto child = node.children.rbegin(); child != node.children.rend();
         ++child) {
      todo.emplace_back(&*child, seen.size() - 1);
    }
  }
  return false;
}

absl::optional<std::string> AliasPath(const Tree& tree, absl::string_view alias) {
  const Node* aliases = tree.Find("/aliases");
  if (aliases == nullptr) return absl::nullopt;
  const Property* p = aliases->FindProperty(alias);
  if (p == nullptr) return absl::nullopt;
  const auto s = PropertyStrings(*p);
  if (s.empty() || tree.Find(s[0]) == nullptr) return absl::nullopt;
  return s[0];
}

absl::Status MacAddressRule(RuleContext& c) {
  if (c.live == nullptr) return absl::OkStatus();
  const Node* aliases = c.live->Find("/aliases");
  if (aliases == nullptr) return absl::OkStatus();
  for (const Property& alias : aliases->properties) {
    if (!absl::StartsWith(alias.name, "ethernet")) continue;
    ASSIGN_OR_RETURN(const Tree* live, c.FullLive());
    const auto live_path = AliasPath(*live, alias.name);
    if (!live_path.has_value()) continue;
    const Node* live_node = live->Find(*live_path);
    std::vector<const Property*> macs;
    for (absl::string_view name : {"local-mac-address", "mac-address"}) {
      if (const Property* p = live_node->FindProperty(name)) macs.push_back(p);
    }
    if (macs.empty()) continue;
    ASSIGN_OR_RETURN(const Tree* target, c.FullTarget());
    std::string target_path;
    std::string how;
    if (auto p = AliasPath(*target, alias.name)) {
      target_path = *p;
      how = absl::StrCat("alias ", alias.name);
    } else {
      const Property* compatible = live_node->FindProperty("compatible");
      const Property* reg = live_node->FindProperty("reg");
      if (compatible != nullptr && reg != nullptr &&
          FindByCompatibleAndReg(target->root, *compatible, *reg,
                                 &target_path)) {
        how = "compatible + reg";
      }
    }
    if (target_path.empty()) {
      c.Note(absl::StrCat("live ", alias.name, " (", *live_path,
                          ") has a MAC, but the target has no such alias and "
                          "no node with the same compatible and reg; not "
                          "carried"));
      continue;
    }
    for (const Property* mac : macs) {
      RETURN_IF_ERROR(c.editor.SetProperty(target_path, mac->name, mac->value));
      std::vector<std::string> bytes;
      for (uint8_t b : mac->value) bytes.push_back(absl::StrFormat("%02x", b));
      c.Note(absl::StrCat(target_path, ":", mac->name, " = ",
                          absl::StrJoin(bytes, ":"), " from live ", *live_path,
                          " (matched by ", how, ")"));
    }
  }
  return absl::OkStatus();
}

// --- /chosen ------------------------------------------------------------------

std::vector<uint8_t> Be64(uint64_t v) {
  std::vector<uint8_t> out(8);
  StoreBe64(v, out.data());
  return out;
}

// The target tree (taken after the overlays, before the rules) answers
// "is it there?" without a walk of the blob; only real edits touch libfdt.
absl::Status EnsureChosen(RuleContext& c) {
  if (c.target.Find("/chosen") != nullptr) return absl::OkStatus();
  if (c.editor.NodeOffset("/chosen").ok()) return absl::OkStatus();
  RETURN_IF_ERROR(c.editor.AddNode("/", "chosen").status());
  c.Note("created /chosen");
  return absl::OkStatus();
}

// Deletes those of `names` the target's /chosen has (no rule adds them
// before the rule that deletes them).
absl::Status DeleteChosen(RuleContext& c,
                          std::initializer_list<absl::string_view> names,
                          absl::string_view why) {
  const Node* chosen = c.target.Find("/chosen");
  if (chosen == nullptr) return absl::OkStatus();
  std::vector<absl::string_view> present;
  for (absl::string_view name : names) {
    if (chosen->FindProperty(name) != nullptr) present.push_back(name);
  }
  if (present.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::string> deleted,
                   c.editor.DeleteProperties("/chosen", present));
  for (const std::string& name : deleted) {
    c.Note(absl::StrCat("/chosen:", name, " deleted (", why, ")"));
  }
  return absl::OkStatus();
}

absl::Status BootargsRule(RuleContext& c) {
  RETURN_IF_ERROR(EnsureChosen(c));
  const absl::optional<std::string> bootargs = KernelCommandLine(c.options);
  if (!bootargs.has_value()) {
    return DeleteChosen(c, {"bootargs"}, "no command line given");
  }
  // Checked by Reconcile() before the overlays (CheckOptions()).
  RETURN_IF_ERROR(c.editor.SetPropertyString("/chosen", "bootargs", *bootargs));
  c.Note(absl::StrCat("/chosen:bootargs = \"", *bootargs, "\""));
  return absl::OkStatus();
}

absl::Status InitrdRule(RuleContext& c) {
  RETURN_IF_ERROR(EnsureChosen(c));
  const auto& start = c.options.initrd_start;
  const auto& end = c.options.initrd_end;
  if (!start.has_value() && !end.has_value()) {
    return DeleteChosen(c, {"linux,initrd-start", "linux,initrd-end"},
                        "no initrd");
  }
  // Both are 64-bit values: arm64 reads them with of_read_number() of the
  // property's own length, so 2 cells work whatever #address-cells says.
  RETURN_IF_ERROR(c.editor.SetProperties(
      "/chosen", {{"linux,initrd-start", Be64(*start)},
                  {"linux,initrd-end", Be64(*end)}}));
  c.Note(absl::StrCat("/chosen:linux,initrd-start/-end = ",
                      FormatRange(*start, *end - *start)));
  return absl::OkStatus();
}

absl::Status SeedsRule(RuleContext& c) {
  RETURN_IF_ERROR(EnsureChosen(c));
  if (!c.options.seeds) {
    return DeleteChosen(c, {"kaslr-seed", "rng-seed"}, "--no-seeds");
  }
  const SeedSource& source =
      c.options.seed_source ? c.options.seed_source : SeedSource(GetRandomBytes);
  uint8_t kaslr[8] = {};
  // The kernel treats a zero kaslr-seed as "no seed"; draw again.
  for (int attempt = 0; attempt < 8; ++attempt) {
    RETURN_IF_ERROR(source(absl::MakeSpan(kaslr)));
    if (std::any_of(std::begin(kaslr), std::end(kaslr),
                    [](uint8_t b) { return b != 0; })) {
      break;
    }
  }
  if (std::all_of(std::begin(kaslr), std::end(kaslr),
                  [](uint8_t b) { return b == 0; })) {
    return absl::UnavailableError(
        "seeds: the seed source returned only zeros for kaslr-seed");
  }
  std::vector<uint8_t> rng(kRngSeedSize);
  RETURN_IF_ERROR(source(absl::MakeSpan(rng)));
  RETURN_IF_ERROR(c.editor.SetProperties(
      "/chosen", {{"kaslr-seed", std::vector<uint8_t>(kaslr, kaslr + 8)},
                  {"rng-seed", rng}}));
  c.Note("/chosen:kaslr-seed set (8 fresh random bytes)");
  c.Note(absl::StrCat("/chosen:rng-seed set (", kRngSeedSize,
                      " fresh random bytes)"));
  return absl::OkStatus();
}

absl::Status StaleKexecRule(RuleContext& c) {
  RETURN_IF_ERROR(EnsureChosen(c));
  // Left by a crash-kernel or kexec load of an earlier boot; each points at
  // memory the new kernel must not trust. (drivers/of/kexec.c deletes the
  // same set before a kexec_file load.)
  return DeleteChosen(
      c,
      {"linux,elfcorehdr", "linux,usable-memory-range", "linux,ima-kexec-buffer",
       "linux,tpm-kexec-buffer", "linux,booted-from-kexec", "linux,kho-fdt",
       "linux,kho-scratch"},
      "stale kexec handover");
}

constexpr ReconcileRule kPolicy[] = {
    {"memory",
     "/memory from --memory or the live FDT (U-Boot's arch_fixup_fdt)",
     MemoryRule},
    {"reserved-memory",
     "add every live /reserved-memory region the target does not cover "
     "(TF-A's tf-a@40000000 on H616)",
     ReservedMemoryRule},
    {"memreserve",
     "drop the live /memreserve/ entries (old initrd/DTB) unless "
     "--keep-memreserve",
     MemReserveRule},
    {"serial-number", "/serial-number from the live FDT (U-Boot's fdt_root)",
     SerialNumberRule},
    {"mac-address",
     "local-mac-address/mac-address of live ethernetN nodes, mapped by alias, "
     "else by compatible + reg",
     MacAddressRule},
    {"bootargs", "/chosen/bootargs from --append/--reuse-cmdline, else deleted",
     BootargsRule},
    {"initrd", "/chosen/linux,initrd-start/-end set (64-bit) or deleted",
     InitrdRule},
    {"seeds", "fresh /chosen/kaslr-seed and rng-seed, or deleted (--no-seeds)",
     SeedsRule},
    {"stale-kexec",
     "delete elfcorehdr, usable-memory-range, IMA/TPM buffers and kexec "
     "handover properties from /chosen",
     StaleKexecRule},
};

}  // namespace

absl::Status GetRandomBytes(absl::Span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("getrandom failed: ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Span<const ReconcileRule> ReconcilePolicy() { return kPolicy; }

std::string StripBootImage(absl::string_view cmdline) {
  std::vector<std::string> kept;
  for (absl::string_view word :
       absl::StrSplit(cmdline, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (!absl::StartsWith(word, "BOOT_IMAGE=")) kept.emplace_back(word);
  }
  return absl::StrJoin(kept, " ");
}

std::string ReconcileReport::Format() const {
  // Names, labels and strings come from the blobs and the command line:
  // escaped, so that each change stays one line of printable text.
  std::string out;
  for (const std::string& o : overlays.applied) {
    absl::StrAppend(&out, absl::StrFormat("%-16s applied %s\n", "overlay",
                                          Escaped(o)));
  }
  for (const GraftedLabel& g : overlays.grafted) {
    absl::StrAppend(
        &out, absl::StrFormat("%-16s grafted label '%s' -> %s from %s%s\n",
                              "symbols", Escaped(g.label), Escaped(g.path),
                              Escaped(g.source),
                              g.phandle_added
                                  ? absl::StrFormat(" (phandle 0x%x added)",
                                                    g.phandle)
                                  : ""));
  }
  for (const ReconcileChange& c : changes) {
    absl::StrAppend(&out, absl::StrFormat("%-16s %s\n", c.rule,
                                          Escaped(c.text)));
  }
  return out;
}

absl::optional<std::string> KernelCommandLine(const ReconcileOptions& options) {
  if (!options.append.has_value() && !options.reused_cmdline.has_value()) {
    return absl::nullopt;
  }
  std::vector<std::string> parts;
  if (options.reused_cmdline.has_value()) {
    std::string reused = StripBootImage(*options.reused_cmdline);
    if (!reused.empty()) parts.push_back(std::move(reused));
  }
  if (options.append.has_value() && !options.append->empty()) {
    parts.push_back(*options.append);
  }
  return absl::StrJoin(parts, " ");
}

namespace {

bool Skipped(const ReconcileOptions& options, absl::string_view rule) {
  return std::find(options.skip_rules.begin(), options.skip_rules.end(),
                   rule) != options.skip_rules.end();
}

// What can be refused before any overlay or rule runs.
absl::Status CheckOptions(const ReconcileOptions& options) {
  for (const std::string& skip : options.skip_rules) {
    bool known = false;
    for (const ReconcileRule& r : kPolicy) known |= r.name == skip;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown rule '", skip, "' to skip"));
    }
  }
  if (options.initrd_start.has_value() != options.initrd_end.has_value()) {
    return absl::InvalidArgumentError(
        "initrd: give both --initrd-start and --initrd-end, or neither");
  }
  if (options.initrd_start.has_value() &&
      *options.initrd_end <= *options.initrd_start) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "initrd: end 0x%x is not above start 0x%x", *options.initrd_end,
        *options.initrd_start));
  }
  const absl::optional<std::string> bootargs = KernelCommandLine(options);
  if (bootargs.has_value() && !Skipped(options, "bootargs")) {
    const absl::Status s = CheckCommandLine(*bootargs);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("bootargs: ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Fdt> Reconcile(const Fdt& target,
                              const ReconcileOptions& options,
                              ReconcileReport* report) {
  RETURN_IF_ERROR(CheckOptions(options));
  ReconcileReport local_report;
  ReconcileReport& rep = report != nullptr ? *report : local_report;

  OverlayOptions overlay_options;
  overlay_options.force = options.force_overlays;
  overlay_options.symbol_source = options.symbols_from;
  if (overlay_options.symbol_source == nullptr && options.live != nullptr &&
      options.live->HasSymbols()) {
    overlay_options.symbol_source = options.live;
  }
  // One editor for the overlays and the rules: one pack, one validation.
  FdtEditor editor(target);
  RETURN_IF_ERROR(ApplyOverlaysTo(editor, target, options.overlays,
                                  overlay_options, &rep.overlays));
  ASSIGN_OR_RETURN(Tree target_tree, ParseTree(editor.data(), target.origin(),
                                                TreeScope::kTopLevel));
  absl::optional<Tree> live_tree;
  if (options.live != nullptr) {
    ASSIGN_OR_RETURN(live_tree, ParseTree(options.live->data(),
                                          options.live->origin(),
                                          TreeScope::kTopLevel));
  }
  absl::optional<Tree> full_target, full_live;
  for (const ReconcileRule& rule : kPolicy) {
    if (Skipped(options, rule.name)) continue;
    RuleContext context{editor,
                        target_tree,
                        live_tree.has_value() ? &*live_tree : nullptr,
                        options.live,
                        options.live != nullptr ? options.live->origin() : "",
                        options,
                        rep.changes,
                        rule.name,
                        &full_target,
                        &full_live};
    RETURN_IF_ERROR(rule.apply(context));
  }
  return std::move(editor).Finish(target.origin());
}

}  // namespace fdt_handoff
