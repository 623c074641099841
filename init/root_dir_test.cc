#include "init/root_dir.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "init/test_root.h"

namespace fdt_handoff {
namespace {

using ::testing::HasSubstr;

constexpr char kVer[] = "6.12.38-current-sunxi64";

// Armbian's /boot plus links that try to leave the root.
TestRoot MakeRoot() {
  TestRoot root("root_dir_test");
  root.Armbian("fdtfile=x\n", "dtb", "overlay");
  root.File("etc/hostname", "inside\n");
  root.Link("boot/escape", "../../../../../etc/hostname");
  root.Link("boot/abs-escape", "/etc/hostname");
  root.Link("boot/dtb-link-abs", absl::StrCat("/boot/dtb-", kVer));
  root.Link("boot/loop1", "loop2");
  root.Link("boot/loop2", "loop1");
  root.Link("boot/dangling", "vmlinuz-gone");
  root.Link("boot/outside", "../../outside/secret");
  root.File("boot/notdir", "x");
  root.Link("boot/chain", "Image");
  return root;
}

struct Case {
  std::string name;
  std::string path;
  std::string resolved;  // Empty: an error.
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message = "";
};

std::vector<Case> Cases() {
  const std::string dtb = absl::StrCat("/boot/dtb-", kVer,
                                       "/allwinner/sun50i-h618-orangepi-zero2w.dtb");
  return {
      {"plain file", "/boot/armbianEnv.txt", "/boot/armbianEnv.txt"},
      {"no leading slash", "boot/armbianEnv.txt", "/boot/armbianEnv.txt"},
      {"relative link", "/boot/Image", absl::StrCat("/boot/vmlinuz-", kVer)},
      {"link to a link", "/boot/chain", absl::StrCat("/boot/vmlinuz-", kVer)},
      {"absolute link", "/boot/uInitrd", absl::StrCat("/boot/uInitrd-", kVer)},
      {"link in the middle", "/boot/dtb/allwinner/sun50i-h618-orangepi-zero2w.dtb",
       dtb},
      {"absolute link in the middle",
       "/boot/dtb-link-abs/allwinner/sun50i-h618-orangepi-zero2w.dtb", dtb},
      {"dot-dot after a link", "/boot/dtb/../armbianEnv.txt",
       "/boot/armbianEnv.txt"},
      {"dot and double slashes", "//boot/./dtb//allwinner/../allwinner/"
       "sun50i-h618-orangepi-zero2w.dtb", dtb},
      {"dot-dot clamped at the root", "/../../boot/Image",
       absl::StrCat("/boot/vmlinuz-", kVer)},
      {"relative escape stays inside", "/boot/escape", "/etc/hostname"},
      {"absolute link stays inside", "/boot/abs-escape", "/etc/hostname"},
      {"the root itself", "/", "/"},
      {"missing", "/boot/nope", "", absl::StatusCode::kNotFound,
       "/boot/nope does not exist"},
      {"dangling link", "/boot/dangling", "", absl::StatusCode::kNotFound,
       ": /boot/dangling: /boot/vmlinuz-gone does not exist"},
      {"link out of the root", "/boot/outside", "",
       absl::StatusCode::kNotFound, "/outside does not exist"},
      {"loop", "/boot/loop1", "", absl::StatusCode::kFailedPrecondition,
       "more than 40 symlinks"},
      {"file in the middle", "/boot/notdir/x", "",
       absl::StatusCode::kFailedPrecondition, "/boot/notdir is not a directory"},
  };
}

TEST(RootDir, ResolvesInsideTheRoot) {
  const TestRoot root = MakeRoot();
  auto dir = RootDir::Open(root.path());
  ASSERT_TRUE(dir.ok()) << dir.status();
  for (const Case& c : Cases()) {
    auto resolved = dir->Resolve(c.path);
    if (c.resolved.empty()) {
      EXPECT_EQ(resolved.status().code(), c.code) << c.name;
      EXPECT_THAT(resolved.status().message(), HasSubstr(c.message)) << c.name;
      EXPECT_THAT(resolved.status().message(), HasSubstr(root.path()))
          << c.name;
    } else {
      ASSERT_TRUE(resolved.ok()) << c.name << ": " << resolved.status();
      EXPECT_EQ(*resolved, c.resolved) << c.name;
    }
  }
}

// ReadFile() must read the same file Resolve() names, through openat2 where
// the kernel has it and through the walk, with the same errors.
TEST(RootDir, ReadFileAgreesWithResolveInBothModes) {
  const TestRoot root = MakeRoot();
  for (RootDir::OpenMode mode :
       {RootDir::OpenMode::kAuto, RootDir::OpenMode::kManualWalk}) {
    auto dir = RootDir::Open(root.path(), mode);
    ASSERT_TRUE(dir.ok()) << dir.status();
    for (const Case& c : Cases()) {
      if (c.path == "/") continue;  // A directory; see the next test.
      auto bytes = dir->ReadFile(c.path);
      if (c.resolved.empty()) {
        EXPECT_EQ(bytes.status().code(), c.code) << c.name;
        EXPECT_THAT(bytes.status().message(), HasSubstr(c.message)) << c.name;
        continue;
      }
      ASSERT_TRUE(bytes.ok()) << c.name << ": " << bytes.status();
      auto direct = RootDir::Open(root.path(), RootDir::OpenMode::kManualWalk)
                        ->ReadFile(c.resolved);
      ASSERT_TRUE(direct.ok()) << c.name;
      EXPECT_EQ(*bytes, *direct) << c.name;
    }
    auto inside = dir->ReadFile("/boot/abs-escape");
    ASSERT_TRUE(inside.ok());
    EXPECT_EQ(std::string(inside->begin(), inside->end()), "inside\n");
  }
}

TEST(RootDir, RefusesWhatIsNotARegularFile) {
  const TestRoot root = MakeRoot();
  ASSERT_EQ(mkfifo((root.path() + "/boot/fifo").c_str(), 0644), 0);
  for (RootDir::OpenMode mode :
       {RootDir::OpenMode::kAuto, RootDir::OpenMode::kManualWalk}) {
    auto dir = RootDir::Open(root.path(), mode);
    ASSERT_TRUE(dir.ok());
    for (const char* path : {"/boot/fifo", "/boot", "/boot/dtb"}) {
      auto bytes = dir->ReadFile(path);  // Must not block on the FIFO.
      EXPECT_EQ(bytes.status().code(), absl::StatusCode::kFailedPrecondition)
          << path;
      EXPECT_THAT(bytes.status().message(), HasSubstr("not a regular file"));
      EXPECT_FALSE(dir->Exists(path)) << path;
    }
    EXPECT_TRUE(dir->Exists("/boot/Image"));
    EXPECT_TRUE(dir->Exists("/boot/uInitrd"));
    EXPECT_FALSE(dir->Exists("/boot/dangling"));
    auto small = dir->ReadFile("/boot/Image", 3);
    EXPECT_EQ(small.status().code(), absl::StatusCode::kResourceExhausted);
  }
}

TEST(RootDir, OpenErrors) {
  const TestRoot root = MakeRoot();
  auto missing = RootDir::Open(root.path() + "/nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto file = RootDir::Open(root.path() + "/boot/notdir");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(file.status().message(), HasSubstr("not a directory"));
}

}  // namespace
}  // namespace fdt_handoff
