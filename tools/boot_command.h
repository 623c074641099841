// File: tools/boot_command.h
//
// `fdt-handoff boot --root DIR [--json] [--uboot-fdtfile NAME]`: what mdboot
// would boot from a mounted copy of the RAID root, on any host. It runs the
// same library calls as the init (init/discover.h, init/boot_dtb.h): the
// configuration found, the kernel, initrd and DTB (as configured and where
// their symlinks lead inside DIR), the overlays applied, failed or missing,
// the command line, and every warning. The kexec plan and the DTB change
// report are not part of it yet (`fdt-handoff plan` gives them for explicit
// files).
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
