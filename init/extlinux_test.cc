#include "init/extlinux.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kZero2w[] = "allwinner/sun50i-h618-orangepi-zero2w.dtb";

std::string Fixture(const std::string& path) {
  auto text = ReadTextFile("testdata/boot/" + path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

absl::StatusOr<BootEntry> EntryFor(const std::string& text,
                                   const std::string& fdtfile = kZero2w) {
  auto config = ParseExtlinux(text, "/boot/extlinux/extlinux.conf");
  if (!config.ok()) return config.status();
  return ExtlinuxBootEntry(*config, {"/boot/extlinux/extlinux.conf", fdtfile});
}

TEST(ParseExtlinux, UBootMenuFile) {
  auto config = ParseExtlinux(Fixture("extlinux-debian/extlinux.conf"), "x");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->default_label, "l0");
  EXPECT_EQ(config->timeout, 50);
  ASSERT_EQ(config->labels.size(), 3u);
  const ExtlinuxLabel& l0 = config->labels[0];
  EXPECT_EQ(l0.name, "l0");
  EXPECT_EQ(l0.line, 14);
  EXPECT_EQ(l0.menu_label, "Debian GNU/Linux 12 (bookworm) 6.1.0-27-arm64");
  EXPECT_EQ(l0.kernel, "/boot/vmlinuz-6.1.0-27-arm64");
  EXPECT_EQ(l0.initrd, "/boot/initrd.img-6.1.0-27-arm64");
  EXPECT_EQ(l0.fdtdir, "/usr/lib/linux-image-6.1.0-27-arm64/");
  EXPECT_EQ(l0.append, "root=/dev/md127 ro quiet");
  EXPECT_EQ(config->labels[1].append, "root=/dev/md127 ro single");
  EXPECT_EQ(config->labels[2].kernel, "/boot/vmlinuz-6.1.0-26-arm64");
  EXPECT_TRUE(config->warnings.empty()) << config->warnings.front();
}

TEST(ExtlinuxBootEntry, UBootMenuDefaultLabelWithFdtdir) {
  auto entry = EntryFor(Fixture("extlinux-debian/extlinux.conf"));
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->config, "/boot/extlinux/extlinux.conf");
  EXPECT_EQ(entry->label, "l0");
  EXPECT_EQ(entry->kernel, "/boot/vmlinuz-6.1.0-27-arm64");
  EXPECT_EQ(entry->initrd, "/boot/initrd.img-6.1.0-27-arm64");
  EXPECT_EQ(entry->dtb, "/usr/lib/linux-image-6.1.0-27-arm64/allwinner/"
                        "sun50i-h618-orangepi-zero2w.dtb");
  EXPECT_EQ(entry->cmdline, "root=/dev/md127 ro quiet");
  EXPECT_TRUE(entry->overlays.empty());
  EXPECT_EQ(entry->on_overlay_failure, OverlayFailurePolicy::kSkipFailed);
}

TEST(ExtlinuxBootEntry, MixedCaseMenuDefaultOverlaysAndAppendInitrd) {
  auto entry = EntryFor(Fixture("extlinux-fdt/extlinux.conf"));
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->label, "new");
  // Relative to the config file's folder, as sysboot reads it.
  EXPECT_EQ(entry->kernel, "/boot/extlinux/../vmlinuz-6.12.38+deb13-arm64");
  EXPECT_EQ(entry->initrd, "/boot/initrd.img-6.12.38+deb13-arm64");
  EXPECT_EQ(entry->dtb, "/usr/lib/linux-image-6.12.38+deb13-arm64/allwinner/"
                        "sun50i-h618-orangepi-zero2w.dtb");
  ASSERT_EQ(entry->overlays.size(), 2u);
  EXPECT_EQ(entry->overlays[0].path, "/boot/dtbo/zero2w-usb.dtbo");
  EXPECT_EQ(entry->overlays[0].name, "/boot/dtbo/zero2w-usb.dtbo");
  EXPECT_EQ(entry->overlays[1].path, "/boot/dtbo/uart5.dtbo");
  EXPECT_EQ(entry->overlays[1].origin,
            OverlayFile::Origin::kExtlinuxFdtOverlays);
  EXPECT_EQ(entry->cmdline,
            "root=/dev/md127 ro console=ttyS0,115200 "
            "initrd=/boot/initrd.img-6.12.38+deb13-arm64 quiet");
}

