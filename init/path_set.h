// File: init/path_set.h
//
// A PathProbe over a fixed set of paths, for table tests of the boot
// configuration parsers (testonly).
#ifndef INIT_PATH_SET_H_
#define INIT_PATH_SET_H_

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "init/boot_entry.h"

namespace fdt_handoff {

class PathSet : public PathProbe {
 public:
  PathSet(std::initializer_list<std::string> paths) : paths_(paths) {}
  bool Exists(absl::string_view path) const override {
    return paths_.count(std::string(path)) > 0;
  }

 private:
  std::set<std::string> paths_;
};

}  // namespace fdt_handoff

#endif  // INIT_PATH_SET_H_
