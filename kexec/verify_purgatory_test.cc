#include "kexec/verify_purgatory.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fdt/blob.h"
#include "fdt/endian.h"
#include "fdt/file_io.h"
#include "fdt/tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kexec/verify/sha256.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kZero2w612[] =
    "testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kElf[] = "kexec/verify/purgatory.elf";
constexpr char kBin[] = "kexec/verify/purgatory.bin";

// --- Building trees by hand -------------------------------------------------

std::vector<uint8_t> Cells(std::vector<uint32_t> cells) {
  std::vector<uint8_t> out;
  for (uint32_t c : cells) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<uint8_t>(c >> shift));
    }
  }
  return out;
}

std::vector<uint8_t> Strings(std::vector<std::string> strings) {
  std::vector<uint8_t> out;
  for (const std::string& s : strings) {
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  }
  return out;
}

Node MakeNode(std::string name, std::vector<Property> properties,
              std::vector<Node> children = {}) {
  Node n;
  n.name = std::move(name);
  n.properties = std::move(properties);
  n.children = std::move(children);
  return n;
}

// What QEMU's virt machine generates (hw/arm/virt.c): 2/2 cells at the
// root, the PL011 directly under it, stdout-path to its full path.
Tree QemuVirtTree() {
  Tree t;
  t.root = MakeNode(
      "", {{"#address-cells", Cells({2})}, {"#size-cells", Cells({2})}},
      {MakeNode("chosen", {{"stdout-path", Strings({"/pl011@9000000"})}}),
       MakeNode("pl011@9000000",
                {{"compatible", Strings({"arm,pl011", "arm,primecell"})},
                 {"reg", Cells({0, 0x9000000, 0, 0x1000})}})});
  return t;
}

// A 16550 behind a bus that moves it: /soc (1 address cell) maps its
// [0, 16 MiB) to CPU 0x1_2000_0000.
Tree BusTree(std::vector<uint8_t> soc_ranges, std::string stdout_path) {
  Tree t;
  t.root = MakeNode(
      "", {{"#address-cells", Cells({2})}, {"#size-cells", Cells({2})}},
      {MakeNode("chosen", {{"stdout-path", Strings({stdout_path})}}),
       MakeNode("aliases", {{"serial3", Strings({"/soc/uart@30000"})}}),
       MakeNode("soc",
                {{"#address-cells", Cells({1})},
                 {"#size-cells", Cells({1})},
                 {"ranges", std::move(soc_ranges)}},
                {MakeNode("uart@30000",
                          {{"compatible", Strings({"vendor,x", "ns16550a"})},
                           {"reg", Cells({0x30000, 0x100})},
                           {"reg-io-width", Cells({1})}})})});
  return t;
}

TEST(UartFromStdoutPath, OrangePiZero2wCorpusDtb) {
  auto fdt = Fdt::FromFile(kZero2w612);
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  auto tree = ParseTree(*fdt);
  ASSERT_TRUE(tree.ok());
  // stdout-path = "serial0:115200n8"; serial0 = "/soc/serial@5000000";
  // /soc: ranges = <0 0 0 0x40000000> (1 child cell, 2 parent, 1 size).
  auto uart = UartFromStdoutPath(*tree);
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->node, "/soc/serial@5000000");
  EXPECT_EQ(uart->base, 0x5000000u);
  EXPECT_EQ(uart->kind, UartInfo::k8250);
  EXPECT_EQ(uart->reg_shift, 2u);
  EXPECT_EQ(uart->io_width, 4u);
  EXPECT_EQ(uart->note, "");
  EXPECT_EQ(DescribeUart(*uart),
            "UART /soc/serial@5000000 at 0x5000000, 8250 reg-shift 2 "
            "io-width 4");
}

TEST(UartFromStdoutPath, QemuVirtPl011) {
  auto uart = UartFromStdoutPath(QemuVirtTree());
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->node, "/pl011@9000000");
  EXPECT_EQ(uart->base, 0x9000000u);
  EXPECT_EQ(uart->kind, UartInfo::kPl011);
  EXPECT_EQ(uart->io_width, 4u);
  EXPECT_EQ(DescribeUart(*uart), "UART /pl011@9000000 at 0x9000000, PL011");
}

