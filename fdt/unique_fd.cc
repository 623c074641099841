#include "fdt/unique_fd.h"

#include <unistd.h>

namespace fdt_handoff {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  // release() first: a self-move then hands the descriptor back unchanged.
  reset(other.release());
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) close(fd_);
  fd_ = fd;
}

}  // namespace fdt_handoff
