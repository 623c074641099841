#include "fdt/tree_testing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fdt_handoff {

void StripSymbolsAndPhandles(Node* node) {
  auto& props = node->properties;
  props.erase(std::remove_if(props.begin(), props.end(),
                             [](const Property& p) { return p.name == "phandle"; }),
              props.end());
  auto& kids = node->children;
  kids.erase(std::remove_if(kids.begin(), kids.end(),
                            [](const Node& n) { return n.name == "__symbols__"; }),
             kids.end());
  for (Node& c : kids) StripSymbolsAndPhandles(&c);
}

std::vector<std::string> PruneTo(const Node& shape, Node* node,
                                 const std::string& path) {
  std::vector<std::string> removed;
  auto& kids = node->children;
  for (auto it = kids.begin(); it != kids.end();) {
    const std::string child_path = absl::StrCat(path, "/", it->name);
    const Node* twin = shape.FindChild(it->name);
    if (twin == nullptr) {
      removed.push_back(child_path);
      it = kids.erase(it);
    } else {
      auto deeper = PruneTo(*twin, &*it, child_path);
      removed.insert(removed.end(), deeper.begin(), deeper.end());
      ++it;
    }
  }
  return removed;
}

bool SameTree(const Node& a, const Node& b, std::string* where,
              const std::string& path) {
  const std::string here = path.empty() ? "/" : path;
  for (const Property& p : a.properties) {
    const Property* q = b.FindProperty(p.name);
    if (q == nullptr || q->value != p.value) {
      *where = absl::StrCat(here, ":", p.name);
      return false;
    }
  }
  for (const Property& q : b.properties) {
    if (a.FindProperty(q.name) == nullptr) {
      *where = absl::StrCat(here, ":", q.name, " (only in second)");
      return false;
    }
  }
  for (const Node& c : a.children) {
    const Node* d = b.FindChild(c.name);
    const std::string child_path = absl::StrCat(path, "/", c.name);
    if (d == nullptr) {
      *where = absl::StrCat(child_path, " (only in first)");
      return false;
    }
    if (!SameTree(c, *d, where, child_path)) return false;
  }
  for (const Node& d : b.children) {
    if (a.FindChild(d.name) == nullptr) {
      *where = absl::StrCat(path, "/", d.name, " (only in second)");
      return false;
    }
  }
  return true;
}

}  // namespace fdt_handoff