// Which label boots and what each keyword does, one file per row.
TEST(ExtlinuxBootEntry, Table) {
  const struct {
    std::string name;
    std::string text;
    std::string label;
    std::string kernel;
    std::string initrd;
    std::string dtb;
    std::string cmdline;
  } kCases[] = {
      {"no default: first label", "label a\n linux /a\nlabel b\n linux /b\n",
       "a", "/a", "", "", ""},
      {"default names the second", "default b\nlabel a\n linux /a\n"
       "label b\n linux /b\n", "b", "/b", "", "", ""},
      {"default after the labels", "label a\n linux /a\nlabel b\n linux /b\n"
       "default b\n", "b", "/b", "", "", ""},
      {"last default wins", "default a\ndefault b\nlabel a\n linux /a\n"
       "label b\n linux /b\n", "b", "/b", "", "", ""},
      {"ontimeout is a default", "ontimeout b\nlabel a\n linux /a\n"
       "label b\n linux /b\n", "b", "/b", "", "", ""},
      {"menu default loses to an earlier default", "default a\nlabel a\n"
       " linux /a\nlabel b\n menu default\n linux /b\n", "a", "/a", "", "",
       ""},
      {"menu default loses to a later default", "label a\n linux /a\n"
       "label b\n menu default\n linux /b\ndefault a\n", "a", "/a", "", "",
       ""},
      {"kernel keyword, upper case", "LABEL x\n KERNEL /k\n INITRD /i\n"
       " APPEND a b\n", "x", "/k", "/i", "", "a b"},
      {"devicetree keyword", "label x\n linux /k\n devicetree /d.dtb\n", "x",
       "/k", "", "/d.dtb", ""},
      {"fdt beats fdtdir", "label x\n linux /k\n fdtdir /dir\n fdt /d.dtb\n",
       "x", "/k", "", "/d.dtb", ""},
      {"devicetreedir without slash", "label x\n linux /k\n"
       " devicetreedir /dtbs\n", "x", "/k", "", "/dtbs/" + std::string(kZero2w),
       ""},
      {"first initrd counts", "label x\n linux /k\n initrd /i1\n initrd /i2\n",
       "x", "/k", "/i1", "", ""},
      {"last append counts", "label x\n linux /k\n append a\n append b\n",
       "x", "/k", "", "", "b"},
      {"initrd line beats append initrd=", "label x\n linux /k\n initrd /i\n"
       " append initrd=/j root=/dev/md0\n", "x", "/k", "/i", "",
       "initrd=/j root=/dev/md0"},
      {"append initrd= at the end", "label x\n linux /k\n"
       " append ro initrd=/j\n", "x", "/k", "/j", "", "ro initrd=/j"},
      {"relative paths from the config folder", "label x\n linux vmlinuz\n"
       " initrd ../initrd.img\n fdt dtb/x.dtb\n", "x",
       "/boot/extlinux/vmlinuz", "/boot/extlinux/../initrd.img",
       "/boot/extlinux/dtb/x.dtb", ""},
      {"comments and blank lines", "# top\n\nlabel x\n  # inside\n\n"
       "  linux /k\n", "x", "/k", "", "", ""},
      {"hash inside a value is kept", "label x\n linux /k\n append a#b c\n",
       "x", "/k", "", "", "a#b c"},
      {"menu title inside a label does not end it", "label x\n"
       " menu title T\n linux /k\n", "x", "/k", "", "", ""},
      {"FIT configuration cut", "label x\n linux /fit.itb#conf-1\n", "x",
       "/fit.itb", "", "", ""},
  };
  for (const auto& c : kCases) {
    auto entry = EntryFor(c.text);
    ASSERT_TRUE(entry.ok()) << c.name << ": " << entry.status();
    EXPECT_EQ(entry->label, c.label) << c.name;
    EXPECT_EQ(entry->kernel, c.kernel) << c.name;
    EXPECT_EQ(entry->initrd, c.initrd) << c.name;
    EXPECT_EQ(entry->dtb, c.dtb) << c.name;
    EXPECT_EQ(entry->cmdline, c.cmdline) << c.name;
  }
}

