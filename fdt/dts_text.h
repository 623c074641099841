// File: fdt/dts_text.h
//
// A canonical DTS text dump of a device tree. Golden files and the diffs a
// human reads during reconciliation are both built from this text, so it must
// be deterministic and must not depend on the order in which a bootloader or
// an overlay happened to lay out the blob: properties and child nodes are
// sorted by name (byte order). Two trees that differ only in order therefore
// dump identically, while any difference in content shows up as a line.
//
// The layout follows `dtc -O dts` closely enough to be read by the same
// people, but it is our own canonical form, not a dtc round-trip target:
//
//   /dts-v1/;
//
//   /memreserve/ 0x30000000 0x100000;
//
//   / {
//   	compatible = "raspberrypi,model-zero-2-w", "brcm,bcm2837";
//   	#address-cells = <0x1>;
//
//   	chosen {
//   		bootargs = "console=serial0,115200";
//   	};
//   };
//
// Values are printed by FormatValue(), whose guessing rules (string list,
// then 32-bit cells, then bytes) are the same ones dtc uses when it has no
// type information, made stricter so that the guess is stable.
#ifndef FDT_DTS_TEXT_H_
#define FDT_DTS_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fdt/blob.h"
#include "fdt/escape.h"
#include "fdt/tree.h"

namespace fdt_handoff {

// The deepest indentation DumpDts() writes, in tabs. Linux unflattens at most
// 64 levels (drivers/of/fdt.c, FDT_MAX_DEPTH), so no tree a kernel uses comes
// near it; it keeps the dump of a tree nested tens of thousands deep linear
// in the size of the blob instead of quadratic.
inline constexpr uint32_t kMaxDumpIndent = 32;

// FormatValue()
//
// Returns the right-hand side of `name = <value>;` for a property, chosen by
// the first rule that matches the raw bytes:
//
//   empty                        ""  (DumpDts() prints such a property as
//                                    `name;`; an empty string is never the
//                                    result of any other rule)
//   string list                  "okay" or "a", "b"
//                                Applies when the value ends in NUL, does not
//                                start with NUL, has no empty string inside
//                                ("\0\0"), and every other byte is printable
//                                ASCII (0x20..0x7e). `"` and `\` are escaped
//                                with a backslash.
//   length a multiple of 4       <0x1 0x40000000>
//                                Big-endian 32-bit cells, lowercase hex
//                                without leading zeros (0 is 0x0).
//   anything else                [01 02 ab]
//                                Two lowercase hex digits per byte.
//
// The result is always a single line of printable ASCII.
std::string FormatValue(const Property& property);

// DumpDts()
//
// Returns the canonical DTS text of `tree`: `/dts-v1/;`, a blank line, one
// `/memreserve/ 0x<address> 0x<size>;` line per reservation in blob order
// (followed by a blank line when there are any), then the node tree starting
// at `/ {` and ending with `};` and a newline. Each level is indented by one
// tab, up to kMaxDumpIndent tabs; deeper levels stay at that indentation
// (the braces still carry the nesting). Inside a node, properties come
// first, sorted by name; then each child node, sorted by name, preceded by a
// blank line. Addresses and sizes are lowercase hex without leading zeros.
//
// Names are emitted through AppendEscaped() (fdt/escape.h), so the dump is printable ASCII
// and each name stays on its line. Sorting is stable and byte-wise on the
// raw names, so a blob with duplicate names (which fdt_check_full() does not
// always reject) still dumps deterministically, in blob order among the
// duplicates. The walk uses no recursion: any tree that fits in memory
// dumps, however deep.
std::string DumpDts(const Tree& tree);

// DumpDts()
//
// The same text as DumpDts(ParseTree(fdt)), read straight from the blob
// without copying the tree (the faster path for a whole file).
//
// Returns:
//   kDataLoss  libfdt could not walk the blob (see ParseTree()).
absl::StatusOr<std::string> DumpDts(const Fdt& fdt);

}  // namespace fdt_handoff

#endif  // FDT_DTS_TEXT_H_
