#include "init/devices.h"

#include <dirent.h>
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

class Netlink : public UeventSource {
 public:
  explicit Netlink(int fd) : fd_(fd) {}
  ~Netlink() override { close(fd_); }

  absl::StatusOr<absl::optional<Uevent>> Next(int timeout_ms) override {
    struct pollfd p = {fd_, POLLIN, 0};
    const int n = poll(&p, 1, timeout_ms);
    if (n < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("uevent poll: ", strerror(errno)));
    }
    if (n <= 0) return absl::optional<Uevent>();
    std::vector<uint8_t> buf(8192);
    const ssize_t got = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) return absl::optional<Uevent>();
      // ENOBUFS: the socket's buffer overflowed and the kernel dropped
      // events; only a new scan of sysfs can tell what they were.
      if (errno == ENOBUFS) {
        return absl::ResourceExhaustedError(
            absl::StrCat("uevent recv: ", strerror(errno)));
      }
      return absl::UnavailableError(absl::StrCat("uevent recv: ", strerror(errno)));
    }
    buf.resize(static_cast<size_t>(got));
    return ParseUevent(buf);
  }

 private:
  int fd_;
};

// Every entry of `dir` (no filtering), sorted.
absl::StatusOr<std::set<std::string>> ListNames(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot read ", dir, ": ", strerror(errno), " (is sysfs mounted?)"));
  }
  std::set<std::string> out;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') out.insert(e->d_name);
  }
  closedir(d);
  return out;
}

class Polling : public UeventSource {
 public:
  Polling(std::string dir, std::function<void(int)> sleep_ms)
      : dir_(std::move(dir)), sleep_ms_(std::move(sleep_ms)) {
    auto names = ListNames(dir_);
    if (names.ok()) known_ = *std::move(names);
  }

  absl::StatusOr<absl::optional<Uevent>> Next(int timeout_ms) override {
    if (pending_.empty()) {
      sleep_ms_(timeout_ms);
      auto names = ListNames(dir_);
      if (!names.ok()) return names.status();
      for (const std::string& n : *names) {
        if (known_.count(n) == 0) pending_.push_back(Event("add", n));
      }
      for (const std::string& n : known_) {
        if (names->count(n) == 0) pending_.push_back(Event("remove", n));
      }
      known_ = *std::move(names);
    }
    if (pending_.empty()) return absl::optional<Uevent>();
    Uevent e = std::move(pending_.front());
    pending_.pop_front();
    return absl::optional<Uevent>(std::move(e));
  }

 private:
  Uevent Event(const char* action, const std::string& name) const {
    Uevent e;
    e.action = action;
    e.subsystem = "block";
    e.devname = name;
    e.major = 0;  // Not known without the uevent; only the name is used.
    return e;
  }

  std::string dir_;
  std::function<void(int)> sleep_ms_;
  std::set<std::string> known_;
  std::deque<Uevent> pending_;
};

