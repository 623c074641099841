#include "init/dtb_dump.h"

#include <zlib.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kexec/verify/sha256.h"

namespace fdt_handoff {
namespace {

constexpr size_t kLineChars = 76;  // base64(1)'s width

// gzip (not raw deflate): the block decodes with base64 -d | gunzip.
absl::StatusOr<std::string> Gzip(absl::Span<const uint8_t> blob) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("mdboot.dumpdtb: zlib deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, blob.size()) + 32, '\0');
  zs.next_in = const_cast<Bytef*>(blob.data());
  zs.avail_in = static_cast<uInt>(blob.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return absl::InternalError(absl::StrCat("mdboot.dumpdtb: zlib deflate returned ", rc));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> DtbDumpLines(
    absl::Span<const uint8_t> blob) {
  absl::StatusOr<std::string> packed = Gzip(blob);
  if (!packed.ok()) return packed.status();
  std::string b64;
  absl::Base64Escape(*packed, &b64);
  std::vector<std::string> lines;
  lines.push_back(absl::StrCat(kDtbDumpBegin, " ", blob.size(), " ",
                               ToHex(Sha256Of(blob))));
  for (size_t i = 0; i < b64.size(); i += kLineChars) {
    lines.push_back(b64.substr(i, kLineChars));
  }
  lines.push_back(kDtbDumpEnd);
  return lines;
}

}  // namespace fdt_handoff
