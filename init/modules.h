// File: init/modules.h
//
// Loading the initramfs's kernel modules (the QEMU profile: xhci, usb-storage,
// sd_mod, md-mod, raid0, ext4 and their dependencies) with finit_module(2),
// in the order tools/build_initramfs.sh computed from modules.dep at build
// time and wrote to /lib/modules/load-order: one absolute path a line,
// dependencies first, `#` lines are comments. The board's kernel has
// everything built in and its initramfs has no such file.
//
// Compressed modules (.ko.xz, .ko.zst, .ko.gz, Debian trixie's) are passed
// as they are with MODULE_INIT_COMPRESSED_FILE: kernels with
// CONFIG_MODULE_DECOMPRESS unpack them; others refuse with EOPNOTSUPP,
// which is reported like any other failure. EEXIST (built in, or loaded
// before) is success. A failure does not stop the others: the device that
// module drives will then simply not appear, and the wait says so.
#ifndef INIT_MODULES_H_
#define INIT_MODULES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/console.h"

namespace fdt_handoff {

class ModuleCalls {
 public:
  virtual ~ModuleCalls() = default;
  // open(path) + finit_module(fd, "", flags). Returns 0 or errno (the open's
  // errno if the file cannot be opened).
  virtual int LoadModule(const std::string& path, int flags) = 0;
};

std::unique_ptr<ModuleCalls> LinuxModuleCalls();

// ParseLoadOrder()
//
// The module paths of a load-order file, in order: blank lines and `#`
// comments dropped, surrounding blanks trimmed.
std::vector<std::string> ParseLoadOrder(absl::string_view text);

// The finit_module flags for `path`: MODULE_INIT_COMPRESSED_FILE (4) for
// names ending in .xz, .zst or .gz, else 0.
int ModuleLoadFlags(absl::string_view path);

struct ModuleLoadResult {
  int loaded = 0;
  int already = 0;                    // EEXIST
  std::vector<std::string> failures;  // "raid0.ko: Exec format error (ENOEXEC)"
};

// LoadModules()
//
// Loads each path of ParseLoadOrder(`load_order`) in order, logging each
// failure on `console` with the module and errno, and one summary line.
ModuleLoadResult LoadModules(ModuleCalls& calls, absl::string_view load_order,
                             Console& console);

}  // namespace fdt_handoff

#endif  // INIT_MODULES_H_
