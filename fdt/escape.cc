#include "fdt/escape.h"

#include <cstdint>

namespace fdt_handoff {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool NeedsEscape(uint8_t c) { return c < 0x20 || c > 0x7e || c == '\\'; }

}  // namespace

void AppendEscaped(absl::string_view text, std::string* out) {
  // Names are almost always clean: copy the clean prefix in one go.
  size_t clean = 0;
  while (clean < text.size() && !NeedsEscape(text[clean])) ++clean;
  out->append(text.data(), clean);
  for (size_t i = clean; i < text.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(text[i]);
    if (c == '\\') {
      out->append("\\\\");
    } else if (NeedsEscape(c)) {
      out->append("\\x");
      out->push_back(kHexDigits[c >> 4]);
      out->push_back(kHexDigits[c & 0xf]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

std::string Escaped(absl::string_view text) {
  std::string out;
  AppendEscaped(text, &out);
  return out;
}

}  // namespace fdt_handoff
