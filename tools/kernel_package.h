// File: tools/kernel_package.h
//
// Finds the H616/H618 DTBs of a kernel package and its release, for
// `fdt-handoff regress --package PKG` (fdt/regress.h runs them). A package
// is a .deb file or a folder (an unpacked package or a root file system);
// the DTBs are looked for where the distributions put them:
//
//   usr/lib/linux-image-RELEASE/allwinner/    Debian 6.x (linux-image-*)
//   usr/lib/modules/RELEASE/dtb/allwinner/    Debian 7.x (linux-base-*)
//   boot/dtb-RELEASE/allwinner/               Armbian (linux-dtb-*)
//
// A .deb is read by Debian's own tools rather than by a second archive
// reader here: `dpkg-deb --fsys-tarfile PKG | tar -x` extracts only the
// sun50i-h616*/h618* DTBs into a scratch folder (dpkg-deb handles every
// compression Debian uses: xz, zstd, gzip).
#ifndef TOOLS_KERNEL_PACKAGE_H_
#define TOOLS_KERNEL_PACKAGE_H_

#include <string>

#include "absl/status/statusor.h"
#include "fdt/regress.h"

namespace fdt_handoff {

// ScratchDir: a fresh folder under $TMPDIR (or /tmp), removed with all its
// contents when destroyed.
class ScratchDir {
 public:
  // Returns:
  //   kPermissionDenied / other  mkdtemp() failed, from errno.
  static absl::StatusOr<ScratchDir> Create();
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// FindKernelDtbs()
//
// Scans the folder `root` for the layouts above and returns the release
// and the H616/H618 DTBs (sorted by name); `origin` names the package in
// messages and becomes KernelDtbs::origin.
//
// Returns:
//   kNotFound            no H616/H618 DTB in any of the layouts (the message
//                        lists where it looked).
//   kFailedPrecondition  DTBs of more than one release (names them).
absl::StatusOr<KernelDtbs> FindKernelDtbs(const std::string& root,
                                          const std::string& origin);

// ExtractDebDtbs()
//
// Extracts the H616/H618 DTBs of the .deb `deb` into the folder `dir`, with
// the package's paths, via dpkg-deb and tar.
//
// Returns:
//   kFailedPrecondition  dpkg-deb or tar is not installed.
//   kInvalidArgument     dpkg-deb refused `deb` (not a .deb, damaged), with
//                        its message.
//   other                pipe/spawn/wait errors, from errno.
absl::Status ExtractDebDtbs(const std::string& deb, const std::string& dir);

// OpenKernelPackage()
//
// `path` a folder: FindKernelDtbs(path). A regular file: ExtractDebDtbs()
// into `scratch`, then FindKernelDtbs() there (origin stays `path`,
// extracted_root is the scratch folder).
//
// Returns: the codes of both, and kNotFound when `path` does not exist.
absl::StatusOr<KernelDtbs> OpenKernelPackage(const std::string& path,
                                             const ScratchDir& scratch);

}  // namespace fdt_handoff

#endif  // TOOLS_KERNEL_PACKAGE_H_
