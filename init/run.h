// File: init/run.h
//
// mdboot's PID 1 sequence, as one function over injected parts so that
// each step and each failure is tested with fakes (run_test.cc); main.cc
// only builds the real parts and calls it.
//
//   early mounts -> settings (/proc/cmdline) -> modules (load-order) ->
//   wait for a complete array -> assemble read-only -> mount read-only ->
//   PrepareBoot (discover, DTB, preflight, plan) -> unmount, stop ->
//   kexec_load -> reboot(LINUX_REBOOT_CMD_KEXEC)
//
// RunBoot() returns only when the boot did not happen: the status says why
// and what to do. The array is unmounted and stopped again before it
// returns once it was assembled (a later attempt starts from scratch).
// RescueAfter() then hands the console to the rescue shell (busybox sh) or,
// without one, waits and lets the caller retry: PID 1 never exits.
#ifndef INIT_RUN_H_
#define INIT_RUN_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fdt/reconcile.h"
#include "init/console.h"
#include "init/devices.h"
#include "init/md.h"
#include "init/modules.h"
#include "init/mount_calls.h"
#include "kexec/syscall.h"

namespace fdt_handoff {

// Where things are; tests point them into TEST_TMPDIR.
struct InitPaths {
  std::string cmdline = "/proc/cmdline";
  std::string load_order = "/lib/modules/load-order";
  std::string sys_class_block = "/sys/class/block";
  std::string sys_block = "/sys/block";
  std::string dev = "/dev";
  std::string mount_point = "/mnt";
  std::string live_fdt = "/sys/firmware/fdt";
  std::string iomem = "/proc/iomem";
  std::string proc_filesystems = "/proc/filesystems";
};

struct InitEnv {
  Console& console;
  NanoClock clock;
  MountCalls& mounts;
  ModuleCalls& modules;
  Md& md;
  KexecSyscalls& kexec;
  std::function<absl::StatusOr<std::unique_ptr<UeventSource>>()> open_uevents;
  InitPaths paths;
  uint64_t page_size = 4096;
  SeedSource seed_source;  // Empty: getrandom.
};

struct RunOptions {
  // `mdboot boot` from the rescue shell: the user asks to boot now, so
  // mdboot.shell and mdboot.dryrun from the command line are ignored...
  bool ignore_stop_settings = false;
  // ...unless `mdboot boot --dry-run` asks for a dry run again.
  bool dryrun = false;
};

// RunBoot()
//
// Returns (never OK: on success the machine is running the new kernel):
//   kCancelled          mdboot.dryrun or mdboot.shell stopped it, as asked.
//   kDeadlineExceeded   the array stayed incomplete (missing members named).
//   kFailedPrecondition mdboot.strict and the preflight found problems, or
//                       several arrays and no mdboot.array.
//   kUnknown, kPermissionDenied, ...  kexec_load or reboot refused (errno
//                       advice), and the codes of PrepareBoot() (no boot
//                       configuration, kernel or DTB missing or corrupt),
//                       MountReadOnly(), Md, MountEarly(). Each message
//                       starts with the step that failed.
absl::Status RunBoot(InitEnv& env, const RunOptions& options);

class Rescue {
 public:
  virtual ~Rescue() = default;
  virtual bool HasShell() = 0;
  // Runs the shell on the console until it exits.
  virtual void RunShell() = 0;
  virtual void Sleep(int seconds) = 0;
};

// /bin/sh (busybox) if the initramfs has it; the shell's orphans are
// reaped while it runs (PID 1 inherits them).
std::unique_ptr<Rescue> LinuxRescue(const std::string& shell = "/bin/sh");

// Seconds between attempts when there is no shell.
inline constexpr int kRetryDelaySeconds = 10;

// RescueAfter()
//
// Prints why the boot stopped and how to resume, then runs the shell (or,
// without one, waits kRetryDelaySeconds). The caller then tries again.
void RescueAfter(const absl::Status& why, Console& console, Rescue& rescue);

}  // namespace fdt_handoff

#endif  // INIT_RUN_H_
