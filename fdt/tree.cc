#include "fdt/tree.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/fdt_error.h"
#include "fdt/status_macros.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

// One linear pass over the structure block, tag by tag. (Walking
// with fdt_for_each_subnode() revisits every node once per ancestor, which
// made this the most expensive step of a dump.)
absl::Status ParseStructure(const void* fdt, const std::string& origin,
                            TreeScope scope, Node* root) {
  std::vector<Node*> stack;
  int offset = 0;
  int skipping = 0;  // Depth inside a left-out subtree (kTopLevel).
  // Every caller's tree was validated (Fdt) or written by libfdt
  // (FdtEditor): read tags without fdt_next_tag()'s re-checks (about
  // half of what Reconcile's two top-level copies cost).
  const StructureReader reader(fdt);
  for (;;) {
    int next = 0;
    const uint32_t tag = reader.Tag(offset, &next);
    if (next < 0) return FdtError(next, absl::StrCat(origin, ": structure"));
    if (skipping > 0) {
      if (tag == FDT_BEGIN_NODE) ++skipping;
      if (tag == FDT_END_NODE) --skipping;
      if (tag == FDT_END) {
        return FdtError(-FDT_ERR_BADSTRUCTURE,
                        absl::StrCat(origin, ": END inside a node"));
      }
      offset = next;
      continue;
    }
    if (tag == FDT_BEGIN_NODE && scope == TreeScope::kTopLevel &&
        stack.size() == 2 && stack.back()->name != "reserved-memory") {
      skipping = 1;
      offset = next;
      continue;
    }
    switch (tag) {
      case FDT_BEGIN_NODE: {
        int len = 0;
        const char* name = fdt_get_name(fdt, offset, &len);
        if (name == nullptr) {
          return FdtError(len, absl::StrCat(origin, ": node name"));
        }
        Node* node;
        if (stack.empty()) {
          node = root;
        } else {
          stack.back()->children.emplace_back();
          node = &stack.back()->children.back();
        }
        node->name.assign(name, static_cast<size_t>(len));
        stack.push_back(node);
        break;
      }
      case FDT_PROP: {
        if (stack.empty()) {
          return FdtError(-FDT_ERR_BADSTRUCTURE,
                          absl::StrCat(origin, ": property outside a node"));
        }
        const char* pname = nullptr;
        int plen = 0;
        const void* value = fdt_getprop_by_offset(fdt, offset, &pname, &plen);
        if (value == nullptr) {
          return FdtError(plen, absl::StrCat(origin, ": property"));
        }
        const uint8_t* v = static_cast<const uint8_t*>(value);
        stack.back()->properties.push_back(
            Property{std::string(pname), std::vector<uint8_t>(v, v + plen)});
        break;
      }
      case FDT_END_NODE:
        if (stack.empty()) {
          return FdtError(-FDT_ERR_BADSTRUCTURE,
                          absl::StrCat(origin, ": unbalanced END_NODE"));
        }
        stack.pop_back();
        break;
      case FDT_NOP:
        break;
      case FDT_END:
        if (!stack.empty()) {
          return FdtError(-FDT_ERR_BADSTRUCTURE,
                          absl::StrCat(origin, ": END inside a node"));
        }
        return absl::OkStatus();
      default:
        return FdtError(-FDT_ERR_BADSTRUCTURE,
                        absl::StrCat(origin, ": unknown tag"));
    }
    offset = next;
  }
}

}  // namespace

Node::Node(const Node& other)
    : name(other.name), properties(other.properties) {
  // Each step copies one node's children without their own children, then
  // queues the pairs; reserve() keeps the queued pointers valid.
  std::vector<std::pair<const Node*, Node*>> work = {{&other, this}};
  while (!work.empty()) {
    const auto [from, to] = work.back();
    work.pop_back();
    to->children.reserve(from->children.size());
    for (const Node& child : from->children) {
      to->children.emplace_back();
      to->children.back().name = child.name;
      to->children.back().properties = child.properties;
      if (!child.children.empty()) {
        work.emplace_back(&child, &to->children.back());
      }
    }
  }
}

Node& Node::operator=(const Node& other) {
  if (this != &other) *this = Node(other);
  return *this;
}

Node::~Node() {
  // Children with children of their own are moved into a worklist and taken
  // apart there, so every node is destroyed when it no longer has
  // grandchildren: the implicit destruction below never goes more than two
  // levels deep.
  std::vector<Node> pending;
  auto detach = [&pending](std::vector<Node>& nodes) {
    for (Node& n : nodes) {
      if (!n.children.empty()) pending.push_back(std::move(n));
    }
  };
  detach(children);
  while (!pending.empty()) {
    Node n = std::move(pending.back());
    pending.pop_back();
    detach(n.children);
  }
}

const Property* Node::FindProperty(absl::string_view wanted) const {
  for (const Property& p : properties) {
    if (p.name == wanted) return &p;
  }
  return nullptr;
}

const Node* Node::FindChild(absl::string_view wanted) const {
  for (const Node& c : children) {
    if (c.name == wanted) return &c;
  }
  return nullptr;
}

const Node* Tree::Find(absl::string_view path) const {
  if (path.empty() || path[0] != '/') return nullptr;
  const Node* node = &root;
  for (absl::string_view part : absl::StrSplit(path.substr(1), '/', absl::SkipEmpty())) {
    node = node->FindChild(part);
    if (node == nullptr) return nullptr;
  }
  return node;
}

absl::StatusOr<Tree> ParseTree(const Fdt& fdt) {
  return ParseTree(fdt.data(), fdt.origin(), TreeScope::kFull);
}

absl::StatusOr<Tree> ParseTree(const void* fdt, const std::string& origin,
                               TreeScope scope) {
  Tree tree;
  const int n = fdt_num_mem_rsv(fdt);
  for (int i = 0; i < n; ++i) {
    uint64_t address = 0, size = 0;
    const int err = fdt_get_mem_rsv(fdt, i, &address, &size);
    if (err != 0) return FdtError(err, absl::StrCat(origin, ": /memreserve/"));
    tree.memreserves.emplace_back(address, size);
  }
  RETURN_IF_ERROR(ParseStructure(fdt, origin, scope, &tree.root));
  tree.root.name.clear();
  return tree;
}

std::vector<std::string> PropertyStrings(const Property& p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.value.size()) {
    size_t j = i;
    while (j < p.value.size() && p.value[j] != 0) ++j;
    out.emplace_back(reinterpret_cast<const char*>(p.value.data() + i), j - i);
    i = j + 1;
  }
  return out;
}

}  // namespace fdt_handoff
