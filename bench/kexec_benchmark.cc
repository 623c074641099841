// Benchmarks of the kexec side on a real kernel: ParseKernel() on Debian's
// arm64 Image in each form it is shipped in (raw, Image.gz, Image.zst, EFI
// zboot with zstd), the segment planner, and PrepareHandoff() end to end.
// Pairs that show what the one-pass, one-copy load path saves, each next to
// the way it was done before: PrepareHandoff() / Reconcile() alone (one
// reconcile, not two), ReadInitrd() / ReadFile() + StripUbootLegacyHeader()
// (one buffer, not two), ParseKernel() of Image.gz / Gunzip() doubling to
// the limit (one allocation at image_size), and a gzip bomb stopped at
// image_size / decompressed to the 256 MiB limit.
// bench/run_benchmarks.sh runs them (-c opt, medians) after fdt_benchmark.
//
// The kernel comes from the file named by FDT_HANDOFF_REAL_KERNEL
// (run_benchmarks.sh points it at Debian's vmlinuz, fetched by
// testdata/kernel/fetch_real_kernel.sh). Without it, a synthetic 32 MiB
// Image is built from testdata/kernel/Image's header and its text repeated;
// every benchmark's label then starts with "SYNTHETIC" and a note goes to
// stderr: its compressed forms are far more compressible than a kernel, so
// their figures say little.
//
// The compressed forms are made here, once, outside every timed loop, with
// the settings of the kernel's own build (scripts/Makefile.lib): gzip -9
// (Image.gz), zstd -19 (Image.zst), zstd -22 for the zboot payload
// (Makefile.zboot's "zstd22"), laid out as testdata/kernel/make_fixtures.sh
// does. That takes about 40 s, and only happens when a benchmark that needs
// it runs.
//
// Under `bazel run` (and in run_benchmarks.sh) the working directory is the
// runfiles root, so the relative paths below resolve to the declared data.
#include <malloc.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "fdt/blob.h"
#include "fdt/endian.h"
#include "fdt/file_io.h"
#include "fdt/reconcile.h"
#include "kexec/decompress.h"
#include "kexec/handoff.h"
#include "kexec/image.h"
#include "kexec/plan.h"
#include "kexec/purgatory.h"
#include "kexec/verify/sha256.h"

