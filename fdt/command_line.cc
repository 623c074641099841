#include "fdt/command_line.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "fdt/escape.h"

namespace fdt_handoff {

size_t FirstControlByte(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(text[i]);
    if (c < 0x20 || c == 0x7f) return i;
  }
  return absl::string_view::npos;
}

absl::Status CheckCommandLine(absl::string_view cmdline) {
  const size_t i = FirstControlByte(cmdline);
  if (i != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "control byte %s at offset %d; the kernel command line "
        "(/chosen/bootargs) takes printable text (separate parameters with "
        "spaces)",
        Escaped(cmdline.substr(i, 1)), i));
  }
  if (cmdline.size() < kCommandLineSize) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "the kernel command line (/chosen/bootargs) would be %d bytes; arm64 "
      "takes at most %d (COMMAND_LINE_SIZE %d, NUL included) and would cut "
      "the rest",
      cmdline.size(), kCommandLineSize - 1, kCommandLineSize));
}

}  // namespace fdt_handoff
