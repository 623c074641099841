#include "fdt/reconcile.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/blob.h"
#include "fdt/memory.h"
#include "fdt/tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kPlain612[] =
    "testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols612[] =
    "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kLiveNoMemory[] = "testdata/live/no-memory.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kZero3[] = "testdata/corpus/7.2/sun50i-h618-orangepi-zero3.dtb";

Fdt Load(const std::string& path) {
  auto fdt = Fdt::FromFile(path);
  EXPECT_TRUE(fdt.ok()) << fdt.status();
  return *std::move(fdt);
}

Fdt Edit(const Fdt& in, const std::function<void(FdtEditor&)>& edit) {
  FdtEditor editor(in);
  edit(editor);
  auto out = std::move(editor).Finish(in.origin());
  EXPECT_TRUE(out.ok()) << out.status();
  return *std::move(out);
}

absl::Status FixedSeeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(0xa0 + i);
  return absl::OkStatus();
}

const Property* Prop(const Tree& t, const std::string& path,
                     const std::string& name) {
  const Node* n = t.Find(path);
  return n != nullptr ? n->FindProperty(name) : nullptr;
}

std::vector<std::string> Lines(const ReconcileReport& r) {
  std::vector<std::string> out;
  for (const ReconcileChange& c : r.changes) {
    out.push_back(absl::StrCat(c.rule, ": ", c.text));
  }
  return out;
}

class ReconcileTest : public ::testing::Test {
 protected:
  ReconcileTest()
      : target_(Load(kPlain612)), symbols_(Load(kSymbols612)),
        live_(Load(kLive)) {
    options_.live = &live_;
    options_.symbols_from = &symbols_;
    options_.overlays.push_back(Load(kUsb));
    options_.seed_source = FixedSeeds;
  }

  Tree Run(const Fdt& target) {
    auto out = Reconcile(target, options_, &report_);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return Tree{};
    auto tree = ParseTree(*out);
    EXPECT_TRUE(tree.ok());
    return *std::move(tree);
  }

  Fdt target_;
  Fdt symbols_;
  Fdt live_;
  ReconcileOptions options_;
  ReconcileReport report_;
};

