// File: fdt/status_macros.h
//
// Two small macros for early returns on errors. Debian 12's Abseil (20220623)
// predates absl/status/status_macros.h, so we carry our own, in the spirit of
// Pigweed's PW_TRY / PW_TRY_ASSIGN.
//
//   absl::Status Load(...) {
//     RETURN_IF_ERROR(CheckSomething());
//     ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
//     ...
//   }
#ifndef FDT_STATUS_MACROS_H_
#define FDT_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// RETURN_IF_ERROR(expr)
//
// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    ::absl::Status fdt_status_macro_status_ = (expr);   \
    if (!fdt_status_macro_status_.ok()) {               \
      return fdt_status_macro_status_;                  \
    }                                                   \
  } while (false)

#define FDT_STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define FDT_STATUS_MACROS_CONCAT_(a, b) FDT_STATUS_MACROS_CONCAT_INNER_(a, b)

#define FDT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) {                                 \
    return std::move(tmp).status();                \
  }                                                \
  lhs = std::move(tmp).value()

// ASSIGN_OR_RETURN(lhs, expr)
//
// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration (`std::vector<uint8_t> bytes`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, expr)                                        \
  FDT_ASSIGN_OR_RETURN_IMPL_(                                              \
      FDT_STATUS_MACROS_CONCAT_(fdt_status_macro_or_, __LINE__), lhs, expr)

#endif  // FDT_STATUS_MACROS_H_
