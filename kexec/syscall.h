// File: kexec/syscall.h
//
// The only calls into the kernel: kexec_load(2) and
// reboot(LINUX_REBOOT_CMD_KEXEC), behind an interface that tests replace.
// syscall_linux.cc is the one file that makes the syscalls. LoadSegments()
// turns a refusal into advice, keyed by errno, with the segment table.
#ifndef KEXEC_SYSCALL_H_
#define KEXEC_SYSCALL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "kexec/plan.h"

namespace fdt_handoff {

struct LoadSegment {
  SegmentRole role;
  absl::Span<const uint8_t> buffer;  // bufsz = buffer.size().
  uint64_t mem = 0;
  uint64_t memsz = 0;
};

class KexecSyscalls {
 public:
  virtual ~KexecSyscalls() = default;

  // kexec_load(entry, segments, KEXEC_ARCH_AARCH64). Returns 0 or errno.
  virtual int Load(uint64_t entry, const std::vector<LoadSegment>& segments) = 0;

  // sync(), then reboot(LINUX_REBOOT_CMD_KEXEC). Returns errno; on success
  // it does not return.
  virtual int Reboot() = 0;

  // Whether these calls can load an arm64 kernel at all: for the real ones,
  // HostIsArm64(). Callers ask before reading any input.
  virtual bool IsArm64() const;
};

// LinuxKexecSyscalls()
//
// The real syscalls. On a host that is not arm64 it refuses both calls with
// ENOEXEC before touching the kernel.
std::unique_ptr<KexecSyscalls> LinuxKexecSyscalls();

// HostIsArm64(): whether this binary was built for arm64.
bool HostIsArm64();

// LoadSegments()
//
// Calls `sys.Load` and explains a refusal.
//
// Returns:
//   kPermissionDenied   EPERM: not root, lockdown, or
//                       kernel.kexec_load_disabled.
//   kUnavailable        EBUSY: a kexec load is in progress or CPUs are stuck.
//   kInvalidArgument    more than 16 segments (the kernel is not called);
//                       EINVAL/EADDRNOTAVAIL: the kernel rejected the
//                       segments (the table is in the message).
//   kUnimplemented      ENOSYS: the kernel lacks CONFIG_KEXEC; ENOEXEC: not
//                       an arm64 host.
//   kResourceExhausted  ENOMEM.
//   kUnknown            any other errno (named).
absl::Status LoadSegments(KexecSyscalls& sys, uint64_t entry,
                          const std::vector<LoadSegment>& segments);

// RebootIntoKexec()
//
// Returns only on failure (a real reboot does not return):
//   kPermissionDenied   EPERM (not root).
//   kFailedPrecondition EINVAL: nothing was loaded.
//   kUnimplemented      ENOEXEC: not an arm64 host.
//   kUnknown            other errno (and 0, from a Reboot() that returned).
absl::Status RebootIntoKexec(KexecSyscalls& sys);

}  // namespace fdt_handoff

#endif  // KEXEC_SYSCALL_H_
