// File: fdt/path.h
//
// The one joiner of device-tree node paths. The root is "/", so a child of
// the root is "/name", not "//name"; every other child is "parent/name".
//
//   JoinNodePath("/", "soc")             == "/soc"
//   JoinNodePath("/soc", "usb@5310000")  == "/soc/usb@5310000"
#ifndef FDT_PATH_H_
#define FDT_PATH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fdt_handoff {

// JoinNodePath()
//
// The path of node `child` (a node name, without '/') under the node at
// absolute path `parent`. No checks: both come from a parsed tree or from
// our own code.
std::string JoinNodePath(absl::string_view parent, absl::string_view child);

}  // namespace fdt_handoff

#endif  // FDT_PATH_H_
