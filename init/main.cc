// mdboot: PID 1 of the initramfs in the board's SPI flash. Builds the real
// parts and runs init/run.h's sequence; see run.h and ../README.md "mdboot".
//
//   /init                   as PID 1: boot, and on failure the rescue shell
//                           (or a retry), forever
//   /init boot [--dry-run]  from the rescue shell: one more attempt now
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "init/command.h"
#include "init/console.h"
#include "init/devices.h"
#include "init/md.h"
#include "init/modules.h"
#include "init/mount_calls.h"
#include "init/run.h"
#include "kexec/syscall.h"

namespace {

constexpr char kUsage[] =
    "usage: mdboot boot [--dry-run]\n"
    "  As PID 1 (/init) mdboot boots the MD RAID root by itself. From its\n"
    "  rescue shell, `/init boot` tries again now (mdboot.shell and\n"
    "  mdboot.dryrun are ignored); --dry-run prints the plan only.\n";

// The kernel opens /dev/console for PID 1's stdio only if the initramfs
// has the node; without it, mount devtmpfs early and open it ourselves.
void EnsureConsole() {
  if (fcntl(1, F_GETFD) >= 0) return;
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  const int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  for (int i = 0; i < 3; ++i) dup2(fd, i);
  if (fd > 2) close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fdt_handoff;
  const bool pid1 = getpid() == 1;
  const std::vector<std::string> args(argv + 1, argv + argc);
  RunOptions options;
  if (!pid1) {
    const bool ok = !args.empty() && args[0] == "boot" &&
                    (args.size() == 1 || (args.size() == 2 && args[1] == "--dry-run"));
    if (!ok) {
      std::cerr << kUsage;
      return 2;
    }
    options.ignore_stop_settings = true;
    options.dryrun = args.size() == 2;
  } else {
    EnsureConsole();
  }
  Console console(std::cout, BootTimeClock());
  std::unique_ptr<MountCalls> mounts = LinuxMountCalls();
  std::unique_ptr<ModuleCalls> modules = LinuxModuleCalls();
  std::unique_ptr<CommandRunner> runner = LinuxCommandRunner();
  std::unique_ptr<BlockCalls> block = LinuxBlockCalls();
  MdadmMd md(*runner, *block);
  std::unique_ptr<KexecSyscalls> kexec = LinuxKexecSyscalls();
  // A kernel without CONFIG_NET has no uevent socket: poll sysfs instead.
  auto open_uevents = [&console]() -> absl::StatusOr<std::unique_ptr<UeventSource>> {
    auto netlink = OpenNetlinkUevents();
    if (netlink.ok()) return netlink;
    console.Log(netlink.status().message(),
                ": following /sys/class/block once a second instead");
    return PollingUevents("/sys/class/block", [](int ms) { usleep(ms * 1000); });
  };
  InitEnv env{console, BootTimeClock(), *mounts, *modules, md, *kexec,
              open_uevents, InitPaths{},
              static_cast<uint64_t>(getpagesize()), SeedSource()};
  if (!pid1) {
    const absl::Status s = RunBoot(env, options);
    console.Log(s.code() == absl::StatusCode::kCancelled ? "" : "BOOT FAILED: ",
                s.message());
    return s.code() == absl::StatusCode::kCancelled ? 0 : 1;
  }
  std::unique_ptr<Rescue> rescue = LinuxRescue();
  while (true) {  // PID 1 must never exit: the kernel would panic.
    RescueAfter(RunBoot(env, options), console, *rescue);
  }
}
