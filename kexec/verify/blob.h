// File: kexec/verify/blob.h
//
// The verifying purgatory as bytes: built from purgatory.c, entry.S and
// purgatory.lds by Debian's aarch64 cross gcc at build time (the
// :purgatory_blob genrule runs build_purgatory.sh), embedded by
// embed_blob.sh. Use kexec/verify_purgatory.h, which fills in the config
// block; these are its raw inputs.
//
// Layout (offsets from the start of the blob, which is the entry point):
//
//   [0, kVerifyPurgatoryConfigOffset)     code and read-only data
//   [kVerifyPurgatoryConfigOffset,
//    kVerifyPurgatoryBlobSize)            the config block (zeros here)
//   [kVerifyPurgatoryBlobSize,
//    kVerifyPurgatoryStackTop)            padding + 4 KiB stack, not in
//                                         the blob: the segment must
//                                         include it
#ifndef KEXEC_VERIFY_BLOB_H_
#define KEXEC_VERIFY_BLOB_H_

#include <cstddef>
#include <cstdint>

namespace fdt_handoff {

extern const uint8_t kVerifyPurgatoryBlob[];
extern const size_t kVerifyPurgatoryBlobSize;
extern const size_t kVerifyPurgatoryConfigOffset;
extern const size_t kVerifyPurgatoryStackTop;

}  // namespace fdt_handoff

#endif  // KEXEC_VERIFY_BLOB_H_
