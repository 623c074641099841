// File: fdt/fuzz_body.h
//
// The body of the load + apply + reconcile fuzz target, kept apart from the
// libFuzzer entry point (fdt/fuzz_main.cc) so that it also runs as an
// ordinary gtest over the seed folder testdata/fuzz/ in every build
// (fdt/fuzz_body_test.cc). Everything that reaches the library from outside
// (DTB files, /sys/firmware/fdt, overlays, command-line values) comes out of
// the one fuzz input, so a single target covers the whole pipeline:
//
//   Fdt::FromBytes() on each blob -> ApplyOverlays() -> Reconcile() with a
//   fixed seed source -> DumpDts() of the results.
//
// Input format (all integers little-endian; a short input reads as if it
// were padded with zero bytes, so every byte string is a valid input):
//
//   offset size  field
//   0      1     flags:  0x01 overlay blob present
//                        0x02 live blob present
//                        0x04 seeds on (kaslr-seed / rng-seed)
//                        0x08 initrd range set
//                        0x10 memory override (--memory)
//                        0x20 symbol-source blob present (--symbols-from)
//                        0x40 keep /memreserve/ (--keep-memreserve)
//                        0x80 force overlays (--force)
//   1      1     flags2: 0x01 --append text present
//                        0x02 --reuse-cmdline text present
//                        0x04 the seed source fails
//                        0x08 the seed source returns only zeros
//                        0x10 apply the overlay twice
//   2      2     skip mask: bit i skips ReconcilePolicy()[i]
//   4      4     initrd start, in 4 KiB pages
//   8      2     initrd length, in 4 KiB pages, signed (<= 0 is an error
//                case Reconcile must reject)
//   10     2     memory override base, in MiB
//   12     2     memory override size, in MiB
//   14     1     memory override ranges - 1 (low 2 bits; back to back)
//   15     1     reserved
//   16     ...   blobs, in this order: target, overlay (0x01), live (0x02),
//                symbol source (0x20). Each is a 4-byte length followed by
//                that many bytes; a length past the end of the input takes
//                what is left.
//   ...    ...   the rest: command-line text, at most 4 KiB of it used.
//                Up to the first NUL it is the --append text, after it the
//                /proc/cmdline text for --reuse-cmdline.
//
// testdata/fuzz/make_seeds.sh writes seeds in this format from the real
// corpus.
//
// Contract: the body never crashes, leaks or invokes undefined behaviour,
// and its work is bounded by the input size (inputs over kMaxFuzzInputSize
// are ignored). Library errors are expected and ignored, with two
// exceptions that are bugs and stop the process with __builtin_trap() so the
// fuzzer records the input:
//   - a tree the library returned as a success (ApplyOverlays(), Reconcile())
//     does not re-validate with Fdt::FromBytes();
//   - DumpDts() fails on a tree that did validate (tree.h documents that
//     this cannot happen).
#ifndef FDT_FUZZ_BODY_H_
#define FDT_FUZZ_BODY_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace fdt_handoff {

// Larger inputs are skipped: twice arm64's DTB limit covers a target and a
// live tree at the limit, and keeps each run's work bounded.
inline constexpr size_t kMaxFuzzInputSize = size_t{4} << 20;

// Size of the fixed header at the start of an input (see above).
inline constexpr size_t kFuzzHeaderSize = 16;

// What one input reached, so tests can check that a seed really exercises
// the pipeline instead of stopping at the first parse error.
struct FuzzStages {
  bool target_loaded = false;
  bool overlay_loaded = false;
  bool live_loaded = false;
  bool symbols_loaded = false;
  bool overlay_applied = false;  // The direct ApplyOverlays() call.
  bool reconciled = false;
  bool dumped = false;           // DumpDts() of the reconciled tree.
};

// RunFuzzInput()
//
// Runs the pipeline described above on one input and reports how far it got.
FuzzStages RunFuzzInput(absl::Span<const uint8_t> input);

// FuzzLoadApplyReconcile()
//
// RunFuzzInput() with the result dropped: the libFuzzer entry point's body.
void FuzzLoadApplyReconcile(const uint8_t* data, size_t size);

}  // namespace fdt_handoff

#endif  // FDT_FUZZ_BODY_H_
