#include "fdt/file_io.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fdt/test_dirs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A fresh directory per test, so "nothing else is left" can be checked.
class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeFreshTestDir();
    ASSERT_FALSE(dir_.empty());
    old_umask_ = umask(022);
  }
  void TearDown() override { umask(old_umask_); }

  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }
  std::vector<std::string> Entries() const { return ListDir(dir_); }

  std::string dir_;
  mode_t old_umask_ = 022;
  const std::vector<uint8_t> bytes_ = {1, 2, 3, 4};
};

TEST_F(FileIoTest, ReadsARegularFileAndProcFiles) {
  ASSERT_TRUE(WriteFileAtomic(Path("a"), bytes_).ok());
  auto read = ReadFile(Path("a"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes_);
  // /proc files are regular files that report size 0: read to EOF.
  auto status = ReadTextFile("/proc/self/status");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_THAT(*status, HasSubstr("Umask:"));
}

TEST_F(FileIoTest, ReadFileHeadReadsOnlyTheStart) {
  ASSERT_TRUE(WriteFileAtomic(Path("a"), bytes_).ok());
  ASSERT_GT(bytes_.size(), 3u);
  auto head = ReadFileHead(Path("a"), 3);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(*head, std::vector<uint8_t>(bytes_.begin(), bytes_.begin() + 3));
  // More than the file holds: the whole file.
  head = ReadFileHead(Path("a"), bytes_.size() + 100);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(*head, bytes_);
  // The same refusals as ReadFile(), before opening.
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0644), 0);
  EXPECT_EQ(ReadFileHead(Path("fifo"), 3).status(),
            ReadFile(Path("fifo")).status());
  EXPECT_EQ(ReadFileHead("/dev/zero", 3).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFileHead(Path("none"), 3).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FileIoTest, RefusesAFifoWithoutBlocking) {
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0644), 0);
  auto read = ReadFile(Path("fifo"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status().message(),
            Path("fifo") + ": is a FIFO (named pipe), not a regular file");
  // The same through a symbolic link.
  ASSERT_EQ(symlink(Path("fifo").c_str(), Path("link").c_str()), 0);
  EXPECT_EQ(ReadFile(Path("link")).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FileIoTest, RefusesDirectoriesAndDevices) {
  auto read = ReadFile(dir_);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status().message(),
            dir_ + ": is a directory, not a regular file");
  read = ReadFile("/dev/zero");  // Would otherwise read up to the cap.
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(read.status().message(),
            "/dev/zero: is a character device, not a regular file");
}

