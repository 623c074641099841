// libFuzzer entry point for the kernel-file target: ParseKernel() and
// StripUbootLegacyHeader() on one input. The body and its contract are in
// kexec/image_fuzz_body.h; image_fuzz_body_test runs the same body over the
// fixtures in every build.
//
// Build and run it with `tools/run_fuzzer.sh --target image` (clang,
// --config=fuzz): the target links only with -fsanitize=fuzzer, which
// supplies main().
#include <cstddef>
#include <cstdint>

#include "kexec/image_fuzz_body.h"

// Say so at once when built without --config=fuzz, instead of failing at
// link time with a missing main().
#if !defined(__clang__)
#error "image_fuzzer needs clang and libFuzzer: use tools/run_fuzzer.sh"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fdt_handoff::FuzzParseKernel(data, size);
  return 0;  // Non-zero values are reserved by libFuzzer.
}
