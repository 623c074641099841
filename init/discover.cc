#include "init/discover.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fdt/status_macros.h"
#include "init/armbian_env.h"
#include "init/extlinux.h"

namespace fdt_handoff {

const char* const kBootConfigPaths[2] = {"/boot/armbianEnv.txt",
                                         "/boot/extlinux/extlinux.conf"};

namespace {

constexpr uint64_t kMaxConfigSize = uint64_t{1} << 20;

absl::StatusOr<std::string> ReadConfig(const RootDir& root,
                                       const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                   root.ReadFile(path, kMaxConfigSize));
  return std::string(bytes.begin(), bytes.end());
}

absl::StatusOr<BootEntry> ParseConfig(const RootDir& root, int which,
                                      const DiscoverOptions& options) {
  const std::string path = kBootConfigPaths[which];
  ASSIGN_OR_RETURN(std::string text, ReadConfig(root, path));
  if (which == 0) {
    return ArmbianBootEntry(text, {"/boot/", options.uboot_fdtfile}, root);
  }
  ASSIGN_OR_RETURN(ExtlinuxConfig config, ParseExtlinux(text, path));
  return ExtlinuxBootEntry(config, {path, options.uboot_fdtfile});
}

// A file the entry needs: its resolution, or an error naming the role.
// `fallback`: U-Boot would try the other extlinux labels without it.
absl::StatusOr<ResolvedFile> Need(const RootDir& root, const BootEntry& entry,
                                  const char* role, const std::string& path,
                                  bool fallback = false) {
  const std::string note =
      fallback ? ExtlinuxFallbackNote(entry.fallback_labels) : "";
  auto real = root.Resolve(path);
  if (!real.ok()) {
    return absl::Status(
        real.status().code(),
        absl::StrCat("the ", role, " ", path, " named by ", entry.config,
                     " is missing: ", real.status().message(), note));
  }
  if (!root.Exists(*real)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", role, " ", path, " named by ", entry.config,
                     " is not a regular file (", *real, ")", note));
  }
  return ResolvedFile{path, *std::move(real)};
}

void ResolveOverlays(const RootDir& root, Discovery& found) {
  BootEntry& entry = found.entry;
  std::vector<OverlayFile> present;
  for (OverlayFile& o : entry.overlays) {
    auto real = root.Resolve(o.path);
    if (real.ok() && root.Exists(*real)) {
      found.overlays.push_back(ResolvedFile{o.path, *real});
      present.push_back(std::move(o));
      continue;
    }
    entry.warnings.push_back(absl::StrCat(
        "overlay ", o.path, " (", OverlayOriginName(o.origin),
        ") does not exist; skipped, as U-Boot does"));
    entry.overlays_missing.push_back(std::move(o));
  }
  entry.overlays = std::move(present);
}

}  // namespace

absl::StatusOr<Discovery> DiscoverBoot(const RootDir& root,
                                       const DiscoverOptions& options) {
  const bool armbian = root.Exists(kBootConfigPaths[0]);
  const bool extlinux = root.Exists(kBootConfigPaths[1]);
  if (!armbian && !extlinux) {
    return absl::NotFoundError(absl::StrCat(
        "no boot configuration in ", root.host_path(), ": looked for ",
        kBootConfigPaths[0], " (Armbian) and ", kBootConfigPaths[1],
        " (extlinux, e.g. Debian's u-boot-menu)"));
  }
  Discovery found;
  ASSIGN_OR_RETURN(found.entry, ParseConfig(root, armbian ? 0 : 1, options));
  if (armbian && extlinux) {
    found.entry.warnings.push_back(absl::StrCat(
        "both ", kBootConfigPaths[0], " and ", kBootConfigPaths[1],
        " exist; mdboot follows ", kBootConfigPaths[0],
        " (U-Boot's distro boot would try extlinux.conf first)"));
  }
  const BootEntry& entry = found.entry;
  ASSIGN_OR_RETURN(found.kernel,
                   Need(root, entry, "kernel", entry.kernel, true));
  if (!entry.initrd.empty()) {
    ASSIGN_OR_RETURN(found.initrd,
                     Need(root, entry, "initrd", entry.initrd, true));
  }
  if (!entry.dtb.empty()) {
    ASSIGN_OR_RETURN(found.dtb, Need(root, entry, "DTB", entry.dtb));
  }
  ResolveOverlays(root, found);
  return found;
}

}  // namespace fdt_handoff
