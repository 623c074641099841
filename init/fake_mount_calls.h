// File: init/fake_mount_calls.h
//
// A MountCalls that records every call as one line of text and answers
// with the errno a test chose per target (testonly).
#ifndef INIT_FAKE_MOUNT_CALLS_H_
#define INIT_FAKE_MOUNT_CALLS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/mount_calls.h"

namespace fdt_handoff {

class FakeMountCalls : public MountCalls {
 public:
  // "mount SOURCE TARGET TYPE FLAGS DATA", "umount TARGET", "mkdir PATH".
  std::vector<std::string> calls;
  // errno for mount(), by "TARGET" or "TARGET TYPE" (the latter wins).
  std::map<std::string, int> mount_errno;
  std::map<std::string, int> umount_errno;
  // Targets mounted and not yet unmounted (a test may add some first).
  std::set<std::string> mounted;

  int Mount(const std::string& source, const std::string& target,
            const std::string& type, unsigned long flags,
            const std::string& data) override {
    calls.push_back(
        absl::StrCat("mount ", source, " ", target, " ", type, " ", flags,
                     data.empty() ? "" : " ", data));
    auto it = mount_errno.find(target + " " + type);
    if (it == mount_errno.end()) it = mount_errno.find(target);
    if (it != mount_errno.end()) return it->second;
    mounted.insert(target);
    return 0;
  }
  int Unmount(const std::string& target) override {
    calls.push_back("umount " + target);
    auto it = umount_errno.find(target);
    if (it != umount_errno.end()) return it->second;
    mounted.erase(target);
    return 0;
  }
  int MakeDir(const std::string& path, unsigned) override {
    calls.push_back("mkdir " + path);
    return 0;
  }
  // Answers from `mounted`; not recorded (it changes nothing).
  bool IsMountPoint(const std::string& path) override {
    return mounted.count(path) != 0;
  }
};

}  // namespace fdt_handoff

#endif  // INIT_FAKE_MOUNT_CALLS_H_
