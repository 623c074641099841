#!/bin/sh
# File: kexec/verify/qemu_virt_test.sh
#
# Runs the verifying purgatory on a bare QEMU virt machine (cortex-a53; MMU
# and caches off at reset, as after machine_kexec()). The segments come from
# the real PrepareHandoff() with verify = true (write_handoff_segments), for
# QEMU's own DTB (dumpdtb: stdout-path "/pl011@9000000") and a stand-in
# kernel (fake_kernel.S); QEMU's loader puts them where the plan says, which
# is kexec_load's job, and starts the CPU at the purgatory.
#
#   - at EL1 and at EL2: "3 segments verified", then the fake kernel reports
#     x0 = the planned DTB address, x1..x3 = 0, and powers off;
#   - with the kernel's digest corrupted on purpose: the mismatch line on the
#     PL011, no kernel, and the machine is still halted at the timeout.
#
# Needs qemu-system-aarch64 (qemu-system-arm, `tools/setup.sh --e2e`);
# without it the test reports itself as skipped (a <skipped> case in
# $XML_OUTPUT_FILE, which tools/test.sh counts as skipped, not passed), so
# the plain suite does not pull in a full system emulator.
set -eu

qemu=$(command -v qemu-system-aarch64 || true)
if [ -z "$qemu" ]; then
  why="qemu-system-aarch64 is not installed (tools/setup.sh --e2e)"
  echo "SKIPPED: $why"
  if [ -n "${XML_OUTPUT_FILE:-}" ]; then
    cat >"$XML_OUTPUT_FILE" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="qemu_virt_test" tests="1" skipped="1">
<testcase classname="qemu_virt_test" name="qemu_virt_test"><skipped message="$why"/></testcase>
</testsuite></testsuites>
XML
  fi
  exit 0
fi

write_segments=kexec/verify/write_handoff_segments
kernel=kexec/verify/fake_kernel.bin
tmp=${TEST_TMPDIR:-$(mktemp -d)}
head -c 300001 /dev/urandom > "$tmp/initrd"
qemu_args="-cpu cortex-a53 -m 256 -nographic -monitor none -net none"

# boot NAME MACHINE CORRUPT SECONDS: plans, then boots; sets $dir, $dtb_at
# and $out. NAME names the work directory (QEMU options split on commas).
boot() {
  dir="$tmp/$1"
  shift
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  "$qemu" -M "$1,dumpdtb=$dir/qemu.dtb" $qemu_args > "$dir/dumpdtb.txt" 2>&1 ||
    { echo "FAIL: qemu dumpdtb:" >&2; cat "$dir/dumpdtb.txt" >&2; exit 1; }
  "$write_segments" "$dir" "$dir/qemu.dtb" "$kernel" "$tmp/initrd" "$2" \
    > "$dir/plan.txt" || { echo "FAIL: write_handoff_segments" >&2; exit 1; }
  loaders=""
  while read -r address file; do
    loaders="$loaders -device loader,file=$file,addr=$address"
  done < "$dir/segments"
  dtb_at=$(awk '/\/dtb\.bin$/ {print $1}' "$dir/segments")
  # timeout's status (124 when the purgatory halted) is judged by the output.
  # shellcheck disable=SC2086
  out=$(timeout "$3" "$qemu" -M "$1" $qemu_args -serial stdio $loaders \
          -device loader,addr="$(cat "$dir/entry")",cpu-num=0 2>&1 \
        | tr -d '\r' || true)
}

failures=0
expect() {  # expect NAME WANTED_LINE
  if printf '%s\n' "$out" | grep -qxF "$2"; then
    echo "ok: $1: $2"
  else
    echo "FAIL: $1: wanted the line '$2' in:" >&2
    printf '%s\n' "$out" >&2
    cat "$dir/plan.txt" >&2
    failures=$((failures + 1))
  fi
}

zero=0x0000000000000000
for machine in virt virt,virtualization=on; do
  el=1
  [ "$machine" = virt ] || el=2
  boot "el$el" "$machine" - 20
  x0=$(printf '0x%016x' "$dtb_at")
  expect "EL$el" "fdt-handoff purgatory: 3 segments verified"
  expect "EL$el" "fake kernel: x0=$x0 x1=$zero x2=$zero x3=$zero el=$el"
done

boot corrupt virt kernel 3
expect "corrupt" "fdt-handoff purgatory: sha256 mismatch in segment 0 [0x40200000+0x10000]; halting"
if printf '%s\n' "$out" | grep -qF "fake kernel"; then
  echo "FAIL: corrupt: the kernel ran after a mismatch" >&2
  failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] || exit 1
