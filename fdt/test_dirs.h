// File: fdt/test_dirs.h
//
// Test-only helpers for tests that check what a file operation leaves on
// disk: a fresh directory per test, its sorted listing, and a file's
// permission bits. In fdt/ (not tools/) so fdt's own tests can use them
// without an upward include; tools/ tests use them too.
#ifndef FDT_TEST_DIRS_H_
#define FDT_TEST_DIRS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace fdt_handoff {

// MakeFreshTestDir()
//
// Creates $TEST_TMPDIR/<current gtest name> (mode 0755) and returns its
// path, or "" when it cannot (it already exists, or no test is running), so
// the caller can ASSERT on it.
std::string MakeFreshTestDir();

// ListDir()
//
// The names in `dir` other than "." and "..", sorted; empty when `dir`
// cannot be opened.
std::vector<std::string> ListDir(const std::string& dir);

// PermissionBits()
//
// `path`'s mode & 07777 (following links), 0 when it cannot be stat'ed.
mode_t PermissionBits(const std::string& path);

}  // namespace fdt_handoff

#endif  // FDT_TEST_DIRS_H_
