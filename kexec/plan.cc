#include "kexec/plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fdt/blob.h"

namespace fdt_handoff {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t AlignDown(uint64_t v, uint64_t a) { return v & ~(a - 1); }

// The lowest address >= `floor` aligned to `align` such that
// [address + offset, address + offset + size) lies inside one usable range,
// below `limit`, and (when `no_cross` is non-zero) does not cross a multiple
// of `no_cross`. Returns false when there is none.
bool FindLowest(const std::vector<MemoryRange>& usable, uint64_t floor,
                uint64_t align, uint64_t offset, uint64_t size, uint64_t limit,
                uint64_t no_cross, uint64_t* found) {
  constexpr uint64_t kMax = ~uint64_t{0};
  for (const MemoryRange& r : usable) {
    const uint64_t hi = std::min(r.end(), limit);
    const uint64_t lowest = std::max(r.base, floor);
    if (size > hi || lowest > hi - size) continue;
    const uint64_t max_start = hi - size;
    // First aligned base whose start (base + offset) is >= lowest.
    uint64_t base = lowest > offset ? lowest - offset : 0;
    if (base > kMax - (align - 1)) continue;
    base = AlignUp(base, align);
    while (base <= kMax - offset && base + offset <= max_start) {
      const uint64_t start = base + offset;
      if (no_cross != 0 && size > 0 &&
          AlignDown(start, no_cross) != AlignDown(start + size - 1, no_cross)) {
        // Jump to the next boundary rather than stepping page by page.
        const uint64_t boundary = AlignDown(start, no_cross) + no_cross;
        if (boundary < start || boundary < offset) break;
        base = AlignUp(boundary - offset, align);
        continue;
      }
      *found = base;
      return true;
    }
  }
  return false;
}

// The page-size warning of PlanSegments(), or "" when there is nothing to
// say (the sizes match, or the kernel does not say).
std::string PageSizeWarning(const PlanInput& in) {
  if (in.kernel_page_size == 0 || in.kernel_page_size == in.page_size) {
    return "";
  }
  const uint64_t kernel = in.kernel_page_size / 1024;
  return absl::StrFormat(
      "the target kernel uses %u KiB pages (Image flags bits 1-2), the "
      "running kernel %u KiB pages: kexec_load does not mind, but the CPU "
      "must support the %u KiB translation granule, or the new kernel stops "
      "in its first instructions without a word",
      kernel, in.page_size / 1024, kernel);
}

absl::Status NoRoom(absl::string_view what, uint64_t size,
                    const PlanInput& in, absl::string_view where) {
  return absl::ResourceExhaustedError(absl::StrFormat(
      "plan: no room for the %s (%u bytes)%s; usable RAM: %s", what, size,
      where, FormatRanges(in.usable)));
}

bool Inside(const std::vector<MemoryRange>& usable, uint64_t start,
            uint64_t size) {
  for (const MemoryRange& r : usable) {
    if (r.base <= start && start <= r.end() && size <= r.end() - start) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* RoleName(SegmentRole role) {
  switch (role) {
    case SegmentRole::kKernel: return "kernel";
    case SegmentRole::kInitrd: return "initrd";
    case SegmentRole::kDtb: return "dtb";
    case SegmentRole::kPurgatory: return "purgatory";
  }
  return "?";
}

absl::StatusOr<Plan> PlanSegments(const PlanInput& in) {
  const uint64_t page = in.page_size;
  if (page == 0 || (page & (page - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("plan: page size ", page, " is not a power of two"));
  }
  if (in.kernel_page_size != 0 && in.kernel_page_size != 4096 &&
      in.kernel_page_size != 16384 && in.kernel_page_size != 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat("plan: the kernel's page size ", in.kernel_page_size,
                     " is not 4096, 16384 or 65536 (or 0, unspecified)"));
  }
  // kexec_load takes only page-aligned segments, and the kernel's starts
  // at a 2 MiB-aligned base + text_offset (ParseKernel() refuses such an
  // Image already; this keeps the promise of Segment::mem).
  if (in.text_offset % page != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "plan: text_offset 0x%x is not a multiple of the page size %u: the "
        "kernel segment, which starts at a 2 MiB-aligned base + text_offset, "
        "would not be page aligned",
        in.text_offset, page));
  }
  if (in.kernel_bytes == 0 || in.kernel_bytes > in.image_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "plan: kernel data (%u bytes) must be non-empty and fit image_size "
        "(%u bytes)",
        in.kernel_bytes, in.image_size));
  }
  if (in.dtb_bytes == 0 || in.purgatory_bytes == 0) {
    return absl::InvalidArgumentError("plan: a DTB and a purgatory are needed");
  }
  // booting.rst: "The device tree blob (dtb) must be placed on an 8-byte
  // boundary and must not exceed 2 megabytes in size."
  if (in.dtb_bytes > kMaxDtbSize) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "plan: the DTB is %u bytes, over arm64's 2 MiB limit", in.dtb_bytes));
  }
  std::vector<MemoryRange> usable;
  for (const MemoryRange& r : in.usable) {
    // kexec_load wants page-aligned destinations: shrink ranges to pages
    // (a range starting in the last page of the address space has none).
    if (r.base > ~uint64_t{0} - (page - 1)) continue;
    const uint64_t start = AlignUp(r.base, page);
    const uint64_t end = AlignDown(r.end(), page);
    if (start < end) usable.push_back(RangeFromBounds(start, end));
  }
  Plan plan;
  const std::string page_warning = PageSizeWarning(in);
  if (!page_warning.empty()) plan.warnings.push_back(page_warning);

  // booting.rst: "The Image must be placed text_offset bytes from a 2MB
  // aligned base address anywhere in usable system RAM and called there.
  // [...] At least image_size bytes from the start of the image must be free
  // for use by the kernel." The region below base + text_offset "has no
  // special significance to the kernel", so only the image itself must fit.
  const uint64_t image_memsz = AlignUp(in.image_size, page);
  uint64_t base = 0;
  if (!FindLowest(usable, 0, 2 * kMiB, in.text_offset, image_memsz,
                  ~uint64_t{0}, 0, &base)) {
    return NoRoom("kernel", in.image_size, in,
                  absl::StrFormat(" at a 2 MiB-aligned base + text_offset "
                                  "0x%x",
                                  in.text_offset));
  }
  plan.kernel_base = base;
  plan.kernel_entry = base + in.text_offset;
  plan.segments.push_back(Segment{SegmentRole::kKernel, plan.kernel_entry,
                                  image_memsz, in.kernel_bytes});
  uint64_t next = plan.kernel_entry + image_memsz;

  // booting.rst: "If an initrd/initramfs is passed to the kernel at boot, it
  // must reside entirely within a 1 GB aligned physical memory window of up
  // to 32 GB in size that fully covers the kernel Image as well."
  if (in.initrd_bytes > 0) {
    const uint64_t window = AlignDown(plan.kernel_entry, kGiB);
    const uint64_t limit = window + 32 * kGiB;
    const uint64_t memsz = AlignUp(in.initrd_bytes, page);
    uint64_t at = 0;
    if (!FindLowest(usable, next, page, 0, memsz, limit, 0, &at)) {
      return NoRoom("initrd", in.initrd_bytes, in,
                    absl::StrFormat(" above the kernel and inside the 32 GiB "
                                    "window [0x%x..0x%x)",
                                    window, limit));
    }
    plan.initrd_start = at;
    plan.initrd_end = at + in.initrd_bytes;
    plan.segments.push_back(
        Segment{SegmentRole::kInitrd, at, memsz, in.initrd_bytes});
    next = at + memsz;
  }

  // booting.rst: the DTB "must not be placed within any 2M region which must
  // be mapped with any specific attributes", since "the dtb will be mapped
  // cacheable using blocks of up to 2 megabytes". Like the kernel's own
  // kexec_file loader we keep it inside one 2 MiB block; a page boundary
  // also satisfies the 8-byte alignment rule.
  {
    const uint64_t memsz = AlignUp(in.dtb_bytes, page);
    uint64_t at = 0;
    if (!FindLowest(usable, next, page, 0, memsz, ~uint64_t{0}, 2 * kMiB,
                    &at)) {
      return NoRoom("DTB", in.dtb_bytes, in,
                    " above the initrd without crossing a 2 MiB boundary");
    }
    plan.dtb_address = at;
    plan.segments.push_back(Segment{SegmentRole::kDtb, at, memsz, in.dtb_bytes});
    next = at + memsz;
  }

  // The purgatory runs with the MMU off from wherever it lands; it only has
  // to be in RAM the new kernel will not need before it jumps.
  {
    const uint64_t memsz = AlignUp(in.purgatory_bytes, page);
    uint64_t at = 0;
    if (!FindLowest(usable, next, page, 0, memsz, ~uint64_t{0}, 0, &at)) {
      return NoRoom("purgatory", in.purgatory_bytes, in, " above the DTB");
    }
    plan.purgatory_address = at;
    plan.segments.push_back(
        Segment{SegmentRole::kPurgatory, at, memsz, in.purgatory_bytes});
  }

  // include/uapi/linux/kexec.h: KEXEC_SEGMENT_MAX 16.
  if (plan.segments.size() > kMaxKexecSegments) {
    return absl::InternalError(absl::StrCat("plan: ", plan.segments.size(),
                                            " segments, over the limit of 16"));
  }
  for (const Segment& s : plan.segments) {
    if (!Inside(usable, s.mem, s.memsz)) {
      return absl::InternalError(absl::StrFormat(
          "plan: %s segment [0x%x..0x%x) is outside usable RAM",
          RoleName(s.role), s.mem, s.mem + s.memsz));
    }
  }
  return plan;
}

std::string FormatPlan(const Plan& plan) {
  std::string out = absl::StrFormat("%-10s %-33s %10s %10s\n", "segment",
                                    "physical range", "bytes", "memsz");
  for (const Segment& s : plan.segments) {
    absl::StrAppend(&out, absl::StrFormat("%-10s [0x%010x..0x%010x) %10u %10u\n",
                                          RoleName(s.role), s.mem,
                                          s.mem + s.memsz, s.bufsz, s.memsz));
  }
  absl::StrAppend(&out,
                  absl::StrFormat("entry      0x%010x (purgatory: x0 = DTB "
                                  "0x%x, then kernel at 0x%x)\n",
                                  plan.purgatory_address, plan.dtb_address,
                                  plan.kernel_entry));
  for (const std::string& w : plan.warnings) {
    absl::StrAppend(&out, absl::StrFormat("%-10s %s\n", "warning", w));
  }
  return out;
}

}  // namespace fdt_handoff