namespace fdt_handoff {
namespace {

constexpr char kSyntheticHeader[] = "testdata/kernel/Image";
constexpr char kSymbols612[] =
    "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";
constexpr char kBootargs[] = "console=ttyS0,115200 root=/dev/mmcblk0p2 rw";

constexpr uint32_t kPageSize = 4096;
constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kInitrdBytes = 10 * kMiB;
// The synthetic Image: 32 MiB of file, 33 MiB with BSS (Debian's 6.1 Image
// is 31.4 MiB, image_size 32.06 MiB).
constexpr size_t kSyntheticBytes = 32 * kMiB;
constexpr uint64_t kSyntheticImageSize = 33 * kMiB;

// The Zero 2W: 1 GiB at 0x40000000, TF-A's 256 KiB at the bottom reserved
// (as kexec/plan_test.cc).
const std::vector<MemoryRange> kZeroTwoWUsable = {
    RangeFromBounds(0x40040000, 0x80000000)};

// Every allocation of an Image-sized buffer gets fresh pages from mmap, as
// in a one-shot `fdt-handoff load` process. Left alone, glibc raises its
// mmap threshold after the first 31 MiB buffer is freed (up to 32 MiB) and
// then recycles the same, already faulted-in heap pages in every iteration,
// which makes copying Debian's 31.4 MiB Image look several times cheaper
// than it is in a fresh process (and than a 32 MiB one, which stays above
// the cap). Setting the threshold explicitly (to glibc's default) turns the
// dynamic raise off.
const bool kFreshPagesForLargeBuffers =
    mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1;

absl::Status FixedSeeds(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(0xa0 + i);
  }
  return absl::OkStatus();
}

// The raw Image everything starts from, or why there is none.
struct Kernel {
  std::vector<uint8_t> file;
  std::string label;  // "vmlinuz-6.1.0-56-arm64" or "SYNTHETIC ...".
  std::string error;  // Set when neither source could be read.
};

Kernel LoadKernel() {
  Kernel k;
  const char* env = std::getenv("FDT_HANDOFF_REAL_KERNEL");
  std::string why;
  if (env != nullptr && *env != '\0') {
    absl::StatusOr<std::vector<uint8_t>> file = ReadFile(env);
    if (file.ok()) {
      k.file = *std::move(file);
      const char* slash = std::strrchr(env, '/');
      k.label = slash != nullptr ? slash + 1 : env;
      std::fprintf(stderr, "kexec_benchmark: real kernel %s (%zu bytes)\n",
                   env, k.file.size());
      return k;
    }
    why = std::string(file.status().message());
  } else {
    why = "FDT_HANDOFF_REAL_KERNEL is not set";
  }
  absl::StatusOr<std::vector<uint8_t>> fixture = ReadFile(kSyntheticHeader);
  if (!fixture.ok() || fixture->size() < kArm64ImageHeaderSize) {
    k.error = absl::StrFormat("no real kernel (%s) and no %s", why,
                              kSyntheticHeader);
    return k;
  }
  // The fixture's header with image_size raised, then its text repeated.
  k.file.reserve(kSyntheticBytes);
  k.file.assign(fixture->begin(), fixture->begin() + kArm64ImageHeaderSize);
  StoreLe64(kSyntheticImageSize, k.file.data() + 16);
  const absl::Span<const uint8_t> body =
      absl::MakeConstSpan(*fixture).subspan(kArm64ImageHeaderSize);
  while (k.file.size() < kSyntheticBytes) {
    const size_t n = std::min(body.size(), kSyntheticBytes - k.file.size());
    k.file.insert(k.file.end(), body.begin(), body.begin() + n);
  }
  k.label = "SYNTHETIC 32 MiB Image (no real kernel)";
  std::fprintf(stderr,
               "kexec_benchmark: SYNTHETIC 32 MiB Image built from %s's "
               "header: %s. Compressed figures are not representative; run "
               "bench/run_benchmarks.sh or set FDT_HANDOFF_REAL_KERNEL.\n",
               kSyntheticHeader, why.c_str());
  return k;
}

const Kernel& TheKernel() {
  static const Kernel* const kernel = new Kernel(LoadKernel());
  return *kernel;
}

// The raw Image's header fields, parsed once (outside the timed loops).
const absl::StatusOr<Arm64Image>& TheParsedKernel() {
  static const auto* const parsed = new absl::StatusOr<Arm64Image>(
      ParseKernel(TheKernel().file, "kernel", kPageSize));
  return *parsed;
}

// gzip -9 -n, as the kernel's cmd_gzip.
std::vector<uint8_t> Gzip(absl::Span<const uint8_t> in) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return {};
  }
  std::vector<uint8_t> out(deflateBound(&z, in.size()));
  z.next_in = const_cast<uint8_t*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(rc == Z_STREAM_END ? z.total_out : 0);
  deflateEnd(&z);
  return out;
}

std::vector<uint8_t> Zstd(absl::Span<const uint8_t> in, int level) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  const size_t n =
      ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

