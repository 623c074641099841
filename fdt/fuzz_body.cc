#include "fdt/fuzz_body.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "fdt/blob.h"
#include "fdt/dts_text.h"
#include "fdt/endian.h"
#include "fdt/memory.h"
#include "fdt/overlay.h"
#include "fdt/reconcile.h"

namespace fdt_handoff {
namespace {

// Flag bits of header byte 0.
constexpr uint8_t kHasOverlay = 0x01;
constexpr uint8_t kHasLive = 0x02;
constexpr uint8_t kSeeds = 0x04;
constexpr uint8_t kInitrd = 0x08;
constexpr uint8_t kMemory = 0x10;
constexpr uint8_t kHasSymbols = 0x20;
constexpr uint8_t kKeepMemreserve = 0x40;
constexpr uint8_t kForce = 0x80;

// Flag bits of header byte 1.
constexpr uint8_t kAppend = 0x01;
constexpr uint8_t kReuseCmdline = 0x02;
constexpr uint8_t kSeedSourceFails = 0x04;
constexpr uint8_t kSeedSourceZeros = 0x08;
constexpr uint8_t kOverlayTwice = 0x10;

// A kernel command line is at most a few KiB (COMMAND_LINE_SIZE is 2048 on
// arm64); more text would only slow the fuzzer down.
constexpr size_t kMaxCmdline = 4096;

// The fields of one input, decoded as fuzz_body.h describes. Blob fields
// view the input; nothing here owns memory the input does not.
struct Decoded {
  uint8_t header[kFuzzHeaderSize] = {};
  absl::Span<const uint8_t> target;
  absl::Span<const uint8_t> overlay;
  absl::Span<const uint8_t> live;
  absl::Span<const uint8_t> symbols;
  absl::Span<const uint8_t> cmdline;

  uint8_t flags() const { return header[0]; }
  uint8_t flags2() const { return header[1]; }
};

// Takes a length-prefixed piece off the front of `rest`. A short or
// over-long length takes what is there, so truncated inputs still reach the
// loaders instead of being rejected by the framing.
absl::Span<const uint8_t> TakePiece(absl::Span<const uint8_t>& rest) {
  uint8_t length_bytes[4] = {};
  const size_t prefix = std::min<size_t>(4, rest.size());
  if (prefix > 0) std::memcpy(length_bytes, rest.data(), prefix);
  rest.remove_prefix(prefix);
  const size_t length = std::min<size_t>(LoadLe32(length_bytes), rest.size());
  absl::Span<const uint8_t> piece = rest.subspan(0, length);
  rest.remove_prefix(length);
  return piece;
}

Decoded Decode(absl::Span<const uint8_t> input) {
  Decoded d;
  const size_t header = std::min(kFuzzHeaderSize, input.size());
  if (header > 0) std::memcpy(d.header, input.data(), header);
  absl::Span<const uint8_t> rest = input.subspan(header);
  d.target = TakePiece(rest);
  if (d.flags() & kHasOverlay) d.overlay = TakePiece(rest);
  if (d.flags() & kHasLive) d.live = TakePiece(rest);
  if (d.flags() & kHasSymbols) d.symbols = TakePiece(rest);
  d.cmdline = rest.subspan(0, std::min(rest.size(), kMaxCmdline));
  return d;
}

absl::optional<Fdt> Load(absl::Span<const uint8_t> bytes, const char* origin) {
  absl::StatusOr<Fdt> fdt =
      Fdt::FromBytes(std::vector<uint8_t>(bytes.begin(), bytes.end()), origin);
  if (!fdt.ok()) return absl::nullopt;
  // The accessors read the validated blob through libfdt; run them so a
  // validation gap shows up here rather than in a rule.
  (void)fdt->Model();
  (void)fdt->Compatible();
  (void)fdt->HasSymbols();
  return *std::move(fdt);
}

[[noreturn]] void Bug(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "fuzz_body: BUG: %s: %s\n", what,
               status.ToString().c_str());
  __builtin_trap();
}

// Every tree the library hands out as a success must be a valid DTB again
// when read back, or the kexec'd kernel would get a corrupt one.
void RevalidateOrTrap(const Fdt& fdt, const char* what) {
  absl::StatusOr<Fdt> again = Fdt::FromBytes(
      std::vector<uint8_t>(fdt.bytes().begin(), fdt.bytes().end()), what);
  if (!again.ok()) Bug(what, again.status());
  if (again->size() != fdt.size()) {
    Bug(what, absl::InternalError("size changed on re-validation"));
  }
}

// tree.h documents that a validated tree always parses.
void DumpOrTrap(const Fdt& fdt, const char* what) {
  absl::StatusOr<std::string> text = DumpDts(fdt);
  if (!text.ok()) Bug(what, text.status());
}

SeedSource MakeSeedSource(uint8_t flags2) {
  if (flags2 & kSeedSourceFails) {
    return [](absl::Span<uint8_t>) {
      return absl::UnavailableError("fuzz: seed source failed");
    };
  }
  if (flags2 & kSeedSourceZeros) {
    return [](absl::Span<uint8_t> out) {
      std::fill(out.begin(), out.end(), uint8_t{0});
      return absl::OkStatus();
    };
  }
  // Fixed, non-zero bytes: runs are reproducible, so a crash input replays.
  return [](absl::Span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<uint8_t>(0x5a ^ (i * 0x3b));
    }
    return absl::OkStatus();
  };
}

