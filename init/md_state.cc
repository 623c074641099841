#include "init/md_state.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fdt/escape.h"

namespace fdt_handoff {
namespace {

absl::Status ExportError(absl::string_view device, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat(device, ": mdadm --examine --export: ", what));
}

template <typename T>
absl::Status ParseNumber(absl::string_view device, absl::string_view key,
                         absl::string_view value, T* out) {
  if (value.empty() || !absl::ascii_isdigit(value[0]) ||
      !absl::SimpleAtoi(value, out)) {
    return ExportError(device, absl::StrCat(key, "=", absl::CEscape(value),
                                            " is not a number"));
  }
  return absl::OkStatus();
}

absl::Status SetField(absl::string_view device, absl::string_view key,
                      absl::string_view value, MdExamine& e) {
  if (key == "MD_LEVEL") {
    e.level = std::string(value);
  } else if (key == "MD_DEVICES") {
    return ParseNumber(device, key, value, &e.raid_disks);
  } else if (key == "MD_UUID") {
    e.uuid = std::string(value);
  } else if (key == "MD_NAME") {
    e.name = std::string(value);
  } else if (key == "MD_DEV_UUID") {
    e.dev_uuid = std::string(value);
  } else if (key == "MD_EVENTS") {
    return ParseNumber(device, key, value, &e.events);
  }
  return absl::OkStatus();
}

// 32 lowercase hex digits, whatever the spelling (mdadm's colons, blkid's
// dashes).
std::string NormalUuid(absl::string_view uuid) {
  std::string out;
  for (char c : uuid) {
    if (c != ':' && c != '-') out.push_back(absl::ascii_tolower(c));
  }
  return out;
}

int MinimumMembers(const std::string& level, int raid_disks) {
  if (level == "raid1" || level == "multipath") return 1;
  if (level == "raid4" || level == "raid5") return raid_disks - 1;
  if (level == "raid6") return raid_disks - 2;
  return raid_disks;  // raid0, linear, raid10 (layout unknown), others.
}

void Summarize(MdArray& a) {
  std::set<int> slots;
  int active = 0;
  bool all_roles = true;
  for (const MdMember& m : a.members) {
    if (m.spare) continue;
    ++active;
    if (m.role.has_value()) {
      slots.insert(*m.role);
    } else {
      all_roles = false;
    }
  }
  if (all_roles) {
    for (int s = 0; s < a.raid_disks; ++s) {
      if (slots.count(s) == 0) a.missing_slots.push_back(s);
    }
    a.missing = static_cast<int>(a.missing_slots.size());
  } else {
    a.missing = std::max(0, a.raid_disks - active);
  }
  a.complete = a.missing == 0;
  a.runnable = a.raid_disks - a.missing >= MinimumMembers(a.level, a.raid_disks);
}

// What mdadm reports is the disks' text (MD_NAME: 32 bytes chosen by
// whoever made the array): escaped before any console line carries it.
std::string Label(const MdArray& a) {
  return absl::StrCat("md ", Escaped(absl::AsciiStrToUpper(a.level)), " '",
                      Escaped(a.name.empty() ? a.uuid : a.name), "'");
}

std::string MemberText(const MdMember& m) {
  if (m.spare) return absl::StrCat(m.device, " spare");
  if (m.role.has_value()) return absl::StrCat(m.device, " (slot ", *m.role, ")");
  return m.device;
}

std::string ListArrays(const std::vector<MdArray>& arrays) {
  if (arrays.empty()) return "no array member seen";
  std::vector<std::string> lines;
  for (const MdArray& a : arrays) lines.push_back(MissingReport(a));
  return absl::StrJoin(lines, "; ");
}

}  // namespace

absl::StatusOr<MdExamine> ParseExamineExport(absl::string_view text,
                                             absl::string_view device) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::NotFoundError(
        absl::StrCat(device, ": no md superblock (mdadm --examine is empty)"));
  }
  MdExamine e;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return ExportError(device, absl::StrCat("'", absl::CEscape(line),
                                              "' is not KEY=VALUE"));
    }
    absl::Status s = SetField(device, line.substr(0, eq), line.substr(eq + 1), e);
    if (!s.ok()) return s;
  }
  if (e.level.empty() || e.raid_disks == 0 || e.uuid.empty()) {
    return ExportError(device, "MD_LEVEL, MD_DEVICES or MD_UUID missing");
  }
  if (e.level == "container") {
    return absl::UnimplementedError(absl::StrCat(
        device, ": a firmware RAID container (IMSM/DDF, UUID ", Escaped(e.uuid),
        "); mdboot assembles native md arrays only"));
  }
  return e;
}

