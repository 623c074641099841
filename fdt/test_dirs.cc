#include "fdt/test_dirs.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fdt_handoff {

std::string MakeFreshTestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const char* tmp = getenv("TEST_TMPDIR");
  if (info == nullptr || tmp == nullptr) return "";
  std::string dir = absl::StrCat(tmp, "/", info->name());
  if (mkdir(dir.c_str(), 0755) != 0) return "";
  return dir;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  for (dirent* e = readdir(d); e != nullptr; e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

mode_t PermissionBits(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

}  // namespace fdt_handoff