std::string ReadSmall(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(s.str()));
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool HasPartitions(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st;
    if (stat(absl::StrCat(dir, "/", e->d_name, "/partition").c_str(), &st) == 0) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

// The disk a partition belongs to ("sda" for "sda1"), from sysfs; "" for a
// whole disk.
std::string ParentDisk(const std::string& sys_class_block,
                       const std::string& name) {
  const std::string dir = absl::StrCat(sys_class_block, "/", name);
  struct stat st;
  if (stat((dir + "/partition").c_str(), &st) != 0) return "";
  char* real = realpath((dir + "/..").c_str(), nullptr);
  if (real == nullptr) return "";
  std::string parent = real;
  free(real);
  return parent.substr(parent.rfind('/') + 1);
}

// The wait loop's state: what mdadm said about each device, and what was
// last printed.
class Watcher {
 public:
  Watcher(const WaitOptions& options, Md& md, Console& console)
      : options_(options), md_(md), console_(console) {}

  // Examines `name` (or forgets it when it is no candidate any more).
  absl::Status Examine(const std::string& name) {
    seen_.insert(name);
    const std::string parent = ParentDisk(options_.sys_class_block, name);
    if (!parent.empty()) state_.Remove(parent);
    if (!IsMemberCandidate(options_.sys_class_block, name)) {
      state_.Remove(name);
      return absl::OkStatus();
    }
    absl::StatusOr<MdExamine> e = md_.Examine(name);
    if (e.ok()) {
      state_.Add(name, *std::move(e));
    } else if (e.status().code() == absl::StatusCode::kUnavailable) {
      return e.status();
    } else {
      state_.Remove(name);
      if (e.status().code() != absl::StatusCode::kNotFound) {
        console_.Log("ignoring ", name, ": ", e.status().message());
      }
    }
    return absl::OkStatus();
  }

  void Forget(const std::string& name) {
    state_.Remove(name);
    seen_.erase(name);
  }

  // The coldplug scan, and again after lost events: forgets what is gone
  // from sysfs, examines every candidate there (again for known ones: a
  // "change" may have been lost too).
  absl::Status Scan() {
    ASSIGN_OR_RETURN(std::vector<std::string> devices,
                     ScanBlockDevices(options_.sys_class_block));
    std::vector<std::string> gone;
    for (const std::string& name : seen_) {
      if (!IsDir(absl::StrCat(options_.sys_class_block, "/", name))) {
        gone.push_back(name);
      }
    }
    for (const std::string& name : gone) Forget(name);
    for (const std::string& d : devices) RETURN_IF_ERROR(Examine(d));
    return absl::OkStatus();
  }

  const MdState& state() const { return state_; }

  // Prints progress when it changed, or a second after the last line.
  void Progress(int64_t now, int seconds_left) {
    std::vector<std::string> lines, keys;
    for (const MdArray& a : Relevant()) {
      lines.push_back(ProgressLine(a, seconds_left));
      keys.push_back(ProgressLine(a, 0));
    }
    if (lines.empty()) {
      lines.push_back(absl::StrCat("no md member yet (", seen_.size(),
                                   " block devices), waiting ", seconds_left,
                                   " s"));
      keys.push_back(absl::StrCat(seen_.size()));
    }
    const std::string key = absl::StrJoin(keys, "\n");
    if (key == last_key_ && now - last_print_ < 1000000000) return;
    last_key_ = key;
    last_print_ = now;
    console_.Log(absl::StrJoin(lines, "\n"));
  }

  std::string TimeoutReport() const {
    std::vector<std::string> lines;
    for (const MdArray& a : Relevant()) lines.push_back(MissingReport(a));
    std::string what =
        lines.empty()
            ? absl::StrCat("no md member device appeared (block devices seen: ",
                           seen_.empty() ? "none" : absl::StrJoin(seen_, ", "),
                           "); are the disks connected, and does the kernel "
                           "have their drivers?")
            : absl::StrJoin(lines, "\n");
    return absl::StrCat("after waiting ", options_.wait_seconds,
                        " s: ", what,
                        "\nConnect the missing disks, or wait longer with "
                        "mdboot.wait=SECONDS");
  }

 private:
  // The arrays the progress is about: the one mdboot.array names, else all.
  std::vector<MdArray> Relevant() const {
    std::vector<MdArray> out;
    for (MdArray& a : state_.Arrays()) {
      if (options_.wanted.empty() || ArrayMatches(a, options_.wanted)) {
        out.push_back(std::move(a));
      }
    }
    return out;
  }

  const WaitOptions& options_;
  Md& md_;
  Console& console_;
  MdState state_;
  std::set<std::string> seen_;
  std::string last_key_;
  int64_t last_print_ = 0;
};

absl::Status HandleEvent(const Uevent& ev, Watcher& watcher) {
  if (!ev.IsBlockDevice()) return absl::OkStatus();
  if (ev.action == "remove") {
    watcher.Forget(ev.devname);
    return absl::OkStatus();
  }
  if (ev.action == "add" || ev.action == "change") {
    return watcher.Examine(ev.devname);
  }
  return absl::OkStatus();
}

// A failed Next(): lost events mean a new scan, a bad message is skipped,
// a broken socket ends the wait.
absl::Status HandleEventError(const absl::Status& error,
                              const WaitOptions& options, Watcher& watcher,
                              Console& console) {
  switch (error.code()) {
    case absl::StatusCode::kUnavailable:
      return error;
    case absl::StatusCode::kResourceExhausted:
      console.Log("device events were lost (", error.message(), "): scanning ",
                  options.sys_class_block, " again");
      return watcher.Scan();
    default:
      console.Log("ignoring a uevent: ", error.message());
      return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<UeventSource>> OpenNetlinkUevents() {
  const int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
                        NETLINK_KOBJECT_UEVENT);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("uevent socket: ", strerror(errno)));
  }
  // Room for the burst of events a USB hub with several disks sends.
  const int size = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  struct sockaddr_nl addr = {};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = 1;  // The kernel's own events, not udevd's (group 2).
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("uevent bind: ", strerror(err)));
  }
  return std::unique_ptr<UeventSource>(new Netlink(fd));
}

