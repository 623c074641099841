// The one file that calls into the kernel (kexec_load, sync, reboot).
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "kexec/syscall.h"

namespace fdt_handoff {
namespace {

class LinuxSyscalls : public KexecSyscalls {
 public:
  int Load(uint64_t entry, const std::vector<LoadSegment>& segments) override {
    if (!HostIsArm64()) return ENOEXEC;
#if defined(__aarch64__)
    // struct kexec_segment is the syscall's ABI, filled field by field.
    std::vector<struct kexec_segment> raw(segments.size());
    for (size_t i = 0; i < segments.size(); ++i) {
      raw[i].buf = segments[i].buffer.data();
      raw[i].bufsz = segments[i].buffer.size();
      raw[i].mem = reinterpret_cast<const void*>(segments[i].mem);
      raw[i].memsz = segments[i].memsz;
    }
    const long rc = syscall(SYS_kexec_load, entry, raw.size(), raw.data(),
                            static_cast<unsigned long>(KEXEC_ARCH_AARCH64));
    return rc == 0 ? 0 : errno;
#else
    (void)entry;
    (void)segments;
    return ENOEXEC;
#endif
  }

  int Reboot() override {
    if (!HostIsArm64()) return ENOEXEC;
    sync();
    const long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
                            LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC,
                            nullptr);
    return rc == 0 ? 0 : errno;
  }
};

}  // namespace

std::unique_ptr<KexecSyscalls> LinuxKexecSyscalls() {
  return std::make_unique<LinuxSyscalls>();
}

}  // namespace fdt_handoff
