// Differential test: every overlay case of testdata/overlay-diff/ (and the
// shipped USB overlay on the real Zero 2W DTB) is applied by Debian's
// `fdtoverlay` and by `fdt-handoff apply` (RunCli, in-process). Both must
// give the same tree (`dtc -I dtb -O dts -s` of each output) or both refuse
// and write nothing. The few deliberate differences, all refusals of ours,
// are listed as such with the reason. The test lives in tools/ because "write
// nothing on refusal" is the CLI's promise, not the library's.
//
// Each case prints one line (case, verdict, both tools' messages) to the
// test log.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "fdt/diff.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDir[] = "testdata/overlay-diff/";

enum class Expect {
  kSameTree,     // Both apply; the trees are equal.
  kBothRefuse,   // Both refuse and write nothing.
  kOursRefuses,  // Deliberate: we refuse what fdtoverlay applies.
};

struct Case {
  std::string name;
  std::string base;                   // A file of kDir, or a full path.
  std::vector<std::string> overlays;  // Files of kDir, or full paths.
  Expect expect;
  std::string message;  // For refusals: part of our error message.
  std::vector<std::string> args = {};  // Extra `apply` arguments.
};

std::string Path(const std::string& f) {
  return f.find('/') == std::string::npos ? kDir + f : f;
}

// One tool's run: exit status (128 + signal when killed), stderr text, and
// the canonical DTS of its output when it wrote one.
struct ToolRun {
  int status = -1;
  std::string message;
  bool wrote = false;
  std::string dts;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

int Shell(const std::string& command) {
  const int raw = std::system(command.c_str());
  if (raw == -1 || !WIFEXITED(raw)) return -1;
  return WEXITSTATUS(raw);  // sh reports a killed child as 128 + signal.
}

// `dtc -I dtb -O dts -s`: sorted source, the comparison the issue asks for.
std::string Canonical(const std::string& dtb) {
  const std::string dts = dtb + ".dts";
  const int status =
      Shell(absl::StrCat("dtc -q -I dtb -O dts -s -o ", dts, " ", dtb));
  EXPECT_EQ(status, 0) << "dtc could not read " << dtb;
  return ReadText(dts);
}

std::string CaseDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  Shell(absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir));
  return dir;
}

ToolRun RunFdtoverlay(const Case& c, const std::string& dir) {
  ToolRun run;
  const std::string out = dir + "/fdtoverlay.dtb";
  std::vector<std::string> overlays;
  for (const std::string& o : c.overlays) overlays.push_back(Path(o));
  run.status = Shell(absl::StrCat("/usr/bin/fdtoverlay -i ", Path(c.base),
                                  " -o ", out, " ", absl::StrJoin(overlays, " "),
                                  " 2>", dir, "/fdtoverlay.err"));
  run.message = ReadText(dir + "/fdtoverlay.err");
  if (run.status > 128) absl::StrAppend(&run.message, "killed by signal ",
                                        run.status - 128);
  run.wrote = Exists(out);
  if (run.wrote) run.dts = Canonical(out);
  return run;
}

ToolRun RunOurs(const Case& c, const std::string& dir) {
  ToolRun run;
  const std::string out = dir + "/ours.dtb";
  std::vector<std::string> args = {"apply", Path(c.base)};
  for (const std::string& o : c.overlays) args.push_back(Path(o));
  args.insert(args.end(), {"-o", out});
  args.insert(args.end(), c.args.begin(), c.args.end());
  std::ostringstream stdout_text, stderr_text;
  run.status = RunCli(args, stdout_text, stderr_text);
  run.message = stderr_text.str();
  run.wrote = Exists(out);
  if (run.wrote) run.dts = Canonical(out);
  return run;
}

std::string OneLine(std::string s) {
  absl::StrReplaceAll({{"\n", " "}}, &s);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "(nothing)" : s;
}

