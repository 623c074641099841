#include "init/armbian_env.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fdt/command_line.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

constexpr char kSep = '\n';

// 1-based line of byte `pos` in `text`, for messages.
size_t LineOf(absl::string_view text, size_t pos) {
  pos = std::min(pos, text.size());
  return 1 + static_cast<size_t>(
                 std::count(text.begin(), text.begin() + pos, kSep));
}

bool HasControl(absl::string_view s) {
  return FirstControlByte(s) != absl::string_view::npos;
}

// What U-Boot accepts silently but a board owner would not expect.
void CheckName(absl::string_view name, absl::string_view where,
               std::vector<std::string>& warnings) {
  if (name.empty() || name == "\r") return;  // A blank line (CRLF or not).
  if (name.find_first_of(" \t\r") != absl::string_view::npos ||
      HasControl(name)) {
    warnings.push_back(absl::StrCat(
        where, ": variable name \"", absl::CEscape(name),
        "\" contains blanks or control characters; U-Boot keeps them in the "
        "name, so the variable the boot script reads is not set"));
  }
}

void CheckValue(absl::string_view name, absl::string_view value,
                absl::string_view where, std::vector<std::string>& warnings) {
  if (value.find('\r') != absl::string_view::npos) {
    warnings.push_back(absl::StrCat(
        where, ": the value of '", absl::CEscape(name),
        "' contains a carriage return (DOS line endings?); U-Boot keeps it: \"",
        absl::CEscape(value), "\""));
  } else if (HasControl(value)) {
    warnings.push_back(absl::StrCat(where, ": the value of '",
                                    absl::CEscape(name),
                                    "' contains a control character: \"",
                                    absl::CEscape(value), "\""));
  }
}

}  // namespace

EnvImportResult ImportEnvText(absl::string_view text, absl::string_view origin,
                              UbootEnv& env) {
  EnvImportResult result;
  const size_t nul = text.find('\0');
  if (nul != absl::string_view::npos) {
    result.warnings.push_back(absl::StrCat(
        origin, " line ", LineOf(text, nul),
        ": a NUL byte; U-Boot's env import stops there"));
    text = text.substr(0, nul);
  }
  // himport_r works on a NUL-terminated copy; at() reads past the end as NUL.
  auto at = [&text](size_t k) { return k < text.size() ? text[k] : '\0'; };
  size_t i = 0;
  size_t line = 1;        // Line of `counted`; counted forward only, so a
  size_t counted = 0;     // large file stays linear.
  while (i < text.size()) {
    line += static_cast<size_t>(
        std::count(text.begin() + counted, text.begin() + i, kSep));
    counted = i;
    const std::string where = absl::StrCat(origin, " line ", line);
    while (at(i) == ' ' || at(i) == '\t') ++i;
    if (at(i) == '#') {
      while (at(i) != '\0' && at(i) != kSep) ++i;
      ++i;
      continue;
    }
    const size_t name_start = i;
    while (at(i) != '=' && at(i) != '\0' && at(i) != kSep) ++i;
    const std::string name(text.substr(name_start, i - name_start));
    CheckName(name, where, result.warnings);
    if (at(i) == '\0' || at(i) == kSep || at(i + 1) == '\0' ||
        at(i + 1) == kSep) {
      // `name` or `name=`: delete (hdelete_r of "" fails quietly).
      if (at(i) == '=') ++i;
      ++i;
      env.erase(name);
      continue;
    }
    ++i;  // '='
    std::string value;
    for (; at(i) != '\0' && at(i) != kSep; ++i) {
      if (at(i) == '\\' && at(i + 1) != '\0') ++i;
      value.push_back(at(i));
    }
    ++i;
    if (name.empty()) {
      result.warnings.push_back(absl::StrCat(
          where, ": \"=", absl::CEscape(value),
          "\" has no variable name; U-Boot's env import fails here, so the "
          "lines after it are not imported"));
      break;
    }
    CheckValue(name, value, where, result.warnings);
    env[name] = std::move(value);
  }
  return result;
}

