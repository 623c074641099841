// File: fdt/tree.h
//
// A plain in-memory copy of a device tree, for the read-mostly jobs where
// libfdt's offset API is clumsy: the canonical DTS dump, the structural diff,
// and post-condition checks in the regression suite. Reconciliation edits go
// through FdtEditor instead; the tree is never written back.
#ifndef FDT_TREE_H_
#define FDT_TREE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fdt/blob.h"

namespace fdt_handoff {

struct Property {
  std::string name;
  std::vector<uint8_t> value;
};

// A node owns its subtree. Copying and destroying walk the subtree with a
// worklist rather than recursion: a valid DTB under 2 MiB can nest nodes
// tens of thousands deep, and one stack frame per level would overflow the
// stack.
struct Node {
  std::string name;  // "" for the root, else "name@unit".
  std::vector<Property> properties;  // In blob order.
  std::vector<Node> children;        // In blob order.

  Node() = default;
  Node(const Node& other);
  Node(Node&& other) noexcept = default;
  Node& operator=(const Node& other);
  Node& operator=(Node&& other) noexcept = default;
  ~Node();

  // FindProperty() / FindChild(): nullptr when absent.
  const Property* FindProperty(absl::string_view name) const;
  const Node* FindChild(absl::string_view name) const;
};

struct Tree {
  std::vector<std::pair<uint64_t, uint64_t>> memreserves;  // address, size
  Node root;

  // Find(): the node at an absolute path ("/soc/usb@5310000"), or nullptr.
  const Node* Find(absl::string_view path) const;
};

// ParseTree()
//
// Copies a validated blob into a Tree.
//
// Returns:
//   kDataLoss  libfdt could not walk the tree (cannot happen for an Fdt that
//              passed fdt_check_full(); kept for blobs edited since).
absl::StatusOr<Tree> ParseTree(const Fdt& fdt);

// How much of a tree ParseTree() copies.
enum class TreeScope {
  kFull,
  // The root, its children with their own properties, and all of
  // /reserved-memory; deeper nodes are left out. What the reconcile rules
  // read, at a fraction of the copying.
  kTopLevel,
};

// ParseTree() of a tree being edited (FdtEditor::data()); `origin` names it
// in errors.
absl::StatusOr<Tree> ParseTree(const void* fdt, const std::string& origin,
                               TreeScope scope = TreeScope::kFull);

// The strings of a stringlist property ("a\0b\0" -> {"a", "b"}).
std::vector<std::string> PropertyStrings(const Property& p);

}  // namespace fdt_handoff

#endif  // FDT_TREE_H_
