#include "init/early.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fdt_handoff {
namespace {

struct EarlyMount {
  const char* type;
  const char* target;
  unsigned long flags;
  const char* data;
};

constexpr EarlyMount kEarly[] = {
    {"proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""},
    {"sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""},
    {"devtmpfs", "/dev", MS_NOSUID, "mode=0755"},
    {"tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755"},
    {"tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777"},
};

}  // namespace

absl::Status MountEarly(MountCalls& calls) {
  std::vector<std::string> failures;
  for (const EarlyMount& m : kEarly) {
    calls.MakeDir(m.target, 0755);  // EEXIST is the normal case.
    if (calls.IsMountPoint(m.target)) continue;
    const int err = calls.Mount(m.type, m.target, m.type, m.flags, m.data);
    if (err != 0 && err != EBUSY) {
      failures.push_back(
          absl::StrCat(m.type, " on ", m.target, ": ", strerror(err)));
    }
  }
  if (failures.empty()) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("cannot mount ", absl::StrJoin(failures, "; ")));
}

}  // namespace fdt_handoff
