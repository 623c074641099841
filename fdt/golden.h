// File: fdt/golden.h
//
// Golden-file checks for tests: compare a test's text output (usually a
// canonical DTS dump from fdt/dts_text.h) with a file checked into the source
// tree, and show a unified diff when they differ.
//
//   absl::StatusOr<std::string> dts = DumpDts(result);
//   ASSERT_TRUE(dts.ok()) << dts.status();
//   absl::Status golden = CheckGolden(*dts, "testdata/goldens/zero2w.dts");
//   EXPECT_TRUE(golden.ok()) << golden;
//
// The golden file must be listed in the test's `data` so that Bazel puts it in
// the runfiles.
//
// Regenerating goldens is explicit and never happens in an ordinary run. From
// the workspace root:
//
//   bazel test //fdt:some_test --spawn_strategy=local --test_env=UPDATE_GOLDENS=$PWD
//
// With UPDATE_GOLDENS set to the absolute path of the source tree, every
// CheckGolden() call writes its `actual` text to
// $UPDATE_GOLDENS/<golden_path> and passes. --spawn_strategy=local is needed
// because Bazel's sandbox makes the source tree read-only. Review the result
// with `git diff` before committing it.
#ifndef FDT_GOLDEN_H_
#define FDT_GOLDEN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fdt_handoff {

// CheckGolden()
//
// Compares `actual` with the golden file at `golden_path`, a path relative to
// the workspace root ("testdata/goldens/x.dts"). The file is looked up in the
// test's runfiles, $TEST_SRCDIR/$TEST_WORKSPACE/<golden_path> (workspace
// "fdt_handoff" when TEST_WORKSPACE is unset), then relative to the current
// directory, which is the runfiles root under `bazel test`.
//
// When the environment variable UPDATE_GOLDENS is set and non-empty, nothing
// is compared: `actual` is written to $UPDATE_GOLDENS/<golden_path> with
// WriteFileAtomic() (skipped when the file already holds exactly `actual`).
// No directory is created: a golden in a new directory needs that directory
// made by hand first, so that a typo in a path cannot scatter files.
//
// Returns:
//   kOk                 `actual` equals the golden file, or it was written.
//   kFailedPrecondition the texts differ; the message holds a unified diff
//                       (--- golden, +++ actual) and the command that
//                       regenerates the golden.
//   kNotFound           the golden file does not exist (the message names it
//                       and gives the regeneration command), or, when
//                       updating, its directory does not exist.
//   kInvalidArgument    `golden_path` is empty, absolute or contains a ".."
//                       component; or UPDATE_GOLDENS is not an absolute path.
//   other               errors reading or writing the file, from ReadFile()
//                       and WriteFileAtomic() (kPermissionDenied, ...).
absl::Status CheckGolden(absl::string_view actual,
                         const std::string& golden_path);

}  // namespace fdt_handoff

#endif  // FDT_GOLDEN_H_
