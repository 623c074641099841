// libFuzzer entry point for the load + apply + reconcile target. The body is
// in fdt/fuzz_body.cc, which fuzz_body_test also runs over the seeds.
//
// Build and run it with tools/run_fuzzer.sh (clang, --config=fuzz): the
// target links only with -fsanitize=fuzzer, which supplies main().
#include <cstddef>
#include <cstdint>

#include "fdt/fuzz_body.h"

// Say so at once when built without --config=fuzz, instead of failing at
// link time with a missing main().
#if !defined(__clang__)
#error "reconcile_fuzzer needs clang and libFuzzer: use tools/run_fuzzer.sh"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fdt_handoff::FuzzLoadApplyReconcile(data, size);
  return 0;  // Non-zero values are reserved by libFuzzer.
}
