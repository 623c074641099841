#include "fdt/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fdt_handoff {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what,
                         absl::string_view path) {
  return absl::ErrnoToStatus(err, absl::StrCat(path, ": ", what));
}

// Closes a descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path,
                                              uint64_t max_size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  FdCloser closer(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a directory, not a file"));
  }
  std::vector<uint8_t> bytes;
  // Files in /sys and /proc report size 0 or 4096; read until EOF.
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    if (static_cast<uint64_t>(st.st_size) > max_size) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": ", st.st_size, " bytes is larger than the ",
                       max_size, "-byte limit"));
    }
    // Read straight into the result: kernels are tens of MiB, and a bounce
    // buffer doubled the copying on the board.
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read error", path);
      }
      if (n == 0) break;  // Shrank while we read it.
      done += static_cast<size_t>(n);
    }
    bytes.resize(done);
  }
  uint8_t chunk[65536];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read error", path);
    }
    if (n == 0) break;
    if (bytes.size() + static_cast<size_t>(n) > max_size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          path, ": larger than the ", max_size, "-byte limit"));
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  return bytes;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  auto bytes = ReadFile(path, uint64_t{1} << 20);
  if (!bytes.ok()) return bytes.status();
  return std::string(bytes->begin(), bytes->end());
}

absl::Status WriteFileAtomic(const std::string& path,
                             absl::Span<const uint8_t> bytes) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string tmp = absl::StrCat(path, ".tmp.XXXXXX");
  std::vector<char> tmpl(tmp.begin(), tmp.end());
  tmpl.push_back('\0');
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    const int err = errno;
    struct stat st;
    if (err == ENOENT && stat(dir.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat(
          path, ": cannot write: directory ", dir, " does not exist"));
    }
    return ErrnoStatus(err, "cannot create a temporary file beside", path);
  }
  tmp.assign(tmpl.data());
  FdCloser closer(fd);
  auto fail = [&](absl::string_view what) {
    const int err = errno;
    unlink(tmp.c_str());
    return ErrnoStatus(err, what, path);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write error");
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, 0644) != 0) return fail("cannot set mode of");
  if (fsync(fd) != 0) return fail("fsync failed for");
  if (close(closer.Release()) != 0) return fail("close failed for");
  if (rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename onto");
  return absl::OkStatus();
}

}  // namespace fdt_handoff
