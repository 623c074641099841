#include "fdt/regress.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/types/optional.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fdt/file_io.h"
#include "fdt/memory.h"
#include "fdt/reconcile.h"
#include "fdt/status_macros.h"
#include "fdt/tree.h"

namespace fdt_handoff {
namespace {

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<std::vector<std::string>> ListLines(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": cannot open the corpus folder: ", strerror(errno)));
  }
  std::vector<std::string> lines;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    if (stat(absl::StrCat(dir, "/", name).c_str(), &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      lines.push_back(name);
    }
  }
  closedir(d);
  if (lines.empty()) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": no kernel-line folders (like 6.12/) inside"));
  }
  std::sort(lines.begin(), lines.end(),
            [](const std::string& a, const std::string& b) {
              return CompareVersions(a, b) < 0;
            });
  return lines;
}

// A fixed seed source: regressions compare structure, not randomness.
absl::Status CountingSeeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i + 1);
  return absl::OkStatus();
}

std::string StringOf(const Property* p) {
  if (p == nullptr) return "(absent)";
  const auto s = PropertyStrings(*p);
  return s.empty() ? "\"\"" : absl::StrCat("\"", s[0], "\"");
}

class LineChecker {
 public:
  LineChecker(LineResult* result, const Tree& out, const Tree& target,
              const Tree& live, const std::string& live_origin)
      : result_(result), out_(out), target_(target), live_(live),
        live_origin_(live_origin) {}

  void Check(bool ok, std::string failure) {
    ++result_->checks;
    if (!ok) {
      result_->outcome = LineResult::Outcome::kFail;
      result_->messages.push_back(std::move(failure));
    }
  }

  void Expect(const Expectation& e) {
    const Node* node = out_.Find(e.path);
    if (node == nullptr) {
      Check(false, absl::StrCat("node ", e.path, " is gone (", e.why, ")"));
      return;
    }
    const Property* p = node->FindProperty(e.property);
    switch (e.kind) {
      case Expectation::Kind::kString: {
        const auto s = p != nullptr ? PropertyStrings(*p)
                                    : std::vector<std::string>{};
        Check(!s.empty() && s[0] == e.value,
              absl::StrCat(e.path, ":", e.property, " is ", StringOf(p),
                           ", expected \"", e.value, "\" (", e.why, ")"));
        break;
      }
      case Expectation::Kind::kPhandleOf: {
        const Node* ref = out_.Find(e.value);
        const Property* ph = ref != nullptr ? ref->FindProperty("phandle")
                                            : nullptr;
        if (ref == nullptr || ph == nullptr || ph->value.size() != 4) {
          Check(false, absl::StrCat("node ", e.value, " referenced by ",
                                    e.path, ":", e.property,
                                    " is gone or has no phandle (", e.why,
                                    ")"));
          break;
        }
        Check(p != nullptr && p->value == ph->value,
              absl::StrCat(e.path, ":", e.property, " does not reference ",
                           e.value, " (", e.why, ")"));
        break;
      }
    }
  }

