#include "init/mount_calls.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

namespace fdt_handoff {
namespace {

class Linux : public MountCalls {
 public:
  int Mount(const std::string& source, const std::string& target,
            const std::string& type, unsigned long flags,
            const std::string& data) override {
    return mount(source.c_str(), target.c_str(), type.c_str(), flags,
                 data.empty() ? nullptr : data.c_str()) == 0
               ? 0
               : errno;
  }
  int Unmount(const std::string& target) override {
    return umount2(target.c_str(), 0) == 0 ? 0 : errno;
  }
  int MakeDir(const std::string& path, unsigned mode) override {
    return mkdir(path.c_str(), mode) == 0 ? 0 : errno;
  }
  bool IsMountPoint(const std::string& path) override {
    struct stat self, parent;
    if (stat(path.c_str(), &self) != 0) return false;
    if (stat((path + "/..").c_str(), &parent) != 0) return false;
    return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
  }
};

}  // namespace

std::unique_ptr<MountCalls> LinuxMountCalls() {
  return std::make_unique<Linux>();
}

}  // namespace fdt_handoff
