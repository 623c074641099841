// File: kexec/handoff.h
//
// Everything between "these files" and "call kexec_load": reconcile the
// target DTB (once), build the memory map, plan the segments, patch the
// initrd's final address into /chosen, build the purgatory. Pure apart from the seed
// source; the result is inspected by `fdt-handoff plan` and loaded by
// `load`/`exec`. All checks happen here, so nothing reaches the kernel after
// an error. With `verify`, the purgatory is the verifying one
// (kexec/verify_purgatory.h): it checks the sha256 of every other segment
// before it enters the kernel.
//
//   HandoffInput in;  // kernel, initrd, target DTB, reconcile options
//   ASSIGN_OR_RETURN(Handoff h, PrepareHandoff(in));
//   RETURN_IF_ERROR(LoadSegments(*sys, h.plan.purgatory_address,
//                                HandoffSegments(h, in)));
#ifndef KEXEC_HANDOFF_H_
#define KEXEC_HANDOFF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "fdt/blob.h"
#include "fdt/reconcile.h"
#include "kexec/memory_map.h"
#include "kexec/plan.h"
#include "kexec/syscall.h"
#include "kexec/verify_purgatory.h"

namespace fdt_handoff {

struct HandoffInput {
  // The raw arm64 Image (decompressed) and its header fields.
  absl::Span<const uint8_t> kernel;
  uint64_t text_offset = 0;
  uint64_t image_size = 0;
  // Arm64Image::page_size (0: unspecified); another than `page_size` is a
  // warning in the plan (PlanSegments()).
  uint64_t kernel_page_size = 0;
  // The initrd as loaded (U-Boot header stripped); empty for none.
  absl::Span<const uint8_t> initrd;
  const Fdt* target_dtb = nullptr;
  // Overlays, live FDT, command line, seeds... initrd_start/_end must be
  // unset: they come from the plan.
  ReconcileOptions reconcile;
  // Usable RAM from /proc/iomem; null to rely on the DTB alone.
  const std::vector<MemoryRange>* iomem = nullptr;
  uint64_t page_size = 4096;
  // --verify: load the verifying purgatory instead of the 40-byte one. It
  // hashes every other segment as it lies in memory (buffer plus the zero
  // fill up to memsz) and halts with a message on the DTB's stdout-path
  // UART if one differs from the digest computed here.
  bool verify = false;
};

// Where PrepareHandoff() spent its time, for `--timings`.
struct HandoffTimings {
  double reconcile_ms = 0;  // Overlays and rules: Reconcile(), once.
  double plan_ms = 0;       // Memory map, PlanSegments(), initrd patch.
  double verify_ms = 0;     // With verify: the segments' sha256, the
                            // verifying purgatory. 0 without.
};

struct Handoff {
  explicit Handoff(Fdt final_dtb) : dtb(std::move(final_dtb)) {}
  Fdt dtb;  // What the new kernel receives, initrd address included.
  Plan plan;
  ReconcileReport report;
  std::vector<MemoryRange> usable;
  std::vector<std::string> memory_notes;
  std::vector<uint8_t> purgatory;
  // With HandoffInput::verify: what the purgatory checks, in segment order
  // (region i is plan.segments[i]), and where it prints.
  bool verify = false;
  std::vector<VerifyRegion> verify_regions;
  UartInfo verify_uart;
  HandoffTimings timings;
};

// PrepareHandoff()
//
// Reconciles the target DTB once (overlays, rules and seeds run once), with
// placeholder /chosen/linux,initrd-start/-end values of the final width;
// builds the memory map from that DTB and /proc/iomem; plans the segments;
// then writes the initrd's planned range into the two properties in place
// (the DTB's size does not change) and into the report. The result equals a
// Reconcile() given the final initrd range. Then builds the purgatory.
//
// Returns:
//   kInvalidArgument   initrd_start/_end already set; no target DTB; an
//                      initrd with the "initrd" rule in skip_rules (the
//                      initrd would be loaded, but /chosen would not say
//                      where).
//   plus every code of Reconcile() (the DTB; a command line that
//   CheckCommandLine() refuses is its kInvalidArgument, returned before
//   anything is planned), ParseTree() and
//   UsableFromDtb() (no memory), PlanSegments() (no room, DTB over 2 MiB,
//   ...) and Fdt::FromBytes() (the patched DTB is re-validated; kDataLoss
//   would be a bug), and the FdtErrorCode() of a libfdt failure to patch
//   /chosen (a bug: the initrd rule writes both properties 64 bits wide),
//   kInternal when the initrd rule left no range to patch (a bug).
//   With verify, also BuildVerifyPurgatory()'s kInvalidArgument (too many
//   regions, an unusable UART) and kInternal when the purgatory is not the
//   last segment (a planner bug). A DTB without a usable stdout-path is not
//   an error: the purgatory verifies silently (Handoff::verify_uart.note).
absl::StatusOr<Handoff> PrepareHandoff(const HandoffInput& input);

// HandoffSegments()
//
// The segments for kexec_load, pointing into `input`'s buffers and
// `handoff`'s DTB and purgatory (both must outlive the result).
std::vector<LoadSegment> HandoffSegments(const Handoff& handoff,
                                         const HandoffInput& input);

// PrepareAndLoad()
//
// PrepareHandoff(), then LoadSegments() with the result. The kernel is
// called only when every check passed.
//
// Returns: the codes of PrepareHandoff() and LoadSegments().
absl::StatusOr<Handoff> PrepareAndLoad(const HandoffInput& input,
                                       KexecSyscalls& sys);

// FormatPurgatory()
//
// One line about the purgatory: "purgatory: verifying (sha256 of 3
// segments, UART /soc/serial@5000000 at 0x5000000, 8250 reg-shift 2
// io-width 4)", or "purgatory: x0 = DTB, x1..x3 = 0, no verification".
// Text from the DTB (the UART's node path, its compatible, the stdout-path
// value in a note) is escaped as fdt/escape.h's Escaped() does: printable
// ASCII only.
std::string FormatPurgatory(const Handoff& handoff);

// FormatHandoffJson()
//
// The plan as JSON: segments (role, mem, memsz, bufsz as numbers and hex
// strings), entry, kernel entry, DTB and initrd addresses, the purgatory's
// verification (regions with their sha256, UART), the plan's warnings,
// memory notes and the change report lines.
std::string FormatHandoffJson(const Handoff& handoff);

}  // namespace fdt_handoff

#endif  // KEXEC_HANDOFF_H_
