#include "fdt/path.h"

#include "absl/strings/str_cat.h"

namespace fdt_handoff {

std::string JoinNodePath(absl::string_view parent, absl::string_view child) {
  return parent == "/" ? absl::StrCat("/", child)
                       : absl::StrCat(parent, "/", child);
}

}  // namespace fdt_handoff
