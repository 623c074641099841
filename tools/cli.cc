#include "tools/cli.h"

#include <cstdlib>
#include <functional>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/optional.h"
#include "fdt/blob.h"
#include "fdt/diff.h"
#include "fdt/dts_text.h"
#include "fdt/file_io.h"
#include "fdt/memory.h"
#include "fdt/overlay.h"
#include "fdt/reconcile.h"
#include "fdt/regress.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"

namespace fdt_handoff {
namespace {

constexpr char kDefaultLive[] = "/sys/firmware/fdt";
constexpr char kProcCmdline[] = "/proc/cmdline";

constexpr char kUsage[] =
    R"(usage: fdt-handoff COMMAND [options]

Prepares the device tree a kexec'd arm64 kernel boots with: the target
kernel's own DTB, with overlays applied and reconciled with what the
bootloader handed the running kernel (/sys/firmware/fdt).

commands:
  inspect DTB                  model, compatible, size, symbols, memory,
                               reservations and /chosen of a DTB
  dump DTB                     canonical DTS text of a DTB
  apply BASE OVERLAY... -o OUT apply overlays (fdtoverlay semantics, plus
                               symbol grafting for bases without symbols)
  reconcile --dtb TARGET ... -o OUT
                               overlays + bootloader fixups + /chosen
  diff A B                     structural difference of two DTBs
  regress                      run the Zero 2W profile over a DTB corpus

Run 'fdt-handoff COMMAND --help' for a command's options.
Exit status: 0 success, 1 bad input, 2 bad usage.
)";

constexpr char kInspectUsage[] = R"(usage: fdt-handoff inspect DTB

Prints the model, root compatible, size, whether /__symbols__ is present,
memory, /reserved-memory regions, /memreserve/ entries and /chosen.
)";

constexpr char kDumpUsage[] = R"(usage: fdt-handoff dump DTB

Prints the DTB as canonical DTS: properties and nodes sorted by name, strings
decoded, cells in hex. Two trees that differ only in order dump the same.
)";

constexpr char kApplyUsage[] =
    R"(usage: fdt-handoff apply BASE OVERLAY... -o OUT [--symbols-from DTB] [--force]

Applies the overlays in order, all or nothing; OUT is written only if every
overlay applied. If BASE has no /__symbols__ (Debian and upstream DTBs), the
labels the overlays use are grafted from --symbols-from, a DTB of the same
board built with dtc -@.

  -o, --output OUT       where to write the result
  --symbols-from DTB     label source for a base without __symbols__
  --force                apply overlays whose compatible names another board
)";

constexpr char kReconcileUsage[] =
    R"(usage: fdt-handoff reconcile --dtb TARGET -o OUT [options]

Builds the DTB to hand to the target kernel: TARGET (the kernel's own DTB)
with the overlays applied, /memory, firmware reservations, serial number and
MAC addresses taken from the live FDT, and /chosen rebuilt. Prints the change
report.

  --dtb TARGET             the target kernel's DTB (required)
  -o, --output OUT         where to write the result (required)
  --live LIVE              the running kernel's FDT (default /sys/firmware/fdt)
  --no-live                no live FDT (then give --memory)
  --overlay DTBO           apply an overlay (repeatable, in order)
  --symbols-from DTB       label source for a TARGET without __symbols__
                           (default: the live FDT, if it has symbols)
  --force                  apply overlays meant for another board
  --memory BASE:SIZE       RAM to describe (repeatable); overrides the live
                           FDT. Sizes take K, M, G suffixes: 0x40000000:1G
  --append S, --command-line S
                           kernel command line (the last one wins)
  --reuse-cmdline          put /proc/cmdline (minus BOOT_IMAGE=) in front
  --initrd-start A --initrd-end B
                           initrd physical range [A, B); without them the
                           initrd properties are deleted
  --no-seeds               delete kaslr-seed/rng-seed instead of refreshing
  --keep-memreserve        keep the live FDT's /memreserve/ entries
  --skip-rule NAME         do not run a rule (repeatable; see --list-rules)
  --list-rules             print the rules in order and exit
  --diff                   also print a unified diff of TARGET and OUT as DTS
)";

constexpr char kDiffUsage[] = R"(usage: fdt-handoff diff A B [--text]

Prints the nodes and properties added (+), removed (-) and changed (~)
from A to B, and /memreserve/ differences. --text prints a unified diff of
the canonical DTS texts instead. Exit status 0 either way.
)";

