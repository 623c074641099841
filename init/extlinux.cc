#include "init/extlinux.h"

#include <cctype>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fdt/command_line.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }

// The next word (up to any white space), lowercased as U-Boot's lexer does
// for keywords; `rest` is what follows it, leading blanks skipped.
std::string Keyword(absl::string_view line, absl::string_view* rest) {
  size_t i = 0;
  while (i < line.size() && !IsSpace(line[i])) ++i;
  std::string word = absl::AsciiStrToLower(line.substr(0, i));
  while (i < line.size() && IsBlank(line[i])) ++i;
  *rest = line.substr(i);
  return word;
}

class Parser {
 public:
  explicit Parser(absl::string_view origin) : origin_(origin) {}

  absl::Status Line(absl::string_view line, int number) {
    number_ = number;
    while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#' || line == "\r") return {};
    absl::string_view rest;
    const std::string word = Keyword(line, &rest);
    if (label_ != nullptr && LabelLine(word, rest)) return {};
    label_ = nullptr;  // Anything a label does not know ends it.
    return TopLine(word, rest);
  }

  ExtlinuxConfig Finish() && { return std::move(config_); }

 private:
  std::string Where() const { return absl::StrCat(origin_, " line ", number_); }

  void Warn(absl::string_view what) {
    config_.warnings.push_back(absl::StrCat(Where(), ": ", what));
  }

  // A value as U-Boot keeps it: to the end of the line, blanks included.
  std::string Value(absl::string_view rest) {
    if (!rest.empty() && (IsSpace(rest.back()))) {
      Warn(absl::StrCat("\"", absl::CEscape(rest),
                        "\" ends with white space (a CR from DOS line "
                        "endings?); U-Boot keeps it in the value"));
    }
    return std::string(rest);
  }

  void SetOnce(std::string& field, absl::string_view rest) {
    if (field.empty()) field = Value(rest);
  }

  bool LabelLine(const std::string& word, absl::string_view rest) {
    ExtlinuxLabel& l = *label_;
    if (word == "menu") {
      absl::string_view text;
      const std::string sub = Keyword(rest, &text);
      if (sub == "label") {
        l.menu_label = Value(text);
      } else if (sub == "default") {
        if (config_.default_label.empty()) config_.default_label = l.name;
      } else {
        Warn(absl::StrCat("ignored: menu ", sub));
      }
    } else if (word == "linux" || word == "kernel") {
      l.kernel = Value(rest);
    } else if (word == "append") {
      l.append = Value(rest);
      l.append_line = number_;
      InitrdFromAppend(l);
    } else if (word == "initrd") {
      SetOnce(l.initrd, rest);
    } else if (word == "fdt" || word == "devicetree") {
      SetOnce(l.fdt, rest);
    } else if (word == "fdtdir" || word == "devicetreedir") {
      SetOnce(l.fdtdir, rest);
    } else if (word == "fdtoverlays" || word == "devicetree-overlay") {
      SetOnce(l.fdtoverlays, rest);
    } else if (word == "localboot") {
      l.localboot = true;
    } else if (word == "ipappend" || word == "kaslrseed") {
      Warn(absl::StrCat("ignored: ", word));
    } else {
      return false;
    }
    return true;
  }

  // pxe_utils.c: `initrd=` in append names the initrd unless one is set.
  static void InitrdFromAppend(ExtlinuxLabel& l) {
    if (!l.initrd.empty()) return;
    for (absl::string_view w : absl::StrSplit(l.append, ' ')) {
      if (absl::StartsWith(w, "initrd=")) {
        l.initrd = std::string(w.substr(7));
        return;
      }
    }
  }

  absl::Status TopLine(const std::string& word, absl::string_view rest) {
    if (word == "label") {
      if (rest.empty() || rest == "\r") {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(), ": label without a name"));
      }
      config_.labels.push_back(ExtlinuxLabel{});
      label_ = &config_.labels.back();
      label_->name = Value(rest);
      label_->line = number_;
    } else if (word == "default" || word == "ontimeout") {
      if (!rest.empty()) config_.default_label = Value(rest);
    } else if (word == "timeout") {
      if (!absl::SimpleAtoi(rest, &config_.timeout)) {
        config_.timeout = std::atoi(std::string(rest).c_str());
        Warn(absl::StrCat("timeout \"", absl::CEscape(rest),
                          "\" is not a number; U-Boot reads ",
                          config_.timeout));
      }
    } else if (word == "include") {
      Warn(absl::StrCat("include ", absl::CEscape(rest),
                        " is not followed by mdboot"));
    } else if (word != "menu" && word != "prompt" && word != "fallback") {
      Warn(absl::StrCat("ignored unknown keyword '", absl::CEscape(word), "'"));
    }
    return {};
  }

  std::string origin_;
  int number_ = 0;
  ExtlinuxConfig config_;
  ExtlinuxLabel* label_ = nullptr;
};

}  // namespace

