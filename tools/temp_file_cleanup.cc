#include "tools/temp_file_cleanup.h"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <initializer_list>

namespace fdt_handoff {
namespace {

// Written only outside the handler; the handler reads `registered` first,
// and the path is complete before `registered` is set (signal fence).
char registered_path[PATH_MAX];
volatile sig_atomic_t registered = 0;

void RemoveAndReraise(int sig) {
  if (registered) unlink(registered_path);
  // SA_RESETHAND restored the default action; the signal is blocked while
  // the handler runs and is delivered again when it returns.
  raise(sig);
}

}  // namespace

void InstallTempFileCleanup() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old;
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) {
      continue;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = RemoveAndReraise;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

void RegisterTempFile(const char* path) {
  registered = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (path == nullptr || strlen(path) >= sizeof(registered_path)) return;
  memcpy(registered_path, path, strlen(path) + 1);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  registered = 1;
}

}  // namespace fdt_handoff
