// fdt-handoff-corrupt-digest: TEST ONLY, the e2e run
// fdt-handoff-verify-corrupt. The shipped CLI (tools/cli.cc, all of it) with
// one difference at the syscall boundary: kexec_load receives a verifying
// purgatory whose expected sha256 for one segment is wrong, so the purgatory
// must print its mismatch line on the UART and halt instead of booting.
//
//   fdt-handoff-corrupt-digest ROLE exec --verify --kernel ... [fdt-handoff args]
//
// ROLE is kernel, initrd or dtb. //tools:fdt-handoff has no such option and
// no such code: this binary is a testonly target.
//
// The seam: RunCli() gets its syscalls from LinuxKexecSyscalls(); this
// binary is linked with `-Wl,--wrap` on that symbol (e2e/BUILD.bazel), so
// the CLI's call lands in __wrap_...() below, which wraps the real syscalls
// (__real_...()) in CorruptingKexecSyscalls (kexec/verify_purgatory_testing.h).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "kexec/plan.h"
#include "kexec/syscall.h"
#include "kexec/verify_purgatory_testing.h"
#include "tools/cli.h"
#include "tools/temp_file_cleanup.h"

namespace {

// Set once in main() before RunCli() runs.
fdt_handoff::SegmentRole g_corrupt_role = fdt_handoff::SegmentRole::kInitrd;

}  // namespace

// The mangled name of fdt_handoff::LinuxKexecSyscalls(); a C++ function
// returning a class by value has the same calling convention with C
// linkage, which only fixes the symbol's name.
extern "C" std::unique_ptr<fdt_handoff::KexecSyscalls>
__real__ZN11fdt_handoff18LinuxKexecSyscallsEv();

extern "C" std::unique_ptr<fdt_handoff::KexecSyscalls>
__wrap__ZN11fdt_handoff18LinuxKexecSyscallsEv() {
  return std::make_unique<fdt_handoff::CorruptingKexecSyscalls>(
      __real__ZN11fdt_handoff18LinuxKexecSyscallsEv(), g_corrupt_role);
}

int main(int argc, char** argv) {
  using fdt_handoff::SegmentRole;
  const std::string role = argc > 1 ? argv[1] : "";
  bool known = false;
  for (SegmentRole r :
       {SegmentRole::kKernel, SegmentRole::kInitrd, SegmentRole::kDtb}) {
    if (role == fdt_handoff::RoleName(r)) {
      g_corrupt_role = r;
      known = true;
    }
  }
  if (!known) {
    std::cerr << "usage: fdt-handoff-corrupt-digest kernel|initrd|dtb "
                 "exec --verify [fdt-handoff exec arguments]\n";
    return fdt_handoff::kExitUsage;
  }
  std::cerr << "TEST ONLY: the purgatory's digest of the " << role
            << " segment is corrupted on purpose; it must halt\n";
  std::vector<std::string> args(argv + 2, argv + argc);
  fdt_handoff::InstallTempFileCleanup();  // As tools/fdt_handoff_main.cc.
  return fdt_handoff::RunCli(args, std::cout, std::cerr);
}