  void Fixups() {
    // Memory: exactly the live FDT's.
    auto live_memory = MemoryOf(live_, live_origin_);
    auto out_memory = MemoryOf(out_, "result");
    bool same = live_memory.ok() && out_memory.ok() &&
                live_memory->size() == out_memory->size();
    for (size_t i = 0; same && i < live_memory->size(); ++i) {
      same = (*live_memory)[i].base == (*out_memory)[i].base &&
             (*live_memory)[i].size == (*out_memory)[i].size;
    }
    Check(same, "memory: /memory of the result differs from the live FDT's");

    // Firmware reservations: each live region covered exactly once.
    auto live_regions = ReservedRegionsOf(live_, live_origin_);
    auto out_regions = ReservedRegionsOf(out_, "result");
    if (!live_regions.ok() || !out_regions.ok()) {
      Check(false, "reserved-memory: cannot decode /reserved-memory");
    } else {
      for (const ReservedRegion& r : *live_regions) {
        int covering = 0;
        std::vector<std::string> names;
        for (const ReservedRegion& o : *out_regions) {
          const bool overlaps = o.range.base < r.range.base + r.range.size &&
                                r.range.base < o.range.base + o.range.size;
          if (!overlaps) continue;
          names.push_back(o.name);
          if (o.range.base <= r.range.base &&
              r.range.base + r.range.size <= o.range.base + o.range.size) {
            ++covering;
          }
        }
        Check(covering == 1 && names.size() == 1,
              absl::StrCat("reserved-memory: live ", r.name, " ",
                           FormatRange(r.range.base, r.range.size),
                           " must be covered exactly once, found ",
                           names.size(), " overlapping node(s)",
                           names.empty() ? "" : ": ",
                           absl::StrJoin(names, ", ")));
      }
    }

    // Identity.
    if (const Property* serial = live_.root.FindProperty("serial-number")) {
      const Property* got = out_.root.FindProperty("serial-number");
      Check(got != nullptr && got->value == serial->value,
            absl::StrCat("/serial-number is ", StringOf(got), ", live has ",
                         StringOf(serial)));
    }

    // /chosen.
    const Node* chosen = out_.Find("/chosen");
    const Property* kaslr = chosen ? chosen->FindProperty("kaslr-seed") : nullptr;
    const Property* rng = chosen ? chosen->FindProperty("rng-seed") : nullptr;
    Check(kaslr != nullptr && kaslr->value.size() == 8,
          "/chosen:kaslr-seed missing or not 8 bytes");
    Check(rng != nullptr && rng->value.size() == 128,
          "/chosen:rng-seed missing or not 128 bytes");
    const Node* target_chosen = target_.Find("/chosen");
    if (target_chosen != nullptr) {
      if (const Property* sp = target_chosen->FindProperty("stdout-path")) {
        const Property* got =
            chosen ? chosen->FindProperty("stdout-path") : nullptr;
        Check(got != nullptr && got->value == sp->value,
              absl::StrCat("/chosen:stdout-path is ", StringOf(got),
                           ", the target had ", StringOf(sp)));
      }
    }
    Check(out_.memreserves.empty(),
          "/memreserve/ entries of the old boot were carried over");
  }

 private:
  LineResult* result_;
  const Tree& out_;
  const Tree& target_;
  const Tree& live_;
  const std::string& live_origin_;
};

// The leading "N.N.N" of a kernel release ("7.2.13+deb14-arm64" -> 7.2.13).
std::string NumericVersion(absl::string_view release) {
  size_t n = 0;
  while (n < release.size() &&
         (absl::ascii_isdigit(release[n]) || release[n] == '.')) {
    ++n;
  }
  return std::string(absl::StripSuffix(release.substr(0, n), "."));
}

// The -@ build to take labels from: `dtb_name` in the newest folder of
// `symbols_dir` that is not newer than `version`. Empty when there is none;
// `note` says which one was taken, or why there is none.
std::string FindSymbolBuild(const std::string& symbols_dir,
                            const std::string& version,
                            const std::string& dtb_name, std::string* note) {
  auto lines = ListLines(symbols_dir);
  if (lines.ok()) {
    for (auto it = lines->rbegin(); it != lines->rend(); ++it) {
      if (CompareVersions(*it, version) > 0) continue;
      const std::string path = absl::StrCat(symbols_dir, "/", *it, "/", dtb_name);
      if (!IsFile(path)) continue;
      *note = CompareVersions(*it, version) == 0
                  ? absl::StrCat("labels from the -@ build ", path)
                  : absl::StrCat("no -@ build for ", version,
                                 ": labels grafted from the nearest older "
                                 "one, ", *it, " (", path, ")");
      return path;
    }
  }
  *note = absl::StrCat("no -@ build of ", dtb_name, " for ", version,
                       " or an older line in ", symbols_dir);
  return "";
}

