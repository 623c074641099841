// File: fdt/file_io.h
//
// Whole-file reads and crash-safe writes. Every output of fdt-handoff goes
// through WriteFileAtomic(): the bytes land in a temporary file in the same
// directory, are fsync'ed, and only then renamed over the destination, so a
// failure never leaves a half-written DTB behind.
//
// Both sides deal only in regular files. A FIFO, socket or device given as
// an input would block forever or have side effects when opened (opening
// /dev/watchdog arms it), and renaming over a device node given as an output
// would replace the node with a file. The live FDT (/sys/firmware/fdt) and
// /proc files are regular files (with size 0 in /proc) and are accepted.
#ifndef FDT_FILE_IO_H_
#define FDT_FILE_IO_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fdt_handoff {

// ReadFile()
//
// Reads the whole file at `path`. At most `max_size` bytes are accepted, so a
// mistaken path to a disk image cannot exhaust memory. Anything but a regular
// file is refused before it is opened, and the opened descriptor is checked
// again (opened with O_NONBLOCK, so a FIFO swapped in meanwhile cannot block).
//
// Returns:
//   kNotFound           the file does not exist ("<path>: No such file ...").
//   kPermissionDenied   the file cannot be opened for reading.
//   kFailedPrecondition `path` is a directory, FIFO, socket or device: not a
//                       regular file (named in the message).
//   kResourceExhausted  the file is larger than `max_size`.
//   other               open/read errors, from errno.
absl::StatusOr<std::vector<uint8_t>> ReadFile(
    const std::string& path, uint64_t max_size = uint64_t{1} << 31);

// ReadFileHead()
//
// The first `count` bytes of the file at `path` (fewer if it is shorter),
// with ReadFile()'s checks: for a file whose useful part is known from its
// first bytes, such as a DTB with free space at its end.
//
// Returns: ReadFile()'s codes but kResourceExhausted.
absl::StatusOr<std::vector<uint8_t>> ReadFileHead(const std::string& path,
                                                  size_t count);

// ReadTextFile()
//
// ReadFile() for small text files such as /proc/cmdline; same codes.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

// WriteOptions
//
// How WriteFileAtomic() creates the file.
struct WriteOptions {
  // A new file gets mode 0600 instead of 0666 (both less the umask): for
  // DTBs carrying /chosen seeds. An existing file keeps its own mode either
  // way: its owner chose it.
  bool owner_only = false;

  // Told the temporary file's path right after it is created, and nullptr
  // once it was renamed or removed. Meant for a signal handler that removes
  // the file if the process is killed in between (tools/temp_file_cleanup.h);
  // must not block or fail.
  void (*on_temp_file)(const char* path) = nullptr;
};

// WriteFileAtomic()
//
// Writes `bytes` to `path` via a temporary file `.fdt-handoff.XXXXXX` in the
// same directory (short, so any name the directory allows works) and a
// rename(). On any error the temporary file is removed and `path` is left as
// it was. An existing `path` must be a regular file (a symbolic link to one
// is replaced by the file, as rename() does).
//
// Returns:
//   kNotFound           the directory of `path` does not exist.
//   kPermissionDenied   the directory is not writable.
//   kFailedPrecondition `path` exists and is not a regular file (a device,
//                       FIFO, socket or directory): refused, not replaced.
//   other               write/fsync/rename errors, from errno.
absl::Status WriteFileAtomic(const std::string& path,
                             absl::Span<const uint8_t> bytes,
                             const WriteOptions& options = WriteOptions());

// FileTypeName()
//
// "directory", "FIFO (named pipe)", "character device", ... for a stat()
// st_mode; "regular file" for one. For messages.
const char* FileTypeName(mode_t mode);

}  // namespace fdt_handoff

#endif  // FDT_FILE_IO_H_
