// File: init/test_root.h
//
// Builds root file systems under TEST_TMPDIR for the tests of root_dir.h,
// discover.h and `fdt-handoff boot` (testonly): files, folders and symlinks,
// laid out as Armbian lays out /boot.
#ifndef INIT_TEST_ROOT_H_
#define INIT_TEST_ROOT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fdt_handoff {

class TestRoot {
 public:
  // A fresh, empty folder `name` under TEST_TMPDIR (removed first if left
  // over from an earlier run).
  explicit TestRoot(absl::string_view name);

  const std::string& path() const { return path_; }

  // `rel` is inside the root; parent folders are created. Failures abort
  // the test (ADD_FAILURE) and leave the file absent.
  void File(absl::string_view rel, absl::string_view content) const;
  void Link(absl::string_view rel, absl::string_view target) const;
  void Dir(absl::string_view rel) const;

  // Armbian 6.12.38-current-sunxi64 on the Zero 2W: /boot/Image ->
  // vmlinuz-..., /boot/uInitrd -> /boot/uInitrd-... (absolute), /boot/dtb ->
  // dtb-... with the board's DTB `dtb` and overlays usbhost2/usbhost3
  // (contents `overlay`), and /boot/armbianEnv.txt = `env`.
  void Armbian(absl::string_view env, absl::string_view dtb,
               absl::string_view overlay) const;

 private:
  std::string path_;
};

}  // namespace fdt_handoff

#endif  // INIT_TEST_ROOT_H_
