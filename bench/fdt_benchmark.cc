// Benchmarks of the handoff pipeline on the Orange Pi Zero 2W DTB, each next
// to a minimal raw libfdt call sequence doing the same work, so the cost of
// our layer (validation, error reporting, the Tree copy, all-or-nothing
// edits) can be read as a ratio: BM_<Subject>_Ours / BM_<Subject>_RawLibfdt.
// bench/run_benchmarks.sh prints those ratios; the goal is at most 1.5.
//
// Inputs are read once per benchmark, outside the timed loop. Under
// `bazel run` the working directory is the runfiles root of the workspace,
// so the relative paths below resolve to the declared data.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/optional.h"
#include "benchmark/benchmark.h"
#include "fdt/blob.h"
#include "fdt/diff.h"
#include "fdt/dts_text.h"
#include "fdt/endian.h"
#include "fdt/file_io.h"
#include "fdt/overlay.h"
#include "fdt/reconcile.h"

extern "C" {
#include <libfdt.h>
}

namespace fdt_handoff {
namespace {

constexpr char kPlain612[] =
    "testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kSymbols612[] =
    "testdata/corpus-symbols/6.12/sun50i-h618-orangepi-zero2w.dtb";
constexpr char kLive[] =
    "testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb";
constexpr char kUsb[] = "fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo";

constexpr char kBootargs[] = "console=ttyS0,115200 root=/dev/mmcblk0p2 rw";
constexpr uint64_t kInitrdStart = 0x48000000;
constexpr uint64_t kInitrdEnd = 0x48a00000;
constexpr size_t kRngSeedSize = 128;

// Room the raw sequences give libfdt for their edits; ours grows on demand.
constexpr int kRawSlack = 64 * 1024;

// Same pattern for both variants, so both write identical seed bytes.
void FillSeed(uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(0xa0 + i);
}

absl::Status FixedSeeds(absl::Span<uint8_t> out) {
  FillSeed(out.data(), out.size());
  return absl::OkStatus();
}

// Reads `path`, or marks the benchmark failed (never aborts: a missing file
// is a setup problem the report should show).
bool ReadInput(benchmark::State& state, const char* path,
               std::vector<uint8_t>* out) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(path);
  if (!bytes.ok()) {
    state.SkipWithError(std::string(bytes.status().message()).c_str());
    return false;
  }
  *out = *std::move(bytes);
  return true;
}

absl::optional<Fdt> LoadInput(benchmark::State& state, const char* path) {
  absl::StatusOr<Fdt> fdt = Fdt::FromFile(path);
  if (!fdt.ok()) {
    state.SkipWithError(std::string(fdt.status().message()).c_str());
    return absl::nullopt;
  }
  return *std::move(fdt);
}

void Fail(benchmark::State& state, const std::string& what) {
  state.SkipWithError(what.c_str());
}

// --- Load + validate ---------------------------------------------------------

void BM_Load_Ours(benchmark::State& state) {
  std::vector<uint8_t> bytes;
  if (!ReadInput(state, kPlain612, &bytes)) return;
  for (auto _ : state) {
    absl::StatusOr<Fdt> fdt = Fdt::FromBytes(bytes, kPlain612);
    if (!fdt.ok()) return Fail(state, fdt.status().ToString());
    benchmark::DoNotOptimize(fdt);
  }
}
BENCHMARK(BM_Load_Ours);

void BM_Load_RawLibfdt(benchmark::State& state) {
  std::vector<uint8_t> bytes;
  if (!ReadInput(state, kPlain612, &bytes)) return;
  for (auto _ : state) {
    std::vector<uint8_t> copy = bytes;
    const int err = fdt_check_full(copy.data(), copy.size());
    if (err != 0) return Fail(state, fdt_strerror(err));
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_Load_RawLibfdt);

// --- Apply the USB overlay -----------------------------------------------------

void BM_ApplyUsbOverlay_Ours(benchmark::State& state) {
  const absl::optional<Fdt> base = LoadInput(state, kSymbols612);
  const absl::optional<Fdt> usb = LoadInput(state, kUsb);
  if (!base.has_value() || !usb.has_value()) return;
  const std::vector<Fdt> overlays = {*usb};
  for (auto _ : state) {
    absl::StatusOr<Fdt> out = ApplyOverlays(*base, overlays, OverlayOptions());
    if (!out.ok()) return Fail(state, out.status().ToString());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ApplyUsbOverlay_Ours);

// fdt_open_into + fdt_overlay_apply + fdt_pack. Returns 0 or a libfdt error;
// the result is in *tree.
int RawApply(const std::vector<uint8_t>& base, const std::vector<uint8_t>& usb,
             std::vector<uint8_t>* tree) {
  tree->resize(base.size() + usb.size() + kRawSlack);
  int err = fdt_open_into(base.data(), tree->data(),
                          static_cast<int>(tree->size()));
  if (err != 0) return err;
  std::vector<uint8_t> overlay = usb;  // fdt_overlay_apply() consumes it.
  err = fdt_overlay_apply(tree->data(), overlay.data());
  if (err != 0) return err;
  return fdt_pack(tree->data());
}

void BM_ApplyUsbOverlay_RawLibfdt(benchmark::State& state) {
  std::vector<uint8_t> base, usb;
  if (!ReadInput(state, kSymbols612, &base) || !ReadInput(state, kUsb, &usb)) {
    return;
  }
  for (auto _ : state) {
    std::vector<uint8_t> tree;
    const int err = RawApply(base, usb, &tree);
    if (err != 0) return Fail(state, fdt_strerror(err));
    tree.resize(fdt_totalsize(tree.data()));
    benchmark::DoNotOptimize(tree);
  }
}
BENCHMARK(BM_ApplyUsbOverlay_RawLibfdt);

// --- Full reconcile ------------------------------------------------------------

void BM_Reconcile_Ours(benchmark::State& state) {
  const absl::optional<Fdt> target = LoadInput(state, kSymbols612);
  const absl::optional<Fdt> live = LoadInput(state, kLive);
  const absl::optional<Fdt> usb = LoadInput(state, kUsb);
  if (!target.has_value() || !live.has_value() || !usb.has_value()) return;
  ReconcileOptions options;
  options.live = &*live;
  options.overlays = {*usb};
  options.append = kBootargs;
  options.initrd_start = kInitrdStart;
  options.initrd_end = kInitrdEnd;
  options.seed_source = FixedSeeds;
  for (auto _ : state) {
    absl::StatusOr<Fdt> out = Reconcile(*target, options);
    if (!out.ok()) return Fail(state, out.status().ToString());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Reconcile_Ours);

// The edits Reconcile makes on this input, as a hand-written libfdt sequence
// with no checks beyond libfdt's return codes: memory from the live FDT,
// serial-number, /chosen (bootargs, initrd, seeds, stale kexec properties),
// /memreserve/ cleared. The target already covers the live reservation and
// has no ethernet alias, so the reserved-memory and MAC rules edit nothing.
int RawReconcile(const std::vector<uint8_t>& target,
                 const std::vector<uint8_t>& live,
                 const std::vector<uint8_t>& usb, std::vector<uint8_t>* tree) {
  int err = RawApply(target, usb, tree);
  if (err != 0) return err;
  // fdt_pack() shrank totalsize; give the edits room again.
  err = fdt_open_into(tree->data(), tree->data(),
                      static_cast<int>(tree->size()));
  if (err != 0) return err;
  void* fdt = tree->data();

  int len = 0;
  const int live_memory = fdt_path_offset(live.data(), "/memory");
  if (live_memory < 0) return live_memory;
  const void* reg = fdt_getprop(live.data(), live_memory, "reg", &len);
  if (reg == nullptr) return len;
  const int memory = fdt_add_subnode(fdt, 0, "memory@40000000");
  if (memory < 0) return memory;
  if ((err = fdt_setprop_string(fdt, memory, "device_type", "memory")) ||
      (err = fdt_setprop(fdt, memory, "reg", reg, len))) {
    return err;
  }

  const void* serial = fdt_getprop(live.data(), 0, "serial-number", &len);
  if (serial == nullptr) return len;
  if ((err = fdt_setprop(fdt, 0, "serial-number", serial, len))) return err;

  const int chosen = fdt_path_offset(fdt, "/chosen");
  if (chosen < 0) return chosen;
  uint8_t start[8], end[8], kaslr[8], rng[kRngSeedSize];
  StoreBe64(kInitrdStart, start);
  StoreBe64(kInitrdEnd, end);
  FillSeed(kaslr, sizeof(kaslr));
  FillSeed(rng, sizeof(rng));
  if ((err = fdt_setprop_string(fdt, chosen, "bootargs", kBootargs)) ||
      (err = fdt_setprop(fdt, chosen, "linux,initrd-start", start, 8)) ||
      (err = fdt_setprop(fdt, chosen, "linux,initrd-end", end, 8)) ||
      (err = fdt_setprop(fdt, chosen, "kaslr-seed", kaslr, 8)) ||
      (err = fdt_setprop(fdt, chosen, "rng-seed", rng, sizeof(rng)))) {
    return err;
  }
  for (const char* stale :
       {"linux,elfcorehdr", "linux,usable-memory-range",
        "linux,ima-kexec-buffer", "linux,tpm-kexec-buffer",
        "linux,booted-from-kexec", "linux,kho-fdt", "linux,kho-scratch"}) {
    err = fdt_delprop(fdt, chosen, stale);
    if (err != 0 && err != -FDT_ERR_NOTFOUND) return err;
  }
  while (fdt_num_mem_rsv(fdt) > 0) {
    if ((err = fdt_del_mem_rsv(fdt, 0))) return err;
  }
  return fdt_pack(fdt);
}

void BM_Reconcile_RawLibfdt(benchmark::State& state) {
  std::vector<uint8_t> target, live, usb;
  if (!ReadInput(state, kSymbols612, &target) ||
      !ReadInput(state, kLive, &live) || !ReadInput(state, kUsb, &usb)) {
    return;
  }
  for (auto _ : state) {
    std::vector<uint8_t> tree;
    const int err = RawReconcile(target, live, usb, &tree);
    if (err != 0) return Fail(state, fdt_strerror(err));
    tree.resize(fdt_totalsize(tree.data()));
    benchmark::DoNotOptimize(tree);
  }
}
BENCHMARK(BM_Reconcile_RawLibfdt);

// --- DTS dump -----------------------------------------------------------------

void BM_Dump_Ours(benchmark::State& state) {
  const absl::optional<Fdt> fdt = LoadInput(state, kSymbols612);
  if (!fdt.has_value()) return;
  for (auto _ : state) {
    absl::StatusOr<std::string> text = DumpDts(*fdt);
    if (!text.ok()) return Fail(state, text.status().ToString());
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Dump_Ours);

// dtc's value guess in its simplest form: a printable NUL-terminated string,
// else cells when the length allows, else bytes.
void RawFormatValue(const uint8_t* v, int len, std::string* out) {
  bool printable = len > 0 && v[len - 1] == 0 && v[0] != 0;
  for (int i = 0; printable && i < len - 1; ++i) {
    printable = v[i] == 0 ? v[i + 1] != 0 : (v[i] >= 0x20 && v[i] <= 0x7e);
  }
  if (printable) {
    out->push_back('"');
    for (int i = 0; i < len - 1; ++i) {
      if (v[i] == 0) {
        out->append("\", \"");
      } else {
        out->push_back(static_cast<char>(v[i]));
      }
    }
    out->push_back('"');
  } else if (len % 4 == 0) {
    out->push_back('<');
    for (int i = 0; i < len; i += 4) {
      if (i != 0) out->push_back(' ');
      uint32_t cell;
      std::memcpy(&cell, v + i, 4);
      absl::StrAppend(out, "0x", absl::Hex(fdt32_to_cpu(cell)));
    }
    out->push_back('>');
  } else {
    out->push_back('[');
    for (int i = 0; i < len; ++i) {
      if (i != 0) out->push_back(' ');
      absl::StrAppend(out, absl::Hex(v[i], absl::kZeroPad2));
    }
    out->push_back(']');
  }
}

// Walks the tree in blob order (no sorting) with fdt_next_node() and
// fdt_for_each_property_offset(), closing nodes as the depth drops.
int RawDump(const void* fdt, std::string* out) {
  out->assign("/dts-v1/;\n\n");
  int depth = 0;
  int node = 0;
  for (;;) {
    out->append(depth, '\t');
    const char* name = fdt_get_name(fdt, node, nullptr);
    absl::StrAppend(out, depth == 0 ? "/" : name, " {\n");
    int prop;
    fdt_for_each_property_offset(prop, fdt, node) {
      const char* pname = nullptr;
      int len = 0;
      const void* v = fdt_getprop_by_offset(fdt, prop, &pname, &len);
      if (v == nullptr) return len;
      out->append(depth + 1, '\t');
      out->append(pname);
      if (len > 0) {
        out->append(" = ");
        RawFormatValue(static_cast<const uint8_t*>(v), len, out);
      }
      out->append(";\n");
    }
    int next_depth = depth;
    node = fdt_next_node(fdt, node, &next_depth);
    // Close every node we leave (children end before their siblings
    // begin); the root's end leaves the depth at -1.
    const bool done = node < 0 || next_depth < 0;
    for (int d = depth; d >= (done ? 0 : next_depth); --d) {
      out->append(d, '\t');
      out->append("};\n");
    }
    if (done) return node >= 0 || node == -FDT_ERR_NOTFOUND ? 0 : node;
    depth = next_depth;
  }
}

void BM_Dump_RawLibfdt(benchmark::State& state) {
  std::vector<uint8_t> bytes;
  if (!ReadInput(state, kSymbols612, &bytes)) return;
  for (auto _ : state) {
    std::string text;
    const int err = RawDump(bytes.data(), &text);
    if (err != 0) return Fail(state, fdt_strerror(err));
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Dump_RawLibfdt);

// Two wide trees of about 1 MB each as DTBs: `count` nodes under /soc with a
// reg and a status, unit addresses from `first` in steps of `step`. Two such
// trees share short lines but little structure: the diff --text case that
// took over 10 minutes before the search was bounded.
std::vector<uint8_t> WideDtb(int count, uint32_t first, uint32_t step,
                             int phase) {
  std::vector<uint8_t> buf(kMaxDtbSize);
  void* fdt = buf.data();
  int err = fdt_create(fdt, static_cast<int>(buf.size()));
  if (err == 0) err = fdt_finish_reservemap(fdt);
  if (err == 0) err = fdt_begin_node(fdt, "");
  if (err == 0) err = fdt_begin_node(fdt, "soc");
  for (int i = 0; i < count && err == 0; ++i) {
    const uint32_t unit = first + static_cast<uint32_t>(i) * step;
    const fdt32_t reg[2] = {cpu_to_fdt32(unit), cpu_to_fdt32(0x100)};
    err = fdt_begin_node(fdt, absl::StrFormat("dev@%x", unit).c_str());
    if (err == 0) err = fdt_property(fdt, "reg", reg, sizeof(reg));
    if (err == 0) {
      err = fdt_property_string(fdt, "status",
                                (i + phase) % 3 ? "okay" : "disabled");
    }
    if (err == 0) err = fdt_end_node(fdt);
  }
  if (err == 0) err = fdt_end_node(fdt);
  if (err == 0) err = fdt_end_node(fdt);
  if (err == 0) err = fdt_finish(fdt);
  if (err != 0) return {};
  buf.resize(fdt_totalsize(fdt));
  return buf;
}

void BM_UnifiedDiff_WideTrees(benchmark::State& state) {
  absl::StatusOr<Fdt> a =
      Fdt::FromBytes(WideDtb(20000, 0x1000, 0x100, 0), "a.dtb");
  absl::StatusOr<Fdt> b =
      Fdt::FromBytes(WideDtb(20000, 0x1080, 0x180, 1), "b.dtb");
  if (!a.ok() || !b.ok()) return Fail(state, "building the wide trees");
  const absl::StatusOr<std::string> text_a = DumpDts(*a);
  const absl::StatusOr<std::string> text_b = DumpDts(*b);
  if (!text_a.ok() || !text_b.ok()) return Fail(state, "dumping them");
  UnifiedDiffStats stats;
  for (auto _ : state) {
    std::string diff = UnifiedDiff(*text_a, *text_b, "a", "b", 3, &stats);
    benchmark::DoNotOptimize(diff);
  }
  state.counters["dtb_bytes"] = static_cast<double>(a->size() + b->size());
  state.counters["steps"] = static_cast<double>(stats.steps);
}
BENCHMARK(BM_UnifiedDiff_WideTrees)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fdt_handoff
