// Calls the handler directly (in a dynamic host link, libstdc++.so may keep
// its own for std::terminate); bench/binary_size.sh shows that the static
// aarch64 binary links no demangler.
#include <new>
#include <stdexcept>

#include "gtest/gtest.h"

namespace __gnu_cxx {
void __verbose_terminate_handler();
}

namespace {

TEST(TerseTerminate, NamesTheExceptionAndAborts) {
  EXPECT_DEATH(
      {
        try {
          throw std::length_error("vector::_M_default_append");
        } catch (...) {
          __gnu_cxx::__verbose_terminate_handler();
        }
      },
      "terse_terminate_test: terminate called after an uncaught exception: "
      "vector::_M_default_append");
  EXPECT_DEATH(
      {
        try {
          throw 42;
        } catch (...) {
          __gnu_cxx::__verbose_terminate_handler();
        }
      },
      "terse_terminate_test: terminate called after an uncaught exception "
      "of an unknown type");
  EXPECT_DEATH(__gnu_cxx::__verbose_terminate_handler(),
               "terse_terminate_test: terminate called without an active "
               "exception");
}

}  // namespace