TEST(UartFromStdoutPath, AliasOptionsAndRangesTranslation) {
  // <child 0x0> <parent 0x1 0x20000000> <length 0x1000000>.
  auto uart = UartFromStdoutPath(
      BusTree(Cells({0, 1, 0x20000000, 0x1000000}), "serial3:115200n8"));
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->node, "/soc/uart@30000");
  EXPECT_EQ(uart->base, 0x120030000u);
  EXPECT_EQ(uart->kind, UartInfo::k8250);
  EXPECT_EQ(uart->reg_shift, 0u);
  EXPECT_EQ(uart->io_width, 1u);

  // An empty ranges is the identity; a full path works as well as an alias.
  uart = UartFromStdoutPath(BusTree({}, "/soc/uart@30000"));
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->base, 0x30000u);
}

TEST(UartFromStdoutPath, LinuxStdoutPathFallback) {
  Tree t = QemuVirtTree();
  t.root.children[0].properties[0].name = "linux,stdout-path";
  auto uart = UartFromStdoutPath(t);
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->kind, UartInfo::kPl011);
}

TEST(UartFromStdoutPath, UnknownCompatibleIsNoUartWithANote) {
  Tree t = QemuVirtTree();
  t.root.children[1].properties[0].value = Strings({"xlnx,xuartps"});
  auto uart = UartFromStdoutPath(t);
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->kind, UartInfo::kNone);
  EXPECT_EQ(uart->base, 0x9000000u);
  EXPECT_THAT(uart->note, HasSubstr("\"xlnx,xuartps\", neither a PL011"));
  EXPECT_THAT(DescribeUart(*uart),
              HasSubstr("a mismatch halts without a message"));
}

TEST(UartFromStdoutPath, ErrorCodes) {
  struct Case {
    const char* name;
    Tree tree;
    absl::StatusCode code;
    const char* message;
  };
  Tree no_chosen = QemuVirtTree();
  no_chosen.root.children.erase(no_chosen.root.children.begin());
  Tree not_string = QemuVirtTree();
  not_string.root.children[0].properties[0].value = Cells({1});
  Tree no_reg = QemuVirtTree();
  no_reg.root.children[1].properties.pop_back();
  Tree no_ranges = BusTree({}, "serial3");
  no_ranges.root.children[2].properties.pop_back();
  Tree three_cells = BusTree({}, "serial3");
  three_cells.root.children[2].properties[0].value = Cells({3});
  const Case kCases[] = {
      {"no stdout-path", no_chosen, absl::StatusCode::kNotFound,
       "no /chosen/stdout-path"},
      {"not a string", not_string, absl::StatusCode::kDataLoss, "not a string"},
      {"unknown alias", BusTree({}, "serial9:115200"),
       absl::StatusCode::kNotFound, "alias \"serial9\" is not in /aliases"},
      {"no node", BusTree({}, "/soc/uart@40000"), absl::StatusCode::kNotFound,
       "no node /soc/uart@40000"},
      {"no reg", no_reg, absl::StatusCode::kDataLoss, "has no reg"},
      {"no ranges", no_ranges, absl::StatusCode::kUnimplemented,
       "/soc has no ranges"},
      {"outside ranges", BusTree(Cells({0x40000, 0, 0, 0x1000}), "serial3"),
       absl::StatusCode::kNotFound,
       "0x30000 is outside every ranges entry of /soc"},
      {"3 address cells", three_cells, absl::StatusCode::kUnimplemented,
       "#address-cells=3"},
  };
  for (const Case& c : kCases) {
    auto uart = UartFromStdoutPath(c.tree);
    ASSERT_FALSE(uart.ok()) << c.name;
    EXPECT_EQ(uart.status().code(), c.code) << c.name << ": " << uart.status();
    EXPECT_THAT(std::string(uart.status().message()), HasSubstr(c.message))
        << c.name;
  }
}

