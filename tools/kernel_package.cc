#include "tools/kernel_package.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "fdt/file_io.h"
#include "fdt/status_macros.h"

extern char** environ;

namespace fdt_handoff {
namespace {

constexpr char kLayouts[] =
    "usr/lib/linux-image-*/allwinner/, usr/lib/modules/*/dtb/allwinner/, "
    "boot/dtb-*/allwinner/";

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRegular(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Entry names of `dir`, sorted, without "." and ".."; empty if unreadable.
std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool IsH616Dtb(const std::string& name) {
  return (absl::StartsWith(name, "sun50i-h616") ||
          absl::StartsWith(name, "sun50i-h618")) &&
         absl::EndsWith(name, ".dtb");
}

// Release -> the allwinner/ folder of every layout present under `root`.
std::map<std::string, std::string> AllwinnerFolders(const std::string& root) {
  std::map<std::string, std::string> folders;
  auto add = [&](const std::string& release, const std::string& dir) {
    if (!release.empty() && IsDir(dir)) folders.emplace(release, dir);
  };
  const std::string lib = root + "/usr/lib";
  for (const std::string& name : ListDir(lib)) {
    absl::string_view release = name;
    if (absl::ConsumePrefix(&release, "linux-image-")) {
      add(std::string(release), absl::StrCat(lib, "/", name, "/allwinner"));
    }
  }
  for (const std::string& name : ListDir(lib + "/modules")) {
    add(name, absl::StrCat(lib, "/modules/", name, "/dtb/allwinner"));
  }
  for (const std::string& name : ListDir(root + "/boot")) {
    absl::string_view release = name;
    if (absl::ConsumePrefix(&release, "dtb-")) {
      add(std::string(release), absl::StrCat(root, "/boot/", name, "/allwinner"));
    }
  }
  return folders;
}

// Waits for `pid`; its exit status, or -1 with errno set.
int Wait(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Starts `argv` with stdin/stdout from/to the given fds (-1: inherited)
// and stderr appended to `log`.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, int in,
                            int out, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in >= 0) posix_spawn_file_actions_adddup2(&actions, in, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  const int rc =
      posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) {
    return absl::FailedPreconditionError(absl::StrCat(
        "reading a .deb needs ", argv[0],
        " (Debian's dpkg and tar), which is not installed; or unpack the "
        "package (dpkg-deb -x) and give the folder"));
  }
  if (rc != 0) {
    return absl::ErrnoToStatus(rc, absl::StrCat("cannot start ", argv[0]));
  }
  return pid;
}

// What a tool wrote to stderr, on one line, for messages.
std::string LogText(const std::string& log) {
  auto text = ReadTextFile(log);
  if (!text.ok()) return "(no message)";
  std::string s(absl::StripAsciiWhitespace(*text));
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s.empty() ? "(no message)" : s;
}

}  // namespace

absl::StatusOr<ScratchDir> ScratchDir::Create() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                     "/fdt-handoff-pkg.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat(pattern, ": mkdtemp"));
  }
  return ScratchDir(pattern);
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  nftw(
      path_.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) {
        remove(p);  // Best effort: keep going.
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS);
}

absl::StatusOr<KernelDtbs> FindKernelDtbs(const std::string& root,
                                          const std::string& origin) {
  std::map<std::string, std::vector<std::string>> found;
  for (const auto& [release, dir] : AllwinnerFolders(root)) {
    for (const std::string& name : ListDir(dir)) {
      const std::string path = absl::StrCat(dir, "/", name);
      if (IsH616Dtb(name) && IsRegular(path)) found[release].push_back(path);
    }
  }
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat(
        origin, ": no sun50i-h616*/h618* DTB in any known layout (", kLayouts,
        "; Debian 7.x ships them in linux-base-*)"));
  }
  if (found.size() > 1) {
    std::vector<std::string> releases;
    for (const auto& entry : found) releases.push_back(entry.first);
    return absl::FailedPreconditionError(
        absl::StrCat(origin, ": DTBs of several kernels (",
                     absl::StrJoin(releases, ", "), "); give one package"));
  }
  KernelDtbs kernel;
  kernel.release = found.begin()->first;
  kernel.origin = origin;
  kernel.dtb_paths = found.begin()->second;
  return kernel;
}

absl::Status ExtractDebDtbs(const std::string& deb, const std::string& dir) {
  const std::string dpkg_log = dir + "/.dpkg-deb.log";
  const std::string tar_log = dir + "/.tar.log";
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
  auto dpkg = Spawn({"dpkg-deb", "--fsys-tarfile", deb}, -1, fds[1], dpkg_log);
  close(fds[1]);
  if (!dpkg.ok()) {
    close(fds[0]);
    return dpkg.status();
  }
  auto tar = Spawn({"tar", "-x", "-C", dir, "--no-same-owner", "--wildcards",
                    "--no-anchored", "allwinner/sun50i-h61[68]*.dtb"},
                   fds[0], -1, tar_log);
  close(fds[0]);
  const int dpkg_rc = Wait(*dpkg);
  if (!tar.ok()) return tar.status();
  const int tar_rc = Wait(*tar);
  if (dpkg_rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(deb, ": dpkg-deb cannot read it (exit ", dpkg_rc,
                     "): ", LogText(dpkg_log)));
  }
  // tar exits 2 when the pattern matched nothing; FindKernelDtbs() then says
  // what was looked for.
  const std::string tar_text = LogText(tar_log);
  if (tar_rc != 0 && !absl::StrContains(tar_text, "Not found in archive")) {
    return absl::InvalidArgumentError(absl::StrCat(
        deb, ": tar failed on its contents (exit ", tar_rc, "): ", tar_text));
  }
  return absl::OkStatus();
}

absl::StatusOr<KernelDtbs> OpenKernelPackage(const std::string& path,
                                             const ScratchDir& scratch) {
  if (IsDir(path)) return FindKernelDtbs(path, path);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": no such package (a .deb or a folder)"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a .deb file or a folder"));
  }
  RETURN_IF_ERROR(ExtractDebDtbs(path, scratch.path()));
  ASSIGN_OR_RETURN(KernelDtbs kernel, FindKernelDtbs(scratch.path(), path));
  kernel.extracted_root = scratch.path();
  return kernel;
}

}  // namespace fdt_handoff
