#include "fdt/command_line.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "fdt/escape.h"

namespace fdt_handoff {

absl::Status CheckCommandLine(absl::string_view cmdline) {
  for (size_t i = 0; i < cmdline.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(cmdline[i]);
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "control byte %s at offset %d; the kernel command line "
          "(/chosen/bootargs) takes printable text (separate parameters with "
          "spaces)",
          Escaped(cmdline.substr(i, 1)), i));
    }
  }
  if (cmdline.size() < kCommandLineSize) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "the kernel command line (/chosen/bootargs) would be %d bytes; arm64 "
      "takes at most %d (COMMAND_LINE_SIZE %d, NUL included) and would cut "
      "the rest",
      cmdline.size(), kCommandLineSize - 1, kCommandLineSize));
}

}  // namespace fdt_handoff
