#include "fdt/golden.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "fdt/file_io.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

constexpr char kGolden[] = "testdata/goldens/x.dts";

absl::Status WriteText(const std::string& path, const std::string& text) {
  return WriteFileAtomic(
      path, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()),
                                text.size()));
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

void MakeDirs(const std::string& path) {
  std::string prefix;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      prefix = path.substr(0, i);
      mkdir(prefix.c_str(), 0755);
    }
  }
}

// Each test gets a fresh fake runfiles tree and source tree under
// TEST_TMPDIR, and points the environment CheckGolden() reads at them. The
// real values are restored afterwards so that tests do not leak into each
// other.
class CheckGoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"TEST_SRCDIR", "TEST_WORKSPACE", "UPDATE_GOLDENS"}) {
      const char* value = std::getenv(name);
      saved_.push_back({name, value != nullptr, value ? value : ""});
    }
    const char* tmp = std::getenv("TEST_TMPDIR");
    ASSERT_NE(tmp, nullptr) << "run under bazel test";
    const ::testing::TestInfo* info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = absl::StrCat(tmp, "/", info->name());
    runfiles_ = absl::StrCat(root_, "/runfiles");
    source_ = absl::StrCat(root_, "/source");
    MakeDirs(absl::StrCat(runfiles_, "/fdt_handoff/testdata/goldens"));
    MakeDirs(source_);
    setenv("TEST_SRCDIR", runfiles_.c_str(), 1);
    setenv("TEST_WORKSPACE", "fdt_handoff", 1);
    unsetenv("UPDATE_GOLDENS");
  }

  void TearDown() override {
    for (const Saved& s : saved_) {
      if (s.set) {
        setenv(s.name.c_str(), s.value.c_str(), 1);
      } else {
        unsetenv(s.name.c_str());
      }
    }
  }

  std::string RunfilesGolden() const {
    return absl::StrCat(runfiles_, "/fdt_handoff/", kGolden);
  }

  struct Saved {
    std::string name;
    bool set;
    std::string value;
  };
  std::vector<Saved> saved_;
  std::string root_;
  std::string runfiles_;
  std::string source_;
};

TEST_F(CheckGoldenTest, EqualTextPasses) {
  ASSERT_TRUE(WriteText(RunfilesGolden(), "same\ntext\n").ok());
  EXPECT_TRUE(CheckGolden("same\ntext\n", kGolden).ok());
}

TEST_F(CheckGoldenTest, WorkspaceDefaultsToFdtHandoff) {
  unsetenv("TEST_WORKSPACE");
  ASSERT_TRUE(WriteText(RunfilesGolden(), "same\n").ok());
  EXPECT_TRUE(CheckGolden("same\n", kGolden).ok());
}

TEST_F(CheckGoldenTest, MismatchShowsUnifiedDiffAndHowToRegenerate) {
  ASSERT_TRUE(WriteText(RunfilesGolden(), "keep\nold\nkeep too\n").ok());
  const absl::Status status = CheckGolden("keep\nnew\nkeep too\n", kGolden);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(status.message());
  EXPECT_TRUE(absl::StrContains(
      message,
      "--- testdata/goldens/x.dts (golden)\n"
      "+++ testdata/goldens/x.dts (actual)\n"
      "@@ -1,3 +1,3 @@\n keep\n-old\n+new\n keep too\n"))
      << message;
  EXPECT_TRUE(absl::StrContains(
      message, "--test_env=UPDATE_GOLDENS=$PWD --spawn_strategy=local"))
      << message;
}

TEST_F(CheckGoldenTest, TrailingNewlineDifferenceIsAMismatch) {
  ASSERT_TRUE(WriteText(RunfilesGolden(), "text\n").ok());
  const absl::Status status = CheckGolden("text", kGolden);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(status.message(),
                                "+text\n\\ No newline at end of file\n"))
      << status.message();
}

TEST_F(CheckGoldenTest, MissingGoldenIsNotFoundWithHint) {
  const absl::Status status = CheckGolden("text\n", "testdata/goldens/new.dts");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(status.message(), "testdata/goldens/new.dts"))
      << status.message();
  EXPECT_TRUE(absl::StrContains(status.message(), "UPDATE_GOLDENS"))
      << status.message();
}

TEST_F(CheckGoldenTest, FallsBackToCurrentDirectory) {
  unsetenv("TEST_SRCDIR");
  const std::string cwd_root = absl::StrCat(root_, "/cwd");
  MakeDirs(absl::StrCat(cwd_root, "/testdata/goldens"));
  ASSERT_TRUE(
      WriteText(absl::StrCat(cwd_root, "/", kGolden), "from cwd\n").ok());
  char old_cwd[4096];
  ASSERT_NE(getcwd(old_cwd, sizeof(old_cwd)), nullptr);
  ASSERT_EQ(chdir(cwd_root.c_str()), 0);
  const absl::Status equal = CheckGolden("from cwd\n", kGolden);
  const absl::Status different = CheckGolden("other\n", kGolden);
  ASSERT_EQ(chdir(old_cwd), 0);
  EXPECT_TRUE(equal.ok()) << equal;
  EXPECT_EQ(different.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CheckGoldenTest, UpdateWritesIntoSourceTreeAndPasses) {
  MakeDirs(absl::StrCat(source_, "/testdata/goldens"));
  setenv("UPDATE_GOLDENS", source_.c_str(), 1);
  // The runfiles copy is stale; with the flag it is not even read.
  ASSERT_TRUE(WriteText(RunfilesGolden(), "stale\n").ok());

  const std::string target = absl::StrCat(source_, "/", kGolden);
  ASSERT_TRUE(CheckGolden("fresh\n", kGolden).ok());
  absl::StatusOr<std::string> written = ReadTextFile(target);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, "fresh\n");

  // An existing golden is replaced.
  ASSERT_TRUE(CheckGolden("fresher\n", kGolden).ok());
  written = ReadTextFile(target);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, "fresher\n");

  // The runfiles copy is left alone.
  absl::StatusOr<std::string> runfiles = ReadTextFile(RunfilesGolden());
  ASSERT_TRUE(runfiles.ok()) << runfiles.status();
  EXPECT_EQ(*runfiles, "stale\n");
}

TEST_F(CheckGoldenTest, UpdateCreatesNoDirectories) {
  setenv("UPDATE_GOLDENS", source_.c_str(), 1);
  const absl::Status status = CheckGolden("fresh\n", kGolden);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_FALSE(Exists(absl::StrCat(source_, "/testdata")));
}

TEST_F(CheckGoldenTest, UpdateNeedsAnAbsoluteRoot) {
  setenv("UPDATE_GOLDENS", "relative/dir", 1);
  EXPECT_EQ(CheckGolden("x\n", kGolden).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CheckGoldenTest, RejectsPathsOutsideTheWorkspace) {
  // Checked before anything else, so also when updating.
  setenv("UPDATE_GOLDENS", source_.c_str(), 1);
  for (const char* path : {"", "/etc/passwd", "../x.dts", "testdata/../../x",
                           "testdata/.."}) {
    EXPECT_EQ(CheckGolden("x\n", path).code(),
              absl::StatusCode::kInvalidArgument)
        << "path: \"" << path << "\"";
  }
  EXPECT_FALSE(Exists(absl::StrCat(root_, "/x.dts")));
}

}  // namespace
}  // namespace fdt_handoff