constexpr char kRegressUsage[] =
    R"(usage: fdt-handoff regress --corpus DIR --live LIVE --overlay DTBO... [--symbols DIR]

Runs the Orange Pi Zero 2W profile over every kernel line in DIR (one folder
per line, e.g. DIR/6.12/sun50i-h618-orangepi-zero2w.dtb): reconciles the
line's DTB against LIVE with the overlays and checks the overlay results and
the fixups. --symbols DIR has the same layout with DTBs built with dtc -@,
used as label source. Exit status 1 if any line fails.
)";

// Command-line arguments with their positions consumed left to right.
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}
  bool Done() const { return i_ >= args_.size(); }
  const std::string& Peek() const { return args_[i_]; }
  std::string Next() { return args_[i_++]; }

  // For "--name=value" and "--name value"; true when `name` matched.
  bool Value(absl::string_view name, std::string* value, std::string* error) {
    const std::string& a = args_[i_];
    if (a == name) {
      if (i_ + 1 >= args_.size()) {
        *error = absl::StrCat(name, " needs a value");
        ++i_;
        return true;
      }
      *value = args_[i_ + 1];
      i_ += 2;
      return true;
    }
    if (absl::StartsWith(a, absl::StrCat(name, "="))) {
      *value = a.substr(name.size() + 1);
      ++i_;
      return true;
    }
    return false;
  }

 private:
  std::vector<std::string> args_;
  size_t i_ = 0;
};

bool ParseNumber(absl::string_view text, uint64_t* value) {
  std::string s(text);
  uint64_t scale = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K': case 'k': scale = uint64_t{1} << 10; break;
      case 'M': case 'm': scale = uint64_t{1} << 20; break;
      case 'G': case 'g': scale = uint64_t{1} << 30; break;
      default: break;
    }
    if (scale != 1) s.pop_back();
  }
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = strtoull(s.c_str(), &end, 0);
  if (errno != 0 || end == nullptr || *end != '\0' || s[0] == '-') return false;
  if (v > ~uint64_t{0} / scale) return false;
  *value = static_cast<uint64_t>(v) * scale;
  return true;
}

int Fail(std::ostream& err, const absl::Status& status) {
  err << "fdt-handoff: " << status.message() << "\n";
  return kExitBadInput;
}

int Usage(std::ostream& err, absl::string_view message,
          absl::string_view usage) {
  err << "fdt-handoff: " << message << "\n\n" << usage;
  return kExitUsage;
}

bool IsHelp(const std::string& a) { return a == "--help" || a == "-h"; }

// --- inspect ------------------------------------------------------------

int Inspect(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  while (!args.Done()) {
    std::string a = args.Next();
    if (IsHelp(a)) {
      out << kInspectUsage;
      return kExitOk;
    }
    if (absl::StartsWith(a, "-")) return Usage(err, "unknown option " + a, kInspectUsage);
    files.push_back(a);
  }
  if (files.size() != 1) return Usage(err, "inspect takes one DTB", kInspectUsage);
  auto fdt = Fdt::FromFile(files[0]);
  if (!fdt.ok()) return Fail(err, fdt.status());
  auto tree = ParseTree(*fdt);
  if (!tree.ok()) return Fail(err, tree.status());
  out << "file:        " << files[0] << "\n";
  out << "size:        " << fdt->size() << " bytes\n";
  out << "model:       " << (fdt->Model().empty() ? "(none)" : fdt->Model()) << "\n";
  out << "compatible:  \"" << absl::StrJoin(fdt->Compatible(), "\", \"") << "\"\n";
  const Node* symbols = tree->Find("/__symbols__");
  out << "symbols:     "
      << (symbols != nullptr
              ? absl::StrCat("yes (", symbols->properties.size(), " labels)")
              : std::string("no (overlays with labels need --symbols-from)"))
      << "\n";
  std::string names;
  auto memory = MemoryOf(*tree, fdt->origin(), &names);
  if (!memory.ok()) return Fail(err, memory.status());
  if (memory->empty()) out << "memory:      none\n";
  for (const MemoryRange& r : *memory) {
    out << "memory:      " << FormatRange(r.base, r.size) << "\n";
  }
  auto regions = ReservedRegionsOf(*tree, fdt->origin());
  if (!regions.ok()) return Fail(err, regions.status());
  for (const ReservedRegion& r : *regions) {
    out << "reserved:    /reserved-memory/" << r.name << " "
        << FormatRange(r.range.base, r.range.size) << (r.no_map ? " no-map" : "")
        << "\n";
  }
  for (const auto& [address, size] : tree->memreserves) {
    out << "memreserve:  " << FormatRange(address, size) << "\n";
  }
  const Node* chosen = tree->Find("/chosen");
  if (chosen == nullptr) {
    out << "chosen:      (no /chosen)\n";
  } else {
    for (const Property& p : chosen->properties) {
      out << "chosen:      " << p.name << " = " << FormatValue(p) << "\n";
    }
  }
  return kExitOk;
}