TEST_F(ReconcileTest, ZeroTwoWGetsEveryBootloaderFixup) {
  options_.append = "console=ttyS0,115200 root=/dev/md127 rootwait";
  options_.initrd_start = 0x48000000;
  options_.initrd_end = 0x48a00000;
  const std::vector<uint8_t> pristine(target_.bytes().begin(),
                                      target_.bytes().end());
  const Tree t = Run(target_);

  // Memory: the live FDT's 1 GiB, in the target's 2+2 cells.
  auto memory = MemoryOf(t, "out");
  ASSERT_TRUE(memory.ok());
  ASSERT_EQ(memory->size(), 1u);
  EXPECT_EQ((*memory)[0].base, 0x40000000u);
  EXPECT_EQ((*memory)[0].size, 0x40000000u);
  ASSERT_NE(t.Find("/memory@40000000"), nullptr);

  // TF-A: the live tf-a@40000000 is covered by the target's secmon@, once.
  auto regions = ReservedRegionsOf(t, "out");
  ASSERT_TRUE(regions.ok());
  int covering = 0;
  for (const ReservedRegion& r : *regions) {
    if (r.range.base <= 0x40000000 && 0x40040000 <= r.range.base + r.range.size) {
      ++covering;
      EXPECT_EQ(r.name, "secmon@40000000");
    }
  }
  EXPECT_EQ(covering, 1);

  // Identity and /chosen.
  const auto serial = PropertyStrings(*Prop(t, "/", "serial-number"));
  EXPECT_EQ(serial[0], "33806c0048a1c7e2");
  EXPECT_TRUE(t.memreserves.empty());
  EXPECT_EQ(PropertyStrings(*Prop(t, "/chosen", "bootargs"))[0],
            "console=ttyS0,115200 root=/dev/md127 rootwait");
  EXPECT_EQ(Prop(t, "/chosen", "linux,initrd-start")->value,
            (std::vector<uint8_t>{0, 0, 0, 0, 0x48, 0, 0, 0}));
  EXPECT_EQ(Prop(t, "/chosen", "linux,initrd-end")->value,
            (std::vector<uint8_t>{0, 0, 0, 0, 0x48, 0xa0, 0, 0}));
  EXPECT_EQ(Prop(t, "/chosen", "kaslr-seed")->value,
            (std::vector<uint8_t>{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7}));
  EXPECT_EQ(Prop(t, "/chosen", "rng-seed")->value.size(), 128u);
  EXPECT_EQ(PropertyStrings(*Prop(t, "/chosen", "stdout-path"))[0],
            "serial0:115200n8");
  EXPECT_EQ(Prop(t, "/chosen", "u-boot,version"), nullptr);
  EXPECT_EQ(PropertyStrings(*Prop(t, "/soc/usb@5311400", "status"))[0], "okay");

  EXPECT_THAT(
      Lines(report_),
      ::testing::ElementsAre(
          "memory: /memory@40000000: reg from live FDT /memory: "
          "[0x40000000..0x80000000) (1024 MiB)",
          "reserved-memory: live /reserved-memory/tf-a@40000000 "
          "[0x40000000..0x40040000) (256 KiB) is covered by the target's "
          "secmon@40000000; not added",
          "memreserve: dropped live /memreserve/ [0x4ff00000..0x50900000) "
          "(10 MiB): it belongs to the old boot",
          "serial-number: /serial-number = \"33806c0048a1c7e2\" from live FDT",
          "bootargs: /chosen:bootargs = \"console=ttyS0,115200 root=/dev/md127 "
          "rootwait\"",
          "initrd: /chosen:linux,initrd-start/-end = [0x48000000..0x48a00000) "
          "(10 MiB)",
          "seeds: /chosen:kaslr-seed set (8 fresh random bytes)",
          "seeds: /chosen:rng-seed set (128 fresh random bytes)"));
  EXPECT_EQ(report_.overlays.grafted.size(), 6u);
  EXPECT_TRUE(std::equal(pristine.begin(), pristine.end(),
                         target_.bytes().begin(), target_.bytes().end()));
}

TEST_F(ReconcileTest, AddsTfaRegionWhenTheTargetLacksIt) {
  const Fdt no_secmon = Edit(target_, [](FdtEditor& e) {
    ASSERT_TRUE(e.DeleteNode("/reserved-memory/secmon@40000000").ok());
  });
  const Tree t = Run(no_secmon);
  const Node* tfa = t.Find("/reserved-memory/tf-a@40000000");
  ASSERT_NE(tfa, nullptr);
  EXPECT_NE(tfa->FindProperty("no-map"), nullptr);
  EXPECT_EQ(tfa->FindProperty("reg")->value,
            (std::vector<uint8_t>{0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 4,
                                  0, 0}));
  EXPECT_THAT(Lines(report_),
              Contains("reserved-memory: /reserved-memory/tf-a@40000000: added "
                       "from live FDT, [0x40000000..0x40040000) (256 KiB), "
                       "no-map"));
}

TEST_F(ReconcileTest, CreatesReservedMemoryNodeWhenAbsent) {
  const Fdt bare = Edit(target_, [](FdtEditor& e) {
    ASSERT_TRUE(e.DeleteNode("/reserved-memory").ok());
  });
  const Tree t = Run(bare);
  const Node* rm = t.Find("/reserved-memory");
  ASSERT_NE(rm, nullptr);
  EXPECT_EQ(CellsOf(*rm, "#address-cells", 0), 2);
  EXPECT_EQ(CellsOf(*rm, "#size-cells", 0), 2);
  ASSERT_NE(rm->FindProperty("ranges"), nullptr);
  EXPECT_TRUE(rm->FindProperty("ranges")->value.empty());
  EXPECT_NE(t.Find("/reserved-memory/tf-a@40000000"), nullptr);
}