// Checks one case; returns the line for the log.
std::string Check(const Case& c) {
  const std::string dir = CaseDir(c.name);
  const ToolRun theirs = RunFdtoverlay(c, dir);
  const ToolRun ours = RunOurs(c, dir);
  const bool they_applied = theirs.status == 0 && theirs.wrote;
  const bool we_applied = ours.status == kExitOk && ours.wrote;
  if (!we_applied) {
    EXPECT_EQ(ours.status, kExitBadInput) << ours.message;
    EXPECT_FALSE(ours.wrote) << "fdt-handoff wrote output on refusal";
    EXPECT_THAT(ours.message, HasSubstr(c.message));
    // Each refusal names its cause, never a bare libfdt error.
    EXPECT_THAT(ours.message, Not(HasSubstr("FDT_ERR_")));
  }
  if (!they_applied) {
    EXPECT_FALSE(theirs.wrote) << "fdtoverlay wrote output on refusal";
  }
  switch (c.expect) {
    case Expect::kSameTree:
      EXPECT_TRUE(they_applied) << theirs.message;
      EXPECT_TRUE(we_applied) << ours.message;
      EXPECT_TRUE(ours.dts == theirs.dts)
          << UnifiedDiff(theirs.dts, ours.dts, "fdtoverlay", "fdt-handoff");
      return absl::StrCat(c.name, ": both applied, same tree (",
                          std::count(ours.dts.begin(), ours.dts.end(), '\n'),
                          " lines of dtc -s)");
    case Expect::kBothRefuse:
      EXPECT_FALSE(they_applied) << "fdtoverlay applied it";
      EXPECT_FALSE(we_applied) << "fdt-handoff applied it";
      return absl::StrCat(c.name, ": both refused; fdtoverlay: ",
                          OneLine(theirs.message), "; fdt-handoff: ",
                          OneLine(ours.message));
    case Expect::kOursRefuses:
      EXPECT_TRUE(they_applied) << theirs.message;
      EXPECT_FALSE(we_applied) << "fdt-handoff applied it";
      return absl::StrCat(c.name, ": deliberate difference: fdtoverlay "
                          "applied it, fdt-handoff refused: ",
                          OneLine(ours.message));
  }
  return c.name;
}

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      // --- Both apply ---------------------------------------------------
      {"labels", "base.dtb", {"labels.dtbo"}, Expect::kSameTree, ""},
      {"target_path", "base.dtb", {"target-path.dtbo"}, Expect::kSameTree, ""},
      {"target_path_without_symbols", "base-nosymbols.dtb",
       {"target-path.dtbo"}, Expect::kSameTree, ""},
      {"local_fixups", "base.dtb", {"local-refs.dtbo"}, Expect::kSameTree, ""},
      {"chain_by_own_label", "base.dtb", {"chain-label.dtbo"},
       Expect::kSameTree, ""},
      {"chain_by_path", "base.dtb", {"chain-path.dtbo"}, Expect::kSameTree, ""},
      {"chain_mixed", "base.dtb", {"chain-mixed.dtbo"}, Expect::kSameTree, ""},
      {"stacked_labels", "base.dtb", {"stack-a.dtbo", "stack-b.dtbo"},
       Expect::kSameTree, ""},
      {"stacked_three", "base.dtb",
       {"stack-a.dtbo", "stack-b.dtbo", "stack-c.dtbo"}, Expect::kSameTree, ""},
      {"label_on_path_targets_overlay_node", "base.dtb",
       {"overlay-node-label-path.dtbo"}, Expect::kSameTree, ""},
      {"stacked_label_on_overlay_node", "base.dtb",
       {"overlay-node-label-path.dtbo", "overlay-node-label-user.dtbo"},
       Expect::kSameTree, ""},
      {"fixup_blank_offset", "base.dtb", {"fixup-blank-offset.dtbo"},
       Expect::kSameTree, ""},
      {"skipped_nodes", "base.dtb", {"skipped-nodes.dtbo"}, Expect::kSameTree,
       ""},
      {"explicit_phandle", "base.dtb", {"explicit-phandle.dtbo"},
       Expect::kSameTree, ""},
      {"same_board", "base.dtb", {"same-board.dtbo"}, Expect::kSameTree, ""},
      {"other_board_forced", "base.dtb", {"other-board.dtbo"},
       Expect::kSameTree, "", {"--force"}},
      {"zero2w_usb_on_symbols_build",
       "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb",
       {"fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo"},
       Expect::kSameTree, ""},
      // --- Both refuse: targets ------------------------------------------
      {"label_missing", "base.dtb", {"label-missing.dtbo"},
       Expect::kBothRefuse, "label 'nosuch' is not defined in"},
      {"label_without_symbols", "base-nosymbols.dtb", {"labels.dtbo"},
       Expect::kBothRefuse, "the base has no /__symbols__"},
      {"zero2w_usb_on_debian_build",
       "testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb",
       {"fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo"},
       Expect::kBothRefuse, "label 'ehci2' is not defined in"},
      {"label_node_without_phandle", "base-unphandled.dtb",
       {"same-board.dtbo"}, Expect::kBothRefuse,
       "label 'usb' names /soc/usb@2000, which has no phandle"},
      {"target_path_missing", "base.dtb", {"target-path-missing.dtbo"},
       Expect::kBothRefuse,
       "fragment@0: target-path \"/soc/ethernet@9000\" is not in"},
      {"target_phandle_missing", "base.dtb", {"target-phandle-missing.dtbo"},
       Expect::kBothRefuse, "fragment@0: target phandle 0x77 is not in"},
      {"target_bad_length", "base.dtb", {"target-bad-length.dtbo"},
       Expect::kBothRefuse, "fragment@0: 'target' is 8 bytes; a phandle is 4"},
      {"target_unresolved", "base.dtb", {"target-unresolved.dtbo"},
       Expect::kBothRefuse, "fragment@0: target is unresolved (0xffffffff)"},
      {"target_none", "base.dtb", {"target-none.dtbo"}, Expect::kBothRefuse,
       "fragment@0: has neither a 'target' phandle nor a 'target-path'"},
      {"chain_path_wrong_order", "base.dtb", {"chain-path-wrong-order.dtbo"},
       Expect::kBothRefuse, "fragment@0: target-path \"/late\" is not in"},
      {"chain_label_wrong_order", "base.dtb", {"chain-label-wrong-order.dtbo"},
       Expect::kBothRefuse, "(a node of this overlay) is not in"},
      {"stacked_wrong_order", "base.dtb", {"stack-b.dtbo", "stack-a.dtbo"},
       Expect::kBothRefuse, "label 'spi' is not defined in"},
      {"all_or_nothing", "base.dtb",
       {"labels.dtbo", "target-path-missing.dtbo"}, Expect::kBothRefuse,
       "fragment@0: target-path \"/soc/ethernet@9000\" is not in "
       "testdata/overlay-diff/base.dtb (model \"overlay-diff test board\") "
       "(after testdata/overlay-diff/labels.dtbo)"},
      {"label_on_label_targets_overlay_node", "base.dtb",
       {"overlay-node-label.dtbo"}, Expect::kBothRefuse,
       "/__symbols__ label 'myusb' (/fragment@0/__overlay__): fragment@0's "
       "target cannot be found again after the merge"},
      // --- Both refuse: /__fixups__ -------------------------------------
      {"fixup_missing_property", "base.dtb", {"fixup-missing-property.dtbo"},
       Expect::kBothRefuse,
       "fixup-missing-property.dtbo: /__fixups__ entry \"/fragment@0:tgt:0\" "
       "for label 'usb': the overlay's /fragment@0 has no property 'tgt'"},
      {"fixup_offset_past_end", "base.dtb", {"fixup-offset-past-end.dtbo"},
       Expect::kBothRefuse,
       "fixup-offset-past-end.dtbo: /__fixups__ entry \"/fragment@0:target:4\" "
       "for label 'usb': offset 4 is past the end of /fragment@0:target (4 "
       "bytes"},
      {"fixup_missing_offset", "base.dtb", {"fixup-missing-offset.dtbo"},
       Expect::kBothRefuse,
       "entry \"/fragment@0:target\" for label 'usb': malformed"},
      {"fixup_bad_number", "base.dtb", {"fixup-bad-number.dtbo"},
       Expect::kBothRefuse, "the offset \"0x0\" is not a decimal number"},
      {"fixup_empty", "base.dtb", {"fixup-empty.dtbo"}, Expect::kBothRefuse,
       "entry \"\" for label 'usb': malformed"},
      {"fixup_unterminated", "base.dtb", {"fixup-unterminated.dtbo"},
       Expect::kBothRefuse, "/__fixups__ property for label 'usb' is not a list"},
      {"fixup_path_missing", "base.dtb", {"fixup-path-missing.dtbo"},
       Expect::kBothRefuse,
       "entry \"/fragment@9:target:0\" for label 'usb': node /fragment@9 is "
       "not in the overlay"},
      {"fixup_negative_offset", "base.dtb", {"fixup-negative-offset.dtbo"},
       Expect::kBothRefuse, "offset -4 is out of range"},
      // --- Both refuse: /__local_fixups__, phandles, /__symbols__ ---------
      {"local_fixup_past_end", "base.dtb", {"local-fixup-past-end.dtbo"},
       Expect::kBothRefuse,
       "/__local_fixups__/fragment@0/__overlay__:r: offset 8 is past the end "
       "of /fragment@0/__overlay__:r (4 bytes"},
      {"local_fixup_huge_offset", "base.dtb", {"local-fixup-huge-offset.dtbo"},
       Expect::kBothRefuse, "offset 2147483632 is past the end"},
      {"local_fixup_missing_property", "base.dtb",
       {"local-fixup-missing-property.dtbo"}, Expect::kBothRefuse,
       "the overlay has no property /fragment@0/__overlay__:q to fix up"},
      {"local_fixup_odd_length", "base.dtb", {"local-fixup-odd-length.dtbo"},
       Expect::kBothRefuse, "__overlay__:r is 2 bytes, not a list of 32-bit"},
      {"local_fixup_missing_node", "base.dtb",
       {"local-fixup-missing-node.dtbo"}, Expect::kBothRefuse,
       "names node /fragment@0/__overlay__/zz, which is not in the overlay"},
      {"phandle_bad_length", "base.dtb", {"phandle-bad-length.dtbo"},
       Expect::kBothRefuse,
       "node /fragment@0/__overlay__/n: 'phandle' is 8 bytes"},
      {"phandle_overflow", "base.dtb", {"phandle-overflow.dtbo"},
       Expect::kBothRefuse, "leaves the 32-bit phandle range"},
      {"symbols_missing_fragment", "base.dtb",
       {"symbols-missing-fragment.dtbo"}, Expect::kBothRefuse,
       "label 'a' names /fragment@7/__overlay__, but the overlay has no"},
      {"symbols_relative", "base.dtb", {"symbols-relative.dtbo"},
       Expect::kBothRefuse, "label 'a' is not an absolute path"},
      // --- Deliberate differences ------------------------------------------
      // No fragment at all: libfdt applies it as a no-op; it is almost always
      // a base given as an overlay.
      {"no_fragments", "base.dtb", {"no-fragments.dtbo"}, Expect::kOursRefuses,
       "not an overlay: no fragment with an __overlay__ node"},
      {"base_as_overlay", "base.dtb", {"base.dtb"}, Expect::kOursRefuses,
       "not an overlay"},
      // fdtoverlay does not look at the overlay's root compatible.
      {"other_board", "base.dtb", {"other-board.dtbo"}, Expect::kOursRefuses,
       "overlay is for \"fdt-handoff,other-board\""},
      // libfdt 1.6.1 truncates 2^32 + 4 to an int and patches offset 4.
      {"fixup_wrapping_offset", "base.dtb", {"fixup-wrapping-offset.dtbo"},
       Expect::kOursRefuses, "offset 4294967300 is out of range"},
  };
  return *cases;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class OverlayDiff : public ::testing::TestWithParam<Case> {};

TEST_P(OverlayDiff, SameTreeOrBothRefuse) {
  const std::string line = Check(GetParam());
  std::cout << "overlay-diff " << line << "\n";
}

INSTANTIATE_TEST_SUITE_P(Cases, OverlayDiff, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// The comparison can fail: fdtoverlay's result for one overlay against ours
// for another must show up as a difference.
TEST(OverlayDiffHarness, NoticesADifferentTree) {
  const std::string dir = CaseDir("harness");
  Case theirs_case{"harness", "base.dtb", {"labels.dtbo"}, Expect::kSameTree,
                   ""};
  Case ours_case{"harness", "base.dtb", {"target-path.dtbo"},
                 Expect::kSameTree, ""};
  const ToolRun theirs = RunFdtoverlay(theirs_case, dir);
  const ToolRun ours = RunOurs(ours_case, dir);
  ASSERT_TRUE(theirs.wrote && ours.wrote);
  EXPECT_NE(theirs.dts, ours.dts);
  EXPECT_THAT(UnifiedDiff(theirs.dts, ours.dts, "fdtoverlay", "fdt-handoff"),
              HasSubstr("+\tmarker {"));
}

}  // namespace
}  // namespace fdt_handoff