// An EFI zboot image around `image` (make_fixtures.sh's layout, after
// zboot-header.S and Makefile.zboot): the Image padded to image_size,
// compressed with zstd -22, the uncompressed size appended as LE32 and left
// out of the payload size, the header at 0, the payload at 0x200, the file
// padded to 512.
std::vector<uint8_t> ZbootZstd(absl::Span<const uint8_t> image,
                               uint64_t image_size) {
  std::vector<uint8_t> padded(image.begin(), image.end());
  padded.resize(std::max<uint64_t>(image_size, image.size()), 0);
  std::vector<uint8_t> payload = Zstd(padded, 22);
  if (payload.empty()) return {};
  constexpr size_t kOffset = 0x200;
  std::vector<uint8_t> out(kOffset, 0);
  std::memcpy(out.data(), "MZ\0\0zimg", 8);
  StoreLe32(kOffset, out.data() + 8);
  StoreLe32(static_cast<uint32_t>(payload.size()), out.data() + 12);
  std::memcpy(out.data() + 24, "zstd22", 7);
  StoreLe32(0x818223cd, out.data() + 0x38);  // LINUX_PE_MAGIC
  StoreLe32(0x40, out.data() + 0x3c);        // PE header offset
  std::memcpy(out.data() + 0x40, "PE\0\0", 4);
  out[0x44] = 0x64;  // IMAGE_FILE_MACHINE_ARM64 (0xaa64), LE16
  out[0x45] = 0xaa;
  out.insert(out.end(), payload.begin(), payload.end());
  uint8_t size_le[4];
  StoreLe32(static_cast<uint32_t>(padded.size()), size_le);
  out.insert(out.end(), size_le, size_le + 4);
  out.resize(out.size() + (-out.size() % 512), 0);
  return out;
}

enum class Packing { kGzip, kZstd, kZbootZstd };

// The kernel in `packing`, compressed on first use.
const std::vector<uint8_t>& Packed(Packing packing) {
  static std::vector<uint8_t>* cache[3] = {nullptr, nullptr, nullptr};
  std::vector<uint8_t>*& slot = cache[static_cast<int>(packing)];
  if (slot == nullptr) {
    const std::vector<uint8_t>& raw = TheKernel().file;
    switch (packing) {
      case Packing::kGzip:
        slot = new std::vector<uint8_t>(Gzip(raw));
        break;
      case Packing::kZstd:
        slot = new std::vector<uint8_t>(Zstd(raw, 19));
        break;
      case Packing::kZbootZstd:
        slot = new std::vector<uint8_t>(
            TheParsedKernel().ok()
                ? ZbootZstd(raw, TheParsedKernel()->image_size)
                : std::vector<uint8_t>());
        break;
    }
  }
  return *slot;
}

// Skips the benchmark when there is no kernel; else labels it with the
// kernel's source.
bool HaveKernel(benchmark::State& state) {
  const Kernel& k = TheKernel();
  if (!k.error.empty()) {
    state.SkipWithError(k.error.c_str());
    return false;
  }
  if (!TheParsedKernel().ok()) {
    state.SkipWithError(TheParsedKernel().status().ToString().c_str());
    return false;
  }
  state.SetLabel(k.label);
  return true;
}

void Fail(benchmark::State& state, const absl::Status& status) {
  state.SkipWithError(status.ToString().c_str());
}

// --- ParseKernel ---------------------------------------------------------------

// The span overload: header checks plus a copy of the whole Image into
// Arm64Image::image (allocation, page faults, memcpy), and the free of the
// previous iteration's copy.
void BM_ParseKernel_RawImage(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const std::vector<uint8_t>& file = TheKernel().file;
  for (auto _ : state) {
    absl::StatusOr<Arm64Image> k = ParseKernel(file, "Image", kPageSize);
    if (!k.ok()) return Fail(state, k.status());
    benchmark::DoNotOptimize(k);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(file.size()));
}
BENCHMARK(BM_ParseKernel_RawImage)->Unit(benchmark::kMillisecond);

// The rvalue overload, as `fdt-handoff load` calls it after reading the file
// into its buffer. What is timed is ParseKernel() alone: the header checks
// and moving the vector into Arm64Image::image.
//
// Each iteration needs a fresh 31 MiB vector to move from; copying it costs
// milliseconds, the parse well under one, so both the copy and the free of
// the previous result happen with the timers paused. The previous result is
// destroyed there by assigning an error to `result`, so the timed
// assignment of the new result frees nothing large. Two cautions:
//   - Pause/ResumeTiming read the wall and the process CPU clocks, which
//     costs more than the parse, and the paused copy leaves caches and TLB
//     cold; BM_PauseResumeOverhead measures both with ParseKernel() left
//     out, to be subtracted.
//   - Google Benchmark picks the iteration count from the timed time only
//     (sub-microsecond here), which would mean millions of 31 MiB copies:
//     the count is fixed instead.
void BM_ParseKernel_RawImageMoved(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const std::vector<uint8_t>& original = TheKernel().file;
  absl::StatusOr<Arm64Image> result = absl::UnknownError("not yet");
  for (auto _ : state) {
    state.PauseTiming();
    result = absl::UnknownError("not yet");  // Frees the previous Image.
    std::vector<uint8_t> file = original;
    state.ResumeTiming();
    result = ParseKernel(std::move(file), "Image", kPageSize);
    benchmark::DoNotOptimize(result);
    if (!result.ok()) return Fail(state, result.status());
  }
}
BENCHMARK(BM_ParseKernel_RawImageMoved)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);

