#include "init/initrd_contents.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "fdt/endian.h"
#include "fdt/escape.h"
#include "fdt/status_macros.h"
#include "kexec/decompress.h"

namespace fdt_handoff {
namespace {

constexpr size_t kNewcHeader = 110;
constexpr size_t kLz4BlockMax = size_t{8} << 20;

bool StartsWith(absl::Span<const uint8_t> d, absl::string_view magic) {
  return d.size() >= magic.size() &&
         std::memcmp(d.data(), magic.data(), magic.size()) == 0;
}

size_t Align4(size_t n) { return (n + 3) & ~size_t{3}; }

bool Hex8(const uint8_t* p, uint32_t& out) {
  out = 0;
  for (int i = 0; i < 8; ++i) {
    const char c = static_cast<char>(p[i]);
    const int v = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (v < 0) return false;
    out = out << 4 | static_cast<uint32_t>(v);
  }
  return true;
}

// Reads an lz4 length extension (bytes of 255 continue it).
bool ExtendLength(absl::Span<const uint8_t> in, size_t& pos, size_t& length) {
  while (true) {
    if (pos >= in.size()) return false;
    const uint8_t b = in[pos++];
    length += b;
    if (b != 255) return true;
  }
}

// One lz4 block (no frame) appended to `out`.
absl::Status Lz4Block(absl::Span<const uint8_t> in, absl::string_view origin,
                      size_t max_output, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  const auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(origin, ": lz4: ", why));
  };
  size_t pos = 0;
  while (pos < in.size()) {
    const uint8_t token = in[pos++];
    size_t literals = token >> 4;
    if (literals == 15 && !ExtendLength(in, pos, literals)) return bad("truncated length");
    if (literals > in.size() - pos) return bad("literals past the end of the block");
    if (out.size() + literals > max_output) {
      return absl::ResourceExhaustedError(absl::StrCat(origin, ": lz4: over ", max_output, " bytes"));
    }
    out.insert(out.end(), in.begin() + pos, in.begin() + pos + literals);
    pos += literals;
    if (pos == in.size()) break;  // The last sequence has no match.
    if (in.size() - pos < 2) return bad("truncated match offset");
    const size_t offset = in[pos] | size_t{in[pos + 1]} << 8;
    pos += 2;
    size_t length = (token & 15);
    if (length == 15 && !ExtendLength(in, pos, length)) return bad("truncated length");
    length += 4;
    if (offset == 0 || offset > out.size() - start) return bad("match offset before the block");
    if (out.size() + length > max_output) {
      return absl::ResourceExhaustedError(absl::StrCat(origin, ": lz4: over ", max_output, " bytes"));
    }
    for (size_t i = 0; i < length; ++i) out.push_back(out[out.size() - offset]);
  }
  if (out.size() - start > kLz4BlockMax) return bad("block larger than 8 MiB");
  return absl::OkStatus();
}

// One newc entry: its name and where the next one may start.
struct NewcEntry {
  std::string name;
  size_t next = 0;  // At most data.size(): checked before it is used.
};

// The entry whose header starts at `pos` (< data.size()). Every offset is
// checked against the end before it is used: an archive cut anywhere
// (header, name, file data, or the padding after the last file) is
// kDataLoss, never a read or a span past the end.
absl::StatusOr<NewcEntry> ReadNewcEntry(absl::Span<const uint8_t> data,
                                        size_t pos, absl::string_view origin) {
  const auto truncated = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(origin, ": cpio archive truncated: ", why));
  };
  if (data.size() - pos < kNewcHeader) {
    return truncated(absl::StrCat("the header at offset ", pos, " has ",
                                  data.size() - pos, " of ", kNewcHeader,
                                  " bytes"));
  }
  const uint8_t* h = data.data() + pos;
  uint32_t file_size = 0, name_size = 0;
  if (!Hex8(h + 54, file_size) || !Hex8(h + 94, name_size) || name_size == 0) {
    return absl::DataLossError(
        absl::StrCat(origin, ": bad cpio header at ", pos));
  }
  const size_t name_at = pos + kNewcHeader;
  if (name_size > data.size() - name_at) {
    return truncated(absl::StrCat("the name of the entry at offset ", pos, " (",
                                  name_size, " bytes) runs past the end"));
  }
  NewcEntry e;
  e.name.assign(reinterpret_cast<const char*>(data.data() + name_at),
                name_size - 1);
  const size_t file_at = Align4(name_at + name_size);
  if (file_at > data.size() || file_size > data.size() - file_at) {
    return truncated(absl::StrCat("file '", Escaped(e.name), "' (", file_size,
                                  " bytes at offset ", file_at,
                                  ") runs past the end"));
  }
  e.next = Align4(file_at + file_size);
  if (e.next > data.size()) {
    return truncated(absl::StrCat(
        "it ends right after file '", Escaped(e.name), "' (", file_size,
        file_size == 1 ? " byte" : " bytes", " at offset ", file_at,
        "), without the padding or a TRAILER!!! entry"));
  }
  return e;
}

