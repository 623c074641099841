#include "fdt/regress_profile.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fdt/file_io.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {

// Embedded by //fdt/profiles:builtin from fdt/profiles/*.profile.
extern const char kBuiltinProfileOrangePiZero2W[];

namespace {

constexpr char kKeywords[] = "board, dtb, since, overlay, why, expect";

// Where the parser is: file:line, for every message.
struct Cursor {
  absl::string_view file;
  int line = 0;
  absl::Status Error(absl::string_view cause) const {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", cause));
  }
};

// Splits "keyword rest of line" at the first run of blanks.
std::pair<absl::string_view, absl::string_view> Keyword(absl::string_view s) {
  const size_t blank = s.find_first_of(" \t");
  if (blank == absl::string_view::npos) return {s, ""};
  return {s.substr(0, blank), absl::StripAsciiWhitespace(s.substr(blank))};
}

bool IsLineVersion(absl::string_view v) {
  std::vector<absl::string_view> parts = absl::StrSplit(v, '.');
  if (parts.size() != 2) return false;
  for (absl::string_view p : parts) {
    int n;
    if (p.empty() || !absl::ascii_isdigit(p[0]) || !absl::SimpleAtoi(p, &n)) {
      return false;
    }
  }
  return true;
}

// "PATH PROPERTY = "VALUE"" or "PATH PROPERTY -> NODE".
absl::StatusOr<Expectation> ParseExpect(absl::string_view rest,
                                        const Cursor& at) {
  constexpr char kShape[] =
      "expect needs 'PATH PROPERTY = \"STRING\"' or 'PATH PROPERTY -> NODE'";
  auto [path, tail] = Keyword(rest);
  auto [property, value] = Keyword(tail);
  Expectation e;
  e.path = std::string(path);
  e.property = std::string(property);
  if (path.empty() || property.empty()) return at.Error(kShape);
  if (path[0] != '/') {
    return at.Error(absl::StrCat("expect: node path '", path,
                                 "' must start with '/'"));
  }
  if (absl::ConsumePrefix(&value, "->")) {
    value = absl::StripAsciiWhitespace(value);
    if (value.empty() || value[0] != '/' ||
        value.find_first_of(" \t") != absl::string_view::npos) {
      return at.Error(absl::StrCat("expect: '->' needs one node path starting "
                                   "with '/', got '", value, "'"));
    }
    e.kind = Expectation::Kind::kPhandleOf;
  } else if (absl::ConsumePrefix(&value, "=")) {
    value = absl::StripAsciiWhitespace(value);
    if (value.size() < 2 || value.front() != '"' || value.back() != '"' ||
        value.substr(1, value.size() - 2).find('"') != absl::string_view::npos) {
      return at.Error(absl::StrCat("expect: '=' needs one double-quoted "
                                   "string, got '", value, "'"));
    }
    value = value.substr(1, value.size() - 2);
    e.kind = Expectation::Kind::kString;
  } else {
    return at.Error(kShape);
  }
  e.value = std::string(value);
  return e;
}

// Sets a field that must appear exactly once.
absl::Status SetOnce(absl::string_view keyword, absl::string_view value,
                     const Cursor& at, std::string* field) {
  if (!field->empty()) {
    return at.Error(absl::StrCat("'", keyword, "' given twice"));
  }
  if (value.empty()) return at.Error(absl::StrCat("'", keyword, "' needs a value"));
  *field = std::string(value);
  return absl::OkStatus();
}

absl::Status ParseStatement(absl::string_view keyword, absl::string_view rest,
                            const Cursor& at, std::string* why,
                            BoardProfile* p) {
  if (keyword == "board") return SetOnce(keyword, rest, at, &p->name);
  if (keyword == "dtb") {
    if (absl::StrContains(rest, '/') || !absl::EndsWith(rest, ".dtb")) {
      return at.Error(absl::StrCat("dtb must be a file name ending in .dtb, "
                                   "without folders; got '", rest, "'"));
    }
    return SetOnce(keyword, rest, at, &p->dtb_name);
  }
  if (keyword == "since") {
    if (!IsLineVersion(rest)) {
      return at.Error(absl::StrCat("since must be a kernel line like 6.8, got '",
                                   rest, "'"));
    }
    return SetOnce(keyword, rest, at, &p->since);
  }
  if (keyword == "overlay") {
    if (rest.empty() || absl::StrContains(rest, '/')) {
      return at.Error(absl::StrCat("overlay must be a file name without "
                                   "folders; got '", rest, "'"));
    }
    p->overlays.push_back(std::string(rest));
    return absl::OkStatus();
  }
  if (keyword == "why") {
    if (rest.empty()) return at.Error("'why' needs a reason");
    *why = std::string(rest);
    return absl::OkStatus();
  }
  if (keyword == "expect") {
    ASSIGN_OR_RETURN(Expectation e, ParseExpect(rest, at));
    e.why = why->empty() ? "profile expectation" : *why;
    p->expectations.push_back(std::move(e));
    return absl::OkStatus();
  }
  return at.Error(absl::StrCat("unknown keyword '", keyword, "' (known: ",
                               kKeywords, ")"));
}

}  // namespace

absl::StatusOr<BoardProfile> ParseBoardProfile(absl::string_view text,
                                               absl::string_view file) {
  BoardProfile profile;
  profile.source = std::string(file);
  std::string why;
  Cursor at{file, 0};
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++at.line;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    auto [keyword, rest] = Keyword(line);
    RETURN_IF_ERROR(ParseStatement(keyword, rest, at, &why, &profile));
  }
  for (auto [field, keyword] : {std::pair{&profile.name, "board"},
                                {&profile.dtb_name, "dtb"},
                                {&profile.since, "since"}}) {
    if (field->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": no '", keyword, "' line"));
    }
  }
  if (profile.expectations.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": no 'expect' line (a profile that checks nothing proves "
              "nothing)"));
  }
  return profile;
}

absl::StatusOr<BoardProfile> LoadBoardProfile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseBoardProfile(text, path);
}

absl::StatusOr<std::vector<BoardProfile>> BuiltinProfiles() {
  ASSIGN_OR_RETURN(BoardProfile zero2w,
                   ParseBoardProfile(kBuiltinProfileOrangePiZero2W,
                                     "builtin:orangepi-zero2w.profile"));
  return std::vector<BoardProfile>{std::move(zero2w)};
}

}  // namespace fdt_handoff
