// File: init/extlinux.h
//
// extlinux.conf, the syslinux-style menu Debian's u-boot-menu (and most
// distributions) write to /boot/extlinux/extlinux.conf, read as U-Boot's
// `sysboot` reads it (boot/pxe_utils.c):
//   - one keyword per line, case-insensitive (`LABEL`, `Menu Label`);
//     leading blanks skipped; `#` starts a comment only where a keyword is
//     expected; values run to the end of the line, blanks included.
//   - top level: `default NAME` / `ontimeout NAME` (the last one wins),
//     `timeout N` (tenths of a second), `menu title`, `prompt`; unknown
//     keywords are ignored (with a warning).
//   - inside `label NAME`: `menu label TEXT`, `menu default` (makes this the
//     default when no `default` came earlier), `linux`/`kernel`, `initrd`,
//     `fdt`/`devicetree`, `fdtdir`/`devicetreedir`, `fdtoverlays`/
//     `devicetree-overlay`, `append`, `localboot`. For initrd, fdt, fdtdir
//     and fdtoverlays the first occurrence counts; `append` the last. An
//     `initrd=` word in `append` is the initrd when no `initrd` line came
//     before it. Any other keyword ends the label.
//
// Which label boots: the default label if it exists, else the first.
// Paths: an absolute path is taken from the root; a relative one from the
// config file's folder (`/boot/extlinux/`), as sysboot does.
#ifndef INIT_EXTLINUX_H_
#define INIT_EXTLINUX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "init/boot_entry.h"

namespace fdt_handoff {

struct ExtlinuxLabel {
  std::string name;
  std::string menu_label;
  std::string kernel;
  std::string initrd;
  std::string fdt;
  std::string fdtdir;
  std::string fdtoverlays;  // Space-separated, as written.
  std::string append;       // As written; see ProcessUBootMacros().
  bool localboot = false;
  int line = 0;         // Where `label` is, 1-based.
  int append_line = 0;  // Where the `append` that counts is; 0: none.
};

struct ExtlinuxConfig {
  std::string default_label;  // As written; may name no label.
  int timeout = 0;            // Tenths of a second; 0 when not given.
  std::vector<ExtlinuxLabel> labels;
  std::vector<std::string> warnings;
};

// ParseExtlinux()
//
// Parses the text of an extlinux.conf; `origin` names it in messages.
// `include` files are not followed (a warning says so).
//
// Returns:
//   kInvalidArgument  a `label` line without a name (U-Boot refuses the
//                     whole file too; the message names file and line).
// A `timeout` that is not a number counts as 0, as in U-Boot, with a warning.
absl::StatusOr<ExtlinuxConfig> ParseExtlinux(absl::string_view text,
                                             absl::string_view origin);

struct ExtlinuxOptions {
  // The config file inside the root; relative paths start from its folder.
  std::string config = "/boot/extlinux/extlinux.conf";
  // U-Boot's `fdtfile` (with the vendor folder), which `fdtdir` needs:
  // e.g. "allwinner/sun50i-h618-orangepi-zero2w.dtb". Empty: unknown.
  std::string uboot_fdtfile;
};

// UBootAppend
//
// What U-Boot makes of an `append` line before it becomes `bootargs`:
// label_boot() in boot/pxe_utils.c passes it through
// cli_simple_process_macros() (common/cli_simple.c), which
//   - outside single quotes removes one level of backslash escapes: `\x`
//     is `x`, and an escaped `'` or `$` is plain text;
//   - drops single quotes and copies what lies between them as it is (no
//     escapes, no variables; an unclosed quote runs to the end);
//   - replaces `${name}` and `$(name)` (either closing bracket closes
//     either) with the value of U-Boot's environment variable, nothing when
//     it is unset;
//   - keeps a `$` that no bracket follows, with the character after it.
// Its quirks are kept too: a character right after an escaped backslash is
// never special (`\\'` is `\'`, `\\\` is two backslashes); an escaped
// bracket after `$` still opens a variable; and it silently drops a `$`
// that ends the line, a `${...` or `$(...` that the line ends before its
// closing bracket, and a single backslash at the very end.
struct UBootAppend {
  // The result with every variable expanded to nothing.
  std::string text;
  // Each variable reference as written, from `$` to its closing bracket
  // ("${root}"), in order.
  std::vector<std::string> variables;
  // What U-Boot drops at the end without a word (`${x`, `$`, `\`), or "".
  std::string dropped;
};

// ProcessUBootMacros()
//
// cli_simple_process_macros() of `append` with an empty environment (see
// UBootAppend). U-Boot's output buffer (CONFIG_SYS_CBSIZE) is not modelled:
// without variables the output is never longer than the input.
UBootAppend ProcessUBootMacros(absl::string_view append);

// ExtlinuxBootEntry()
//
// The entry of the label that would boot: the default label, else the first
// (a default naming no label is a warning). The DTB is `fdt`, else
// `fdtdir` + "/" + `uboot_fdtfile`; neither leaves `dtb` empty, with a
// warning (U-Boot would boot with its own device tree). The overlay policy
// is kSkipFailed, as U-Boot's extlinux applies each overlay on its own.
// The command line is ProcessUBootMacros() of the label's `append`; what
// that drops at the end is a warning. `fallback_labels` lists the other
// labels, which U-Boot would try when this one cannot load its files;
// mdboot does not (ExtlinuxFallbackNote() says so in errors).
//
// Returns:
//   kNotFound         the file has no label.
//   kInvalidArgument  the chosen label has no `linux`/`kernel` (e.g. a
//                     `localboot` label; when not localboot, the message
//                     ends with ExtlinuxFallbackNote()), or it has `fdtdir`
//                     but `uboot_fdtfile` is empty (the message says to
//                     pass it); its `append` names a U-Boot variable
//                     (`${name}` or `$(name)`), whose value mdboot cannot
//                     know, e.g. "/boot/extlinux/extlinux.conf line 4:
//                     label 'debian': append: U-Boot environment variable
//                     ${rootdev}: ..."; the processed `append` fails
//                     CheckCommandLine() (fdt/command_line.h): 2048 bytes
//                     or more, which the kernel would cut, or a control
//                     byte, e.g. "/boot/extlinux/extlinux.conf line 4: label
//                     'debian': append: control byte \x0d at offset 14; ..."
//                     (a CR adds the dos2unix hint). The line is the
//                     `append` line's.
absl::StatusOr<BootEntry> ExtlinuxBootEntry(const ExtlinuxConfig& config,
                                            const ExtlinuxOptions& options);

// ExtlinuxFallbackNote()
//
// What U-Boot would do next when the chosen label cannot be booted because
// its kernel, initrd or `fdt` is missing (boot_unattempted_labels() in
// boot/pxe_utils.c tries every other label, in file order), for error
// messages: "; U-Boot would try label 'l1' next (then 'l2'); mdboot boots
// only the chosen label". "" when there is no other label.
std::string ExtlinuxFallbackNote(const std::vector<std::string>& labels);

}  // namespace fdt_handoff

#endif  // INIT_EXTLINUX_H_
