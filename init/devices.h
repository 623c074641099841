// File: init/devices.h
//
// Waiting for the array's members. USB disks appear seconds after the
// kernel starts /init, so the block devices come from two places:
//   - coldplug: /sys/class/block, scanned once, for what is already there;
//   - hot-plug: the kernel's NETLINK_KOBJECT_UEVENT messages (init/uevent.h
//     parses them), for what comes later. The socket is opened before the
//     scan, so nothing that appears in between is missed. When its buffer
//     overflows (a hub with many disks) the kernel drops events: the scan
//     then runs again.
// After each device event the candidates are examined (init/md.h) and the
// state (init/md_state.h) is asked again whether the wanted array is
// complete. Progress goes to the console at most once a second, or at once
// when something changed:
//
//   md RAID0 'zero2w:root': 1/2 members (sda1), waiting 27 s
//
// Devices that cannot hold an md member are skipped: md*, loop*, ram*,
// zram*, dm-* and empty ones (size 0: a card reader without a card), and a
// whole disk that has partitions (a 0.90/1.0 superblock at the end of the
// last partition is also at the end of the disk; the partition is the
// member).
#ifndef INIT_DEVICES_H_
#define INIT_DEVICES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "init/console.h"
#include "init/md.h"
#include "init/md_state.h"
#include "init/uevent.h"

namespace fdt_handoff {

class UeventSource {
 public:
  virtual ~UeventSource() = default;
  // UeventSource::Next()
  //
  // The next kernel uevent, waiting at most `timeout_ms`; nullopt when none
  // came in time (or the message was udevd's, not the kernel's).
  //
  // Returns:
  //   kDataLoss          a message that is not a uevent (from ParseUevent()).
  //   kResourceExhausted events were lost (netlink's ENOBUFS: the socket's
  //                      buffer overflowed); the caller must scan again.
  //   kUnavailable       the socket failed (errno named).
  virtual absl::StatusOr<absl::optional<Uevent>> Next(int timeout_ms) = 0;
};

// OpenNetlinkUevents()
//
// A socket bound to the kernel's uevent multicast group (1).
//
// Returns:
//   kUnavailable  socket or bind failed (errno named).
absl::StatusOr<std::unique_ptr<UeventSource>> OpenNetlinkUevents();

// PollingUevents()
//
// For a kernel without CONFIG_NET (no uevent socket): each Next() sleeps
// its timeout with `sleep_ms`, lists `sys_class_block` again and reports
// what appeared ("add") or went ("remove") since the last listing, one
// event per call. What exists when it is made counts as known (the
// coldplug scan covers it).
//
// Next() returns kUnavailable when the folder cannot be read.
std::unique_ptr<UeventSource> PollingUevents(
    const std::string& sys_class_block, std::function<void(int)> sleep_ms);

// ScanBlockDevices()
//
// The names in `sys_class_block` ("/sys/class/block") that may hold an md
// member (see the overview), sorted.
//
// Returns:
//   kUnavailable  the folder cannot be read (is sysfs mounted?).
absl::StatusOr<std::vector<std::string>> ScanBlockDevices(
    const std::string& sys_class_block);

// True when `name` under `sys_class_block` may hold an md member.
bool IsMemberCandidate(const std::string& sys_class_block,
                       const std::string& name);

struct WaitOptions {
  std::string wanted;  // mdboot.array; empty: the only complete array
  int wait_seconds = 30;
  std::string sys_class_block = "/sys/class/block";
};

// WaitForArray()
//
// Scans, then follows `events` until the wanted array is complete or
// `wait_seconds` have passed on `clock`. Returns the complete array. When
// `events` reports lost events it scans again (said on the console):
// devices gone from sysfs are forgotten, every candidate is examined.
//
// Returns:
//   kDeadlineExceeded   the wait ended: the message says which members of
//                       which array are missing and which are present, or
//                       that no md member appeared (with the block devices
//                       seen), and that mdboot.wait= waits longer.
//   kFailedPrecondition several complete arrays and no mdboot.array (or
//                       several match it): from MdState::Choose().
//   kUnavailable        mdadm cannot run, or sysfs cannot be read.
absl::StatusOr<MdArray> WaitForArray(const WaitOptions& options,
                                     UeventSource& events, Md& md,
                                     Console& console, const NanoClock& clock);

}  // namespace fdt_handoff

#endif  // INIT_DEVICES_H_
