#!/bin/sh
# File: kexec/verify/sha256_qemu_test.sh
#
# Runs the purgatory's sha256 (purgatory_sha256.c, built for aarch64 with
# the purgatory's flags into sha256_vectors) under qemu-aarch64-static:
# the FIPS 180-2 examples at every alignment and in uneven pieces, then
# files of awkward sizes compared with the host's sha256sum.
set -eu

bin=kexec/verify/sha256_vectors
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -z "$qemu" ]; then
  echo "sha256_qemu_test: needs qemu-aarch64-static (qemu-user-static; tools/setup.sh)" >&2
  exit 1
fi

"$qemu" "$bin"

dir=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
# Around every block and padding boundary (55/56 bytes: the length still
# fits the last block or not), plus a larger random file.
for size in 0 1 3 55 56 57 63 64 65 119 120 127 128 129 4095 4096 100003; do
  f="$dir/input-$size"
  head -c "$size" /dev/urandom > "$f"
  got=$("$qemu" "$bin" "$f" | cut -d' ' -f1)
  want=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "FAIL: $size bytes: purgatory sha256 $got, sha256sum $want" >&2
    failures=$((failures + 1))
  fi
done
[ "$failures" -eq 0 ] || exit 1
echo "ok: purgatory sha256 under qemu-aarch64 agrees with sha256sum"
