#include "kexec/verify_purgatory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/memory.h"
#include "fdt/status_macros.h"
#include "kexec/verify/blob.h"

namespace fdt_handoff {
namespace {

// The same numbers as purgatory.c's _Static_asserts on struct verify_config.
static_assert(kVerifyConfigRegions == 40 && kVerifyRegionSize == 48 &&
                  kVerifyConfigSize == 760,
              "config block layout (kexec/verify/purgatory.c)");

// The string value of a property, or nullopt if it is not one
// NUL-terminated string.
absl::optional<std::string> StringValue(const Property& p) {
  if (p.value.empty() || p.value.back() != 0) return absl::nullopt;
  const auto end = std::find(p.value.begin(), p.value.end(), 0);
  return std::string(p.value.begin(), end);
}

// The nodes from the root down to `path`'s node; empty if any is missing.
std::vector<const Node*> Chain(const Tree& tree, absl::string_view path) {
  std::vector<const Node*> chain = {&tree.root};
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    const Node* child = chain.back()->FindChild(part);
    if (child == nullptr) return {};
    chain.push_back(child);
  }
  return chain;
}

// The path of chain[depth], raw (UartInfo::node). Node names, like the
// stdout-path value and compatible strings, are whatever the blob holds:
// every message and description escapes them (fdt/escape.h), so a newline
// cannot forge a line and a terminal escape cannot reach the screen.
std::string PathOf(const std::vector<const Node*>& chain, size_t depth) {
  if (depth == 0) return "/";
  std::string out;
  for (size_t i = 1; i <= depth; ++i)
    absl::StrAppend(&out, "/", chain[i]->name);
  return out;
}

absl::Status CheckCells(int cells, absl::string_view what,
                        absl::string_view where) {
  if (cells < 1 || cells > 2) {
    return absl::UnimplementedError(absl::StrFormat(
        "stdout-path: %s has %s=%d; only 1- and 2-cell addresses are "
        "supported",
        where, what, cells));
  }
  return absl::OkStatus();
}

// Translates `address`, in the address space of chain[depth]'s children,
// into its parent's space through chain[depth]'s ranges (devicetree spec
// 2.3.8: child-bus-address, parent-bus-address, length).
absl::StatusOr<uint64_t> ThroughRanges(const std::vector<const Node*>& chain,
                                       size_t depth, uint64_t address) {
  const Node& bus = *chain[depth];
  const std::string where = Escaped(PathOf(chain, depth));
  const Property* ranges = bus.FindProperty("ranges");
  if (ranges == nullptr) {
    return absl::UnimplementedError(absl::StrFormat(
        "stdout-path: %s has no ranges, so its children are not "
        "memory-mapped",
        where));
  }
  if (ranges->value.empty()) return address;  // Identity.
  const int child_ac = CellsOf(bus, "#address-cells", 2);
  const int parent_ac = CellsOf(*chain[depth - 1], "#address-cells", 2);
  const int sc = CellsOf(bus, "#size-cells", 1);
  RETURN_IF_ERROR(CheckCells(child_ac, "#address-cells", where));
  RETURN_IF_ERROR(
      CheckCells(parent_ac, "#address-cells", Escaped(PathOf(chain, depth - 1))));
  if (sc < 1 || sc > 2) {
    return absl::UnimplementedError(absl::StrFormat(
        "stdout-path: %s has #size-cells=%d in a ranges", where, sc));
  }
  const size_t entry = 4u * static_cast<size_t>(child_ac + parent_ac + sc);
  if (ranges->value.size() % entry != 0) {
    return absl::DataLossError(absl::StrFormat(
        "stdout-path: %s: ranges is %u bytes, not a multiple of %u", where,
        ranges->value.size(), entry));
  }
  for (size_t i = 0; i < ranges->value.size(); i += entry) {
    const uint8_t* p = ranges->value.data() + i;
    const uint64_t child = LoadCells(p, child_ac);
    const uint64_t parent = LoadCells(p + 4 * child_ac, parent_ac);
    const uint64_t length = LoadCells(p + 4 * (child_ac + parent_ac), sc);
    if (address >= child && address - child < length) {
      return parent + (address - child);
    }
  }
  return absl::NotFoundError(absl::StrFormat(
      "stdout-path: address 0x%x is outside every ranges entry of %s", address,
      where));
}

}  // namespace

