// File: fdt/fdt_error.h
//
// The one table that turns libfdt's negative error numbers into names and
// absl::Status values. libfdt reports failures as `-FDT_ERR_*` integers; every
// call site in this project passes them through FdtError() so that messages
// name the error the way libfdt's documentation and fdtoverlay do
// ("FDT_ERR_NOTFOUND"), and so that the status code follows one policy:
//
//   malformed blob (TRUNCATED, BADMAGIC, BADSTRUCTURE, ...)  -> kDataLoss
//   missing node/property/label (NOTFOUND)                   -> kNotFound
//   EXISTS                                                   -> kAlreadyExists
//   out of space or phandles (NOSPACE, NOPHANDLES)           -> kResourceExhausted
//   bad offsets/paths handed to libfdt by the caller         -> kInvalidArgument
//   INTERNAL                                                 -> kInternal
#ifndef FDT_FDT_ERROR_H_
#define FDT_FDT_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fdt_handoff {

// FdtErrorName()
//
// Returns "FDT_ERR_<NAME>" for a libfdt error (negative or positive form),
// "FDT_ERR_UNKNOWN" for a number libfdt does not define, and "OK" for 0.
absl::string_view FdtErrorName(int err);

// FdtErrorCode()
//
// The absl::StatusCode our policy (above) assigns to a libfdt error.
absl::StatusCode FdtErrorCode(int err);

// FdtError()
//
// Builds a status "<context>: <FDT_ERR_NAME>" with the code from
// FdtErrorCode(). `err` must be non-zero; 0 yields an kInternal status,
// because a caller that reaches here with success has a bug.
absl::Status FdtError(int err, absl::string_view context);

}  // namespace fdt_handoff

#endif  // FDT_FDT_ERROR_H_
