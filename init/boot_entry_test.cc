#include "init/boot_entry.h"

#include <string>

#include "gtest/gtest.h"
#include "init/path_set.h"

namespace fdt_handoff {
namespace {

TEST(OverlayOriginName, SpellsTheSettingItCameFrom) {
  const struct {
    OverlayFile::Origin origin;
    std::string name;
  } kCases[] = {
      {OverlayFile::Origin::kArmbianOverlays, "overlays"},
      {OverlayFile::Origin::kArmbianUserOverlays, "user_overlays"},
      {OverlayFile::Origin::kExtlinuxFdtOverlays, "fdtoverlays"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(OverlayOriginName(c.origin), c.name);
  }
}

TEST(PathSet, AnswersOnlyForItsPaths) {
  const PathSet probe = {"/boot/Image", "/boot/dtb/allwinner/a.dtb"};
  EXPECT_TRUE(probe.Exists("/boot/Image"));
  EXPECT_TRUE(probe.Exists("/boot/dtb/allwinner/a.dtb"));
  EXPECT_FALSE(probe.Exists("/boot/image"));
  EXPECT_FALSE(probe.Exists("/boot"));
}

}  // namespace
}  // namespace fdt_handoff
