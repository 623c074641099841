// File: init/armbian_env.h
//
// Armbian's boot configuration: /boot/armbianEnv.txt as read by the boot
// script of the Orange Pi Zero 2W (armbian/build
// config/bootscripts/boot-sun50i-next.cmd, which Armbian installs as
// /boot/boot.scr), turned into a BootEntry.
//
// Two layers, both pure:
//   - ImportEnvText(): U-Boot's `env import -t` (lib/hashtable.c himport_r)
//     on text: one `name=value` per line, leading blanks skipped, `#` lines
//     are comments, a bare `name` or `name=` deletes the variable, a
//     backslash takes the next character literally (a backslash before the
//     newline continues the value on the next line, newline included), no
//     quotes, and no CR stripping: Armbian does not pass `-r`, so a DOS line
//     ending leaves "\r" at the end of the value. A line `=value` (no name)
//     makes himport_r give up: the lines after it are not imported.
//   - ArmbianBootEntry(): the script's steps in its order, on a variable
//     map: its defaults (rootdev=/dev/mmcblk0p1, verbosity=1,
//     rootfstype=ext4, console=both, docker_optimizations=on,
//     bootlogo=false, vendor=allwinner), the import, the DTB lookup, the
//     command line, the overlays, and what its fixup scripts would do.
//
// What mdboot does differently from U-Boot, on purpose:
//   - `ubootpart=${partuuid}`: the script sets `partuuid` only when it was
//     loaded from an MMC device (`part uuid mmc 0:1 partuuid`). mdboot reads
//     the configuration from an MD array, which is not MMC, so the command
//     line gets exactly what U-Boot gives a USB/SCSI boot: `ubootpart=`
//     followed by `partuuid` from armbianEnv.txt if it sets one, else
//     nothing. (Armbian's userland uses ubootpart only to find the SD card
//     U-Boot ran from; there is none here.)
//   - Fixup scripts (`${fdtdir}/overlay/${overlay_prefix}-fixup.scr`,
//     `${prefix}fixup.scr`) are U-Boot scripts and cannot run here. When
//     they exist we say what they would have done: the `param_*` settings
//     they read are reported as not applied. The one fixup that edits the
//     command line, sun50i-h616-fixup.scr's `pwm34` rule (drop
//     `console=ttyS0,115200`, since PWM3/PWM4 share the UART0 pins), is
//     reproduced, word for word as the script rebuilds bootargs.
//   - An overlay file that does not exist is skipped, as `load ... ||` does,
//     but with a warning instead of silence.
//   - A command line the target kernel would not take as written is
//     refused (the boot fails, naming the variable), where U-Boot boots it:
//     2048 bytes or more, of which arm64 keeps 2047 and silently drops the
//     rest, or a control byte, such as the CR a DOS line ending leaves in
//     every value (fdt/command_line.h says why).
//
// The command line is byte-for-byte the script's `setenv bootargs "..."`:
// an empty variable leaves its two spaces.
#ifndef INIT_ARMBIAN_ENV_H_
#define INIT_ARMBIAN_ENV_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "init/boot_entry.h"

namespace fdt_handoff {

// U-Boot's environment: variable name to value (a name may hold any byte
// except '=', NUL and newline, blanks included).
using UbootEnv = std::map<std::string, std::string>;

struct EnvImportResult {
  // "armbianEnv.txt line 3: ..." for CR endings, blanks in names, control
  // characters, a NUL byte, and an import cut short by `=value`.
  std::vector<std::string> warnings;
};

// ImportEnvText()
//
// Applies `text` to `env` exactly as `env import -t ADDR SIZE` does
// (himport_r with separator '\n', H_NOCLEAR, no CRLF handling): variables
// not named in `text` keep their values. `origin` names the file in
// warnings. Never fails: what U-Boot does with odd input is what happens,
// and each oddity is reported.
EnvImportResult ImportEnvText(absl::string_view text, absl::string_view origin,
                              UbootEnv& env);

struct ArmbianOptions {
  // U-Boot's ${prefix}: the directory holding boot.scr and armbianEnv.txt,
  // inside the root, with a trailing slash. "/boot/" when /boot is a
  // directory of the root file system (the RAID layout).
  std::string prefix = "/boot/";
  // U-Boot's own `fdtfile` (CONFIG_DEFAULT_DEVICE_TREE with the vendor
  // folder), e.g. "allwinner/sun50i-h618-orangepi-zero2w.dtb". The script
  // uses it when armbianEnv.txt sets no `fdtfile`, and as its last DTB
  // fallback. Empty: unknown (mdboot does not run U-Boot's environment).
  std::string uboot_fdtfile;
};

// ArmbianBootEntry()
//
// Runs boot-sun50i-next.cmd's logic on `text` (the contents of
// `${prefix}armbianEnv.txt`). `probe` answers the script's `test -e` and
// `load` attempts (DTB candidates, overlays, fixup scripts). The entry's
// kernel is `${prefix}Image`, its initrd `${prefix}uInitrd` (whether they
// exist is discovery's business), its overlay policy kRestorePristine.
//
// DTB lookup, as the script does it: the vendor folder ("allwinner/") is
// removed from `fdtfile`; then `${fdtdir}/${fdtfile}` (fdtdir defaults to
// `${prefix}dtb/allwinner`), `${prefix}dtb/${fdtfile}`, and U-Boot's default
// name under `${prefix}dtb/allwinner/` and `${prefix}dtb/`. The folder that
// matched becomes `fdtdir`, where the overlays are then looked up.
//
// Returns:
//   kInvalidArgument  neither armbianEnv.txt nor U-Boot's default sets
//                     `fdtfile`; the command line (before the fixup's edit,
//                     which only removes a word) fails CheckCommandLine():
//                     the message names the variable holding the first
//                     control byte, e.g. "/boot/armbianEnv.txt: rootdev:
//                     control byte \x0d at offset 8; ..." (with a dos2unix
//                     hint for a CR), or, when it is too long, the longest
//                     variable in it: "/boot/armbianEnv.txt: extraargs
//                     (3000 bytes): the kernel command line
//                     (/chosen/bootargs) would be 3187 bytes; arm64 takes at
//                     most 2047 (COMMAND_LINE_SIZE 2048, NUL included) and
//                     would cut the rest".
//   kNotFound         no DTB candidate exists (the message lists each path
//                     tried).
absl::StatusOr<BootEntry> ArmbianBootEntry(absl::string_view text,
                                           const ArmbianOptions& options,
                                           const PathProbe& probe);

}  // namespace fdt_handoff

#endif  // INIT_ARMBIAN_ENV_H_
