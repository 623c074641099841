#include "init/console.h"

#include <time.h>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace fdt_handoff {

NanoClock BootTimeClock() {
  return [] {
    struct timespec ts = {};
    if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0) return int64_t{0};
    return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
  };
}

std::string FormatStamp(int64_t nanos) {
  if (nanos < 0) nanos = 0;
  const int64_t millis = nanos / 1000000;
  return absl::StrFormat("[%5d.%03d]", millis / 1000, millis % 1000);
}

void Console::Line(absl::string_view text) {
  const std::string stamp = FormatStamp(clock_());
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    out_ << stamp << " mdboot: " << line << "\n";
  }
  out_.flush();
}

void Console::Raw(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) out_ << line << "\n";
  out_.flush();
}

}  // namespace fdt_handoff