TEST_F(ReconcileTest, NoMemoryAnywhereIsAnError) {
  options_.live = nullptr;
  auto out = Reconcile(target_, options_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status().message(),
            absl::StrCat("memory: no RAM description: no live FDT was given, "
                         "the target ",
                         kPlain612,
                         " has none either, and no --memory BASE:SIZE was "
                         "given"));
  const Fdt no_memory = Load(kLiveNoMemory);
  options_.live = &no_memory;
  out = Reconcile(target_, options_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            absl::StrCat("memory: no RAM description: the live FDT ",
                         kLiveNoMemory,
                         " has no /memory node with a reg, the target ",
                         kPlain612,
                         " has none either, and no --memory BASE:SIZE was "
                         "given"));
}

TEST_F(ReconcileTest, ExplicitMemoryWinsOverLive) {
  options_.memory = {{0x40000000, 0x20000000}};
  const Tree t = Run(target_);
  auto memory = MemoryOf(t, "out");
  ASSERT_TRUE(memory.ok());
  ASSERT_EQ(memory->size(), 1u);
  EXPECT_EQ((*memory)[0].size, 0x20000000u);
}

TEST_F(ReconcileTest, KeepsMemreservesOnlyWhenAsked) {
  options_.keep_memreserve = true;
  const Tree t = Run(target_);
  ASSERT_EQ(t.memreserves.size(), 1u);
  EXPECT_EQ(t.memreserves[0].first, 0x4ff00000u);
  EXPECT_EQ(t.memreserves[0].second, 0xa00000u);
}

TEST_F(ReconcileTest, NoCommandLineDeletesBootargsAndNoSeedsDeletesSeeds) {
  options_.seeds = false;
  const Fdt stale = Edit(target_, [](FdtEditor& e) {
    ASSERT_TRUE(e.SetPropertyString("/chosen", "bootargs", "old").ok());
    ASSERT_TRUE(e.SetPropertyU64("/chosen", "kaslr-seed", 0).ok());
    ASSERT_TRUE(e.SetPropertyU64("/chosen", "linux,elfcorehdr", 1).ok());
    ASSERT_TRUE(e.SetPropertyU64("/chosen", "linux,initrd-start", 1).ok());
    ASSERT_TRUE(e.SetProperty("/chosen", "linux,booted-from-kexec", {}).ok());
  });
  const Tree t = Run(stale);
  const Node* chosen = t.Find("/chosen");
  for (const char* gone : {"bootargs", "kaslr-seed", "rng-seed",
                           "linux,elfcorehdr", "linux,initrd-start",
                           "linux,booted-from-kexec"}) {
    EXPECT_EQ(chosen->FindProperty(gone), nullptr) << gone;
  }
  EXPECT_NE(chosen->FindProperty("stdout-path"), nullptr);
  EXPECT_THAT(Lines(report_),
              Contains("stale-kexec: /chosen:linux,elfcorehdr deleted (stale "
                       "kexec handover)"));
  EXPECT_THAT(Lines(report_),
              Contains("seeds: /chosen:kaslr-seed deleted (--no-seeds)"));
}

TEST_F(ReconcileTest, ReuseCmdlineDropsBootImageAndPrependsToAppend) {
  EXPECT_EQ(StripBootImage("BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 quiet\n"),
            "root=/dev/sda1 quiet");
  options_.reused_cmdline = "BOOT_IMAGE=/Image console=ttyS0,115200\n";
  options_.append = "md_mod.start_ro=1";
  const Tree t = Run(target_);
  EXPECT_EQ(PropertyStrings(*Prop(t, "/chosen", "bootargs"))[0],
            "console=ttyS0,115200 md_mod.start_ro=1");
}