// --- dump -----------------------------------------------------------------

int Dump(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  while (!args.Done()) {
    std::string a = args.Next();
    if (IsHelp(a)) {
      out << kDumpUsage;
      return kExitOk;
    }
    if (absl::StartsWith(a, "-")) return Usage(err, "unknown option " + a, kDumpUsage);
    files.push_back(a);
  }
  if (files.size() != 1) return Usage(err, "dump takes one DTB", kDumpUsage);
  auto fdt = Fdt::FromFile(files[0]);
  if (!fdt.ok()) return Fail(err, fdt.status());
  auto text = DumpDts(*fdt);
  if (!text.ok()) return Fail(err, text.status());
  out << *text;
  return kExitOk;
}

// --- apply ----------------------------------------------------------------

int Apply(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  std::string output, symbols_from, error;
  bool force = false;
  while (!args.Done()) {
    if (IsHelp(args.Peek())) {
      out << kApplyUsage;
      return kExitOk;
    }
    if (args.Value("-o", &output, &error) ||
        args.Value("--output", &output, &error) ||
        args.Value("--symbols-from", &symbols_from, &error)) {
      if (!error.empty()) return Usage(err, error, kApplyUsage);
      continue;
    }
    std::string a = args.Next();
    if (a == "--force") {
      force = true;
    } else if (absl::StartsWith(a, "-")) {
      return Usage(err, "unknown option " + a, kApplyUsage);
    } else {
      files.push_back(a);
    }
  }
  if (files.size() < 2) return Usage(err, "apply needs BASE and at least one OVERLAY", kApplyUsage);
  if (output.empty()) return Usage(err, "apply needs -o OUT", kApplyUsage);
  auto base = Fdt::FromFile(files[0]);
  if (!base.ok()) return Fail(err, base.status());
  std::vector<Fdt> overlays;
  for (size_t i = 1; i < files.size(); ++i) {
    auto o = Fdt::FromFile(files[i]);
    if (!o.ok()) return Fail(err, o.status());
    overlays.push_back(*std::move(o));
  }
  absl::optional<Fdt> symbols;
  if (!symbols_from.empty()) {
    auto s = Fdt::FromFile(symbols_from);
    if (!s.ok()) return Fail(err, s.status());
    symbols = *std::move(s);
  }
  OverlayOptions options;
  options.force = force;
  options.symbol_source = symbols.has_value() ? &*symbols : nullptr;
  OverlayReport report;
  auto result = ApplyOverlays(*base, overlays, options, &report);
  if (!result.ok()) return Fail(err, result.status());
  const absl::Status written = WriteFileAtomic(output, result->bytes());
  if (!written.ok()) return Fail(err, written);
  for (const std::string& a : report.applied) out << "applied " << a << "\n";
  for (const GraftedLabel& g : report.grafted) {
    out << "grafted label '" << g.label << "' -> " << g.path << " from "
        << g.source
        << (g.phandle_added ? absl::StrFormat(" (phandle 0x%x added)", g.phandle)
                            : "")
        << "\n";
  }
  out << "wrote " << output << " (" << result->size() << " bytes)\n";
  return kExitOk;
}

// --- reconcile --------------------------------------------------------------

