#!/bin/sh
# File: kexec/verify/cli_verify_test.sh
#
# `fdt-handoff plan --verify` (tools/cli.cc) on the Orange Pi Zero 2W's
# corpus DTB with the live U-Boot FDT: the plan names the verifying
# purgatory and the UART it prints to. The shipped binary has no test hook:
# it refuses --verify-corrupt-digest-for-test as an unknown argument, and
# none of the testonly corrupting code (kexec/verify_purgatory_testing.h,
# used by //e2e:fdt-handoff-corrupt-digest) is linked into it.
set -eu

cli=tools/fdt-handoff
common="--kernel testdata/kernel/Image --initrd testdata/kernel/uInitrd
  --dtb testdata/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb
  --live testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb
  --page-size 4096"
err=${TEST_TMPDIR:-/tmp}/err.txt
failures=0
fail() {
  echo "FAIL: $1" >&2
  failures=$((failures + 1))
}

# shellcheck disable=SC2086
out=$("$cli" plan $common --verify)
echo "$out" | grep -qxF "purgatory: verifying (sha256 of 3 segments, UART /soc/serial@5000000 at 0x5000000, 8250 reg-shift 2 io-width 4)" ||
  fail "plan --verify does not name the purgatory and UART: $out"
echo "$out" | grep -qE '^purgatory +\[0x[0-9a-f]+\.\.0x[0-9a-f]+\) +[0-9]{4,} +[0-9]{4,}$' ||
  fail "no verifying-sized purgatory segment: $out"

# shellcheck disable=SC2086
out=$("$cli" plan $common)
if echo "$out" | grep -qF "purgatory: verifying"; then
  fail "plan without --verify claims verification"
fi

# shellcheck disable=SC2086
out=$("$cli" plan $common --verify --json)
echo "$out" | grep -qF '"verify": {"enabled": true,' ||
  fail "--json lacks the verification: $out"

for mode in plan load exec; do
  status=0
  # shellcheck disable=SC2086
  "$cli" $mode --verify --verify-corrupt-digest-for-test initrd $common 2> "$err" >/dev/null || status=$?
  [ "$status" -eq 2 ] && grep -qF "unknown argument --verify-corrupt-digest-for-test" "$err" ||
    fail "$mode accepts the test-only flag: status $status, $(cat "$err")"
done
if grep -aqE 'corrupt-digest|CorruptVerifyDigest|CorruptingKexecSyscalls|corrupted on purpose' "$cli"; then
  fail "$cli contains test-only corrupting code or text"
fi

[ "$failures" -eq 0 ] || exit 1
echo "ok"