// BM_ParseKernel_RawImageMoved with ParseKernel() left out: the same paused
// work (free the previous 31 MiB buffer, copy into a fresh one), then a
// timed region that only moves the vector. Its time is what the timers and
// the caches and TLB the paused copy disturbed cost; subtract it.
void BM_PauseResumeOverhead(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const std::vector<uint8_t>& original = TheKernel().file;
  std::vector<uint8_t> kept;
  for (auto _ : state) {
    state.PauseTiming();
    kept = std::vector<uint8_t>();  // Frees the previous buffer.
    std::vector<uint8_t> file = original;
    state.ResumeTiming();
    kept = std::move(file);
    benchmark::DoNotOptimize(kept.data());
  }
}
BENCHMARK(BM_PauseResumeOverhead)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);

// Decompression and checks; MB/s are of the decompressed Image.
void ParsePacked(benchmark::State& state, Packing packing) {
  if (!HaveKernel(state)) return;
  const std::vector<uint8_t>& file = Packed(packing);
  if (file.empty()) {
    state.SkipWithError("compressing the kernel failed");
    return;
  }
  size_t out_bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<Arm64Image> k = ParseKernel(file, "packed", kPageSize);
    if (!k.ok()) return Fail(state, k.status());
    out_bytes = k->image.size();
    benchmark::DoNotOptimize(k);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(out_bytes));
  state.SetLabel(absl::StrFormat("%s; %.1f MiB -> %.1f MiB",
                                 TheKernel().label, file.size() / 1048576.0,
                                 out_bytes / 1048576.0));
}

void BM_ParseKernel_ImageGz(benchmark::State& state) {
  ParsePacked(state, Packing::kGzip);
}
BENCHMARK(BM_ParseKernel_ImageGz)->Unit(benchmark::kMillisecond);

void BM_ParseKernel_ImageZst(benchmark::State& state) {
  ParsePacked(state, Packing::kZstd);
}
BENCHMARK(BM_ParseKernel_ImageZst)->Unit(benchmark::kMillisecond);

void BM_ParseKernel_ZbootZstd(benchmark::State& state) {
  ParsePacked(state, Packing::kZbootZstd);
}
BENCHMARK(BM_ParseKernel_ZbootZstd)->Unit(benchmark::kMillisecond);

// --- Planning ------------------------------------------------------------------

absl::optional<Fdt> LoadFdt(benchmark::State& state, const char* path) {
  absl::StatusOr<Fdt> fdt = Fdt::FromFile(path);
  if (!fdt.ok()) {
    Fail(state, fdt.status());
    return absl::nullopt;
  }
  return *std::move(fdt);
}

