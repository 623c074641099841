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

absl::Status ParseNode(const void* fdt, int offset, const std::string& origin,
                       Node* node) {
  int len = 0;
  const char* name = fdt_get_name(fdt, offset, &len);
  if (name == nullptr) return FdtError(len, absl::StrCat(origin, ": node name"));
  node->name.assign(name, static_cast<size_t>(len));
  int prop;
  fdt_for_each_property_offset(prop, fdt, offset) {
    const char* pname = nullptr;
    int plen = 0;
    const void* value = fdt_getprop_by_offset(fdt, prop, &pname, &plen);
    if (value == nullptr) {
      return FdtError(plen, absl::StrCat(origin, ": property of ", node->name));
    }
    const uint8_t* v = static_cast<const uint8_t*>(value);
    node->properties.push_back(
        Property{std::string(pname), std::vector<uint8_t>(v, v + plen)});
  }
  if (prop != -FDT_ERR_NOTFOUND) {
    return FdtError(prop, absl::StrCat(origin, ": properties of ", node->name));
  }
  int child;
  fdt_for_each_subnode(child, fdt, offset) {
    node->children.emplace_back();
    RETURN_IF_ERROR(ParseNode(fdt, child, origin, &node->children.back()));
  }
  if (child != -FDT_ERR_NOTFOUND) {
    return FdtError(child, absl::StrCat(origin, ": children of ", node->name));
  }
  return absl::OkStatus();
}

}  // namespace

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
  Tree tree;
  const int n = fdt_num_mem_rsv(fdt.data());
  for (int i = 0; i < n; ++i) {
    uint64_t address = 0, size = 0;
    const int err = fdt_get_mem_rsv(fdt.data(), i, &address, &size);
    if (err != 0) return FdtError(err, absl::StrCat(fdt.origin(), ": /memreserve/"));
    tree.memreserves.emplace_back(address, size);
  }
  RETURN_IF_ERROR(ParseNode(fdt.data(), 0, fdt.origin(), &tree.root));
  tree.root.name.clear();
  return tree;
}

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint64_t ReadCells(const uint8_t* p, int cells) {
  uint64_t v = 0;
  for (int i = 0; i < cells; ++i) v = (v << 32) | ReadBe32(p + 4 * i);
  return v;
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