TEST(ExtlinuxBootEntry, Warnings) {
  const struct {
    std::string name;
    std::string text;
    std::string warning;
  } kCases[] = {
      {"missing default label", "default gone\nlabel a\n linux /a\n",
       "default label 'gone' does not exist; booting the first label, 'a'"},
      {"no fdt", "label a\n linux /a\n",
       "label 'a' names no fdt or fdtdir: U-Boot would boot it with its own "
       "device tree"},
      {"CR line ending", "label a\r\n linux /a\r\n fdt /d\r\n",
       "/boot/extlinux/extlinux.conf line 2: \"/a\\r\" ends with white space"},
      {"bad timeout", "timeout soon\nlabel a\n linux /a\n fdt /d\n",
       "line 1: timeout \"soon\" is not a number; U-Boot reads 0"},
      {"unknown keyword", "frobnicate 1\nlabel a\n linux /a\n fdt /d\n",
       "line 1: ignored unknown keyword 'frobnicate'"},
      {"include", "include other.conf\nlabel a\n linux /a\n fdt /d\n",
       "include other.conf is not followed"},
      {"unknown keyword ends a label", "label a\n linux /a\n fdt /d\n"
       " bogus\n initrd /i\n", "line 4: ignored unknown keyword 'bogus'"},
  };
  for (const auto& c : kCases) {
    auto entry = EntryFor(c.text);
    ASSERT_TRUE(entry.ok()) << c.name << ": " << entry.status();
    EXPECT_THAT(entry->warnings, Contains(HasSubstr(c.warning)))
        << c.name << ": no warning with '" << c.warning << "'";
  }
  // The label ended at `bogus`: the initrd after it belongs to nobody.
  auto entry = EntryFor("label a\n linux /a\n fdt /d\n bogus\n initrd /i\n");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->initrd, "");
}

TEST(ExtlinuxBootEntry, Errors) {
  const struct {
    std::string name;
    std::string text;
    std::string fdtfile;
    absl::StatusCode code;
    std::string message;
  } kCases[] = {
      {"empty file", "", kZero2w, absl::StatusCode::kNotFound,
       "/boot/extlinux/extlinux.conf: no label"},
      {"comments only", "# nothing\ntimeout 10\n", kZero2w,
       absl::StatusCode::kNotFound, "no label"},
      {"label without name", "label\n linux /a\n", kZero2w,
       absl::StatusCode::kInvalidArgument,
       "/boot/extlinux/extlinux.conf line 1: label without a name"},
      {"no kernel", "label a\n initrd /i\n", kZero2w,
       absl::StatusCode::kInvalidArgument,
       "/boot/extlinux/extlinux.conf line 1: label 'a' has no linux/kernel "
       "line"},
      {"localboot", "default b\nlabel a\n linux /a\nlabel b\n localboot 1\n",
       kZero2w, absl::StatusCode::kInvalidArgument,
       "' has no linux/kernel "
       "line (localboot)"},
      // label_boot(): "No kernel given, skipping", then
      // boot_unattempted_labels() tries the others in file order.
      {"no kernel, other labels",
       "default b\nlabel a\n linux /a\nlabel b\n"
       " initrd /i\nlabel c\n linux /c\n",
       kZero2w, absl::StatusCode::kInvalidArgument,
       "/boot/extlinux/extlinux.conf line 4: label 'b' has no linux/kernel "
       "line; U-Boot would try label 'a' next (then 'c'); mdboot boots only "
       "the chosen label"},
      {"fdtdir without fdtfile", "label a\n linux /a\n fdtdir /d/\n", "",
       absl::StatusCode::kInvalidArgument,
       "label 'a' has fdtdir /d/ but U-Boot's fdtfile is unknown"},
  };
  for (const auto& c : kCases) {
    auto entry = EntryFor(c.text, c.fdtfile);
    EXPECT_EQ(entry.status().code(), c.code) << c.name;
    EXPECT_THAT(entry.status().message(), HasSubstr(c.message)) << c.name;
  }
  // A localboot label ends U-Boot's boot: no other label is tried.
  auto local =
      EntryFor("default b\nlabel a\n linux /a\nlabel b\n localboot 1\n");
  EXPECT_THAT(local.status().message(), ::testing::Not(HasSubstr("would try")));
}

