#include "fdt/regress.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

void RunLine(const RegressOptions& options, const Tree& live,
             LineResult* result) {
  const BoardProfile& profile = *options.profile;
  const std::string path =
      absl::StrCat(options.corpus_dir, "/", result->version, "/", profile.dtb_name);
  result->dtb = profile.dtb_name;
  if (!IsFile(path)) {
    if (CompareVersions(result->version, profile.since) < 0) {
      result->outcome = LineResult::Outcome::kNotApplicable;
      result->messages.push_back(absl::StrCat(profile.dtb_name,
                                              " is not in this line (", profile.name,
                                              " is upstream since ", profile.since,
                                              ")"));
    } else {
      result->outcome = LineResult::Outcome::kFail;
      result->messages.push_back(absl::StrCat(path, " is missing"));
    }
    return;
  }
  auto fail = [&](const absl::Status& s) {
    result->outcome = LineResult::Outcome::kFail;
    result->messages.push_back(std::string(s.message()));
  };
  auto target = Fdt::FromFile(path);
  if (!target.ok()) return fail(target.status());
  absl::optional<Fdt> symbols;
  if (!options.symbols_dir.empty()) {
    const std::string spath = absl::StrCat(options.symbols_dir, "/",
                                           result->version, "/", profile.dtb_name);
    if (IsFile(spath)) {
      auto s = Fdt::FromFile(spath);
      if (!s.ok()) return fail(s.status());
      symbols = *std::move(s);
    }
  }
  ReconcileOptions ro;
  ro.live = options.live;
  ro.overlays = options.overlays;
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
  for (const Expectation& e : profile.expectations) checker.Expect(e);
  checker.Fixups();
}

}  // namespace

int CompareVersions(const std::string& a, const std::string& b) {
  std::vector<std::string> pa = absl::StrSplit(a, '.');
  std::vector<std::string> pb = absl::StrSplit(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    int x = 0, y = 0;
    if (i < pa.size() && !absl::SimpleAtoi(pa[i], &x)) x = 0;
    if (i < pb.size() && !absl::SimpleAtoi(pb[i], &y)) y = 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

const BoardProfile& OrangePiZero2WProfile() {
  static const BoardProfile* const kProfile = [] {
    const char* const why = "expansion-board USB overlay";
    auto* p = new BoardProfile;
    p->name = "Orange Pi Zero 2W";
    p->dtb_name = "sun50i-h618-orangepi-zero2w.dtb";
    p->since = "6.8";
    using K = Expectation::Kind;
    for (const char* usb : {"/soc/usb@5310000", "/soc/usb@5310400",
                            "/soc/usb@5311000", "/soc/usb@5311400"}) {
      p->expectations.push_back({K::kString, usb, "status", "okay", why});
    }
    for (const char* supply : {"usb1_vbus-supply", "usb2_vbus-supply",
                               "usb3_vbus-supply"}) {
      p->expectations.push_back(
          {K::kPhandleOf, "/soc/phy@5100400", supply, "/vcc5v", why});
    }
    return p;
  }();
  return *kProfile;
}

absl::StatusOr<std::vector<LineResult>> RunRegression(
    const RegressOptions& options) {
  if (options.live == nullptr || options.profile == nullptr) {
    return absl::InvalidArgumentError("regress needs a live FDT and a profile");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> lines,
                   ListLines(options.corpus_dir));
  ASSIGN_OR_RETURN(Tree live, ParseTree(*options.live));
  std::vector<LineResult> results;
  for (const std::string& line : lines) {
    LineResult result;
    result.version = line;
    RunLine(options, live, &result);
    results.push_back(std::move(result));
  }
  return results;
}

std::string FormatRegression(const std::vector<LineResult>& results) {
  std::string out;
  int passed = 0, failed = 0, na = 0;
  for (const LineResult& r : results) {
    switch (r.outcome) {
      case LineResult::Outcome::kPass:
        ++passed;
        absl::StrAppend(&out, absl::StrFormat("PASS %-6s %s (%d checks)\n",
                                              r.version, r.dtb, r.checks));
        break;
      case LineResult::Outcome::kFail:
        ++failed;
        absl::StrAppend(&out, absl::StrFormat("FAIL %-6s %s (%d checks)\n",
                                              r.version, r.dtb, r.checks));
        break;
      case LineResult::Outcome::kNotApplicable:
        ++na;
        absl::StrAppend(&out, absl::StrFormat("N/A  %-6s %s\n", r.version,
                                              r.dtb));
        break;
    }
    for (const std::string& m : r.messages) {
      absl::StrAppend(&out, "     ", r.version, ": ", m, "\n");
    }
  }
  absl::StrAppend(&out, absl::StrFormat(
                            "kernel lines: %d passed, %d failed, %d not "
                            "applicable\n",
                            passed, failed, na));
  return out;
}

}  // namespace fdt_handoff
