#!/usr/bin/env bash
# Writes the small synthetic kernel fixtures in this folder (see the
# "Kernel fixtures" section of testdata/README.md). Offline and
# deterministic: timestamps are fixed (gzip -n, SOURCE_DATE_EPOCH for
# mkimage), so a re-run with the same tool versions rewrites identical bytes.
#
#   testdata/kernel/make_fixtures.sh
#
# Needs: python3, gzip, zstd, mkimage (u-boot-tools).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for tool in python3 gzip zstd mkimage; do
  command -v "$tool" >/dev/null || { echo "make_fixtures: needs $tool" >&2; exit 1; }
done
export SOURCE_DATE_EPOCH=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Image: a 64-byte arm64 header (booting.rst layout, little-endian) and
#    8 KiB of filler. text_offset 0, image_size 64 KiB (the rest is "BSS"),
#    flags 0xa = little-endian, 4K pages, any placement; code0 reads "MZ" as
#    in EFI-stub kernels, res5 = 0x40 (the PE header offset).
python3 - "$tmp/Image" <<'PY'
import struct, sys
size = 8192
header = struct.pack('<IIQQQQQQII',
                     0xfa405a4d,          # code0: "MZ@\xfa" (ccmp, as EFI-stub kernels)
                     0x14000000 | (0x1000 // 4),  # code1: b +0x1000
                     0,                   # text_offset
                     0x10000,             # image_size
                     0xa,                 # flags
                     0, 0, 0,             # res2..res4
                     0x644d5241,          # magic "ARM\x64"
                     0x40)                # res5: PE header offset
body = bytearray()
i = 0
while len(header) + len(body) < size:
    body += b'fdt-handoff synthetic arm64 Image, line %05d\n' % i
    i += 1
open(sys.argv[1], 'wb').write((header + bytes(body))[:size])
PY
cp "$tmp/Image" Image

# 2. Image.gz and Image.zst.
gzip -n -9 -c Image > Image.gz
zstd -q -19 -c Image > Image.zst

# 3. EFI zboot images, laid out as drivers/firmware/efi/libstub/
#    zboot-header.S and Makefile.zboot build them: the Image is padded to
#    image_size ("including BSS"), compressed, and placed after the header;
#    the header holds the payload offset and size (LE32 at 8 and 12) and the
#    compression type (NUL-terminated at 24). For zstd the build appends the
#    uncompressed size as LE32 and leaves it out of the payload size.
python3 - "$tmp/Image.padded" <<'PY'
import sys
data = open('Image', 'rb').read()
open(sys.argv[1], 'wb').write(data + bytes(0x10000 - len(data)))
PY
gzip -n -9 -c "$tmp/Image.padded" > "$tmp/payload.gz"
zstd -q -19 -c "$tmp/Image.padded" > "$tmp/payload.zst"
python3 - "$tmp" <<'PY'
import struct, sys
tmp = sys.argv[1]
def zboot(payload, size_len, comp, out):
    offset = 0x200
    header = bytearray(offset)
    header[0:4] = b'MZ\0\0'
    header[4:8] = b'zimg'
    struct.pack_into('<II', header, 8, offset, len(payload) - size_len)
    header[24:24 + len(comp) + 1] = comp + b'\0'
    struct.pack_into('<II', header, 0x38, 0x818223cd, 0x40)  # LINUX_PE_MAGIC, PE offset
    header[0x40:0x44] = b'PE\0\0'
    struct.pack_into('<H', header, 0x44, 0xaa64)             # IMAGE_FILE_MACHINE_ARM64
    blob = bytes(header) + payload
    blob += bytes(-len(blob) % 512)                          # section alignment
    open(out, 'wb').write(blob)
gz = open(tmp + '/payload.gz', 'rb').read()
zst = open(tmp + '/payload.zst', 'rb').read() + struct.pack('<I', 0x10000)
zboot(gz, 0, b'gzip', 'vmlinuz-zboot-gzip.efi')
zboot(zst, 4, b'zstd22', 'vmlinuz-zboot-zstd.efi')
PY

# 4. U-Boot legacy images: a kernel around the raw Image and around
#    Image.gz, and an Armbian-style uInitrd around a tiny gzip'ed newc cpio
#    (only the TRAILER!!! entry).
mkimage -A arm64 -O linux -T kernel -C none -a 0x40200000 -e 0x40200000 \
  -n "fdt-handoff test Image" -d Image uImage >/dev/null
mkimage -A arm64 -O linux -T kernel -C gzip -a 0x40200000 -e 0x40200000 \
  -n "fdt-handoff test Image.gz" -d Image.gz uImage.gz >/dev/null
python3 - "$tmp/initrd.cpio" <<'PY'
import sys
name = b'TRAILER!!!\0'
fields = [0] * 13
fields[5] = 1             # nlink
fields[11] = len(name)    # namesize
hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
entry = hdr + name
entry += bytes(-len(entry) % 4)
entry += bytes(-len(entry) % 512)
open(sys.argv[1], 'wb').write(entry)
PY
gzip -n -9 -c "$tmp/initrd.cpio" > initrd.cpio.gz
mkimage -A arm64 -O linux -T ramdisk -C gzip -n uInitrd -d initrd.cpio.gz \
  uInitrd >/dev/null

sha256sum Image Image.gz Image.zst vmlinuz-zboot-gzip.efi vmlinuz-zboot-zstd.efi \
  uImage uImage.gz initrd.cpio.gz uInitrd $(ls debian-*.head 2>/dev/null) > SHA256SUMS
echo "make_fixtures: wrote $(wc -l < SHA256SUMS) files listed in $here/SHA256SUMS" >&2
