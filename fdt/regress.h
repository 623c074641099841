// File: fdt/regress.h
//
// The regression suite for new kernel versions: runs a board profile (target
// DTB name, overlays, expected results) over every kernel line of a DTB
// corpus and says, per line, whether the handoff DTB still comes out right.
//
// A corpus is a folder with one subfolder per kernel line ("6.12", "7.2"),
// each holding that kernel's DTBs as shipped. An optional second corpus of
// the same layout holds DTBs built with `dtc -@`, used as the symbol source
// for overlays when the shipped DTB has no __symbols__.
//
// Each line's DTB is reconciled against the live FDT with the overlays, then
// checked: every expectation of the profile (overlay results such as
// "/soc/usb@5310000 status = okay"), and the fixups (memory equal to the
// live FDT's, each live firmware reservation covered exactly once, the
// serial number, fresh seeds, stdout-path kept). Failures name the kernel
// line, the node and what went wrong.
#ifndef FDT_REGRESS_H_
#define FDT_REGRESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/blob.h"

namespace fdt_handoff {

struct Expectation {
  enum class Kind {
    kString,     // `property` is the string `value`.
    kPhandleOf,  // `property` is one cell: the phandle of node `value`.
  };
  Kind kind;
  std::string path;
  std::string property;
  std::string value;
  std::string why;  // Shown on failure.
};

struct BoardProfile {
  std::string name;      // "Orange Pi Zero 2W"
  std::string dtb_name;  // "sun50i-h618-orangepi-zero2w.dtb"
  std::string since;     // First kernel line with the board ("6.8").
  std::vector<Expectation> expectations;
};

// OrangePiZero2WProfile()
//
// The Zero 2W with the expansion-board USB overlay
// (fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dts).
const BoardProfile& OrangePiZero2WProfile();

struct RegressOptions {
  std::string corpus_dir;
  std::string symbols_dir;  // May be empty.
  const Fdt* live = nullptr;
  std::vector<Fdt> overlays;
  const BoardProfile* profile = nullptr;
};

struct LineResult {
  enum class Outcome { kPass, kFail, kNotApplicable };
  std::string version;
  std::string dtb;  // The DTB file checked (or missing).
  Outcome outcome = Outcome::kPass;
  std::vector<std::string> messages;  // Failures, or the reason for n/a.
  int checks = 0;                     // Checks that ran.
};

// RunRegression()
//
// Returns one result per kernel line, oldest first. A line older than the
// profile's `since` that lacks the board is n/a; a newer one that lacks it
// fails.
//
// Returns:
//   kNotFound          `corpus_dir` does not exist or has no line folders.
//   kInvalidArgument   no live FDT or no profile.
absl::StatusOr<std::vector<LineResult>> RunRegression(
    const RegressOptions& options);

// FormatRegression()
//
// "PASS 6.12 sun50i-h618-orangepi-zero2w.dtb (23 checks)" lines, failures
// indented below their line, and a closing "kernel lines: N passed, N
// failed, N not applicable" line.
std::string FormatRegression(const std::vector<LineResult>& results);

// CompareVersions(): "6.12" vs "7.2" numerically; <0, 0, >0.
int CompareVersions(const std::string& a, const std::string& b);

}  // namespace fdt_handoff

#endif  // FDT_REGRESS_H_
