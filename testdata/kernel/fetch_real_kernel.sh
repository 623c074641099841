#!/usr/bin/env bash
# Downloads whatever arm64 kernel package Debian currently serves for this
# system's suite (bookworm on Debian 12; the ABI moves, e.g. 6.1.0-56 ->
# 6.1.0-57) into a cache outside the repository, extracts /boot/vmlinuz-*,
# and writes the first 4 KiB of its raw Image (decompressed first if the
# vmlinuz is Image.gz or EFI zboot) to the cache as debian-<abi>.Image.head.
# It prints the package and version it got, the sha256 sums and the header
# fields. It never writes into the checkout, unless asked to replace the
# committed fixture:
#
#   testdata/kernel/fetch_real_kernel.sh                    # cache only
#   testdata/kernel/fetch_real_kernel.sh --update-fixture   # also rewrites
#       testdata/kernel/debian-arm64.Image.head (then update SHA256SUMS and
#       its provenance in testdata/README.md with the printed lines)
#   ./tools/test.sh        # uses the newest cached vmlinuz for image_test
#
# Cache: FDT_HANDOFF_KERNEL_CACHE (default /var/tmp/fdt-handoff-kernels).
#
# Uses the system's apt sources only (no other suites). Adds the arm64
# architecture to dpkg if it is missing (harmless: nothing arm64 gets
# installed). Needs root for that and for apt-get update.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FDT_HANDOFF_KERNEL_CACHE:-/var/tmp/fdt-handoff-kernels}
update_fixture=0
case "${1:-}" in
  "") ;;
  --update-fixture) update_fixture=1 ;;
  *) echo "usage: fetch_real_kernel.sh [--update-fixture]" >&2; exit 2 ;;
esac
mkdir -p "$cache"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi
abi_pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
          awk '/Depends: linux-image-[0-9].*-arm64/ {print $2; exit}')
if [[ -z "$abi_pkg" ]]; then
  apt-get update -qq
  abi_pkg=$(apt-cache depends linux-image-arm64:arm64 |
            awk '/Depends: linux-image-[0-9].*-arm64/ {print $2; exit}')
fi
abi=${abi_pkg%:arm64}
abi=${abi#linux-image-}
(cd "$cache" && apt-get download "$abi_pkg" 2>/dev/null)
deb=$(ls -t "$cache"/linux-image-"$abi"_*_arm64.deb | head -n1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache" "./boot/vmlinuz-$abi"
vmlinuz="$cache/boot/vmlinuz-$abi"
head_out="$cache/debian-$abi.Image.head"

python3 - "$vmlinuz" "$head_out" <<'PY'
import gzip, struct, subprocess, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
def is_image(b):
    return len(b) >= 64 and struct.unpack_from('<I', b, 56)[0] == 0x644d5241
if is_image(data):
    fmt, image = 'Image (raw, uncompressed)', data
elif data[:2] == b'\x1f\x8b':
    fmt, image = 'Image.gz', gzip.decompress(data)
elif data[:2] == b'MZ' and data[4:8] == b'zimg':
    off, size = struct.unpack_from('<II', data, 8)
    comp = data[24:56].split(b'\0')[0].decode()
    payload = data[off:off + size]
    if comp == 'gzip':
        image = gzip.decompress(payload)
    else:
        image = subprocess.run(['zstd', '-dc'], input=payload,
                               stdout=subprocess.PIPE, check=True).stdout
    fmt = 'EFI zboot (%s)' % comp
else:
    sys.exit('fetch_real_kernel: %s: unknown format' % src)
assert is_image(image), 'payload is not an arm64 Image'
text_offset, image_size, flags = struct.unpack_from('<QQQ', image, 8)
print('format:      %s' % fmt)
print('file size:   %d' % len(data))
print('Image size:  %d' % len(image))
print('text_offset: 0x%x' % text_offset)
print('image_size:  0x%x (%d)' % (image_size, image_size))
print('flags:       0x%x' % flags)
open(out, 'wb').write(image[:4096])
PY
echo "package: $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
sha256sum "$deb" "$vmlinuz" "$head_out"
if [[ $update_fixture == 1 ]]; then
  cp "$head_out" "$here/debian-arm64.Image.head"
  echo "updated $here/debian-arm64.Image.head: update SHA256SUMS and testdata/README.md"
fi
