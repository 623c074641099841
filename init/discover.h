// File: init/discover.h
//
// Discovery: a mounted root file system + the configuration parsers -> what
// would boot, with every file resolved inside the root. The init calls it
// after mounting the array; `fdt-handoff boot --root DIR` calls it on a
// copy. It reads only the configuration files; the kernel, initrd, DTB and
// overlays are resolved (so a missing one is an error now, not after the
// array is stopped) but not read.
//
// Where it looks, in this order (the first that exists wins):
//   1. /boot/armbianEnv.txt          -> armbian_env.h (prefix "/boot/")
//   2. /boot/extlinux/extlinux.conf  -> extlinux.h
// U-Boot's distro boot would try extlinux.conf first; Armbian never leaves
// both (its image build deletes armbianEnv.txt when it writes extlinux.conf),
// and when both exist we follow armbianEnv.txt and say so.
//
//   ASSIGN_OR_RETURN(RootDir root, RootDir::Open("/mnt/root"));
//   ASSIGN_OR_RETURN(Discovery found, DiscoverBoot(root, {}));
//   // found.kernel.real == "/boot/vmlinuz-6.12.38-current-sunxi64"
#ifndef INIT_DISCOVER_H_
#define INIT_DISCOVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "init/boot_entry.h"
#include "init/root_dir.h"

namespace fdt_handoff {

struct DiscoverOptions {
  // U-Boot's `fdtfile` for this board, e.g.
  // "allwinner/sun50i-h618-orangepi-zero2w.dtb" (see ArmbianOptions and
  // ExtlinuxOptions). Empty: unknown.
  std::string uboot_fdtfile;
};

// A path as the configuration names it and where it leads inside the root.
struct ResolvedFile {
  std::string path;  // "/boot/Image"
  std::string real;  // "/boot/vmlinuz-6.12.38-current-sunxi64"
};

struct Discovery {
  // The parser's entry. Overlays whose file does not exist have moved from
  // `overlays` to `overlays_missing`, with a warning.
  BootEntry entry;
  ResolvedFile kernel;
  ResolvedFile initrd;  // Both empty when the entry has no initrd.
  ResolvedFile dtb;
  std::vector<ResolvedFile> overlays;  // Parallel to entry.overlays.
};

// DiscoverBoot()
//
// Returns:
//   kNotFound           no configuration file (the message lists both paths
//                       looked at); the kernel, initrd or DTB does not exist
//                       (the message names the file, the configuration and
//                       the missing component; for an extlinux kernel or
//                       initrd it ends with ExtlinuxFallbackNote(), the
//                       label U-Boot would try next); kNotFound from the
//                       parsers (no DTB candidate, no extlinux label).
//   kInvalidArgument    from the parsers (no fdtfile, a label without a
//                       kernel, a command line the target kernel would cut
//                       or that holds a control byte, ...).
//   kFailedPrecondition a symlink loop, a path through a non-directory, a
//                       configuration that is not a regular file.
//   other               read errors, from errno.
absl::StatusOr<Discovery> DiscoverBoot(const RootDir& root,
                                       const DiscoverOptions& options);

// Where DiscoverBoot() looks, in order.
extern const char* const kBootConfigPaths[2];

}  // namespace fdt_handoff

#endif  // INIT_DISCOVER_H_
