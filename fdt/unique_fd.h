// File: fdt/unique_fd.h
//
// UniqueFd: the sole owner of a file descriptor, which it closes when it is
// destroyed or given another one. Every open() in the library hands its
// descriptor to one at once, so no early return (a failed fstat, a refused
// file type, a read error) can leak it.
//
//   UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
//   if (!fd.valid()) return ErrnoError(errno, "cannot open", path);
//   if (fstat(fd.get(), &st) != 0) return ...;  // Closed here.
//
// It lives in fdt/, the lowest layer, so kexec/ and init/ use it too.
#ifndef FDT_UNIQUE_FD_H_
#define FDT_UNIQUE_FD_H_

namespace fdt_handoff {

// UniqueFd
//
// Move-only, like std::unique_ptr: a move leaves the source empty (-1). A
// negative descriptor means "none", so the result of a failed open() can be
// wrapped before it is checked. The names follow std::unique_ptr's (get,
// release, reset), as Abseil does for such types.
//
// Closing ignores close()'s result: on Linux the descriptor is gone even
// when close() fails (EINTR included), and a reader has nothing to do about
// it. A writer that must know whether its data reached the file calls
// close(fd.release()) itself and checks.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  // Closes the descriptor held, if any, and takes `other`'s.
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  // UniqueFd::get()
  //
  // The descriptor (still owned), or -1 when none is held.
  int get() const { return fd_; }

  // UniqueFd::valid()
  //
  // True when a descriptor (>= 0) is held.
  bool valid() const { return fd_ >= 0; }

  // UniqueFd::release()
  //
  // Gives up ownership without closing: returns the descriptor (or -1), and
  // the caller now owns it.
  int release();

  // UniqueFd::reset()
  //
  // Closes the descriptor held, if any, and takes `fd` (default: none).
  // Resetting to the descriptor already held keeps it open.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace fdt_handoff

#endif  // FDT_UNIQUE_FD_H_
