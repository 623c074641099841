// File: fdt/regress_profile.h
//
// Board profiles for the regression suite (fdt/regress.h), kept as data: a
// small line-based text file per board names the board's DTB, the first
// kernel line that has it, the overlays it needs and what the handoff DTB
// must look like after them. The Zero 2W's profile ships in the binary
// (fdt/profiles/orangepi-zero2w.profile, embedded at build time); other
// boards' profiles are read from files with `regress --profile FILE`.
//
// The format, one statement per line; blank lines and lines starting with
// '#' are ignored, fields are separated by blanks:
//
//   board    Orange Pi Zero 2W                  (the rest of the line)
//   dtb      sun50i-h618-orangepi-zero2w.dtb    (a file name, no '/')
//   since    6.8                                (first kernel line, N.N)
//   overlay  sun50i-h618-orangepi-zero2w-usb.dtbo   (repeatable, in order)
//   why      expansion-board USB overlay        (reason shown by the
//                                                expectations below it)
//   expect   /soc/usb@5310000 status = "okay"   (the property's first
//                                                string)
//   expect   /soc/phy@5100400 usb1_vbus-supply -> /vcc5v
//                                               (one cell: the phandle of
//                                                that node)
//
// `board`, `dtb` and `since` appear exactly once; at least one `expect`
// is needed (a profile that checks nothing proves nothing). Every error
// names the file and line.
#ifndef FDT_REGRESS_PROFILE_H_
#define FDT_REGRESS_PROFILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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
  std::vector<std::string> overlays;  // Overlay file names, in order.
  std::vector<Expectation> expectations;
  std::string source;  // The profile file ("builtin:..." when embedded).
};

// ParseBoardProfile()
//
// Parses the text of one profile; `file` names it in errors and becomes
// `source`. Pure: no file access.
//
// Returns:
//   kInvalidArgument  "<file>:<line>: <cause>" for an unknown keyword, a
//                     malformed `expect`, a repeated or missing field, a
//                     `dtb` with a '/', a `since` that is not N.N, or no
//                     `expect` at all ("<file>: ...").
absl::StatusOr<BoardProfile> ParseBoardProfile(absl::string_view text,
                                               absl::string_view file);

// LoadBoardProfile()
//
// ReadTextFile() + ParseBoardProfile().
//
// Returns: the codes of ReadTextFile() (fdt/file_io.h) and of
// ParseBoardProfile().
absl::StatusOr<BoardProfile> LoadBoardProfile(const std::string& path);

// BuiltinProfiles()
//
// The profiles embedded in the binary, parsed (today: the Zero 2W's).
//
// Returns:
//   kInvalidArgument  an embedded profile does not parse (a build error the
//                     tests catch).
absl::StatusOr<std::vector<BoardProfile>> BuiltinProfiles();

}  // namespace fdt_handoff

#endif  // FDT_REGRESS_PROFILE_H_