absl::StatusOr<UartInfo> UartFromStdoutPath(const Tree& dtb) {
  const Node* chosen = dtb.Find("/chosen");
  const Property* prop = nullptr;
  if (chosen != nullptr) {
    prop = chosen->FindProperty("stdout-path");
    if (prop == nullptr) prop = chosen->FindProperty("linux,stdout-path");
  }
  if (prop == nullptr) {
    return absl::NotFoundError("the DTB has no /chosen/stdout-path");
  }
  const absl::optional<std::string> value = StringValue(*prop);
  if (!value.has_value() || value->empty()) {
    return absl::DataLossError("/chosen/stdout-path is not a string");
  }
  // Devicetree spec 3.6: "If the character ":" is present in the value it
  // terminates the path. The meaning of any characters following the ":"
  // is device-specific" (the baud rate: "serial0:115200n8").
  std::string path =
      std::string(absl::string_view(*value).substr(0, value->find(':')));
  if (path.empty() || path[0] != '/') {
    // An alias, perhaps followed by a relative path (spec 3.3).
    const size_t slash = path.find('/');
    const std::string alias = path.substr(0, slash);
    const Node* aliases = dtb.Find("/aliases");
    const Property* target =
        aliases == nullptr ? nullptr : aliases->FindProperty(alias);
    const absl::optional<std::string> expanded =
        target == nullptr ? absl::nullopt : StringValue(*target);
    if (!expanded.has_value()) {
      return absl::NotFoundError(
          absl::StrFormat("stdout-path \"%s\": alias \"%s\" is not in /aliases",
                          Escaped(*value), Escaped(alias)));
    }
    path = *expanded + (slash == std::string::npos ? "" : path.substr(slash));
  }
  const std::vector<const Node*> chain = Chain(dtb, path);
  if (chain.size() < 2) {
    return absl::NotFoundError(
        absl::StrFormat("stdout-path \"%s\": no node %s", Escaped(*value),
                        Escaped(path)));
  }
  const Node& node = *chain.back();
  const size_t depth = chain.size() - 1;

  UartInfo uart;
  uart.node = PathOf(chain, depth);

  // reg, in the parent's address space.
  const Node& parent = *chain[depth - 1];
  const int ac = CellsOf(parent, "#address-cells", 2);
  const int sc = CellsOf(parent, "#size-cells", 1);
  RETURN_IF_ERROR(
      CheckCells(ac, "#address-cells", Escaped(PathOf(chain, depth - 1))));
  const Property* reg = node.FindProperty("reg");
  if (reg == nullptr ||
      reg->value.size() < 4u * static_cast<size_t>(ac + std::max(sc, 0))) {
    return absl::DataLossError(absl::StrFormat(
        "stdout-path: %s has no reg of %d address cells", Escaped(uart.node),
        ac));
  }
  uint64_t address = LoadCells(reg->value.data(), ac);
  // Up through every bus to the root: the node's parent translates into
  // its parent's space, and so on. The root's children are CPU addresses.
  for (size_t bus = depth - 1; bus >= 1; --bus) {
    ASSIGN_OR_RETURN(address, ThroughRanges(chain, bus, address));
  }
  uart.base = address;

  const Property* compatible = node.FindProperty("compatible");
  const std::vector<std::string> names = compatible == nullptr
                                             ? std::vector<std::string>{}
                                             : PropertyStrings(*compatible);
  for (const std::string& name : names) {
    if (name == "arm,pl011") {
      uart.kind = UartInfo::kPl011;
      uart.io_width = 4;
      return uart;
    }
    if (name == "snps,dw-apb-uart" || name == "ns16550a" || name == "ns16550") {
      const Property* shift = node.FindProperty("reg-shift");
      const Property* width = node.FindProperty("reg-io-width");
      if (shift != nullptr && shift->value.size() == 4) {
        uart.reg_shift = LoadBe32(shift->value.data());
      }
      if (width != nullptr && width->value.size() == 4) {
        uart.io_width = LoadBe32(width->value.data());
      }
      if ((uart.io_width != 1 && uart.io_width != 2 && uart.io_width != 4) ||
          uart.reg_shift > 16) {
        uart.note = absl::StrFormat(
            "%s: reg-io-width %u / reg-shift %u is not something the "
            "purgatory can drive",
            Escaped(uart.node), uart.io_width, uart.reg_shift);
        uart.io_width = 1;
        uart.reg_shift = 0;
        return uart;
      }
      uart.kind = UartInfo::k8250;
      return uart;
    }
  }
  std::vector<std::string> shown;
  for (const std::string& name : names) shown.push_back(Escaped(name));
  uart.note = absl::StrFormat(
      "%s is compatible with \"%s\", neither a PL011 nor an 8250",
      Escaped(uart.node), absl::StrJoin(shown, "\", \""));
  return uart;
}

