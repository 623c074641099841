#include "tools/kernel_package.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/package_testing.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Names(const KernelDtbs& k) {
  std::vector<std::string> names;
  for (const std::string& p : k.dtb_paths) {
    names.push_back(std::vector<std::string>(absl::StrSplit(p, '/')).back());
  }
  return names;
}

const std::vector<std::string> kAll72 = {
    "sun50i-h616-bigtreetech-cb1-manta.dtb", "sun50i-h616-bigtreetech-pi.dtb",
    "sun50i-h616-orangepi-zero2.dtb",        "sun50i-h616-x96-mate.dtb",
    "sun50i-h618-longanpi-3h.dtb",           "sun50i-h618-orangepi-zero2w.dtb",
    "sun50i-h618-orangepi-zero3.dtb",        "sun50i-h618-transpeed-8k618-t.dtb",
    "sun50i-h618-yuzukihd-chameleon.dtb"};

TEST(FindKernelDtbs, Debian7LinuxBaseLayout) {
  const std::string root = PackageTree(
      "d7", "usr/lib/modules/7.2.13+deb14-arm64/dtb/allwinner", "7.2");
  // Other SoCs and other files are not the suite's business.
  WriteText(root + "/usr/lib/modules/7.2.13+deb14-arm64/dtb/allwinner/"
                   "sun50i-a64-pine64.dtb",
            "x");
  WriteText(root + "/usr/lib/modules/7.2.13+deb14-arm64/modules.order", "x");
  auto k = FindKernelDtbs(root, "pkg");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->release, "7.2.13+deb14-arm64");
  EXPECT_EQ(k->origin, "pkg");
  EXPECT_EQ(Names(*k), kAll72);
  EXPECT_EQ(k->dtb_paths[0],
            root + "/usr/lib/modules/7.2.13+deb14-arm64/dtb/allwinner/"
                   "sun50i-h616-bigtreetech-cb1-manta.dtb");
}

TEST(FindKernelDtbs, Debian6LinuxImageLayout) {
  const std::string root = PackageTree(
      "d6", "usr/lib/linux-image-6.12.57+deb13-arm64/allwinner", "6.12");
  auto k = FindKernelDtbs(root, root);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->release, "6.12.57+deb13-arm64");
  EXPECT_EQ(k->dtb_paths.size(), 8u);
}

TEST(FindKernelDtbs, ArmbianDtbLayout) {
  const std::string root =
      PackageTree("armbian", "boot/dtb-6.12.20-current-sunxi64/allwinner", "6.1");
  // Armbian's boot/dtb symlink to the versioned folder is not a second kernel.
  ASSERT_EQ(symlink("dtb-6.12.20-current-sunxi64",
                    (root + "/boot/dtb").c_str()),
            0);
  auto k = FindKernelDtbs(root, root);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->release, "6.12.20-current-sunxi64");
  EXPECT_THAT(Names(*k), ElementsAre("sun50i-h616-orangepi-zero2.dtb",
                                     "sun50i-h616-x96-mate.dtb"));
}

TEST(FindKernelDtbs, NothingFoundSaysWhereItLooked) {
  const std::string root = PackageTree("empty", "usr/share/doc", "");
  auto k = FindKernelDtbs(root, "linux-binary.deb");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(k.status().message(),
            "linux-binary.deb: no sun50i-h616*/h618* DTB in any known layout "
            "(usr/lib/linux-image-*/allwinner/, usr/lib/modules/*/dtb/"
            "allwinner/, boot/dtb-*/allwinner/; Debian 7.x ships them in "
            "linux-base-*)");
}

TEST(FindKernelDtbs, TwoKernelsAreRefused) {
  const std::string root = PackageTree(
      "two", "usr/lib/linux-image-6.12.57+deb13-arm64/allwinner", "6.12");
  CopyCorpusLine("7.2", root + "/usr/lib/modules/7.2.13+deb14-arm64/dtb/"
                               "allwinner");
  auto k = FindKernelDtbs(root, "root");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(k.status().message(),
            "root: DTBs of several kernels (6.12.57+deb13-arm64, "
            "7.2.13+deb14-arm64); give one package");
}