// The bootargs rule's limits (fdt/command_line.h), on the joined line:
// /proc/cmdline minus BOOT_IMAGE=, a space, --append.
TEST_F(ReconcileTest, CommandLineIsCheckedBeforeAnythingRuns) {
  const std::string kTooLong =
      " bytes; arm64 takes at most 2047 (COMMAND_LINE_SIZE 2048, NUL "
      "included) and would cut the rest";
  const std::string kControl =
      "; the kernel command line (/chosen/bootargs) takes printable text "
      "(separate parameters with spaces)";
  const struct {
    const char* name;
    absl::optional<std::string> reused;
    absl::optional<std::string> append;
    std::string error;  // Empty: accepted, and bootargs is the joined line.
  } kCases[] = {
      {"2047 bytes", absl::nullopt, std::string(2047, 'a'), ""},
      {"2048 bytes", absl::nullopt, std::string(2048, 'a'),
       "bootargs: the kernel command line (/chosen/bootargs) would be 2048" +
           kTooLong},
      {"1023 + space + 1023 reused and appended", std::string(1023, 'r'),
       std::string(1023, 'a'), ""},
      {"1024 + space + 1023", std::string(1024, 'r'), std::string(1023, 'a'),
       "bootargs: the kernel command line (/chosen/bootargs) would be 2048" +
           kTooLong},
      {"BOOT_IMAGE= does not count",
       "BOOT_IMAGE=/boot/vmlinuz-6.12 " + std::string(2047, 'r') + "\n",
       absl::nullopt, ""},
      {"empty append", absl::nullopt, std::string(), ""},
      {"newline in --append, offset in the joined line", std::string("quiet"),
       std::string("root=/dev/md127\ninit=/bin/sh"),
       "bootargs: control byte \\x0a at offset 21" + kControl},
      {"tab", absl::nullopt, std::string("quiet\tsplash"),
       "bootargs: control byte \\x09 at offset 5" + kControl},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    options_.reused_cmdline = c.reused;
    options_.append = c.append;
    ReconcileReport report;
    auto out = Reconcile(target_, options_, &report);
    if (!c.error.empty()) {
      ASSERT_FALSE(out.ok());
      EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(out.status().message(), c.error);
      // Refused before the overlays and the rules: nothing was done.
      EXPECT_TRUE(report.overlays.applied.empty());
      EXPECT_TRUE(report.changes.empty());
      continue;
    }
    ASSERT_TRUE(out.ok()) << out.status();
    auto tree = ParseTree(*out);
    ASSERT_TRUE(tree.ok()) << tree.status();
    const Property* bootargs = Prop(*tree, "/chosen", "bootargs");
    ASSERT_NE(bootargs, nullptr);
    EXPECT_EQ(PropertyStrings(*bootargs)[0], KernelCommandLine(options_));
    EXPECT_LE(PropertyStrings(*bootargs)[0].size(), 2047u);
  }
}

TEST_F(ReconcileTest, SkippedBootargsRuleChecksNoCommandLine) {
  options_.append = std::string(3000, 'a');
  options_.skip_rules = {"bootargs"};
  const Fdt with = Edit(target_, [](FdtEditor& e) {
    ASSERT_TRUE(e.SetPropertyString("/chosen", "bootargs", "kept").ok());
  });
  const Tree t = Run(with);
  EXPECT_EQ(PropertyStrings(*Prop(t, "/chosen", "bootargs"))[0], "kept");
}

TEST(KernelCommandLine, JoinsLikeKexecTools) {
  ReconcileOptions o;
  EXPECT_EQ(KernelCommandLine(o), absl::nullopt);
  o.append = "";
  EXPECT_EQ(KernelCommandLine(o), "");
  o.reused_cmdline = "BOOT_IMAGE=/Image console=ttyS0,115200\n";
  EXPECT_EQ(KernelCommandLine(o), "console=ttyS0,115200");
  o.append = "quiet";
  EXPECT_EQ(KernelCommandLine(o), "console=ttyS0,115200 quiet");
  o.reused_cmdline = "BOOT_IMAGE=/Image\n";
  EXPECT_EQ(KernelCommandLine(o), "quiet");
}

