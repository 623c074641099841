#include "tools/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/optional.h"
#include "fdt/blob.h"
#include "fdt/command_line.h"
#include "fdt/diff.h"
#include "fdt/dts_text.h"
#include "fdt/escape.h"
#include "fdt/file_io.h"
#include "fdt/memory.h"
#include "fdt/overlay.h"
#include "fdt/reconcile.h"
#include "fdt/regress.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"
#include "kexec/handoff.h"
#include "kexec/image.h"
#include "kexec/memory_map.h"
#include "kexec/syscall.h"
#include "kexec/verify/sha256.h"
#include "tools/boot_command.h"
#include "tools/kernel_package.h"
#include "tools/temp_file_cleanup.h"

namespace fdt_handoff {
namespace {

constexpr char kDefaultLive[] = "/sys/firmware/fdt";

constexpr char kProcCmdline[] = "/proc/cmdline";
constexpr char kProcIomem[] = "/proc/iomem";

// Appended to every usage text (adjacent literals), so each --help says it.
#define FDT_HANDOFF_EXIT_STATUS_HELP                                         \
  "\nExit status: 0 success; 1 bad input (a file, a tree, an overlay, an\n" \
  "option's value), or standard output could not be written;\n"             \
  "2 bad usage (unknown command, option or rule, missing argument);\n"      \
  "3 refused by the system (permission denied: not root, EPERM, lockdown,\n" \
  "kexec_load_disabled, an unreadable input; load and exec on a host that\n" \
  "is not arm64 or a kernel without kexec). '--' ends the options.\n"

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
  plan --kernel K --dtb D ...  dry run of a kexec handoff: segments, entry,
                               DTB changes (any host)
  load --kernel K --dtb D ...  load it with kexec_load (arm64, root)
  exec --kernel K --dtb D ...  load it and reboot into it (arm64, root)
  regress (--corpus DIR | --package PKG) --live LIVE [--profile F]... [--json]
                               board profiles over a kernel package (.deb or
                               folder) or a DTB corpus: one verdict per board
                               and kernel, exit 1 if any fails
  boot --root DIR [--json]     what mdboot would boot from a mounted RAID root

Run 'fdt-handoff COMMAND --help' for a command's options.
)" FDT_HANDOFF_EXIT_STATUS_HELP;

constexpr char kInspectUsage[] = R"(usage: fdt-handoff inspect DTB

Prints the model, root compatible, size, whether /__symbols__ is present,
memory, /reserved-memory regions, /memreserve/ entries and /chosen.
)" FDT_HANDOFF_EXIT_STATUS_HELP;

constexpr char kDumpUsage[] = R"(usage: fdt-handoff dump DTB

Prints the DTB as canonical DTS: properties and nodes sorted by name, strings
decoded, cells in hex. Two trees that differ only in order dump the same.
)" FDT_HANDOFF_EXIT_STATUS_HELP;

constexpr char kApplyUsage[] =
    R"(usage: fdt-handoff apply BASE OVERLAY... -o OUT [--symbols-from DTB] [--force]

Applies the overlays in order, all or nothing; OUT is written only if every
overlay applied. If BASE has no /__symbols__ (Debian and upstream DTBs), the
labels the overlays use are grafted from --symbols-from, a DTB of the same
board built with dtc -@.

  -o, --output OUT       where to write the result
  --symbols-from DTB     label source for a base without __symbols__
  --force                apply overlays whose compatible names another board
)" FDT_HANDOFF_EXIT_STATUS_HELP;

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
)" FDT_HANDOFF_EXIT_STATUS_HELP;

constexpr char kKexecOptions[] = R"(
  --kernel IMAGE           the target kernel: arm64 Image, Image.gz,
                           Image.zst, EFI zboot (gzip/zstd) or a U-Boot
                           legacy image around one
  --initrd FILE            the initrd (a U-Boot legacy header, as on Armbian's
                           uInitrd, is stripped); --ramdisk is the same
  --dtb TARGET             the target kernel's DTB (required)
  --iomem FILE             usable RAM from this /proc/iomem (load and exec
                           read /proc/iomem by default; plan only if given)
  --dtb-out FILE           also write the final DTB here
  --verify                 use the verifying purgatory: before it enters the
                           kernel it checks the sha256 of every other segment;
                           on a mismatch it prints to the UART the DTB's
                           stdout-path names and halts (slower: it hashes with
                           the MMU and data cache off)
  --timings                print to stderr the milliseconds spent reading
                           (mapping) files, parsing the kernel, reconciling
                           the DTB, planning, hashing for --verify and in
                           kexec_load
  and every DTB option of 'reconcile': --live, --no-live, --overlay,
  --symbols-from, --force, --memory, --append/--command-line,
  --reuse-cmdline, --no-seeds, --keep-memreserve, --skip-rule

load and exec also exit 3 when kexec_load or the reboot is refused with
EPERM (not root, lockdown, kernel.kexec_load_disabled) or the running kernel
has no kexec (ENOSYS).
)" FDT_HANDOFF_EXIT_STATUS_HELP;

constexpr char kPlanUsage[] =
    R"(usage: fdt-handoff plan --kernel IMAGE --dtb TARGET [--initrd FILE] [options] [--json] [--page-size N]

Dry run on any host: prints the segment table (physical ranges, sizes,
roles), the entry point and the DTB change report of what 'load' would hand
to kexec_load.

  --json                   print one JSON object instead of text
  --page-size N            the target's page size: 4K, 16K or 64K (default:
                           this host's)
)";

