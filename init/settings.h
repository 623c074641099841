// File: init/settings.h
//
// mdboot's settings, read from the kernel command line of the mdboot kernel
// (the `bootargs` U-Boot gives it), as `mdboot.KEY[=VALUE]` words:
//
//   mdboot.wait=SECONDS   how long to wait for the array's members to appear
//                         (default 30; 0 = do not wait)
//   mdboot.array=ID       which array to boot: its UUID as mdadm prints it
//                         (8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b; dashes, colons
//                         and case do not matter) or its name (`zero2w:root`,
//                         or `root` for any host). Default: the only complete
//                         array.
//   mdboot.dryrun         do everything up to kexec_load, print the plan and
//                         the DTB change report, then start the rescue shell
//   mdboot.shell          start the rescue shell before booting
//   mdboot.verify         load the sha256-verifying purgatory (kexec --verify)
//   mdboot.strict         make the target preflight's warnings fatal
//   mdboot.dumpdtb        print the DTB handed to kexec_load on the console
//                         (init/dtb_dump.h's block), for checking on a host
//
// Flags take no value or one of 1/y/yes/on/true (0/n/no/off/false turns
// them off again: the last word wins, as for kernel parameters). Words are
// split as the kernel splits them (blanks, with "double quotes" grouping).
// Unknown `mdboot.*` keys and bad values are reported, never silently
// dropped; the setting keeps its default.
#ifndef INIT_SETTINGS_H_
#define INIT_SETTINGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fdt_handoff {

struct MdbootSettings {
  int wait_seconds = 30;
  std::string array;  // Empty: the only complete array.
  bool dryrun = false;
  bool shell = false;
  bool verify = false;
  bool strict = false;
  bool dumpdtb = false;
  std::vector<std::string> warnings;
};

// SplitKernelCommandLine()
//
// The words of a kernel command line as the kernel's next_arg() sees them:
// split on blanks and newlines outside double quotes; the quotes are
// removed (`a="b c"` -> `a=b c`).
std::vector<std::string> SplitKernelCommandLine(absl::string_view cmdline);

// ParseMdbootSettings()
//
// Reads every `mdboot.*` word of `cmdline` (e.g. /proc/cmdline); other
// words are ignored. Never fails: problems become `warnings`.
MdbootSettings ParseMdbootSettings(absl::string_view cmdline);

}  // namespace fdt_handoff

#endif  // INIT_SETTINGS_H_