// The Zero 2W map, the real kernel's sizes, a 10 MiB initrd, the 6.12 DTB's
// size and the 40-byte purgatory.
void BM_PlanSegments(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const absl::optional<Fdt> dtb = LoadFdt(state, kSymbols612);
  if (!dtb.has_value()) return;
  const Arm64Image& k = *TheParsedKernel();
  PlanInput in;
  in.usable = kZeroTwoWUsable;
  in.page_size = kPageSize;
  in.text_offset = k.text_offset;
  in.image_size = k.image_size;
  in.kernel_bytes = k.image.size();
  in.initrd_bytes = kInitrdBytes;
  in.dtb_bytes = dtb->size();
  in.purgatory_bytes = kPurgatorySize;
  for (auto _ : state) {
    absl::StatusOr<Plan> plan = PlanSegments(in);
    if (!plan.ok()) return Fail(state, plan.status());
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_PlanSegments);

// PrepareHandoff(): reconcile the Zero 2W 6.12 DTB (with __symbols__) with
// the live fixture, the USB overlay and a command line; memory map from the
// DTB; plan; the initrd address into /chosen; purgatory. state.range(0) is
// --verify: the sha256 of every segment (kernel to image_size, 10 MiB
// initrd, DTB) for the verifying purgatory.
void BM_PrepareHandoff(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const absl::optional<Fdt> target = LoadFdt(state, kSymbols612);
  const absl::optional<Fdt> live = LoadFdt(state, kLive);
  const absl::optional<Fdt> usb = LoadFdt(state, kUsb);
  if (!target.has_value() || !live.has_value() || !usb.has_value()) return;
  const Arm64Image& k = *TheParsedKernel();
  const std::vector<uint8_t> initrd(kInitrdBytes, 0);
  HandoffInput in;
  in.kernel = k.image;
  in.text_offset = k.text_offset;
  in.image_size = k.image_size;
  in.initrd = initrd;
  in.target_dtb = &*target;
  in.reconcile.live = &*live;
  in.reconcile.overlays = {*usb};
  in.reconcile.append = kBootargs;
  in.reconcile.seed_source = FixedSeeds;
  in.page_size = kPageSize;
  in.verify = state.range(0) != 0;
  for (auto _ : state) {
    absl::StatusOr<Handoff> h = PrepareHandoff(in);
    if (!h.ok()) return Fail(state, h.status());
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_PrepareHandoff)
    ->ArgName("verify")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

// Reconcile() alone, on the inputs of BM_PrepareHandoff/verify:0 (the
// initrd range given): PrepareHandoff() reconciles once, so the two should
// differ by the plan and the in-place initrd patch only (they differed by a
// whole second Reconcile() before).
void BM_ReconcileAlone(benchmark::State& state) {
  const absl::optional<Fdt> target = LoadFdt(state, kSymbols612);
  const absl::optional<Fdt> live = LoadFdt(state, kLive);
  const absl::optional<Fdt> usb = LoadFdt(state, kUsb);
  if (!target.has_value() || !live.has_value() || !usb.has_value()) return;
  ReconcileOptions options;
  options.live = &*live;
  options.overlays = {*usb};
  options.append = kBootargs;
  options.seed_source = FixedSeeds;
  options.initrd_start = 0x42200000;
  options.initrd_end = 0x42200000 + kInitrdBytes;
  for (auto _ : state) {
    absl::StatusOr<Fdt> dtb = Reconcile(*target, options);
    if (!dtb.ok()) return Fail(state, dtb.status());
    benchmark::DoNotOptimize(dtb);
  }
}
BENCHMARK(BM_ReconcileAlone)->Unit(benchmark::kMicrosecond);

// --- Initrd: read once ----------------------------------------------------------

constexpr size_t kBigInitrdBytes = 64 * kMiB;

// A 64 MiB Armbian-style uInitrd (U-Boot legacy header, type ramdisk) in
// TEST_TMPDIR or /tmp, written once; never in the checkout.
const std::string& BigUInitrd() {
  static const std::string* const path = [] {
    std::vector<uint8_t> payload(kBigInitrdBytes);
    for (size_t i = 0; i < payload.size(); ++i) {
      payload[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    }
    std::vector<uint8_t> file(64, 0);
    StoreBe32(0x27051956, file.data());
    StoreBe32(static_cast<uint32_t>(payload.size()), file.data() + 12);
    StoreBe32(crc32_z(0, payload.data(), payload.size()), file.data() + 24);
    file[28] = 5;   // os: linux
    file[29] = 22;  // arch: arm64
    file[30] = 3;   // type: ramdisk
    StoreBe32(crc32_z(0, file.data(), 64), file.data() + 4);
    file.insert(file.end(), payload.begin(), payload.end());
    const char* dir = std::getenv("TEST_TMPDIR");
    auto* p = new std::string(std::string(dir != nullptr ? dir : "/tmp") +
                              "/fdt-handoff-bench-uInitrd");
    if (!WriteFileAtomic(*p, file).ok()) p->clear();
    return p;
  }();
  return *path;
}

// How `load` read an initrd before: the whole file, then the payload copied
// out of it by StripUbootLegacyHeader(). Counter: bytes allocated per run.
void BM_Initrd_ReadFileThenStrip(benchmark::State& state) {
  const std::string& path = BigUInitrd();
  if (path.empty()) return state.SkipWithError("cannot write the uInitrd");
  for (auto _ : state) {
    absl::StatusOr<std::vector<uint8_t>> file = ReadFile(path);
    if (!file.ok()) return Fail(state, file.status());
    absl::StatusOr<std::vector<uint8_t>> initrd =
        StripUbootLegacyHeader(*file, path);
    if (!initrd.ok()) return Fail(state, initrd.status());
    benchmark::DoNotOptimize(initrd->data());
    state.counters["alloc_MiB"] = (file->size() + initrd->size()) / 1048576.0;
  }
}
BENCHMARK(BM_Initrd_ReadFileThenStrip)->Unit(benchmark::kMillisecond);

// ReadInitrd(): stat, one buffer of the file's size, the payload in place.
void BM_Initrd_ReadInitrd(benchmark::State& state) {
  const std::string& path = BigUInitrd();
  if (path.empty()) return state.SkipWithError("cannot write the uInitrd");
  for (auto _ : state) {
    absl::StatusOr<Initrd> initrd = ReadInitrd(path, uint64_t{1} << 31, "");
    if (!initrd.ok()) return Fail(state, initrd.status());
    benchmark::DoNotOptimize(initrd->payload.data());
    // Mapped (the page cache's pages), allocated only on the read fallback.
    state.counters["alloc_MiB"] =
        initrd->file.mapped() ? 0.0 : initrd->file.size() / 1048576.0;
  }
}
BENCHMARK(BM_Initrd_ReadInitrd)->Unit(benchmark::kMillisecond);

// --- The kernel file: read and move (before) or map (now) -----------------------

// The kernel as a file: FDT_HANDOFF_REAL_KERNEL itself, or the synthetic
// Image written once to TEST_TMPDIR or /tmp (never the checkout).
const std::string& KernelPath() {
  static const std::string* const path = [] {
    const char* env = std::getenv("FDT_HANDOFF_REAL_KERNEL");
    if (env != nullptr && *env != '\0' && !TheKernel().file.empty() &&
        TheKernel().label.rfind("SYNTHETIC", 0) != 0) {
      return new std::string(env);
    }
    const char* dir = std::getenv("TEST_TMPDIR");
    auto* p = new std::string(std::string(dir != nullptr ? dir : "/tmp") +
                              "/fdt-handoff-bench-Image");
    if (!WriteFileAtomic(*p, TheKernel().file).ok()) p->clear();
    return p;
  }();
  return *path;
}

// How `load` got the kernel before: ReadFile() (a buffer of the file's size,
// read() copies the page cache into it), then ParseKernel(std::vector&&)
// takes the buffer over. The buffer is freed at the end of each iteration,
// as at exit.
void BM_Kernel_ReadFileThenParse(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const std::string& path = KernelPath();
  if (path.empty()) return state.SkipWithError("cannot write the kernel");
  for (auto _ : state) {
    absl::StatusOr<std::vector<uint8_t>> file = ReadFile(path);
    if (!file.ok()) return Fail(state, file.status());
    absl::StatusOr<Arm64Image> k =
        ParseKernel(*std::move(file), path, kPageSize);
    if (!k.ok()) return Fail(state, k.status());
    benchmark::DoNotOptimize(k->bytes().data());
  }
  state.SetBytesProcessed(state.iterations() * TheKernel().file.size());
}
BENCHMARK(BM_Kernel_ReadFileThenParse)->Unit(benchmark::kMillisecond);

// ReadKernel(): the file mapped, the header checked in place, unmapped at the
// end of each iteration. kexec_load's copy then faults the pages in (16 per
// fault); that cost is the syscall's, not timed here.
void BM_Kernel_ReadKernel(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const std::string& path = KernelPath();
  if (path.empty()) return state.SkipWithError("cannot write the kernel");
  for (auto _ : state) {
    absl::StatusOr<Arm64Image> k =
        ReadKernel(path, kPageSize, uint64_t{512} << 20);
    if (!k.ok()) return Fail(state, k.status());
    benchmark::DoNotOptimize(k->bytes().data());
  }
  state.SetBytesProcessed(state.iterations() * TheKernel().file.size());
}
BENCHMARK(BM_Kernel_ReadKernel)->Unit(benchmark::kMillisecond);

// --- sha256 engines (--verify hashes ~40 MiB) -------------------------------------

// Sha256 over 32 MiB with each engine this CPU has (arg: 0 portable, 1
// armv8; armv8 is skipped where the CPU lacks it).
void BM_Sha256(benchmark::State& state) {
  const Sha256Engine engine = static_cast<Sha256Engine>(state.range(0));
  if (Sha256(engine).engine() != engine) {
    return state.SkipWithError("the CPU lacks this engine");
  }
  static const std::vector<uint8_t>* const data = [] {
    auto* d = new std::vector<uint8_t>(32 * kMiB);
    for (size_t i = 0; i < d->size(); ++i) {
      (*d)[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
    }
    return d;
  }();
  for (auto _ : state) {
    Sha256 h(engine);
    h.Update(*data);
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetBytesProcessed(state.iterations() * data->size());
}
BENCHMARK(BM_Sha256)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// --- Decompression: capped at image_size ----------------------------------------

// The real kernel's Image.gz decompressed as ParseKernel() did before: the
// output buffer doubling up to the 256 MiB limit (copying what it holds at
// each step), no checks. Compare with BM_ParseKernel_ImageGz, which learns
// image_size from the first 64 bytes and allocates once.
void BM_Gunzip_Doubling(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  const std::vector<uint8_t>& file = Packed(Packing::kGzip);
  for (auto _ : state) {
    absl::StatusOr<std::vector<uint8_t>> image =
        Gunzip(file, "Image.gz", kDefaultMaxKernelImageSize);
    if (!image.ok()) return Fail(state, image.status());
    benchmark::DoNotOptimize(image->data());
  }
}
BENCHMARK(BM_Gunzip_Doubling)->Unit(benchmark::kMillisecond);

// A gzip bomb that looks like a kernel: the real Image's header (image_size
// 32 MiB), then zeros up to 256 MiB + 1 (0.25 MiB of gzip).
const std::vector<uint8_t>& GzBomb() {
  static const std::vector<uint8_t>* const bomb = [] {
    std::vector<uint8_t> raw(kDefaultMaxKernelImageSize + 1, 0);
    const std::vector<uint8_t>& k = TheKernel().file;
    std::copy(k.begin(), k.begin() + kArm64ImageHeaderSize, raw.begin());
    return new std::vector<uint8_t>(Gzip(raw));
  }();
  return *bomb;
}

// Before: the bomb is decompressed to the 256 MiB limit, then refused.
void BM_GzBomb_Uncapped(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  for (auto _ : state) {
    absl::StatusOr<std::vector<uint8_t>> out =
        Gunzip(GzBomb(), "bomb.gz", kDefaultMaxKernelImageSize);
    if (out.ok()) return state.SkipWithError("the bomb was accepted");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_GzBomb_Uncapped)->Unit(benchmark::kMillisecond);

// Now: ParseKernel() stops once the output passes the header's image_size.
void BM_GzBomb_ParseKernel(benchmark::State& state) {
  if (!HaveKernel(state)) return;
  for (auto _ : state) {
    absl::StatusOr<Arm64Image> out = ParseKernel(GzBomb(), "bomb.gz", kPageSize);
    if (out.ok()) return state.SkipWithError("the bomb was accepted");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_GzBomb_ParseKernel)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fdt_handoff