TEST(ExtlinuxBootEntry, FallbackLabelsAreTheOthersInFileOrder) {
  auto entry = EntryFor(
      "default b\nlabel a\n linux /a\nlabel b\n linux /b\nlabel c\n linux "
      "/c\n");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->fallback_labels, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(ExtlinuxFallbackNote(entry->fallback_labels),
            "; U-Boot would try label 'a' next (then 'c'); mdboot boots only "
            "the chosen label");
  EXPECT_EQ(ExtlinuxFallbackNote({"l1"}),
            "; U-Boot would try label 'l1' next; mdboot boots only the chosen "
            "label");
  EXPECT_EQ(ExtlinuxFallbackNote({}), "");
}

// The chosen label's `append` is the command line: it must fit arm64's
// 2047 bytes and hold no control byte (fdt/command_line.h).
TEST(ExtlinuxBootEntry, AppendTheKernelWouldNotTakeIsRefused) {
  const std::string kHead = "default b\nlabel a\n linux /a\n append " +
                            std::string(5000, 'z') +
                            "\nlabel b\n linux /b\n"
                            " fdt /d\n append ";
  const std::string kText =
      "; the kernel command line (/chosen/bootargs) takes printable text "
      "(separate parameters with spaces)";
  const struct {
    std::string name;
    std::string append;
    std::string error;  // Empty: accepted.
  } kCases[] = {
      {"empty", "", ""},
      {"2047 bytes", std::string(2047, 'a'), ""},
      {"2048 bytes", std::string(2048, 'a'),
       "/boot/extlinux/extlinux.conf line 8: label 'b': append: the kernel "
       "command line (/chosen/bootargs) would be 2048 bytes; arm64 takes at "
       "most 2047 (COMMAND_LINE_SIZE 2048, NUL included) and would cut the "
       "rest"},
      {"DOS line ending", "root=/dev/md127\r",
       "/boot/extlinux/extlinux.conf line 8: label 'b': append: control byte "
       "\\x0d at offset 15" +
           kText +
           " (a carriage return: the file has DOS line endings; convert it "
           "with dos2unix)"},
      {"escape sequence", "quiet \x1b[2J",
       "/boot/extlinux/extlinux.conf line 8: label 'b': append: control byte "
       "\\x1b at offset 6" +
           kText},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    // Only the label that boots counts: label a's 5000 bytes do not.
    auto entry = EntryFor(kHead + c.append + "\n");
    if (c.error.empty()) {
      ASSERT_TRUE(entry.ok()) << entry.status();
      EXPECT_EQ(entry->cmdline, c.append);
      continue;
    }
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(entry.status().message()), c.error);
  }
}

