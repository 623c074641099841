#include "fdt/dts_text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/fdt_error.h"
#include "fdt/status_macros.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// The string-list rule of FormatValue(). Stricter than "contains a NUL
// terminator": a leading NUL or an empty string in the middle would make the
// text lose bytes ("a", "" prints like nothing useful), and non-printable
// bytes would break the one-value-per-line property that diffs rely on.
bool LooksLikeStringList(const uint8_t* value, size_t size) {
  if (size == 0 || value[0] == 0 || value[size - 1] != 0) return false;
  for (size_t i = 0; i < size; ++i) {
    const uint8_t c = value[i];
    if (c == 0) {
      if (i + 1 < size && value[i + 1] == 0) return false;
      continue;
    }
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The value writers append to `out` directly: a dump calls them once per
// property, and a temporary string each time was a third of its cost.
void AppendStringList(const uint8_t* value, size_t size, std::string* out) {
  out->push_back('"');
  // The last byte is the final terminator; every earlier NUL separates two
  // strings.
  for (size_t i = 0; i + 1 < size; ++i) {
    const char c = static_cast<char>(value[i]);
    if (c == '\0') {
      out->append("\", \"");
    } else {
      if (c == '"' || c == '\\') out->push_back('\\');
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendCells(const uint8_t* value, size_t size, std::string* out) {
  out->push_back('<');
  for (size_t i = 0; i < size; i += 4) {
    if (i != 0) out->push_back(' ');
    const uint32_t cell = LoadBe32(value + i);
    out->append("0x");
    int shift = 28;
    while (shift > 0 && ((cell >> shift) & 0xf) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) out->push_back(kHexDigits[(cell >> shift) & 0xf]);
  }
  out->push_back('>');
}

void AppendBytes(const uint8_t* value, size_t size, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < size; ++i) {
    if (i != 0) out->push_back(' ');
    out->push_back(kHexDigits[value[i] >> 4]);
    out->push_back(kHexDigits[value[i] & 0xf]);
  }
  out->push_back(']');
}

void AppendValue(const uint8_t* value, size_t size, std::string* out) {
  if (size == 0) return;
  if (LooksLikeStringList(value, size)) {
    AppendStringList(value, size, out);
  } else if (size % 4 == 0) {
    AppendCells(value, size, out);
  } else {
    AppendBytes(value, size, out);
  }
}

// ---------------------------------------------------------------------------
// The dump works on a flat, borrowed view of the tree: both overloads of
// DumpDts() build one (from a Tree, or straight from the blob without
// copying a single value) and share the writer, so they cannot drift apart.

struct FlatProperty {
  absl::string_view name;
  const uint8_t* value;
  size_t size;
  uint32_t owner;  // Index of the node in FlatTree::nodes.
};

struct FlatNode {
  absl::string_view name;
  uint32_t parent;  // kNoParent for the root.
  uint32_t depth;
  // [first, first + count) in FlatTree::properties / FlatTree::children.
  uint32_t first_property = 0, property_count = 0;
  uint32_t first_child = 0, child_count = 0;
};

constexpr uint32_t kNoParent = ~uint32_t{0};

struct FlatTree {
  std::vector<std::pair<uint64_t, uint64_t>> memreserves;
  std::vector<FlatNode> nodes;            // Pre-order; nodes[0] is the root.
  std::vector<FlatProperty> properties;   // Grouped by owner after Index().
  std::vector<uint32_t> children;         // Grouped by parent after Index().

  // Groups properties and children by node and sorts each group by name.
  // Sorting is stable: duplicates keep blob order.
  void Index();
};

void FlatTree::Index() {
  // Properties come before subnodes in every blob dtc or libfdt writes, so
  // they are already grouped; a blob that interleaves them still dumps.
  const auto by_owner = [](const FlatProperty& a, const FlatProperty& b) {
    return a.owner < b.owner;
  };
  if (!std::is_sorted(properties.begin(), properties.end(), by_owner)) {
    std::stable_sort(properties.begin(), properties.end(), by_owner);
  }
  for (uint32_t i = 0; i < properties.size();) {
    const uint32_t owner = properties[i].owner;
    FlatNode& node = nodes[owner];
    node.first_property = i;
    while (i < properties.size() && properties[i].owner == owner) ++i;
    node.property_count = i - node.first_property;
    std::stable_sort(properties.begin() + node.first_property,
                     properties.begin() + i,
                     [](const FlatProperty& a, const FlatProperty& b) {
                       return a.name < b.name;
                     });
  }
  // Children: a counting sort on the parent index keeps blob order.
  for (const FlatNode& n : nodes) {
    if (n.parent != kNoParent) ++nodes[n.parent].child_count;
  }
  uint32_t next = 0;
  for (FlatNode& n : nodes) {
    n.first_child = next;
    next += n.child_count;
    n.child_count = 0;
  }
  children.resize(next);
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].parent == kNoParent) continue;
    FlatNode& p = nodes[nodes[i].parent];
    children[p.first_child + p.child_count++] = i;
  }
  for (const FlatNode& n : nodes) {
    if (n.child_count < 2) continue;
    std::stable_sort(children.begin() + n.first_child,
                     children.begin() + n.first_child + n.child_count,
                     [this](uint32_t a, uint32_t b) {
                       return nodes[a].name < nodes[b].name;
                     });
  }
}

void AppendIndent(uint32_t depth, std::string* out) {
  out->append(std::min<uint32_t>(depth, kMaxDumpIndent), '\t');
}

void AppendOpen(const FlatTree& tree, const FlatNode& node, std::string* out) {
  AppendIndent(node.depth, out);
  if (node.parent == kNoParent) {
    out->push_back('/');
  } else {
    AppendEscaped(node.name, out);
  }
  out->append(" {\n");
  for (uint32_t i = 0; i < node.property_count; ++i) {
    const FlatProperty& p = tree.properties[node.first_property + i];
    AppendIndent(node.depth + 1, out);
    AppendEscaped(p.name, out);
    if (p.size == 0) {
      out->append(";\n");
    } else {
      out->append(" = ");
      AppendValue(p.value, p.size, out);
      out->append(";\n");
    }
  }
}

// Depth-first with an explicit stack of (node, children written so far).
std::string WriteDts(const FlatTree& tree, size_t size_hint) {
  std::string out;
  out.reserve(size_hint);
  out.append("/dts-v1/;\n\n");
  for (const auto& [address, size] : tree.memreserves) {
    absl::StrAppend(&out, "/memreserve/ 0x", absl::Hex(address), " 0x",
                    absl::Hex(size), ";\n");
  }
  if (!tree.memreserves.empty()) out.push_back('\n');
  if (tree.nodes.empty()) return out;
  std::vector<std::pair<uint32_t, uint32_t>> stack = {{0, 0}};
  AppendOpen(tree, tree.nodes[0], &out);
  while (!stack.empty()) {
    auto& [index, written] = stack.back();
    const FlatNode& node = tree.nodes[index];
    if (written < node.child_count) {
      const uint32_t child = tree.children[node.first_child + written++];
      out.push_back('\n');
      AppendOpen(tree, tree.nodes[child], &out);
      stack.emplace_back(child, 0);
      continue;
    }
    AppendIndent(node.depth, &out);
    out.append("};\n");
    stack.pop_back();
  }
  return out;
}

FlatTree Flatten(const Tree& tree) {
  FlatTree flat;
  flat.memreserves = tree.memreserves;
  std::vector<std::pair<const Node*, uint32_t>> work = {{&tree.root, kNoParent}};
  while (!work.empty()) {
    const auto [node, parent] = work.back();
    work.pop_back();
    const uint32_t index = static_cast<uint32_t>(flat.nodes.size());
    flat.nodes.push_back(FlatNode{
        node->name, parent,
        parent == kNoParent ? 0 : flat.nodes[parent].depth + 1});
    for (const Property& p : node->properties) {
      flat.properties.push_back(
          FlatProperty{p.name, p.value.data(), p.value.size(), index});
    }
    // Reversed, so children leave the stack in blob order (which the
    // stable sort by name relies on for duplicates).
    for (auto c = node->children.rbegin(); c != node->children.rend(); ++c) {
      work.emplace_back(&*c, index);
    }
  }
  flat.Index();
  return flat;
}

// One linear pass over the structure block with fdt_next_tag(), borrowing
// names and values from the blob.
absl::StatusOr<FlatTree> Flatten(const Fdt& fdt) {
  const void* blob = fdt.data();
  FlatTree flat;
  const int n = fdt_num_mem_rsv(blob);
  for (int i = 0; i < n; ++i) {
    uint64_t address = 0, size = 0;
    const int err = fdt_get_mem_rsv(blob, i, &address, &size);
    if (err != 0) return FdtError(err, absl::StrCat(fdt.origin(), ": /memreserve/"));
    flat.memreserves.emplace_back(address, size);
  }
  std::vector<uint32_t> open;  // Indices of the nodes not yet closed.
  for (int offset = 0;;) {
    int next = 0;
    const uint32_t tag = fdt_next_tag(blob, offset, &next);
    if (next < 0) return FdtError(next, absl::StrCat(fdt.origin(), ": structure"));
    if (tag == FDT_BEGIN_NODE) {
      int len = 0;
      const char* name = fdt_get_name(blob, offset, &len);
      if (name == nullptr) {
        return FdtError(len, absl::StrCat(fdt.origin(), ": node name"));
      }
      const uint32_t parent = open.empty() ? kNoParent : open.back();
      flat.nodes.push_back(FlatNode{
          absl::string_view(name, static_cast<size_t>(len)), parent,
          static_cast<uint32_t>(open.size())});
      open.push_back(static_cast<uint32_t>(flat.nodes.size() - 1));
    } else if (tag == FDT_PROP) {
      const char* name = nullptr;
      int len = 0;
      const void* value = fdt_getprop_by_offset(blob, offset, &name, &len);
      if (value == nullptr || open.empty()) {
        return FdtError(value == nullptr ? len : -FDT_ERR_BADSTRUCTURE,
                        absl::StrCat(fdt.origin(), ": property"));
      }
      flat.properties.push_back(FlatProperty{
          name, static_cast<const uint8_t*>(value), static_cast<size_t>(len),
          open.back()});
    } else if (tag == FDT_END_NODE) {
      if (open.empty()) {
        return FdtError(-FDT_ERR_BADSTRUCTURE,
                        absl::StrCat(fdt.origin(), ": unbalanced END_NODE"));
      }
      open.pop_back();
    } else if (tag == FDT_END) {
      if (!open.empty() || flat.nodes.empty()) {
        return FdtError(-FDT_ERR_BADSTRUCTURE,
                        absl::StrCat(fdt.origin(), ": END inside a node"));
      }
      break;
    } else if (tag != FDT_NOP) {
      return FdtError(-FDT_ERR_BADSTRUCTURE,
                      absl::StrCat(fdt.origin(), ": unknown tag"));
    }
    offset = next;
  }
  flat.Index();
  return flat;
}

}  // namespace

std::string FormatValue(const Property& property) {
  std::string out;
  AppendValue(property.value.data(), property.value.size(), &out);
  return out;
}

std::string DumpDts(const Tree& tree) {
  return WriteDts(Flatten(tree), 0);
}

absl::StatusOr<std::string> DumpDts(const Fdt& fdt) {
  ASSIGN_OR_RETURN(const FlatTree flat, Flatten(fdt));
  // The text is rarely more than twice the blob: reserve once.
  return WriteDts(flat, 2 * fdt.size() + 64);
}

}  // namespace fdt_handoff
