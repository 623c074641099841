// File: fdt/reconcile.h
//
// Reconciliation: turning the target kernel's own DTB (from disk) into the
// tree a bootloader would have handed that kernel.
//
// U-Boot and TF-A edit the DTB they boot Linux with; a DTB read from disk
// lacks those edits. On the Orange Pi Zero 2W (H618) that means /memory
// (U-Boot's arch_fixup_fdt), firmware reservations (TF-A's tf-a@40000000),
// identity (/serial-number, MAC addresses behind ethernetN aliases) and
// /chosen. The running kernel's FDT (/sys/firmware/fdt, the "live" FDT)
// still holds the bootloader's values, so most rules copy from it.
//
// The policy is data: ReconcilePolicy() lists the rules in the order they
// run, each with a name and a one-line description, and every change a rule
// makes is recorded in the ReconcileReport. Overlays are applied (see
// overlay.h) before the rules run.
//
//   ReconcileOptions options;
//   options.live = &live;
//   options.overlays = {usb_overlay};
//   ReconcileReport report;
//   ASSIGN_OR_RETURN(Fdt out, Reconcile(target, options, &report));
//   std::cout << report.Format();
#ifndef FDT_RECONCILE_H_
#define FDT_RECONCILE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "fdt/blob.h"
#include "fdt/memory.h"
#include "fdt/overlay.h"

namespace fdt_handoff {

// Fills a buffer with random bytes. The default uses getrandom(2); tests
// inject a fixed source so goldens are reproducible.
using SeedSource = std::function<absl::Status(absl::Span<uint8_t>)>;

// GetRandomBytes()
//
// getrandom(2), blocking until the kernel's pool is initialised.
//
// Returns:
//   kUnavailable  getrandom failed (errno in the message).
absl::Status GetRandomBytes(absl::Span<uint8_t> out);

struct ReconcileOptions {
  // The running kernel's FDT; null for --no-live.
  const Fdt* live = nullptr;
  // Applied in order before the rules (all or nothing).
  std::vector<Fdt> overlays;
  // Labels for overlays when the target has no __symbols__. Null: use the
  // live FDT if it has symbols.
  const Fdt* symbols_from = nullptr;
  bool force_overlays = false;

  // Explicit RAM (--memory); overrides the live FDT's /memory. Checked
  // with MakeRange() before use.
  std::vector<MemoryRange> memory;

  // Kernel command line, kexec-tools' arm64 semantics: --append and
  // --command-line are one option (the last one wins); --reuse-cmdline puts
  // /proc/cmdline, minus BOOT_IMAGE=, in front of it. When neither is set,
  // /chosen/bootargs is deleted. The joined line (KernelCommandLine()) must
  // pass CheckCommandLine(): at most 2047 bytes of printable text.
  absl::optional<std::string> append;
  absl::optional<std::string> reused_cmdline;  // /proc/cmdline's contents.

  // Initrd physical range [start, end); both or neither. Neither: deleted.
  absl::optional<uint64_t> initrd_start;
  absl::optional<uint64_t> initrd_end;

  // Fresh kaslr-seed (8 bytes, non-zero) and rng-seed (128 bytes). Off:
  // both are deleted.
  bool seeds = true;
  SeedSource seed_source;  // Empty: GetRandomBytes.

  // Carry the live FDT's /memreserve/ entries (normally dropped: they
  // describe the old boot's initrd and DTB).
  bool keep_memreserve = false;

  // Rules to skip, by name (see ReconcilePolicy()).
  std::vector<std::string> skip_rules;
};

struct ReconcileChange {
  std::string rule;
  std::string text;
};

struct ReconcileReport {
  OverlayReport overlays;
  std::vector<ReconcileChange> changes;

  // One line per overlay, grafted label and change, e.g.
  //   overlay    applied sun50i-h618-orangepi-zero2w-usb.dtbo
  //   memory     /memory@40000000: reg set from live FDT: 0x40000000..
  // Every text from a blob or the command line goes through Escaped()
  // (fdt/escape.h): a newline or control byte in a node name, label, string
  // or --append cannot reach the terminal raw or forge a line.
  std::string Format() const;
};

struct RuleContext;

struct ReconcileRule {
  absl::string_view name;
  absl::string_view description;
  absl::Status (*apply)(RuleContext& context);
};

// ReconcilePolicy()
//
// The rules, in the order Reconcile() runs them.
absl::Span<const ReconcileRule> ReconcilePolicy();

// StripBootImage()
//
// /proc/cmdline minus every BOOT_IMAGE=... word (as kexec-tools'
// get_command_line() does), with the trailing newline removed.
std::string StripBootImage(absl::string_view cmdline);

// KernelCommandLine()
//
// The /chosen/bootargs the bootargs rule writes: StripBootImage() of
// `reused_cmdline`, a space, then `append` (an empty part and its space are
// left out). Unset when neither is set: the rule deletes bootargs.
// Reconcile() refuses it unless CheckCommandLine() (fdt/command_line.h)
// accepts it.
absl::optional<std::string> KernelCommandLine(const ReconcileOptions& options);

// Reconcile()
//
// Returns a packed copy of `target` with the overlays applied and every rule
// run. Nothing is returned on error; `target` is never modified.
//
// Returns:
//   kFailedPrecondition neither --memory, the live FDT nor the target
//                       describes memory; overlay board mismatch.
//   kInvalidArgument    only one of initrd_start/initrd_end, or end <= start;
//                       an unknown rule in skip_rules; a --memory range, a
//                       live /memory, /reserved-memory (live or target) or
//                       live /memreserve/ range whose base + size wraps past
//                       2^64 (the message names the file, node and entry);
//                       an overlay nested deeper than kMaxOverlayDepth;
//                       unless the bootargs rule is skipped, a
//                       KernelCommandLine() that CheckCommandLine() refuses
//                       (2048 bytes or more, or a control byte): the
//                       message is "bootargs: " and CheckCommandLine()'s,
//                       and nothing else has run.
//   kNotFound           an overlay label/target missing (see overlay.h).
//   kOutOfRange         a memory address that does not fit the target's
//                       #address-cells/#size-cells.
//   kDataLoss           a malformed overlay or live FDT property.
//   kResourceExhausted  the result exceeds arm64's 2 MiB DTB limit.
//   kUnavailable        the seed source failed.
absl::StatusOr<Fdt> Reconcile(const Fdt& target,
                              const ReconcileOptions& options,
                              ReconcileReport* report = nullptr);

}  // namespace fdt_handoff

#endif  // FDT_RECONCILE_H_
