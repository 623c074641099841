#include "init/md.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fdt/escape.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

class Linux : public BlockCalls {
 public:
  int SetReadOnly(const std::string& device) override {
    const int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int one = 1;
    const int err = ioctl(fd, BLKROSET, &one) == 0 ? 0 : errno;
    close(fd);
    return err;
  }
};

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// mdadm's messages quote the disks (array names, paths): its first line is
// escaped before it reaches the console.
std::string MdadmFailure(const std::vector<std::string>& argv,
                         const CommandResult& r) {
  std::string said = FirstLine(r.err);
  if (said.empty()) said = FirstLine(r.out);
  return absl::StrCat(absl::StrJoin(argv, " "), " failed (exit ", r.exit_status,
                      "): ", said.empty() ? "no message" : Escaped(said));
}

}  // namespace

std::unique_ptr<BlockCalls> LinuxBlockCalls() {
  return std::make_unique<Linux>();
}

absl::StatusOr<std::string> FreeMdDevice(const std::string& sys_block) {
  for (int n = 127; n >= 0; --n) {
    const std::string name = absl::StrCat("md", n);
    if (!Exists(sys_block + "/" + name)) return name;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("md0..md127 all exist in ", sys_block));
}

std::string MdRootDevice(const std::string& sys_block, const std::string& dev,
                         const std::string& md) {
  const std::string part = md + "p1";
  return absl::StrCat(dev, "/",
                      Exists(absl::StrCat(sys_block, "/", md, "/", part)) ? part : md);
}

absl::StatusOr<CommandResult> MdadmMd::Mdadm(std::vector<std::string> args) {
  args.insert(args.begin(), paths_.mdadm);
  auto r = runner_.Run(args);
  if (!r.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot run mdadm (", r.status().message(),
        "); the initramfs must carry it at ", paths_.mdadm));
  }
  return r;
}

absl::StatusOr<MdExamine> MdadmMd::Examine(const std::string& device) {
  const std::string path = absl::StrCat(paths_.dev, "/", device);
  ASSIGN_OR_RETURN(CommandResult exported,
                   Mdadm({"--examine", "--export", path}));
  if (exported.exit_status != 0 && exported.out.empty()) {
    // mdadm exits 1 with "No md superblock detected": not a member.
    return absl::NotFoundError(absl::StrCat(
        device, ": not an md member (", Escaped(FirstLine(exported.err)), ")"));
  }
  ASSIGN_OR_RETURN(MdExamine e, ParseExamineExport(exported.out, device));
  ASSIGN_OR_RETURN(CommandResult plain, Mdadm({"--examine", path}));
  if (plain.exit_status == 0) {
    RETURN_IF_ERROR(ParseExamineRole(plain.out, device, e));
  }
  return e;
}

absl::StatusOr<std::string> MdadmMd::AssembleReadOnly(const MdArray& array) {
  if (!array.complete) {
    return absl::FailedPreconditionError(absl::StrCat(
        "md array ", Escaped(array.name.empty() ? array.uuid : array.name),
        " is not complete (", MissingReport(array),
        "); mdboot never starts an array degraded"));
  }
  std::vector<std::string> members;
  for (const MdMember& m : array.members) {
    members.push_back(absl::StrCat(paths_.dev, "/", m.device));
  }
  for (const std::string& m : members) {
    const int err = block_.SetReadOnly(m);
    if (err != 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot make ", m, " read-only (BLKROSET): ", strerror(err),
          "; not assembling, so nothing can write to the disks"));
    }
  }
  ASSIGN_OR_RETURN(std::string md, FreeMdDevice(paths_.sys_block));
  const std::string md_path = absl::StrCat(paths_.dev, "/", md);
  std::vector<std::string> args = {"--assemble", "--readonly",
                                   "--uuid=" + array.uuid, md_path};
  args.insert(args.end(), members.begin(), members.end());
  ASSIGN_OR_RETURN(CommandResult r, Mdadm(args));
  if (r.exit_status != 0) {
    args.insert(args.begin(), paths_.mdadm);
    return absl::UnavailableError(MdadmFailure(args, r));
  }
  return md_path;
}

absl::Status MdadmMd::Stop(const std::string& md_device) {
  ASSIGN_OR_RETURN(CommandResult r, Mdadm({"--stop", md_device}));
  if (r.exit_status == 0) return absl::OkStatus();
  return absl::UnavailableError(
      MdadmFailure({paths_.mdadm, "--stop", md_device}, r));
}

}  // namespace fdt_handoff
