// File: init/uevent.h
//
// The messages the kernel sends on a NETLINK_KOBJECT_UEVENT socket (group 1)
// when a device appears or goes: a header `ACTION@DEVPATH`, then
// `KEY=VALUE` strings, each NUL-terminated (lib/kobject_uevent.c):
//
//   add@/devices/platform/soc/5200000.usb/usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda1\0
//   ACTION=add\0DEVPATH=/devices/.../block/sda/sda1\0SUBSYSTEM=block\0
//   MAJOR=8\0MINOR=1\0DEVNAME=sda1\0DEVTYPE=partition\0DISKSEQ=3\0PARTN=1\0SEQNUM=1893\0
//
// udevd re-broadcasts events on the same socket family (group 2) with a
// binary header starting "libudev\0"; mdboot runs without udev, but if one
// arrives (a socket bound to every group) it is not a kernel event and is
// ignored, not misparsed.
//
// The parser is pure: bytes in, an event out. The init's device watcher
// owns the socket.
#ifndef INIT_UEVENT_H_
#define INIT_UEVENT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"

namespace fdt_handoff {

struct Uevent {
  std::string action;     // add, remove, change, move, online, offline, bind, unbind
  std::string devpath;    // Under /sys, e.g. /devices/.../block/sda/sda1
  std::string subsystem;  // "block" for disks and partitions
  std::string devname;    // "sda1" (relative to /dev); empty if none
  std::string devtype;    // "disk", "partition"; empty if none
  int major = -1;         // -1: no MAJOR/MINOR
  int minor = -1;
  uint64_t seqnum = 0;    // 0: none
  std::map<std::string, std::string> vars;  // Every KEY=VALUE, as sent.

  // A disk or a partition with a device node.
  bool IsBlockDevice() const {
    return subsystem == "block" && !devname.empty() && major >= 0;
  }
};

// ParseUevent()
//
// Parses one datagram as received (its length, trailing NUL included or
// not). Returns nullopt for a udev-daemon message (the "libudev\0" header),
// which carries no kernel event.
//
// Returns:
//   kDataLoss  not a kernel uevent: no `ACTION@DEVPATH` header, a string
//              without '=', ACTION or DEVPATH missing or differing from the
//              header, or MAJOR/MINOR/SEQNUM that are not numbers. The
//              message names the field.
absl::StatusOr<absl::optional<Uevent>> ParseUevent(
    absl::Span<const uint8_t> message);

}  // namespace fdt_handoff

#endif  // INIT_UEVENT_H_
