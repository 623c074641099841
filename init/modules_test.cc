#include "init/modules.h"

#include <errno.h>

#include <map>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeModules : public ModuleCalls {
 public:
  std::vector<std::string> calls;
  std::map<std::string, int> errnos;
  int LoadModule(const std::string& path, int flags) override {
    calls.push_back(absl::StrCat(path, " ", flags));
    auto it = errnos.find(path);
    return it == errnos.end() ? 0 : it->second;
  }
};

TEST(ParseLoadOrder, CommentsAndBlanks) {
  EXPECT_THAT(ParseLoadOrder("# kernel 6.1.0-57-arm64\n"
                             "/lib/modules/6.1.0-57-arm64/kernel/drivers/md/md-mod.ko\n"
                             "\n  /lib/modules/x/raid0.ko  \n# end\n"),
              ElementsAre("/lib/modules/6.1.0-57-arm64/kernel/drivers/md/md-mod.ko",
                          "/lib/modules/x/raid0.ko"));
  EXPECT_TRUE(ParseLoadOrder("").empty());
}

TEST(ModuleLoadFlags, CompressedFiles) {
  EXPECT_EQ(ModuleLoadFlags("/lib/modules/v/raid0.ko"), 0);
  EXPECT_EQ(ModuleLoadFlags("/lib/modules/v/raid0.ko.xz"), 4);
  EXPECT_EQ(ModuleLoadFlags("/lib/modules/v/raid0.ko.zst"), 4);
  EXPECT_EQ(ModuleLoadFlags("/lib/modules/v/raid0.ko.gz"), 4);
}

TEST(LoadModules, InOrderEexistIsFineFailuresNamedAndTheRestLoaded) {
  FakeModules fake;
  fake.errnos["/m/md-mod.ko.xz"] = EEXIST;
  fake.errnos["/m/raid0.ko.xz"] = EOPNOTSUPP;
  fake.errnos["/m/sd_mod.ko"] = ENOEXEC;
  std::ostringstream out;
  Console console(out, [] { return int64_t{2000000000}; });
  ModuleLoadResult r = LoadModules(
      fake, "# kernel 6.12\n/m/md-mod.ko.xz\n/m/raid0.ko.xz\n/m/sd_mod.ko\n/m/ext4.ko\n",
      console);
  EXPECT_THAT(fake.calls, ElementsAre("/m/md-mod.ko.xz 4", "/m/raid0.ko.xz 4",
                                      "/m/sd_mod.ko 0", "/m/ext4.ko 0"));
  EXPECT_EQ(r.loaded, 1);
  EXPECT_EQ(r.already, 1);
  ASSERT_EQ(r.failures.size(), 2u);
  EXPECT_THAT(r.failures[0], HasSubstr("/m/raid0.ko.xz: "));
  EXPECT_THAT(r.failures[0], HasSubstr("(EOPNOTSUPP)"));
  EXPECT_THAT(r.failures[0], HasSubstr("CONFIG_MODULE_DECOMPRESS"));
  EXPECT_THAT(r.failures[1], HasSubstr("/m/sd_mod.ko: Exec format error (ENOEXEC)"));
  EXPECT_THAT(out.str(), HasSubstr("[    2.000] mdboot: module /m/raid0.ko.xz: "));
  EXPECT_THAT(out.str(), HasSubstr("mdboot: modules: 1 loaded, 1 already "
                                   "present, 2 failed (of 4)\n"));
}

}  // namespace
}  // namespace fdt_handoff