std::unique_ptr<UeventSource> PollingUevents(
    const std::string& sys_class_block, std::function<void(int)> sleep_ms) {
  return std::make_unique<Polling>(sys_class_block, std::move(sleep_ms));
}

bool IsMemberCandidate(const std::string& sys_class_block,
                       const std::string& name) {
  for (const char* prefix : {"md", "loop", "ram", "zram", "dm-"}) {
    if (absl::StartsWith(name, prefix)) return false;
  }
  const std::string dir = absl::StrCat(sys_class_block, "/", name);
  if (!IsDir(dir)) return false;
  if (ReadSmall(dir + "/size") == "0") return false;
  return !HasPartitions(dir);
}

absl::StatusOr<std::vector<std::string>> ScanBlockDevices(
    const std::string& sys_class_block) {
  DIR* d = opendir(sys_class_block.c_str());
  if (d == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot read ", sys_class_block, ": ", strerror(errno),
        " (is sysfs mounted?)"));
  }
  std::vector<std::string> out;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (IsMemberCandidate(sys_class_block, e->d_name)) out.push_back(e->d_name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<MdArray> WaitForArray(const WaitOptions& options,
                                     UeventSource& events, Md& md,
                                     Console& console, const NanoClock& clock) {
  Watcher watcher(options, md, console);
  RETURN_IF_ERROR(watcher.Scan());
  const int64_t deadline =
      clock() + int64_t{std::max(options.wait_seconds, 0)} * 1000000000;
  while (true) {
    absl::StatusOr<MdArray> chosen = watcher.state().Choose(options.wanted);
    if (chosen.ok() && chosen->complete) return chosen;
    if (chosen.status().code() == absl::StatusCode::kFailedPrecondition) {
      return chosen.status();
    }
    const int64_t now = clock();
    const int64_t left_ns = deadline - now;
    if (left_ns <= 0) {
      return absl::DeadlineExceededError(watcher.TimeoutReport());
    }
    watcher.Progress(now, static_cast<int>((left_ns + 999999999) / 1000000000));
    const int timeout_ms =
        static_cast<int>(std::min<int64_t>(1000, (left_ns + 999999) / 1000000));
    absl::StatusOr<absl::optional<Uevent>> ev = events.Next(timeout_ms);
    if (!ev.ok()) {
      RETURN_IF_ERROR(HandleEventError(ev.status(), options, watcher, console));
    } else if (ev->has_value()) {
      RETURN_IF_ERROR(HandleEvent(**ev, watcher));
    }
  }
}

}  // namespace fdt_handoff
