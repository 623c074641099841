#include "fdt/file_io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "fdt/status_macros.h"
#include "fdt/unique_fd.h"

namespace fdt_handoff {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what,
                         absl::string_view path) {
  return absl::ErrnoToStatus(err, absl::StrCat(path, ": ", what));
}

absl::Status CheckRegularInput(mode_t mode, const std::string& path) {
  if (S_ISREG(mode)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      path, ": is a ", FileTypeName(mode), ", not a regular file"));
}

// Opens `path` read-only if it is a regular file, checked both before the
// open (opening a device can have effects of its own) and on the open
// descriptor (it may have been swapped since). Fills `*st` from fstat().
absl::StatusOr<UniqueFd> OpenRegularInput(const std::string& path,
                                          struct stat* st) {
  if (stat(path.c_str(), st) != 0) {
    return ErrnoStatus(errno, "cannot open", path);
  }
  RETURN_IF_ERROR(CheckRegularInput(st->st_mode, path));
  // O_NONBLOCK: if a FIFO was swapped in since, open() must not wait for a
  // writer; fstat() below then refuses it. No effect on regular files.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return ErrnoStatus(errno, "cannot open", path);
  if (fstat(fd.get(), st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  RETURN_IF_ERROR(CheckRegularInput(st->st_mode, path));
  return fd;
}

// Reads `fd` (a regular file of `st_size` bytes, 0 when unknown) to EOF.
absl::StatusOr<std::vector<uint8_t>> ReadAll(int fd, off_t st_size,
                                             const std::string& path,
                                             uint64_t max_size) {
  std::vector<uint8_t> bytes;
  // Files in /sys and /proc report size 0 or 4096; read until EOF.
  if (st_size > 0) {
    if (static_cast<uint64_t>(st_size) > max_size) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": ", st_size, " bytes is larger than the ",
                       max_size, "-byte limit"));
    }
    // Read straight into the result: kernels are tens of MiB, and a bounce
    // buffer doubled the copying on the board.
    bytes.resize(static_cast<size_t>(st_size));
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

// The mode an existing `path` keeps, nullopt if there is none yet.
absl::StatusOr<absl::optional<mode_t>> ExistingMode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return absl::nullopt;
    return ErrnoStatus(errno, "cannot write", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": is a ", FileTypeName(st.st_mode),
        ", not a regular file; refusing to replace it with the output"));
  }
  return absl::optional<mode_t>(st.st_mode & 0777);
}

// Six characters for a temporary name; getrandom, else the clock.
std::string RandomSuffix(int attempt) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  uint8_t raw[6];
  if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) != sizeof(raw)) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = static_cast<uint64_t>(ts.tv_nsec) * 2654435761u +
                 static_cast<uint64_t>(getpid()) * 40503u + attempt;
    for (uint8_t& b : raw) {
      b = static_cast<uint8_t>(x);
      x = (x >> 8) | (x << 56);
    }
  }
  std::string s;
  for (uint8_t b : raw) s.push_back(kAlphabet[b % (sizeof(kAlphabet) - 1)]);
  return s;
}

// Creates `<dir>.fdt-handoff.XXXXXX` exclusively with `mode` (less the
// umask, which open() applies); sets `*tmp` to its name.
absl::StatusOr<UniqueFd> CreateTemp(const std::string& path, mode_t mode,
                                    std::string* tmp) {
  const size_t slash = path.rfind('/');
  const std::string prefix =
      slash == std::string::npos ? "" : path.substr(0, slash + 1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    *tmp = absl::StrCat(prefix, ".fdt-handoff.", RandomSuffix(attempt));
    UniqueFd fd(open(tmp->c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     mode));
    if (fd.valid()) return fd;
    if (errno == EEXIST) continue;
    const int err = errno;
    const std::string dir = prefix.empty() ? "." : prefix;
    struct stat st;
    if (err == ENOENT && stat(dir.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat(
          path, ": cannot write: directory ", dir, " does not exist"));
    }
    return ErrnoStatus(err, "cannot create a temporary file beside", path);
  }
  return absl::AlreadyExistsError(absl::StrCat(
      path, ": cannot create a temporary file beside it: 100 names taken"));
}

// Removes the temporary file unless it was renamed, and tells the hook.
class TempFile {
 public:
  TempFile(std::string path, void (*hook)(const char*))
      : path_(std::move(path)), hook_(hook) {
    if (hook_ != nullptr) hook_(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!renamed_) unlink(path_.c_str());
    if (hook_ != nullptr) hook_(nullptr);
  }
  const std::string& path() const { return path_; }
  void MarkRenamed() { renamed_ = true; }

 private:
  std::string path_;
  void (*hook_)(const char*);
  bool renamed_ = false;
};

absl::Status WriteAll(int fd, absl::Span<const uint8_t> bytes,
                      const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write error", path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

const char* FileTypeName(mode_t mode) {
  if (S_ISREG(mode)) return "regular file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISFIFO(mode)) return "FIFO (named pipe)";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISLNK(mode)) return "symbolic link";
  return "special file";
}

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path,
                                              uint64_t max_size) {
  struct stat st;
  ASSIGN_OR_RETURN(const UniqueFd fd, OpenRegularInput(path, &st));
  return ReadAll(fd.get(), st.st_size, path, max_size);
}

absl::StatusOr<std::vector<uint8_t>> ReadFileHead(const std::string& path,
                                                  size_t count) {
  struct stat st;
  ASSIGN_OR_RETURN(const UniqueFd fd, OpenRegularInput(path, &st));
  std::vector<uint8_t> bytes(count);
  size_t done = 0;
  while (done < count) {
    const ssize_t n = read(fd.get(), bytes.data() + done, count - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read error", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  auto bytes = ReadFile(path, uint64_t{1} << 20);
  if (!bytes.ok()) return bytes.status();
  return std::string(bytes->begin(), bytes->end());
}

absl::Status WriteFileAtomic(const std::string& path,
                             absl::Span<const uint8_t> bytes,
                             const WriteOptions& options) {
  ASSIGN_OR_RETURN(const absl::optional<mode_t> existing, ExistingMode(path));
  std::string tmp_path;
  ASSIGN_OR_RETURN(
      UniqueFd fd,
      CreateTemp(path, options.owner_only ? 0600 : 0666, &tmp_path));
  TempFile tmp(std::move(tmp_path), options.on_temp_file);
  RETURN_IF_ERROR(WriteAll(fd.get(), bytes, path));
  if (existing.has_value() && fchmod(fd.get(), *existing) != 0) {
    return ErrnoStatus(errno, "cannot keep the mode of", path);
  }
  if (fsync(fd.get()) != 0) {
    return ErrnoStatus(errno, "fsync failed for", path);
  }
  // Closed by hand: a failed close() of a written file is an error.
  if (close(fd.release()) != 0) {
    return ErrnoStatus(errno, "close failed for", path);
  }
  if (rename(tmp.path().c_str(), path.c_str()) != 0) {
    return ErrnoStatus(errno, "cannot rename onto", path);
  }
  tmp.MarkRenamed();
  return absl::OkStatus();
}

}  // namespace fdt_handoff