ReconcileOptions MakeOptions(const Decoded& d, const Fdt* live,
                             const Fdt* symbols,
                             const std::vector<Fdt>& overlays) {
  ReconcileOptions options;
  options.live = live;
  options.overlays = overlays;
  options.symbols_from = symbols;
  options.force_overlays = (d.flags() & kForce) != 0;
  options.keep_memreserve = (d.flags() & kKeepMemreserve) != 0;
  options.seeds = (d.flags() & kSeeds) != 0;
  options.seed_source = MakeSeedSource(d.flags2());

  if (d.flags() & kInitrd) {
    const uint64_t start = uint64_t{LoadLe32(d.header + 4)} << 12;
    const int16_t pages = static_cast<int16_t>(LoadLe16(d.header + 8));
    // Unsigned arithmetic: a negative length wraps, which is one of the
    // invalid ranges Reconcile has to reject.
    options.initrd_start = start;
    options.initrd_end =
        start + static_cast<uint64_t>(static_cast<int64_t>(pages)) * 4096;
  }
  if (d.flags() & kMemory) {
    const uint64_t base = uint64_t{LoadLe16(d.header + 10)} << 20;
    const uint64_t size = uint64_t{LoadLe16(d.header + 12)} << 20;
    const int count = (d.header[14] & 3) + 1;
    for (int i = 0; i < count; ++i) {
      options.memory.push_back(MemoryRange{base + i * size, size});
    }
  }

  const absl::string_view text(reinterpret_cast<const char*>(d.cmdline.data()),
                               d.cmdline.size());
  const size_t nul = text.find('\0');
  if (d.flags2() & kAppend) options.append = std::string(text.substr(0, nul));
  if (d.flags2() & kReuseCmdline) {
    options.reused_cmdline = nul == absl::string_view::npos
                                 ? std::string()
                                 : std::string(text.substr(nul + 1));
  }

  const uint32_t skip = LoadLe16(d.header + 2);
  const absl::Span<const ReconcileRule> policy = ReconcilePolicy();
  for (size_t i = 0; i < policy.size() && i < 16; ++i) {
    if (skip & (1u << i)) options.skip_rules.emplace_back(policy[i].name);
  }
  return options;
}

}  // namespace

FuzzStages RunFuzzInput(absl::Span<const uint8_t> input) {
  FuzzStages stages;
  if (input.size() > kMaxFuzzInputSize) return stages;
  const Decoded d = Decode(input);

  const absl::optional<Fdt> target = Load(d.target, "fuzz target");
  absl::optional<Fdt> overlay;
  absl::optional<Fdt> live;
  absl::optional<Fdt> symbols;
  if (d.flags() & kHasOverlay) overlay = Load(d.overlay, "fuzz overlay");
  if (d.flags() & kHasLive) live = Load(d.live, "fuzz live");
  if (d.flags() & kHasSymbols) symbols = Load(d.symbols, "fuzz symbols");
  stages.target_loaded = target.has_value();
  stages.overlay_loaded = overlay.has_value();
  stages.live_loaded = live.has_value();
  stages.symbols_loaded = symbols.has_value();
  if (!target.has_value()) return stages;
  DumpOrTrap(*target, "DumpDts(target)");

  std::vector<Fdt> overlays;
  if (overlay.has_value()) {
    overlays.push_back(*overlay);
    if (d.flags2() & kOverlayTwice) overlays.push_back(*overlay);
  }
  const Fdt* live_ptr = live.has_value() ? &*live : nullptr;
  const Fdt* symbols_ptr = symbols.has_value() ? &*symbols : nullptr;

  // ApplyOverlays() on its own, as `fdt-handoff apply` runs it: the symbol
  // source falls back to the live tree, like Reconcile() does.
  if (!overlays.empty()) {
    OverlayOptions overlay_options;
    overlay_options.symbol_source =
        symbols_ptr != nullptr ? symbols_ptr : live_ptr;
    overlay_options.force = (d.flags() & kForce) != 0;
    OverlayReport overlay_report;
    absl::StatusOr<Fdt> applied =
        ApplyOverlays(*target, overlays, overlay_options, &overlay_report);
    if (applied.ok()) {
      RevalidateOrTrap(*applied, "ApplyOverlays() result");
      stages.overlay_applied = true;
    }
  }

  const ReconcileOptions options =
      MakeOptions(d, live_ptr, symbols_ptr, overlays);
  ReconcileReport report;
  absl::StatusOr<Fdt> out = Reconcile(*target, options, &report);
  (void)report.Format();
  if (!out.ok()) return stages;
  RevalidateOrTrap(*out, "Reconcile() result");
  stages.reconciled = true;
  DumpOrTrap(*out, "DumpDts(Reconcile() result)");
  stages.dumped = true;
  return stages;
}

void FuzzLoadApplyReconcile(const uint8_t* data, size_t size) {
  // libFuzzer passes a null pointer with size 0 for the empty input.
  if (data == nullptr) size = 0;
  (void)RunFuzzInput(absl::MakeConstSpan(data, size));
}

}  // namespace fdt_handoff
