#!/usr/bin/env bash
# make_live_fixture.sh - build the "live FDT" fixtures for the Orange Pi Zero 2W.
#
# Input : corpus/6.12/sun50i-h618-orangepi-zero2w.dtb (Debian trixie DTB, as on disk)
# Output: live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb  - the DTB as TF-A BL31 and
#             U-Boot would hand it to Linux (i.e. what /sys/firmware/fdt shows)
#         live/no-memory.dtb  - the same without any /memory node (error-path tests)
#         live/SHA256SUMS
#
# Every fixup below mirrors a real TF-A/U-Boot code path; live/README.md documents
# each one with its source. Deterministic: same input -> same output bytes.
# Tools: fdtput (libfdt edits, same semantics as the firmware's libfdt calls,
# e.g. new subnodes are inserted before existing ones) and one dtc dtb->dts->dtb
# round-trip to add the /memreserve/ entry (fdtput cannot edit the reserve map).
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IN="$HERE/corpus/6.12/sun50i-h618-orangepi-zero2w.dtb"
OUTDIR="$HERE/live"
OUT="$OUTDIR/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb"
OUT_NOMEM="$OUTDIR/no-memory.dtb"

# Values (keep in sync with live/README.md)
DRAM_BASE_HI=0x0 DRAM_BASE_LO=0x40000000
DRAM_SIZE_HI=0x0 DRAM_SIZE_LO=0x40000000          # 1 GiB board
TFA_NODE=tf-a@40000000
TFA_BASE_LO=0x40000000 TFA_SIZE_LO=0x40000        # BL31_BASE .. BL31_LIMIT
SERIAL="33806c0048a1c7e2"                           # "%08x%08x" of SID word0 + crc32(SID1..3)
BOOTARGS="console=ttyS0,115200 root=/dev/ram0 rdinit=/init"
UBOOT_VERSION="2024.01-armbian"                  # PLAIN_VERSION (U-Boot version + LOCALVERSION)
INITRD_START=0x4ff00000 INITRD_SIZE=0x00a00000    # end = 0x50900000

[[ -r $IN ]] || { echo "make_live_fixture: missing $IN (run fetch_corpus.sh first)" >&2; exit 1; }
for t in dtc fdtput fdtget sha256sum; do command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }; done

TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
W="$TMP/work.dtb"
cp "$IN" "$W"

# --- 1. TF-A BL31 sunxi_prepare_dtb() -> fdt_add_reserved_memory("tf-a@40000000")
# Modelled on U-Boot's control DTB: the dtsi's secmon@40000000 is removed so that the
# live FDT carries only BL31's node (the disk DTB carries only secmon@).
fdtput -r "$W" /reserved-memory/secmon@40000000
fdtput -c "$W" "/reserved-memory/$TFA_NODE"
fdtput "$W" "/reserved-memory/$TFA_NODE" no-map            # empty property, set first
fdtput -t x "$W" "/reserved-memory/$TFA_NODE" reg 0x0 "$TFA_BASE_LO" 0x0 "$TFA_SIZE_LO"

# --- 2. U-Boot image_setup_libfdt(): fdt_root() -> /serial-number from env serial#
fdtput -t s "$W" / serial-number "$SERIAL"

# --- 3. fdt_chosen(): bootargs, u-boot,version (chosen exists: stdout-path kept)
fdtput -t s "$W" /chosen bootargs "$BOOTARGS"
fdtput -t s "$W" /chosen u-boot,version "$UBOOT_VERSION"
# kaslr-seed as Linux leaves it after use (zeroed u64)
fdtput -t x "$W" /chosen kaslr-seed 0x0 0x0

# --- 4. arch_fixup_fdt() -> fdt_fixup_memory_banks(): find-or-create "memory"
fdtput -c "$W" /memory
fdtput -t s "$W" /memory device_type memory
fdtput -t x "$W" /memory reg "$DRAM_BASE_HI" "$DRAM_BASE_LO" "$DRAM_SIZE_HI" "$DRAM_SIZE_LO"

# --- 5. fdt_initrd(): linux,initrd-start/-end (64-bit, root #address-cells = 2)
INITRD_END=$(printf '0x%x' $((INITRD_START + INITRD_SIZE)))
fdtput -t x "$W" /chosen linux,initrd-start 0x0 "$INITRD_START"
fdtput -t x "$W" /chosen linux,initrd-end 0x0 "$INITRD_END"
# ... plus fdt_add_mem_rsv(initrd_start, initrd_size): dtb -> dts -> dtb round-trip
dtc -q -I dtb -O dts -o "$TMP/work.dts" "$W"
awk -v s="$INITRD_START" -v z="$INITRD_SIZE" '
  { print } NR==1 && /^\/dts-v1\/;/ { printf "/memreserve/ %s %s;\n", s, z }' "$TMP/work.dts" >"$TMP/live.dts"
grep -c '^/memreserve/' "$TMP/live.dts" >/dev/null || { echo "memreserve insertion failed" >&2; exit 1; }

mkdir -p "$OUTDIR"
dtc -q -I dts -O dtb -o "$OUT" "$TMP/live.dts"

# --- no-memory variant: identical except for the /memory node
cp "$OUT" "$TMP/nomem.dtb"
fdtput -r "$TMP/nomem.dtb" /memory
dtc -q -I dtb -O dts -o "$TMP/nomem.dts" "$TMP/nomem.dtb"
dtc -q -I dts -O dtb -o "$OUT_NOMEM" "$TMP/nomem.dts"     # repack (no slack)

# --- sanity checks
[[ $(fdtget -t s "$OUT" /memory device_type) == memory ]]
[[ $(fdtget -t x "$OUT" /memory reg) == "0 40000000 0 40000000" ]]
[[ $(fdtget -t x "$OUT" /reserved-memory/$TFA_NODE reg) == "0 40000000 0 40000" ]]
! fdtget "$OUT" /reserved-memory/secmon@40000000 reg >/dev/null 2>&1
[[ $(fdtget -t s "$OUT" /chosen stdout-path) == "serial0:115200n8" ]]
[[ $(fdtget -t x "$OUT" /chosen linux,initrd-end) == "0 50900000" ]]
dtc -q -I dtb -O dts "$OUT" | grep -cE '^/memreserve/[[:space:]]+0x0*4ff00000 0x0*a00000;' >/dev/null
! fdtget "$OUT_NOMEM" /memory reg >/dev/null 2>&1
dtc -q -I dtb -O dts "$OUT_NOMEM" | grep -cE '^/memreserve/[[:space:]]+0x0*4ff00000 0x0*a00000;' >/dev/null

(cd "$HERE" && sha256sum "corpus/6.12/sun50i-h618-orangepi-zero2w.dtb" \
   "live/${OUT##*/}" "live/${OUT_NOMEM##*/}") >"$OUTDIR/SHA256SUMS"
cat "$OUTDIR/SHA256SUMS" >&2