// What one verdict checks: `dtb_path` on kernel `result->version`, with the
// profile of `run` (null: the fixups alone).
void RunBoard(const RegressOptions& options, const Tree& live,
              const std::string& dtb_path, const std::string& shown,
              const ProfileRun* run, LineResult* result) {
  auto fail = [&](const absl::Status& s) {
    result->outcome = LineResult::Outcome::kFail;
    result->messages.push_back(std::string(s.message()));
  };
  auto bytes = ReadFile(dtb_path);
  if (!bytes.ok()) return fail(bytes.status());
  auto target = Fdt::FromBytes(*std::move(bytes), shown);
  if (!target.ok()) return fail(target.status());
  absl::optional<Fdt> symbols;
  const bool needs_labels =
      run != nullptr && !run->overlays.empty() && !target->HasSymbols();
  if (needs_labels && options.symbols_dir.empty()) {
    result->notes.push_back(
        "no folder of -@ builds given (--symbols DIR): no label source");
  } else if (needs_labels) {
    std::string note;
    const std::string spath = FindSymbolBuild(
        options.symbols_dir, result->version, result->dtb, &note);
    result->notes.push_back(std::move(note));
    if (!spath.empty()) {
      auto s = Fdt::FromFile(spath);
      if (!s.ok()) return fail(s.status());
      symbols = *std::move(s);
    }
  }
  ReconcileOptions ro;
  ro.live = options.live;
  if (run != nullptr) ro.overlays = run->overlays;
  ro.symbols_from = symbols.has_value() ? &*symbols : nullptr;
  ro.append = "console=ttyS0,115200 root=/dev/md127 rootwait";
  ro.seed_source = CountingSeeds;
  auto out = Reconcile(*target, ro);
  if (!out.ok()) return fail(out.status());
  auto out_tree = ParseTree(*out);
  auto target_tree = ParseTree(*target);
  if (!out_tree.ok()) return fail(out_tree.status());
  if (!target_tree.ok()) return fail(target_tree.status());
  LineChecker checker(result, *out_tree, *target_tree, live,
                      options.live->origin());
  if (run != nullptr) {
    for (const Expectation& e : run->profile.expectations) checker.Expect(e);
  }
  checker.Fixups();
}

// The verdict for a board the kernel does not have.
void MissingBoard(const BoardProfile& profile, const std::string& where,
                  LineResult* result) {
  if (CompareVersions(result->version, profile.since) < 0) {
    result->outcome = LineResult::Outcome::kNotApplicable;
    result->messages.push_back(
        absl::StrCat(profile.dtb_name, " is not in this kernel (", profile.name,
                     " is upstream since ", profile.since, ")"));
  } else {
    result->outcome = LineResult::Outcome::kFail;
    result->messages.push_back(absl::StrCat(where, " is missing"));
  }
}

LineResult ProfileResult(const std::string& version, const ProfileRun& run) {
  LineResult result;
  result.version = version;
  result.dtb = run.profile.dtb_name;
  result.board = run.profile.name;
  return result;
}

