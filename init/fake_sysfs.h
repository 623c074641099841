// File: init/fake_sysfs.h
//
// A /sys/class/block tree under TEST_TMPDIR, shaped as the kernel shapes
// it: a disk is a folder with `size`, its partitions are folders inside it
// with `partition`, and /sys/class/block/PART links to DISK/PART (testonly).
#ifndef INIT_FAKE_SYSFS_H_
#define INIT_FAKE_SYSFS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "init/test_root.h"

namespace fdt_handoff {

class FakeSysBlock {
 public:
  explicit FakeSysBlock(absl::string_view name) : root_(name) {
    root_.Dir("class/block");
  }
  std::string class_block() const { return root_.path() + "/class/block"; }
  std::string block() const { return root_.path() + "/block"; }

  void Disk(const std::string& name, const std::string& size = "4194304") const {
    root_.File("class/block/" + name + "/size", size + "\n");
  }
  void Partition(const std::string& disk, const std::string& part) const {
    root_.File("class/block/" + disk + "/" + part + "/size", "2097152\n");
    root_.File("class/block/" + disk + "/" + part + "/partition", "1\n");
    root_.Link("class/block/" + part, disk + "/" + part);
  }

 private:
  TestRoot root_;
};

}  // namespace fdt_handoff

#endif  // INIT_FAKE_SYSFS_H_