TEST_F(ReconcileTest, MacFollowsTheEthernetAliasOrCompatibleAndReg) {
  // A Zero 3 (emac0 behind ethernet0) as the live tree, with U-Boot's
  // local-mac-address, reconciled onto the 7.2 Zero 3 DTB.
  const Fdt zero3 = Load(kZero3);
  auto tree = ParseTree(zero3);
  ASSERT_TRUE(tree.ok());
  const auto alias = PropertyStrings(*Prop(*tree, "/aliases", "ethernet0"));
  ASSERT_FALSE(alias.empty());
  const std::string emac = alias[0];
  const std::vector<uint8_t> mac = {0x02, 0x8c, 0x12, 0x34, 0x56, 0x78};
  const Fdt live = Edit(zero3, [&](FdtEditor& e) {
    ASSERT_TRUE(e.SetProperty(emac, "local-mac-address", mac).ok());
    ASSERT_TRUE(e.AddNode("/", "memory@40000000").ok());
    ASSERT_TRUE(e.SetPropertyString("/memory@40000000", "device_type", "memory").ok());
    ASSERT_TRUE(e.SetProperty("/memory@40000000", "reg",
                              std::vector<uint8_t>{0, 0, 0, 0, 0x40, 0, 0, 0,
                                                   0, 0, 0, 0, 0x80, 0, 0, 0})
                    .ok());
  });
  options_.live = &live;
  options_.overlays.clear();
  options_.symbols_from = nullptr;
  Tree t = Run(zero3);
  EXPECT_EQ(Prop(t, emac, "local-mac-address")->value, mac);
  EXPECT_THAT(Lines(report_),
              Contains(absl::StrCat("mac-address: ", emac,
                                    ":local-mac-address = 02:8c:12:34:56:78 "
                                    "from live ",
                                    emac, " (matched by alias ethernet0)")));
  // Without the alias in the target, compatible + reg finds the same node.
  const Fdt no_alias = Edit(zero3, [](FdtEditor& e) {
    ASSERT_TRUE(e.DeleteProperty("/aliases", "ethernet0").ok());
  });
  report_ = {};
  t = Run(no_alias);
  EXPECT_EQ(Prop(t, emac, "local-mac-address")->value, mac);
  EXPECT_THAT(Lines(report_),
              Contains(absl::StrCat("mac-address: ", emac,
                                    ":local-mac-address = 02:8c:12:34:56:78 "
                                    "from live ",
                                    emac, " (matched by compatible + reg)")));
}

TEST_F(ReconcileTest, BadOptionsAreRefusedBeforeAnyWork) {
  options_.initrd_start = 0x48000000;
  auto out = Reconcile(target_, options_);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "initrd: give both --initrd-start and --initrd-end, or neither");
  options_.initrd_end = 0x47000000;
  out = Reconcile(target_, options_);
  EXPECT_EQ(out.status().message(),
            "initrd: end 0x47000000 is not above start 0x48000000");
  options_.initrd_start.reset();
  options_.initrd_end.reset();
  options_.skip_rules = {"memroy"};
  out = Reconcile(target_, options_);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "unknown rule 'memroy' to skip");
}

TEST_F(ReconcileTest, SkippedRuleLeavesItsPartAlone) {
  options_.skip_rules = {"serial-number"};
  const Tree t = Run(target_);
  EXPECT_EQ(Prop(t, "/", "serial-number"), nullptr);
}

TEST_F(ReconcileTest, ResultOverTwoMebibytesIsRefused) {
  // A target and a live /serial-number of 1.25 MiB each: both are valid
  // DTBs, the target with the serial number is not. (A command line that
  // long is refused before the rules run: see CommandLineIsChecked... below.)
  const std::string big(kMaxDtbSize * 5 / 8, 'x');
  const Fdt target = Edit(target_, [&big](FdtEditor& e) {
    ASSERT_TRUE(e.SetPropertyString("/", "x-padding", big).ok());
  });
  const Fdt live = Edit(live_, [&big](FdtEditor& e) {
    ASSERT_TRUE(e.SetPropertyString("/", "serial-number", big).ok());
  });
  options_.live = &live;
  auto out = Reconcile(target, options_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  // Refused while growing or when packed, depending on where the slack ran
  // out; either way the message names the limit.
  EXPECT_THAT(std::string(out.status().message()),
              ::testing::AllOf(HasSubstr("2097152-byte"),
                               HasSubstr("arm64 limit")));
}

// 64-bit big-endian base and size, as a reg with 2 + 2 cells.
std::vector<uint8_t> Reg64(uint64_t base, uint64_t size) {
  std::vector<uint8_t> out;
  for (uint64_t v : {base, size}) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<uint8_t>(v >> shift));
    }
  }
  return out;
}

