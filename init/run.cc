#include "init/run.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fdt/file_io.h"
#include "fdt/status_macros.h"
#include "init/boot.h"
#include "init/dtb_dump.h"
#include "init/early.h"
#include "init/mount.h"
#include "init/settings.h"
#include "fdt/memory.h"
#include "kexec/memory_map.h"

namespace fdt_handoff {
namespace {

// "<step>: <message>", keeping the code.
absl::Status In(absl::string_view step, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(step, ": ", s.message()));
}

std::string BaseName(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

MdbootSettings ReadSettings(InitEnv& env) {
  auto cmdline = ReadTextFile(env.paths.cmdline);
  if (!cmdline.ok()) {
    env.console.Log("cannot read ", env.paths.cmdline, " (", cmdline.status().message(),
                    "): using the default settings");
    return {};
  }
  MdbootSettings s = ParseMdbootSettings(*cmdline);
  for (const std::string& w : s.warnings) env.console.Log("setting: ", w);
  env.console.Log("settings: wait ", s.wait_seconds, " s, array ",
                  s.array.empty() ? "(the only complete one)" : s.array,
                  s.dryrun ? ", dry run" : "", s.shell ? ", shell" : "",
                  s.verify ? ", verify" : "", s.strict ? ", strict" : "");
  return s;
}

void LoadModulesIfAny(InitEnv& env) {
  auto order = ReadTextFile(env.paths.load_order);
  if (!order.ok()) {
    env.console.Log("no ", env.paths.load_order, ": no modules to load");
    return;
  }
  LoadModules(env.modules, *order, env.console);
}

// The live FDT and /proc/iomem; missing ones are said, not fatal (a host
// has no /sys/firmware/fdt; the DTB's /memory then describes RAM).
struct MachineFacts {
  absl::optional<Fdt> live;
  absl::optional<std::vector<MemoryRange>> iomem;
};

MachineFacts ReadMachine(InitEnv& env) {
  MachineFacts m;
  auto live = Fdt::FromFile(env.paths.live_fdt);
  if (live.ok()) {
    m.live.emplace(*std::move(live));
  } else {
    env.console.Log("no live FDT (", live.status().message(),
                    "): the target DTB is not reconciled with this board's");
  }
  auto text = ReadTextFile(env.paths.iomem);
  if (text.ok()) {
    auto ranges = ParseIomem(*text, env.paths.iomem);
    if (ranges.ok()) m.iomem = *std::move(ranges);
  }
  return m;
}

absl::StatusOr<PreparedBoot> PrepareFromMount(InitEnv& env,
                                              const MdbootSettings& settings,
                                              const RootIdentity& identity,
                                              const MachineFacts& machine) {
  ASSIGN_OR_RETURN(RootDir root, RootDir::Open(env.paths.mount_point));
  BootOptions options;
  options.live = machine.live.has_value() ? &*machine.live : nullptr;
  options.iomem = machine.iomem.has_value() ? &*machine.iomem : nullptr;
  options.page_size = env.page_size;
  options.verify = settings.verify;
  options.identity = identity;
  options.seed_source = env.seed_source;
  return PrepareBoot(root, options);
}

void StopArray(InitEnv& env, const std::string& md) {
  const absl::Status stop = env.md.Stop(md);
  if (!stop.ok()) env.console.Log("warning: ", stop.message());
}

// Mount, prepare, and unmount + stop again whatever happened.
absl::StatusOr<PreparedBoot> PrepareFromArray(InitEnv& env,
                                              const MdbootSettings& settings,
                                              const MdArray& array,
                                              const std::string& md) {
  const std::string dev =
      MdRootDevice(env.paths.sys_block, env.paths.dev, BaseName(md));
  RootIdentity identity{array.level, array.name, {}};
  auto head = ReadFilesystemHead(dev);
  if (head.ok()) identity.fs = DetectFilesystem(*head);
  auto filesystems = ReadTextFile(env.paths.proc_filesystems);
  absl::StatusOr<std::string> type =
      MountReadOnly(env.mounts, dev, env.paths.mount_point, identity.fs,
                    filesystems.ok() ? *filesystems : "");
  if (!type.ok()) {
    StopArray(env, md);
    return In("mount", type.status());
  }
  env.console.Log("mounted ", dev, " (", *type, ", UUID ",
                  identity.fs.uuid.empty() ? "unknown" : identity.fs.uuid,
                  ") read-only on ", env.paths.mount_point);
  const MachineFacts machine = ReadMachine(env);
  absl::StatusOr<PreparedBoot> boot =
      PrepareFromMount(env, settings, identity, machine);
  const absl::Status u = UnmountRoot(env.mounts, env.paths.mount_point);
  if (!u.ok()) env.console.Log("warning: ", u.message());
  StopArray(env, md);
  if (!boot.ok()) return In("boot configuration", boot.status());
  return boot;
}

// mdboot.dumpdtb: the blob kexec_load gets, for a host to compare with what
// the target kernel received.
void DumpDtb(Console& console, const PreparedBoot& boot) {
  if (!boot.handoff.has_value()) {
    console.Log("mdboot.dumpdtb: no DTB to print (no plan)");
    return;
  }
  absl::StatusOr<std::vector<std::string>> lines =
      DtbDumpLines(boot.handoff->dtb.bytes());
  if (!lines.ok()) {
    console.Log("warning: ", lines.status().message());
    return;
  }
  console.Log("mdboot.dumpdtb: the DTB handed to kexec_load follows");
  console.Raw(*lines);
}

// CPU seconds of this process and of its waited-for children (mdadm): the
// init's own work, which the wall-clock stamps mix with waiting for devices
// and, under emulation, for the host. System time includes what the kernel
// does on the init's behalf (finit_module, reading the files, kexec_load).
std::string CpuTimes() {
  auto seconds = [](const struct timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  struct rusage self {}, kids {};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  return absl::StrFormat(
      "cpu time: mdboot %.3f s user + %.3f s system, mdadm %.3f s + %.3f s",
      seconds(self.ru_utime), seconds(self.ru_stime), seconds(kids.ru_utime),
      seconds(kids.ru_stime));
}

absl::Status LoadAndReboot(InitEnv& env, const PreparedBoot& boot) {
  RETURN_IF_ERROR(In("kexec_load", LoadPreparedBoot(boot, env.kexec)));
  env.console.Log(CpuTimes());
  env.console.Log("loaded; rebooting into ", boot.found.kernel.real);
  return In("reboot into the loaded kernel", RebootIntoKexec(env.kexec));
}

absl::Status Decide(InitEnv& env, const MdbootSettings& settings,
                    const RunOptions& options, const PreparedBoot& boot) {
  if (settings.strict && !boot.preflight.warnings.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "preflight: mdboot.strict and ", boot.preflight.warnings.size(),
        " problem(s) with the target (above); fix them, or boot without "
        "mdboot.strict"));
  }
  const bool dryrun = options.ignore_stop_settings ? options.dryrun : settings.dryrun;
  if (dryrun) {
    return absl::CancelledError("mdboot.dryrun: the plan above was not loaded");
  }
  if (!options.ignore_stop_settings && settings.shell) {
    return absl::CancelledError("mdboot.shell: stopped before kexec_load");
  }
  return LoadAndReboot(env, boot);
}

}  // namespace