constexpr char kLoadUsage[] =
    R"(usage: fdt-handoff load --kernel IMAGE --dtb TARGET [--initrd FILE] [options]

Like plan, then loads the segments with kexec_load(2) and our purgatory,
which hands the new kernel exactly this DTB. Needs root on an arm64 board.
)";

constexpr char kExecUsage[] =
    R"(usage: fdt-handoff exec --kernel IMAGE --dtb TARGET [--initrd FILE] [options]

Like load, then syncs and reboots into the loaded kernel
(reboot(LINUX_REBOOT_CMD_KEXEC)). Needs root on an arm64 board.
)";

constexpr char kDiffUsage[] = R"(usage: fdt-handoff diff A B [--text]

Prints the nodes and properties added (+), removed (-) and changed (~)
from A to B, and /memreserve/ differences. --text prints a unified diff of
the canonical DTS texts instead. Exit status 0 either way.
)" FDT_HANDOFF_EXIT_STATUS_HELP;

constexpr char kRegressUsage[] =
    R"(usage: fdt-handoff regress (--corpus DIR | --package PKG) --live LIVE
        [--profile FILE]... [--overlay DTBO]... [--symbols DIR] [--json]

Runs board profiles over kernel DTBs: reconciles each board's DTB against
LIVE with the profile's overlays, checks the profile's expectations and the
fixups, and prints one verdict per board and kernel. Exit status 1 if any
verdict is FAIL.

  --corpus DIR     one folder per kernel with its DTBs (DIR/6.12/, DIR/7.2.13/);
                   each profile gets a verdict per folder
  --package PKG    one kernel package: a .deb (extracted with dpkg-deb and tar)
                   or an unpacked folder, Debian 6.x (usr/lib/linux-image-*/),
                   Debian 7.x linux-base-* (usr/lib/modules/*/dtb/) or Armbian
                   (boot/dtb-*/); every H616/H618 DTB in it gets a verdict, by
                   its profile or else by the fixup checks alone
  --live LIVE      the FDT the bootloader hands Linux (required)
  --profile FILE   a board profile (repeatable; format: fdt/regress_profile.h);
                   default: the built-in Orange Pi Zero 2W profile
                   (fdt/profiles/orangepi-zero2w.profile)
  --overlay DTBO   an overlay a profile names, matched by file name (a
                   --profile FILE's overlays are also looked for beside it)
  --symbols DIR    DTBs built with dtc -@, one folder per kernel line: labels
                   for DTBs without __symbols__ come from the same kernel's
                   folder or else the nearest older one (said per board)
  --json           print one JSON object instead of text (for CI)
)" FDT_HANDOFF_EXIT_STATUS_HELP;

bool IsHelp(const std::string& a) { return a == "--help" || a == "-h"; }

// Command-line arguments with their positions consumed left to right. The
// first "--" ends the options: what follows is an operand even if it starts
// with '-' (a file named "-o" or "--help").
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}
  // True when all are consumed; steps over the first "--".
  bool Done() {
    if (!options_ended_ && i_ < args_.size() && args_[i_] == "--") {
      options_ended_ = true;
      ++i_;
    }
    return i_ >= args_.size();
  }
  bool OptionsEnded() const { return options_ended_; }
  const std::string& Peek() const { return args_[i_]; }
  std::string Next() { return args_[i_++]; }
  // The next argument is an option (before "--", starts with '-', not "-").
  bool AtOption() const {
    return !options_ended_ && args_[i_].size() > 1 && args_[i_][0] == '-';
  }
  bool AtHelp() const { return !options_ended_ && IsHelp(args_[i_]); }

  // For "--name=value" and "--name value"; true when `name` matched.
  bool Value(absl::string_view name, std::string* value, std::string* error) {
    if (options_ended_) return false;
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
  bool options_ended_ = false;
};

// `text` for a message: quoted, control bytes escaped.
std::string Quoted(absl::string_view text) {
  return absl::StrCat("'", absl::CHexEscape(text), "'");
}

// ParseNumber(): decimal or 0x hex with an optional K, M or G suffix, for
// option `what`. Stricter than strtoull on purpose: no blanks, no sign (" -1"
// would wrap to 2^64-1), no leading zero (strtoull reads 010 as octal 8).
absl::StatusOr<uint64_t> ParseNumber(absl::string_view text,
                                     absl::string_view what) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", Quoted(text), " is not a number: ", why));
  };
  absl::string_view digits = text;
  int shift = 0;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      default: break;
    }
    if (shift != 0) digits.remove_suffix(1);
  }
  int base = 10;
  if (absl::StartsWith(digits, "0x") || absl::StartsWith(digits, "0X")) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.size() > 1 && digits[0] == '0') {
    return bad("a leading zero (octal is not taken); write it in decimal "
               "without the zero, or in hex with 0x");
  }
  if (digits.empty()) return bad("no digits (decimal, or hex with 0x)");
  uint64_t v = 0;
  for (char c : digits) {
    int d = -1;
    if (absl::ascii_isdigit(c)) {
      d = c - '0';
    } else if (base == 16 && absl::ascii_isxdigit(c)) {
      d = absl::ascii_tolower(c) - 'a' + 10;
    }
    if (d < 0) {
      return bad(absl::StrCat(Quoted(std::string(1, c)),
                              " is not a ", base == 16 ? "hex" : "decimal",
                              " digit (no blanks or signs; a K, M or G "
                              "suffix may follow)"));
    }
    if (v > (~uint64_t{0} - d) / base) return bad("more than 64 bits");
    v = v * base + d;
  }
  if (shift != 0 && v > (~uint64_t{0} >> shift)) return bad("more than 64 bits");
  return v << shift;
}