absl::StatusOr<ExtlinuxConfig> ParseExtlinux(absl::string_view text,
                                             absl::string_view origin) {
  Parser parser(origin);
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    RETURN_IF_ERROR(parser.Line(line, ++number));
  }
  return std::move(parser).Finish();
}

namespace {

// sysboot's get_relfile(): absolute paths from the root, relative ones from
// the config file's folder.
std::string InRoot(absl::string_view config, absl::string_view path) {
  std::string joined;
  if (absl::StartsWith(path, "/")) {
    joined = std::string(path);
  } else {
    joined = absl::StrCat(config.substr(0, config.rfind('/') + 1), path);
  }
  std::string out;
  for (char c : joined) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

const ExtlinuxLabel* Choose(const ExtlinuxConfig& config, BootEntry& entry) {
  for (const ExtlinuxLabel& l : config.labels) {
    if (l.name == config.default_label) return &l;
  }
  if (!config.default_label.empty()) {
    entry.warnings.push_back(absl::StrCat(
        "default label '", absl::CEscape(config.default_label),
        "' does not exist; booting the first label, '",
        absl::CEscape(config.labels.front().name), "'"));
  }
  return &config.labels.front();
}

absl::Status SetDtb(const ExtlinuxLabel& l, const ExtlinuxOptions& options,
                    BootEntry& entry) {
  if (!l.fdt.empty()) {
    entry.dtb = InRoot(options.config, l.fdt);
  } else if (!l.fdtdir.empty()) {
    if (options.uboot_fdtfile.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.config, ": label '", l.name, "' has fdtdir ", l.fdtdir,
          " but U-Boot's fdtfile is unknown; give it (e.g. "
          "allwinner/sun50i-h618-orangepi-zero2w.dtb)"));
    }
    const char* slash = absl::EndsWith(l.fdtdir, "/") ? "" : "/";
    entry.dtb = InRoot(options.config,
                       absl::StrCat(l.fdtdir, slash, options.uboot_fdtfile));
  } else {
    entry.warnings.push_back(absl::StrCat(
        "label '", l.name, "' names no fdt or fdtdir: U-Boot would boot it "
        "with its own device tree"));
  }
  return absl::OkStatus();
}

// A U-Boot variable in `append`: sysboot would boot with its value, which
// mdboot cannot know, and an unset one expands to nothing, so guessing
// could boot a different root=.
absl::Status VariableError(absl::string_view where,
                           const std::vector<std::string>& variables) {
  std::vector<std::string> shown;
  for (const std::string& v : variables) shown.push_back(absl::CEscape(v));
  const bool one = shown.size() == 1;
  return absl::InvalidArgumentError(
      absl::StrCat(where, "U-Boot environment variable", one ? " " : "s ",
                   absl::StrJoin(shown, ", "), ": U-Boot's sysboot replaces ",
                   one ? "it with its value (with nothing when it is"
                       : "them with their values (with nothing when they are",
                   " unset), which mdboot cannot know; write the value",
                   one ? "" : "s", " into the append line"));
}

// The command line U-Boot would boot the label with: its `append` as
// ProcessUBootMacros() leaves it (`ipappend`, which would add to it, is
// ignored with a warning). It must name no U-Boot variable and pass
// CheckCommandLine() (fdt/command_line.h).
absl::StatusOr<std::string> BootArgs(const ExtlinuxLabel& l,
                                     absl::string_view config,
                                     BootEntry& entry) {
  const std::string where =
      absl::StrCat(config, " line ", l.append_line, ": label '",
                   absl::CEscape(l.name), "': append: ");
  UBootAppend args = ProcessUBootMacros(l.append);
  if (!args.variables.empty()) return VariableError(where, args.variables);
  if (!args.dropped.empty()) {
    entry.warnings.push_back(absl::StrCat(
        where, "U-Boot drops the unfinished \"", absl::CEscape(args.dropped),
        "\" at its end; so does mdboot"));
  }
  const absl::Status s = CheckCommandLine(args.text);
  if (s.ok()) return std::move(args.text);
  const size_t bad = FirstControlByte(args.text);
  return absl::InvalidArgumentError(absl::StrCat(
      where, s.message(),
      bad != absl::string_view::npos && args.text[bad] == '\r'
          ? " (a carriage return: the file has DOS line endings; convert it "
            "with dos2unix)"
          : ""));
}

