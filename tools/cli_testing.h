// File: tools/cli_testing.h
//
// Test-only: runs the CLI in-process, as the binary does (RunCli), and
// captures what it printed.
#ifndef TOOLS_CLI_TESTING_H_
#define TOOLS_CLI_TESTING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kexec/syscall.h"

namespace fdt_handoff {

// The exit status and the text written to stdout and stderr.
struct CliRun {
  int code;
  std::string out;
  std::string err;
};

// Cli()
//
// RunCli(args, ..., kexec) with string streams for stdout and stderr.
// `args` excludes the program name; `kexec` null means the real syscalls,
// as in RunCli().
CliRun Cli(const std::vector<std::string>& args,
           KexecSyscalls* kexec = nullptr);

// FileBytesOrEmpty()
//
// The bytes of `path`, or empty when it cannot be read (for comparing
// inputs before and after a run; a missing file then differs from any
// non-empty one).
std::vector<uint8_t> FileBytesOrEmpty(const std::string& path);

}  // namespace fdt_handoff

#endif  // TOOLS_CLI_TESTING_H_