absl::Status ParseExamineRole(absl::string_view text, absl::string_view device,
                              MdExamine& examine) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const absl::string_view l = absl::StripAsciiWhitespace(line);
    absl::string_view rest = l;
    if (absl::ConsumePrefix(&rest, "Device Role :")) {
      rest = absl::StripAsciiWhitespace(rest);
      examine.spare = rest == "spare" || rest == "Journal";
      examine.role.reset();
      if (examine.spare) return absl::OkStatus();
      if (!absl::ConsumePrefix(&rest, "Active device ") &&
          !absl::ConsumePrefix(&rest, "Replacement device ")) {
        return absl::DataLossError(absl::StrCat(
            device, ": mdadm --examine: unknown role '", absl::CEscape(rest), "'"));
      }
    } else if (absl::ConsumePrefix(&rest, "this ")) {
      // 0.90: this Number Major Minor RaidDevice State...
      std::vector<absl::string_view> cols =
          absl::StrSplit(rest, ' ', absl::SkipEmpty());
      if (cols.size() < 5) continue;
      examine.spare = cols[4] == "spare";
      examine.role.reset();
      if (examine.spare) return absl::OkStatus();
      rest = cols[3];
    } else {
      continue;
    }
    int slot = 0;
    if (rest.empty() || !absl::ascii_isdigit(rest[0]) ||
        !absl::SimpleAtoi(rest, &slot)) {
      return absl::DataLossError(absl::StrCat(
          device, ": mdadm --examine: slot '", absl::CEscape(rest),
          "' is not a number"));
    }
    examine.role = slot;
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

void MdState::Add(const std::string& device, MdExamine examine) {
  devices_[device] = std::move(examine);
}

void MdState::Remove(const std::string& device) { devices_.erase(device); }

std::vector<MdArray> MdState::Arrays() const {
  std::map<std::string, MdArray> by_uuid;
  for (const auto& [device, e] : devices_) {  // Sorted by device.
    MdArray& a = by_uuid[NormalUuid(e.uuid)];
    if (a.members.empty()) {
      a.uuid = e.uuid;
      a.name = e.name;
      a.level = e.level;
      a.raid_disks = e.raid_disks;
    } else if (e.level != a.level || e.raid_disks != a.raid_disks) {
      a.warnings.push_back(absl::StrCat(
          device, " says ", Escaped(e.level), " with ", e.raid_disks,
          " devices, ", a.members.front().device, " says ", Escaped(a.level),
          " with ", a.raid_disks, " (same UUID ", Escaped(a.uuid), ")"));
    }
    a.members.push_back(MdMember{device, e.role, e.spare, e.events});
  }
  std::vector<MdArray> arrays;
  for (auto& [uuid, a] : by_uuid) {
    Summarize(a);
    arrays.push_back(std::move(a));
  }
  std::sort(arrays.begin(), arrays.end(), [](const MdArray& x, const MdArray& y) {
    return std::tie(x.name, x.uuid) < std::tie(y.name, y.uuid);
  });
  return arrays;
}

bool ArrayMatches(const MdArray& array, absl::string_view wanted) {
  if (wanted.empty()) return false;
  if (NormalUuid(wanted) == NormalUuid(array.uuid)) return true;
  if (array.name.empty()) return false;
  if (wanted == array.name) return true;
  const size_t colon = array.name.find(':');
  return colon != std::string::npos &&
         wanted.find(':') == absl::string_view::npos &&
         wanted == absl::string_view(array.name).substr(colon + 1);
}

absl::StatusOr<MdArray> MdState::Choose(absl::string_view wanted) const {
  const std::vector<MdArray> arrays = Arrays();
  std::vector<MdArray> hits;
  for (const MdArray& a : arrays) {
    if (wanted.empty() ? a.complete : ArrayMatches(a, wanted)) hits.push_back(a);
  }
  if (hits.size() == 1) return hits.front();
  if (hits.empty()) {
    return absl::NotFoundError(absl::StrCat(
        wanted.empty() ? std::string("no complete md array")
                       : absl::StrCat("no md array matches mdboot.array=",
                                      absl::CEscape(wanted)),
        "; seen: ", ListArrays(arrays)));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      hits.size(), wanted.empty() ? " complete md arrays" : " md arrays match",
      ": ", ListArrays(hits),
      "; choose one with mdboot.array=UUID or mdboot.array=NAME"));
}

std::string ProgressLine(const MdArray& array, int seconds_left) {
  std::vector<std::string> devices;
  for (const MdMember& m : array.members) {
    devices.push_back(m.spare ? absl::StrCat(m.device, " spare") : m.device);
  }
  return absl::StrCat(Label(array), ": ", array.raid_disks - array.missing, "/",
                      array.raid_disks, " members (",
                      absl::StrJoin(devices, ", "), "), waiting ",
                      seconds_left, " s");
}

std::string MissingReport(const MdArray& array) {
  std::vector<std::string> present;
  for (const MdMember& m : array.members) present.push_back(MemberText(m));
  std::string missing;
  if (array.missing == 0) {
    missing = "complete";
  } else {
    missing = absl::StrCat(array.missing, " of ", array.raid_disks,
                           " members missing");
    if (!array.missing_slots.empty()) {
      absl::StrAppend(&missing, " (slot",
                      array.missing_slots.size() > 1 ? "s " : " ",
                      absl::StrJoin(array.missing_slots, ", "), ")");
    }
  }
  return absl::StrCat(Label(array), " (UUID ", Escaped(array.uuid),
                      "): ", missing,
                      "; present: ", absl::StrJoin(present, ", "));
}

}  // namespace fdt_handoff
