// File: fdt/overlay.h
//
// Applying device-tree overlays (.dtbo) to a base tree, all or nothing.
//
// fdt_overlay_apply() resolves an overlay's `&label` targets and `<&label>`
// references through the base's /__symbols__ node, and needs a `phandle` on
// each referenced node. Armbian builds its DTBs with `dtc -@`, so they carry
// symbols; Debian's and upstream's do not, and neither gives a phandle to a
// node nobody references (the disabled USB controllers, for one). For such a
// base, labels are *grafted* from a symbol source (the live FDT, or a DTB of
// the same board built with -@): a label is taken only when its path exists
// in the base and the node's `compatible` matches; the node gets a phandle if
// it has none (the source's value when it is free, so results match the -@
// build). Grafted symbols are removed again after the overlays are applied.
//
// Before libfdt runs, every fragment's target and every reference is checked
// so that failures name the overlay, the fragment and the label or path;
// libfdt's own error would only say FDT_ERR_NOTFOUND.
//
//   OverlayReport report;
//   ASSIGN_OR_RETURN(Fdt out, ApplyOverlays(base, {usb}, {&symbols}, &report));
#ifndef FDT_OVERLAY_H_
#define FDT_OVERLAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fdt/blob.h"

namespace fdt_handoff {

struct GraftedLabel {
  std::string label;
  std::string path;
  std::string source;     // Origin of the symbol source.
  uint32_t phandle = 0;   // The node's phandle after grafting.
  bool phandle_added = false;
};

struct OverlayReport {
  std::vector<std::string> applied;   // Overlay origins, in order.
  std::vector<GraftedLabel> grafted;  // Labels grafted into the base.
};

struct OverlayOptions {
  // Where labels come from when the base has no /__symbols__ (or lacks a
  // label). May be null: then a base without the label is an error.
  const Fdt* symbol_source = nullptr;
  // Apply even when the overlay's root `compatible` names none of the base's
  // compatible strings.
  bool force = false;
};

// ApplyOverlays()
//
// Applies `overlays` in order to a copy of `base`; `base` and the overlays are
// never modified. Either every overlay applies or an error is returned.
// `report` (optional) receives what was applied and grafted.
//
// Returns:
//   kFailedPrecondition an overlay is for another board (root compatible
//                       mismatch) and `force` is off; a label from the symbol
//                       source points at a node whose compatible differs.
//   kNotFound           a label or target-path is not in the base (the
//                       message names overlay, fragment, label or path and
//                       the base's model).
//   kDataLoss           a malformed overlay (no fragments, a fragment without
//                       target, bad __fixups__ entries).
//   kResourceExhausted  the result would exceed 2 MiB.
absl::StatusOr<Fdt> ApplyOverlays(const Fdt& base,
                                  const std::vector<Fdt>& overlays,
                                  const OverlayOptions& options,
                                  OverlayReport* report = nullptr);

// ApplyOverlaysTo()
//
// ApplyOverlays() on an editor that holds `base` (or `base` with edits made
// since), for callers that go on editing: Reconcile() applies the overlays
// and runs its rules on one editor, so the tree is packed and validated
// once. On error the editor is unchanged apart from phandles and grafted
// symbols added for earlier overlays; callers must then discard it.
//
// Returns: as ApplyOverlays().
absl::Status ApplyOverlaysTo(FdtEditor& editor, const Fdt& base,
                             const std::vector<Fdt>& overlays,
                             const OverlayOptions& options,
                             OverlayReport* report = nullptr);

}  // namespace fdt_handoff

#endif  // FDT_OVERLAY_H_
