#include "tools/temp_file_cleanup.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/file_io.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  for (dirent* e = readdir(d); e != nullptr; e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

int signal_to_raise = 0;

// Registers like the CLI, then gets the signal while the temporary file
// exists: between write and rename.
void RegisterThenSignal(const char* path) {
  RegisterTempFile(path);
  if (path != nullptr) raise(signal_to_raise);
}

// Runs WriteFileAtomic() in a child that is signalled mid-write; returns
// the child's wait status.
int WriteAndGetSignalled(const std::string& out, int sig, bool install) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (install) InstallTempFileCleanup();
    signal_to_raise = sig;
    WriteOptions options;
    options.on_temp_file = RegisterThenSignal;
    const std::vector<uint8_t> bytes(4096, 0xd0);
    (void)WriteFileAtomic(out, bytes, options);
    _exit(0);  // Not reached when the signal kills the child.
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

class TempFileCleanupTest : public ::testing::TestWithParam<int> {};

TEST_P(TempFileCleanupTest, ASignalBetweenWriteAndRenameLeavesNothing) {
  const int sig = GetParam();
  const std::string dir =
      absl::StrCat(getenv("TEST_TMPDIR"), "/signal", sig);
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const int status = WriteAndGetSignalled(dir + "/out.dtb", sig, true);
  // The process still dies of the signal, as without the handler...
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), sig);
  // ...but neither the output nor the temporary file is there.
  EXPECT_TRUE(Entries(dir).empty()) << Entries(dir)[0];
}

INSTANTIATE_TEST_SUITE_P(Signals, TempFileCleanupTest,
                         ::testing::Values(SIGINT, SIGTERM, SIGHUP));

TEST(TempFileCleanup, WithoutTheHandlerTheTemporaryFileStays) {
  // The control: proves the test above really signals mid-write.
  const std::string dir = absl::StrCat(getenv("TEST_TMPDIR"), "/control");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const int status = WriteAndGetSignalled(dir + "/out.dtb", SIGTERM, false);
  ASSERT_TRUE(WIFSIGNALED(status));
  const std::vector<std::string> left = Entries(dir);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].rfind(".fdt-handoff.", 0), 0u) << left[0];
}

TEST(TempFileCleanup, AnIgnoredSignalStaysIgnored) {
  const pid_t pid = fork();
  if (pid == 0) {
    signal(SIGHUP, SIG_IGN);
    InstallTempFileCleanup();
    struct sigaction now;
    sigaction(SIGHUP, nullptr, &now);
    _exit(now.sa_handler == SIG_IGN ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace fdt_handoff
