// File: kexec/verify/write_handoff_segments.cc
//
// Test-only: runs the real PrepareHandoff() with verify = true and writes
// each segment's buffer to a file, for qemu_virt_test.sh to load where the
// plan put it (QEMU's RAM starts zeroed, as kexec_load zero-fills memsz past
// bufsz). This is kexec_load's job done by QEMU's loader instead:
//
//   write_handoff_segments OUTDIR DTB KERNEL INITRD CORRUPT
//
// KERNEL is loaded raw (text_offset 0, image_size 64 KiB); CORRUPT is
// "kernel", "initrd", "dtb" or "-": the purgatory's expected digest of that
// segment is made wrong (kexec/verify_purgatory_testing.h), so it must halt.
// Usable RAM is [0x40200000, 0x48000000): QEMU puts its own DTB at the
// bottom of RAM when no -kernel is given. Writes OUTDIR/segments, lines of
// "ADDRESS FILE", and OUTDIR/entry, the purgatory's address; prints the plan.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "fdt/blob.h"
#include "fdt/file_io.h"
#include "kexec/handoff.h"
#include "kexec/verify_purgatory_testing.h"

namespace fdt_handoff {
namespace {

int Fail(const absl::Status& s) {
  fprintf(stderr, "write_handoff_segments: %s\n", s.ToString().c_str());
  return 1;
}

int Main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr,
            "usage: write_handoff_segments OUTDIR DTB KERNEL INITRD CORRUPT\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto dtb = Fdt::FromFile(argv[2]);
  if (!dtb.ok()) return Fail(dtb.status());
  auto kernel = ReadFile(argv[3]);
  if (!kernel.ok()) return Fail(kernel.status());
  auto initrd = ReadFile(argv[4]);
  if (!initrd.ok()) return Fail(initrd.status());

  const std::vector<MemoryRange> iomem = {
      RangeFromBounds(0x40200000, 0x48000000)};
  HandoffInput in;
  in.kernel = *kernel;
  in.text_offset = 0;
  in.image_size = 0x10000;
  in.initrd = *initrd;
  in.target_dtb = &*dtb;
  in.iomem = &iomem;
  in.page_size = 4096;
  in.verify = true;
  const std::string corrupt = argv[5];
  auto h = PrepareHandoff(in);
  if (!h.ok()) return Fail(h.status());
  printf("%s%s\n", FormatPlan(h->plan).c_str(), FormatPurgatory(*h).c_str());
  if (corrupt != "-") {
    absl::optional<SegmentRole> role;
    for (SegmentRole r :
         {SegmentRole::kKernel, SegmentRole::kInitrd, SegmentRole::kDtb}) {
      if (corrupt == RoleName(r)) role = r;
    }
    if (!role.has_value()) {
      fprintf(stderr, "write_handoff_segments: CORRUPT is kernel, initrd, "
                      "dtb or -, not '%s'\n", corrupt.c_str());
      return 2;
    }
    auto region = CorruptSegmentDigest(HandoffSegments(*h, in), *role,
                                       absl::MakeSpan(h->purgatory));
    if (!region.ok()) return Fail(region.status());
    printf("TEST ONLY: the digest of segment %zu is corrupted on purpose\n",
           *region);
  }

  std::string list;
  for (const LoadSegment& s : HandoffSegments(*h, in)) {
    const std::string file =
        absl::StrFormat("%s/%s.bin", dir, RoleName(s.role));
    const std::vector<uint8_t> bytes(s.buffer.begin(), s.buffer.end());
    absl::Status st = WriteFileAtomic(file, bytes);
    if (!st.ok()) return Fail(st);
    list += absl::StrFormat("0x%x %s\n", s.mem, file);
  }
  const std::vector<uint8_t> list_bytes(list.begin(), list.end());
  absl::Status st = WriteFileAtomic(dir + "/segments", list_bytes);
  if (!st.ok()) return Fail(st);
  const std::string entry =
      absl::StrFormat("0x%x\n", h->plan.purgatory_address);
  st = WriteFileAtomic(dir + "/entry",
                       std::vector<uint8_t>(entry.begin(), entry.end()));
  return st.ok() ? 0 : Fail(st);
}

}  // namespace
}  // namespace fdt_handoff

int main(int argc, char** argv) { return fdt_handoff::Main(argc, argv); }
