// File: kexec/plan.h
//
// The segment planner: a pure function from a memory map and the sizes of
// the blobs to the physical placement of every kexec_load segment. No I/O,
// no syscalls; kexec/syscall.h does the loading.
//
// Each placement rule quotes Documentation/arch/arm64/booting.rst next to the
// code that enforces it (plan.cc). In short:
//   kernel    lowest 2 MiB-aligned base + text_offset with image_size free;
//   initrd    above the kernel's end, page aligned, inside the 1 GiB-aligned
//             32 GiB window that holds the kernel;
//   DTB       above the initrd, 8-byte (here: page) aligned, at most 2 MiB,
//             not crossing a 2 MiB boundary;
//   purgatory above the DTB, page aligned;
// never outside the usable ranges, at most 16 segments.
//
//   PlanInput in;
//   in.usable = map.usable; in.page_size = 4096; ...
//   ASSIGN_OR_RETURN(Plan plan, PlanSegments(in));
#ifndef KEXEC_PLAN_H_
#define KEXEC_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kexec/memory_map.h"

namespace fdt_handoff {

// include/uapi/linux/kexec.h: KEXEC_SEGMENT_MAX.
inline constexpr size_t kMaxKexecSegments = 16;

struct PlanInput {
  std::vector<MemoryRange> usable;  // From CombineMemoryMaps().
  uint64_t page_size = 4096;  // The running kernel's page size.

  uint64_t text_offset = 0;   // From the Image header.
  // The target kernel's page size from its header's flags bits 1-2 (0:
  // unspecified). Another than `page_size` is a warning, not an error.
  uint64_t kernel_page_size = 0;
  uint64_t image_size = 0;    // Effective (legacy rule applied).
  uint64_t kernel_bytes = 0;  // Bytes of Image data to copy (<= image_size).

  uint64_t initrd_bytes = 0;  // 0: no initrd.
  uint64_t dtb_bytes = 0;
  uint64_t purgatory_bytes = 0;
};

enum class SegmentRole { kKernel, kInitrd, kDtb, kPurgatory };

// "kernel", "initrd", "dtb", "purgatory".
const char* RoleName(SegmentRole role);

struct Segment {
  SegmentRole role;
  uint64_t mem = 0;     // Physical destination, page aligned.
  uint64_t memsz = 0;   // Page-rounded; the kernel zero-fills past bufsz.
  uint64_t bufsz = 0;   // Bytes copied from the buffer.
};

struct Plan {
  uint64_t kernel_base = 0;   // 2 MiB aligned.
  uint64_t kernel_entry = 0;  // kernel_base + text_offset.
  uint64_t initrd_start = 0;  // [initrd_start, initrd_end); 0/0: none.
  uint64_t initrd_end = 0;
  uint64_t dtb_address = 0;
  uint64_t purgatory_address = 0;  // kexec_load's entry point.
  std::vector<Segment> segments;   // Sorted by address.
  // What the plan cannot check but the board owner should know, e.g. a
  // target kernel built for other pages than the running one.
  std::vector<std::string> warnings;
};

// PlanSegments()
//
// A `kernel_page_size` other than `page_size` adds a warning: kexec_load
// copies the running kernel's pages and does not mind, but the CPU must
// support the target's translation granule (booting.rst's flags bits 1-2
// only tell the loader the kernel's page size; the kernel's own
// kexec_file_load checks the CPU's granule support, not equality), or the
// target stops in head.S (__no_granule_support) without printing a thing.
//
// Returns:
//   kInvalidArgument   a malformed input: page size not a power of two,
//                      kernel_page_size not 0, 4096, 16384 or 65536,
//                      text_offset not a multiple of the page size (the
//                      kernel segment could not be page aligned),
//                      kernel_bytes > image_size, no DTB or purgatory.
//   kResourceExhausted the DTB exceeds 2 MiB; no usable range can hold the
//                      kernel (image_size larger than any RAM range), the
//                      initrd inside the 32 GiB window, the DTB or the
//                      purgatory (the message names the segment, its size
//                      and the usable ranges).
//   kInternal          more than 16 segments, or a segment outside the
//                      usable ranges (a planner bug; checked anyway).
absl::StatusOr<Plan> PlanSegments(const PlanInput& input);

// FormatPlan(): the segment table, one line per segment, plus the entry,
// then one "warning    ..." line per warning.
std::string FormatPlan(const Plan& plan);

}  // namespace fdt_handoff

#endif  // KEXEC_PLAN_H_
