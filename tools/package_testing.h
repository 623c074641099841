// File: tools/package_testing.h
//
// Test-only helpers that build small kernel packages at test time from the
// corpus DTBs (testdata/corpus/LINE/): a package folder in any distribution
// layout, and a real .deb of it made with dpkg-deb. Failures are reported
// with ADD_FAILURE() so the calling test fails.
#ifndef TOOLS_PACKAGE_TESTING_H_
#define TOOLS_PACKAGE_TESTING_H_

#include <string>

namespace fdt_handoff {

// Creates `path` and its parents.
void MakeDirs(const std::string& path);

// Writes `text` to `path`.
void WriteText(const std::string& path, const std::string& text);

// Copies every DTB of testdata/corpus/`line`/ into `dir` (created).
void CopyCorpusLine(const std::string& line, const std::string& dir);

// $TEST_TMPDIR/packages/`name` (fresh) with the folder `subdir` inside,
// holding the DTBs of corpus line `line` unless `line` is empty. Returns
// the package's root.
std::string PackageTree(const std::string& name, const std::string& subdir,
                        const std::string& line);

// Builds `root` into $TEST_TMPDIR/`package`.deb with dpkg-deb, data
// compressed with `compression` ("xz", "zstd"). Returns the .deb's path.
std::string BuildDeb(const std::string& root, const std::string& package,
                     const std::string& compression);

}  // namespace fdt_handoff

#endif  // TOOLS_PACKAGE_TESTING_H_
