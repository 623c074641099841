#include "kexec/handoff.h"

#include <libfdt.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fdt/fdt_error.h"
#include "fdt/memory.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"
#include "kexec/purgatory.h"
#include "kexec/verify/sha256.h"
#include "kexec/verify_purgatory.h"

namespace fdt_handoff {
namespace {

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonAddress(uint64_t v) {
  return absl::StrFormat("%u, \"0x%x\"", v, v);
}

using Clock = std::chrono::steady_clock;

double Milliseconds(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// What the "initrd" rule of Reconcile() notes about the range it wrote.
constexpr absl::string_view kInitrdRule = "initrd";
constexpr absl::string_view kInitrdNote = "/chosen:linux,initrd-start/-end = ";

absl::Status CheckHandoffInput(const HandoffInput& input) {
  if (input.target_dtb == nullptr) {
    return absl::InvalidArgumentError("handoff: no target DTB");
  }
  if (input.reconcile.initrd_start.has_value() ||
      input.reconcile.initrd_end.has_value()) {
    return absl::InvalidArgumentError(
        "handoff: the initrd address comes from the plan; do not set it");
  }
  // The rule is what tells the kernel where the initrd is; skipped, the
  // initrd would still be loaded, but /chosen would not name it (or would
  // name the old boot's).
  const std::vector<std::string>& skipped = input.reconcile.skip_rules;
  if (!input.initrd.empty() &&
      std::find(skipped.begin(), skipped.end(), kInitrdRule) != skipped.end()) {
    return absl::InvalidArgumentError(
        "handoff: an initrd is given but the reconcile rule 'initrd' is "
        "skipped: the initrd would be loaded while /chosen/linux,initrd-"
        "start/-end would be missing or left from the old boot, so the new "
        "kernel would not find it; run the rule or leave the initrd out");
  }
  return absl::OkStatus();
}

absl::StatusOr<Plan> PlanFor(const HandoffInput& input, size_t dtb_bytes,
                             const std::vector<MemoryRange>& usable) {
  PlanInput plan_input;
  plan_input.usable = usable;
  plan_input.page_size = input.page_size;
  plan_input.text_offset = input.text_offset;
  plan_input.kernel_page_size = input.kernel_page_size;
  plan_input.image_size = input.image_size;
  plan_input.kernel_bytes = input.kernel.size();
  plan_input.initrd_bytes = input.initrd.size();
  plan_input.dtb_bytes = dtb_bytes;
  plan_input.purgatory_bytes =
      input.verify ? VerifyPurgatorySegmentSize() : kPurgatorySize;
  return PlanSegments(plan_input);
}

// Replaces the placeholder values of /chosen/linux,initrd-start/-end in
// `dtb` with [start, end) (fdt_setprop_inplace: same length, nothing moves)
// and the report line with the final range. The "initrd" rule ran:
// CheckHandoffInput() refuses an initrd with the rule skipped.
absl::StatusOr<Fdt> SetInitrdAddress(const Fdt& dtb, uint64_t start,
                                     uint64_t end, ReconcileReport* report) {
  ReconcileChange* note = nullptr;
  for (ReconcileChange& c : report->changes) {
    if (c.rule == kInitrdRule && absl::StartsWith(c.text, kInitrdNote)) {
      note = &c;
    }
  }
  if (note == nullptr) {
    return absl::InternalError(
        "handoff: the initrd rule left no /chosen/linux,initrd-start/-end");
  }
  std::vector<uint8_t> bytes(dtb.bytes().begin(), dtb.bytes().end());
  const int chosen = fdt_path_offset(bytes.data(), "/chosen");
  if (chosen < 0) return FdtError(chosen, "handoff: /chosen");
  int err = fdt_setprop_inplace_u64(bytes.data(), chosen,
                                    "linux,initrd-start", start);
  if (err == 0) {
    err = fdt_setprop_inplace_u64(bytes.data(), chosen, "linux,initrd-end",
                                  end);
  }
  if (err != 0) {
    return FdtError(err, "handoff: /chosen/linux,initrd-start/-end");
  }
  note->text = absl::StrCat(kInitrdNote, FormatRange(start, end - start));
  return Fdt::FromBytes(std::move(bytes), dtb.origin());
}

// Builds the verifying purgatory into `handoff` (whose DTB and plan are
// final): the digest of each other segment exactly as the kernel leaves it
// in memory, i.e. its buffer followed by zeros up to memsz (kexec_load
// zero-fills past bufsz; for the kernel that covers image_size, BSS
// included). The purgatory itself is left out: its stack changes as it runs.
absl::Status AddVerification(const HandoffInput& input, Handoff* handoff) {
  handoff->verify = true;
  const std::vector<LoadSegment> segments = HandoffSegments(*handoff, input);
  // The purgatory names a bad region by its index; that is the plan table's
  // row as long as the purgatory comes last (the planner puts it highest).
  if (segments.empty() || segments.back().role != SegmentRole::kPurgatory) {
    return absl::InternalError(
        "handoff: the purgatory is not the last segment");
  }
  for (const LoadSegment& s : segments) {
    if (s.role == SegmentRole::kPurgatory) continue;
    Sha256 hash;
    hash.Update(s.buffer);
    hash.UpdateZeros(s.memsz - s.buffer.size());
    VerifyRegion region;
    region.address = s.mem;
    region.length = s.memsz;
    region.sha256 = hash.Finish();
    handoff->verify_regions.push_back(region);
  }
  // The new kernel's console is where someone will be looking. Without a
  // usable one the check still runs; only the message has nowhere to go,
  // which FormatPurgatory() says.
  ASSIGN_OR_RETURN(Tree tree, ParseTree(handoff->dtb));
  absl::StatusOr<UartInfo> uart = UartFromStdoutPath(tree);
  if (uart.ok()) {
    handoff->verify_uart = *std::move(uart);
  } else {
    handoff->verify_uart = UartInfo();
    handoff->verify_uart.note = std::string(uart.status().message());
  }
  ASSIGN_OR_RETURN(handoff->purgatory,
                   BuildVerifyPurgatory(handoff->plan.kernel_entry,
                                        handoff->plan.dtb_address,
                                        handoff->verify_uart,
                                        handoff->verify_regions));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Handoff> PrepareHandoff(const HandoffInput& input) {
  RETURN_IF_ERROR(CheckHandoffInput(input));
  // One reconcile: the overlays, the rules and the seeds run once. The
  // initrd properties get placeholder values of their final width (64-bit
  // either way), so the DTB already has its final size for the plan.
  ReconcileOptions options = input.reconcile;
  if (!input.initrd.empty()) {
    options.initrd_start = 0;
    options.initrd_end = input.initrd.size();
  }
  const Clock::time_point reconcile_begin = Clock::now();
  ReconcileReport report;
  ASSIGN_OR_RETURN(Fdt dtb, Reconcile(*input.target_dtb, options, &report));
  const Clock::time_point plan_begin = Clock::now();
  ASSIGN_OR_RETURN(Tree tree, ParseTree(dtb));
  ASSIGN_OR_RETURN(std::vector<MemoryRange> dtb_ram,
                   UsableFromDtb(tree, "the handoff DTB"));
  MemoryMap map = CombineMemoryMaps(dtb_ram, input.iomem);
  ASSIGN_OR_RETURN(Plan plan, PlanFor(input, dtb.size(), map.usable));
  // Documentation/arch/arm64/booting.rst: the initrd's location is passed in
  // /chosen (linux,initrd-start/-end), so it must be in the DTB before the
  // DTB is placed. Patched in place: the size cannot change.
  if (!input.initrd.empty()) {
    ASSIGN_OR_RETURN(dtb, SetInitrdAddress(dtb, plan.initrd_start,
                                           plan.initrd_end, &report));
  }
  Handoff handoff(std::move(dtb));
  handoff.plan = std::move(plan);
  handoff.report = std::move(report);
  handoff.usable = map.usable;
  handoff.memory_notes = std::move(map.notes);
  handoff.timings.reconcile_ms = Milliseconds(plan_begin - reconcile_begin);
  handoff.timings.plan_ms = Milliseconds(Clock::now() - plan_begin);
  if (input.verify) {
    const Clock::time_point verify_begin = Clock::now();
    RETURN_IF_ERROR(AddVerification(input, &handoff));
    handoff.timings.verify_ms = Milliseconds(Clock::now() - verify_begin);
  } else {
    handoff.purgatory =
        BuildPurgatory(handoff.plan.kernel_entry, handoff.plan.dtb_address);
  }
  return handoff;
}

std::vector<LoadSegment> HandoffSegments(const Handoff& handoff,
                                         const HandoffInput& input) {
  std::vector<LoadSegment> out;
  for (const Segment& s : handoff.plan.segments) {
    absl::Span<const uint8_t> buffer;
    switch (s.role) {
      case SegmentRole::kKernel: buffer = input.kernel; break;
      case SegmentRole::kInitrd: buffer = input.initrd; break;
      case SegmentRole::kDtb: buffer = handoff.dtb.bytes(); break;
      case SegmentRole::kPurgatory: buffer = handoff.purgatory; break;
    }
    out.push_back(LoadSegment{s.role, buffer, s.mem, s.memsz});
  }
  return out;
}

absl::StatusOr<Handoff> PrepareAndLoad(const HandoffInput& input,
                                       KexecSyscalls& sys) {
  ASSIGN_OR_RETURN(Handoff handoff, PrepareHandoff(input));
  RETURN_IF_ERROR(LoadSegments(sys, handoff.plan.purgatory_address,
                               HandoffSegments(handoff, input)));
  return handoff;
}

std::string FormatPurgatory(const Handoff& h) {
  if (!h.verify) return "purgatory: x0 = DTB, x1..x3 = 0, no verification";
  return absl::StrFormat("purgatory: verifying (sha256 of %u segments, %s)",
                         h.verify_regions.size(), DescribeUart(h.verify_uart));
}

std::string FormatHandoffJson(const Handoff& h) {
  std::vector<std::string> segments;
  for (const Segment& s : h.plan.segments) {
    segments.push_back(absl::StrFormat(
        "    {\"role\": \"%s\", \"mem\": [%s], \"memsz\": %u, \"bufsz\": %u}",
        RoleName(s.role), JsonAddress(s.mem), s.memsz, s.bufsz));
  }
  std::vector<std::string> notes;
  for (const std::string& n : h.memory_notes) notes.push_back(JsonString(n));
  std::vector<std::string> warnings;
  for (const std::string& w : h.plan.warnings) {
    warnings.push_back(JsonString(w));
  }
  std::vector<std::string> changes;
  for (const ReconcileChange& c : h.report.changes) {
    changes.push_back(absl::StrFormat("    {\"rule\": %s, \"change\": %s}",
                                      JsonString(c.rule), JsonString(c.text)));
  }
  std::string verify = "{\"enabled\": false}";
  if (h.verify) {
    std::vector<std::string> regions;
    for (const VerifyRegion& r : h.verify_regions) {
      regions.push_back(absl::StrFormat(
          "      {\"address\": [%s], \"length\": %u, \"sha256\": \"%s\"}",
          JsonAddress(r.address), r.length, ToHex(r.sha256)));
    }
    const UartInfo& u = h.verify_uart;
    verify = absl::StrCat(
        "{\"enabled\": true,\n    \"uart\": {\"kind\": ",
        JsonString(u.kind == UartInfo::kPl011  ? "pl011"
                   : u.kind == UartInfo::k8250 ? "8250"
                                               : "none"),
        ", \"node\": ", JsonString(u.node), ", \"base\": [",
        JsonAddress(u.base), "], \"reg_shift\": ", u.reg_shift,
        ", \"io_width\": ", u.io_width, ", \"note\": ", JsonString(u.note),
        "},\n    \"regions\": [\n", absl::StrJoin(regions, ",\n"),
        "\n    ]}");
  }
  std::vector<std::string> usable;
  for (const MemoryRange& r : h.usable) {
    usable.push_back(
        absl::StrFormat("[\"0x%x\", \"0x%x\"]", r.base, r.end()));
  }
  return absl::StrCat(
      "{\n  \"entry\": [", JsonAddress(h.plan.purgatory_address), "],\n",
      "  \"kernel_entry\": [", JsonAddress(h.plan.kernel_entry), "],\n",
      "  \"dtb_address\": [", JsonAddress(h.plan.dtb_address), "],\n",
      "  \"dtb_bytes\": ", h.dtb.size(), ",\n", "  \"initrd\": [",
      JsonAddress(h.plan.initrd_start), ", ", JsonAddress(h.plan.initrd_end),
      "],\n", "  \"usable\": [", absl::StrJoin(usable, ", "), "],\n",
      "  \"segments\": [\n", absl::StrJoin(segments, ",\n"), "\n  ],\n",
      "  \"verify\": ", verify, ",\n", "  \"warnings\": [",
      absl::StrJoin(warnings, ", "), "],\n", "  \"memory_notes\": [",
      absl::StrJoin(notes, ", "), "],\n", "  \"changes\": [\n",
      absl::StrJoin(changes, ",\n"), "\n  ]\n}\n");
}

}  // namespace fdt_handoff