namespace {

std::string Get(const UbootEnv& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

// `setexpr v sub R "" ${v}` with a literal R: the first match removed.
std::string RemoveFirst(const std::string& s, const std::string& needle) {
  const size_t at = s.find(needle);
  if (at == std::string::npos || needle.empty()) return s;
  return s.substr(0, at) + s.substr(at + needle.size());
}

// Hush splits an unquoted ${var} on blanks and newlines.
std::vector<std::string> Words(absl::string_view s) {
  return absl::StrSplit(s, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
}

// U-Boot's file systems read "a//b" as "a/b" and a path without a leading
// slash from the partition's root; so do we, so paths print cleanly.
std::string CleanPath(absl::string_view path) {
  std::string out = "/";
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

// The script's defaults, set before armbianEnv.txt is imported.
UbootEnv InitialEnv(const ArmbianOptions& options) {
  UbootEnv env;
  if (!options.uboot_fdtfile.empty()) env["fdtfile"] = options.uboot_fdtfile;
  env["prefix"] = options.prefix;
  env["load_addr"] = "0x45000000";
  env["overlay_error"] = "false";
  env["rootdev"] = "/dev/mmcblk0p1";
  env["verbosity"] = "1";
  env["rootfstype"] = "ext4";
  env["console"] = "both";
  env["docker_optimizations"] = "on";
  env["bootlogo"] = "false";
  env["vendor"] = "allwinner";
  // Remember U-Boot's default fdtfile without the vendor folder, and the
  // default fdtdir (`${prefix}dtb` + vendor unless already set).
  if (!Get(env, "fdtfile").empty()) {
    env["deffdt_file"] = RemoveFirst(env["fdtfile"], env["vendor"] + "/");
  }
  env["deffdt_dir"] = options.prefix + "dtb";
  env["fdtdir"] = env["deffdt_dir"] + "/" + env["vendor"];
  return env;
}

// The script's `test -e` cascade. On success `fdtdir`/`fdtfile` in `env`
// are the ones that matched.
absl::Status FindDtb(UbootEnv& env, const PathProbe& probe,
                     absl::string_view origin, BootEntry& entry) {
  const std::string vendor = Get(env, "vendor");
  if (!Get(env, "fdtfile").empty()) {
    env["fdtfile"] = RemoveFirst(env["fdtfile"], vendor + "/");
  }
  const std::string fdtfile = Get(env, "fdtfile");
  if (fdtfile.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": fdtfile is not set (and U-Boot's default is unknown); "
                "add e.g. fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb"));
  }
  const std::string deffdt_dir = Get(env, "deffdt_dir");
  const std::string deffdt_file = Get(env, "deffdt_file");
  const std::vector<std::pair<std::string, std::string>> candidates = {
      {Get(env, "fdtdir"), fdtfile},
      {deffdt_dir, fdtfile},
      {deffdt_dir + "/" + vendor, deffdt_file},
      {deffdt_dir, deffdt_file},
  };
  std::vector<std::string> tried;
  for (size_t k = 0; k < candidates.size(); ++k) {
    const auto& [dir, file] = candidates[k];
    if (k >= 2 && file.empty()) continue;  // No U-Boot default known.
    const std::string path = CleanPath(dir + "/" + file);
    if (std::find(tried.begin(), tried.end(), path) != tried.end()) continue;
    tried.push_back(path);
    if (!probe.Exists(path)) continue;
    if (k > 0) {
      entry.warnings.push_back(absl::StrCat(
          "the DTB ", tried.front(), " does not exist; using ", path,
          " (the boot script's fallback)"));
    }
    env["fdtdir"] = dir;
    env["fdtfile"] = file;
    entry.dtb = path;
    return absl::OkStatus();
  }
  std::string hint;
  if (fdtfile.find('\r') != std::string::npos) {
    hint = " (the name ends with a carriage return: the file has DOS line "
           "endings; convert it with dos2unix)";
  }
  std::vector<std::string> shown;
  for (const std::string& t : tried) shown.push_back(absl::CEscape(t));
  return absl::NotFoundError(absl::StrCat(
      origin, ": no DTB for fdtfile=", absl::CEscape(fdtfile), "; tried ",
      absl::StrJoin(shown, ", "), hint));
}

// consoleargs, then bootargs, in the script's words.
std::string BuildBootargs(UbootEnv& env) {
  const std::string console = Get(env, "console");
  if (console == "display" || console == "both") {
    env["consoleargs"] = "console=ttyS0,115200 console=tty1";
  }
  if (console == "serial") env["consoleargs"] = "console=ttyS0,115200";
  if (Get(env, "bootlogo") == "true") {
    env["consoleargs"] = absl::StrCat("splash plymouth.ignore-serial-consoles ",
                                      Get(env, "consoleargs"));
  } else {
    env["consoleargs"] = absl::StrCat("splash=verbose ", Get(env, "consoleargs"));
  }
  std::string bootargs = absl::StrCat(
      "root=", Get(env, "rootdev"), " rootwait rootfstype=",
      Get(env, "rootfstype"), " ", Get(env, "consoleargs"),
      " consoleblank=0 loglevel=", Get(env, "verbosity"),
      " ubootpart=", Get(env, "partuuid"),
      " usb-storage.quirks=", Get(env, "usbstoragequirks"), " ",
      Get(env, "extraargs"), " ", Get(env, "extraboardargs"));
  if (Get(env, "docker_optimizations") == "on") {
    absl::StrAppend(&bootargs, " cgroup_enable=memory");
  }
  return bootargs;
}

// The variables BuildBootargs() puts into bootargs, in its order; the rest
// of bootargs is the script's own printable text.
constexpr const char* kBootargsVariables[] = {
    "rootdev",  "rootfstype",       "consoleargs", "verbosity",
    "partuuid", "usbstoragequirks", "extraargs",   "extraboardargs"};

// `bootargs` must pass CheckCommandLine() (fdt/command_line.h); the error
// names the variable to fix: the first one holding the line's first control
// byte (the offset is into its value), else the longest one.
absl::Status CheckBootargs(const UbootEnv& env, absl::string_view bootargs,
                           absl::string_view origin) {
  const absl::Status whole = CheckCommandLine(bootargs);
  if (whole.ok()) return whole;
  const size_t bad = FirstControlByte(bootargs);
  std::string longest = kBootargsVariables[0];
  for (const char* name : kBootargsVariables) {
    const std::string value = Get(env, name);
    if (bad != absl::string_view::npos &&
        value.find(bootargs[bad]) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": ", name, ": ", CheckCommandLine(value).message(),
          bootargs[bad] == '\r' ? " (a carriage return: the file has DOS "
                                  "line endings; convert it with dos2unix)"
                                : ""));
    }
    if (value.size() > Get(env, longest).size()) longest = name;
  }
  return absl::InvalidArgumentError(absl::StrCat(origin, ": ", longest, " (",
                                                 Get(env, longest).size(),
                                                 " bytes): ", whole.message()));
}