absl::Status CheckOptions(const RegressOptions& options) {
  if (options.live == nullptr) {
    return absl::InvalidArgumentError("regress needs a live FDT");
  }
  return absl::OkStatus();
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      absl::StrAppend(&out, "\\", std::string(1, c));
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", static_cast<int>(c)));
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string JsonStrings(const std::vector<std::string>& v) {
  std::vector<std::string> quoted;
  for (const std::string& s : v) quoted.push_back(JsonString(s));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

const char* Verdict(LineResult::Outcome o) {
  switch (o) {
    case LineResult::Outcome::kPass: return "pass";
    case LineResult::Outcome::kFail: return "fail";
    case LineResult::Outcome::kNotApplicable: return "n/a";
  }
  return "?";
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The file an overlay name of `profile` resolves to; `used` marks the
// --overlay files taken.
absl::StatusOr<std::string> ResolveOverlay(
    const BoardProfile& profile, const std::string& name,
    const std::vector<std::string>& overlay_files, std::vector<bool>* used) {
  for (size_t i = 0; i < overlay_files.size(); ++i) {
    if (Basename(overlay_files[i]) != name) continue;
    (*used)[i] = true;
    return overlay_files[i];
  }
  if (!absl::StartsWith(profile.source, "builtin:")) {
    const std::string beside = absl::StrCat(Dirname(profile.source), "/", name);
    if (IsFile(beside)) return beside;
  }
  return absl::NotFoundError(absl::StrCat(
      profile.source, ": overlay ", name, " is not among the --overlay files",
      absl::StartsWith(profile.source, "builtin:") ? "" : " nor beside the profile",
      "; give it with --overlay PATH/", name));
}

absl::StatusOr<ProfileRun> LoadProfileRun(
    BoardProfile profile, const std::vector<std::string>& overlay_files,
    std::vector<bool>* used) {
  ProfileRun run;
  for (const std::string& name : profile.overlays) {
    ASSIGN_OR_RETURN(std::string path,
                     ResolveOverlay(profile, name, overlay_files, used));
    ASSIGN_OR_RETURN(Fdt overlay, Fdt::FromFile(path));
    run.overlays.push_back(std::move(overlay));
  }
  run.profile = std::move(profile);
  return run;
}

}  // namespace

absl::StatusOr<std::vector<ProfileRun>> LoadProfileRuns(
    const std::vector<std::string>& profile_files,
    const std::vector<std::string>& overlay_files) {
  std::vector<BoardProfile> profiles;
  if (profile_files.empty()) {
    ASSIGN_OR_RETURN(profiles, BuiltinProfiles());
  }
  for (const std::string& file : profile_files) {
    ASSIGN_OR_RETURN(BoardProfile p, LoadBoardProfile(file));
    profiles.push_back(std::move(p));
  }
  std::vector<bool> used(overlay_files.size(), false);
  std::vector<ProfileRun> runs;
  std::vector<std::string> named;
  for (BoardProfile& p : profiles) {
    named.insert(named.end(), p.overlays.begin(), p.overlays.end());
    ASSIGN_OR_RETURN(ProfileRun run,
                     LoadProfileRun(std::move(p), overlay_files, &used));
    runs.push_back(std::move(run));
  }
  for (size_t i = 0; i < overlay_files.size(); ++i) {
    if (used[i]) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        overlay_files[i], ": no profile names this overlay (they name: ",
        absl::StrJoin(named, ", "), ")"));
  }
  return runs;
}

int CompareVersions(const std::string& a, const std::string& b) {
  std::vector<std::string> pa = absl::StrSplit(NumericVersion(a), '.');
  std::vector<std::string> pb = absl::StrSplit(NumericVersion(b), '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    int x = 0, y = 0;
    if (i < pa.size() && !absl::SimpleAtoi(pa[i], &x)) x = 0;
    if (i < pb.size() && !absl::SimpleAtoi(pb[i], &y)) y = 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

absl::StatusOr<std::vector<LineResult>> RunRegression(
    const RegressOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  if (options.profiles.empty()) {
    return absl::InvalidArgumentError("regress needs at least one profile");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> lines,
                   ListLines(options.corpus_dir));
  ASSIGN_OR_RETURN(Tree live, ParseTree(*options.live));
  std::vector<LineResult> results;
  for (const std::string& line : lines) {
    for (const ProfileRun& run : options.profiles) {
      LineResult result = ProfileResult(line, run);
      const std::string path = absl::StrCat(options.corpus_dir, "/", line, "/",
                                            run.profile.dtb_name);
      if (IsFile(path)) {
        RunBoard(options, live, path, path, &run, &result);
      } else {
        MissingBoard(run.profile, path, &result);
      }
      results.push_back(std::move(result));
    }
  }
  return results;
}

absl::StatusOr<std::vector<LineResult>> RunKernelRegression(
    const KernelDtbs& kernel, const RegressOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  if (kernel.dtb_paths.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kernel.origin, ": no DTBs to check"));
  }
  ASSIGN_OR_RETURN(Tree live, ParseTree(*options.live));
  std::vector<LineResult> results;
  std::vector<bool> seen(options.profiles.size(), false);
  for (const std::string& path : kernel.dtb_paths) {
    LineResult result;
    result.version = kernel.release;
    result.dtb = Basename(path);
    const ProfileRun* run = nullptr;
    for (size_t i = 0; i < options.profiles.size(); ++i) {
      if (options.profiles[i].profile.dtb_name != result.dtb) continue;
      run = &options.profiles[i];
      seen[i] = true;
      result.board = run->profile.name;
    }
    std::string shown = path;
    if (!kernel.extracted_root.empty() &&
        absl::StartsWith(path, kernel.extracted_root + "/")) {
      shown = absl::StrCat(kernel.origin, ":",
                           path.substr(kernel.extracted_root.size() + 1));
    }
    RunBoard(options, live, path, shown, run, &result);
    results.push_back(std::move(result));
  }
  for (size_t i = 0; i < options.profiles.size(); ++i) {
    if (seen[i]) continue;
    LineResult result = ProfileResult(kernel.release, options.profiles[i]);
    MissingBoard(options.profiles[i].profile,
                 absl::StrCat(result.dtb, " in ", kernel.origin), &result);
    results.push_back(std::move(result));
  }
  return results;
}

