#!/usr/bin/env bash
# Runs //bench:fdt_benchmark (-c opt) and prints ours/raw ratios, then
# //bench:kexec_benchmark on a real arm64 kernel with a table of its medians,
# then times `fdt-handoff regress` over the whole corpus.
#
# Usage: bench/run_benchmarks.sh [extra --benchmark_* flags, for both]
#
# Ratios are ours/raw of the medians of one run (5 repetitions), by CPU time
# (what the code costs; not inflated by other load on the machine) and by
# wall time. The goal is a CPU ratio of at most 1.5.
#
# The kernel for kexec_benchmark: FDT_HANDOFF_REAL_KERNEL if set, else the
# newest vmlinuz-*-arm64 in the cache of testdata/kernel/fetch_real_kernel.sh
# (FDT_HANDOFF_KERNEL_CACHE, /var/tmp/fdt-handoff-kernels), which is run
# first when the cache has none (it needs root and network; it takes whatever
# version Debian serves now and writes only into the cache, never into the
# checkout). The output names the kernel and, from the cached .deb, its
# package and version. If that fails, the benchmark uses a synthetic 32 MiB
# Image and says so.
# Environment: FDT_BENCH_REPETITIONS (5), FDT_BENCH_REGRESS_RUNS (10),
# FDT_HANDOFF_REAL_KERNEL, FDT_HANDOFF_KERNEL_CACHE.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"
reps="${FDT_BENCH_REPETITIONS:-5}"
regress_runs="${FDT_BENCH_REGRESS_RUNS:-10}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/fdt-bench.XXXXXX")"
trap 'rm -rf "${scratch}"' EXIT

command -v python3 >/dev/null || { echo "run_benchmarks.sh: needs python3" >&2; exit 2; }

# --symlink_prefix=/ leaves the bazel-bin etc. links alone: they point at
# whatever configuration the last normal build used, and others rely on that.
bazel_opt=(-c opt --symlink_prefix=/)
bin="$(bazel info "${bazel_opt[@]}" bazel-bin 2>/dev/null)"

# --- Google Benchmark --------------------------------------------------------

# Build logs go to a file, shown only when a build fails.
build() {
  if ! bazel build "${bazel_opt[@]}" "$@" >"${scratch}/build.log" 2>&1; then
    cat "${scratch}/build.log" >&2
    return 1
  fi
}

build //bench:fdt_benchmark
echo "== bench/fdt_benchmark (${reps} repetitions, medians) =="
(cd "${bin}/bench/fdt_benchmark.runfiles/fdt_handoff" &&
  "${bin}/bench/fdt_benchmark" \
    --benchmark_repetitions="${reps}" \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="${scratch}/bench.json" \
    --benchmark_out_format=json "$@")

echo
echo "== ours / raw libfdt (medians of the run above) =="
python3 - "${scratch}/bench.json" <<'PY'
import json, sys

runs = json.load(open(sys.argv[1]))["benchmarks"]
median = {}
for b in runs:
    if b.get("aggregate_name") == "median":
        median[b["run_name"]] = b
subjects = []
for name in median:
    parts = name.split("_")
    if len(parts) == 3 and parts[2] == "Ours" and parts[1] not in subjects:
        subjects.append(parts[1])
to_us = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
def us(b, key):
    return b[key] * to_us[b["time_unit"]]
print(f"{'subject':<16}{'ours cpu':>12}{'raw cpu':>12}{'ratio':>7}"
      f"{'ours wall':>12}{'raw wall':>12}{'ratio':>7}   (medians, us)")
worst = 0.0
for s in subjects:
    ours, raw = median.get(f"BM_{s}_Ours"), median.get(f"BM_{s}_RawLibfdt")
    if ours is None or raw is None:
        print(f"{s:<16} missing a variant")
        continue
    rc = ours["cpu_time"] / raw["cpu_time"]
    rw = ours["real_time"] / raw["real_time"]
    worst = max(worst, rc)
    print(f"{s:<16}{us(ours, 'cpu_time'):>12.1f}{us(raw, 'cpu_time'):>12.1f}"
          f"{rc:>7.2f}{us(ours, 'real_time'):>12.1f}{us(raw, 'real_time'):>12.1f}"
          f"{rw:>7.2f}")
print(f"worst CPU ratio {worst:.2f} (goal <= 1.5)")
PY

# --- kexec_benchmark on a real kernel ----------------------------------------

kernel_cache="${FDT_HANDOFF_KERNEL_CACHE:-/var/tmp/fdt-handoff-kernels}"
newest_cached_kernel() {
  ls -t "${kernel_cache}"/boot/vmlinuz-*-arm64 2>/dev/null | head -n1 || true
}
# "linux-image-6.1.0-57-arm64 6.1.192-3" for a cached vmlinuz, from its .deb.
cached_kernel_package() {
  local abi deb
  abi="$(basename "$1")"
  abi="${abi#vmlinuz-}"
  deb="$(ls -t "${kernel_cache}"/linux-image-"${abi}"_*_arm64.deb 2>/dev/null | head -n1 || true)"
  [[ -n "${deb}" ]] && echo "$(dpkg-deb -f "${deb}" Package) $(dpkg-deb -f "${deb}" Version)"
}

