#include "tools/package_testing.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/file_io.h"
#include "gtest/gtest.h"

namespace fdt_handoff {

void MakeDirs(const std::string& path) {
  std::string so_far;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    absl::StrAppend(&so_far, part, "/");
    if (part.empty()) continue;
    if (mkdir(so_far.c_str(), 0755) != 0 && errno != EEXIST) {
      ADD_FAILURE() << "mkdir " << so_far << ": " << errno;
      return;
    }
  }
}

void WriteText(const std::string& path, const std::string& text) {
  const absl::Status s = WriteFileAtomic(
      path, absl::Span<const uint8_t>(
                reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  if (!s.ok()) ADD_FAILURE() << s;
}

void CopyCorpusLine(const std::string& line, const std::string& dir) {
  MakeDirs(dir);
  const std::string from = "testdata/corpus/" + line;
  DIR* d = opendir(from.c_str());
  if (d == nullptr) {
    ADD_FAILURE() << "cannot open " << from;
    return;
  }
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < 5 || name.substr(name.size() - 4) != ".dtb") continue;
    auto bytes = ReadFile(from + "/" + name);
    if (!bytes.ok()) {
      ADD_FAILURE() << bytes.status();
      continue;
    }
    const absl::Status s = WriteFileAtomic(dir + "/" + name, *bytes);
    if (!s.ok()) ADD_FAILURE() << s;
  }
  closedir(d);
}

std::string PackageTree(const std::string& name, const std::string& subdir,
                        const std::string& line) {
  const std::string root =
      absl::StrCat(getenv("TEST_TMPDIR"), "/packages/", name);
  if (std::system(("rm -rf '" + root + "'").c_str()) != 0) {
    ADD_FAILURE() << "cannot clear " << root;
  }
  MakeDirs(root + "/" + subdir);
  if (!line.empty()) CopyCorpusLine(line, root + "/" + subdir);
  return root;
}

std::string BuildDeb(const std::string& root, const std::string& package,
                     const std::string& compression) {
  MakeDirs(root + "/DEBIAN");
  WriteText(root + "/DEBIAN/control",
            absl::StrCat("Package: ", package,
                         "\nVersion: 1.0\nArchitecture: arm64\n"
                         "Maintainer: fdt-handoff tests <tests@invalid>\n"
                         "Description: test package\n"));
  const std::string deb =
      absl::StrCat(getenv("TEST_TMPDIR"), "/", package, "-", compression, ".deb");
  const std::string cmd =
      absl::StrCat("dpkg-deb --root-owner-group -Z", compression, " --build '",
                   root, "' '", deb, "' >/dev/null");
  if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "failed: " << cmd;
  return deb;
}

}  // namespace fdt_handoff
