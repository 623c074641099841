#include "init/root_dir.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fdt/status_macros.h"
#include "fdt/unique_fd.h"

namespace fdt_handoff {
namespace {

// Linux's MAXSYMLINKS: the most links one lookup may follow.
constexpr int kMaxLinks = 40;
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// Components to walk, last one first (so the walk pops from the back).
void PushComponents(absl::string_view path, std::vector<std::string>& todo) {
  std::vector<std::string> parts =
      absl::StrSplit(path, '/', absl::SkipEmpty());
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    todo.push_back(std::move(*it));
  }
}

absl::StatusOr<std::string> ReadLinkAt(int dirfd, const std::string& rel,
                                       const std::string& where) {
  std::string target(256, '\0');
  for (;;) {
    const ssize_t n = readlinkat(dirfd, rel.c_str(), &target[0], target.size());
    if (n < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat(where, ": readlink"));
    }
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

}  // namespace

absl::StatusOr<RootDir> RootDir::Open(const std::string& path, OpenMode mode) {
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOTDIR) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": not a directory (give the mounted root)"));
    }
    return absl::ErrnoToStatus(err, absl::StrCat(path, ": cannot open"));
  }
  return RootDir(fd, path, mode);
}

RootDir::RootDir(RootDir&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      host_path_(std::move(other.host_path_)),
      mode_(other.mode_) {}

RootDir& RootDir::operator=(RootDir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    host_path_ = std::move(other.host_path_);
    mode_ = other.mode_;
  }
  return *this;
}

RootDir::~RootDir() {
  if (fd_ >= 0) close(fd_);
}

std::string RootDir::Describe(absl::string_view path) const {
  return absl::StrCat(host_path_, ": ", path);
}

absl::StatusOr<std::string> RootDir::Resolve(absl::string_view path) const {
  std::vector<std::string> done;  // Real directories (no links) so far.
  std::vector<std::string> todo;
  PushComponents(path, todo);
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.back());
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {  // Clamped at the root, like RESOLVE_IN_ROOT.
      if (!done.empty()) done.pop_back();
      continue;
    }
    const std::string rel =
        done.empty() ? c : absl::StrCat(absl::StrJoin(done, "/"), "/", c);
    struct stat st;
    if (fstatat(fd_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      const int err = errno;
      if (err == ENOENT) {
        return absl::NotFoundError(
            absl::StrCat(Describe(path), ": /", rel, " does not exist"));
      }
      return absl::ErrnoToStatus(err, absl::StrCat(Describe(path), ": /", rel));
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxLinks) {
        return absl::FailedPreconditionError(absl::StrCat(
            Describe(path), ": more than ", kMaxLinks,
            " symlinks followed (a loop?) at /", rel));
      }
      ASSIGN_OR_RETURN(std::string target,
                       ReadLinkAt(fd_, rel, absl::StrCat(Describe(path), ": /", rel)));
      if (!target.empty() && target[0] == '/') done.clear();
      PushComponents(target, todo);
      continue;
    }
    if (!todo.empty() && !S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(Describe(path), ": /", rel, " is not a directory"));
    }
    done.push_back(std::move(c));
  }
  return absl::StrCat("/", absl::StrJoin(done, "/"));
}

bool RootDir::Exists(absl::string_view path) const {
  auto real = Resolve(path);
  if (!real.ok()) return false;
  const std::string rel = real->size() > 1 ? real->substr(1) : ".";
  struct stat st;
  return fstatat(fd_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISREG(st.st_mode);
}

absl::StatusOr<int> RootDir::OpenWalked(absl::string_view path) const {
  ASSIGN_OR_RETURN(std::string real, Resolve(path));
  const std::string rel = real.size() > 1 ? real.substr(1) : ".";
  // Every component of `real` was a directory or the final file when we
  // looked; O_NOFOLLOW refuses a link swapped in since.
  const int fd = openat(fd_, rel.c_str(), kOpenFlags | O_NOFOLLOW);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat(Describe(path), ": cannot open"));
  }
  return fd;
}

absl::StatusOr<int> RootDir::OpenInRoot(absl::string_view path) const {
#ifdef SYS_openat2
  if (mode_ == OpenMode::kAuto) {
    struct open_how how = {};
    how.flags = kOpenFlags;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const std::string p(path);
    const long fd = syscall(SYS_openat2, fd_, p.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    const int err = errno;
    // ENOSYS: kernel before 5.6; EPERM: a seccomp filter. Walk instead.
    if (err != ENOSYS && err != EPERM && err != E2BIG) {
      auto real = Resolve(path);  // For the precise message.
      if (!real.ok()) return real.status();
      return absl::ErrnoToStatus(err,
                                 absl::StrCat(Describe(path), ": cannot open"));
    }
  }
#endif
  return OpenWalked(path);
}

absl::StatusOr<std::vector<uint8_t>> RootDir::ReadFile(
    absl::string_view path, uint64_t max_size) const {
  ASSIGN_OR_RETURN(const int opened, OpenInRoot(path));
  const UniqueFd fd(opened);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(Describe(path), ": stat"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(path), ": not a regular file"));
  }
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat(Describe(path), ": ", st.st_size,
                     " bytes is larger than the ", max_size, "-byte limit"));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat(Describe(path), ": read"));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace fdt_handoff