// ParseMemoryRange(): --memory BASE:SIZE, a non-empty range below 2^64.
absl::StatusOr<MemoryRange> ParseMemoryRange(absl::string_view value) {
  const size_t colon = value.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--memory: ", Quoted(value), " is not BASE:SIZE, e.g. 0x40000000:1G"));
  }
  MemoryRange r;
  ASSIGN_OR_RETURN(r.base, ParseNumber(value.substr(0, colon), "--memory BASE"));
  ASSIGN_OR_RETURN(r.size, ParseNumber(value.substr(colon + 1), "--memory SIZE"));
  if (r.size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--memory ", Quoted(value), ": SIZE is 0"));
  }
  if (r.size > ~r.base) {  // base + size must stay below 2^64.
    return absl::InvalidArgumentError(absl::StrFormat(
        "--memory %s: the range wraps past 2^64 (BASE 0x%x + SIZE 0x%x)",
        Quoted(value), r.base, r.size));
  }
  return r;
}

// ParsePageSize(): --page-size, one of arm64's three page sizes.
absl::StatusOr<uint64_t> ParsePageSize(absl::string_view text) {
  ASSIGN_OR_RETURN(const uint64_t v, ParseNumber(text, "--page-size"));
  if (v != 4096 && v != 16384 && v != 65536) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--page-size ", Quoted(text), ": arm64 pages are 4K, 16K or 64K "
        "(4096, 16384 or 65536 bytes), not ", v));
  }
  return v;
}

// ExitCodeFor(): kExitEnvironment when the system refused (permission
// denied: not root, EPERM from kexec_load, lockdown, kexec_load_disabled, an
// unreadable /sys/firmware/fdt or output directory), else kExitBadInput.
// Refusals that are the environment's whatever their code (a binary that is
// not arm64, ENOSYS from kexec_load) return kExitEnvironment where they are
// found, since kUnimplemented also means an unsupported input file.
int ExitCodeFor(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied
             ? kExitEnvironment
             : kExitBadInput;
}

int Fail(std::ostream& err, const absl::Status& status) {
  err << "fdt-handoff: " << status.message() << "\n";
  return ExitCodeFor(status);
}

int Usage(std::ostream& err, absl::string_view message,
          absl::string_view usage) {
  err << "fdt-handoff: " << message << "\n\n" << usage;
  return kExitUsage;
}

// Outputs DTB files: 0600 when they carry /chosen seeds (a new file only; an
// existing one keeps its mode), and registered for removal on a signal.
absl::Status WriteDtb(const std::string& path, const Fdt& dtb) {
  WriteOptions options;
  options.on_temp_file = RegisterTempFile;
  const FdtEditor reader(dtb);  // A copy, but no tree: this is on load's path.
  options.owner_only = reader.Property("/chosen", "kaslr-seed").has_value() ||
                       reader.Property("/chosen", "rng-seed").has_value();
  return WriteFileAtomic(path, dtb.bytes(), options);
}

// The exit status once the command ran: a failed standard output (a full
// disk, a closed pipe) makes a successful run a failed one.
int CheckStdout(int code, std::ostream& out, std::ostream& err) {
  out.flush();
  if (!out.fail()) return code;
  err << "fdt-handoff: cannot write to standard output (disk full?); what "
         "it shows is incomplete\n";
  return code == kExitOk ? kExitBadInput : code;
}

// --- inspect ------------------------------------------------------------

int Inspect(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  while (!args.Done()) {
    if (args.AtHelp()) {
      out << kInspectUsage;
      return kExitOk;
    }
    if (args.AtOption()) {
      return Usage(err, "unknown option " + args.Next(), kInspectUsage);
    }
    files.push_back(args.Next());
  }
  if (files.size() != 1) return Usage(err, "inspect takes one DTB", kInspectUsage);
  auto fdt = Fdt::FromFile(files[0]);
  if (!fdt.ok()) return Fail(err, fdt.status());
  auto tree = ParseTree(*fdt);
  if (!tree.ok()) return Fail(err, tree.status());
  out << "file:        " << files[0] << "\n";
  out << "size:        " << fdt->size() << " bytes\n";
  // Model, compatible and names are whatever the blob holds: escaped, so a
  // newline cannot forge a line and an escape sequence cannot reach the
  // terminal.
  out << "model:       "
      << (fdt->Model().empty() ? "(none)" : Escaped(fdt->Model())) << "\n";
  std::vector<std::string> compatible;
  for (const std::string& c : fdt->Compatible()) compatible.push_back(Escaped(c));
  out << "compatible:  \"" << absl::StrJoin(compatible, "\", \"") << "\"\n";
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
    out << "reserved:    /reserved-memory/" << Escaped(r.name) << " "
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
      out << "chosen:      " << Escaped(p.name) << " = " << FormatValue(p)
          << "\n";
    }
  }
  return kExitOk;
}

// --- dump -----------------------------------------------------------------

