#!/usr/bin/env bash
# e2e/flash/run.sh - the flash image booted through U-Boot in QEMU.
#
#   e2e/flash/run.sh [--image FLASH.bin | --initramfs FILE] [--out DIR] [--raid DISKS]
#
# Debian's U-Boot 2025.01 for QEMU (u-boot-qemu, qemu_arm64, pinned in flash/sources.txt)
# runs as the machine's firmware (-bios); the 16 MiB image of tools/build_flash.sh, padded
# with 0xff to 64 MiB, is QEMU virt's second flash bank, memory-mapped at 0x04000000.
# U-Boot is stopped at its countdown and typed at (e2e/flash/uboot_console.py):
#   env import -c 0x040f0000 0x10000 mdboot_boot mdboot_offset   the image's own env region
#   setexpr mdboot_fit_addr 0x04000000 + ${mdboot_offset}        the FIT, memory-mapped
#   fdt addr / fdt header get mdboot_fit_size totalsize           as the board's mdboot_load
#   iminfo ${mdboot_fit_addr}                                     every subimage's sha256
#   setenv mdboot_fdt ${fdt_addr}; setenv bootargs mdboot.wait=1
#   run mdboot_boot                                               the board's bootm line
# The one difference from the board: mdboot_fdt is QEMU's own device tree (the Zero 2W's
# describes hardware QEMU does not have) where the board's mdboot_spi uses the FIT's.
# The same kernel and initramfs then come up: mdboot prints its first lines, finds no
# array, waits 1 s and offers its rescue shell, through which the live FDT
# (/sys/firmware/fdt) is copied out and checked for U-Boot's fixups (check_live_fdt.py):
# /chosen u-boot,version, bootargs, linux,initrd-start/-end where U-Boot's console says it
# put the FIT's ramdisk (exactly its size), and /memory (1 GiB at 0x40000000).
#
# --raid DISKS (a folder with disk0.img and disk1.img, e.g. e2e/raid/make_disks.sh's):
# fresh copies of both are attached as USB disks (qemu-xhci + usb-storage), and bootargs
# become "mdboot.wait=30" plus e2e/raid's stage-1 options (mdboot.dumpdtb: mdboot prints
# the DTB it hands over). The run goes on through the kexec into the target system on
# the array (its kernel and initrd, e2e/raid/target_init.sh) and passes when:
#   - mdboot assembled and mounted the RAID 0, took /memory from the live FDT and dropped
#     the live /memreserve/ U-Boot added for the initramfs (exactly the range U-Boot's
#     console names);
#   - e2e/raid/verdict.py --kind boot: the target received exactly the DTB mdboot printed
#     (seeds aside), the Armbian command line, both overlays, and read the marker file
#     from the array it assembled itself;
#   - both copies are unchanged (sha256).
#
# The machine is virt with acpi=off. With firmware (-bios) and ACPI on, QEMU 7.2 puts an
# ACPI GED where the PL061 GPIO (0x9030000) is otherwise; the target's DTB on the disks
# is QEMU's for the machine without firmware, which has the PL061, so the target kernel
# took a synchronous external abort probing a device that is not there (before its
# console came up: it looked silent). With acpi=off the firmware-booted machine is the
# hardware that DTB describes, as the board's own DTB describes the board.
#
# Writes DIR (default $FDT_FLASH_CACHE/e2e): console.log, times.txt, and live.dtb, live.dts
# (no disks) or console.txt, mdboot-dtb.dtb (what mdboot handed over) and target-fdt.dtb
# (what the target kernel received) with --raid.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${FDT_FLASH_CACHE:-/var/cache/fdt-handoff/flash}
log() { printf '[e2e/flash] %s\n' "$*" >&2; }
die() { printf '[e2e/flash] ERROR: %s\n' "$*" >&2; exit 1; }

image="" initramfs=() out="$CACHE/e2e" raid=""
while (($#)); do
  case $1 in
    --image) image=${2:?}; shift 2 ;;
    --initramfs) initramfs=(--initramfs "${2:?}"); shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --raid) raid=${2:?}; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
"$REPO/tools/setup.sh" --flash
mkdir -p "$out"
if [[ -z $image ]]; then
  image="$out/mdboot-flash.bin"
  FDT_FLASH_NO_SETUP=1 "$REPO/tools/build_flash.sh" -o "$image" "${initramfs[@]}" >&2
fi
[[ $(stat -c %s "$image") == 16777216 ]] || die "$image is not 16 MiB"

# The pinned u-boot-qemu (tools/flash_sources.sh).
# shellcheck source=tools/flash_sources.sh
. "$REPO/tools/flash_sources.sh"
flash_sources_setup
deb=$(flash_deb u-boot-qemu)
rm -rf "$out/u-boot-qemu"; mkdir -p "$out/u-boot-qemu"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/u-boot-qemu" ./usr/lib/u-boot/qemu_arm64/u-boot.bin
bios="$out/u-boot-qemu/usr/lib/u-boot/qemu_arm64/u-boot.bin"