absl::StatusOr<std::vector<uint8_t>> Unpack(const std::string& format,
                                            absl::Span<const uint8_t> data,
                                            absl::string_view origin) {
  if (format == "gzip") return Gunzip(data, origin, kMaxInitrdUnpacked);
  if (format == "zstd") return Unzstd(data, origin, kMaxInitrdUnpacked);
  if (format == "lz4") return Lz4LegacyDecompress(data, origin, kMaxInitrdUnpacked);
  if (format.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": not an initramfs (neither newc cpio nor a known compression)"));
  }
  return absl::UnimplementedError(absl::StrCat(
      origin, ": compressed with ", format,
      ", which mdboot cannot unpack (it reads gzip, zstd and lz4)"));
}

}  // namespace

std::string InitrdSegmentFormat(absl::Span<const uint8_t> d) {
  if (StartsWith(d, "070701") || StartsWith(d, "070702")) return "cpio";
  if (StartsWith(d, "\x1f\x8b")) return "gzip";
  if (StartsWith(d, "\x28\xb5\x2f\xfd")) return "zstd";
  if (StartsWith(d, "\x02\x21\x4c\x18")) return "lz4";
  if (StartsWith(d, absl::string_view("\xfd" "7zXZ\0", 6))) return "xz";
  if (StartsWith(d, absl::string_view("\x5d\0\0", 3))) return "lzma";
  if (StartsWith(d, "BZh")) return "bzip2";
  if (StartsWith(d, "\x89LZO")) return "lzo";
  return "";
}

absl::StatusOr<std::vector<uint8_t>> Lz4LegacyDecompress(
    absl::Span<const uint8_t> data, absl::string_view origin,
    size_t max_output) {
  if (!StartsWith(data, "\x02\x21\x4c\x18")) {
    return absl::DataLossError(absl::StrCat(origin, ": not lz4 legacy data"));
  }
  std::vector<uint8_t> out;
  size_t pos = 4;
  while (data.size() - pos >= 4) {
    const uint32_t size = LoadLe32(data.data() + pos);
    if (size == 0) break;  // Zero padding after the stream.
    pos += 4;
    if (size == 0x184C2102) continue;  // Another legacy frame follows.
    if (size > data.size() - pos) {
      return absl::DataLossError(absl::StrCat(
          origin, ": lz4: a block of ", size, " bytes runs past the end"));
    }
    RETURN_IF_ERROR(Lz4Block(data.subspan(pos, size), origin, max_output, out));
    pos += size;
  }
  return out;
}

absl::Status ListCpio(absl::Span<const uint8_t> data, absl::string_view origin,
                      std::vector<std::string>& names, size_t& rest) {
  size_t pos = 0;
  while (true) {
    while (pos < data.size() && data[pos] == 0) ++pos;  // Padding.
    rest = pos;
    if (InitrdSegmentFormat(data.subspan(pos)) != "cpio") return absl::OkStatus();
    ASSIGN_OR_RETURN(const NewcEntry entry, ReadNewcEntry(data, pos, origin));
    pos = entry.next;
    if (entry.name == "TRAILER!!!") continue;
    absl::string_view name = entry.name;
    absl::ConsumePrefix(&name, "./");
    if (name != "." && !name.empty()) names.emplace_back(name);
  }
}

absl::StatusOr<std::vector<std::string>> ListInitrd(
    absl::Span<const uint8_t> data, absl::string_view origin) {
  std::vector<std::string> names;
  size_t rest = 0;
  RETURN_IF_ERROR(ListCpio(data, origin, names, rest));
  if (rest >= data.size()) return names;
  const std::string format = InitrdSegmentFormat(data.subspan(rest));
  absl::StatusOr<std::vector<uint8_t>> unpacked =
      Unpack(format, data.subspan(rest), origin);
  if (unpacked.status().code() == absl::StatusCode::kResourceExhausted) {
    absl::string_view why = unpacked.status().message();
    absl::ConsumePrefix(&why, absl::StrCat(origin, ": "));
    return absl::ResourceExhaustedError(absl::StrCat(
        origin, ": not fully checked: the preflight unpacks at most ",
        kMaxInitrdUnpacked >> 20, " MiB (", why, ")"));
  }
  RETURN_IF_ERROR(unpacked.status());
  size_t unused = 0;
  RETURN_IF_ERROR(ListCpio(*unpacked, origin, names, unused));
  return names;
}

}  // namespace fdt_handoff
