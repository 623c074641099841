#include "kexec/syscall.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fdt_handoff {
namespace {

std::string Table(uint64_t entry, const std::vector<LoadSegment>& segments) {
  std::string out = absl::StrFormat("  entry 0x%x\n", entry);
  for (const LoadSegment& s : segments) {
    absl::StrAppend(&out, absl::StrFormat(
                              "  %-9s buf %8u bytes -> [0x%x..0x%x) memsz %u\n",
                              RoleName(s.role), s.buffer.size(), s.mem,
                              s.mem + s.memsz, s.memsz));
  }
  return out;
}

}  // namespace

bool HostIsArm64() {
#if defined(__aarch64__)
  return true;
#else
  return false;
#endif
}

bool KexecSyscalls::IsArm64() const { return HostIsArm64(); }

absl::Status LoadSegments(KexecSyscalls& sys, uint64_t entry,
                          const std::vector<LoadSegment>& segments) {
  // include/uapi/linux/kexec.h: KEXEC_SEGMENT_MAX 16.
  if (segments.size() > kMaxKexecSegments) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kexec_load: ", segments.size(),
        " segments, the kernel takes at most 16"));
  }
  const int err = sys.Load(entry, segments);
  if (err == 0) return absl::OkStatus();
  const std::string prefix = absl::StrCat("kexec_load failed: ", strerror(err), ": ");
  switch (err) {
    case EPERM:
      return absl::PermissionDeniedError(absl::StrCat(
          prefix,
          "run as root (CAP_SYS_BOOT); if you are root, kexec_load is blocked "
          "by kernel lockdown (see /sys/kernel/security/lockdown) or by "
          "sysctl kernel.kexec_load_disabled=1, which stays set until reboot"));
    case EBUSY:
      return absl::UnavailableError(absl::StrCat(
          prefix,
          "another kexec load is in progress, or CPUs could not be parked; "
          "retry, and check that every CPU can be offlined (PSCI CPU_OFF)"));
    case EINVAL:
    case EADDRNOTAVAIL:
      return absl::InvalidArgumentError(absl::StrCat(
          prefix,
          "the kernel rejected the segments (unaligned, overlapping, too "
          "large, or beyond its destination limit):\n",
          Table(entry, segments)));
    case ENOSYS:
      return absl::UnimplementedError(absl::StrCat(
          prefix, "the running kernel was built without CONFIG_KEXEC"));
    case ENOEXEC:
      return absl::UnimplementedError(absl::StrCat(
          "kexec_load: this fdt-handoff is not an arm64 binary; load and "
          "exec only work on the arm64 board (use 'plan' elsewhere)"));
    case ENOMEM:
      return absl::ResourceExhaustedError(absl::StrCat(
          prefix, "the kernel could not allocate pages for the segments:\n",
          Table(entry, segments)));
    default:
      return absl::UnknownError(absl::StrCat(prefix, "errno ", err, "\n",
                                             Table(entry, segments)));
  }
}

absl::Status RebootIntoKexec(KexecSyscalls& sys) {
  const int err = sys.Reboot();
  const std::string prefix =
      absl::StrCat("reboot(LINUX_REBOOT_CMD_KEXEC) failed: ", strerror(err), ": ");
  switch (err) {
    case EPERM:
      return absl::PermissionDeniedError(
          absl::StrCat(prefix, "run as root (CAP_SYS_BOOT)"));
    case EINVAL:
      return absl::FailedPreconditionError(
          absl::StrCat(prefix, "no kexec image is loaded"));
    case ENOEXEC:
      return absl::UnimplementedError(
          "reboot into kexec: this fdt-handoff is not an arm64 binary");
    default:
      return absl::UnknownError(absl::StrCat(prefix, "errno ", err));
  }
}

}  // namespace fdt_handoff