echo
kernel="${FDT_HANDOFF_REAL_KERNEL:-}"
if [[ -z "${kernel}" ]]; then
  kernel="$(newest_cached_kernel)"
  if [[ -z "${kernel}" ]]; then
    echo "== fetching Debian's arm64 kernel (testdata/kernel/fetch_real_kernel.sh) =="
    if testdata/kernel/fetch_real_kernel.sh >"${scratch}/fetch.log" 2>&1; then
      kernel="$(newest_cached_kernel)"
    else
      sed 's/^/  | /' "${scratch}/fetch.log" | tail -n 5
    fi
  fi
fi
if [[ -n "${kernel}" && ! -r "${kernel}" ]]; then
  echo "run_benchmarks.sh: ${kernel} is not readable" >&2
  kernel=""
fi
if [[ -z "${kernel}" ]]; then
  echo "NOTE: no real kernel; kexec_benchmark falls back to a SYNTHETIC 32 MiB Image"
else
  echo "kernel: ${kernel} (package: $(cached_kernel_package "${kernel}" || echo "unknown, no .deb in ${kernel_cache}"))"
fi

build //bench:kexec_benchmark
echo "== bench/kexec_benchmark (${reps} repetitions, medians; kernel: ${kernel:-synthetic}) =="
(cd "${bin}/bench/kexec_benchmark.runfiles/fdt_handoff" &&
  FDT_HANDOFF_REAL_KERNEL="${kernel}" "${bin}/bench/kexec_benchmark" \
    --benchmark_repetitions="${reps}" \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="${scratch}/kexec.json" \
    --benchmark_out_format=json "$@")

echo
echo "== kexec_benchmark medians =="
python3 - "${scratch}/kexec.json" <<'PY'
import json, sys

runs = json.load(open(sys.argv[1]))["benchmarks"]
median = {b["run_name"]: b for b in runs if b.get("aggregate_name") == "median"}
to_us = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
def us(b, key):
    return b[key] * to_us[b["time_unit"]]
def show(v):
    return f"{v / 1e3:.2f} ms" if v >= 1e3 else f"{v:.2f} us"
print(f"{'benchmark':<32}{'cpu':>12}{'wall':>12}{'MiB/s':>9}")
for name, b in median.items():
    rate = b.get("bytes_per_second")
    rate = f"{rate / 2**20:.0f}" if rate else "-"
    short = name.split("/iterations:")[0]
    print(f"{short:<32}{show(us(b, 'cpu_time')):>12}{show(us(b, 'real_time')):>12}"
          f"{rate:>9}")
moved = next((b for n, b in median.items() if "RawImageMoved" in n), None)
base = next((b for n, b in median.items() if "PauseResumeOverhead" in n), None)
if moved and base:
    print(f"RawImageMoved minus PauseResumeOverhead: "
          f"{us(moved, 'cpu_time') - us(base, 'cpu_time'):.2f} us cpu, "
          f"{us(moved, 'real_time') - us(base, 'real_time'):.2f} us wall")
labels = {b.get("label", "") for b in median.values()} - {""}
kernels = sorted({l.split(";")[0] for l in labels})
print("kernel: " + (", ".join(kernels) or "(no label)"))
if any(k.startswith("SYNTHETIC") for k in kernels):
    print("WARNING: SYNTHETIC Image: the compressed figures are not representative")
MB = "MiB/s: MiB of the (decompressed) Image per CPU second (SetBytesProcessed)"
print(MB)
PY

# --- fdt-handoff regress over the corpus --------------------------------------

echo
echo "== fdt-handoff regress over testdata/corpus =="
if ! bazel query //tools:fdt-handoff >/dev/null 2>&1; then
  echo "SKIPPED: //tools:fdt-handoff does not exist yet"
  exit 0
fi
if ! build //tools:fdt-handoff //fdt/overlays:zero2w_usb; then
  echo "SKIPPED: //tools:fdt-handoff does not build (log above)"
  exit 0
fi
cmd=("${bin}/tools/fdt-handoff" regress
  --corpus testdata/corpus --symbols testdata/corpus-symbols
  --live testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb
  --overlay "${bin}/fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo")
echo "${cmd[*]#"${bin}/"}"
rc=0
"${cmd[@]}" >"${scratch}/regress.out" 2>&1 || rc=$?
echo "exit status ${rc}; its output:"
sed 's/^/  | /' "${scratch}/regress.out"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs "${regress_runs}" --ignore-failure \
    --export-json "${scratch}/regress.json" "${cmd[*]}" >/dev/null
  python3 - "${scratch}/regress.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"regress: mean {r['mean'] * 1e3:.2f} ms ± {r['stddev'] * 1e3:.2f} ms "
      f"over {len(r['times'])} runs (hyperfine; user {r['user'] * 1e3:.2f} ms, "
      f"system {r['system'] * 1e3:.2f} ms)")
PY
else
  total=0
  for ((i = 0; i < regress_runs; i++)); do
    start=$(date +%s%N)
    "${cmd[@]}" >/dev/null 2>&1 || true
    total=$((total + $(date +%s%N) - start))
  done
  awk -v ns="${total}" -v n="${regress_runs}" \
    'BEGIN { printf "regress: mean %.2f ms over %d runs (date +%%s%%N loop)\n", ns / n / 1e6, n }'
fi
