#include "init/preflight.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fdt/escape.h"
#include "init/initrd_contents.h"
#include "init/settings.h"

namespace fdt_handoff {
namespace {

constexpr char kHang[] = "will hang at \"waiting for root device\"";

bool AllDigits(absl::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "md127", "md127p1".
bool IsMdNodeName(absl::string_view s) {
  if (!absl::ConsumePrefix(&s, "md")) return false;
  const size_t p = s.find('p');
  if (p == absl::string_view::npos) return AllDigits(s);
  return AllDigits(s.substr(0, p)) && AllDigits(s.substr(p + 1));
}

std::string BaseName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path : path.substr(slash + 1));
}

// "raid0.ko", "raid0.ko.xz" ... -> "raid0"; "" for other files.
std::string ModuleOfFile(absl::string_view name) {
  std::string base = BaseName(name);
  for (const char* ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"}) {
    if (absl::EndsWith(base, ext)) return base.substr(0, base.size() - strlen(ext));
  }
  return "";
}

bool InitrdHas(const std::vector<std::string>& files, const std::string& module) {
  for (const std::string& f : files) {
    if (ModuleOfFile(f) == module) return true;
  }
  return false;
}

bool InitrdHasMdadm(const std::vector<std::string>& files) {
  for (const std::string& f : files) {
    if (BaseName(f) == "mdadm" && (absl::StrContains(f, "sbin/") ||
                                   absl::StrContains(f, "bin/"))) {
      return true;
    }
  }
  return false;
}

// One option (BLK_DEV_MD or the level's) against config, disk and initrd.
void CheckOption(const TargetFacts& f, const std::map<std::string, char>& config,
                 const std::string& option, const std::string& what,
                 PreflightResult& r) {
  const std::string file = absl::StrCat("/boot/config-", f.kernel_release);
  auto it = config.find(option);
  if (it == config.end()) {
    r.warnings.push_back(absl::StrCat(
        "target kernel ", f.kernel_release, " lacks ", what, " (", option,
        " is not set in ", file, "): it cannot start the array and ", kHang,
        "; boot a kernel built with ", option, "=y"));
    return;
  }
  if (it->second == 'y') return;
  const std::string module = MdModuleName(option);
  if (f.modules_on_disk.count(module) == 0) {
    r.warnings.push_back(absl::StrCat(
        "target kernel ", f.kernel_release, " has ", what, " as a module (",
        option, "=m) but ", module, ".ko is not under /lib/modules/",
        f.kernel_release, ": it ", kHang, "; install the kernel's modules"));
  }
  if (f.initrd_files.has_value() && !InitrdHas(*f.initrd_files, module)) {
    r.warnings.push_back(absl::StrCat(
        "the initrd ", f.initrd, " does not carry ", module, ".ko (", option,
        "=m): the target's initramfs cannot start the array and ", kHang,
        "; add ", module, " to /etc/initramfs-tools/modules and run "
        "update-initramfs -u"));
  }
}

void CheckConfig(const TargetFacts& f, PreflightResult& r) {
  if (f.kernel_release.empty()) {
    r.notes.push_back("cannot tell the target kernel's release (no \"Linux "
                      "version\" banner in it): its MD support was not checked");
    return;
  }
  if (!f.config.has_value()) {
    r.notes.push_back(absl::StrCat("no /boot/config-", f.kernel_release,
                                   " on the target: its kernel's MD support "
                                   "was not checked"));
    return;
  }
  const std::map<std::string, char> config = ParseKernelConfig(*f.config);
  CheckOption(f, config, "CONFIG_BLK_DEV_MD", "MD RAID support", r);
  if (f.root.level.empty()) {
    r.notes.push_back("the array's level is not known here: only "
                      "CONFIG_BLK_DEV_MD was checked");
    return;
  }
  const std::string level = MdLevelConfig(f.root.level);
  if (level.empty()) {
    r.notes.push_back(
        absl::StrCat("md level '", Escaped(f.root.level),
                     "' has no known kernel option: not checked"));
  } else {
    CheckOption(f, config, level, absl::StrCat(f.root.level, " support"), r);
  }
}

void CheckInitrd(const TargetFacts& f, PreflightResult& r) {
  if (f.initrd.empty()) {
    r.warnings.push_back(absl::StrCat(
        "the entry boots without an initrd: nothing assembles the array "
        "before the root is mounted (the kernel's own autodetect knows only "
        "0.90 superblocks on partitions of type fd), so the target ", kHang,
        "; boot it with an initrd that carries mdadm"));
    return;
  }
  if (!f.initrd_files.has_value()) {
    r.notes.push_back(absl::StrCat("cannot look inside the initrd ", f.initrd,
                                   " (", f.initrd_error,
                                   "): whether it carries mdadm was not checked"));
    return;
  }
  if (!InitrdHasMdadm(*f.initrd_files)) {
    r.warnings.push_back(absl::StrCat(
        "the initrd ", f.initrd, " has no mdadm: the target's initramfs cannot "
        "assemble the array and ", kHang, "; install mdadm on the target "
        "(apt install mdadm) and run update-initramfs -u (Armbian then "
        "remakes /boot/uInitrd)"));
  }
}

std::string Mismatch(absl::string_view arg, absl::string_view why,
                     const RootIdentity& root) {
  return absl::StrCat(
      "root=", arg, " ", why, ": the target ", kHang,
      " (or mounts another disk that matches); use root=",
      root.fs.uuid.empty() ? "/dev/md/NAME" : absl::StrCat("UUID=", root.fs.uuid),
      " (armbianEnv.txt: rootdev=..., extlinux.conf: append root=...)");
}

}  // namespace

