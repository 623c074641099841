// File: init/dtb_dump.h
//
// mdboot.dumpdtb: the DTB handed to kexec_load, printed on the console as
// text a host can turn back into the exact blob (a serial log is often the
// only thing a board leaves behind). The block:
//
//   MDBOOT-DTB-BEGIN <bytes> <sha256 of the blob>
//   <base64 of the blob, gzip-compressed, 76 characters a line>
//   MDBOOT-DTB-END
//
// The size and digest are of the uncompressed blob, so the reader checks
// what it decoded (e2e/check.py's parse_log reads this block as the blob
// "MDBOOT-DTB"). Decode by hand with
//   sed -n '/^MDBOOT-DTB-BEGIN/,/^MDBOOT-DTB-END/p' log | sed '1d;$d' |
//     base64 -d | gunzip > handed.dtb
#ifndef INIT_DTB_DUMP_H_
#define INIT_DTB_DUMP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace fdt_handoff {

inline constexpr char kDtbDumpBegin[] = "MDBOOT-DTB-BEGIN";
inline constexpr char kDtbDumpEnd[] = "MDBOOT-DTB-END";

// DtbDumpLines()
//
// The block above for `blob`, one string a line (no newlines).
// Returns:
//   kInternal  zlib refused to compress (out of memory).
absl::StatusOr<std::vector<std::string>> DtbDumpLines(
    absl::Span<const uint8_t> blob);

}  // namespace fdt_handoff

#endif  // INIT_DTB_DUMP_H_
