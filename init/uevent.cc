#include "init/uevent.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace fdt_handoff {
namespace {

constexpr absl::string_view kLibudev("libudev\0", 8);

absl::Status Bad(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("uevent: ", what));
}

template <typename T>
absl::Status Number(const Uevent& e, const char* key, T* out) {
  const auto it = e.vars.find(key);
  if (it == e.vars.end()) return absl::OkStatus();
  if (it->second.empty() || it->second[0] == '-' || it->second[0] == '+' ||
      !absl::SimpleAtoi(it->second, out)) {
    return Bad(absl::StrCat(key, "=", absl::CEscape(it->second),
                            " is not a number"));
  }
  return absl::OkStatus();
}

absl::Status Fill(Uevent& e, absl::string_view header) {
  const auto get = [&e](const char* key) {
    const auto it = e.vars.find(key);
    return it == e.vars.end() ? std::string() : it->second;
  };
  e.action = get("ACTION");
  e.devpath = get("DEVPATH");
  if (e.action.empty() || e.devpath.empty()) {
    return Bad(absl::StrCat("ACTION or DEVPATH missing in '",
                            absl::CEscape(header), "'"));
  }
  if (header != absl::StrCat(e.action, "@", e.devpath)) {
    return Bad(absl::StrCat("header '", absl::CEscape(header),
                            "' does not match ACTION=", e.action,
                            " DEVPATH=", e.devpath));
  }
  e.subsystem = get("SUBSYSTEM");
  e.devname = get("DEVNAME");
  e.devtype = get("DEVTYPE");
  if (e.vars.count("MAJOR") != e.vars.count("MINOR")) {
    return Bad("MAJOR without MINOR (or the reverse)");
  }
  absl::Status s = Number(e, "MAJOR", &e.major);
  if (s.ok()) s = Number(e, "MINOR", &e.minor);
  if (s.ok()) s = Number(e, "SEQNUM", &e.seqnum);
  return s;
}

}  // namespace

absl::StatusOr<absl::optional<Uevent>> ParseUevent(
    absl::Span<const uint8_t> message) {
  const absl::string_view text(reinterpret_cast<const char*>(message.data()),
                               message.size());
  if (absl::StartsWith(text, kLibudev)) return absl::optional<Uevent>();
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByChar('\0'), absl::SkipEmpty());
  // The header is ACTION@DEVPATH; a KEY=VALUE first means there is none
  // (a devpath itself may hold '=', an action never does).
  const size_t at = parts.empty() ? absl::string_view::npos : parts[0].find('@');
  if (at == absl::string_view::npos ||
      parts[0].substr(0, at).find('=') != absl::string_view::npos) {
    return Bad(absl::StrCat(
        "no ACTION@DEVPATH header in '",
        absl::CEscape(parts.empty() ? absl::string_view() : parts[0]), "'"));
  }
  Uevent e;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return Bad(absl::StrCat("'", absl::CEscape(parts[i]),
                              "' is not KEY=VALUE"));
    }
    e.vars[std::string(parts[i].substr(0, eq))] =
        std::string(parts[i].substr(eq + 1));
  }
  absl::Status filled = Fill(e, parts[0]);
  if (!filled.ok()) return filled;
  return absl::optional<Uevent>(std::move(e));
}

}  // namespace fdt_handoff
