// Every library operation a command runs, on a valid DTB nesting 50,000
// nodes (about 600 KB): each used to overflow the stack in a recursive walk
// (Node destruction, the dump, the diff, the compatible + reg search). The
// CLI's own tests cover the commands; these cover the library under them.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fdt/blob.h"
#include "fdt/diff.h"
#include "fdt/dts_text.h"
#include "fdt/memory.h"
#include "fdt/overlay.h"
#include "fdt/reconcile.h"
#include "fdt/test_trees.h"
#include "fdt/tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr int kDeep = 50000;
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";

absl::Status Seeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 1);
  return absl::OkStatus();
}

// The path of the deepest node of DeepFdt(depth, "a").
std::string DeepPath(int depth) {
  std::string path;
  for (int i = 0; i < depth; ++i) path += "/a";
  return path;
}

TEST(DeepTree, InspectReadsMemoryAndReservations) {
  absl::StatusOr<Fdt> fdt = DeepFdt(kDeep);
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  absl::StatusOr<Tree> tree = ParseTree(*fdt);
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(fdt->Model(), "deep");
  EXPECT_TRUE(MemoryOf(*tree, fdt->origin())->empty());
  EXPECT_TRUE(ReservedRegionsOf(*tree, fdt->origin())->empty());
  EXPECT_NE(tree->Find(DeepPath(kDeep)), nullptr);
}

TEST(DeepTree, ApplyAddsToADeepBase) {
  absl::StatusOr<Fdt> base = DeepFdt(kDeep);
  absl::StatusOr<Fdt> overlay = BuildFdt(TestNode{
      "",
      {},
      {{"fragment@0",
        {{"target-path", Str("/")}},
        {{"__overlay__", {}, {{"added", {{"p", Str("x")}}, {}}}}}}}});
  ASSERT_TRUE(base.ok() && overlay.ok());
  OverlayOptions options;
  options.force = true;
  absl::StatusOr<Fdt> out = ApplyOverlays(*base, {*overlay}, options);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<Tree> tree = ParseTree(*out);
  ASSERT_TRUE(tree.ok());
  EXPECT_NE(tree->Find("/added"), nullptr);
  EXPECT_NE(tree->Find(DeepPath(kDeep)), nullptr);
}

TEST(DeepTree, ReconcileAndItsDiffWork) {
  // The MAC rule's compatible + reg search has to walk the whole target: the
  // only match is the deepest node.
  absl::StatusOr<Fdt> target =
      DeepFdt(kDeep, "a",
              {{"compatible", Str("test,emac")}, {"reg", Cells({0x5020000})}});
  ASSERT_TRUE(target.ok()) << target.status();
  absl::StatusOr<Fdt> live_file = Fdt::FromFile(kLive);
  ASSERT_TRUE(live_file.ok()) << live_file.status();
  FdtEditor editor(*live_file);
  ASSERT_TRUE(editor.AddNode("/", "ethernet@5020000").ok());
  ASSERT_TRUE(editor
                  .SetPropertyString("/ethernet@5020000", "compatible",
                                     "test,emac")
                  .ok());
  ASSERT_TRUE(
      editor.SetProperty("/ethernet@5020000", "reg", Cells({0x5020000})).ok());
  ASSERT_TRUE(editor
                  .SetProperty("/ethernet@5020000", "local-mac-address",
                               std::vector<uint8_t>{2, 1, 2, 3, 4, 5})
                  .ok());
  ASSERT_TRUE(editor.AddNode("/", "aliases").ok());
  ASSERT_TRUE(editor
                  .SetPropertyString("/aliases", "ethernet0",
                                     "/ethernet@5020000")
                  .ok());
  absl::StatusOr<Fdt> live = std::move(editor).Finish(kLive);
  ASSERT_TRUE(live.ok()) << live.status();

  ReconcileOptions options;
  options.live = &*live;
  options.seed_source = Seeds;
  ReconcileReport report;
  absl::StatusOr<Fdt> out = Reconcile(*target, options, &report);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<Tree> tree = ParseTree(*out);
  ASSERT_TRUE(tree.ok());
  const Node* leaf = tree->Find(DeepPath(kDeep));
  ASSERT_NE(leaf, nullptr);
  ASSERT_NE(leaf->FindProperty("local-mac-address"), nullptr);
  EXPECT_THAT(report.Format(), HasSubstr("(matched by compatible + reg)"));
  EXPECT_NE(tree->Find("/memory@40000000"), nullptr);

  // reconcile --diff: both dumps and the unified diff of them.
  absl::StatusOr<std::string> before = DumpDts(*target);
  absl::StatusOr<std::string> after = DumpDts(*out);
  ASSERT_TRUE(before.ok() && after.ok());
  UnifiedDiffStats stats;
  const std::string diff =
      UnifiedDiff(*before, *after, "target", "out", 3, &stats);
  EXPECT_THAT(diff, HasSubstr("+\tmemory@40000000 {\n"));
  EXPECT_THAT(diff, HasSubstr("local-mac-address = [02 01 02 03 04 05];"));
  EXPECT_TRUE(stats.shortest);

  const std::vector<TreeChange> changes =
      DiffTrees(*ParseTree(*target), *tree);
  EXPECT_THAT(FormatTreeChanges(changes), HasSubstr(":local-mac-address = "));
}

}  // namespace
}  // namespace fdt_handoff