std::map<std::string, char> ParseKernelConfig(absl::string_view text) {
  std::map<std::string, char> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::StartsWith(line, "CONFIG_")) continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    const absl::string_view value = line.substr(eq + 1);
    if (value == "y" || value == "m") out[std::string(line.substr(0, eq))] = value[0];
  }
  return out;
}

std::string MdLevelConfig(absl::string_view level) {
  if (level == "raid0") return "CONFIG_MD_RAID0";
  if (level == "raid1") return "CONFIG_MD_RAID1";
  if (level == "raid10") return "CONFIG_MD_RAID10";
  if (level == "raid4" || level == "raid5" || level == "raid6") return "CONFIG_MD_RAID456";
  if (level == "linear") return "CONFIG_MD_LINEAR";
  if (level == "multipath") return "CONFIG_MD_MULTIPATH";
  return "";
}

std::string MdModuleName(absl::string_view config) {
  if (config == "CONFIG_BLK_DEV_MD") return "md-mod";
  absl::string_view rest = config;
  if (!absl::ConsumePrefix(&rest, "CONFIG_MD_")) return "";
  return absl::AsciiStrToLower(rest);
}

std::string KernelRelease(absl::Span<const uint8_t> image) {
  const absl::string_view text(reinterpret_cast<const char*>(image.data()),
                               image.size());
  constexpr absl::string_view kBanner = "Linux version ";
  size_t at = text.find(kBanner);
  while (at != absl::string_view::npos) {
    const size_t start = at + kBanner.size();
    size_t end = start;
    while (end < text.size() && std::isgraph(static_cast<unsigned char>(text[end]))) ++end;
    // The banner goes on with " (builder@host)"; a format string ("%s") is
    // not a release.
    if (end > start && end < text.size() && text[end] == ' ' &&
        text[start] != '%') {
      return std::string(text.substr(start, end - start));
    }
    at = text.find(kBanner, start);
  }
  return "";
}

std::string KernelReleaseFromName(absl::string_view path) {
  const std::string base = BaseName(path);
  for (const char* prefix : {"vmlinuz-", "Image-", "vmlinux-"}) {
    if (absl::StartsWith(base, prefix)) return base.substr(strlen(prefix));
  }
  return "";
}

