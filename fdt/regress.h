// File: fdt/regress.h
//
// The regression suite for new kernel versions: runs board profiles
// (fdt/regress_profile.h: target DTB name, overlays, expected results) over
// kernel DTBs and says, per board and kernel, whether the handoff DTB still
// comes out right.
//
// Two sources of kernel DTBs:
//   - a corpus: a folder with one subfolder per kernel ("6.12", "7.2",
//     "7.2.13"), each holding that kernel's DTBs as shipped;
//   - one kernel package, unpacked (tools/kernel_package.h finds its
//     H616/H618 DTBs and its release): every DTB in it gets a verdict, by
//     its profile if one names it, else by the fixup checks alone.
// An optional symbols folder of the corpus layout holds DTBs built with
// `dtc -@`. Distribution DTBs have no __symbols__, so the labels the
// overlays use are grafted from the symbol build of the same kernel line
// or, when there is none, of the nearest older one (said so per board); a
// label whose node vanished in the new kernel is reported as the failure.
//
// Each board's DTB is reconciled against the live FDT with the profile's
// overlays, then checked: every expectation of the profile (overlay results
// such as "/soc/usb@5310000 status = okay"), and the fixups (memory equal to
// the live FDT's, each live firmware reservation covered exactly once, the
// serial number, fresh seeds, stdout-path kept). Failures name the kernel,
// the node and what went wrong.
#ifndef FDT_REGRESS_H_
#define FDT_REGRESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/blob.h"
#include "fdt/regress_profile.h"

namespace fdt_handoff {

// A profile with its overlays loaded, in the profile's order.
struct ProfileRun {
  BoardProfile profile;
  std::vector<Fdt> overlays;
};

struct RegressOptions {
  std::string corpus_dir;   // RunRegression() only.
  std::string symbols_dir;  // May be empty: no label source.
  const Fdt* live = nullptr;
  std::vector<ProfileRun> profiles;
};

// One kernel's DTBs, as found in a package.
struct KernelDtbs {
  std::string release;  // "7.2.13+deb14-arm64": shown, and its leading
                        // N.N.N picks the symbol build.
  std::string origin;   // The package, for messages.
  std::vector<std::string> dtb_paths;
  // Non-empty when `dtb_paths` were extracted into this scratch folder:
  // messages then name a DTB "<origin>:<its path in the package>".
  std::string extracted_root;
};

// One verdict: a board on a kernel.
struct LineResult {
  enum class Outcome { kPass, kFail, kNotApplicable };
  std::string version;  // The corpus folder or the package's release.
  std::string dtb;      // The DTB file checked (or missing).
  std::string board;    // The profile's board; empty: no profile.
  Outcome outcome = Outcome::kPass;
  std::vector<std::string> messages;  // Failures, or the reason for n/a.
  std::vector<std::string> notes;     // Where the labels came from.
  int checks = 0;                     // Checks that ran.
};

// LoadProfileRuns()
//
// Loads the profiles `profile_files` (none: the built-in ones) and each
// profile's overlays by name: from `overlay_files` with that file name, else
// beside the profile file. Every overlay file must be named by a profile.
//
// Returns:
//   kNotFound          an overlay a profile names is neither among
//                      `overlay_files` nor beside the profile (names both).
//   kInvalidArgument   an overlay file no profile names; a profile that does
//                      not parse ("<file>:<line>: ...").
//   other              the codes of LoadBoardProfile() and Fdt::FromFile().
absl::StatusOr<std::vector<ProfileRun>> LoadProfileRuns(
    const std::vector<std::string>& profile_files,
    const std::vector<std::string>& overlay_files);

// RunRegression()
//
// Runs every profile over every kernel folder of `corpus_dir`: one result
// per folder and profile, oldest kernel first, profiles in order. A kernel
// older than the profile's `since` that lacks the board is n/a; a newer one
// that lacks it fails.
//
// Returns:
//   kNotFound          `corpus_dir` does not exist or has no kernel folders.
//   kInvalidArgument   no live FDT or no profile.
//   other              the live FDT does not parse (codes of ParseTree()).
absl::StatusOr<std::vector<LineResult>> RunRegression(
    const RegressOptions& options);

// RunKernelRegression()
//
// One result per DTB of `kernel` (by its profile, or the fixup checks alone
// when no profile names it), then one per profile whose board the kernel
// lacks (n/a before the profile's `since`, else a failure).
//
// Returns:
//   kInvalidArgument   no live FDT, or `kernel` has no DTBs.
//   other              the live FDT does not parse (codes of ParseTree()).
absl::StatusOr<std::vector<LineResult>> RunKernelRegression(
    const KernelDtbs& kernel, const RegressOptions& options);

// FormatRegression()
//
// One verdict line per board and kernel ("PASS 6.12   sun50i-h618-orangepi-
// zero2w.dtb (14 checks)"), its notes and failures indented below it, and a
// closing "verdicts: N passed, N failed, N not applicable" line.
std::string FormatRegression(const std::vector<LineResult>& results);

// FormatRegressionJson()
//
// The same as one JSON object for CI systems:
//   {"results": [{"kernel", "dtb", "board", "verdict": "pass"|"fail"|"n/a",
//                 "checks", "notes": [...], "messages": [...]}...],
//    "passed": N, "failed": N, "not_applicable": N}
std::string FormatRegressionJson(const std::vector<LineResult>& results);

// RegressFailed(): true when any result is a failure (exit status 1).
bool RegressFailed(const std::vector<LineResult>& results);

// CompareVersions(): "6.12" vs "7.2" numerically, each by its leading
// digits and dots ("7.2.13+deb14-arm64" is 7.2.13); <0, 0, >0.
int CompareVersions(const std::string& a, const std::string& b);

}  // namespace fdt_handoff

#endif  // FDT_REGRESS_H_