int Dump(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  while (!args.Done()) {
    if (args.AtHelp()) {
      out << kDumpUsage;
      return kExitOk;
    }
    if (args.AtOption()) {
      return Usage(err, "unknown option " + args.Next(), kDumpUsage);
    }
    files.push_back(args.Next());
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
    if (args.AtHelp()) {
      out << kApplyUsage;
      return kExitOk;
    }
    if (args.Value("-o", &output, &error) ||
        args.Value("--output", &output, &error) ||
        args.Value("--symbols-from", &symbols_from, &error)) {
      if (!error.empty()) return Usage(err, error, kApplyUsage);
      continue;
    }
    const bool option = args.AtOption();
    std::string a = args.Next();
    if (option && a == "--force") {
      force = true;
    } else if (option) {
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
  const absl::Status written = WriteDtb(output, *result);
  if (!written.ok()) return Fail(err, written);
  for (const std::string& a : report.applied) out << "applied " << a << "\n";
  for (const GraftedLabel& g : report.grafted) {
    out << "grafted label '" << Escaped(g.label) << "' -> " << Escaped(g.path)
        << " from " << g.source
        << (g.phandle_added ? absl::StrFormat(" (phandle 0x%x added)", g.phandle)
                            : "")
        << "\n";
  }
  out << "wrote " << output << " (" << result->size() << " bytes)\n";
  return kExitOk;
}

// --- shared DTB options (reconcile, plan, load, exec) ---------------------

// The flags that say how the handoff DTB is built.
struct DtbFlags {
  std::string dtb;
  std::string live_path;
  std::string symbols_from;
  bool no_live = false;
  bool reuse_cmdline = false;
  std::vector<std::string> overlay_paths;
  ReconcileOptions options;  // append, memory, seeds, skip_rules, ...
  absl::optional<uint64_t> initrd_start, initrd_end;
  // The first well-formed option with a wrong value (a wrapping --memory, a
  // bad --initrd-start): LoadDtbInputs() returns it before reading.
  absl::Status bad_value;
};

// The blobs DtbFlags name. Owns what ReconcileOptions points at; must stay
// where it is while those options are used.
struct DtbInputs {
  absl::optional<Fdt> target;
  absl::optional<Fdt> live;
  absl::optional<Fdt> symbols;
};

void NoteBadValue(DtbFlags* f, const absl::Status& s) {
  if (f->bad_value.ok()) f->bad_value = s;
}

// `s` with "`what`: " in front of its message.
absl::Status Prefixed(absl::string_view what, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

// Usage check of --skip-rule: a rule name is a word of the CLI, like an
// option. Returns "" when `name` is a rule.
std::string CheckRuleName(const std::string& name) {
  std::vector<std::string> names;
  for (const ReconcileRule& r : ReconcilePolicy()) {
    if (name == r.name) return "";
    names.emplace_back(r.name);
  }
  return absl::StrCat("--skip-rule: unknown rule ", Quoted(name), "; rules: ",
                      absl::StrJoin(names, ", "));
}

// The DTB flags naming files.
bool ParseDtbPathFlag(Args& args, DtbFlags* f, std::string* error) {
  std::string value;
  if (args.Value("--dtb", &f->dtb, error) ||
      args.Value("--live", &f->live_path, error) ||
      args.Value("--symbols-from", &f->symbols_from, error)) {
    return true;
  }
  if (args.Value("--overlay", &value, error)) {
    f->overlay_paths.push_back(value);
    return true;
  }
  return false;
}

// The DTB flags with a value to check.
bool ParseDtbValueFlag(Args& args, DtbFlags* f, std::string* error) {
  std::string value;
  if (args.Value("--append", &value, error) ||
      args.Value("--command-line", &value, error)) {
    f->options.append = value;  // The last one wins; checked once parsed.
    return true;
  }
  if (args.Value("--skip-rule", &value, error)) {
    if (error->empty()) *error = CheckRuleName(value);
    f->options.skip_rules.push_back(value);
    return true;
  }
  if (args.Value("--memory", &value, error)) {
    absl::StatusOr<MemoryRange> r = ParseMemoryRange(value);
    if (r.ok()) {
      f->options.memory.push_back(*r);
    } else if (error->empty()) {
      NoteBadValue(f, r.status());
    }
    return true;
  }
  const std::string a = args.Peek();
  if (args.Value("--initrd-start", &value, error) ||
      args.Value("--initrd-end", &value, error)) {
    const bool start = absl::StartsWith(a, "--initrd-start");
    absl::StatusOr<uint64_t> v =
        ParseNumber(value, start ? "--initrd-start" : "--initrd-end");
    if (!v.ok()) NoteBadValue(f, v.status());
    // Set even when bad, so the pair check passes and the value's error
    // is the one reported.
    (start ? f->initrd_start : f->initrd_end) = v.ok() ? *v : 0;
    return true;
  }
  return false;
}

// Consumes one DTB flag at the front of `args`; false if it is not one.
// A missing value or unknown rule sets `error` (usage); a wrong value is
// kept in `f->bad_value`.
bool ParseDtbFlag(Args& args, DtbFlags* f, std::string* error) {
  if (args.OptionsEnded()) return false;
  if (ParseDtbPathFlag(args, f, error) || ParseDtbValueFlag(args, f, error)) {
    return true;
  }
  static const std::map<std::string, std::function<void(DtbFlags*)>> kSwitches = {
      {"--no-live", [](DtbFlags* d) { d->no_live = true; }},
      {"--reuse-cmdline", [](DtbFlags* d) { d->reuse_cmdline = true; }},
      {"--no-seeds", [](DtbFlags* d) { d->options.seeds = false; }},
      {"--keep-memreserve", [](DtbFlags* d) { d->options.keep_memreserve = true; }},
      {"--force", [](DtbFlags* d) { d->options.force_overlays = true; }},
  };
  const auto it = kSwitches.find(args.Peek());
  if (it == kSwitches.end()) return false;
  it->second(f);
  args.Next();
  return true;
}

// Usage checks shared by the commands; returns "" when fine.
std::string CheckDtbFlags(const DtbFlags& f) {
  if (f.dtb.empty()) return "needs --dtb TARGET";
  if (f.no_live && !f.live_path.empty()) {
    return "--live and --no-live exclude each other";
  }
  if (f.initrd_start.has_value() != f.initrd_end.has_value()) {
    return "give both --initrd-start and --initrd-end, or neither";
  }
  return "";
}

// The command line with --reuse-cmdline, once /proc/cmdline is read: its
// words (minus BOOT_IMAGE=), then the whole line as the bootargs rule joins
// it. Reconcile() checks the same; here each part is named. (--append alone
// is checked before anything is read.)
absl::Status CheckReusedCommandLine(const ReconcileOptions& o) {
  if (!o.reused_cmdline.has_value()) return absl::OkStatus();
  const std::string reused = StripBootImage(*o.reused_cmdline);
  RETURN_IF_ERROR(Prefixed(kProcCmdline, CheckCommandLine(reused)));
  return Prefixed(
      absl::StrFormat("--reuse-cmdline (%d bytes from %s) and --append (%d "
                      "bytes)",
                      reused.size(), kProcCmdline,
                      o.append.has_value() ? o.append->size() : 0),
      CheckCommandLine(KernelCommandLine(o).value_or("")));
}

// Reads every file DtbFlags name and points flags->options at them.
absl::Status LoadDtbInputs(DtbFlags* f, DtbInputs* in) {
  RETURN_IF_ERROR(f->bad_value);
  if (f->options.append.has_value()) {
    RETURN_IF_ERROR(Prefixed("--append", CheckCommandLine(*f->options.append)));
  }
  ASSIGN_OR_RETURN(in->target, Fdt::FromFile(f->dtb));
  if (!f->no_live) {
    // The blocks only: the live FDT is input to read from, and its free
    // space (QEMU's: 1 MiB, 7.6 KB used) would only be read and checked.
    auto live = Fdt::FromFileBlocks(f->live_path.empty() ? kDefaultLive
                                                         : f->live_path);
    if (!live.ok()) {
      if (!f->live_path.empty()) return live.status();
      return absl::Status(live.status().code(),
                          absl::StrCat(live.status().message(),
                                       " (pass --live FILE, or --no-live with "
                                       "--memory)"));
    }
    in->live = *std::move(live);
    f->options.live = &*in->live;
  }
  for (const std::string& p : f->overlay_paths) {
    ASSIGN_OR_RETURN(Fdt o, Fdt::FromFile(p));
    f->options.overlays.push_back(std::move(o));
  }
  if (!f->symbols_from.empty()) {
    ASSIGN_OR_RETURN(in->symbols, Fdt::FromFile(f->symbols_from));
    f->options.symbols_from = &*in->symbols;
  }
  if (f->reuse_cmdline) {
    ASSIGN_OR_RETURN(f->options.reused_cmdline, ReadTextFile(kProcCmdline));
  }
  RETURN_IF_ERROR(CheckReusedCommandLine(f->options));
  f->options.initrd_start = f->initrd_start;
  f->options.initrd_end = f->initrd_end;
  return absl::OkStatus();
}

// --- reconcile --------------------------------------------------------------

int Reconcile(Args& args, std::ostream& out, std::ostream& err) {
  DtbFlags flags;
  std::string output, error;
  bool show_diff = false;
  while (!args.Done()) {
    if (args.AtHelp()) {
      out << kReconcileUsage;
      return kExitOk;
    }
    if (!args.OptionsEnded() && args.Peek() == "--list-rules") {
      for (const ReconcileRule& r : ReconcilePolicy()) {
        out << absl::StrFormat("%-16s %s\n", r.name, r.description);
      }
      return kExitOk;
    }
    if (args.Value("-o", &output, &error) ||
        args.Value("--output", &output, &error) ||
        ParseDtbFlag(args, &flags, &error)) {
      if (!error.empty()) return Usage(err, error, kReconcileUsage);
      continue;
    }
    const bool option = args.AtOption();
    const std::string flag = args.Next();
    if (option && flag == "--diff") {
      show_diff = true;
    } else {
      return Usage(err, "unknown argument " + flag, kReconcileUsage);
    }
  }
  const std::string problem = CheckDtbFlags(flags);
  if (!problem.empty()) return Usage(err, "reconcile " + problem, kReconcileUsage);
  if (output.empty()) return Usage(err, "reconcile needs -o OUT", kReconcileUsage);

  DtbInputs inputs;
  const absl::Status loaded = LoadDtbInputs(&flags, &inputs);
  if (!loaded.ok()) return Fail(err, loaded);
  ReconcileReport report;
  auto result = fdt_handoff::Reconcile(*inputs.target, flags.options, &report);
  if (!result.ok()) return Fail(err, result.status());
  const absl::Status written = WriteDtb(output, *result);
  if (!written.ok()) return Fail(err, written);
  out << report.Format();
  out << "wrote " << output << " (" << result->size() << " bytes)\n";
  if (show_diff) {
    auto before = DumpDts(*inputs.target);
    auto after = DumpDts(*result);
    if (!before.ok()) return Fail(err, before.status());
    if (!after.ok()) return Fail(err, after.status());
    out << "\n" << UnifiedDiff(*before, *after, flags.dtb, output);
  }
  return kExitOk;
}

// --- plan, load, exec ---------------------------------------------------------

enum class KexecMode { kPlan, kLoad, kExec };

// What a plan/load/exec command line asks for.
struct KexecRequest {
  KexecMode mode = KexecMode::kPlan;
  std::string name;   // "plan", "load" or "exec".
  std::string usage;  // Its --help text.
  DtbFlags flags;
  std::string kernel_path, initrd_path, iomem_path, dtb_out, page_text;
  uint64_t page_size = 0;
  bool json = false;
  bool verify = false;
  bool timings = false;
};

// Where a plan/load/exec run spent its time (--timings), in ms.
struct KexecTimings {
  double read = 0, parse = 0, reconcile = 0, plan = 0, verify = 0,
         syscall = 0;
};

// Everything read from disk for one handoff; HandoffInput points into it.
struct KexecFiles {
  DtbInputs dtbs;
  absl::optional<Arm64Image> kernel;
  absl::optional<Initrd> initrd;
  absl::optional<std::vector<MemoryRange>> iomem;
};

using KexecClock = std::chrono::steady_clock;

double MsSince(KexecClock::time_point start) {
  return std::chrono::duration<double, std::milli>(KexecClock::now() - start)
      .count();
}

// A refused kexec_load or reboot. Exit status 3 when the machine, not the
// input, refused (see kExitEnvironment): kPermissionDenied (EPERM: not root,
// lockdown, kernel.kexec_load_disabled) and kUnimplemented (ENOSYS: no
// CONFIG_KEXEC; ENOEXEC: not arm64) from LoadSegments()/RebootIntoKexec().
int FailKexecCall(std::ostream& err, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnimplemented) {
    return Fail(err, status);  // kPermissionDenied is 3 there.
  }
  err << "fdt-handoff: " << status.message() << "\n";
  return kExitEnvironment;
}

// Consumes the command line into `req`. Returns an exit status when the
// command is done (--help, bad usage), absl::nullopt to go on.
absl::optional<int> ParseKexecArgs(Args& args, std::ostream& out,
                                   std::ostream& err, KexecRequest* req) {
  std::string error;
  while (!args.Done()) {
    const std::string& a = args.Peek();
    if (IsHelp(a)) {
      out << req->usage;
      return kExitOk;
    }
    if (args.Value("--kernel", &req->kernel_path, &error) ||
        args.Value("--initrd", &req->initrd_path, &error) ||
        args.Value("--ramdisk", &req->initrd_path, &error) ||
        args.Value("--iomem", &req->iomem_path, &error) ||
        args.Value("--dtb-out", &req->dtb_out, &error) ||
        (req->mode == KexecMode::kPlan &&
         args.Value("--page-size", &req->page_text, &error)) ||
        ParseDtbFlag(args, &req->flags, &error)) {
      if (!error.empty()) return Usage(err, error, req->usage);
      continue;
    }
    const std::string flag = args.Next();
    if (flag == "--json" && req->mode == KexecMode::kPlan) {
      req->json = true;
    } else if (flag == "--verify") {
      req->verify = true;
    } else if (flag == "--timings") {
      req->timings = true;
    } else {
      return Usage(err, "unknown argument " + flag, req->usage);
    }
  }
  return absl::nullopt;
}

// What is wrong with the request as a whole, or "".
std::string KexecProblem(KexecRequest* req) {
  std::string problem = CheckDtbFlags(req->flags);
  if (req->kernel_path.empty()) problem = "needs --kernel IMAGE";
  if (req->flags.initrd_start.has_value()) {
    problem = "takes --initrd FILE; the planner chooses its address";
  }
  const std::vector<std::string>& skipped = req->flags.options.skip_rules;
  if (!req->initrd_path.empty() &&
      std::find(skipped.begin(), skipped.end(), "initrd") != skipped.end()) {
    problem =
        "--skip-rule initrd cannot go with --initrd: the initrd would be "
        "loaded but /chosen/linux,initrd-start/-end would not say where "
        "(missing, or stale from the live FDT); drop one of them";
  }
  return problem;
}

// The largest initrd worth reading: the usable RAM /proc/iomem lists minus
// the kernel's image_size; without /proc/iomem, a 2 GiB cap.
uint64_t InitrdLimit(const KexecFiles& files, std::string* name) {
  if (!files.iomem.has_value()) {
    *name = "the initrd cap (2 GiB; no /proc/iomem given)";
    return uint64_t{2} << 30;
  }
  uint64_t ram = 0;
  for (const MemoryRange& r : *files.iomem) ram += r.size;
  const uint64_t kernel = files.kernel->image_size;
  *name = "usable RAM left beside the kernel's image_size (from /proc/iomem)";
  return ram > kernel ? ram - kernel : 0;
}

// Reads and parses the DTBs, /proc/iomem, the kernel and the initrd, each
// once, into `files` (which req.flags.options then points into).
absl::Status ReadKexecFiles(KexecRequest* request, KexecFiles* files,
                            KexecTimings* t) {
  const KexecRequest& req = *request;
  KexecClock::time_point start = KexecClock::now();
  RETURN_IF_ERROR(LoadDtbInputs(&request->flags, &files->dtbs));
  // /proc/iomem describes the machine we run on: use it by default only
  // where we would load (load, exec), or when given.
  std::string iomem_path = req.iomem_path;
  if (iomem_path.empty() && req.mode != KexecMode::kPlan) {
    iomem_path = kProcIomem;
  }
  if (!iomem_path.empty()) {
    ASSIGN_OR_RETURN(const std::string text, ReadTextFile(iomem_path));
    ASSIGN_OR_RETURN(files->iomem, ParseIomem(text, iomem_path));
  }
  t->read += MsSince(start);
  // Mapped, not read: a raw Image goes from the page cache to kexec_load
  // without a copy of ours (ReadKernel()). Mapping and header checks are
  // one step, counted as "read"; "parse" is what decompression costs.
  start = KexecClock::now();
  ASSIGN_OR_RETURN(files->kernel,
                   ReadKernel(req.kernel_path,
                              static_cast<uint32_t>(req.page_size),
                              uint64_t{512} << 20));
  if (files->kernel->mapped.empty()) {
    t->parse += MsSince(start);
  } else {
    t->read += MsSince(start);
  }
  if (!req.initrd_path.empty()) {
    start = KexecClock::now();
    std::string limit_name;
    const uint64_t limit = InitrdLimit(*files, &limit_name);
    ASSIGN_OR_RETURN(files->initrd,
                     ReadInitrd(req.initrd_path, limit, limit_name));
    t->read += MsSince(start);
  }
  return absl::OkStatus();
}

HandoffInput MakeHandoffInput(const KexecRequest& req,
                              const KexecFiles& files) {
  HandoffInput in;
  in.kernel = files.kernel->bytes();
  in.text_offset = files.kernel->text_offset;
  in.image_size = files.kernel->image_size;
  in.kernel_page_size = files.kernel->page_size;
  if (files.initrd.has_value()) in.initrd = files.initrd->payload;
  in.target_dtb = &*files.dtbs.target;
  in.reconcile = req.flags.options;
  in.iomem = files.iomem.has_value() ? &*files.iomem : nullptr;
  in.page_size = req.page_size;
  in.verify = req.verify;
  return in;
}

void PrintHandoff(std::ostream& out, const KexecRequest& req,
                  const KexecFiles& files, const Handoff& handoff) {
  if (req.json) {
    out << FormatHandoffJson(handoff);
    return;
  }
  const Arm64Image& kernel = *files.kernel;
  out << "kernel " << req.kernel_path << ": " << kernel.format << ", "
      << kernel.bytes().size() << " bytes, text_offset "
      << absl::StrFormat("0x%x", kernel.text_offset) << ", image_size "
      << kernel.image_size << "\n";
  out << "usable RAM: " << FormatRanges(handoff.usable) << "\n";
  for (const std::string& note : handoff.memory_notes) {
    out << "note: " << note << "\n";
  }
  out << "\n" << FormatPlan(handoff.plan);
  if (handoff.verify) out << FormatPurgatory(handoff) << "\n";
  out << "\n" << handoff.report.Format();
}

void PrintTimings(std::ostream& err, const KexecRequest& req,
                  const KexecTimings& t) {
  err << absl::StrFormat(
      "timings: read %.1f ms, parse %.1f ms, reconcile %.1f ms, plan %.1f ms, "
      "verify %.1f ms%s, syscall %s\n",
      t.read, t.parse, t.reconcile, t.plan, t.verify,
      req.verify ? absl::StrCat(" (sha256 ",
                                Sha256EngineName(FastestSha256Engine()), ")")
                 : std::string(),
      req.mode == KexecMode::kPlan ? std::string("- (plan)")
                                   : absl::StrFormat("%.1f ms", t.syscall));
}

// kexec_load, then for exec the reboot. Refusals by the machine (EPERM:
// not root, lockdown, kexec_load_disabled; ENOSYS; not arm64) exit 3.
int LoadAndReboot(const KexecRequest& req, const HandoffInput& in,
                  const Handoff& handoff, KexecSyscalls& sys,
                  std::ostream& out, std::ostream& err, KexecTimings* t) {
  const KexecClock::time_point start = KexecClock::now();
  const absl::Status loaded = LoadSegments(
      sys, handoff.plan.purgatory_address, HandoffSegments(handoff, in));
  t->syscall = MsSince(start);
  if (req.timings) PrintTimings(err, req, *t);
  if (!loaded.ok()) return FailKexecCall(err, loaded);
  out << "loaded: the next kernel will receive this DTB ("
      << handoff.dtb.size() << " bytes at "
      << absl::StrFormat("0x%x", handoff.plan.dtb_address) << ")\n";
  if (req.mode == KexecMode::kLoad) return kExitOk;
  out << "rebooting into the loaded kernel\n";
  out.flush();
  return FailKexecCall(err, RebootIntoKexec(sys));
}

int Kexec(KexecMode mode, Args& args, std::ostream& out, std::ostream& err,
          KexecSyscalls& sys) {
  KexecRequest req;
  req.mode = mode;
  req.name = mode == KexecMode::kPlan   ? "plan"
             : mode == KexecMode::kLoad ? "load"
                                        : "exec";
  req.usage = absl::StrCat(mode == KexecMode::kPlan   ? kPlanUsage
                           : mode == KexecMode::kLoad ? kLoadUsage
                                                      : kExecUsage,
                           kKexecOptions);
  if (absl::optional<int> done = ParseKexecArgs(args, out, err, &req)) {
    return *done;
  }
  const std::string problem = KexecProblem(&req);
  if (!problem.empty()) {
    return Usage(err, absl::StrCat(req.name, " ", problem), req.usage);
  }
  req.page_size = static_cast<uint64_t>(getpagesize());
  if (!req.page_text.empty()) {
    absl::StatusOr<uint64_t> parsed = ParsePageSize(req.page_text);
    if (!parsed.ok()) return Fail(err, parsed.status());
    req.page_size = *parsed;
  }
  // Refuse before reading anything: only an arm64 binary can load a kernel.
  if (mode != KexecMode::kPlan && !sys.IsArm64()) {
    err << "fdt-handoff: " << req.name
        << ": this fdt-handoff is not an arm64 binary; load and exec only work "
           "on the arm64 board (use 'plan' to see what would be loaded)\n";
    return kExitEnvironment;
  }
  KexecTimings t;
  KexecFiles files;
  absl::Status s = ReadKexecFiles(&req, &files, &t);
  if (!s.ok()) return Fail(err, s);
  const HandoffInput in = MakeHandoffInput(req, files);
  absl::StatusOr<Handoff> handoff = PrepareHandoff(in);
  if (!handoff.ok()) return Fail(err, handoff.status());
  t.reconcile = handoff->timings.reconcile_ms;
  t.plan = handoff->timings.plan_ms;
  t.verify = handoff->timings.verify_ms;
  if (!req.dtb_out.empty()) {
    s = WriteDtb(req.dtb_out, handoff->dtb);
    if (!s.ok()) return Fail(err, s);
  }
  PrintHandoff(out, req, files, *handoff);
  if (mode == KexecMode::kPlan) {
    if (req.timings) PrintTimings(err, req, t);
    return kExitOk;
  }
  return LoadAndReboot(req, in, *handoff, sys, out, err, &t);
}

// --- diff -------------------------------------------------------------------

int Diff(Args& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  bool text = false;
  while (!args.Done()) {
    if (args.AtHelp()) {
      out << kDiffUsage;
      return kExitOk;
    }
    const bool option = args.AtOption();
    std::string a = args.Next();
    if (option && a == "--text") {
      text = true;
    } else if (option) {
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

struct RegressArgs {
  std::string corpus, package, symbols, live;
  std::vector<std::string> profiles, overlays;
  bool json = false;
};

// Parses regress's options; an exit status when parsing ends the command.
absl::optional<int> ParseRegressArgs(Args& args, RegressArgs* r,
                                     std::ostream& out, std::ostream& err) {
  std::string value, error;
  while (!args.Done()) {
    if (args.AtHelp()) {
      out << kRegressUsage;
      return kExitOk;
    }
    if (args.AtOption() && args.Peek() == "--json") {
      r->json = true;
      args.Next();
      continue;
    }
    if (args.Value("--corpus", &r->corpus, &error) ||
        args.Value("--package", &r->package, &error) ||
        args.Value("--symbols", &r->symbols, &error) ||
        args.Value("--live", &r->live, &error)) {
      if (!error.empty()) return Usage(err, error, kRegressUsage);
      continue;
    }
    if (args.Value("--overlay", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kRegressUsage);
      r->overlays.push_back(value);
      continue;
    }
    if (args.Value("--profile", &value, &error)) {
      if (!error.empty()) return Usage(err, error, kRegressUsage);
      r->profiles.push_back(value);
      continue;
    }
    return Usage(err, "unknown argument " + args.Next(), kRegressUsage);
  }
  if (r->corpus.empty() == r->package.empty()) {
    return Usage(err, "regress needs exactly one of --corpus DIR and --package PKG",
                 kRegressUsage);
  }
  if (r->live.empty()) {
    return Usage(err, "regress needs --live LIVE", kRegressUsage);
  }
  return absl::nullopt;
}

// Runs the verdicts of a --package or --corpus run.
absl::StatusOr<std::vector<LineResult>> RunRegressArgs(
    const RegressArgs& r, const RegressOptions& options, std::ostream& out) {
  if (r.package.empty()) return RunRegression(options);
  ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create());
  ASSIGN_OR_RETURN(KernelDtbs kernel, OpenKernelPackage(r.package, scratch));
  if (!r.json) {
    out << "kernel " << kernel.release << " from " << r.package << ": "
        << kernel.dtb_paths.size() << " H616/H618 DTBs\n";
  }
  return RunKernelRegression(kernel, options);
}

int Regress(Args& args, std::ostream& out, std::ostream& err) {
  RegressArgs r;
  if (auto done = ParseRegressArgs(args, &r, out, err)) return *done;
  auto live = Fdt::FromFile(r.live);
  if (!live.ok()) return Fail(err, live.status());
  auto profiles = LoadProfileRuns(r.profiles, r.overlays);
  if (!profiles.ok()) return Fail(err, profiles.status());
  RegressOptions options;
  options.corpus_dir = r.corpus;
  options.symbols_dir = r.symbols;
  options.live = &*live;
  options.profiles = *std::move(profiles);
  auto results = RunRegressArgs(r, options, out);
  if (!results.ok()) return Fail(err, results.status());
  out << (r.json ? FormatRegressionJson(*results) : FormatRegression(*results));
  return RegressFailed(*results) ? kExitBadInput : kExitOk;
}

}  // namespace

int RunCli(const std::vector<std::string>& argv, std::ostream& out,
           std::ostream& err, KexecSyscalls* kexec) {
  if (argv.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  const std::string& command = argv[0];
  if (IsHelp(command) || command == "help") {
    out << kUsage;
    return CheckStdout(kExitOk, out, err);
  }
  if (command == "boot") {
    return RunBootCommand({argv.begin() + 1, argv.end()}, out, err);
  }
  Args args(std::vector<std::string>(argv.begin() + 1, argv.end()));
  if (command == "plan" || command == "load" || command == "exec") {
    std::unique_ptr<KexecSyscalls> linux_kexec;
    if (kexec == nullptr) {
      linux_kexec = LinuxKexecSyscalls();
      kexec = linux_kexec.get();
    }
    const KexecMode mode = command == "plan"   ? KexecMode::kPlan
                           : command == "load" ? KexecMode::kLoad
                                               : KexecMode::kExec;
    return CheckStdout(Kexec(mode, args, out, err, *kexec), out, err);
  }
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
  return CheckStdout(it->second(args, out, err), out, err);
}

}  // namespace fdt_handoff
