#include "fdt/regress_profile.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using K = Expectation::Kind;

constexpr char kMinimal[] =
    "board Test Board\n"
    "dtb   test.dtb\n"
    "since 6.6\n";

// The fields of an expectation, for ElementsAre.
std::string Show(const Expectation& e) {
  return absl::StrCat(e.kind == K::kString ? "string " : "phandle ", e.path,
                      " ", e.property, " ", e.value, " (", e.why, ")");
}

std::vector<std::string> Shown(const BoardProfile& p) {
  std::vector<std::string> out;
  for (const Expectation& e : p.expectations) out.push_back(Show(e));
  return out;
}

absl::Status ErrorOf(const std::string& text) {
  return ParseBoardProfile(text, "p.profile").status();
}

TEST(ParseBoardProfile, ReadsEveryField) {
  auto p = ParseBoardProfile(
      "# comment\n\n"
      "board  Orange Pi Zero 3  \n"
      "dtb\tsun50i-h618-orangepi-zero3.dtb\n"
      "since 6.6\n"
      "overlay a.dtbo\n"
      "overlay b.dtbo\n"
      "expect /soc/x status = \"okay\"\n"
      "why   USB ports\n"
      "expect /soc/phy@1 usb2_vbus-supply -> /vcc5v\n"
      "expect /soc/y compatible = \"\"\n",
      "zero3.profile");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "Orange Pi Zero 3");
  EXPECT_EQ(p->dtb_name, "sun50i-h618-orangepi-zero3.dtb");
  EXPECT_EQ(p->since, "6.6");
  EXPECT_EQ(p->source, "zero3.profile");
  EXPECT_THAT(p->overlays, ElementsAre("a.dtbo", "b.dtbo"));
  EXPECT_THAT(Shown(*p),
              ElementsAre("string /soc/x status okay (profile expectation)",
                          "phandle /soc/phy@1 usb2_vbus-supply /vcc5v (USB "
                          "ports)",
                          "string /soc/y compatible  (USB ports)"));
}

TEST(ParseBoardProfile, ErrorsNameFileAndLine) {
  const std::string base = kMinimal;
  const std::pair<std::string, std::string> cases[] = {
      {base + "expect /a status = \"ok\"\nfrobnicate x\n",
       "p.profile:5: unknown keyword 'frobnicate' (known: board, dtb, since, "
       "overlay, why, expect)"},
      {base + "expect /a status okay\n",
       "p.profile:4: expect needs 'PATH PROPERTY = \"STRING\"' or 'PATH "
       "PROPERTY -> NODE'"},
      {base + "expect /a\n",
       "p.profile:4: expect needs 'PATH PROPERTY = \"STRING\"' or 'PATH "
       "PROPERTY -> NODE'"},
      {base + "expect soc/a status = \"okay\"\n",
       "p.profile:4: expect: node path 'soc/a' must start with '/'"},
      {base + "expect /a status = okay\n",
       "p.profile:4: expect: '=' needs one double-quoted string, got 'okay'"},
      {base + "expect /a status = \"ok\"ay\"\n",
       "p.profile:4: expect: '=' needs one double-quoted string, got "
       "'\"ok\"ay\"'"},
      {base + "expect /a x-supply -> vcc5v\n",
       "p.profile:4: expect: '->' needs one node path starting with '/', got "
       "'vcc5v'"},
      {base + "expect /a x-supply -> /a /b\n",
       "p.profile:4: expect: '->' needs one node path starting with '/', got "
       "'/a /b'"},
      {base + "dtb other.dtb\n", "p.profile:4: 'dtb' given twice"},
      {"board B\ndtb dir/test.dtb\n",
       "p.profile:2: dtb must be a file name ending in .dtb, without folders; "
       "got 'dir/test.dtb'"},
      {"board B\ndtb test.dtbo\n",
       "p.profile:2: dtb must be a file name ending in .dtb, without folders; "
       "got 'test.dtbo'"},
      {"since 6\n", "p.profile:1: since must be a kernel line like 6.8, got '6'"},
      {"since 6.x\n",
       "p.profile:1: since must be a kernel line like 6.8, got '6.x'"},
      {"overlay ../x.dtbo\n",
       "p.profile:1: overlay must be a file name without folders; got "
       "'../x.dtbo'"},
      {"board\n", "p.profile:1: 'board' needs a value"},
      {"why\n", "p.profile:1: 'why' needs a reason"},
      {"dtb t.dtb\nsince 6.6\nexpect /a b = \"c\"\n",
       "p.profile: no 'board' line"},
      {"board B\nsince 6.6\nexpect /a b = \"c\"\n", "p.profile: no 'dtb' line"},
      {"board B\ndtb t.dtb\nexpect /a b = \"c\"\n",
       "p.profile: no 'since' line"},
      {base, "p.profile: no 'expect' line (a profile that checks nothing "
             "proves nothing)"},
  };
  for (const auto& [text, message] : cases) {
    const absl::Status s = ErrorOf(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(s.message(), message) << text;
  }
}

TEST(LoadBoardProfile, MissingFileIsNotFound) {
  auto p = LoadBoardProfile("testdata/profiles/no-such.profile");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(p.status().message()),
              ::testing::HasSubstr("testdata/profiles/no-such.profile"));
}

TEST(BuiltinProfiles, AreTheShippedFilesParsed) {
  auto builtin = BuiltinProfiles();
  ASSERT_TRUE(builtin.ok()) << builtin.status();
  ASSERT_EQ(builtin->size(), 1u);
  auto file = LoadBoardProfile("fdt/profiles/orangepi-zero2w.profile");
  ASSERT_TRUE(file.ok()) << file.status();
  const BoardProfile& b = (*builtin)[0];
  EXPECT_EQ(b.source, "builtin:orangepi-zero2w.profile");
  EXPECT_EQ(b.name, "Orange Pi Zero 2W");
  EXPECT_EQ(b.dtb_name, file->dtb_name);
  EXPECT_EQ(b.since, "6.8");
  EXPECT_THAT(b.overlays, ElementsAre("sun50i-h618-orangepi-zero2w-usb.dtbo"));
  EXPECT_EQ(Shown(b), Shown(*file));
  EXPECT_THAT(
      Shown(b),
      ElementsAre(
          "string /soc/usb@5310000 status okay (expansion-board USB overlay)",
          "string /soc/usb@5310400 status okay (expansion-board USB overlay)",
          "string /soc/usb@5311000 status okay (expansion-board USB overlay)",
          "string /soc/usb@5311400 status okay (expansion-board USB overlay)",
          "phandle /soc/phy@5100400 usb1_vbus-supply /vcc5v (expansion-board "
          "USB overlay)",
          "phandle /soc/phy@5100400 usb2_vbus-supply /vcc5v (expansion-board "
          "USB overlay)",
          "phandle /soc/phy@5100400 usb3_vbus-supply /vcc5v (expansion-board "
          "USB overlay)"));
}

TEST(LoadBoardProfile, SecondBoardProfileParses) {
  auto p = LoadBoardProfile("testdata/profiles/orangepi-zero3.profile");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "Orange Pi Zero 3");
  EXPECT_EQ(p->dtb_name, "sun50i-h618-orangepi-zero3.dtb");
  EXPECT_EQ(p->since, "6.6");
  EXPECT_THAT(p->overlays, ElementsAre("orangepi-zero3-expansion.dtbo"));
  ASSERT_EQ(p->expectations.size(), 7u);
  EXPECT_EQ(Show(p->expectations[6]),
            "string /soc/ir@7040000 status okay (expansion board: IR "
            "receiver)");
}

}  // namespace
}  // namespace fdt_handoff