TEST_F(FileIoTest, ReadCodesMatchTheHeader) {
  EXPECT_EQ(ReadFile(Path("missing")).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomic(Path("big"), bytes_).ok());
  auto read = ReadFile(Path("big"), 3);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(read.status().message(),
            Path("big") + ": 4 bytes is larger than the 3-byte limit");
  if (geteuid() != 0) {  // root reads a 0000 file anyway.
    ASSERT_EQ(chmod(Path("big").c_str(), 0), 0);
    EXPECT_EQ(ReadFile(Path("big")).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
}

TEST_F(FileIoTest, RefusesToReplaceWhatIsNotARegularFile) {
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0644), 0);
  ASSERT_EQ(mkdir(Path("sub").c_str(), 0755), 0);
  std::vector<std::string> targets = {Path("fifo"), Path("sub")};
  // A device node like `-o /dev/sda` (only root may make one).
  if (mknod(Path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
    targets.push_back(Path("null"));
  }
  for (const std::string& target : targets) {
    const absl::Status s = WriteFileAtomic(target, bytes_);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << target;
    EXPECT_THAT(std::string(s.message()), StartsWith(target + ": is a "));
    EXPECT_THAT(std::string(s.message()),
                HasSubstr(", not a regular file; refusing to replace it"));
    struct stat st;
    ASSERT_EQ(stat(target.c_str(), &st), 0);
    EXPECT_FALSE(S_ISREG(st.st_mode)) << target << " was replaced";
  }
  EXPECT_EQ(Entries().size(), targets.size()) << "a temporary file was left";
}

TEST_F(FileIoTest, NewFilesHonourTheUmask) {
  umask(077);
  ASSERT_TRUE(WriteFileAtomic(Path("private"), bytes_).ok());
  EXPECT_EQ(PermissionBits(Path("private")), 0600);
  umask(022);
  ASSERT_TRUE(WriteFileAtomic(Path("public"), bytes_).ok());
  EXPECT_EQ(PermissionBits(Path("public")), 0644);
  umask(002);
  ASSERT_TRUE(WriteFileAtomic(Path("group"), bytes_).ok());
  EXPECT_EQ(PermissionBits(Path("group")), 0664);
}

TEST_F(FileIoTest, OwnerOnlyFilesAre0600) {
  WriteOptions options;
  options.owner_only = true;
  ASSERT_TRUE(WriteFileAtomic(Path("seeded"), bytes_, options).ok());
  EXPECT_EQ(PermissionBits(Path("seeded")), 0600);
}

TEST_F(FileIoTest, AnExistingFileKeepsItsMode) {
  for (mode_t mode : {mode_t{0600}, mode_t{0640}, mode_t{0444}}) {
    const std::string path = Path(absl::StrCat("m", mode));
    ASSERT_TRUE(WriteFileAtomic(path, {9}).ok());
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    ASSERT_TRUE(WriteFileAtomic(path, bytes_).ok());
    EXPECT_EQ(PermissionBits(path), mode);
    EXPECT_EQ(*ReadFile(path), bytes_);
  }
}

TEST_F(FileIoTest, ALongNameFitsBecauseTheTemporaryNameIsShort) {
  const std::string name(255, 'n');  // NAME_MAX.
  ASSERT_TRUE(WriteFileAtomic(Path(name), bytes_).ok());
  EXPECT_THAT(Entries(), ElementsAre(name));
  const absl::Status s = WriteFileAtomic(Path(std::string(256, 'n')), bytes_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;  // ENAMETOOLONG
  EXPECT_THAT(Entries(), ElementsAre(name));
}

std::vector<std::string>* hook_calls = nullptr;
void RecordHook(const char* path) {
  std::string entry = path == nullptr ? "(none)" : path;
  if (path != nullptr && access(path, F_OK) != 0) entry += " (missing)";
  hook_calls->push_back(entry);
}

TEST_F(FileIoTest, TheHookSeesTheTemporaryFileWhileItExists) {
  std::vector<std::string> calls;
  hook_calls = &calls;
  WriteOptions options;
  options.on_temp_file = RecordHook;
  ASSERT_TRUE(WriteFileAtomic(Path("out"), bytes_, options).ok());
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_THAT(calls[0], StartsWith(Path(".fdt-handoff.")));
  EXPECT_FALSE(absl::EndsWith(calls[0], "(missing)"));
  EXPECT_EQ(calls[0].size(), Path(".fdt-handoff.XXXXXX").size());
  EXPECT_EQ(calls[1], "(none)");
  // On failure too, and the temporary file is gone.
  calls.clear();
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0644), 0);
  EXPECT_FALSE(WriteFileAtomic(Path("fifo"), bytes_, options).ok());
  EXPECT_TRUE(calls.empty());  // Refused before a temporary file existed.
  EXPECT_THAT(Entries(), ElementsAre("fifo", "out"));
  hook_calls = nullptr;
}

TEST_F(FileIoTest, AMissingDirectoryIsNamed) {
  const absl::Status s = WriteFileAtomic(Path("nope/out"), bytes_);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), absl::StrCat(Path("nope/out"),
                                      ": cannot write: directory ",
                                      Path("nope/"), " does not exist"));
}

}  // namespace
}  // namespace fdt_handoff