bool RegressFailed(const std::vector<LineResult>& results) {
  for (const LineResult& r : results) {
    if (r.outcome == LineResult::Outcome::kFail) return true;
  }
  return false;
}

std::string FormatRegression(const std::vector<LineResult>& results) {
  std::string out;
  int passed = 0, failed = 0, na = 0;
  for (const LineResult& r : results) {
    const std::string what =
        r.board.empty() ? absl::StrFormat("%d checks, no profile: fixups only",
                                          r.checks)
                        : absl::StrFormat("%d checks", r.checks);
    switch (r.outcome) {
      case LineResult::Outcome::kPass:
        ++passed;
        absl::StrAppend(&out, absl::StrFormat("PASS %-6s %s (%s)\n", r.version,
                                              r.dtb, what));
        break;
      case LineResult::Outcome::kFail:
        ++failed;
        absl::StrAppend(&out, absl::StrFormat("FAIL %-6s %s (%s)\n", r.version,
                                              r.dtb, what));
        break;
      case LineResult::Outcome::kNotApplicable:
        ++na;
        absl::StrAppend(&out, absl::StrFormat("N/A  %-6s %s\n", r.version,
                                              r.dtb));
        break;
    }
    for (const std::string& m : r.notes) {
      absl::StrAppend(&out, "     ", r.version, ": note: ", m, "\n");
    }
    for (const std::string& m : r.messages) {
      absl::StrAppend(&out, "     ", r.version, ": ", m, "\n");
    }
  }
  absl::StrAppend(&out, absl::StrFormat(
                            "verdicts: %d passed, %d failed, %d not "
                            "applicable\n",
                            passed, failed, na));
  return out;
}

std::string FormatRegressionJson(const std::vector<LineResult>& results) {
  std::vector<std::string> items;
  int counts[3] = {0, 0, 0};
  for (const LineResult& r : results) {
    ++counts[static_cast<int>(r.outcome)];
    items.push_back(absl::StrCat(
        "    {\"kernel\": ", JsonString(r.version), ", \"dtb\": ",
        JsonString(r.dtb), ", \"board\": ", JsonString(r.board),
        ", \"verdict\": ", JsonString(Verdict(r.outcome)), ", \"checks\": ",
        r.checks, ", \"notes\": ", JsonStrings(r.notes),
        ", \"messages\": ", JsonStrings(r.messages), "}"));
  }
  return absl::StrCat("{\n  \"results\": [\n", absl::StrJoin(items, ",\n"),
                      "\n  ],\n  \"passed\": ", counts[0], ",\n  \"failed\": ",
                      counts[1], ",\n  \"not_applicable\": ", counts[2], "\n}\n");
}

}  // namespace fdt_handoff
