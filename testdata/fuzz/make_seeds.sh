#!/usr/bin/env bash
# Writes the fuzz seeds in testdata/fuzz/ (input format: fdt/fuzz_body.h).
#
# Seeds are built from the real corpus and the live fixture, plus a tiny
# hand-written board whose seeds are small enough for libFuzzer to mutate
# quickly while still reaching every reconcile rule (memory, reserved-memory,
# memreserve, serial-number, MAC address, /chosen). Offline and
# deterministic: running it again gives the same bytes.
#
# Usage: testdata/fuzz/make_seeds.sh      (from any cwd; needs dtc)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

corpus="${root}/testdata/corpus"
symbols="${root}/testdata/corpus-symbols"
live="${root}/testdata/live/sun50i-h618-orangepi-zero2w-6.12-uboot.dtb"
live_no_memory="${root}/testdata/live/no-memory.dtb"

# --- encoding helpers (little-endian, as fuzz_body.h specifies) -------------

# le N BYTES: N as BYTES little-endian bytes on stdout.
le() {
  local value=$1 bytes=$2 i
  for ((i = 0; i < bytes; i++)); do
    printf "\\x$(printf '%02x' $(((value >> (8 * i)) & 0xff)))"
  done
}

# header FLAGS FLAGS2 SKIP INITRD_PAGE INITRD_PAGES MEM_MIB MEM_SIZE_MIB MEM_COUNT
header() {
  le "$1" 1; le "$2" 1; le "$3" 2; le "$4" 4; le $(($5 & 0xffff)) 2
  le "$6" 2; le "$7" 2; le $(($8 - 1)) 1; le 0 1
}

# piece FILE: length-prefixed blob.
piece() {
  le "$(stat -c %s "$1")" 4
  cat "$1"
}

# --- inputs ---------------------------------------------------------------

# The overlay exactly as //fdt/overlays:zero2w_usb builds it.
dtc -@ -q -I dts -O dtb -o "${tmp}/usb.dtbo" \
  "${root}/fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dts"

# A tiny board: one USB controller to enable, an ethernet alias, a firmware
# reservation the target already covers and one it does not.
cat >"${tmp}/tiny.dts" <<'DTS'
/dts-v1/;
/ {
	compatible = "fuzz,tiny";
	model = "fuzz tiny board";
	#address-cells = <2>;
	#size-cells = <2>;
	aliases {
		ethernet0 = "/soc/ethernet@5020000";
		serial0 = "/soc/serial@5000000";
	};
	chosen {
		stdout-path = "serial0:115200n8";
		linux,elfcorehdr = <0x0 0x48000000 0x0 0x1000>;
	};
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		secmon@40000000 {
			reg = <0x0 0x40000000 0x0 0x40000>;
			no-map;
		};
	};
	soc {
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges = <0x0 0x0 0x0 0x40000000>;
		uart0: serial@5000000 {
			compatible = "fuzz,uart";
			reg = <0x5000000 0x400>;
		};
		usb0: usb@5200000 {
			compatible = "fuzz,usb";
			reg = <0x5200000 0x1000>;
			status = "disabled";
		};
		emac0: ethernet@5020000 {
			compatible = "fuzz,emac";
			reg = <0x5020000 0x10000>;
		};
	};
};
DTS
cat >"${tmp}/tiny-live.dts" <<'DTS'
/dts-v1/;
/memreserve/ 0x48000000 0x200000;
/ {
	compatible = "fuzz,tiny";
	model = "fuzz tiny board";
	serial-number = "0123456789abcdef";
	#address-cells = <2>;
	#size-cells = <2>;
	memory {
		device_type = "memory";
		reg = <0x0 0x40000000 0x0 0x20000000>;
	};
	aliases {
		ethernet0 = "/soc/ethernet@5020000";
	};
	chosen {
		bootargs = "console=ttyS0,115200";
		kaslr-seed = <0x0 0x0>;
		linux,initrd-start = <0x0 0x48000000>;
		linux,initrd-end = <0x0 0x48200000>;
	};
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		tf-a@40000000 {
			reg = <0x0 0x40000000 0x0 0x40000>;
			no-map;
		};
		scp@40100000 {
			reg = <0x0 0x40100000 0x0 0x10000>;
			no-map;
		};
	};
	soc {
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges = <0x0 0x0 0x0 0x40000000>;
		ethernet@5020000 {
			compatible = "fuzz,emac";
			reg = <0x5020000 0x10000>;
			local-mac-address = [02 00 00 12 34 56];
		};
	};
};
DTS
cat >"${tmp}/tiny-usb.dts" <<'DTS'
/dts-v1/;
/plugin/;
/ {
	compatible = "fuzz,tiny";
};
&usb0 {
	status = "okay";
	phys = <&uart0>;
};
DTS
dtc -@ -q -I dts -O dtb -o "${tmp}/tiny-sym.dtb" "${tmp}/tiny.dts"
dtc -q -I dts -O dtb -o "${tmp}/tiny.dtb" "${tmp}/tiny.dts"
dtc -q -I dts -O dtb -o "${tmp}/tiny-live.dtb" "${tmp}/tiny-live.dts"
dtc -@ -q -I dts -O dtb -o "${tmp}/tiny-usb.dtbo" "${tmp}/tiny-usb.dts"

