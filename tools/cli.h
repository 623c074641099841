// File: tools/cli.h
//
// The `fdt-handoff` command line, as a function so tests can run every
// command in-process and check its exit code, output and files.
//
//   fdt-handoff inspect DTB
//   fdt-handoff dump DTB
//   fdt-handoff apply BASE OVERLAY... -o OUT
//   fdt-handoff reconcile --dtb TARGET [--live LIVE | --no-live] ... -o OUT
//   fdt-handoff diff A B [--text]
//   fdt-handoff regress (--corpus DIR | --package PKG) --live LIVE
//       [--profile FILE]... [--overlay DTBO]... [--symbols DIR] [--json]
//   fdt-handoff plan|load|exec --kernel IMAGE --dtb TARGET [--initrd FILE]
//       [DTB options] [--verify] [--timings]   (plan: [--json] [--page-size N])
//   fdt-handoff boot --root DIR [--json] [--uboot-fdtfile NAME]
//
// Every command takes --help, which lists its options and these exit codes
// (tools/cli_test.cc runs the --help of every command the global usage lists
// and checks it exits 0 and gives all four).
//
// Exit codes: 0 success, 1 bad input (a file, a tree, an overlay, an
// option's value; a regress verdict FAIL; nothing `boot` could boot),
// 2 bad usage (unknown command, option or rule, missing argument),
// 3 refused by the environment (permission denied: not root, EPERM,
// lockdown, kexec_load_disabled, an unreadable input; load/exec on a host
// that is not arm64 or a kernel without kexec, ENOSYS). A failed standard
// output turns 0 into 1. Errors go to `err`; an output file is written only
// on success, via a temporary file and rename().
#ifndef TOOLS_CLI_H_
#define TOOLS_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace fdt_handoff {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitEnvironment = 3;

class KexecSyscalls;  // kexec/syscall.h

// RunCli()
//
// `args` excludes the program name. Never exits the process. `kexec` is the
// syscall layer plan/load/exec use (tests pass a fake); null: the real one,
// LinuxKexecSyscalls().
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, KexecSyscalls* kexec = nullptr);

}  // namespace fdt_handoff

#endif  // TOOLS_CLI_H_
