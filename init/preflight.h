// File: init/preflight.h
//
// The target preflight: before mdboot kexecs, can the system being booted
// assemble its own root? Stock Armbian images have neither mdadm nor the
// MD driver; a target that lacks them boots, then hangs at "waiting for
// root device" with nothing on the screen saying why. Checked:
//   - the kernel's /boot/config-<release> (when present): BLK_DEV_MD and
//     the array's level (MD_RAID0, MD_RAID1, MD_RAID10, MD_RAID456,
//     MD_LINEAR, MD_MULTIPATH) built in, or modules present under the
//     target's /lib/modules/<release> and inside its initrd;
//   - the initrd (gzip/zstd/lz4 cpio, U-Boot header or not) carries mdadm;
//   - root= names something the array provides: UUID= or LABEL= of the
//     file system mdboot mounted, /dev/mdN[pM], /dev/md/NAME.
// Each miss is a warning that says what the target will do and how to fix
// it; mdboot.strict makes them fatal (the caller's decision). What cannot
// be checked (no config file, an xz initrd) is a note, not a warning.
//
// CheckTarget() is pure over the facts; GatherTargetFacts() is the I/O.
#ifndef INIT_PREFLIGHT_H_
#define INIT_PREFLIGHT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "init/discover.h"
#include "init/mount.h"
#include "init/root_dir.h"

namespace fdt_handoff {

// CONFIG_* name -> 'y' or 'm' ("is not set" and other values are absent).
std::map<std::string, char> ParseKernelConfig(absl::string_view text);

// The Kconfig option for an md level as mdadm names it ("raid0" ->
// "CONFIG_MD_RAID0", "raid5" -> "CONFIG_MD_RAID456"); "" if unknown.
std::string MdLevelConfig(absl::string_view level);

// The module an option builds ("CONFIG_BLK_DEV_MD" -> "md-mod",
// "CONFIG_MD_RAID0" -> "raid0").
std::string MdModuleName(absl::string_view config);

// KernelRelease()
//
// The release in the Image's banner ("Linux version 6.12.38-current-sunxi64
// (...)" -> "6.12.38-current-sunxi64"); "" if the banner is not found.
std::string KernelRelease(absl::Span<const uint8_t> image);

// The release in a kernel file name ("/boot/vmlinuz-6.1.0-57-arm64" ->
// "6.1.0-57-arm64", also Image-* and vmlinux-*); "" otherwise.
std::string KernelReleaseFromName(absl::string_view path);

// What the array and its file system answer to. On a host (`fdt-handoff
// boot --root`) they are not known: empty fields turn the checks that need
// them into notes.
struct RootIdentity {
  std::string level;  // "raid0"
  std::string name;   // "zero2w:root"
  FsInfo fs;          // The file system mdboot mounted.
};

struct TargetFacts {
  std::string kernel_release;           // "" unknown
  absl::optional<std::string> config;   // /boot/config-<release>; none if absent
  std::set<std::string> modules_on_disk;  // md modules under /lib/modules/<release>
  std::string initrd;                   // Its path; "" boots without one
  absl::optional<std::vector<std::string>> initrd_files;  // none: unreadable
  std::string initrd_error;             // why it is unreadable
  std::string cmdline;
  RootIdentity root;
};

struct PreflightResult {
  std::vector<std::string> warnings;  // Misses: the target will not boot.
  std::vector<std::string> notes;     // What could not be checked.
};

// CheckTarget()
//
// Every check of the overview on `facts`. Never fails.
PreflightResult CheckTarget(const TargetFacts& facts);

// CheckRootArgument()
//
// The root= check alone: a warning, or "" when root= names the array (or a
// note in `note` when it cannot be told).
std::string CheckRootArgument(absl::string_view cmdline,
                              const RootIdentity& root, std::string* note);

// GatherTargetFacts()
//
// Reads what CheckTarget() needs from the mounted root: the release from
// `kernel_image` (the decompressed Image) or the kernel's file name, the
// config file, the md modules under /lib/modules/<release>, the file names
// in `initrd` (U-Boot header already stripped; empty span: no initrd).
// Read errors become notes (initrd_error), never failures: it runs inside
// PID 1, where a throw or a crash is a kernel panic, so every read is
// bounded (an initrd cut short is "cpio archive truncated"; one that
// unpacks past kMaxInitrdUnpacked is "not fully checked", not unpacked).
TargetFacts GatherTargetFacts(const RootDir& root, const Discovery& found,
                              absl::Span<const uint8_t> kernel_image,
                              absl::Span<const uint8_t> initrd,
                              absl::string_view cmdline,
                              const RootIdentity& identity);

}  // namespace fdt_handoff

#endif  // INIT_PREFLIGHT_H_
