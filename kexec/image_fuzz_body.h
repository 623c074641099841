// File: kexec/image_fuzz_body.h
//
// The body of the kernel-file fuzz target: ParseKernel() and
// StripUbootLegacyHeader() (kexec/image.h) on one input. It is a plain
// function so that an ordinary gtest (kexec/image_fuzz_body_test.cc) runs it
// over the fixtures in testdata/kernel/ and their corruptions in every
// build; the libFuzzer entry point only forwards to it.
//
// Contract: the body never crashes, leaks or invokes undefined behaviour,
// and its work is bounded (decompression stops at kKernelFuzzMaxImageSize;
// inputs over kKernelFuzzMaxInputSize are ignored). Errors from the library
// are expected; what the library returns must still keep its promises, and
// a broken promise stops the process with __builtin_trap() so the fuzzer
// records the input:
//   - every error uses a code from the header's policy and its message
//     starts with the origin;
//   - a parsed kernel has an Image of at least 64 bytes, no longer than
//     image_size or the cap, a non-empty format, text_offset below 2 MiB,
//     and a page size that is 0 or the running one;
//   - StripUbootLegacyHeader() returns input without the U-Boot magic
//     unchanged, and otherwise a strictly shorter payload.
#ifndef KEXEC_IMAGE_FUZZ_BODY_H_
#define KEXEC_IMAGE_FUZZ_BODY_H_

#include <cstddef>
#include <cstdint>

namespace fdt_handoff {

// Decompression cap for the fuzz body: small, so a bomb costs little, but
// above the fixtures' 64 KiB image_size.
inline constexpr size_t kKernelFuzzMaxImageSize = size_t{1} << 20;

// Larger inputs are skipped.
inline constexpr size_t kKernelFuzzMaxInputSize = size_t{4} << 20;

// The page size the body passes as the running kernel's.
inline constexpr uint32_t kKernelFuzzPageSize = 4096;

// FuzzParseKernel()
//
// Runs ParseKernel() and StripUbootLegacyHeader() on `data` and checks the
// contract above. Returns normally for every input that keeps it.
void FuzzParseKernel(const uint8_t* data, size_t size);

}  // namespace fdt_handoff

#endif  // KEXEC_IMAGE_FUZZ_BODY_H_
