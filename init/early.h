// File: init/early.h
//
// The first thing PID 1 does: the kernel file systems every later step
// reads. proc (/proc/cmdline, /proc/filesystems, /proc/iomem), sysfs
// (/sys/class/block, /sys/firmware/fdt), devtmpfs (/dev/sda1, /dev/md127:
// the kernel makes the nodes, no udev needed), and tmpfs on /run (mdadm
// keeps its map there) and /tmp.
//
// Idempotent: a mount point that already has something mounted on it is
// left as it is. It has to be checked, not left to the kernel: sysfs and
// devtmpfs answer a second mount with EBUSY (one superblock), but tmpfs
// (and proc since Linux 5.8) make a new one each time, so every retry and
// every `/init boot` from the rescue shell would stack a fresh, empty
// /run over mdadm's map (/run/mdadm/map) and the shell's files, without
// bound. (The kernel mounts devtmpfs itself with CONFIG_DEVTMPFS_MOUNT,
// and main() does when it must open /dev/console.)
#ifndef INIT_EARLY_H_
#define INIT_EARLY_H_

#include "absl/status/status.h"
#include "init/mount_calls.h"

namespace fdt_handoff {

// MountEarly()
//
// Creates each mount point (an existing one is fine) and mounts, in order:
// proc on /proc, sysfs on /sys, devtmpfs on /dev, tmpfs on /run and /tmp
// (nosuid, nodev; /run mode 0755, /tmp 1777), skipping a mount point that
// is one already (whatever is mounted there). Every file system is tried
// even after one fails.
//
// Returns:
//   kUnavailable  a mount failed with anything but EBUSY (the message names
//                 each file system, its mount point and the errno).
absl::Status MountEarly(MountCalls& calls);

}  // namespace fdt_handoff

#endif  // INIT_EARLY_H_
