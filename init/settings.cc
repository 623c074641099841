#include "init/settings.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

namespace fdt_handoff {
namespace {

constexpr char kPrefix[] = "mdboot.";
// A day: anything longer is a typo, not a wait.
constexpr int kMaxWaitSeconds = 86400;

absl::optional<bool> FlagValue(absl::string_view value, bool has_value) {
  if (!has_value) return true;
  const std::string v = absl::AsciiStrToLower(value);
  if (v == "1" || v == "y" || v == "yes" || v == "on" || v == "true") {
    return true;
  }
  if (v == "0" || v == "n" || v == "no" || v == "off" || v == "false") {
    return false;
  }
  return absl::nullopt;
}

void SetFlag(const std::string& word, absl::string_view value, bool has_value,
             bool* flag, MdbootSettings& s) {
  const absl::optional<bool> on = FlagValue(value, has_value);
  if (!on.has_value()) {
    s.warnings.push_back(absl::StrCat(
        "'", absl::CEscape(word), "': a flag takes no value or one of "
        "1/0, yes/no, on/off, true/false; ignored"));
    return;
  }
  *flag = *on;
}

void SetWait(const std::string& word, absl::string_view value, bool has_value,
             MdbootSettings& s) {
  int seconds = 0;
  if (!has_value || !absl::SimpleAtoi(value, &seconds) || seconds < 0 ||
      seconds > kMaxWaitSeconds || !absl::ascii_isdigit(value.front())) {
    s.warnings.push_back(absl::StrCat(
        "'", absl::CEscape(word), "': mdboot.wait wants whole seconds from 0 to ",
        kMaxWaitSeconds, "; keeping ", s.wait_seconds));
    return;
  }
  s.wait_seconds = seconds;
}

void Apply(const std::string& word, MdbootSettings& s) {
  const size_t eq = word.find('=');
  const bool has_value = eq != std::string::npos;
  const std::string key = word.substr(sizeof(kPrefix) - 1, eq - (sizeof(kPrefix) - 1));
  const absl::string_view value =
      has_value ? absl::string_view(word).substr(eq + 1) : absl::string_view();
  if (key == "wait") {
    SetWait(word, value, has_value, s);
  } else if (key == "array") {
    if (!has_value || value.empty()) {
      s.warnings.push_back("'mdboot.array' needs a UUID or a name; ignored");
    } else {
      s.array = std::string(value);
    }
  } else if (key == "dryrun") {
    SetFlag(word, value, has_value, &s.dryrun, s);
  } else if (key == "shell") {
    SetFlag(word, value, has_value, &s.shell, s);
  } else if (key == "verify") {
    SetFlag(word, value, has_value, &s.verify, s);
  } else if (key == "strict") {
    SetFlag(word, value, has_value, &s.strict, s);
  } else if (key == "dumpdtb") {
    SetFlag(word, value, has_value, &s.dumpdtb, s);
  } else {
    s.warnings.push_back(absl::StrCat(
        "unknown setting '", absl::CEscape(word),
        "' (known: mdboot.wait, mdboot.array, mdboot.dryrun, mdboot.shell, "
        "mdboot.verify, mdboot.strict, mdboot.dumpdtb); ignored"));
  }
}

}  // namespace

std::vector<std::string> SplitKernelCommandLine(absl::string_view cmdline) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  bool quoted = false;
  for (char c : cmdline) {
    if (!quoted && (c == ' ' || c == '\t' || c == '\n')) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    word.push_back(c);
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

MdbootSettings ParseMdbootSettings(absl::string_view cmdline) {
  MdbootSettings settings;
  for (const std::string& word : SplitKernelCommandLine(cmdline)) {
    if (absl::StartsWith(word, kPrefix)) Apply(word, settings);
  }
  return settings;
}

}  // namespace fdt_handoff
