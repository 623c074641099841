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
// The merge itself is libfdt's fdt_overlay_apply(), on copies, so results
// equal `fdtoverlay`'s (tools/overlay_diff_test.cc checks a corpus of cases
// against Debian's fdtoverlay): fragments merge in order, and a fragment may
// target, by `target-path` or by a label of the same overlay, a node that an
// earlier fragment created; a later overlay may use labels an earlier one
// added. Where libfdt would answer only FDT_ERR_NOTFOUND, BADOVERLAY or
// NOSPACE, checks say which overlay, entry and cause instead:
//   - before libfdt runs: the overlay's phandles, /__local_fixups__ and
//     /__fixups__ entries (malformed, naming a node or property the overlay
//     lacks, an offset past the property's end), its /__symbols__, and every
//     label it uses (each must name a node with a phandle);
//   - after libfdt refused: the first fragment whose target does not
//     resolve, found by applying the fragments before it to a scratch copy.
// Every label, node path, property name, fixup entry, model or compatible
// string that a message quotes from a blob goes through Escaped()
// (fdt/escape.h), so a hostile overlay cannot put a newline or a terminal
// escape into the error output.
// Deliberate differences from fdtoverlay, all refusals: an overlay with no
// fragment, an overlay for another board (unless forced), a fixup offset
// libfdt would wrap or take as negative (libfdt 1.6.1 writes outside the
// property or crashes), and a result over arm64's 2 MiB.
//
// Debian 12's libfdt 1.6.1 copies a label on an __overlay__ node as the
// target's phandle (breaking the target's existing references) and writes
// its symbol with a trailing '/'; our results show the same, as fdtoverlay's
// do. The overlays we ship keep labels off __overlay__ nodes.
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
//   kNotFound           a label, target phandle or target-path is not in the
//                       base (nor made by the overlays and fragments applied
//                       before it), or a label's node has no phandle; the
//                       message names overlay, fragment, label or path and
//                       the base's model. Also the overlay's own
//                       /__symbols__ naming a fragment whose target is gone
//                       after the merge (a label on an __overlay__ node).
//   kDataLoss           a malformed overlay: no fragments, a fragment without
//                       a usable target, a bad /__fixups__,
//                       /__local_fixups__ or /__symbols__ entry, a phandle
//                       that is not one cell; or libfdt's FDT_ERR_BADOVERLAY,
//                       BADPHANDLE or BADVALUE where no check above explains
//                       it (naming the fragment that fails, when one does).
//   kResourceExhausted  the result would exceed 2 MiB ("the result of
//                       applying OVERLAY to BASE ..."), the overlay's
//                       phandles cannot be moved past the base's, or no
//                       phandle value is left for a node a grafted label
//                       names.
//   kInvalidArgument    an overlay nests deeper than kMaxOverlayDepth (1024)
//                       levels: libfdt's overlay code recurses once per
//                       level (the message names the depth, the start of the
//                       path and the fragment). Not kResourceExhausted, which
//                       means "the result is too big" here.
//   other               libfdt's remaining codes through fdt/fdt_error.h,
//                       named as kDataLoss's are: kInvalidArgument
//                       (FDT_ERR_BADOFFSET, BADPATH, BADSTATE), kInternal
//                       (FDT_ERR_INTERNAL), kUnknown (a number the table does
//                       not know). None is expected on validated blobs.
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
