// File: fdt/tree_testing.h
//
// Test-only comparisons of trees built from the same source with and
// without `dtc -@`. Such builds legitimately differ in three ways:
//   - /__symbols__ exists only in the -@ build;
//   - -@ gives a phandle to every labelled node;
//   - -@ keeps /omit-if-no-ref/ nodes (pin groups under pinctrl), because a
//     label in __symbols__ counts as a reference.
// Everything else (every referenced phandle value included) must match.
#ifndef FDT_TREE_TESTING_H_
#define FDT_TREE_TESTING_H_

#include <string>
#include <vector>

#include "fdt/tree.h"

namespace fdt_handoff {

// Removes /__symbols__ and every `phandle` property.
void StripSymbolsAndPhandles(Node* node);

// Removes from `node` every descendant absent from `shape` (same path);
// returns the removed paths.
std::vector<std::string> PruneTo(const Node& shape, Node* node,
                                 const std::string& path = "");

// True when both trees have the same nodes and properties, order ignored;
// otherwise `where` names the first difference.
bool SameTree(const Node& a, const Node& b, std::string* where,
              const std::string& path = "");

}  // namespace fdt_handoff

#endif  // FDT_TREE_TESTING_H_
