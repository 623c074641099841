// File: fdt/escape.h
//
// Escaping text that comes from a blob before it reaches a terminal or a
// line-oriented file. fdt_check_full() checks that node and property names
// are NUL-terminated, not what they contain, and a live FDT's strings are
// whatever the firmware wrote: a newline in a name would forge a line of a
// report, a terminal escape would rewrite the screen.
//
//   out << "node " << Escaped(name);
#ifndef FDT_ESCAPE_H_
#define FDT_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fdt_handoff {

// AppendEscaped() / Escaped()
//
// `text` with every byte outside printable ASCII (0x20..0x7e) written as
// `\xNN` (two lowercase hex digits) and a backslash as `\\`, so the result is
// printable ASCII and can be read back unambiguously. Text in the charset the
// devicetree specification allows for names is returned as it is.
void AppendEscaped(absl::string_view text, std::string* out);
std::string Escaped(absl::string_view text);

}  // namespace fdt_handoff

#endif  // FDT_ESCAPE_H_
