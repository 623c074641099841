// File: fdt/test_trees.h
//
// Test-only: small device trees written with libfdt's sequential-write API,
// so tests need no dtc and go through the same Fdt::FromBytes() +
// ParseTree() path as real inputs.
//
//   TestNode root{"", {{"model", Str("Test")}}, {{"chosen", {}, {}}}};
//   ASSERT_OK_AND_ASSIGN-style: auto tree = BuildTree(root);
#ifndef FDT_TEST_TREES_H_
#define FDT_TEST_TREES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fdt/blob.h"
#include "fdt/tree.h"

namespace fdt_handoff {

struct TestProp {
  std::string name;
  std::vector<uint8_t> value;
};

struct TestNode {
  std::string name;
  std::vector<TestProp> props;
  std::vector<TestNode> children;
};

using MemReserves = std::vector<std::pair<uint64_t, uint64_t>>;

// Property values: a string, a string list, big-endian cells, raw bytes.
std::vector<uint8_t> Str(absl::string_view s);
std::vector<uint8_t> Strs(const std::vector<std::string>& list);
std::vector<uint8_t> Cells(const std::vector<uint32_t>& cells);
std::vector<uint8_t> Raw(absl::string_view bytes);

// BuildFdt() / BuildTree()
//
// Returns:
//   kInternal  libfdt refused the tree (e.g. over 64 KiB).
//   plus the codes of Fdt::FromBytes() and ParseTree().
absl::StatusOr<Fdt> BuildFdt(const TestNode& root,
                             const MemReserves& reserves = {});
absl::StatusOr<Tree> BuildTree(const TestNode& root,
                               const MemReserves& reserves = {});

// DeepFdt()
//
// A valid tree (model = "deep") whose root holds a chain of `depth` nested
// nodes named `name`, the deepest with `leaf_props`: the shape that overflowed
// the stack of every recursive walker. Built with a loop, so any depth that
// fits in 2 MiB works (12 bytes a level with a short name).
//
// Returns:
//   kInternal  libfdt refused the tree.
//   plus the codes of Fdt::FromBytes().
absl::StatusOr<Fdt> DeepFdt(int depth, absl::string_view name = "a",
                            const std::vector<TestProp>& leaf_props = {});

}  // namespace fdt_handoff

#endif  // FDT_TEST_TREES_H_
