#include "init/boot_dtb.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fdt/overlay.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

absl::StatusOr<Fdt> LoadInRoot(const RootDir& root, const std::string& path,
                               size_t max_size) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, root.ReadFile(path, max_size));
  return Fdt::FromBytes(std::move(bytes), path, max_size);
}

// Applies one overlay to `current`; on success `current` is the result.
absl::Status ApplyOne(const RootDir& root, const std::string& path,
                      Fdt& current) {
  ASSIGN_OR_RETURN(Fdt overlay, LoadInRoot(root, path, kMaxDtbSize));
  OverlayOptions options;
  options.force = true;  // U-Boot's `fdt apply` checks no compatible.
  ASSIGN_OR_RETURN(Fdt next, ApplyOverlays(current, {overlay}, options));
  current = std::move(next);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> CmdlineWithoutOverlays(const BootEntry& entry) {
  if (!entry.cmdline_if_overlays_fail.has_value()) return entry.cmdline;
  const absl::Status& s = entry.cmdline_if_overlays_fail_check;
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat(s.message(),
                               " (in the command line without the fixup "
                               "script's edit, which goes with the pristine "
                               "DTB)"));
  }
  return *entry.cmdline_if_overlays_fail;
}

absl::StatusOr<BootDtb> BuildBootDtb(const RootDir& root,
                                     const Discovery& found) {
  const BootEntry& entry = found.entry;
  if (found.dtb.path.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        entry.config, ": label '", entry.label, "' names no DTB"));
  }
  ASSIGN_OR_RETURN(Fdt pristine, LoadInRoot(root, found.dtb.path, kMaxDtbSize));
  BootDtb out{pristine, {}, {}, entry.cmdline, {}};
  for (const OverlayFile& o : entry.overlays) {
    const absl::Status s = ApplyOne(root, o.path, out.dtb);
    if (s.ok()) {
      out.applied.push_back(o.path);
      continue;
    }
    out.failed.push_back(FailedOverlay{o.path, std::string(s.message())});
    out.warnings.push_back(absl::StrCat("overlay ", o.path, " (",
                                        OverlayOriginName(o.origin),
                                        ") failed: ", s.message()));
  }
  if (!out.failed.empty() &&
      entry.on_overlay_failure == OverlayFailurePolicy::kRestorePristine) {
    out.warnings.push_back(absl::StrCat(
        "Error applying DT overlays, restoring original DT (as Armbian's boot "
        "script does): booting ", found.dtb.path, " without ",
        out.applied.empty() ? "any overlay"
                            : absl::StrCat("the ones that applied (",
                                           absl::StrJoin(out.applied, ", "),
                                           ")")));
    out.dtb = std::move(pristine);
    out.applied.clear();
    ASSIGN_OR_RETURN(out.cmdline, CmdlineWithoutOverlays(entry));
  }
  return out;
}

}  // namespace fdt_handoff
