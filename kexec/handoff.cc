#include "kexec/handoff.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"
#include "kexec/purgatory.h"

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

}  // namespace

absl::StatusOr<Handoff> PrepareHandoff(const HandoffInput& input) {
  if (input.target_dtb == nullptr) {
    return absl::InvalidArgumentError("handoff: no target DTB");
  }
  if (input.reconcile.initrd_start.has_value() ||
      input.reconcile.initrd_end.has_value()) {
    return absl::InvalidArgumentError(
        "handoff: the initrd address comes from the plan; do not set it");
  }
  // Pass 1: the DTB with placeholder initrd properties of the final width,
  // to learn its size and memory map.
  ReconcileOptions options = input.reconcile;
  if (!input.initrd.empty()) {
    options.initrd_start = 0;
    options.initrd_end = input.initrd.size();
  }
  ASSIGN_OR_RETURN(Fdt sizing, Reconcile(*input.target_dtb, options));
  ASSIGN_OR_RETURN(Tree sizing_tree, ParseTree(sizing));
  ASSIGN_OR_RETURN(std::vector<Range> dtb_ram,
                   UsableFromDtb(sizing_tree, "the handoff DTB"));
  MemoryMap map = CombineMemoryMaps(dtb_ram, input.iomem);

  PlanInput plan_input;
  plan_input.usable = map.usable;
  plan_input.page_size = input.page_size;
  plan_input.text_offset = input.text_offset;
  plan_input.image_size = input.image_size;
  plan_input.kernel_bytes = input.kernel.size();
  plan_input.initrd_bytes = input.initrd.size();
  plan_input.dtb_bytes = sizing.size();
  plan_input.purgatory_bytes = kPurgatorySize;
  ASSIGN_OR_RETURN(Plan plan, PlanSegments(plan_input));

  // Pass 2: the final DTB, with the initrd where the plan put it.
  // Documentation/arch/arm64/booting.rst: the initrd's location is passed in
  // /chosen (linux,initrd-start/-end), so it must be known before the DTB
  // is placed; its size cannot change, the properties are 64-bit either way.
  if (!input.initrd.empty()) {
    options.initrd_start = plan.initrd_start;
    options.initrd_end = plan.initrd_end;
  }
  ReconcileReport report;
  ASSIGN_OR_RETURN(Fdt final_dtb,
                   Reconcile(*input.target_dtb, options, &report));
  if (final_dtb.size() != sizing.size()) {
    return absl::InternalError(absl::StrFormat(
        "handoff: the DTB was %u bytes when planned but %u bytes final",
        sizing.size(), final_dtb.size()));
  }
  Handoff handoff(std::move(final_dtb));
  handoff.plan = std::move(plan);
  handoff.report = std::move(report);
  handoff.usable = map.usable;
  handoff.memory_notes = std::move(map.notes);
  handoff.purgatory =
      BuildPurgatory(handoff.plan.kernel_entry, handoff.plan.dtb_address);
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

std::string FormatHandoffJson(const Handoff& h) {
  std::vector<std::string> segments;
  for (const Segment& s : h.plan.segments) {
    segments.push_back(absl::StrFormat(
        "    {\"role\": \"%s\", \"mem\": [%s], \"memsz\": %u, \"bufsz\": %u}",
        RoleName(s.role), JsonAddress(s.mem), s.memsz, s.bufsz));
  }
  std::vector<std::string> notes;
  for (const std::string& n : h.memory_notes) notes.push_back(JsonString(n));
  std::vector<std::string> changes;
  for (const ReconcileChange& c : h.report.changes) {
    changes.push_back(absl::StrFormat("    {\"rule\": %s, \"change\": %s}",
                                      JsonString(c.rule), JsonString(c.text)));
  }
  std::vector<std::string> usable;
  for (const Range& r : h.usable) {
    usable.push_back(absl::StrFormat("[\"0x%x\", \"0x%x\"]", r.start, r.end));
  }
  return absl::StrCat(
      "{\n  \"entry\": [", JsonAddress(h.plan.purgatory_address), "],\n",
      "  \"kernel_entry\": [", JsonAddress(h.plan.kernel_entry), "],\n",
      "  \"dtb_address\": [", JsonAddress(h.plan.dtb_address), "],\n",
      "  \"dtb_bytes\": ", h.dtb.size(), ",\n",
      "  \"initrd\": [", JsonAddress(h.plan.initrd_start), ", ",
      JsonAddress(h.plan.initrd_end), "],\n",
      "  \"usable\": [", absl::StrJoin(usable, ", "), "],\n",
      "  \"segments\": [\n", absl::StrJoin(segments, ",\n"), "\n  ],\n",
      "  \"memory_notes\": [", absl::StrJoin(notes, ", "), "],\n",
      "  \"changes\": [\n", absl::StrJoin(changes, ",\n"), "\n  ]\n}\n");
}

}  // namespace fdt_handoff