// A node name, stdout-path or compatible with a newline or a terminal escape
// (fdt_check_full() does not look inside names) must not reach a report or
// message raw: each is shown as \xNN.
TEST(UartFromStdoutPath, DtbTextIsEscapedInDescriptionsNotesAndMessages) {
  const std::string hostile = "pl011\n\x1b[2J@9000000";
  Tree t = QemuVirtTree();
  t.root.children[0].properties[0].value = Strings({"/" + hostile});
  t.root.children[1].name = hostile;
  auto uart = UartFromStdoutPath(t);
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->node, "/" + hostile);  // The data stays as it is.
  EXPECT_EQ(DescribeUart(*uart),
            "UART /pl011\\x0a\\x1b[2J@9000000 at 0x9000000, PL011");

  t.root.children[1].properties[0].value = Strings({"evil\x1b]0;x\x07"});
  uart = UartFromStdoutPath(t);
  ASSERT_TRUE(uart.ok()) << uart.status();
  EXPECT_EQ(uart->kind, UartInfo::kNone);
  EXPECT_EQ(DescribeUart(*uart),
            "no UART: /pl011\\x0a\\x1b[2J@9000000 is compatible with "
            "\"evil\\x1b]0;x\\x07\", neither a PL011 nor an 8250; a mismatch "
            "halts without a message");

  Tree missing = QemuVirtTree();
  missing.root.children[0].properties[0].value = Strings({"/uart\n\x1b[1m"});
  auto refused = UartFromStdoutPath(missing);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "stdout-path \"/uart\\x0a\\x1b[1m\": no node /uart\\x0a\\x1b[1m");

  Tree alias = QemuVirtTree();
  alias.root.children[0].properties[0].value = Strings({"ser\x1b[0m:115200"});
  refused = UartFromStdoutPath(alias);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "stdout-path \"ser\\x1b[0m:115200\": alias \"ser\\x1b[0m\" is not "
            "in /aliases");

  Tree bus = BusTree({}, "serial3");
  bus.root.children[2].name = "so\x1b" "c";
  bus.root.children[1].properties[0].value =
      Strings({"/so\x1b" "c/uart@30000"});
  bus.root.children[2].properties.pop_back();  // No ranges.
  refused = UartFromStdoutPath(bus);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("stdout-path: /so\\x1bc has no ranges"));
}

// --- The config block --------------------------------------------------------

TEST(BuildVerifyPurgatory, FillsTheConfigBlockLittleEndian) {
  UartInfo uart;
  uart.kind = UartInfo::k8250;
  uart.base = 0x5000000;
  uart.reg_shift = 2;
  uart.io_width = 4;
  std::vector<VerifyRegion> regions(2);
  regions[0].address = 0x40200000;
  regions[0].length = 0x2000000;
  regions[1].address = 0x142300000;
  regions[1].length = 0xa000;
  for (int i = 0; i < 32; ++i) {
    regions[0].sha256[i] = static_cast<uint8_t>(i);
    regions[1].sha256[i] = static_cast<uint8_t>(0xff - i);
  }
  auto seg = BuildVerifyPurgatory(0x40200000, 0x42300000, uart, regions);
  ASSERT_TRUE(seg.ok()) << seg.status();
  ASSERT_EQ(seg->size(), VerifyPurgatorySegmentSize());

  const size_t c = VerifyPurgatoryConfigOffset();
  EXPECT_EQ(c % 16, 0u);
  // Exact bytes of the fixed fields.
  const std::vector<uint8_t> head(seg->begin() + c, seg->begin() + c + 40);
  EXPECT_EQ(head, (std::vector<uint8_t>{
                      0x00, 0x00, 0x20, 0x40, 0, 0, 0, 0,  // kernel_entry
                      0x00, 0x00, 0x30, 0x42, 0, 0, 0, 0,  // dtb_address
                      0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0,  // uart_base
                      2,    0,    0,    0,                 // uart_kind 8250
                      2,    0,    0,    0,                 // reg_shift
                      4,    0,    0,    0,                 // io_width
                      2,    0,    0,    0,                 // region_count
                  }));
  // Region 1: a 64-bit address above 4 GiB.
  const size_t r1 = c + kVerifyConfigRegions + kVerifyRegionSize;
  EXPECT_EQ(LoadLe64(seg->data() + r1), 0x142300000u);
  EXPECT_EQ(std::vector<uint8_t>(seg->begin() + r1, seg->begin() + r1 + 8),
            (std::vector<uint8_t>{0x00, 0x00, 0x30, 0x42, 0x01, 0, 0, 0}));
  EXPECT_EQ(LoadLe64(seg->data() + r1 + 8), 0xa000u);
  EXPECT_EQ(seg->at(r1 + 16), 0xff);
  EXPECT_EQ(seg->at(r1 + 47), 0xff - 31);
  EXPECT_EQ(LoadLe64(seg->data() + c + kVerifyConfigRegions), 0x40200000u);
  EXPECT_EQ(seg->at(c + kVerifyConfigRegions + 16 + 31), 31);
  // Unused region slots, padding and the stack are zero.
  for (size_t i = r1 + kVerifyRegionSize; i < seg->size(); ++i) {
    ASSERT_EQ(seg->at(i), 0) << "byte " << i;
  }

  // Everything before the config block is the built blob, unchanged.
  auto bin = ReadFile(kBin);
  ASSERT_TRUE(bin.ok()) << bin.status();
  EXPECT_EQ(bin->size(), c + kVerifyConfigSize);
  EXPECT_TRUE(std::equal(bin->begin(), bin->begin() + c, seg->begin()));
  EXPECT_GE(seg->size(), bin->size() + kVerifyStackSize);
}