TEST(OpenKernelPackage, ReadsDebsOfEveryLayoutAndCompression) {
  struct Case {
    const char* compression;
    const char* dir;
    const char* release;
  };
  const Case cases[] = {
      {"xz", "usr/lib/modules/7.2.13+deb14-arm64/dtb/allwinner",
       "7.2.13+deb14-arm64"},
      {"zstd", "usr/lib/linux-image-7.2.13+deb14-arm64/allwinner",
       "7.2.13+deb14-arm64"},
      {"gzip", "boot/dtb-7.2.13-current-sunxi64/allwinner",
       "7.2.13-current-sunxi64"},
  };
  for (const Case& c : cases) {
    const std::string root =
        PackageTree(absl::StrCat("deb-", c.compression), c.dir, "7.2");
    const std::string deb =
        BuildDeb(root, absl::StrCat("linux-", c.compression), c.compression);
    auto scratch = ScratchDir::Create();
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    auto k = OpenKernelPackage(deb, *scratch);
    ASSERT_TRUE(k.ok()) << c.compression << ": " << k.status();
    EXPECT_EQ(k->release, c.release);
    EXPECT_EQ(k->origin, deb);
    EXPECT_EQ(k->extracted_root, scratch->path());
    EXPECT_EQ(Names(*k), kAll72) << c.compression;
    EXPECT_EQ(k->dtb_paths[5], absl::StrCat(scratch->path(), "/", c.dir,
                                            "/sun50i-h618-orangepi-zero2w.dtb"));
    // The extracted DTBs are the package's bytes.
    auto got = ReadFile(k->dtb_paths[5]);
    auto want = ReadFile("testdata/corpus/7.2/sun50i-h618-orangepi-zero2w.dtb");
    ASSERT_TRUE(got.ok() && want.ok());
    EXPECT_TRUE(*got == *want) << c.compression;
  }
}

TEST(OpenKernelPackage, DebWithoutDtbsIsNotFound) {
  const std::string root = PackageTree("nodtb", "usr/share/doc/x", "");
  WriteText(root + "/usr/share/doc/x/README", "no DTBs here");
  const std::string deb = BuildDeb(root, "linux-binary-7.2.13", "xz");
  auto scratch = ScratchDir::Create();
  ASSERT_TRUE(scratch.ok());
  auto k = OpenKernelPackage(deb, *scratch);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), absl::StatusCode::kNotFound) << k.status();
  EXPECT_THAT(std::string(k.status().message()),
              HasSubstr(deb + ": no sun50i-h616*/h618* DTB"));
}

TEST(OpenKernelPackage, NotADebNamesTheFileAndDpkgDeb) {
  const std::string bogus = absl::StrCat(getenv("TEST_TMPDIR"), "/bogus.deb");
  WriteText(bogus, "this is not an ar archive\n");
  auto scratch = ScratchDir::Create();
  ASSERT_TRUE(scratch.ok());
  auto k = OpenKernelPackage(bogus, *scratch);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(k.status().message()),
              HasSubstr(bogus + ": dpkg-deb cannot read it (exit 2): "));
}

TEST(OpenKernelPackage, TruncatedDebIsRefused) {
  const std::string root = PackageTree(
      "cut", "usr/lib/modules/7.2.13+deb14-arm64/dtb/allwinner", "7.2");
  const std::string deb = BuildDeb(root, "linux-base-cut", "xz");
  auto bytes = ReadFile(deb);
  ASSERT_TRUE(bytes.ok());
  bytes->resize(bytes->size() / 2);
  ASSERT_TRUE(WriteFileAtomic(deb, *bytes).ok());
  auto scratch = ScratchDir::Create();
  ASSERT_TRUE(scratch.ok());
  auto k = OpenKernelPackage(deb, *scratch);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(k.status().message()),
              HasSubstr(deb + ": dpkg-deb cannot read it (exit 2): "));
}

TEST(OpenKernelPackage, MissingPathIsNotFound) {
  auto scratch = ScratchDir::Create();
  ASSERT_TRUE(scratch.ok());
  auto k = OpenKernelPackage("/nonexistent/linux.deb", *scratch);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(k.status().message(),
            "/nonexistent/linux.deb: no such package (a .deb or a folder)");
}

TEST(ScratchDir, IsRemovedWithItsContents) {
  std::string path;
  {
    auto scratch = ScratchDir::Create();
    ASSERT_TRUE(scratch.ok());
    path = scratch->path();
    ASSERT_EQ(mkdir((path + "/a").c_str(), 0755), 0);
    WriteText(path + "/a/b.dtb", "x");
  }
  struct stat st;
  EXPECT_NE(stat(path.c_str(), &st), 0);
}

}  // namespace
}  // namespace fdt_handoff