std::string DescribeUart(const UartInfo& uart) {
  switch (uart.kind) {
    case UartInfo::kPl011:
      return absl::StrFormat("UART %s at 0x%x, PL011", Escaped(uart.node),
                             uart.base);
    case UartInfo::k8250:
      return absl::StrFormat("UART %s at 0x%x, 8250 reg-shift %u io-width %u",
                             Escaped(uart.node), uart.base, uart.reg_shift,
                             uart.io_width);
    case UartInfo::kNone:
      break;
  }
  return absl::StrCat("no UART: ", uart.note,
                      "; a mismatch halts without a message");
}

size_t VerifyPurgatorySegmentSize() { return kVerifyPurgatoryStackTop; }

size_t VerifyPurgatoryConfigOffset() { return kVerifyPurgatoryConfigOffset; }

absl::StatusOr<std::vector<uint8_t>> BuildVerifyPurgatory(
    uint64_t kernel_entry, uint64_t dtb_address, const UartInfo& uart,
    const std::vector<VerifyRegion>& regions) {
  if (regions.size() > kVerifyMaxRegions) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "verify purgatory: %u regions, at most %u fit (kexec_load takes 16 "
        "segments, one of them the purgatory)",
        regions.size(), kVerifyMaxRegions));
  }
  if (uart.kind == UartInfo::k8250 &&
      ((uart.io_width != 1 && uart.io_width != 2 && uart.io_width != 4) ||
       uart.reg_shift > 16)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("verify purgatory: 8250 io-width %u / reg-shift %u",
                        uart.io_width, uart.reg_shift));
  }
  if (kVerifyPurgatoryConfigOffset + kVerifyConfigSize !=
          kVerifyPurgatoryBlobSize ||
      kVerifyPurgatoryStackTop < kVerifyPurgatoryBlobSize + kVerifyStackSize) {
    // build_purgatory.sh checks this; a mismatch means blob.cc is stale.
    return absl::InternalError(
        "verify purgatory: the embedded blob's layout "
        "does not match kexec/verify_purgatory.h");
  }
  std::vector<uint8_t> out(VerifyPurgatorySegmentSize(), 0);
  std::copy(kVerifyPurgatoryBlob,
            kVerifyPurgatoryBlob + kVerifyPurgatoryBlobSize, out.begin());
  uint8_t* config = out.data() + kVerifyPurgatoryConfigOffset;
  StoreLe64(kernel_entry, config + kVerifyConfigKernelEntry);
  StoreLe64(dtb_address, config + kVerifyConfigDtbAddress);
  const bool has_uart = uart.kind != UartInfo::kNone;
  StoreLe64(has_uart ? uart.base : 0, config + kVerifyConfigUartBase);
  StoreLe32(static_cast<uint32_t>(uart.kind), config + kVerifyConfigUartKind);
  StoreLe32(has_uart ? uart.reg_shift : 0, config + kVerifyConfigRegShift);
  StoreLe32(has_uart ? uart.io_width : 0, config + kVerifyConfigIoWidth);
  StoreLe32(static_cast<uint32_t>(regions.size()),
            config + kVerifyConfigRegionCount);
  for (size_t i = 0; i < regions.size(); ++i) {
    uint8_t* r = config + kVerifyConfigRegions + i * kVerifyRegionSize;
    StoreLe64(regions[i].address, r);
    StoreLe64(regions[i].length, r + 8);
    std::copy(regions[i].sha256.begin(), regions[i].sha256.end(), r + 16);
  }
  return out;
}

}  // namespace fdt_handoff