// cli_simple_process_macros() (U-Boot common/cli_simple.c), which
// label_boot() in boot/pxe_utils.c runs over `append`, with an empty
// environment. Each row was worked out by hand from that function's state
// machine (state 0 text, 1 after `$`, 2 in a name, 3 in single quotes; one
// `prev` character decides whether a quote, `$` or backslash is special).
TEST(ProcessUBootMacros, MatchesUBootByHand) {
  const struct {
    std::string in;
    std::string text;
    std::vector<std::string> variables;
    std::string dropped;
  } kCases[] = {
      {"", "", {}, ""},
      {"root=/dev/md127 ro", "root=/dev/md127 ro", {}, ""},
      {"a 'b c' d", "a b c d", {}, ""},
      {"'it''s'", "its", {}, ""},
      {"'unclosed x", "unclosed x", {}, ""},
      {"\"a b\"", "\"a b\"", {}, ""},  // Double quotes are plain text.
      {"a\\ b", "a b", {}, ""},
      {"\\'", "'", {}, ""},
      {"\\$x", "$x", {}, ""},
      {"\\\\", "\\", {}, ""},
      // After an escaped backslash, a backslash is plain: three make two.
      {"\\\\\\", "\\\\", {}, ""},
      // ... and so is a quote: it does not open.
      {"\\\\'a b'", "\\'a b", {}, ""},
      // No escapes inside quotes; an escaped quote does not close.
      {"'a\\'b'", "a\\'b", {}, ""},
      {"'${x}'", "${x}", {}, ""},
      {"${x}", "", {"${x}"}, ""},
      {"a=$(x)b", "a=b", {"$(x)"}, ""},
      {"${x)", "", {"${x)"}, ""},          // Either bracket closes.
      {"$\\{x}", "", {"$\\{x}"}, ""},      // An escaped bracket opens.
      {"${a\\}b}", "b}", {"${a\\}"}, ""},  // ... and closes.
      {"${a${b}}", "}", {"${a${b}"}, ""},
      {"$$", "$$", {}, ""},
      {"$'a'", "$'a", {}, ""},  // `$'` is text; the last quote opens.
      {"$5 x", "$5 x", {}, ""},
      {"a$", "a", {}, "$"},
      {"a${b", "a", {}, "${b"},
      {"a\\", "a", {}, "\\"},
      {"a$\\", "a", {}, "$\\"},
      {"'a\\", "a\\", {}, ""},  // Inside quotes a backslash is text.
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.in);
    const UBootAppend out = ProcessUBootMacros(c.in);
    EXPECT_EQ(out.text, c.text);
    EXPECT_EQ(out.variables, c.variables);
    EXPECT_EQ(out.dropped, c.dropped);
  }
}

TEST(ExtlinuxBootEntry, WhatUBootDropsIsAWarning) {
  auto entry = EntryFor("label x\n linux /k\n fdt /d\n append ro ${\n");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->cmdline, "ro ");
  EXPECT_THAT(entry->warnings,
              Contains("/boot/extlinux/extlinux.conf line 4: label 'x': "
                       "append: U-Boot drops the unfinished \"${\" at its "
                       "end; so does mdboot"));
}

// U-Boot does not pass `append` verbatim: label_boot() (boot/pxe_utils.c)
// runs it through cli_simple_process_macros() (common/cli_simple.c) first.
// The command line is what that function makes of it; a U-Boot variable,
// whose value mdboot cannot know, fails the boot.
TEST(ExtlinuxBootEntry, AppendIsWhatUBootMakesOfIt) {
  const std::string kHead =
      "default b\nlabel a\n linux /a\n append root=${x}\nlabel b\n"
      " linux /b\n fdt /d\n append ";
  const struct {
    std::string name;
    std::string append;
    std::string cmdline;  // Empty with `error`.
    std::string error;
  } kCases[] = {
      {"plain", "root=/dev/md127 ro quiet", "root=/dev/md127 ro quiet", ""},
      {"single quotes dropped", "console='ttyS0,115200' x='a b'",
       "console=ttyS0,115200 x=a b", ""},
      {"backslash escapes removed", "a\\ b \\\\ c\\'d", "a b \\ c'd", ""},
      {"quoted variable is text", "x='${root}'", "x=${root}", ""},
      {"escaped dollar is text", "x=\\${root}", "x=${root}", ""},
      {"dollar without bracket kept", "cost=$5 a$", "cost=$5 a", ""},
      {"curly variable", "root=${rootdev} ro", "",
       "/boot/extlinux/extlinux.conf line 8: label 'b': append: U-Boot "
       "environment variable ${rootdev}: U-Boot's sysboot replaces it with "
       "its value (with nothing when it is unset), which mdboot cannot know; "
       "write the value into the append line"},
      {"two variables", "root=$(rootdev) console=${console}", "",
       "/boot/extlinux/extlinux.conf line 8: label 'b': append: U-Boot "
       "environment variables $(rootdev), ${console}: U-Boot's sysboot "
       "replaces them with their values (with nothing when they are unset), "
       "which mdboot cannot know; write the values into the append line"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    // Label a's variable does not count: only the label that boots does.
    auto entry = EntryFor(kHead + c.append + "\n");
    if (c.error.empty()) {
      ASSERT_TRUE(entry.ok()) << entry.status();
      EXPECT_EQ(entry->cmdline, c.cmdline);
      continue;
    }
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(entry.status().message()), c.error);
  }
}

}  // namespace
}  // namespace fdt_handoff
