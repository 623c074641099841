// File: init/console.h
//
// mdboot's one logger. Every line carries the time since boot, the way the
// kernel stamps its own messages, so a serial log shows how long each phase
// took (and where it stopped):
//
//   [    1.234] mdboot: md RAID0 'zero2w:root': 1/2 members (sda1), waiting 27 s
//
// The clock is CLOCK_BOOTTIME (it keeps counting across a suspend, as the
// kernel's printk time does not, but an initramfs never suspends); tests
// inject their own. The stream is /dev/console in the init, a
// std::ostringstream in tests. Each line is flushed at once: PID 1 may be
// killed or kexec'd right after it.
//
//   Console console(std::cout, BootTimeClock());
//   console.Log("assembling ", array.name);
#ifndef INIT_CONSOLE_H_
#define INIT_CONSOLE_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace fdt_handoff {

// Nanoseconds since some fixed start (boot, for the real clock).
using NanoClock = std::function<int64_t()>;

// BootTimeClock()
//
// clock_gettime(CLOCK_BOOTTIME) in nanoseconds (0 if the call fails, which
// only happens on kernels older than 2.6.39).
NanoClock BootTimeClock();

// FormatStamp()
//
// "[    1.234]": seconds with milliseconds, right-aligned in five digits as
// the kernel's printk prints its (wider seconds simply widen the field).
std::string FormatStamp(int64_t nanos);

class Console {
 public:
  Console(std::ostream& out, NanoClock clock)
      : out_(out), clock_(std::move(clock)) {}

  // Console::Log()
  //
  // Writes "[stamp] mdboot: " + the pieces + "\n", then flushes. A message
  // with several lines gets the prefix on each, so none is anonymous.
  template <typename... Pieces>
  void Log(const Pieces&... pieces) {
    Line(absl::StrCat(pieces...));
  }

  // Console::Raw()
  //
  // Writes the lines as they are, without stamp or prefix, then flushes:
  // for blocks a host tool parses back (mdboot.dumpdtb's base64).
  void Raw(const std::vector<std::string>& lines);

  // Seconds since boot with a fraction, for phase timings.
  double Seconds() const { return static_cast<double>(clock_()) / 1e9; }

 private:
  void Line(absl::string_view text);

  std::ostream& out_;
  NanoClock clock_;
};

}  // namespace fdt_handoff

#endif  // INIT_CONSOLE_H_
