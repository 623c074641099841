#include "tools/boot_command.h"

#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "init/boot.h"
#include "init/boot_dtb.h"
#include "init/discover.h"
#include "init/root_dir.h"
#include "kexec/handoff.h"
#include "tools/cli.h"

namespace fdt_handoff {

namespace {

constexpr char kBootUsage[] =
    R"(usage: fdt-handoff boot --root DIR [--json] [--uboot-fdtfile NAME] [--live FDT]

Shows what mdboot would boot from DIR, a mounted copy of the RAID root,
with the same library call as the init (init/boot.h PrepareBoot): the
configuration it follows (/boot/armbianEnv.txt, else
/boot/extlinux/extlinux.conf), the kernel, initrd and DTB (as configured,
and where their symlinks lead inside DIR), the overlays applied, failed or
missing, the kernel command line, every warning, the target preflight
(can the target assemble its own root?), the kexec plan and the DTB change
report. Symlinks resolve inside DIR, never on this host.

  --root DIR            the mounted root file system
  --json                one JSON object: config, label, kernel, initrd, dtb
                        (paths inside DIR), kernel_real, initrd_real,
                        dtb_real, overlays (applied), overlays_failed,
                        overlays_missing, cmdline, warnings, preflight,
                        notes, plan (null when not made), plan_error
  --uboot-fdtfile NAME  U-Boot's own fdtfile, used when armbianEnv.txt sets
                        none and for extlinux fdtdir (default
                        allwinner/sun50i-h618-orangepi-zero2w.dtb)
  --live FDT            the board's /sys/firmware/fdt (a copy), to reconcile
                        with and to plan in its memory; without it the plan
                        needs a /memory node in the target DTB

Preflight checks that need the array (its level, name, file system UUID)
are notes here; mdboot makes them on the board.
Exit status: 0 an entry would boot (warnings included), 1 nothing would
boot, 2 bad usage, 3 permission denied.
)";

constexpr char kDefaultFdtfile[] = "allwinner/sun50i-h618-orangepi-zero2w.dtb";


std::string Json(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      out += absl::StrFormat("\\u%04x", u);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string JsonList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& i : items) quoted.push_back(Json(i));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

// What the command reports, gathered once for both output formats.
struct Report {
  Discovery found;
  std::vector<std::string> applied;
  std::vector<std::string> failed;
  std::vector<std::string> missing;
  std::string cmdline;
  std::vector<std::string> warnings;
  absl::optional<PreparedBoot> boot;  // Set when the entry names a DTB.
};

// An entry without a DTB: mdboot cannot hand it over; the files are shown.
Report WithoutDtb(Discovery found) {
  Report r{std::move(found), {}, {}, {}, {}, {}, absl::nullopt};
  r.cmdline = r.found.entry.cmdline;
  r.warnings = r.found.entry.warnings;
  for (const OverlayFile& o : r.found.entry.overlays_missing) {
    r.missing.push_back(o.path);
  }
  for (const OverlayFile& o : r.found.entry.overlays) {
    r.applied.push_back(o.path);
  }
  if (!r.applied.empty()) {
    r.warnings.push_back("no DTB: the overlays were not checked");
  }
  return r;
}

absl::StatusOr<Report> Gather(const std::string& dir, const std::string& fdtfile,
                              const std::string& live_path) {
  auto root = RootDir::Open(dir);
  if (!root.ok()) return root.status();
  auto found = DiscoverBoot(*root, {fdtfile});
  if (!found.ok()) return found.status();
  if (found->dtb.path.empty()) return WithoutDtb(*std::move(found));
  absl::optional<Fdt> live;
  if (!live_path.empty()) {
    auto fdt = Fdt::FromFile(live_path);
    if (!fdt.ok()) return fdt.status();
    live.emplace(*std::move(fdt));
  }
  BootOptions options;
  options.discover.uboot_fdtfile = fdtfile;
  options.live = live.has_value() ? &*live : nullptr;
  options.identity = RootIdentity{};  // Unknown on a host: notes.
  options.require_plan = false;
  auto boot = PrepareBoot(*root, options);
  if (!boot.ok()) return boot.status();
  Report r{boot->found, boot->dtb.applied, {}, {}, boot->dtb.cmdline,
           boot->warnings, absl::nullopt};
  for (const FailedOverlay& f : boot->dtb.failed) r.failed.push_back(f.path);
  for (const OverlayFile& o : r.found.entry.overlays_missing) {
    r.missing.push_back(o.path);
  }
  r.boot.emplace(*std::move(boot));
  return r;
}

// FormatHandoffJson()'s object on one line (its strings hold no raw
// newline: they are escaped).
std::string OneLine(absl::string_view json) {
  std::string out;
  bool skip_indent = false;
  for (char c : json) {
    if (c == '\n') {
      skip_indent = true;
    } else if (!(skip_indent && c == ' ')) {
      skip_indent = false;
      out.push_back(c);
    }
  }
  return out;
}


void PrintText(const Report& r, std::ostream& out) {
  if (r.boot.has_value()) {
    out << FormatPreparedBoot(*r.boot);
    return;
  }
  const BootEntry& e = r.found.entry;
  out << absl::StrFormat("%-9s %s (label %s)\n", "config",
                         VisibleText(e.config), VisibleText(e.label));
  out << FormatFileLine("kernel", r.found.kernel)
      << FormatFileLine("initrd", r.found.initrd)
      << FormatFileLine("dtb", r.found.dtb);
  for (const std::string& p : r.applied) {
    out << absl::StrFormat("%-9s applied %s\n", "overlay", VisibleText(p));
  }
  for (const std::string& p : r.failed) {
    out << absl::StrFormat("%-9s FAILED  %s\n", "overlay", VisibleText(p));
  }
  for (const std::string& p : r.missing) {
    out << absl::StrFormat("%-9s missing %s\n", "overlay", VisibleText(p));
  }
  out << absl::StrFormat("%-9s %s\n", "cmdline", VisibleText(r.cmdline));
  for (const std::string& w : r.warnings) {
    out << absl::StrFormat("%-9s %s\n", "warning", VisibleText(w));
  }
}

void PrintJson(const Report& r, std::ostream& out) {
  const BootEntry& e = r.found.entry;
  out << "{\"config\": " << Json(e.config) << ", \"label\": " << Json(e.label)
      << ", \"kernel\": " << Json(r.found.kernel.path)
      << ", \"kernel_real\": " << Json(r.found.kernel.real)
      << ", \"initrd\": " << Json(r.found.initrd.path)
      << ", \"initrd_real\": " << Json(r.found.initrd.real)
      << ", \"dtb\": " << Json(r.found.dtb.path)
      << ", \"dtb_real\": " << Json(r.found.dtb.real)
      << ", \"overlays\": " << JsonList(r.applied)
      << ", \"overlays_failed\": " << JsonList(r.failed)
      << ", \"overlays_missing\": " << JsonList(r.missing)
      << ", \"cmdline\": " << Json(r.cmdline)
      << ", \"warnings\": " << JsonList(r.warnings);
  const bool planned = r.boot.has_value() && r.boot->handoff.has_value();
  out << ", \"preflight\": "
      << JsonList(r.boot.has_value() ? r.boot->preflight.warnings
                                     : std::vector<std::string>())
      << ", \"notes\": "
      << JsonList(r.boot.has_value() ? r.boot->preflight.notes
                                     : std::vector<std::string>())
      << ", \"plan\": "
      << (planned ? OneLine(FormatHandoffJson(*r.boot->handoff)) : "null")
      << ", \"plan_error\": "
      << Json(r.boot.has_value() ? r.boot->plan_error
                                 : "no DTB: nothing to hand over")
      << "}\n";
}

int Usage(std::ostream& err, absl::string_view message) {
  err << "fdt-handoff: " << message << "\n\n" << kBootUsage;
  return kExitUsage;
}

}  // namespace

int RunBootCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  std::string root;
  std::string fdtfile = kDefaultFdtfile;
  std::string live;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kBootUsage;
      return kExitOk;
    }
    std::string* value = a == "--root"            ? &root
                         : a == "--uboot-fdtfile" ? &fdtfile
                         : a == "--live"          ? &live
                                                  : nullptr;
    if (value != nullptr) {
      if (i + 1 >= args.size()) return Usage(err, a + " needs a value");
      *value = args[++i];
    } else if (absl::StartsWith(a, "--root=")) {
      root = a.substr(7);
    } else if (absl::StartsWith(a, "--uboot-fdtfile=")) {
      fdtfile = a.substr(16);
    } else if (absl::StartsWith(a, "--live=")) {
      live = a.substr(7);
    } else if (a == "--json") {
      json = true;
    } else if (a == "--" && i + 1 == args.size()) {
      // Ends the options; boot takes no other arguments.
    } else {
      return Usage(err, "unknown argument " + a);
    }
  }
  if (root.empty()) return Usage(err, "boot needs --root DIR");
  auto report = Gather(root, fdtfile, live);
  if (!report.ok()) {
    err << "fdt-handoff: " << VisibleText(report.status().message()) << "\n";
    return report.status().code() == absl::StatusCode::kPermissionDenied
               ? kExitEnvironment
               : kExitBadInput;
  }
  json ? PrintJson(*report, out) : PrintText(*report, out);
  out.flush();
  if (!out.good()) {
    err << "fdt-handoff: cannot write the output\n";
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace fdt_handoff
