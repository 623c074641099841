// fdt-handoff: see tools/cli.h and README.md.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli.h"
#include "tools/temp_file_cleanup.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  fdt_handoff::InstallTempFileCleanup();
  return fdt_handoff::RunCli(args, std::cout, std::cerr);
}
