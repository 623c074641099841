// File: tools/boot_command.h
//
// `fdt-handoff boot --root DIR [--json] [--uboot-fdtfile NAME] [--live FDT]`:
// what mdboot would boot from a mounted copy of the RAID root, on any host.
// It makes the init's own library call (init/boot.h PrepareBoot): the
// configuration found, the kernel, initrd and DTB (as configured and where
// their symlinks lead inside DIR), the overlays applied, failed or missing,
// the command line, every warning, the target preflight (checks that need
// the array itself are notes on a host), the kexec plan and the DTB change
// report. Without the board's FDT (--live) and without a /memory node in
// the target DTB the plan cannot be made; the reason is printed instead.
#ifndef TOOLS_BOOT_COMMAND_H_
#define TOOLS_BOOT_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace fdt_handoff {

// RunBootCommand()
//
// `args` are the words after `boot`. Exit codes as RunCli(): 0 when a boot
// entry was found (overlay failures and warnings included), 1 when nothing
// would boot (no configuration, a missing or corrupt kernel, initrd or DTB),
// 2 for bad usage, 3 when reading DIR is not permitted.
int RunBootCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);

}  // namespace fdt_handoff

#endif  // TOOLS_BOOT_COMMAND_H_
