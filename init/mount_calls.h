// File: init/mount_calls.h
//
// The mount-related syscalls mdboot makes (mount(2), umount2(2), mkdir(2),
// and stat(2) to tell a mount point), behind an interface so early.h and
// mount.h are tested with a fake that records the calls. LinuxMountCalls()
// is the real thing; it is the only code in init/ that mounts.
#ifndef INIT_MOUNT_CALLS_H_
#define INIT_MOUNT_CALLS_H_

#include <memory>
#include <string>

namespace fdt_handoff {

class MountCalls {
 public:
  virtual ~MountCalls() = default;
  // mount(source, target, type, flags, data). Returns 0 or errno.
  virtual int Mount(const std::string& source, const std::string& target,
                    const std::string& type, unsigned long flags,
                    const std::string& data) = 0;
  // umount2(target, 0). Returns 0 or errno.
  virtual int Unmount(const std::string& target) = 0;
  // mkdir(path, mode). Returns 0 or errno (EEXIST included).
  virtual int MakeDir(const std::string& path, unsigned mode) = 0;
  // True when something is mounted on `path`: it is on another device than
  // its parent folder, or it is its own parent ("/"). False when it cannot
  // be stat'ed (missing).
  virtual bool IsMountPoint(const std::string& path) = 0;
};

std::unique_ptr<MountCalls> LinuxMountCalls();

}  // namespace fdt_handoff

#endif  // INIT_MOUNT_CALLS_H_
