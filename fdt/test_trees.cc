#include "fdt/test_trees.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

int EmitNode(void* buf, const TestNode& node) {
  int err = fdt_begin_node(buf, node.name.c_str());
  if (err != 0) return err;
  for (const TestProp& p : node.props) {
    // libfdt copies `len` bytes from the pointer; give it a valid one even
    // for empty values.
    const void* data = p.value.empty() ? static_cast<const void*>("")
                                       : p.value.data();
    err = fdt_property(buf, p.name.c_str(), data,
                       static_cast<int>(p.value.size()));
    if (err != 0) return err;
  }
  for (const TestNode& child : node.children) {
    err = EmitNode(buf, child);
    if (err != 0) return err;
  }
  return fdt_end_node(buf);
}

}  // namespace

std::vector<uint8_t> Str(absl::string_view s) {
  std::vector<uint8_t> v(s.begin(), s.end());
  v.push_back(0);
  return v;
}

std::vector<uint8_t> Strs(const std::vector<std::string>& list) {
  std::vector<uint8_t> v;
  for (const std::string& s : list) {
    v.insert(v.end(), s.begin(), s.end());
    v.push_back(0);
  }
  return v;
}

std::vector<uint8_t> Cells(const std::vector<uint32_t>& cells) {
  std::vector<uint8_t> v;
  for (uint32_t c : cells) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      v.push_back(static_cast<uint8_t>(c >> shift));
    }
  }
  return v;
}

std::vector<uint8_t> Raw(absl::string_view bytes) {
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

absl::StatusOr<Fdt> BuildFdt(const TestNode& root,
                             const MemReserves& reserves) {
  std::vector<uint8_t> buf(64 * 1024);
  void* fdt = buf.data();
  int err = fdt_create(fdt, static_cast<int>(buf.size()));
  for (const auto& [address, size] : reserves) {
    if (err == 0) err = fdt_add_reservemap_entry(fdt, address, size);
  }
  if (err == 0) err = fdt_finish_reservemap(fdt);
  if (err == 0) err = EmitNode(fdt, root);
  if (err == 0) err = fdt_finish(fdt);
  if (err != 0) return absl::InternalError(fdt_strerror(err));
  return Fdt::FromBytes(std::move(buf), "test blob");
}

absl::StatusOr<Fdt> DeepFdt(int depth, absl::string_view name,
                            const std::vector<TestProp>& leaf_props) {
  std::vector<uint8_t> buf(kMaxDtbSize);
  void* fdt = buf.data();
  const std::string node(name);
  int err = fdt_create(fdt, static_cast<int>(buf.size()));
  if (err == 0) err = fdt_finish_reservemap(fdt);
  if (err == 0) err = fdt_begin_node(fdt, "");
  if (err == 0) err = fdt_property_string(fdt, "model", "deep");
  for (int i = 0; i < depth && err == 0; ++i) err = fdt_begin_node(fdt, node.c_str());
  for (const TestProp& p : leaf_props) {
    const void* data = p.value.empty() ? static_cast<const void*>("")
                                       : p.value.data();
    if (err == 0) {
      err = fdt_property(fdt, p.name.c_str(), data,
                         static_cast<int>(p.value.size()));
    }
  }
  for (int i = 0; i <= depth && err == 0; ++i) err = fdt_end_node(fdt);
  if (err == 0) err = fdt_finish(fdt);
  if (err != 0) return absl::InternalError(fdt_strerror(err));
  return Fdt::FromBytes(std::move(buf), "deep.dtb");
}

absl::StatusOr<Tree> BuildTree(const TestNode& root,
                               const MemReserves& reserves) {
  absl::StatusOr<Fdt> fdt = BuildFdt(root, reserves);
  if (!fdt.ok()) return fdt.status();
  return ParseTree(*fdt);
}

}  // namespace fdt_handoff