# QEMU's virt flash banks are 64 MiB each; the image sits at the start, 0xff after it.
{ cat "$image"; head -c $((48 * 1024 * 1024)) /dev/zero | tr '\0' '\377'; } >"$out/pflash1.img"

cat >"$out/commands.txt" <<'EOF'
env import -c 0x040f0000 0x10000 mdboot_boot mdboot_offset
printenv mdboot_boot mdboot_offset
setexpr mdboot_fit_addr 0x04000000 + ${mdboot_offset}
fdt addr ${mdboot_fit_addr}
fdt header get mdboot_fit_size totalsize
printenv mdboot_fit_size
iminfo ${mdboot_fit_addr}
setenv mdboot_fdt ${fdt_addr}
setenv bootargs mdboot.wait=WAIT
run mdboot_boot
EOF

bootargs="mdboot.wait=1" until=shell disks=()
if [[ -n $raid ]]; then
  # shellcheck source=e2e/raid/expected.sh
  . "$REPO/e2e/raid/expected.sh"
  bootargs="mdboot.wait=30 $MDBOOT_APPEND" until=target
  [[ -r $raid/tree/etc/mdboot-marker ]] || die "--raid $raid: no tree/etc/mdboot-marker (make_disks.sh's folder)"
  for i in 0 1; do
    [[ -r $raid/disk$i.img ]] || die "--raid $raid: no disk$i.img"
    cp --sparse=always "$raid/disk$i.img" "$out/disk$i.img"
    disks+=(-drive "if=none,id=d$i,file=$out/disk$i.img,format=raw" -device "usb-storage,bus=xhci.0,drive=d$i")
  done
  disks=(-device qemu-xhci,id=xhci "${disks[@]}")
  sha_before=$(sha256sum "$out"/disk[01].img | cut -d' ' -f1)
fi
sed -i "s/^setenv bootargs .*/setenv bootargs $bootargs/" "$out/commands.txt"

log "booting (console: $out/console.log)"
python3 "$HERE/uboot_console.py" --log "$out/console.log" --times "$out/times.txt" \
  --fdt-out "$out/live.dtb" --commands "$out/commands.txt" --until "$until" -- \
  qemu-system-aarch64 -M virt,acpi=off -cpu cortex-a57 -smp 2 -m 1024 -nographic -no-reboot \
    -monitor none -serial stdio -nic none -bios "$bios" \
    -drive if=pflash,index=1,format=raw,file="$out/pflash1.img" "${disks[@]}" \
  || die "the boot did not get through (see $out/console.log)"
cat "$out/times.txt" >&2
if [[ -n $raid ]]; then
  read -r rd_start rd_end < <(sed -n 's/.*Loading Ramdisk to \([0-9a-f]*\), end \([0-9a-f]*\).*/\1 \2/p' \
                               "$out/console.log" | tr -d '\r' | head -1)
  [[ -n $rd_start ]] || die "no 'Loading Ramdisk to' line from U-Boot in $out/console.log"
  # mdboot names the range it dropped: exactly the one U-Boot said it loaded the ramdisk to
  grep -aq "mdboot: memreserve *dropped live /memreserve/ \[0x0*$rd_start\.\.0x0*$rd_end)" "$out/console.log" \
    || die "mdboot did not report U-Boot's initrd /memreserve/ [0x$rd_start..0x$rd_end) in the live FDT"
  problems=()
  [[ $(sha256sum "$out"/disk[01].img | cut -d' ' -f1) == "$sha_before" ]] \
    || problems=(--problem "a disk was written (sha256 changed)")
  tr -d '\r' <"$out/console.log" >"$out/console.txt"
  python3 "$REPO/e2e/raid/verdict.py" --run flash/u-boot-raid0 --kind boot --log "$out/console.txt" --save "$out" \
    --overlays applied --marker "$(cat "$raid/tree/etc/mdboot-marker")" --cmdline "$ARMBIAN_CMDLINE" \
    --expect 'array up: /dev/md' --expect 'memory .*from live FDT' --expect 'memreserve +dropped live /memreserve/' \
    --expect 'loaded; rebooting into' "${problems[@]}" || die "the target's verdict failed (see $out/console.txt)"
  log "PASS: U-Boot -> flash kernel -> mdboot -> RAID 0 -> kexec -> target: exact DTB received; disks unchanged"
  exit 0
fi
/usr/bin/python3 "$HERE/check_live_fdt.py" --image "$image" --live "$out/live.dtb" --console "$out/console.log" \
  --bootargs "mdboot.wait=1" \
  --memory 0x40000000:0x40000000
dtc -q -I dtb -O dts -s "$out/live.dtb" >"$out/live.dts"
log "PASS: U-Boot booted the flash image's FIT; mdboot ran on the FDT U-Boot fixed up"
