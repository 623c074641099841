// File: fdt/command_line.h
//
// The one rule for the kernel command line the target kernel receives in
// /chosen/bootargs, whoever builds it: the CLI (--append, --reuse-cmdline),
// Reconcile()'s bootargs rule, and mdboot's boot configurations
// (armbianEnv.txt, extlinux.conf). Each caller checks before anything is
// written or loaded and names where the text came from; the rule and its
// wording live here only.
//
// Why a limit: arm64's early_init_dt_scan_chosen() (drivers/of/fdt.c)
// copies /chosen/bootargs with strscpy(cmdline, p, min(l,
// COMMAND_LINE_SIZE)), and arch/arm64/include/uapi/asm/setup.h defines
// `#define COMMAND_LINE_SIZE 2048` (Debian's linux 6.12.107 source). So the
// kernel keeps at most 2047 bytes plus the NUL and drops the rest without a
// word: a root= or init= at the end would silently be lost.
//
// Why printable text only: a control byte (newline, ESC, NUL, ...) would
// reach /proc/cmdline, the boot log and our reports raw, and a NUL ends the
// string property early. Tabs are refused too: the kernel's next_arg()
// (lib/cmdline.c) splits on every isspace() byte, so a tab, CR or newline
// can only ever act as a separator, which a space does as well; inside a
// quoted value it stays raw. One rule, the one the CLI has applied to
// --append from the start, keeps every path the same. Bytes 0x80..0xff
// (UTF-8) pass: the kernel treats them as ordinary characters.
//
//   RETURN_IF_ERROR(CheckCommandLine(bootargs));
#ifndef FDT_COMMAND_LINE_H_
#define FDT_COMMAND_LINE_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fdt_handoff {

// arm64's COMMAND_LINE_SIZE, the terminating NUL included: a command line
// holds at most kCommandLineSize - 1 bytes.
inline constexpr size_t kCommandLineSize = 2048;

// CheckCommandLine()
//
// OK when `cmdline` is at most kCommandLineSize - 1 bytes of printable text
// (no byte below 0x20, no 0x7f). The empty command line is fine. Messages
// carry no prefix naming the source, so a caller can put its own in front
// ("--append: ", "/boot/armbianEnv.txt: extraargs: "); the offset is into
// `cmdline`. The first control byte is reported before the length.
//
// Returns:
//   kInvalidArgument  a control byte, e.g. "control byte \x0a at offset 15;
//                     the kernel command line (/chosen/bootargs) takes
//                     printable text (separate parameters with spaces)"
//                     (the byte as fdt/escape.h's Escaped() writes it);
//                     or 2048 bytes or more: "the kernel command line
//                     (/chosen/bootargs) would be 3000 bytes; arm64 takes
//                     at most 2047 (COMMAND_LINE_SIZE 2048, NUL included)
//                     and would cut the rest".
absl::Status CheckCommandLine(absl::string_view cmdline);

// FirstControlByte()
//
// The offset of the first byte CheckCommandLine() refuses as a control byte
// (below 0x20, or 0x7f), or absl::string_view::npos. For a caller that
// builds the command line from several settings and names the one at fault.
size_t FirstControlByte(absl::string_view text);

}  // namespace fdt_handoff

#endif  // FDT_COMMAND_LINE_H_