cmdline() { printf 'quiet loglevel=3\0BOOT_IMAGE=/boot/vmlinuz root=/dev/mmcblk0p2 rw\n'; }

# Flag values (fuzz_body.h).
OVL=1 LIVE=2 SEEDS=4 INITRD=8 MEM=16 SYMS=32 KEEPRSV=64 FORCE=128
APPEND=1 REUSE=2 SEEDFAIL=4 SEEDZERO=8 TWICE=16
# Initrd at 0x48000000 (page 0x48000), 2 MiB (0x200 pages).
RD="0x48000 0x200"

out="${here}"
rm -f "${out}"/*.seed

# Everything on, on the tiny board (target built with -@).
{ header $((OVL | LIVE | SEEDS | INITRD)) $((APPEND | REUSE)) 0 ${RD} 0 0 1
  piece "${tmp}/tiny-sym.dtb"; piece "${tmp}/tiny-usb.dtbo"
  piece "${tmp}/tiny-live.dtb"; cmdline; } >"${out}/tiny-all.seed"

# Tiny target without symbols: labels grafted from the -@ build; --memory
# with two ranges; --keep-memreserve.
{ header $((OVL | LIVE | SYMS | MEM | KEEPRSV)) 0 0 0 0 1024 256 2
  piece "${tmp}/tiny.dtb"; piece "${tmp}/tiny-usb.dtbo"
  piece "${tmp}/tiny-live.dtb"; piece "${tmp}/tiny-sym.dtb"; } \
  >"${out}/tiny-graft-memory.seed"

# Error paths: initrd end below start, a failing seed source, the overlay
# twice, and the mac-address and stale-kexec rules skipped.
{ header $((OVL | LIVE | SEEDS | INITRD)) $((SEEDFAIL | TWICE)) $(((1 << 4) | (1 << 8))) \
    0x48000 -16 0 0 1
  piece "${tmp}/tiny-sym.dtb"; piece "${tmp}/tiny-usb.dtbo"
  piece "${tmp}/tiny-live.dtb"; } >"${out}/tiny-errors.seed"

# The real case: Zero 2W 6.12 (-@ build) + USB overlay + live fixture.
{ header $((OVL | LIVE | SEEDS | INITRD)) $((APPEND | REUSE)) 0 ${RD} 0 0 1
  piece "${symbols}/6.12/sun50i-h618-orangepi-zero2w.dtb"; piece "${tmp}/usb.dtbo"
  piece "${live}"; cmdline; } >"${out}/zero2w-612-usb-live.seed"

# Debian's DTB (no symbols) with labels from the -@ build, as the CLI runs it.
{ header $((OVL | LIVE | SEEDS | SYMS)) 0 0 0 0 0 0 1
  piece "${corpus}/6.12/sun50i-h618-orangepi-zero2w.dtb"; piece "${tmp}/usb.dtbo"
  piece "${live}"; piece "${symbols}/6.12/sun50i-h618-orangepi-zero2w.dtb"; } \
  >"${out}/zero2w-612-graft.seed"

# 7.2 target alone with --memory (no live FDT).
{ header $((SEEDS | MEM)) 0 0 0 0 1024 1024 1
  piece "${corpus}/7.2/sun50i-h618-orangepi-zero2w.dtb"; } >"${out}/zero2w-72-memory.seed"

# Zero 3 with the Zero 2W overlay forced on, and a live FDT without /memory.
{ header $((OVL | LIVE | FORCE)) $((SEEDZERO)) 0 0 0 0 0 1
  piece "${symbols}/7.2/sun50i-h618-orangepi-zero3.dtb"; piece "${tmp}/usb.dtbo"
  piece "${live_no_memory}"; } >"${out}/zero3-force-no-memory.seed"

# Known library bug, found by the fuzzer: EncodeReg() (fdt/memory.cc) takes
# the target's root #address-cells unchecked, and a legal value of 3 shifts
# a uint64_t by 64 (UBSan), larger values allocate without bound. Kept as
# .crash, outside //testdata:fuzz_seeds and the fuzzer's seed copy, until the
# fix lands; then rename it to .seed and list it in the filegroup.
sed '0,/#address-cells = <2>;/s//#address-cells = <3>;/' "${tmp}/tiny.dts" \
  >"${tmp}/tiny-ac3.dts"
dtc -q -I dts -O dtb -o "${tmp}/tiny-ac3.dtb" "${tmp}/tiny-ac3.dts"
rm -f "${out}"/*.crash
{ header $((MEM)) 0 0 0 0 1024 256 1
  piece "${tmp}/tiny-ac3.dtb"; } >"${out}/regress-encode-reg-cells.crash"

# Known libfdt 1.6.1 bug, found by the fuzzer: a property length of
# 0xfffffff4 makes fdt_next_tag() wrap back to the same tag, so
# fdt_check_full() (and so Fdt::FromBytes) never returns. Here: the tiny
# target with its first property's length patched (the root's first
# property starts 8 bytes into the structure block, its length 4 further).
cp "${tmp}/tiny.dtb" "${tmp}/tiny-hang.dtb"
struct_offset=$((0x$(od -An -tx1 -j8 -N4 "${tmp}/tiny.dtb" | tr -d ' \n')))
printf '\xff\xff\xff\xf4' |
  dd of="${tmp}/tiny-hang.dtb" bs=1 seek=$((struct_offset + 12)) conv=notrunc \
    status=none
{ header 0 0 0 0 0 0 0 1
  piece "${tmp}/tiny-hang.dtb"; } >"${out}/regress-check-full-hang.crash"

# Known libfdt 1.6.1 bug, found by the fuzzer: fdt_check_full() calls
# fdt_get_name() on each node and dereferences the result unchecked; for a
# header version below 16 that is NULL at the root, a SIGSEGV. Here: the
# tiny target with version 15 and last_comp_version 0 (header bytes 20..27).
cp "${tmp}/tiny.dtb" "${tmp}/tiny-v15.dtb"
printf '\x00\x00\x00\x0f\x00\x00\x00\x00' |
  dd of="${tmp}/tiny-v15.dtb" bs=1 seek=20 conv=notrunc status=none
{ header 0 0 0 0 0 0 0 1
  piece "${tmp}/tiny-v15.dtb"; } >"${out}/regress-check-full-old-version.crash"

ls -l "${out}"/*.seed "${out}"/*.crash
