#include "fdt/fdt_error.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

struct FdtErrorEntry {
  int number;
  absl::string_view name;
  absl::StatusCode code;
};

// Indexed by name rather than position so the table stays right if libfdt
// renumbers or adds codes.
constexpr FdtErrorEntry kFdtErrors[] = {
    {FDT_ERR_NOTFOUND, "FDT_ERR_NOTFOUND", absl::StatusCode::kNotFound},
    {FDT_ERR_EXISTS, "FDT_ERR_EXISTS", absl::StatusCode::kAlreadyExists},
    {FDT_ERR_NOSPACE, "FDT_ERR_NOSPACE",
     absl::StatusCode::kResourceExhausted},
    {FDT_ERR_BADOFFSET, "FDT_ERR_BADOFFSET",
     absl::StatusCode::kInvalidArgument},
    {FDT_ERR_BADPATH, "FDT_ERR_BADPATH", absl::StatusCode::kInvalidArgument},
    {FDT_ERR_BADPHANDLE, "FDT_ERR_BADPHANDLE", absl::StatusCode::kDataLoss},
    {FDT_ERR_BADSTATE, "FDT_ERR_BADSTATE", absl::StatusCode::kInvalidArgument},
    {FDT_ERR_TRUNCATED, "FDT_ERR_TRUNCATED", absl::StatusCode::kDataLoss},
    {FDT_ERR_BADMAGIC, "FDT_ERR_BADMAGIC", absl::StatusCode::kDataLoss},
    {FDT_ERR_BADVERSION, "FDT_ERR_BADVERSION", absl::StatusCode::kDataLoss},
    {FDT_ERR_BADSTRUCTURE, "FDT_ERR_BADSTRUCTURE",
     absl::StatusCode::kDataLoss},
    {FDT_ERR_BADLAYOUT, "FDT_ERR_BADLAYOUT", absl::StatusCode::kDataLoss},
    {FDT_ERR_INTERNAL, "FDT_ERR_INTERNAL", absl::StatusCode::kInternal},
    {FDT_ERR_BADNCELLS, "FDT_ERR_BADNCELLS", absl::StatusCode::kDataLoss},
    {FDT_ERR_BADVALUE, "FDT_ERR_BADVALUE", absl::StatusCode::kDataLoss},
    {FDT_ERR_BADOVERLAY, "FDT_ERR_BADOVERLAY", absl::StatusCode::kDataLoss},
    {FDT_ERR_NOPHANDLES, "FDT_ERR_NOPHANDLES",
     absl::StatusCode::kResourceExhausted},
    {FDT_ERR_BADFLAGS, "FDT_ERR_BADFLAGS", absl::StatusCode::kInvalidArgument},
#ifdef FDT_ERR_ALIGNMENT
    {FDT_ERR_ALIGNMENT, "FDT_ERR_ALIGNMENT", absl::StatusCode::kDataLoss},
#endif
};

const FdtErrorEntry* Find(int err) {
  const int number = std::abs(err);
  for (const FdtErrorEntry& e : kFdtErrors) {
    if (e.number == number) return &e;
  }
  return nullptr;
}

}  // namespace

absl::string_view FdtErrorName(int err) {
  if (err == 0) return "OK";
  const FdtErrorEntry* e = Find(err);
  return e != nullptr ? e->name : "FDT_ERR_UNKNOWN";
}

absl::StatusCode FdtErrorCode(int err) {
  if (err == 0) return absl::StatusCode::kInternal;
  const FdtErrorEntry* e = Find(err);
  return e != nullptr ? e->code : absl::StatusCode::kUnknown;
}

absl::Status FdtError(int err, absl::string_view context) {
  if (err == 0) {
    return absl::InternalError(
        absl::StrCat(context, ": FdtError() called without an error"));
  }
  const FdtErrorEntry* e = Find(err);
  if (e == nullptr) {
    return absl::UnknownError(
        absl::StrCat(context, ": unknown libfdt error ", err));
  }
  return absl::Status(e->code, absl::StrCat(context, ": ", e->name));
}

}  // namespace fdt_handoff