void AddOverlay(std::string name, std::string path, OverlayFile::Origin origin,
                const PathProbe& probe, BootEntry& entry) {
  OverlayFile overlay{std::move(name), CleanPath(path), origin};
  if (probe.Exists(overlay.path)) {
    entry.overlays.push_back(std::move(overlay));
    return;
  }
  entry.warnings.push_back(absl::StrCat(
      "overlay '", absl::CEscape(overlay.name), "' (",
      OverlayOriginName(origin), "): ", absl::CEscape(overlay.path),
      " does not exist; skipped (U-Boot skips it without a word)"));
  entry.overlays_missing.push_back(std::move(overlay));
}

void FindOverlays(const UbootEnv& env, const PathProbe& probe,
                  BootEntry& entry) {
  const std::string fdtdir = Get(env, "fdtdir");
  const std::string overlay_prefix = Get(env, "overlay_prefix");
  for (std::string& word : Words(Get(env, "overlays"))) {
    std::string path = absl::StrCat(fdtdir, "/overlay/", overlay_prefix, "-",
                                    word, ".dtbo");
    AddOverlay(std::move(word), std::move(path),
               OverlayFile::Origin::kArmbianOverlays, probe, entry);
  }
  for (std::string& word : Words(Get(env, "user_overlays"))) {
    std::string path =
        absl::StrCat(Get(env, "prefix"), "overlay-user/", word, ".dtbo");
    AddOverlay(std::move(word), std::move(path),
               OverlayFile::Origin::kArmbianUserOverlays, probe, entry);
  }
}