absl::Status RunBoot(InitEnv& env, const RunOptions& options) {
  Console& console = env.console;
  console.Log("mdboot starting");
  RETURN_IF_ERROR(In("early mounts", MountEarly(env.mounts)));
  const MdbootSettings settings = ReadSettings(env);
  LoadModulesIfAny(env);
  absl::StatusOr<std::unique_ptr<UeventSource>> events = env.open_uevents();
  if (!events.ok()) return In("device events", events.status());
  WaitOptions wait;
  wait.wanted = settings.array;
  wait.wait_seconds = settings.wait_seconds;
  wait.sys_class_block = env.paths.sys_class_block;
  absl::StatusOr<MdArray> array =
      WaitForArray(wait, **events, env.md, console, env.clock);
  if (!array.ok()) return In("waiting for the array", array.status());
  console.Log(MissingReport(*array), "; assembling read-only");
  absl::StatusOr<std::string> md = env.md.AssembleReadOnly(*array);
  if (!md.ok()) return In("assembling the array", md.status());
  console.Log("array up: ", *md);
  absl::StatusOr<PreparedBoot> boot = PrepareFromArray(env, settings, *array, *md);
  if (!boot.ok()) return boot.status();
  console.Log(FormatPreparedBoot(*boot));
  if (settings.dumpdtb) DumpDtb(console, *boot);
  return Decide(env, settings, options, *boot);
}

namespace {

class LinuxRescueImpl : public Rescue {
 public:
  explicit LinuxRescueImpl(std::string shell) : shell_(std::move(shell)) {}
  bool HasShell() override { return access(shell_.c_str(), X_OK) == 0; }
  void RunShell() override {
    const pid_t pid = fork();
    if (pid == 0) {
      setsid();
      char* argv[] = {const_cast<char*>(shell_.c_str()), nullptr};
      char* envp[] = {const_cast<char*>("PATH=/sbin:/bin:/usr/sbin:/usr/bin"),
                      const_cast<char*>("HOME=/"), const_cast<char*>("TERM=linux"),
                      const_cast<char*>("PS1=mdboot rescue# "), nullptr};
      execve(argv[0], argv, envp);
      _exit(127);
    }
    if (pid < 0) return;
    // PID 1 inherits the shell's orphans: reap everything until the shell
    // itself is gone.
    while (true) {
      const pid_t done = waitpid(-1, nullptr, 0);
      if (done == pid || (done < 0 && errno == ECHILD)) return;
    }
  }
  void Sleep(int seconds) override { sleep(static_cast<unsigned>(seconds)); }

 private:
  std::string shell_;
};

}  // namespace

std::unique_ptr<Rescue> LinuxRescue(const std::string& shell) {
  return std::make_unique<LinuxRescueImpl>(shell);
}

void RescueAfter(const absl::Status& why, Console& console, Rescue& rescue) {
  if (why.code() == absl::StatusCode::kCancelled) {
    console.Log(why.message());
  } else {
    console.Log("BOOT FAILED: ", why.message());
  }
  if (rescue.HasShell()) {
    console.Log("rescue shell (busybox sh): fix what is said above, then run "
                "`/init boot` to boot (`/init boot --dry-run` to see the plan "
                "only), or leave the shell (exit) and mdboot starts over");
    rescue.RunShell();
    console.Log("rescue shell ended: starting over");
  } else {
    console.Log("no rescue shell in this initramfs: trying again in ",
                kRetryDelaySeconds, " s");
    rescue.Sleep(kRetryDelaySeconds);
  }
}

}  // namespace fdt_handoff
