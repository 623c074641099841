#include "fdt/escape.h"

#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

TEST(Escaped, LeavesPrintableTextAndEscapesTheRest) {
  EXPECT_EQ(Escaped("usb@5310000,ok-_+.# \"x\""), "usb@5310000,ok-_+.# \"x\"");
  EXPECT_EQ(Escaped(absl::string_view("a\0b\n\t\x7f\x80\\", 8)),
            "a\\x00b\\x0a\\x09\\x7f\\x80\\\\");
  EXPECT_EQ(Escaped("\x1b[2J\xff"), "\\x1b[2J\\xff");
  EXPECT_EQ(Escaped(""), "");
  std::string out = "kept ";
  AppendEscaped("a\nb", &out);
  EXPECT_EQ(out, "kept a\\x0ab");
}

}  // namespace
}  // namespace fdt_handoff
