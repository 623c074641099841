#include "init/console.h"

#include <sstream>

#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

TEST(FormatStamp, KernelStyle) {
  EXPECT_EQ(FormatStamp(0), "[    0.000]");
  EXPECT_EQ(FormatStamp(1234567890), "[    1.234]");
  EXPECT_EQ(FormatStamp(int64_t{123456} * 1000000000 + 5000000),
            "[123456.005]");
  EXPECT_EQ(FormatStamp(-5), "[    0.000]");
}

TEST(Console, StampsEveryLineWithTheInjectedClock) {
  std::ostringstream out;
  int64_t now = 1500000000;
  Console console(out, [&] { return now; });
  console.Log("mounted ", 4, " file systems");
  now = 27100000000;
  console.Log("first\nsecond");
  EXPECT_EQ(out.str(),
            "[    1.500] mdboot: mounted 4 file systems\n"
            "[   27.100] mdboot: first\n"
            "[   27.100] mdboot: second\n");
  EXPECT_DOUBLE_EQ(console.Seconds(), 27.1);
}

TEST(Console, RawLinesHaveNoStamp) {
  std::ostringstream out;
  Console console(out, [] { return int64_t{2000000000}; });
  console.Raw({"MDBOOT-DTB-BEGIN 4 ab", "AAAA", "MDBOOT-DTB-END"});
  console.Log("after");
  EXPECT_EQ(out.str(),
            "MDBOOT-DTB-BEGIN 4 ab\nAAAA\nMDBOOT-DTB-END\n"
            "[    2.000] mdboot: after\n");
}

TEST(BootTimeClock, CountsForward) {
  NanoClock clock = BootTimeClock();
  const int64_t a = clock();
  const int64_t b = clock();
  EXPECT_GT(a, 0);
  EXPECT_GE(b, a);
}

}  // namespace
}  // namespace fdt_handoff
