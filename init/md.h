// File: init/md.h
//
// What mdboot asks of MD RAID: examine a device, assemble an array
// read-only, stop it. The interface (Md) keeps the wait loop and the PID 1
// sequence testable with a fake; MdadmMd is the one implementation, and it
// runs mdadm, the tool that owns the on-disk formats, so every metadata
// version (0.90, 1.0, 1.1, 1.2) and level mdadm supports works: the parsing
// of its output is init/md_state.h's.
//
// Read-only is a hard rule: the boot must never write to the disks.
//   - Before assembly every member gets BLKROSET (the kernel then refuses
//     any write to it, and md itself treats the array as read-only).
//   - mdadm assembles with --readonly (array_state=readonly: "no resync
//     can happen. no superblocks get written", md.rst).
//   - Only a complete array is assembled, and never with --run: a degraded
//     start is a decision for the system, not its boot loader (RAID 0 and
//     linear cannot start degraded anyway).
#ifndef INIT_MD_H_
#define INIT_MD_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "init/command.h"
#include "init/md_state.h"

namespace fdt_handoff {

class Md {
 public:
  virtual ~Md() = default;

  // Md::Examine()
  //
  // What the md superblock on `device` ("sda1", under /dev) says.
  //
  // Returns:
  //   kNotFound       no md superblock (the normal case for most devices).
  //   kDataLoss, kUnimplemented  from ParseExamineExport()/ParseExamineRole().
  //   kUnavailable    mdadm could not be run.
  virtual absl::StatusOr<MdExamine> Examine(const std::string& device) = 0;

  // Md::AssembleReadOnly()
  //
  // Assembles `array` (complete) read-only from its members and returns the
  // md device ("/dev/md127").
  //
  // Returns:
  //   kFailedPrecondition the array is not complete (nothing is done).
  //   kUnavailable        BLKROSET on a member failed (nothing assembled),
  //                       or mdadm failed (its message included).
  virtual absl::StatusOr<std::string> AssembleReadOnly(const MdArray& array) = 0;

  // Md::Stop()
  //
  // Returns:
  //   kUnavailable  mdadm --stop failed (its message included).
  virtual absl::Status Stop(const std::string& md_device) = 0;
};

class BlockCalls {
 public:
  virtual ~BlockCalls() = default;
  // open(device, O_RDONLY) + ioctl(BLKROSET, 1). Returns 0 or errno.
  virtual int SetReadOnly(const std::string& device) = 0;
};

std::unique_ptr<BlockCalls> LinuxBlockCalls();

struct MdadmPaths {
  std::string mdadm = "/sbin/mdadm";
  std::string dev = "/dev";
  std::string sys_block = "/sys/block";  // Where md devices in use show.
};

// FreeMdDevice()
//
// "md127", or the next lower mdN that is not in `sys_block` (127 is what
// mdadm itself picks first for arrays without a configured number).
//
// Returns:
//   kResourceExhausted md0..md127 all exist.
absl::StatusOr<std::string> FreeMdDevice(const std::string& sys_block);

// MdRootDevice()
//
// The device holding the file system on `md` ("md127"): its first partition
// ("md127p1") when the array is partitioned, else the array itself. Under
// `dev`. Called right after AssembleReadOnly(), before anything here opens
// the array: md reads an array's partition table on the first open after it
// starts, and mdadm makes that open before it returns (it reopens the array
// without O_EXCL once started), so the partitions are in sysfs by then. The
// QEMU run mdboot/partitioned (e2e/raid) keeps that true.
std::string MdRootDevice(const std::string& sys_block, const std::string& dev,
                         const std::string& md);

class MdadmMd : public Md {
 public:
  MdadmMd(CommandRunner& runner, BlockCalls& block, MdadmPaths paths = {})
      : runner_(runner), block_(block), paths_(std::move(paths)) {}

  // mdadm --examine --export /dev/DEV, then mdadm --examine /dev/DEV for the
  // slot.
  absl::StatusOr<MdExamine> Examine(const std::string& device) override;
  // BLKROSET on each member, then
  // mdadm --assemble --readonly --uuid=UUID /dev/mdN /dev/MEMBER...
  absl::StatusOr<std::string> AssembleReadOnly(const MdArray& array) override;
  // mdadm --stop MD
  absl::Status Stop(const std::string& md_device) override;

 private:
  absl::StatusOr<CommandResult> Mdadm(std::vector<std::string> args);

  CommandRunner& runner_;
  BlockCalls& block_;
  MdadmPaths paths_;
};

}  // namespace fdt_handoff

#endif  // INIT_MD_H_
