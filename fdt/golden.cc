#include "fdt/golden.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "fdt/diff.h"
#include "fdt/file_io.h"
#include "fdt/status_macros.h"

namespace fdt_handoff {
namespace {

// Goldens are text dumps of DTBs no larger than 2 MiB; this leaves room for
// the text being several times larger than the blob.
constexpr uint64_t kMaxGoldenSize = uint64_t{64} << 20;

// The workspace name from WORKSPACE, used when Bazel did not say.
constexpr char kDefaultWorkspace[] = "fdt_handoff";

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The path is joined onto the source tree when updating, so it must not be
// able to point outside it.
absl::Status ValidateGoldenPath(const std::string& golden_path) {
  if (golden_path.empty()) {
    return absl::InvalidArgumentError("golden path is empty");
  }
  if (golden_path.front() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        golden_path, ": golden path must be relative to the workspace root"));
  }
  for (absl::string_view part : absl::StrSplit(golden_path, '/')) {
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          golden_path, ": golden path must not contain \"..\""));
    }
  }
  return absl::OkStatus();
}

std::string RegenerateHint() {
  std::string target = EnvOrEmpty("TEST_TARGET");
  if (target.empty()) target = "//fdt:<test>";
  return absl::StrCat(
      "To accept the actual output as the new golden, run from the workspace "
      "root:\n  bazel test ",
      target, " --test_env=UPDATE_GOLDENS=$PWD --spawn_strategy=local\n");
}

absl::Status UpdateGolden(absl::string_view actual, const std::string& root,
                          const std::string& golden_path) {
  if (root.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("UPDATE_GOLDENS=", root,
                     ": must be the absolute path of the source tree"));
  }
  const std::string target = absl::StrCat(root, "/", golden_path);
  // Leave an up-to-date golden untouched, so its mtime keeps meaning
  // something to build tools and to people.
  absl::StatusOr<std::vector<uint8_t>> current = ReadFile(target, kMaxGoldenSize);
  if (current.ok() &&
      absl::string_view(reinterpret_cast<const char*>(current->data()),
                        current->size()) == actual) {
    return absl::OkStatus();
  }
  return WriteFileAtomic(
      target, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(actual.data()),
                                  actual.size()));
}

// Finds and reads the golden; kNotFound when no candidate location has it.
absl::StatusOr<std::string> ReadGolden(const std::string& golden_path) {
  std::vector<std::string> candidates;
  const std::string srcdir = EnvOrEmpty("TEST_SRCDIR");
  if (!srcdir.empty()) {
    std::string workspace = EnvOrEmpty("TEST_WORKSPACE");
    if (workspace.empty()) workspace = kDefaultWorkspace;
    candidates.push_back(absl::StrCat(srcdir, "/", workspace, "/", golden_path));
  }
  candidates.push_back(golden_path);
  for (const std::string& path : candidates) {
    absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(path, kMaxGoldenSize);
    if (bytes.ok()) return std::string(bytes->begin(), bytes->end());
    if (!absl::IsNotFound(bytes.status())) return bytes.status();
  }
  return absl::NotFoundError(absl::StrCat(
      golden_path, ": golden file not found (looked in ",
      absl::StrJoin(candidates, ", "),
      "). If it is new, create its directory, list it in the test's data, "
      "and generate it.\n",
      RegenerateHint()));
}

}  // namespace

absl::Status CheckGolden(absl::string_view actual,
                         const std::string& golden_path) {
  RETURN_IF_ERROR(ValidateGoldenPath(golden_path));
  const std::string update_root = EnvOrEmpty("UPDATE_GOLDENS");
  if (!update_root.empty()) {
    return UpdateGolden(actual, update_root, golden_path);
  }
  ASSIGN_OR_RETURN(const std::string golden, ReadGolden(golden_path));
  if (golden == actual) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      golden_path, ": output differs from the golden file (- golden, + actual):\n",
      UnifiedDiff(golden, actual, absl::StrCat(golden_path, " (golden)"),
                  absl::StrCat(golden_path, " (actual)")),
      RegenerateHint()));
}

}  // namespace fdt_handoff
