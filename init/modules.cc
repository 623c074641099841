#include "init/modules.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fdt_handoff {
namespace {

// include/uapi/linux/module.h; older libc headers lack it.
constexpr int kModuleInitCompressedFile = 4;

class Linux : public ModuleCalls {
 public:
  int LoadModule(const std::string& path, int flags) override {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const long r = syscall(SYS_finit_module, fd, "", flags);
    const int err = r == 0 ? 0 : errno;
    close(fd);
    return err;
  }
};

std::string ErrnoText(int err) {
  const char* name = err == ENOENT      ? "ENOENT"
                     : err == ENOEXEC   ? "ENOEXEC"
                     : err == EOPNOTSUPP ? "EOPNOTSUPP"
                     : err == EINVAL    ? "EINVAL"
                     : err == EPERM     ? "EPERM"
                     : err == EKEYREJECTED ? "EKEYREJECTED"
                     : err == ENOMEM    ? "ENOMEM"
                                        : nullptr;
  std::string out = strerror(err);
  if (name != nullptr) absl::StrAppend(&out, " (", name, ")");
  if (err == EOPNOTSUPP) {
    absl::StrAppend(&out, ": this kernel cannot load compressed modules "
                          "(CONFIG_MODULE_DECOMPRESS); ship them uncompressed");
  } else if (err == ENOEXEC || err == EINVAL) {
    absl::StrAppend(&out, ": built for another kernel? The modules must come "
                          "from the running kernel's package");
  } else if (err == ENOENT) {
    absl::StrAppend(&out, ": a symbol it needs is missing (a dependency "
                          "failed to load), or the file is absent");
  }
  return out;
}

}  // namespace

std::unique_ptr<ModuleCalls> LinuxModuleCalls() {
  return std::make_unique<Linux>();
}

std::vector<std::string> ParseLoadOrder(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    out.emplace_back(line);
  }
  return out;
}

int ModuleLoadFlags(absl::string_view path) {
  return absl::EndsWith(path, ".xz") || absl::EndsWith(path, ".zst") ||
                 absl::EndsWith(path, ".gz")
             ? kModuleInitCompressedFile
             : 0;
}

ModuleLoadResult LoadModules(ModuleCalls& calls, absl::string_view load_order,
                             Console& console) {
  ModuleLoadResult result;
  const std::vector<std::string> paths = ParseLoadOrder(load_order);
  for (const std::string& path : paths) {
    const int err = calls.LoadModule(path, ModuleLoadFlags(path));
    if (err == 0) {
      ++result.loaded;
    } else if (err == EEXIST) {
      ++result.already;
    } else {
      result.failures.push_back(absl::StrCat(path, ": ", ErrnoText(err)));
      console.Log("module ", result.failures.back());
    }
  }
  console.Log("modules: ", result.loaded, " loaded, ", result.already,
              " already present, ", result.failures.size(), " failed (of ",
              paths.size(), ")");
  return result;
}

}  // namespace fdt_handoff
