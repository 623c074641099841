// File: init/root_dir.h
//
// One resolver for paths inside a mounted root file system (the RAID root
// mdboot mounted, or a copy given to `fdt-handoff boot --root DIR`).
//
// Armbian's /boot/Image, /boot/dtb and /boot/uInitrd are symlinks, some of
// them absolute (`/boot/dtb -> dtb-6.12.38`, or `-> /boot/dtb-6.12.38`). An
// absolute link must resolve against the mounted root, never against the
// initramfs or the host, and `..` must stop at the root. Every path the
// boot code reads inside the root goes through RootDir.
//
// Resolve() walks the path itself (one component at a time, readlinkat for
// links, at most 40 links as the kernel allows), so it can report the final
// path (`/boot/Image` -> `/boot/vmlinuz-6.12.38-current-sunxi64`).
// ReadFile() opens with openat2(RESOLVE_IN_ROOT) where the kernel has it
// (5.6+), so the kernel enforces the same rules; elsewhere it opens the
// path Resolve() found, component by component with O_NOFOLLOW.
//
//   ASSIGN_OR_RETURN(RootDir root, RootDir::Open("/mnt/root"));
//   ASSIGN_OR_RETURN(std::string real, root.Resolve("/boot/Image"));
//   ASSIGN_OR_RETURN(std::vector<uint8_t> dtb, root.ReadFile(entry.dtb));
#ifndef INIT_ROOT_DIR_H_
#define INIT_ROOT_DIR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "init/boot_entry.h"

namespace fdt_handoff {

class RootDir : public PathProbe {
 public:
  // How ReadFile() opens files; kAuto uses openat2 when the kernel has it.
  enum class OpenMode { kAuto, kManualWalk };

  // RootDir::Open()
  //
  // Opens the directory `path` (a host path) as the root.
  //
  // Returns:
  //   kNotFound           `path` does not exist.
  //   kFailedPrecondition `path` is not a directory.
  //   kPermissionDenied   it cannot be opened.
  static absl::StatusOr<RootDir> Open(const std::string& path,
                                      OpenMode mode = OpenMode::kAuto);

  RootDir(RootDir&& other) noexcept;
  RootDir& operator=(RootDir&& other) noexcept;
  RootDir(const RootDir&) = delete;
  RootDir& operator=(const RootDir&) = delete;
  ~RootDir() override;

  // The host path given to Open(), for messages.
  const std::string& host_path() const { return host_path_; }

  // RootDir::Resolve()
  //
  // The path, inside the root, that `path` names after following every
  // symlink: absolute link targets start again at the root, `..` at the
  // root stays there, `.` and repeated slashes vanish. `path` is taken as
  // absolute inside the root whether or not it starts with '/'. The result
  // starts with '/' and may name a file or a directory.
  //
  // Returns:
  //   kNotFound           a component does not exist (the message names the
  //                       path asked for and the component that is missing).
  //   kFailedPrecondition a component in the middle is not a directory, or
  //                       more than 40 symlinks were followed (a loop).
  //   other               errors of fstatat/readlinkat, from errno.
  absl::StatusOr<std::string> Resolve(absl::string_view path) const;

  // RootDir::Exists() (PathProbe)
  //
  // True when `path` resolves to a regular file. Boot configurations use it
  // for U-Boot's `test -e` and `load` attempts.
  bool Exists(absl::string_view path) const override;

  // RootDir::ReadFile()
  //
  // The bytes of the regular file at `path` (inside the root), at most
  // `max_size`. A FIFO or device is refused before it is read (opened with
  // O_NONBLOCK), so a hostile root cannot make the boot wait forever.
  //
  // Returns:
  //   kNotFound, kFailedPrecondition  as Resolve(); also a path that is not
  //                       a regular file.
  //   kResourceExhausted  the file is larger than `max_size`.
  //   other               open/read errors, from errno.
  absl::StatusOr<std::vector<uint8_t>> ReadFile(
      absl::string_view path, uint64_t max_size = uint64_t{1} << 31) const;

 private:
  RootDir(int fd, std::string host_path, OpenMode mode)
      : fd_(fd), host_path_(std::move(host_path)), mode_(mode) {}
  absl::StatusOr<int> OpenInRoot(absl::string_view path) const;
  absl::StatusOr<int> OpenWalked(absl::string_view path) const;
  std::string Describe(absl::string_view path) const;

  int fd_ = -1;
  std::string host_path_;
  OpenMode mode_ = OpenMode::kAuto;
};

}  // namespace fdt_handoff

#endif  // INIT_ROOT_DIR_H_