int Reconcile(Args& args, std::ostream& out, std::ostream& err) {
  std::string dtb, output, live_path, symbols_from, value, error;
  bool no_live = false, reuse_cmdline = false, show_diff = false;
  std::vector<std::string> overlay_paths;
  ReconcileOptions options;
  absl::optional<uint64_t> initrd_start, initrd_end;
  while (!args.Done()) {
    const std::string& a = args.Peek();
    if (IsHelp(a)) {
      out << kReconcileUsage;
      return kExitOk;
    }
    if (a == "--list-rules") {
      for (const ReconcileRule& r : ReconcilePolicy()) {
        out << absl::StrFormat("%-16s %s\n", r.name, r.description);
      }
      return kExitOk;
    }
    if (args.Value("--dtb", &dtb, &error) || args.Value("-o", &output, &error) ||
        args.Value("--output", &output, &error) ||
        args.Value("--live", &live_path, &error) ||
        args.Value("--symbols-from", &symbols_from, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      continue;
    }
    if (args.Value("--overlay", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      overlay_paths.push_back(value);
      continue;
    }
    if (args.Value("--append", &value, &error) ||
        args.Value("--command-line", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      options.append = value;
      continue;
    }
    if (args.Value("--skip-rule", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      options.skip_rules.push_back(value);
      continue;
    }
    if (args.Value("--memory", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      const size_t colon = value.find(':');
      MemoryRange r;
      if (colon == std::string::npos ||
          !ParseNumber(absl::string_view(value).substr(0, colon), &r.base) ||
          !ParseNumber(absl::string_view(value).substr(colon + 1), &r.size) ||
          r.size == 0) {
        return Usage(err, "--memory wants BASE:SIZE, e.g. 0x40000000:1G, not '" + value + "'",
                     kReconcileUsage);
      }
      options.memory.push_back(r);
      continue;
    }
    if (args.Value("--initrd-start", &value, &error) ||
        args.Value("--initrd-end", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      uint64_t v = 0;
      if (!ParseNumber(value, &v)) {
        return Usage(err, "not an address: '" + value + "'", kReconcileUsage);
      }
      // Which one matched is known from the flag still in `a`'s copy.
      (absl::StartsWith(a, "--initrd-start") ? initrd_start : initrd_end) = v;
      continue;
    }
    const std::string flag = args.Next();
    if (flag == "--no-live") {
      no_live = true;
    } else if (flag == "--reuse-cmdline") {
      reuse_cmdline = true;
    } else if (flag == "--no-seeds") {
      options.seeds = false;
    } else if (flag == "--keep-memreserve") {
      options.keep_memreserve = true;
    } else if (flag == "--force") {
      options.force_overlays = true;
    } else if (flag == "--diff") {
      show_diff = true;
    } else {
      return Usage(err, "unknown argument " + flag, kReconcileUsage);
    }
  }
  if (dtb.empty()) return Usage(err, "reconcile needs --dtb TARGET", kReconcileUsage);
  if (output.empty()) return Usage(err, "reconcile needs -o OUT", kReconcileUsage);
  if (no_live && !live_path.empty()) {
    return Usage(err, "--live and --no-live exclude each other", kReconcileUsage);
  }
  if (initrd_start.has_value() != initrd_end.has_value()) {
    return Usage(err, "give both --initrd-start and --initrd-end, or neither",
                 kReconcileUsage);
  }
  options.initrd_start = initrd_start;
  options.initrd_end = initrd_end;

  auto target = Fdt::FromFile(dtb);
  if (!target.ok()) return Fail(err, target.status());
  absl::optional<Fdt> live;
  if (!no_live) {
    auto l = Fdt::FromFile(live_path.empty() ? kDefaultLive : live_path);
    if (!l.ok()) {
      if (live_path.empty()) {
        return Fail(err, absl::Status(l.status().code(),
                                      absl::StrCat(l.status().message(),
                                                   " (pass --live FILE, or "
                                                   "--no-live with --memory)")));
      }
      return Fail(err, l.status());
    }
    live = *std::move(l);
    options.live = &*live;
  }
  for (const std::string& p : overlay_paths) {
    auto o = Fdt::FromFile(p);
    if (!o.ok()) return Fail(err, o.status());
    options.overlays.push_back(*std::move(o));
  }
  absl::optional<Fdt> symbols;
  if (!symbols_from.empty()) {
    auto s = Fdt::FromFile(symbols_from);
    if (!s.ok()) return Fail(err, s.status());
    symbols = *std::move(s);
    options.symbols_from = &*symbols;
  }
  if (reuse_cmdline) {
    auto cmdline = ReadTextFile(kProcCmdline);
    if (!cmdline.ok()) return Fail(err, cmdline.status());
    options.reused_cmdline = *cmdline;
  }
  ReconcileReport report;
  auto result = fdt_handoff::Reconcile(*target, options, &report);
  if (!result.ok()) return Fail(err, result.status());
  const absl::Status written = WriteFileAtomic(output, result->bytes());
  if (!written.ok()) return Fail(err, written);
  out << report.Format();
  out << "wrote " << output << " (" << result->size() << " bytes)\n";
  if (show_diff) {
    auto before = DumpDts(*target);
    auto after = DumpDts(*result);
    if (!before.ok()) return Fail(err, before.status());
    if (!after.ok()) return Fail(err, after.status());
    out << "\n" << UnifiedDiff(*before, *after, dtb, output);
  }
  return kExitOk;
}

// --- diff -------------------------------------------------------------------

int Diff(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  bool text = false;
  while (!args.Done()) {
    std::string a = args.Next();
    if (IsHelp(a)) {
      out << kDiffUsage;
      return kExitOk;
    }
    if (a == "--text") {
      text = true;
    } else if (absl::StartsWith(a, "-")) {
      return Usage(err, "unknown option " + a, kDiffUsage);
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 2) return Usage(err, "diff takes two DTBs", kDiffUsage);
  auto a = Fdt::FromFile(files[0]);
  if (!a.ok()) return Fail(err, a.status());
  auto b = Fdt::FromFile(files[1]);
  if (!b.ok()) return Fail(err, b.status());
  if (text) {
    auto ta = DumpDts(*a);
    auto tb = DumpDts(*b);
    if (!ta.ok()) return Fail(err, ta.status());
    if (!tb.ok()) return Fail(err, tb.status());
    out << UnifiedDiff(*ta, *tb, files[0], files[1]);
    return kExitOk;
  }
  auto ta = ParseTree(*a);
  auto tb = ParseTree(*b);
  if (!ta.ok()) return Fail(err, ta.status());
  if (!tb.ok()) return Fail(err, tb.status());
  out << FormatTreeChanges(DiffTrees(*ta, *tb));
  return kExitOk;
}

// --- regress ----------------------------------------------------------------

int Regress(Args& args, std::ostream& out, std::ostream& err) {
  std::string corpus, symbols, live_path, value, error;
  std::vector<std::string> overlay_paths;
  while (!args.Done()) {
    if (IsHelp(args.Peek())) {
      out << kRegressUsage;
      return kExitOk;
    }
    if (args.Value("--corpus", &corpus, &error) ||
        args.Value("--symbols", &symbols, &error) ||
        args.Value("--live", &live_path, &error)) {
      if (!error.empty()) return Usage(err, error, kRegressUsage);
      continue;
    }
    if (args.Value("--overlay", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kRegressUsage);
      overlay_paths.push_back(value);
      continue;
    }
    return Usage(err, "unknown argument " + args.Next(), kRegressUsage);
  }
  if (corpus.empty() || live_path.empty()) {
    return Usage(err, "regress needs --corpus DIR and --live LIVE", kRegressUsage);
  }
  auto live = Fdt::FromFile(live_path);
  if (!live.ok()) return Fail(err, live.status());
  RegressOptions options;
  options.corpus_dir = corpus;
  options.symbols_dir = symbols;
  options.live = &*live;
  options.profile = &OrangePiZero2WProfile();
  for (const std::string& p : overlay_paths) {
    auto o = Fdt::FromFile(p);
    if (!o.ok()) return Fail(err, o.status());
    options.overlays.push_back(*std::move(o));
  }
  auto results = RunRegression(options);
  if (!results.ok()) return Fail(err, results.status());
  out << FormatRegression(*results);
  for (const LineResult& r : *results) {
    if (r.outcome == LineResult::Outcome::kFail) return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace

int RunCli(const std::vector<std::string>& argv, std::ostream& out,
           std::ostream& err) {
  if (argv.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  const std::string& command = argv[0];
  if (IsHelp(command) || command == "help") {
    out << kUsage;
    return kExitOk;
  }
  Args args(std::vector<std::string>(argv.begin() + 1, argv.end()));
  using Command = int (*)(Args&, std::ostream&, std::ostream&);
  const std::map<std::string, Command> commands = {
      {"inspect", Inspect}, {"dump", Dump},   {"apply", Apply},
      {"reconcile", Reconcile}, {"diff", Diff}, {"regress", Regress},
  };
  const auto it = commands.find(command);
  if (it == commands.end()) {
    err << "fdt-handoff: unknown command '" << command << "'\n\n" << kUsage;
    return kExitUsage;
  }
  return it->second(args, out, err);
}

}  // namespace fdt_handoff
