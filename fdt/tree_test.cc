#include "fdt/tree.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/blob.h"
#include "fdt/test_trees.h"
#include "gtest/gtest.h"

namespace fdt_handoff {
namespace {

// Deeper than any default stack allows one frame per level for; well under
// 2 MiB as a blob (about 600 KB).
constexpr int kDeep = 50000;

const Node* Deepest(const Node& root, int* depth) {
  const Node* node = &root;
  *depth = 0;
  while (!node->children.empty()) {
    node = &node->children.front();
    ++*depth;
  }
  return node;
}

TEST(ParseTree, ParsesCopiesAndDestroysADeepTree) {
  absl::StatusOr<Fdt> fdt = DeepFdt(kDeep, "a", {{"leaf", Str("bottom")}});
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  EXPECT_LT(fdt->size(), kMaxDtbSize);
  absl::StatusOr<Tree> tree = ParseTree(*fdt);
  ASSERT_TRUE(tree.ok()) << tree.status();
  int depth = 0;
  const Node* leaf = Deepest(tree->root, &depth);
  EXPECT_EQ(depth, kDeep);
  ASSERT_NE(leaf->FindProperty("leaf"), nullptr);
  EXPECT_EQ(PropertyStrings(*leaf->FindProperty("leaf")),
            std::vector<std::string>{"bottom"});

  // Copy construction and assignment are deep copies.
  Tree copy = *tree;
  Node assigned;
  assigned = copy.root;
  const Node* copied_leaf = Deepest(assigned, &depth);
  EXPECT_EQ(depth, kDeep);
  ASSERT_NE(copied_leaf->FindProperty("leaf"), nullptr);
  EXPECT_NE(copied_leaf, leaf);

  // Assigning over a deep tree destroys the old one; so does going out of
  // scope (the test would die of SIGSEGV otherwise).
  assigned = Node();
  EXPECT_TRUE(assigned.children.empty());
  copy = std::move(*tree);
  Deepest(copy.root, &depth);
  EXPECT_EQ(depth, kDeep);
}

TEST(ParseTree, TopLevelScopeSkipsADeepSubtree) {
  absl::StatusOr<Fdt> fdt = DeepFdt(kDeep);
  ASSERT_TRUE(fdt.ok()) << fdt.status();
  absl::StatusOr<Tree> tree =
      ParseTree(fdt->data(), fdt->origin(), TreeScope::kTopLevel);
  ASSERT_TRUE(tree.ok()) << tree.status();
  int depth = 0;
  Deepest(tree->root, &depth);
  EXPECT_EQ(depth, 1);
}

TEST(Node, CopyKeepsOrderNamesAndProperties) {
  absl::StatusOr<Tree> tree = BuildTree(TestNode{
      "",
      {{"model", Str("m")}},
      {{"b", {{"x", Cells({1})}}, {{"c", {}, {}}}}, {"a", {}, {}}}});
  ASSERT_TRUE(tree.ok()) << tree.status();
  const Node copy = tree->root;
  ASSERT_EQ(copy.children.size(), 2u);
  EXPECT_EQ(copy.children[0].name, "b");
  EXPECT_EQ(copy.children[1].name, "a");
  ASSERT_EQ(copy.children[0].children.size(), 1u);
  EXPECT_EQ(copy.children[0].children[0].name, "c");
  ASSERT_NE(copy.children[0].FindProperty("x"), nullptr);
  EXPECT_EQ(copy.children[0].FindProperty("x")->value, Cells({1}));
  EXPECT_EQ(PropertyStrings(*copy.FindProperty("model")),
            std::vector<std::string>{"m"});
}

}  // namespace
}  // namespace fdt_handoff
