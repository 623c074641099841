#include "fdt/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

// Whether `fd` is an open descriptor of this process: fcntl(F_GETFD) fails
// with EBADF on a closed one. The tests are single-threaded, so a number
// closed here is not reused behind their back.
bool IsOpen(int fd) {
  errno = 0;
  const bool open = fcntl(fd, F_GETFD) != -1;
  if (!open) {
    EXPECT_EQ(errno, EBADF) << "fd " << fd;
  }
  return open;
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
};

Pipe MakePipe() {
  int fds[2] = {-1, -1};
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0) << errno;
  return Pipe{fds[0], fds[1]};
}

TEST(UniqueFd, DefaultHoldsNothing) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
  EXPECT_EQ(fd.release(), -1);
}

TEST(UniqueFd, AFailedOpenIsHeldAsNothing) {
  UniqueFd fd(open("/nonexistent/unique_fd_test", O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesOnDestruction) {
  const Pipe p = MakePipe();
  {
    UniqueFd r(p.read_end);
    UniqueFd w(p.write_end);
    EXPECT_TRUE(r.valid());
    EXPECT_EQ(r.get(), p.read_end);
    EXPECT_TRUE(IsOpen(p.read_end));
    EXPECT_TRUE(IsOpen(p.write_end));
  }
  EXPECT_FALSE(IsOpen(p.read_end));
  EXPECT_FALSE(IsOpen(p.write_end));
}

TEST(UniqueFd, ClosesARealFile) {
  const int raw = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0) << errno;
  { UniqueFd fd(raw); }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFd, MoveConstructionTransfersOwnership) {
  const Pipe p = MakePipe();
  UniqueFd keep_write(p.write_end);
  UniqueFd source(p.read_end);
  {
    UniqueFd target(std::move(source));
    EXPECT_EQ(target.get(), p.read_end);
    EXPECT_FALSE(source.valid());  // NOLINT(bugprone-use-after-move)
  }
  // The target closed it; the emptied source has nothing left to close.
  EXPECT_FALSE(IsOpen(p.read_end));
  EXPECT_TRUE(IsOpen(p.write_end));
}

TEST(UniqueFd, MoveAssignmentClosesTheOldAndTakesTheNew) {
  const Pipe p = MakePipe();
  UniqueFd target(p.read_end);
  UniqueFd source(p.write_end);
  target = std::move(source);
  EXPECT_FALSE(IsOpen(p.read_end));  // Target's old descriptor.
  EXPECT_EQ(target.get(), p.write_end);
  EXPECT_FALSE(source.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(IsOpen(p.write_end));
}

TEST(UniqueFd, SelfMoveAssignmentKeepsTheDescriptor) {
  const Pipe p = MakePipe();
  UniqueFd w(p.write_end);
  UniqueFd r(p.read_end);
  UniqueFd& alias = r;
  r = std::move(alias);
  EXPECT_EQ(r.get(), p.read_end);
  EXPECT_TRUE(IsOpen(p.read_end));
}

TEST(UniqueFd, ReleaseGivesUpOwnership) {
  const Pipe p = MakePipe();
  UniqueFd w(p.write_end);
  int released = -1;
  {
    UniqueFd r(p.read_end);
    released = r.release();
    EXPECT_FALSE(r.valid());
    EXPECT_EQ(r.get(), -1);
  }
  EXPECT_EQ(released, p.read_end);
  EXPECT_TRUE(IsOpen(p.read_end));  // Not closed by the destructor.
  EXPECT_EQ(close(released), 0);
}

TEST(UniqueFd, ResetClosesTheOldDescriptor) {
  const Pipe p = MakePipe();
  UniqueFd fd(p.read_end);
  fd.reset(p.write_end);
  EXPECT_FALSE(IsOpen(p.read_end));
  EXPECT_EQ(fd.get(), p.write_end);
  EXPECT_TRUE(IsOpen(p.write_end));
  fd.reset();
  EXPECT_FALSE(IsOpen(p.write_end));
  EXPECT_FALSE(fd.valid());
}

TEST(UniqueFd, ResetToTheSameDescriptorKeepsItOpen) {
  const Pipe p = MakePipe();
  UniqueFd w(p.write_end);
  UniqueFd r(p.read_end);
  r.reset(p.read_end);
  EXPECT_EQ(r.get(), p.read_end);
  EXPECT_TRUE(IsOpen(p.read_end));
}

}  // namespace
}  // namespace fdt_handoff
