#include "init/boot_entry.h"

namespace fdt_handoff {

const char* OverlayOriginName(OverlayFile::Origin origin) {
  switch (origin) {
    case OverlayFile::Origin::kArmbianOverlays:
      return "overlays";
    case OverlayFile::Origin::kArmbianUserOverlays:
      return "user_overlays";
    case OverlayFile::Origin::kExtlinuxFdtOverlays:
      return "fdtoverlays";
  }
  return "?";
}

}  // namespace fdt_handoff
