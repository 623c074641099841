// File: init/boot_dtb.h
//
// The DTB a discovered entry boots with: the entry's DTB with its overlays
// applied the way its boot loader would apply them, read through the root.
//
//   - Armbian (OverlayFailurePolicy::kRestorePristine): the overlays are
//     applied in order; if any fails, the script prints "Error applying DT
//     overlays, restoring original DT" and boots the pristine DTB, without
//     running its fixup scripts (so the command line without their edits:
//     BootEntry::cmdline_if_overlays_fail).
//   - extlinux (kSkipFailed): each overlay is applied on its own; a failing
//     one is skipped, the others stay.
// U-Boot's `fdt apply` does not compare `compatible`, so neither do we
// (OverlayOptions::force). An overlay file that is not a valid DTB counts as
// a failed overlay, as `fdt apply` refuses it too. Nothing is applied in
// place: fdt/overlay.h works on copies.
#ifndef INIT_BOOT_DTB_H_
#define INIT_BOOT_DTB_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/blob.h"
#include "init/discover.h"
#include "init/root_dir.h"

namespace fdt_handoff {

struct FailedOverlay {
  std::string path;   // Inside the root, as the configuration names it.
  std::string error;  // Why it failed, from the loader or fdt/overlay.h.
};

struct BootDtb {
  Fdt dtb;                           // The DTB to boot (pristine on failure).
  std::vector<std::string> applied;  // Overlay paths applied, in order.
  std::vector<FailedOverlay> failed;
  std::string cmdline;               // The command line that goes with it.
  std::vector<std::string> warnings;  // One per failure, and the restore.
};

// BuildBootDtb()
//
// `found` must have a DTB (found.dtb.path not empty).
//
// Returns:
//   kFailedPrecondition the entry names no DTB.
//   kInvalidArgument    an overlay failed, the pristine DTB boots, and its
//                       command line (cmdline_if_overlays_fail) cannot:
//                       CmdlineWithoutOverlays()'s error.
//   kDataLoss           the DTB is not a valid DTB (libfdt's reason).
//   kResourceExhausted  the DTB is larger than 2 MiB.
//   other               reading the DTB through `root` (see RootDir).
// Overlay problems are not errors: they land in `failed` and `warnings`.
absl::StatusOr<BootDtb> BuildBootDtb(const RootDir& root,
                                     const Discovery& found);

// CmdlineWithoutOverlays()
//
// The command line that goes with the pristine DTB when the entry's policy
// restores it: cmdline_if_overlays_fail when set, else cmdline.
//
// Returns:
//   kInvalidArgument  cmdline_if_overlays_fail_check is not OK (the line
//                     fails fdt/command_line.h's rule): its message, which
//                     names the file and the setting, and which line it is.
absl::StatusOr<std::string> CmdlineWithoutOverlays(const BootEntry& entry);

}  // namespace fdt_handoff

#endif  // INIT_BOOT_DTB_H_
