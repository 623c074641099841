#include "init/boot.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fdt/status_macros.h"
#include "kexec/plan.h"

namespace fdt_handoff {
namespace {

constexpr uint64_t kMaxKernelFile = uint64_t{512} << 20;
constexpr uint64_t kMaxInitrdFile = uint64_t{1} << 30;

HandoffInput InputFor(const PreparedBoot& boot, const BootOptions* options) {
  HandoffInput in;
  in.kernel = boot.kernel.image;
  in.text_offset = boot.kernel.text_offset;
  in.image_size = boot.kernel.image_size;
  in.kernel_page_size = boot.kernel.page_size;
  in.initrd = boot.initrd;
  in.target_dtb = &boot.dtb.dtb;
  in.verify = boot.verify;
  if (options != nullptr) {
    in.reconcile.live = options->live;
    in.reconcile.append = boot.dtb.cmdline;
    in.reconcile.seed_source = options->seed_source;
    in.iomem = options->iomem;
    in.page_size = options->page_size;
  }
  return in;
}

absl::Status ReadKernelAndInitrd(const RootDir& root, const BootOptions& options,
                                 PreparedBoot& boot) {
  ASSIGN_OR_RETURN(std::vector<uint8_t> kernel,
                   root.ReadFile(boot.found.kernel.path, kMaxKernelFile));
  ASSIGN_OR_RETURN(boot.kernel,
                   ParseKernel(std::move(kernel), boot.found.kernel.path,
                               static_cast<uint32_t>(options.page_size)));
  if (boot.found.initrd.path.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<uint8_t> initrd,
                   root.ReadFile(boot.found.initrd.path, kMaxInitrdFile));
  ASSIGN_OR_RETURN(boot.initrd,
                   StripUbootLegacyHeader(initrd, boot.found.initrd.path));
  return absl::OkStatus();
}

// The pristine DTB and the command line that goes with it.
absl::StatusOr<BootDtb> PristineDtb(const RootDir& root, const Discovery& found) {
  Discovery bare = found;
  bare.entry.overlays.clear();
  bare.overlays.clear();
  ASSIGN_OR_RETURN(BootDtb dtb, BuildBootDtb(root, bare));
  ASSIGN_OR_RETURN(dtb.cmdline, CmdlineWithoutOverlays(found.entry));
  return dtb;
}

// PrepareHandoff(); with overlays applied and a failure, once more on the
// pristine DTB. The pristine DTB replaces the overlaid one only when it
// hands over; otherwise the first error stands (the overlays were not the
// cause, e.g. no memory map at all).
absl::Status HandOver(const RootDir& root, const BootOptions& options,
                      PreparedBoot& boot) {
  absl::StatusOr<Handoff> h = PrepareHandoff(InputFor(boot, &options));
  if (h.ok()) {
    boot.handoff.emplace(*std::move(h));
    return absl::OkStatus();
  }
  if (boot.dtb.applied.empty()) return h.status();
  absl::StatusOr<BootDtb> pristine = PristineDtb(root, boot.found);
  if (!pristine.ok()) {
    return absl::Status(h.status().code(),
                        absl::StrCat(h.status().message(),
                                     "; the pristine DTB cannot be tried: ",
                                     pristine.status().message()));
  }
  PreparedBoot retry(boot.found, *std::move(pristine));
  retry.kernel = std::move(boot.kernel);
  retry.initrd = std::move(boot.initrd);
  retry.verify = boot.verify;
  absl::StatusOr<Handoff> second = PrepareHandoff(InputFor(retry, &options));
  boot.kernel = std::move(retry.kernel);
  boot.initrd = std::move(retry.initrd);
  if (!second.ok()) return h.status();
  boot.warnings.push_back(absl::StrCat(
      "the DTB with overlays cannot be handed over (", h.status().message(),
      "); booting the pristine DTB without overlays"));
  boot.dtb = std::move(retry.dtb);
  boot.handoff.emplace(*std::move(second));
  return absl::OkStatus();
}

}  // namespace

std::string VisibleText(absl::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatFileLine(const char* role, const ResolvedFile& f) {
  if (f.path.empty()) return absl::StrFormat("%-9s (none)\n", role);
  if (f.path == f.real) {
    return absl::StrFormat("%-9s %s\n", role, VisibleText(f.path));
  }
  return absl::StrFormat("%-9s %s -> %s\n", role, VisibleText(f.path),
                         VisibleText(f.real));
}

absl::StatusOr<PreparedBoot> PrepareBoot(const RootDir& root,
                                         const BootOptions& options) {
  ASSIGN_OR_RETURN(Discovery found, DiscoverBoot(root, options.discover));
  ASSIGN_OR_RETURN(BootDtb dtb, BuildBootDtb(root, found));
  PreparedBoot boot(std::move(found), std::move(dtb));
  boot.verify = options.verify;
  boot.warnings = boot.found.entry.warnings;
  boot.warnings.insert(boot.warnings.end(), boot.dtb.warnings.begin(),
                       boot.dtb.warnings.end());
  RETURN_IF_ERROR(ReadKernelAndInitrd(root, options, boot));
  if (options.identity.has_value()) {
    boot.preflight = CheckTarget(GatherTargetFacts(
        root, boot.found, boot.kernel.image, boot.initrd, boot.dtb.cmdline,
        *options.identity));
  }
  const absl::Status planned = HandOver(root, options, boot);
  if (!planned.ok()) {
    if (options.require_plan) return planned;
    boot.plan_error = std::string(planned.message());
  }
  return boot;
}

std::string FormatPreparedBoot(const PreparedBoot& boot) {
  const BootEntry& e = boot.found.entry;
  std::string out =
      absl::StrFormat("%-9s %s (label %s)\n", "config", VisibleText(e.config),
                      VisibleText(e.label));
  absl::StrAppend(&out, FormatFileLine("kernel", boot.found.kernel));
  absl::StrAppendFormat(&out, "%-9s %s, %u bytes, text_offset 0x%x\n", "",
                        boot.kernel.format, boot.kernel.image.size(),
                        boot.kernel.text_offset);
  absl::StrAppend(&out, FormatFileLine("initrd", boot.found.initrd));
  absl::StrAppend(&out, FormatFileLine("dtb", boot.found.dtb));
  for (const std::string& p : boot.dtb.applied) {
    absl::StrAppendFormat(&out, "%-9s applied %s\n", "overlay",
                          VisibleText(p));
  }
  for (const FailedOverlay& f : boot.dtb.failed) {
    absl::StrAppendFormat(&out, "%-9s FAILED  %s\n", "overlay",
                          VisibleText(f.path));
  }
  for (const OverlayFile& o : e.overlays_missing) {
    absl::StrAppendFormat(&out, "%-9s missing %s\n", "overlay",
                          VisibleText(o.path));
  }
  absl::StrAppendFormat(&out, "%-9s %s\n", "cmdline",
                        VisibleText(boot.dtb.cmdline));
  for (const std::string& w : boot.warnings) {
    absl::StrAppendFormat(&out, "%-9s %s\n", "warning", VisibleText(w));
  }
  for (const std::string& w : boot.preflight.warnings) {
    absl::StrAppendFormat(&out, "%-9s %s\n", "preflight", VisibleText(w));
  }
  for (const std::string& n : boot.preflight.notes) {
    absl::StrAppendFormat(&out, "%-9s %s\n", "note", VisibleText(n));
  }
  if (!boot.plan_error.empty()) {
    absl::StrAppendFormat(&out, "%-9s not made: %s\n", "plan",
                          VisibleText(boot.plan_error));
  }
  if (boot.handoff.has_value()) {
    const Handoff& h = *boot.handoff;
    absl::StrAppend(&out, "\n", FormatPlan(h.plan), FormatPurgatory(h), "\n\n",
                    h.report.Format());
  }
  return out;
}

absl::Status LoadPreparedBoot(const PreparedBoot& boot, KexecSyscalls& sys) {
  if (!boot.handoff.has_value()) {
    return absl::FailedPreconditionError("nothing prepared to load");
  }
  const HandoffInput in = InputFor(boot, nullptr);
  return LoadSegments(sys, boot.handoff->plan.purgatory_address,
                      HandoffSegments(*boot.handoff, in));
}

}  // namespace fdt_handoff
