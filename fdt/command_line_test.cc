#include "fdt/command_line.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

std::string TooLong(size_t n) {
  return absl::StrCat("the kernel command line (/chosen/bootargs) would be ", n,
                      " bytes; arm64 takes at most 2047 (COMMAND_LINE_SIZE "
                      "2048, NUL included) and would cut the rest");
}

std::string Control(const std::string& escaped, size_t offset) {
  return absl::StrCat("control byte ", escaped, " at offset ", offset,
                      "; the kernel command line (/chosen/bootargs) takes "
                      "printable text (separate parameters with spaces)");
}

TEST(CheckCommandLine, Table) {
  const struct {
    const char* name;
    std::string cmdline;
    std::string error;  // Empty: accepted.
  } kCases[] = {
      {"empty", "", ""},
      {"ordinary", "console=ttyS0,115200 root=/dev/md127 rootwait", ""},
      {"2047 bytes, the most arm64 keeps", std::string(2047, 'a'), ""},
      {"2048 bytes", std::string(2048, 'a'), TooLong(2048)},
      {"3000 bytes", std::string(3000, 'x'), TooLong(3000)},
      {"UTF-8 and quotes pass", "label=\"m\xc3\xbcll\" quiet", ""},
      {"tilde, the last printable byte", "a~", ""},
      {"newline at 15", "root=/dev/md127\ninit=/bin/sh", Control("\\x0a", 15)},
      {"tab", "quiet\tsplash", Control("\\x09", 5)},
      {"CR from a DOS line", "root=/dev/md0\r", Control("\\x0d", 13)},
      {"ESC", "console=ttyS0\x1b[2J", Control("\\x1b", 13)},
      {"NUL", std::string("a\0b", 3), Control("\\x00", 1)},
      {"DEL", "a\x7f", Control("\\x7f", 1)},
      {"first control byte named", "ab\x01\x02", Control("\\x01", 2)},
      {"control byte at offset 0", "\nquiet", Control("\\x0a", 0)},
      {"control byte wins over length", std::string(2100, 'a') + "\n",
       Control("\\x0a", 2100)},
  };
  for (const auto& c : kCases) {
    const absl::Status s = CheckCommandLine(c.cmdline);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << c.name << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
      EXPECT_EQ(s.message(), c.error) << c.name;
    }
  }
}

TEST(FirstControlByte, FindsWhatCheckCommandLineRefuses) {
  EXPECT_EQ(FirstControlByte(""), absl::string_view::npos);
  EXPECT_EQ(FirstControlByte("root=/dev/md127 ~\x80\xff"),
            absl::string_view::npos);
  EXPECT_EQ(FirstControlByte("rootdev=/dev/md0\r"), 16u);
  EXPECT_EQ(FirstControlByte(std::string(3000, 'a') + "\x7f\n"), 3000u);
  EXPECT_EQ(FirstControlByte(absl::string_view("\0", 1)), 0u);
}

TEST(CheckCommandLine, LimitIsArm64s) {
  EXPECT_EQ(kCommandLineSize, 2048u);
  EXPECT_TRUE(CheckCommandLine(std::string(kCommandLineSize - 1, 'a')).ok());
  EXPECT_FALSE(CheckCommandLine(std::string(kCommandLineSize, 'a')).ok());
}

}  // namespace
}  // namespace fdt_handoff
