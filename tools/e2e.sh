#!/usr/bin/env bash
# Builds the static aarch64 fdt-handoff and runs the two-stage QEMU boot
# (e2e/run.sh): stage 1 (Debian's arm64 kernel) runs `fdt-handoff load` and
# kexecs into stage 2, which must receive exactly the DTB fdt-handoff built.
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
"${cross[@]}" build --config=aarch64 --symlink_prefix=/ //tools:fdt-handoff
bin="$("${cross[@]}" info --config=aarch64 bazel-bin 2>/dev/null)/tools/fdt-handoff"
stripped="${TMPDIR:-/tmp}/fdt-handoff-aarch64.stripped"
aarch64-linux-gnu-strip -o "$stripped" "$bin"
echo "e2e: static aarch64 fdt-handoff: $(stat -c %s "$bin") bytes," \
     "$(stat -c %s "$stripped") stripped"

bazel build //tools:fdt-handoff
FDT_HANDOFF_BIN="$stripped" \
FDT_HANDOFF_HOST_BIN="$PWD/bazel-bin/tools/fdt-handoff" \
  e2e/run.sh "$@"
