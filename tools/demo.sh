#!/usr/bin/env bash
# The main job on bundled data: reconcile the Orange Pi Zero 2W's kernel-7.2
# DTB (Debian sid, no __symbols__) against the FDT that U-Boot and TF-A hand
# to a 6.12 kernel (testdata/live/), with the expansion-board USB overlay,
# and print the change report and the DTS diff. This is the blog's case:
# mdboot runs one kernel, the target system another.
#
# Then, unless --no-e2e is given, it boots it for real in QEMU: Debian's
# arm64 kernel runs the static aarch64 fdt-handoff, which kexecs into the
# 6.12 kernel; the run passes only if that kernel received exactly the DTB
# fdt-handoff built (tools/e2e.sh; downloads Debian's kernels once). It ends
# with the product's boot: mdboot (the real init) in QEMU assembles an MD RAID 0
# of two USB disks read-only and kexecs into the system on it, which must
# receive exactly mdboot's DTB and read its root from the array
# (e2e/raid/boot.sh mdboot; builds the disks and the initramfs once).
set -euo pipefail
e2e=1
for arg in "$@"; do
  case "$arg" in
    --no-e2e) e2e=0 ;;
    *) echo "usage: tools/demo.sh [--no-e2e]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
if [[ $e2e == 1 ]]; then tools/setup.sh --e2e --initramfs; else tools/setup.sh; fi

bazel build //tools:fdt-handoff //fdt/overlays:zero2w_usb
out_dir="${TMPDIR:-/tmp}/fdt-handoff-demo"
mkdir -p "$out_dir"

set -x
bazel-bin/tools/fdt-handoff reconcile \
  --dtb testdata/corpus/7.2/sun50i-h618-orangepi-zero2w.dtb \
  --live testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb \
  --overlay bazel-bin/fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo \
  --symbols-from testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb \
  --command-line "console=ttyS0,115200 root=/dev/md127 rootwait" \
  -o "$out_dir/sun50i-h618-orangepi-zero2w-handoff.dtb" \
  --diff
set +x

if [[ $e2e == 1 ]]; then
  echo
  echo "=== the hand-off for real: QEMU, Debian bookworm arm64 -> fdt-handoff load -> kexec -> trixie 6.12"
  FDT_E2E_RUNS=fdt-handoff/trixie-6.12 tools/e2e.sh
fi
if [[ $e2e == 1 ]]; then
  echo
  echo "=== mdboot: two USB disks in MD RAID 0 -> the C++ init assembles read-only -> kexec -> the system on the array"
  e2e/raid/boot.sh mdboot >"$out_dir/raid.log" 2>&1 || { cat "$out_dir/raid.log"; exit 1; }
  grep -E '^build_initramfs: |^PHASES run=mdboot/' "$out_dir/raid.log"
  grep '^VERDICT run=mdboot/' "$out_dir/raid.log" | tail -n 1   # boot.sh repeats it in its summary
fi