// sun50i-h616-fixup.scr's pwm34 rule: bootargs rebuilt word by word
// (`setenv bootargs_new "${bootargs_new} ${arg}"`) without the UART0 console.
std::string DropSerialConsole(absl::string_view bootargs) {
  std::string out;
  for (const std::string& word : Words(bootargs)) {
    if (word != "console=ttyS0,115200") absl::StrAppend(&out, " ", word);
  }
  return out;
}

// What the two fixup scripts would do, run only when every overlay applied.
void ApplyFixups(const UbootEnv& env, const PathProbe& probe,
                 BootEntry& entry) {
  const std::string script = CleanPath(absl::StrCat(
      Get(env, "fdtdir"), "/overlay/", Get(env, "overlay_prefix"),
      "-fixup.scr"));
  if (probe.Exists(script)) {
    std::vector<std::string> params;
    for (const auto& [name, value] : env) {
      if (name.rfind("param_", 0) == 0 && !value.empty()) params.push_back(name);
    }
    if (!params.empty()) {
      entry.warnings.push_back(absl::StrCat(
          "U-Boot would run ", script, " to apply ", absl::StrJoin(params, ", "),
          " to the DTB; mdboot cannot run U-Boot scripts, so these settings "
          "are NOT applied"));
    }
    const std::vector<std::string> overlays = Words(Get(env, "overlays"));
    if (std::find(overlays.begin(), overlays.end(), "pwm34") !=
        overlays.end()) {
      entry.cmdline_if_overlays_fail = entry.cmdline;
      entry.cmdline = DropSerialConsole(entry.cmdline);
      entry.warnings.push_back(absl::StrCat(
          "overlay pwm34: console=ttyS0,115200 removed from the command line "
          "(PWM3/PWM4 use the UART0 pins), as ", script, " does"));
    }
  }
  const std::string user_script = CleanPath(Get(env, "prefix") + "fixup.scr");
  if (probe.Exists(user_script)) {
    entry.warnings.push_back(absl::StrCat(
        "U-Boot would run ", user_script,
        " after the overlays; mdboot cannot run U-Boot scripts, so whatever "
        "it changes is NOT applied"));
  }
}

}  // namespace

absl::StatusOr<BootEntry> ArmbianBootEntry(absl::string_view text,
                                           const ArmbianOptions& options,
                                           const PathProbe& probe) {
  BootEntry entry;
  entry.config = CleanPath(options.prefix + "armbianEnv.txt");
  entry.label = "armbian";
  entry.on_overlay_failure = OverlayFailurePolicy::kRestorePristine;
  UbootEnv env = InitialEnv(options);
  EnvImportResult imported = ImportEnvText(text, entry.config, env);
  entry.warnings = std::move(imported.warnings);
  absl::Status found = FindDtb(env, probe, entry.config, entry);
  if (!found.ok()) return found;
  entry.cmdline = BuildBootargs(env);
  FindOverlays(env, probe, entry);
  ApplyFixups(env, probe, entry);
  // The line that boots with the overlays must pass; the one without the
  // fixup's edit only matters if an overlay fails (boot_dtb.h).
  RETURN_IF_ERROR(CheckBootargs(env, entry.cmdline, entry.config));
  if (entry.cmdline_if_overlays_fail.has_value()) {
    entry.cmdline_if_overlays_fail_check =
        CheckBootargs(env, *entry.cmdline_if_overlays_fail, entry.config);
  }
  // ${prefix} as the script reads it after the import (a file that sets
  // `prefix` moves uInitrd and Image, as it would under U-Boot).
  entry.initrd = CleanPath(Get(env, "prefix") + "uInitrd");
  entry.kernel = CleanPath(Get(env, "prefix") + "Image");
  return entry;
}

}  // namespace fdt_handoff
