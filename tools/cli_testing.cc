#include "tools/cli_testing.h"

#include <sstream>

#include "fdt/file_io.h"
#include "tools/cli.h"

namespace fdt_handoff {

CliRun Cli(const std::vector<std::string>& args, KexecSyscalls* kexec) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err, kexec);
  return CliRun{code, out.str(), err.str()};
}

std::vector<uint8_t> FileBytesOrEmpty(const std::string& path) {
  auto b = ReadFile(path);
  return b.ok() ? *b : std::vector<uint8_t>{};
}

}  // namespace fdt_handoff
