#include "fdt/dts_text.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

// The string-list rule of FormatValue(). Stricter than "contains a NUL
// terminator": a leading NUL or an empty string in the middle would make the
// text lose bytes ("a", "" prints like nothing useful), and non-printable
// bytes would break the one-value-per-line property that diffs rely on.
bool LooksLikeStringList(const std::vector<uint8_t>& value) {
  if (value.empty() || value.front() == 0 || value.back() != 0) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const uint8_t c = value[i];
    if (c == 0) {
      if (i + 1 < value.size() && value[i + 1] == 0) return false;
      continue;
    }
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The value writers append to `out` directly: a dump calls them once per
// property, and a temporary string each time was a third of its cost.
void AppendStringList(const std::vector<uint8_t>& value, std::string* out) {
  out->push_back('"');
  // The last byte is the final terminator; every earlier NUL separates two
  // strings.
  for (size_t i = 0; i + 1 < value.size(); ++i) {
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

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendCells(const std::vector<uint8_t>& value, std::string* out) {
  out->push_back('<');
  for (size_t i = 0; i < value.size(); i += 4) {
    if (i != 0) out->push_back(' ');
    const uint32_t cell = ReadBe32(value.data() + i);
    out->append("0x");
    int shift = 28;
    while (shift > 0 && ((cell >> shift) & 0xf) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) out->push_back(kHexDigits[(cell >> shift) & 0xf]);
  }
  out->push_back('>');
}

void AppendBytes(const std::vector<uint8_t>& value, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < value.size(); ++i) {
    if (i != 0) out->push_back(' ');
    out->push_back(kHexDigits[value[i] >> 4]);
    out->push_back(kHexDigits[value[i] & 0xf]);
  }
  out->push_back(']');
}

void AppendValue(const std::vector<uint8_t>& value, std::string* out) {
  if (value.empty()) return;
  if (LooksLikeStringList(value)) {
    AppendStringList(value, out);
  } else if (value.size() % 4 == 0) {
    AppendCells(value, out);
  } else {
    AppendBytes(value, out);
  }
}

void AppendIndent(int depth, std::string* out) { out->append(depth, '\t'); }

void AppendNode(const Node& node, int depth, std::string* out) {
  AppendIndent(depth, out);
  absl::StrAppend(out, depth == 0 ? "/" : node.name, " {\n");

  // Sort pointers rather than copies: property values can be large.
  std::vector<const Property*> properties;
  properties.reserve(node.properties.size());
  for (const Property& p : node.properties) properties.push_back(&p);
  std::stable_sort(properties.begin(), properties.end(),
                   [](const Property* a, const Property* b) {
                     return a->name < b->name;
                   });
  for (const Property* p : properties) {
    AppendIndent(depth + 1, out);
    if (p->value.empty()) {
      absl::StrAppend(out, p->name, ";\n");
    } else {
      absl::StrAppend(out, p->name, " = ");
      AppendValue(p->value, out);
      out->append(";\n");
    }
  }

  std::vector<const Node*> children;
  children.reserve(node.children.size());
  for (const Node& c : node.children) children.push_back(&c);
  std::stable_sort(children.begin(), children.end(),
                   [](const Node* a, const Node* b) { return a->name < b->name; });
  for (const Node* c : children) {
    out->push_back('\n');
    AppendNode(*c, depth + 1, out);
  }

  AppendIndent(depth, out);
  out->append("};\n");
}

}  // namespace

std::string FormatValue(const Property& property) {
  std::string out;
  AppendValue(property.value, &out);
  return out;
}

std::string DumpDts(const Tree& tree) {
  std::string out = "/dts-v1/;\n\n";
  for (const auto& [address, size] : tree.memreserves) {
    absl::StrAppend(&out, "/memreserve/ 0x", absl::Hex(address), " 0x",
                    absl::Hex(size), ";\n");
  }
  if (!tree.memreserves.empty()) out.push_back('\n');
  AppendNode(tree.root, 0, &out);
  return out;
}

absl::StatusOr<std::string> DumpDts(const Fdt& fdt) {
  ASSIGN_OR_RETURN(Tree tree, ParseTree(fdt));
  return DumpDts(tree);
}

}  // namespace fdt_handoff
