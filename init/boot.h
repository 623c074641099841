// File: init/boot.h
//
// The one library function between "a mounted root" and "segments ready for
// kexec_load", called by both the init and `fdt-handoff boot --root`:
//
//   DiscoverBoot()       which configuration, kernel, initrd, DTB, overlays
//   BuildBootDtb()       the DTB with its overlays as the boot loader would
//   read kernel + initrd through the root (U-Boot header stripped)
//   preflight            can the target assemble its own root? (preflight.h)
//   PrepareHandoff()     reconcile with the live FDT (/sys/firmware/fdt),
//                        plan the segments, build the purgatory
//
// Overlays: when one fails to apply, Armbian's script boots the pristine DTB
// (BuildBootDtb() does the same). When the overlaid DTB applies but then
// fails to reconcile or plan, the pristine DTB is tried once more, with a
// warning, for the same reason: the board must still boot.
//
//   ASSIGN_OR_RETURN(PreparedBoot boot, PrepareBoot(root, options));
//   console.Log(FormatPreparedBoot(boot));
//   RETURN_IF_ERROR(LoadPreparedBoot(boot, *sys));
#ifndef INIT_BOOT_H_
#define INIT_BOOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "fdt/blob.h"
#include "fdt/reconcile.h"
#include "init/boot_dtb.h"
#include "init/discover.h"
#include "init/preflight.h"
#include "init/root_dir.h"
#include "kexec/handoff.h"
#include "kexec/image.h"
#include "fdt/memory.h"
#include "kexec/memory_map.h"
#include "kexec/syscall.h"

namespace fdt_handoff {

struct BootOptions {
  DiscoverOptions discover;
  const Fdt* live = nullptr;                  // /sys/firmware/fdt; null: none
  const std::vector<MemoryRange>* iomem = nullptr;  // /proc/iomem; null: DTB only
  uint64_t page_size = 4096;
  bool verify = false;                        // mdboot.verify
  // The array and its file system, for the preflight's root= check; none:
  // no preflight (a host without the array).
  absl::optional<RootIdentity> identity;
  SeedSource seed_source;  // Empty: getrandom. Tests fix it.
  // The init needs the plan; `boot --root` on a host may lack the board's
  // memory map (no live FDT, no /memory in the DTB) and reports the
  // reason instead (PreparedBoot::plan_error).
  bool require_plan = true;
};

struct PreparedBoot {
  PreparedBoot(Discovery f, BootDtb d) : found(std::move(f)), dtb(std::move(d)) {}
  Discovery found;
  BootDtb dtb;                     // What was applied, failed, its cmdline
  Arm64Image kernel;
  std::vector<uint8_t> initrd;     // U-Boot header stripped
  PreflightResult preflight;       // Empty without BootOptions::identity
  std::vector<std::string> warnings;  // Entry's, DTB's, and the fallback's
  absl::optional<Handoff> handoff;    // Set on success with require_plan
  std::string plan_error;             // Why there is no handoff otherwise
  bool verify = false;
};

// PrepareBoot()
//
// Returns:
//   the codes of DiscoverBoot() (no configuration, missing files, a command
//   line that fdt/command_line.h refuses: kInvalidArgument naming the file
//   and the setting, before any other file is read),
//   BuildBootDtb() (a corrupt DTB: kDataLoss), RootDir::ReadFile(),
//   ParseKernel() (a corrupt or unsupported kernel: kDataLoss,
//   kUnimplemented, kInvalidArgument), StripUbootLegacyHeader() and
//   PrepareHandoff() (no memory, no room). Every message names the file.
//   kFailedPrecondition the entry names no DTB (mdboot needs one).
// With require_plan false, PrepareHandoff()'s failure is plan_error instead.
absl::StatusOr<PreparedBoot> PrepareBoot(const RootDir& root,
                                         const BootOptions& options);

// FormatPreparedBoot()
//
// What will boot, for the console and the CLI: configuration, files (and
// where their links lead), overlays applied/failed/missing, command line,
// warnings, preflight, then the segment plan and the DTB change report.
std::string FormatPreparedBoot(const PreparedBoot& boot);

// VisibleText()
//
// `s` with control bytes (a CR from a DOS armbianEnv.txt, a tab, ...) shown
// as \r, \n, \t or \xNN, so a report line never sends them raw to the
// console; everything else unchanged.
std::string VisibleText(absl::string_view s);

// FormatFileLine()
//
// One report line for a resolved file: "ROLE     path", "ROLE     path ->
// real" when a link leads elsewhere, "ROLE     (none)" when there is none.
// Paths go through VisibleText().
std::string FormatFileLine(const char* role, const ResolvedFile& f);

// LoadPreparedBoot()
//
// kexec_load of the prepared segments (nothing else is checked: all checks
// happened in PrepareBoot()).
//
// Returns:
//   kFailedPrecondition nothing was planned (no handoff in `boot`).
//   the codes of LoadSegments() (kPermissionDenied, kUnavailable,
//   kInvalidArgument, kUnimplemented, kResourceExhausted, kUnknown), each
//   with errno advice.
absl::Status LoadPreparedBoot(const PreparedBoot& boot, KexecSyscalls& sys);

}  // namespace fdt_handoff

#endif  // INIT_BOOT_H_
