#include "kexec/image_fuzz_body.h"

#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "kexec/image.h"

namespace fdt_handoff {
namespace {

constexpr absl::string_view kOrigin = "fuzz";

// A broken library promise: stop here so the fuzzer keeps the input.
void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool PolicyCode(absl::StatusCode code) {
  return code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnimplemented ||
         code == absl::StatusCode::kInvalidArgument ||
         code == absl::StatusCode::kResourceExhausted;
}

void CheckError(const absl::Status& status) {
  Check(PolicyCode(status.code()));
  Check(absl::StartsWith(status.message(), absl::StrCat(kOrigin, ": ")));
}

void CheckKernel(const absl::StatusOr<Arm64Image>& kernel,
                 uint32_t running_page_size) {
  if (!kernel.ok()) {
    CheckError(kernel.status());
    return;
  }
  Check(kernel->image.size() >= kArm64ImageHeaderSize);
  Check(kernel->image.size() <= kKernelFuzzMaxImageSize);
  Check(kernel->image.size() <= kernel->image_size);
  Check(!kernel->format.empty());
  Check(kernel->text_offset < (uint64_t{2} << 20));
  // kexec_load needs the kernel segment (base + text_offset) page aligned.
  Check(kernel->text_offset % 4096 == 0);
  Check(running_page_size == 0 || kernel->text_offset % running_page_size == 0);
  Check(kernel->page_size == 0 || kernel->page_size == 4096 ||
        kernel->page_size == 16384 || kernel->page_size == 65536);
  if (kernel->legacy_image_size) {
    Check(kernel->text_offset == kLegacyTextOffset);
    Check(kernel->image_size >= kLegacyImageSize);
  } else {
    Check(kernel->image_size <= kKernelFuzzMaxImageSize);
  }
}

}  // namespace

void FuzzParseKernel(const uint8_t* data, size_t size) {
  if (size > kKernelFuzzMaxInputSize) return;
  // A null pointer with size 0 is a valid empty input.
  const absl::Span<const uint8_t> input(size == 0 ? nullptr : data, size);

  CheckKernel(ParseKernel(input, kOrigin, kKernelFuzzPageSize,
                          kKernelFuzzMaxImageSize),
              kKernelFuzzPageSize);
  // Running page size unknown: text_offset is checked against 4 KiB only.
  CheckKernel(ParseKernel(input, kOrigin, 0, kKernelFuzzMaxImageSize), 0);

  const absl::StatusOr<std::vector<uint8_t>> initrd =
      StripUbootLegacyHeader(input, kOrigin);
  if (!initrd.ok()) {
    CheckError(initrd.status());
    return;
  }
  const bool has_magic = size >= 4 && data[0] == 0x27 && data[1] == 0x05 &&
                         data[2] == 0x19 && data[3] == 0x56;
  if (has_magic) {
    Check(initrd->size() + kUbootLegacyHeaderSize <= size);
  } else {
    Check(initrd->size() == size &&
          (size == 0 || std::memcmp(initrd->data(), data, size) == 0));
  }
}

}  // namespace fdt_handoff