std::string CheckRootArgument(absl::string_view cmdline, const RootIdentity& root,
                              std::string* note) {
  std::string arg;
  bool found = false;
  for (const std::string& word : SplitKernelCommandLine(cmdline)) {
    if (absl::StartsWith(word, "root=")) {
      arg = word.substr(5);
      found = true;
    }
  }
  if (!found || arg.empty()) {
    return absl::StrCat("the command line has no root=: the target ", kHang,
                        "; set rootdev= in armbianEnv.txt (extlinux.conf: root= "
                        "in append)");
  }
  absl::string_view v = arg;
  if (absl::ConsumePrefix(&v, "UUID=")) {
    if (root.fs.uuid.empty()) {
      *note = absl::StrCat("root=", arg, ": the file system's UUID is unknown, not checked");
      return "";
    }
    if (absl::EqualsIgnoreCase(v, root.fs.uuid)) return "";
    return Mismatch(arg, absl::StrCat("is not the array's file system (UUID ",
                                      root.fs.uuid, ")"), root);
  }
  if (absl::ConsumePrefix(&v, "LABEL=")) {
    if (root.fs.type.empty()) {
      *note = absl::StrCat("root=", arg, ": the file system is not known here, not checked");
      return "";
    }
    if (v == root.fs.label && !v.empty()) return "";
    return Mismatch(arg,
                    absl::StrCat("is not the array's file system (label '",
                                 Escaped(root.fs.label), "')"),
                    root);
  }
  if (absl::ConsumePrefix(&v, "/dev/md/")) {
    if (root.name.empty()) {
      *note = absl::StrCat("root=", arg, ": the array's name is not known here, not checked");
      return "";
    }
    const size_t colon = root.name.find(':');
    const std::string short_name =
        colon == std::string::npos ? root.name : root.name.substr(colon + 1);
    if (v == root.name || v == short_name) return "";
    return Mismatch(
        arg,
        absl::StrCat("is not this array (named '", Escaped(root.name), "')"),
        root);
  }
  if (absl::ConsumePrefix(&v, "/dev/") && IsMdNodeName(v)) return "";
  return Mismatch(arg, "is not the RAID array", root);
}

PreflightResult CheckTarget(const TargetFacts& facts) {
  PreflightResult r;
  CheckConfig(facts, r);
  CheckInitrd(facts, r);
  std::string note;
  std::string root = CheckRootArgument(facts.cmdline, facts.root, &note);
  if (!root.empty()) r.warnings.push_back(std::move(root));
  if (!note.empty()) r.notes.push_back(std::move(note));
  return r;
}

TargetFacts GatherTargetFacts(const RootDir& root, const Discovery& found,
                              absl::Span<const uint8_t> kernel_image,
                              absl::Span<const uint8_t> initrd,
                              absl::string_view cmdline,
                              const RootIdentity& identity) {
  TargetFacts f;
  f.cmdline = std::string(cmdline);
  f.root = identity;
  f.kernel_release = KernelRelease(kernel_image);
  if (f.kernel_release.empty()) f.kernel_release = KernelReleaseFromName(found.kernel.real);
  if (!f.kernel_release.empty()) {
    auto config = root.ReadFile(absl::StrCat("/boot/config-", f.kernel_release),
                                uint64_t{4} << 20);
    if (config.ok()) f.config = std::string(config->begin(), config->end());
    const std::string dir =
        absl::StrCat("/lib/modules/", f.kernel_release, "/kernel/drivers/md/");
    for (const char* m : {"md-mod", "raid0", "raid1", "raid10", "raid456",
                          "linear", "multipath"}) {
      for (const char* ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"}) {
        if (root.Exists(absl::StrCat(dir, m, ext))) f.modules_on_disk.insert(m);
      }
    }
  }
  f.initrd = found.initrd.path;
  if (!f.initrd.empty()) {
    auto files = ListInitrd(initrd, f.initrd);
    if (files.ok()) {
      f.initrd_files = *std::move(files);
    } else {
      f.initrd_error = std::string(files.status().message());
    }
  }
  return f;
}

}  // namespace fdt_handoff
