// File: fdt/file_io.h
//
// Whole-file reads and crash-safe writes. Every output of fdt-handoff goes
// through WriteFileAtomic(): the bytes land in a temporary file in the same
// directory, are fsync'ed, and only then renamed over the destination, so a
// failure never leaves a half-written DTB behind.
#ifndef FDT_FILE_IO_H_
#define FDT_FILE_IO_H_

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
// mistaken path to a disk image cannot exhaust memory.
//
// Returns:
//   kNotFound          the file does not exist ("<path>: No such file ...").
//   kPermissionDenied  the file cannot be opened for reading.
//   kFailedPrecondition `path` is a directory or not a regular file.
//   kResourceExhausted the file is larger than `max_size`.
//   other              read errors, from errno.
absl::StatusOr<std::vector<uint8_t>> ReadFile(
    const std::string& path, uint64_t max_size = uint64_t{1} << 31);

// ReadTextFile()
//
// ReadFile() for small text files such as /proc/cmdline; same codes.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

// WriteFileAtomic()
//
// Writes `bytes` to `path` via a temporary file in the same directory and a
// rename(). On any error the temporary file is removed and `path` is left as
// it was.
//
// Returns:
//   kNotFound          the directory of `path` does not exist.
//   kPermissionDenied  the directory is not writable.
//   other              write/fsync/rename errors, from errno.
absl::Status WriteFileAtomic(const std::string& path,
                             absl::Span<const uint8_t> bytes);

}  // namespace fdt_handoff

#endif  // FDT_FILE_IO_H_
