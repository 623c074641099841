#!/usr/bin/env bash
# Builds the static aarch64 fdt-handoff and runs the two-stage QEMU boot
# (e2e/run.sh): stage 1 (Debian's arm64 kernel) runs `fdt-handoff load`,
# prints its DTB, unloads, and reboots with `fdt-handoff exec` into stage 2,
# which must receive exactly that DTB (seed values aside, which it wipes).
#   FDT_E2E_STRICT=1 tools/e2e.sh      a skipped run is a failure (CI)
#
#   tools/e2e.sh                       every run (see e2e/run.sh), with timings
#   FDT_E2E_RUNS=fdt-handoff/trixie-6.12 tools/e2e.sh   just one run
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --e2e
tools/make_sysroot.sh

# A separate output base keeps the host build's cache (bazel-bin) intact.
# shellcheck source=tools/output_base.sh
. tools/output_base.sh
base="${FDT_HANDOFF_AARCH64_BASE:-$(output_base_for aarch64)}"
cross=(bazel --output_base="$base")
# The shipped binary, and the testonly CLI variant for the corrupt-digest run.
"${cross[@]}" build --config=aarch64 --symlink_prefix=/ //tools:fdt-handoff \
  //e2e:fdt-handoff-corrupt-digest
out="$("${cross[@]}" info --config=aarch64 bazel-bin 2>/dev/null)"
bin="$out/tools/fdt-handoff"
# The stripped copies the guest runs, per checkout like the output base: a
# shared path would let another checkout's e2e swap the binary under this one.
strip_dir="$(output_base_for e2e-bin)"
mkdir -p "$strip_dir"
stripped="$strip_dir/fdt-handoff"
aarch64-linux-gnu-strip -o "$stripped.tmp" "$bin" && mv -f "$stripped.tmp" "$stripped"
echo "e2e: static aarch64 fdt-handoff: $(stat -c %s "$bin") bytes," \
     "$(stat -c %s "$stripped") stripped"
corrupt="$strip_dir/fdt-handoff-corrupt-digest"
aarch64-linux-gnu-strip -o "$corrupt.tmp" "$out/e2e/fdt-handoff-corrupt-digest" \
  && mv -f "$corrupt.tmp" "$corrupt"

bazel build //tools:fdt-handoff
FDT_HANDOFF_BIN="$stripped" \
FDT_HANDOFF_CORRUPT_BIN="$corrupt" \
FDT_HANDOFF_HOST_BIN="$PWD/bazel-bin/tools/fdt-handoff" \
  e2e/run.sh "$@"
