#include "init/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fdt_handoff {
namespace {

bool HasBytes(absl::Span<const uint8_t> head, size_t offset,
              absl::string_view magic) {
  return head.size() >= offset + magic.size() &&
         std::equal(magic.begin(), magic.end(), head.begin() + offset,
                    [](char a, uint8_t b) { return static_cast<uint8_t>(a) == b; });
}

std::string Uuid(absl::Span<const uint8_t> head, size_t offset) {
  if (head.size() < offset + 16) return "";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += absl::StrFormat("%02x", head[offset + i]);
  }
  return out;
}

// A NUL-padded label field.
std::string Label(absl::Span<const uint8_t> head, size_t offset, size_t size) {
  std::string out;
  for (size_t i = offset; i < offset + size && i < head.size() && head[i]; ++i) {
    out += static_cast<char>(head[i]);
  }
  return out;
}

}  // namespace

FsInfo DetectFilesystem(absl::Span<const uint8_t> head) {
  // ext2/3/4: struct ext4_super_block at 1024; s_magic at 0x38, s_uuid at
  // 0x68, s_volume_name at 0x78 (16 bytes). Little-endian magic.
  if (HasBytes(head, 1024 + 0x38, "\x53\xef")) {
    return {"ext4", Uuid(head, 1024 + 0x68), Label(head, 1024 + 0x78, 16)};
  }
  // XFS: sb_magicnum "XFSB" at 0, sb_uuid at 32, sb_fname at 108 (12).
  if (HasBytes(head, 0, "XFSB")) {
    return {"xfs", Uuid(head, 32), Label(head, 108, 12)};
  }
  // btrfs: superblock at 64 KiB; fsid at +0x20, magic at +0x40, label at
  // +0x12b (256).
  if (HasBytes(head, 0x10040, "_BHRfS_M")) {
    return {"btrfs", Uuid(head, 0x10020), Label(head, 0x1012b, 256)};
  }
  // f2fs: F2FS_SUPER_MAGIC 0xF2F52010 (little-endian) at 1024.
  if (HasBytes(head, 1024, "\x10\x20\xf5\xf2")) return {"f2fs", "", ""};
  return {};
}

std::string NoReplayOption(absl::string_view type) {
  if (type == "ext4" || type == "ext3") return "noload";
  if (type == "xfs") return "norecovery";
  if (type == "btrfs") return "nologreplay";
  // f2fs's roll-forward recovery of fsync'd data (Documentation/
  // filesystems/f2fs.rst: "norecovery: Disable the roll-forward recovery
  // routine, mounted read-only"); without it an unclean f2fs on a
  // read-only device does not mount at all.
  if (type == "f2fs") return "norecovery";
  return "";
}

std::vector<std::string> BlockFilesystems(absl::string_view proc_filesystems) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(proc_filesystems, '\n')) {
    if (absl::StartsWith(line, "nodev")) continue;
    absl::string_view name = absl::StripAsciiWhitespace(line);
    if (!name.empty()) out.emplace_back(name);
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> ReadFilesystemHead(
    const std::string& device) {
  const int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string m = absl::StrCat(device, ": ", strerror(err));
    return err == ENOENT ? absl::NotFoundError(m) : absl::UnavailableError(m);
  }
  std::vector<uint8_t> head(kFilesystemHeadSize);
  size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = pread(fd, head.data() + got, head.size() - got, got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return absl::UnavailableError(
          absl::StrCat(device, ": read: ", strerror(err)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  head.resize(got);
  return head;
}

absl::StatusOr<std::string> MountReadOnly(MountCalls& calls,
                                          const std::string& device,
                                          const std::string& target,
                                          const FsInfo& fs,
                                          absl::string_view proc_filesystems) {
  calls.MakeDir(target, 0755);
  const unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV;
  if (!fs.type.empty()) {
    const int err =
        calls.Mount(device, target, fs.type, flags, NoReplayOption(fs.type));
    if (err == 0) return fs.type;
    return absl::UnavailableError(absl::StrCat(
        "cannot mount ", device, " (", fs.type, ") read-only on ", target,
        ": ", strerror(err),
        err == ENODEV ? " (this kernel has no driver for it)" : ""));
  }
  std::vector<std::string> types = {"ext4"};
  for (std::string& t : BlockFilesystems(proc_filesystems)) {
    if (std::find(types.begin(), types.end(), t) == types.end()) {
      types.push_back(std::move(t));
    }
  }
  std::vector<std::string> tried;
  for (const std::string& type : types) {
    const int err = calls.Mount(device, target, type, flags, NoReplayOption(type));
    if (err == 0) return type;
    tried.push_back(absl::StrCat(type, ": ", strerror(err)));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      device, ": unknown file system type, and none mounted read-only (",
      absl::StrJoin(tried, "; "), ")"));
}

absl::Status UnmountRoot(MountCalls& calls, const std::string& target) {
  const int err = calls.Unmount(target);
  if (err == 0) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("cannot unmount ", target, ": ", strerror(err),
                   err == EBUSY ? " (a process still uses it)" : ""));
}

}  // namespace fdt_handoff