std::vector<std::string> OtherLabels(const ExtlinuxConfig& config,
                                     const ExtlinuxLabel& chosen) {
  std::vector<std::string> out;
  for (const ExtlinuxLabel& l : config.labels) {
    if (&l != &chosen) out.push_back(l.name);
  }
  return out;
}

}  // namespace

// cli_simple_process_macros() keeps `prev`, the character before the one
// in hand, and treats a character as special only when `prev` is not a
// backslash; an escape sets `prev` to the backslash. The same rules here.
UBootAppend ProcessUBootMacros(absl::string_view in) {
  enum class State { kText, kDollar, kName, kQuoted };
  UBootAppend out;
  State state = State::kText;
  char prev = '\0';
  size_t dollar = 0;  // Where the `$` of the current reference is.
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i++];
    if (state != State::kQuoted && c == '\\' && prev != '\\') {
      if (i == in.size()) {  // U-Boot stops here, the backslash unused.
        if (state == State::kText) out.dropped = "\\";
        break;
      }
      prev = c;
      c = in[i++];
    }
    const bool plain = prev == '\\';  // Escaped, or after an escaped '\\'.
    switch (state) {
      case State::kText:
        if (c == '\'' && !plain) {
          state = State::kQuoted;
        } else if (c == '$' && !plain) {
          state = State::kDollar;
          dollar = i - 1;
        } else {
          out.text.push_back(c);
        }
        break;
      case State::kDollar:
        if (c == '(' || c == '{') {
          state = State::kName;
        } else {
          out.text.push_back('$');
          out.text.push_back(c);
          state = State::kText;
        }
        break;
      case State::kName:
        if (c == ')' || c == '}') {
          out.variables.emplace_back(in.substr(dollar, i - dollar));
          state = State::kText;
        }
        break;
      case State::kQuoted:
        if (c == '\'' && !plain) {
          state = State::kText;
        } else {
          out.text.push_back(c);
        }
        break;
    }
    prev = c;
  }
  if (state == State::kDollar || state == State::kName) {
    out.dropped = std::string(in.substr(dollar));
  }
  return out;
}

std::string ExtlinuxFallbackNote(const std::vector<std::string>& labels) {
  if (labels.empty()) return "";
  std::vector<std::string> rest;
  for (size_t i = 1; i < labels.size(); ++i) {
    rest.push_back(absl::StrCat("'", absl::CEscape(labels[i]), "'"));
  }
  return absl::StrCat(
      "; U-Boot would try label '", absl::CEscape(labels[0]), "' next",
      rest.empty() ? ""
                   : absl::StrCat(" (then ", absl::StrJoin(rest, ", "), ")"),
      "; mdboot boots only the chosen label");
}

absl::StatusOr<BootEntry> ExtlinuxBootEntry(const ExtlinuxConfig& config,
                                            const ExtlinuxOptions& options) {
  if (config.labels.empty()) {
    return absl::NotFoundError(absl::StrCat(options.config, ": no label"));
  }
  BootEntry entry;
  entry.config = options.config;
  entry.warnings = config.warnings;
  entry.on_overlay_failure = OverlayFailurePolicy::kSkipFailed;
  const ExtlinuxLabel& l = *Choose(config, entry);
  entry.label = l.name;
  entry.fallback_labels = OtherLabels(config, l);
  if (l.kernel.empty()) {
    // label_boot(): a localboot label ends the boot; "No kernel given"
    // moves on to the other labels.
    return absl::InvalidArgumentError(absl::StrCat(
        options.config, " line ", l.line, ": label '", l.name,
        "' has no linux/kernel line",
        l.localboot ? " (localboot)"
                    : ExtlinuxFallbackNote(entry.fallback_labels)));
  }
  std::string kernel = l.kernel;
  if (kernel.find('#') != std::string::npos) {
    entry.warnings.push_back(absl::StrCat(
        "kernel ", kernel, ": the FIT configuration after '#' is ignored"));
    kernel.resize(kernel.find('#'));
  }
  entry.kernel = InRoot(options.config, kernel);
  if (!l.initrd.empty()) entry.initrd = InRoot(options.config, l.initrd);
  RETURN_IF_ERROR(SetDtb(l, options, entry));
  for (absl::string_view w :
       absl::StrSplit(l.fdtoverlays, ' ', absl::SkipEmpty())) {
    entry.overlays.push_back(OverlayFile{std::string(w),
                                         InRoot(options.config, w),
                                         OverlayFile::Origin::kExtlinuxFdtOverlays});
  }
  ASSIGN_OR_RETURN(entry.cmdline, BootArgs(l, options.config, entry));
  return entry;
}

}  // namespace fdt_handoff
