#include "init/test_root.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

void RemoveTree(const std::string& path) {
  // Test data only, under TEST_TMPDIR: a shell is the simplest rm -rf.
  const std::string cmd = absl::StrCat("rm -rf '", path, "'");
  if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << cmd;
}

void MakeParents(const std::string& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    const std::string dir = path.substr(0, i);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      ADD_FAILURE() << "mkdir " << dir << ": " << std::strerror(errno);
    }
  }
}

}  // namespace

TestRoot::TestRoot(absl::string_view name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  path_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  RemoveTree(path_);
  MakeParents(path_ + "/");
}

void TestRoot::File(absl::string_view rel, absl::string_view content) const {
  const std::string p = absl::StrCat(path_, "/", rel);
  MakeParents(p);
  std::ofstream out(p, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out.good()) ADD_FAILURE() << "cannot write " << p;
}

void TestRoot::Link(absl::string_view rel, absl::string_view target) const {
  const std::string p = absl::StrCat(path_, "/", rel);
  MakeParents(p);
  if (symlink(std::string(target).c_str(), p.c_str()) != 0) {
    ADD_FAILURE() << "symlink " << p << ": " << std::strerror(errno);
  }
}

void TestRoot::Dir(absl::string_view rel) const {
  MakeParents(absl::StrCat(path_, "/", rel, "/"));
}

void TestRoot::Armbian(absl::string_view env, absl::string_view dtb,
                       absl::string_view overlay) const {
  constexpr char kVer[] = "6.12.38-current-sunxi64";
  File(absl::StrCat("boot/vmlinuz-", kVer), "kernel");
  Link("boot/Image", absl::StrCat("vmlinuz-", kVer));
  File(absl::StrCat("boot/uInitrd-", kVer), "initrd");
  Link("boot/uInitrd", absl::StrCat("/boot/uInitrd-", kVer));
  const std::string dir = absl::StrCat("boot/dtb-", kVer, "/allwinner/");
  File(dir + "sun50i-h618-orangepi-zero2w.dtb", dtb);
  File(dir + "overlay/sun50i-h616-usbhost2.dtbo", overlay);
  File(dir + "overlay/sun50i-h616-usbhost3.dtbo", overlay);
  Link("boot/dtb", absl::StrCat("dtb-", kVer));
  File("boot/armbianEnv.txt", env);
}

}  // namespace fdt_handoff
