// File: init/md_state.h
//
// Which MD arrays the devices seen so far belong to, and whether each is
// complete: pure logic over what mdadm reports for each device, so the wait
// loop, its progress line and the "which member is missing" message are
// table-tested without disks.
//
// mdadm owns the on-disk formats, so we read its output, not superblocks:
//   - `mdadm --examine --export DEV` (super1.c export_examine_super1,
//     super0.c export_examine_super0): MD_LEVEL (raid0, raid1, linear, ...),
//     MD_DEVICES (raid_disks), MD_UUID, MD_NAME (v1.x only), MD_DEV_UUID
//     (v1.x only), MD_EVENTS, MD_UPDATE_TIME, MD_ARRAY_SIZE (levels > 0).
//     Nothing in it says which slot the device fills: there is no MD_ROLE
//     in --examine --export (MD_DEVICE_*_ROLE exist only in --detail
//     --export, of a running array).
//   - so the slot comes from the plain `mdadm --examine DEV`: v1.x prints
//     "   Device Role : Active device 1" (or "spare", "Journal",
//     "Replacement device N"); 0.90 prints a "this" row of its disk table
//     (`this     1       8       17        1      active sync   /dev/sdb1`,
//     the fifth column is the RaidDevice).
// Without a role a member still counts; only the missing slots cannot be
// named then.
//
//   MdState state;
//   state.Add("sda1", examine_sda1);
//   for (const MdArray& a : state.Arrays()) Log(ProgressLine(a, 27));
//   // md RAID0 'zero2w:root': 1/2 members (sda1), waiting 27 s
#ifndef INIT_MD_STATE_H_
#define INIT_MD_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace fdt_handoff {

// What mdadm says about one member device.
struct MdExamine {
  std::string level;      // MD_LEVEL as mdadm names it: "raid0", "linear"
  int raid_disks = 0;     // MD_DEVICES
  std::string uuid;       // MD_UUID, as printed
  std::string name;       // MD_NAME ("zero2w:root"); empty for 0.90
  std::string dev_uuid;   // MD_DEV_UUID; empty for 0.90
  uint64_t events = 0;    // MD_EVENTS
  absl::optional<int> role;  // Active slot, from ParseExamineRole()
  bool spare = false;        // A spare (or journal): fills no slot
};

// ParseExamineExport()
//
// Parses `mdadm --examine --export DEV` output for `device` (named in
// messages). Unknown keys are ignored (newer mdadm may add some).
//
// Returns:
//   kNotFound         the output is empty: mdadm found no md superblock.
//   kDataLoss         MD_LEVEL, MD_DEVICES or MD_UUID missing, a line that
//                     is not KEY=VALUE, or a number that is not one.
//   kUnimplemented    MD_LEVEL=container (IMSM/DDF firmware RAID: the
//                     member arrays inside it need mdadm's container
//                     assembly, which mdboot does not do).
absl::StatusOr<MdExamine> ParseExamineExport(absl::string_view text,
                                             absl::string_view device);

// ParseExamineRole()
//
// Sets `examine.role` / `examine.spare` from plain `mdadm --examine DEV`
// output. Output without a role line leaves both as they were.
//
// Returns:
//   kDataLoss  a role line whose slot is not a number.
absl::Status ParseExamineRole(absl::string_view text, absl::string_view device,
                              MdExamine& examine);

struct MdMember {
  std::string device;  // "sda1"
  absl::optional<int> role;
  bool spare = false;
  uint64_t events = 0;
};

struct MdArray {
  std::string uuid;
  std::string name;
  std::string level;
  int raid_disks = 0;
  std::vector<MdMember> members;  // Sorted by device name.
  // Every slot 0..raid_disks-1 is filled (roles known), or as many active
  // members as raid_disks are present (roles unknown).
  bool complete = false;
  // Enough members for the level to start degraded: all for raid0, linear
  // and raid10 (its layout is not in the export), one for raid1 and
  // multipath, n-1 for raid4/5, n-2 for raid6.
  bool runnable = false;
  std::vector<int> missing_slots;  // Known only when every role is known.
  int missing = 0;                 // raid_disks minus active members present.
  std::vector<std::string> warnings;  // Members that disagree on the array.
};

class MdState {
 public:
  // Records what mdadm said about `device`, replacing an earlier record.
  void Add(const std::string& device, MdExamine examine);
  // `device` went away (a uevent "remove"); unknown devices are ignored.
  void Remove(const std::string& device);
  // Every array with at least one member, sorted by name, then UUID.
  std::vector<MdArray> Arrays() const;

  // MdState::Choose()
  //
  // The array to boot: the one `wanted` names (mdboot.array: a UUID in any
  // spelling, a full name, or the name after "host:"), else the only
  // complete one. The array is returned even when incomplete: the caller
  // decides to wait.
  //
  // Returns:
  //   kNotFound           nothing matches `wanted`, or (no `wanted`) no
  //                       array is complete; the message lists the arrays
  //                       seen with their members.
  //   kFailedPrecondition several arrays match (or, no `wanted`, several
  //                       are complete); the message lists them and says to
  //                       set mdboot.array.
  absl::StatusOr<MdArray> Choose(absl::string_view wanted) const;

 private:
  std::map<std::string, MdExamine> devices_;
};

// True when `wanted` names `array` (see Choose()).
bool ArrayMatches(const MdArray& array, absl::string_view wanted);

// `md RAID0 'zero2w:root': 1/2 members (sda1), waiting 27 s`
std::string ProgressLine(const MdArray& array, int seconds_left);

// The message after the wait: what is present and what is missing.
// `md RAID0 'zero2w:root' (UUID ...): 1 of 2 members missing (slot 1);
// present: sda1 (slot 0)`
std::string MissingReport(const MdArray& array);

}  // namespace fdt_handoff

#endif  // INIT_MD_STATE_H_
