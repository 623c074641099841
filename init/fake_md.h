// File: init/fake_md.h
//
// Fakes for the device wait and the PID 1 sequence (testonly): an Md whose
// disks are a map from device name to the superblock a test wrote, and a
// uevent source with a clock that only moves when the wait loop waits.
#ifndef INIT_FAKE_MD_H_
#define INIT_FAKE_MD_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "init/devices.h"
#include "init/md.h"

namespace fdt_handoff {

// A v1.2 member as ParseExamineExport() + ParseExamineRole() give it.
inline MdExamine FakeMember(const std::string& level, int disks, int role,
                            const std::string& name = "zero2w:root",
                            const std::string& uuid =
                                "8c3c3b5e:2f4b4a4e:9a437a2f:0f6e1d2b") {
  MdExamine e;
  e.level = level;
  e.raid_disks = disks;
  e.uuid = uuid;
  e.name = name;
  e.events = 18;
  e.role = role;
  return e;
}

class FakeMd : public Md {
 public:
  std::map<std::string, MdExamine> members;  // By device name ("sda1").
  std::vector<std::string> calls;            // "examine sda1", "assemble ...", "stop ..."
  absl::Status assemble_error;
  absl::Status stop_error;
  absl::Status examine_error;  // Returned for every device when not OK.

  absl::StatusOr<MdExamine> Examine(const std::string& device) override {
    calls.push_back("examine " + device);
    if (!examine_error.ok()) return examine_error;
    auto it = members.find(device);
    if (it == members.end()) return absl::NotFoundError(device + ": no superblock");
    return it->second;
  }
  absl::StatusOr<std::string> AssembleReadOnly(const MdArray& array) override {
    std::string line = "assemble " + array.name;
    for (const MdMember& m : array.members) absl::StrAppend(&line, " ", m.device);
    calls.push_back(line);
    if (!assemble_error.ok()) return assemble_error;
    return std::string("/dev/md127");
  }
  absl::Status Stop(const std::string& md_device) override {
    calls.push_back("stop " + md_device);
    return stop_error;
  }
};

// Events arrive after a delay; time passes only inside Next().
class FakeUevents : public UeventSource {
 public:
  struct Timed {
    int64_t after_ms;  // Since the previous event was delivered.
    Uevent event;
    bool lost = false;  // Events were dropped here (netlink's ENOBUFS).
  };
  std::deque<Timed> queue;
  int64_t now_ns = 5000000000;  // The wait starts 5 s after boot.
  std::vector<int> timeouts;    // Each Next() timeout asked for.
  // Called when an event is delivered (e.g. to add its sysfs entry).
  std::function<void(const Uevent&)> on_deliver;
  // Called when the loss is reported (e.g. to change sysfs unannounced).
  std::function<void()> on_lost;

  NanoClock Clock() {
    return [this] { return now_ns; };
  }

  void Add(int64_t after_ms, const std::string& action, const std::string& dev,
           const std::string& devtype = "partition") {
    Uevent e;
    e.action = action;
    e.subsystem = "block";
    e.devname = dev;
    e.devtype = devtype;
    e.major = 8;
    e.minor = 1;
    queue.push_back({after_ms, e});
  }

  // After `after_ms`, Next() reports that events were lost.
  void Lose(int64_t after_ms) {
    Timed t{after_ms, Uevent()};
    t.lost = true;
    queue.push_back(t);
  }

  absl::StatusOr<absl::optional<Uevent>> Next(int timeout_ms) override {
    timeouts.push_back(timeout_ms);
    if (queue.empty() || queue.front().after_ms > timeout_ms) {
      now_ns += int64_t{timeout_ms} * 1000000;
      if (!queue.empty()) queue.front().after_ms -= timeout_ms;
      return absl::optional<Uevent>();
    }
    Timed t = queue.front();
    queue.pop_front();
    now_ns += t.after_ms * 1000000;
    if (t.lost) {
      if (on_lost) on_lost();
      return absl::ResourceExhaustedError(
          "uevent recv: No buffer space available");
    }
    if (on_deliver) on_deliver(t.event);
    return absl::optional<Uevent>(t.event);
  }
};

}  // namespace fdt_handoff

#endif  // INIT_FAKE_MD_H_
