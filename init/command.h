// File: init/command.h
//
// Running a program and collecting what it prints: mdboot's only use of
// other programs is mdadm (the tool that owns the md formats) and the
// rescue shell. Behind an interface, so init/md.h is tested with a fake
// that answers with captured mdadm output.
#ifndef INIT_COMMAND_H_
#define INIT_COMMAND_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fdt_handoff {

struct CommandResult {
  int exit_status = 0;  // The exit code; 128 + N when killed by signal N.
  std::string out;      // stdout
  std::string err;      // stderr
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // CommandRunner::Run()
  //
  // Runs argv[0] (an absolute path; no PATH search) with `argv`, stdin
  // from /dev/null, and waits for it.
  //
  // Returns:
  //   kNotFound     argv[0] does not exist.
  //   kUnavailable  fork, pipe or exec failed (errno named).
  virtual absl::StatusOr<CommandResult> Run(
      const std::vector<std::string>& argv) = 0;
};

std::unique_ptr<CommandRunner> LinuxCommandRunner();

// The first line of `text` that is not blank, for messages ("" if none).
std::string FirstLine(const std::string& text);

}  // namespace fdt_handoff

#endif  // INIT_COMMAND_H_
