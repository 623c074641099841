// File: init/mount.h
//
// Mounting the assembled array's file system, read-only in the strong
// sense: nothing on the disks may change. A plain `ro` mount is not enough:
// ext4 and XFS replay their journal even then (Documentation/admin-guide/
// ext4.rst: use `noload`; XFS: `norecovery`), btrfs replays its log tree
// (`nologreplay`), f2fs rolls forward fsync'd data (`norecovery`; on a
// read-only device after an unclean shutdown it refuses the mount
// without it). So the type is detected from the superblock first and
// mounted with its no-replay option; only an unknown type is tried
// blindly, ext4 first, then every block file system in /proc/filesystems,
// without options (a type we cannot name we cannot stop from replaying).
//
// DetectFilesystem() is pure (bytes in); ReadFilesystemHead() reads those
// bytes from a device; MountReadOnly() and UnmountRoot() go through
// MountCalls.
//
//   ASSIGN_OR_RETURN(std::vector<uint8_t> head, ReadFilesystemHead(dev));
//   FsInfo fs = DetectFilesystem(head);  // {ext4, 1b2c..., "armbi_root"}
//   ASSIGN_OR_RETURN(std::string type, MountReadOnly(calls, dev, "/mnt",
//                                                    fs, proc_filesystems));
#ifndef INIT_MOUNT_H_
#define INIT_MOUNT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "init/mount_calls.h"

namespace fdt_handoff {

// Bytes DetectFilesystem() looks at: btrfs keeps its superblock at 64 KiB.
inline constexpr size_t kFilesystemHeadSize = 0x10000 + 0x1000;

struct FsInfo {
  std::string type;   // "ext4" (ext2/3/4 alike), "xfs", "btrfs", "f2fs"; "" unknown
  std::string uuid;   // "1b2c3d4e-...", lower case; "" if unknown
  std::string label;  // "" if none
};

// DetectFilesystem()
//
// Reads the superblock magic of the file system types Linux root file
// systems use: ext2/3/4 (0xEF53 at 1080; all three mount as ext4), XFS
// ("XFSB" at 0), btrfs ("_BHRfS_M" at 0x10040), f2fs (0xF2F52010 at 1024).
// UUID and label for ext*, XFS and btrfs (what `root=UUID=`/`LABEL=` name).
// Bytes too short for a check simply fail that check.
FsInfo DetectFilesystem(absl::Span<const uint8_t> head);

// The mount data that stops a journal/log replay for `type` ("noload" for
// ext4, "norecovery" for xfs and f2fs, "nologreplay" for btrfs, ""
// otherwise).
std::string NoReplayOption(absl::string_view type);

// BlockFilesystems()
//
// The types in /proc/filesystems that need a device (lines without
// "nodev"), in the kernel's order.
std::vector<std::string> BlockFilesystems(absl::string_view proc_filesystems);

// ReadFilesystemHead()
//
// The first kFilesystemHeadSize bytes of `device` (fewer if it is smaller).
//
// Returns:
//   kNotFound     no such device node.
//   kUnavailable  open or read failed (errno in the message).
absl::StatusOr<std::vector<uint8_t>> ReadFilesystemHead(
    const std::string& device);

// MountReadOnly()
//
// Mounts `device` on `target` (created if missing) with MS_RDONLY and the
// type's no-replay option. With a detected `fs.type` only that type is
// tried; otherwise ext4, then BlockFilesystems(proc_filesystems). Returns
// the type that mounted.
//
// Returns:
//   kUnavailable        the detected type did not mount (errno named; e.g.
//                       ENODEV: the kernel lacks the driver).
//   kFailedPrecondition the type is unknown and no candidate mounted (each
//                       type tried is named with its errno).
absl::StatusOr<std::string> MountReadOnly(MountCalls& calls,
                                          const std::string& device,
                                          const std::string& target,
                                          const FsInfo& fs,
                                          absl::string_view proc_filesystems);

// UnmountRoot()
//
// Returns:
//   kUnavailable  umount failed (errno named; EBUSY: a shell still uses it).
absl::Status UnmountRoot(MountCalls& calls, const std::string& target);

}  // namespace fdt_handoff

#endif  // INIT_MOUNT_H_