TEST(BuildVerifyPurgatory, NoUartWritesZeros) {
  UartInfo uart;
  uart.base = 0x9000000;  // Resolved, but not a UART the purgatory drives.
  auto seg = BuildVerifyPurgatory(1, 2, uart, {});
  ASSERT_TRUE(seg.ok()) << seg.status();
  const size_t c = VerifyPurgatoryConfigOffset();
  for (size_t i = kVerifyConfigUartBase; i < kVerifyConfigRegions; ++i) {
    EXPECT_EQ(seg->at(c + i), 0) << i;
  }
}

TEST(BuildVerifyPurgatory, Refusals) {
  UartInfo pl011;
  pl011.kind = UartInfo::kPl011;
  auto too_many = BuildVerifyPurgatory(
      0, 0, pl011, std::vector<VerifyRegion>(kVerifyMaxRegions + 1));
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_many.status().message()),
              HasSubstr("16 regions, at most 15"));
  EXPECT_TRUE(BuildVerifyPurgatory(0, 0, pl011,
                                   std::vector<VerifyRegion>(kVerifyMaxRegions))
                  .ok());

  UartInfo bad;
  bad.kind = UartInfo::k8250;
  bad.io_width = 3;
  EXPECT_EQ(BuildVerifyPurgatory(0, 0, bad, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- The built blob ---------------------------------------------------------

std::string RunCommand(const std::string& command, int* status) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return "";
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) text.append(buf, n);
  *status = pclose(pipe);
  return text;
}

TEST(VerifyPurgatoryBlob, LinkedWithoutRelocations) {
  int status = 0;
  const std::string relocs =
      RunCommand(absl::StrCat("aarch64-linux-gnu-readelf -r ", kElf), &status);
  ASSERT_EQ(status, 0) << relocs;
  EXPECT_THAT(relocs, HasSubstr("There are no relocations in this file."));

  // The config offset the host uses is the symbol's address in the ELF.
  const std::string symbols =
      RunCommand(absl::StrCat("aarch64-linux-gnu-nm -S ", kElf), &status);
  ASSERT_EQ(status, 0) << symbols;
  bool found = false;
  for (absl::string_view line : absl::StrSplit(symbols, '\n')) {
    std::vector<std::string> cols = absl::StrSplit(line, ' ');
    if (cols.size() == 4 && cols[3] == "verify_config") {
      EXPECT_EQ(std::stoull(cols[0], nullptr, 16),
                VerifyPurgatoryConfigOffset());
      EXPECT_EQ(std::stoull(cols[1], nullptr, 16), kVerifyConfigSize);
      found = true;
    }
  }
  EXPECT_TRUE(found) << symbols;
}

// Disassembles the flat binary, as the kernel will find it: the entry
// sets up the stack with PC-relative adr, calls verify_main and enters the
// kernel with x0 = DTB and x1..x3 = 0; the halt is a wfe loop.
TEST(VerifyPurgatoryBlob, DisassemblesFromOffsetZero) {
  int status = 0;
  const std::string text = RunCommand(
      absl::StrCat("aarch64-linux-gnu-objdump -D -b binary -m aarch64 ", kBin),
      &status);
  ASSERT_EQ(status, 0) << "aarch64-linux-gnu-objdump (Debian's "
                          "binutils-aarch64-linux-gnu) failed:\n"
                       << text;
  std::vector<std::string> instructions;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() >= 3 && absl::EndsWith(cols[0], ":")) {
      instructions.push_back(
          absl::StrCat(cols[2], cols.size() > 3 ? " " + cols[3] : ""));
    }
  }
  ASSERT_GT(instructions.size(), 100u) << text;
  EXPECT_EQ(instructions[0], "mrs x20, currentel");
  const std::string all = absl::StrJoin(instructions, "\n");
  EXPECT_THAT(all, HasSubstr("mov sp, x9"));
  EXPECT_THAT(all, HasSubstr("mov x1, xzr\nmov x2, xzr\nmov x3, xzr\nbr x4"));
  EXPECT_THAT(all, HasSubstr("wfe"));

  // No page-relative addressing in the code (the flat disassembly above
  // also decodes the constants as instructions, so ask the ELF's .text):
  // -mcmodel=tiny keeps every reference a plain adr.
  const std::string code =
      RunCommand(absl::StrCat("aarch64-linux-gnu-objdump -d ", kElf), &status);
  ASSERT_EQ(status, 0) << code;
  EXPECT_THAT(code, HasSubstr("<verify_main>:"));
  EXPECT_THAT(code, ::testing::Not(HasSubstr("adrp")));
}

}  // namespace
}  // namespace fdt_handoff
