// File: init/boot_entry.h
//
// What a boot configuration asks for, in one value: the kernel, initrd and
// DTB (paths inside the mounted root), the overlays in the order they are
// applied, the kernel command line, and the warnings the parser raised.
//
// The parsers (armbian_env.h, extlinux.h) produce it from text alone; they
// learn whether a file exists only through the PathProbe interface, so they
// stay pure and table-testable. discover.h then resolves every path through
// the root's symlinks.
//
//   BootEntry entry = ...;
//   for (const OverlayFile& o : entry.overlays) Use(o.path, o.origin);
#ifndef INIT_BOOT_ENTRY_H_
#define INIT_BOOT_ENTRY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace fdt_handoff {

// OverlayFile
//
// One overlay a configuration names. `name` is the word as written
// (`usbhost2`), `path` the file it maps to inside the root
// (`/boot/dtb/allwinner/overlay/sun50i-h616-usbhost2.dtbo`), `origin` the
// setting it came from.
struct OverlayFile {
  enum class Origin {
    kArmbianOverlays,      // armbianEnv.txt `overlays=` (kernel-provided)
    kArmbianUserOverlays,  // armbianEnv.txt `user_overlays=`
    kExtlinuxFdtOverlays,  // extlinux.conf `fdtoverlays`
  };
  std::string name;
  std::string path;
  Origin origin = Origin::kArmbianOverlays;
};

// OverlayOriginName()
//
// The setting's own spelling: "overlays", "user_overlays", "fdtoverlays".
const char* OverlayOriginName(OverlayFile::Origin origin);

// What the boot loader does when an overlay fails to apply.
enum class OverlayFailurePolicy {
  // Armbian's boot script: any failure reloads the pristine DTB, so no
  // overlay is applied at all ("Error applying DT overlays, restoring
  // original DT").
  kRestorePristine,
  // U-Boot's extlinux (pxe_utils.c): the failing overlay is skipped, the
  // others stay applied.
  kSkipFailed,
};

// BootEntry
//
// Every path is absolute inside the root the configuration was read from
// (`/boot/Image`), never a path of the running system.
struct BootEntry {
  std::string config;  // The configuration file, e.g. "/boot/armbianEnv.txt".
  std::string label;   // extlinux label; "armbian" for armbianEnv.txt.
  // extlinux.conf: the other labels, in file order. U-Boot's sysboot tries
  // them when `label` cannot load its kernel, initrd or `fdt`
  // (boot_unattempted_labels() in boot/pxe_utils.c); mdboot boots only
  // `label` and names the next one in its error (ExtlinuxFallbackNote() in
  // extlinux.h). Empty for armbianEnv.txt.
  std::vector<std::string> fallback_labels;
  std::string kernel;
  std::string initrd;  // Empty: boot without an initrd.
  std::string dtb;     // Empty: the configuration names no DTB.
  // Overlays that exist, in application order (Armbian: `overlays` words,
  // then `user_overlays` words).
  std::vector<OverlayFile> overlays;
  // Overlays named by the configuration whose file does not exist. U-Boot
  // skips them (Armbian's script without a word); we keep them to say so.
  std::vector<OverlayFile> overlays_missing;
  OverlayFailurePolicy on_overlay_failure =
      OverlayFailurePolicy::kRestorePristine;
  std::string cmdline;
  // The command line to use instead when an overlay fails. Armbian runs its
  // fixup scripts (which can edit bootargs) only when every overlay applied;
  // unset when both are the same.
  absl::optional<std::string> cmdline_if_overlays_fail;
  // OK, or why cmdline_if_overlays_fail cannot boot (fdt/command_line.h
  // refuses it; the message names the file and the setting). The parsers
  // refuse an entry whose `cmdline` cannot boot; this line is checked only
  // where it is used, when an overlay fails.
  absl::Status cmdline_if_overlays_fail_check;
  // Things the board owner should know: what U-Boot would do silently, what
  // mdboot cannot do (U-Boot scripts), suspicious values.
  std::vector<std::string> warnings;
};

// PathProbe
//
// The one question a boot-configuration parser may ask of the file system:
// does this path (absolute, inside the root) name an existing file? U-Boot's
// scripts ask the same with `test -e` and by trying `load`.
class PathProbe {
 public:
  virtual ~PathProbe() = default;
  virtual bool Exists(absl::string_view path) const = 0;
};

}  // namespace fdt_handoff

#endif  // INIT_BOOT_ENTRY_H_
