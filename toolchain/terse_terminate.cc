// The std::terminate handler of the static binaries (fdt-handoff, mdboot).
//
// libstdc++'s default handler, __gnu_cxx::__verbose_terminate_handler,
// demangles the type name of the uncaught exception, and its demangler
// (libstdc++'s cp-demangle.o) is 45 KiB of the static aarch64 binary
// (bench/binary_size.sh). Our code reports errors through absl::Status and
// throws nothing itself; what can still reach std::terminate is
// std::bad_alloc and its kin from the standard library, whose what() names
// them well enough. A static link takes an archive member only for a symbol
// nothing else defines: defining the handler here keeps libstdc++'s
// vterminate.o, and with it the demangler, out of the binary. (In a dynamic
// link, libstdc++.so keeps its own and this one is merely unused or
// preferred; either prints a useful line.) Messages start with the
// program's name (glibc's program_invocation_short_name).
#include <errno.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace __gnu_cxx {

void __verbose_terminate_handler() {
  static bool terminating = false;
  if (terminating) {
    std::fprintf(stderr, "%s: terminate called recursively\n",
                 program_invocation_short_name);
    std::abort();
  }
  terminating = true;
  const std::exception_ptr current = std::current_exception();
  if (current == nullptr) {
    std::fprintf(stderr,
                 "%s: terminate called without an active exception\n",
                 program_invocation_short_name);
    std::abort();
  }
  try {
    std::rethrow_exception(current);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "%s: terminate called after an uncaught exception: %s\n",
                 program_invocation_short_name, e.what());
  } catch (...) {
    std::fprintf(stderr,
                 "%s: terminate called after an uncaught exception of an "
                 "unknown type\n",
                 program_invocation_short_name);
  }
  std::abort();
}

}  // namespace __gnu_cxx
