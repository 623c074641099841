// File: kexec/mapped_file.h
//
// A kernel or initrd file as read-only bytes without copying it: the file's
// page-cache pages mapped into the process (mmap MAP_PRIVATE, PROT_READ). `fdt-handoff load` hands these bytes straight
// to kexec_load, which copies them into the kernel's own pages; reading the
// file into a heap buffer first (as ReadFile() does) adds a second full
// copy of tens of MiB, the page faults of a fresh buffer, and their release
// at exit. On the QEMU guest (TCG) that read was the largest part of the
// load step (bench/README.md).
//
// Where mmap() is refused (a filesystem without it) or the file reports
// size 0 (/proc and /sys files), the bytes are read into memory instead
// (ReadFile()); mapped() says which.
//
// A mapping shows the file as it is, not as it was: if another process
// truncates the file while it is mapped, touching the lost pages raises
// SIGBUS, and kexec_load fails with EFAULT. Kernels and initrds are not
// rewritten under a running load; `--verify` catches any change between
// the digests and the copy (the purgatory compares them).
//
//   ASSIGN_OR_RETURN(MappedFile f, MappedFile::Open(path, 512 << 20));
//   absl::Span<const uint8_t> bytes = f.bytes();  // valid while f lives
#ifndef KEXEC_MAPPED_FILE_H_
#define KEXEC_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace fdt_handoff {

// MappedFile
//
// Move-only owner of a file's bytes: a read-only mapping, or (fallback) a
// buffer. Moving keeps bytes() pointing at the same memory.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // Open()
  //
  // Checks that `path` is a regular file before opening it (opening a
  // device can have side effects), opens it with O_NONBLOCK (a FIFO swapped
  // in meanwhile cannot block) and checks the descriptor again, refuses a
  // file over `max_size` before touching its bytes, then maps it whole.
  //
  // Returns:
  //   kNotFound, kPermissionDenied, ...  open/stat failed (the
  //                       absl::ErrnoToStatus() code of errno, with the path).
  //   kFailedPrecondition `path` is a directory, FIFO, socket or device.
  //   kResourceExhausted  the file is larger than `max_size`.
  //   plus ReadFile()'s codes on the read fallback.
  static absl::StatusOr<MappedFile> Open(const std::string& path,
                                         uint64_t max_size);

  // FromDescriptor()
  //
  // Maps the first `size` (> 0) bytes of the open regular file `fd` (the
  // caller has checked it and keeps it open only for this call); where
  // mmap() is refused, reads `size` bytes from the descriptor's offset
  // (the start, for a fresh open). `path` is for messages.
  //
  // Returns:
  //   kDataLoss           (read fallback) the file shrank below `size`.
  //   other               read errors, from errno.
  static absl::StatusOr<MappedFile> FromDescriptor(int fd, uint64_t size,
                                                   const std::string& path);

  // Takes over bytes already in memory (tests, decompressed data).
  static MappedFile FromBytes(std::vector<uint8_t> bytes);

  absl::Span<const uint8_t> bytes() const {
    return absl::MakeConstSpan(data_, size_);
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // True when bytes() is a mapping of the file, false when it was read.
  bool mapped() const { return mapping_ != nullptr; }

 private:
  void Reset();

  void* mapping_ = nullptr;  // mmap()'s result, or nullptr.
  size_t mapping_size_ = 0;
  std::vector<uint8_t> buffer_;  // The fallback's bytes.
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace fdt_handoff

#endif  // KEXEC_MAPPED_FILE_H_