constexpr uint64_t kWrapBase = 0xffffffffffff0000;

TEST_F(ReconcileTest, WrappingRangesAreBadInputNamingFileNodeAndEntry) {
  struct Case {
    const char* name;
    std::function<void(FdtEditor&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"live /memory",
       [](FdtEditor& e) {
         ASSERT_TRUE(
             e.SetProperty("/memory", "reg", Reg64(kWrapBase, 0x100000)).ok());
       },
       absl::StrCat(kLive, ": /memory: reg entry 0: base 0xffffffffffff0000 "
                           "+ size 0x100000 wraps past 2^64")},
      {"live /reserved-memory",
       [](FdtEditor& e) {
         ASSERT_TRUE(e.SetProperty("/reserved-memory/tf-a@40000000", "reg",
                                   Reg64(kWrapBase, 0x10000))
                         .ok());
       },
       absl::StrCat(kLive,
                    ": /reserved-memory/tf-a@40000000: reg entry 0: base "
                    "0xffffffffffff0000 + size 0x10000 wraps past 2^64")},
      {"live /memreserve/",
       [](FdtEditor& e) {
         ASSERT_TRUE(e.DeleteAllMemReserves().ok());
         ASSERT_TRUE(e.AddMemReserve(0x4ff00000, 0x1000).ok());
         ASSERT_TRUE(e.AddMemReserve(kWrapBase, 0x20000).ok());
       },
       absl::StrCat(kLive, ": /memreserve/ entry 1: base 0xffffffffffff0000 "
                           "+ size 0x20000 wraps past 2^64")},
  };
  for (const Case& c : cases) {
    const Fdt live = Edit(live_, c.edit);
    options_.live = &live;
    // Dropped or kept, carried or "covered": refused either way.
    for (bool keep : {false, true}) {
      options_.keep_memreserve = keep;
      auto out = Reconcile(target_, options_, &report_);
      ASSERT_FALSE(out.ok()) << c.name;
      EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument)
          << c.name;
      EXPECT_EQ(out.status().message(), c.message) << c.name;
    }
  }
  // A range that ends exactly at the top is as unusable.
  options_.live = &live_;
  options_.memory = {{kWrapBase, 0x10000}};
  auto out = Reconcile(target_, options_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "memory: --memory BASE:SIZE: base 0xffffffffffff0000 + size "
            "0x10000 wraps past 2^64");
  options_.memory = {{0xffffffffffffffff, 0x10}};
  EXPECT_EQ(Reconcile(target_, options_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ReconcileTest, ControlBytesReachTheReportEscaped) {
  const Fdt live = Edit(live_, [](FdtEditor& e) {
    ASSERT_TRUE(
        e.SetPropertyString("/", "serial-number", "ab\ncd\x1b[31m").ok());
  });
  options_.live = &live;
  // The command line holds no control byte (Reconcile() refuses one, see
  // CommandLine below), but bytes above 0x7e pass and are escaped too.
  options_.append = "quiet label=caf\xc3\xa9";
  ASSERT_TRUE(Reconcile(target_, options_, &report_).ok());
  const std::string text = report_.Format();
  EXPECT_THAT(text, HasSubstr("/serial-number = \"ab\\x0acd\\x1b[31m\" "
                              "from live FDT\n"));
  EXPECT_THAT(text,
              HasSubstr("/chosen:bootargs = \"quiet label=caf\\xc3\\xa9\"\n"));
  for (char c : text) {
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c <= 0x7e)) << static_cast<int>(c);
  }
}

TEST(ReconcilePolicy, ListsRulesInOrder) {
  std::vector<std::string> names;
  for (const ReconcileRule& r : ReconcilePolicy()) names.emplace_back(r.name);
  EXPECT_THAT(names, ::testing::ElementsAre(
                         "memory", "reserved-memory", "memreserve",
                         "serial-number", "mac-address", "bootargs", "initrd",
                         "seeds", "stale-kexec"));
}

}  // namespace
}  // namespace fdt_handoff
