#!/usr/bin/env bash
# e2e/raid/make_disks.sh - the two USB disks of the RAID 0 boot, made without host
# privileges, cached outside the checkout and rebuilt only when their recipe changes.
#
#   e2e/raid/make_disks.sh [--force]      prints the path of disks.env
#
# An Armbian-like root on an MD RAID 0 (metadata 1.2, two members, name zero2w:root):
#   /boot/vmlinuz-<ver>          Debian bookworm's arm64 kernel (raw Image), the target
#   /boot/Image -> vmlinuz-<ver> /boot/dtb -> dtb-<ver>   (relative, as Armbian links them)
#   /boot/uInitrd -> /boot/uInitrd-<ver>                   (absolute: resolve inside the root)
#   /boot/uInitrd-<ver>          mkimage -A arm64 -T ramdisk -C gzip of initrd.img-<ver>, the
#                                target initrd (target_init.sh: checks what it received, then
#                                assembles the array itself and prints the marker)
#   /boot/dtb-<ver>/allwinner/qemu-virt.dtb                QEMU's DTB (seeds removed) = fdtfile
#   /boot/dtb-<ver>/allwinner/overlay/sun50i-h616-mdboot-marker.dtbo, /boot/overlay-user/
#                                mdboot-user.dtbo          (overlays=, user_overlays=)
#   /boot/armbianEnv.txt, /boot/config-<ver>, /lib/modules/<ver>/... (md-mod, raid0)
#   /etc/mdboot-marker           the file the boots print
# How: the tree is staged here and made into an ext4 image by mke2fs -d (no mount, no
# root); a preparation boot in QEMU (prep_init.sh) runs mdadm --create on two blank raw
# images given as virtio disks and writes the ext4 image onto the array. The members'
# sha256 are recorded in disks.env so that boots can prove they left them unchanged.
#
# Cache: $FDT_RAID_CACHE/disks/<recipe hash>/ (default /var/cache/fdt-handoff/raid); the
# hash covers every script and file that shapes the disks, the kernel package, mdadm and
# busybox versions, QEMU's and mke2fs' versions. Other recipes' folders are removed.
set -euo pipefail
export LC_ALL=C
LOG_TAG=e2e/raid/make_disks
# shellcheck source=e2e/raid/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
force=0; [[ ${1:-} == --force ]] && force=1
t0=$(date +%s.%N)

DISK_MIB=64              # each member
FS_MIB=112               # the ext4 image; must fit the array (2 x 64 MiB - metadata)
CHUNK=512                # KiB, mdadm's default
ARRAY_UUID=6d64626f:6f742d72:61696430:2d653265   # fixed: the recipe, not chance, names it
FS_UUID=6d64626f-6f74-4000-8000-726169643065
HOMEHOST=zero2w NAME=root

for t in qemu-system-aarch64 mke2fs dtc fdtput mkimage sha256sum python3 depmod; do
  command -v "$t" >/dev/null || die "missing tool: $t (tools/setup.sh --e2e --initramfs)"
done
mkdir -p "$RAID_CACHE"
raid_kernel
inputs_env=$("$REPO/tools/initramfs_inputs.sh")

recipe() {
  (cd "$REPO" && cat e2e/raid/make_disks.sh e2e/raid/lib.sh e2e/raid/guest-lib.sh e2e/raid/prep_init.sh \
     e2e/raid/target_init.sh e2e/raid/overlay-armbian.dts e2e/raid/overlay-user.dts e2e/guest-lib.sh \
     tools/build_initramfs.sh tools/initramfs_inputs.sh tools/newc.py tools/module_order.py)
  cat "$E2E_CACHE/kernel/bookworm/deb" "$inputs_env"
  qemu-system-aarch64 --version | head -1; mke2fs -V 2>&1 | head -1; dtc --version
  echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
}
KEY=$(recipe | sha256sum | cut -c1-16)
OUT=$RAID_CACHE/disks/$KEY
if ((!force)) && [[ -r $OUT/disks.env ]] && (. "$OUT/disks.env" &&
     [[ $(sha256sum <"$DISK0" | cut -d' ' -f1) == "$DISK0_SHA256" &&
        $(sha256sum <"$DISK1" | cut -d' ' -f1) == "$DISK1_SHA256" ]]); then
  echo "$OUT/disks.env"; exit 0
fi
log "recipe $KEY: building the disks in $OUT"
W=$RAID_CACHE/disks/$KEY.tmp
rm -rf "$W"; mkdir -p "$W"

# --- the root tree ---------------------------------------------------------------
T=$W/tree
B=$T/boot
mkdir -p "$B/dtb-$KREL/allwinner/overlay" "$B/overlay-user" "$T/etc" "$T/lib/modules/$KREL/kernel/drivers/md"
cp "$KERNEL" "$B/vmlinuz-$KREL"
ln -s "vmlinuz-$KREL" "$B/Image"
ln -s "dtb-$KREL" "$B/dtb"
cp "$KCONFIG" "$B/config-$KREL"
cp "$KMOD/kernel/drivers/md/md-mod.ko" "$KMOD/kernel/drivers/md/raid0.ko" "$T/lib/modules/$KREL/kernel/drivers/md/"
# QEMU's own DTB for this machine, canonical (dtc) and without the per-boot seeds.
qemu-system-aarch64 -M "$MACHINE,dumpdtb=$W/dump.dtb" "${QEMU_ARGS[@]}" >/dev/null 2>&1 \
  || die "qemu dumpdtb failed"
dtc -q -I dtb -O dtb -o "$W/virt.dtb" "$W/dump.dtb"
fdtput -d "$W/virt.dtb" /chosen kaslr-seed; fdtput -d "$W/virt.dtb" /chosen rng-seed
cp "$W/virt.dtb" "$B/dtb-$KREL/allwinner/qemu-virt.dtb"
dtc -q -@ -I dts -O dtb -o "$B/dtb-$KREL/allwinner/overlay/sun50i-h616-mdboot-marker.dtbo" "$RAID_DIR/overlay-armbian.dts"
dtc -q -@ -I dts -O dtb -o "$B/overlay-user/mdboot-user.dtbo" "$RAID_DIR/overlay-user.dts"
# The target initrd, wrapped the way Armbian's 99-uboot hook does.
"$REPO/tools/build_initramfs.sh" -o "$B/initrd.img-$KREL" --compress gzip --busybox debian --init "$RAID_DIR/target_init.sh" \
  --modules "$KMOD" --file "$RAID_DIR/guest-lib.sh:/lib/raid-lib.sh" --file "$REPO/e2e/guest-lib.sh:/lib/e2e-lib.sh" \
  2>"$W/target-initrd.log" || { cat "$W/target-initrd.log" >&2; die "target initrd build failed"; }
mkimage -A arm64 -O linux -T ramdisk -C gzip -n uInitrd -d "$B/initrd.img-$KREL" "$B/uInitrd-$KREL" >/dev/null
ln -s "/boot/uInitrd-$KREL" "$B/uInitrd"
cat >"$B/armbianEnv.txt" <<ENV
verbosity=7
bootlogo=false
console=serial
overlay_prefix=sun50i-h616
fdtfile=allwinner/qemu-virt.dtb
rootdev=/dev/md/root
rootfstype=ext4
overlays=mdboot-marker
user_overlays=mdboot-user
usbstoragequirks=0x2537:0x1066:u,0x2537:0x1068:u
extraargs=console=ttyAMA0 mdboot.e2e=raid0
docker_optimizations=on
ENV
MARKER="mdboot e2e RAID 0 root, recipe $KEY"
echo "$MARKER" >"$T/etc/mdboot-marker"
find "$T" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# --- ext4 image of the tree, members, preparation boot ------------------------------
raid_mkfs "$T" "$W/rootfs.img" "$FS_MIB" || die "mke2fs -d failed"
truncate -s "${DISK_MIB}M" "$W/disk0.img" "$W/disk1.img"
printf 'ARRAY_UUID=%s\nHOMEHOST=%s\nNAME=%s\nCHUNK=%s\n' "$ARRAY_UUID" "$HOMEHOST" "$NAME" "$CHUNK" >"$W/prep.conf"
"$REPO/tools/build_initramfs.sh" -o "$W/prep.cpio" --compress none --busybox debian --init "$RAID_DIR/prep_init.sh" \
  --modules "$KMOD" --module virtio_mmio --module virtio_blk \
  --file "$RAID_DIR/guest-lib.sh:/lib/raid-lib.sh" --file "$W/prep.conf:/etc/prep.conf" \
  2>"$W/prep-initrd.log" || { cat "$W/prep-initrd.log" >&2; die "prep initramfs build failed"; }
t1=$(date +%s.%N)
log "preparation boot (serial log: $W/prep.log)"
raid_qemu "$W/prep.log" "${FDT_RAID_PREP_TIMEOUT:-180}" -kernel "$KERNEL" -initrd "$W/prep.cpio" \
  -append "console=ttyAMA0 panic=-1 loglevel=4" \
  -drive "if=none,id=m0,file=$W/disk0.img,format=raw" -device virtio-blk-device,drive=m0,serial=member0 \
  -drive "if=none,id=m1,file=$W/disk1.img,format=raw" -device virtio-blk-device,drive=m1,serial=member1 \
  -drive "if=none,id=fs,file=$W/rootfs.img,format=raw,readonly=on" -device virtio-blk-device,drive=fs,serial=rootfs \
  || log "qemu exited with $?"
t2=$(date +%s.%N)
grep -q '^PREP .* done' "$W/prep.log" || { tail -40 "$W/prep.log" >&2; die "preparation boot did not finish"; }
! grep -q '^PREP .* FAIL ' "$W/prep.log" || { grep '^PREP' "$W/prep.log" >&2; die "preparation boot failed"; }
grep '^PREP' "$W/prep.log" | grep -E 'array|Raid Level|Array Size|UUID|Name' >&2 || true

rm -f "$W/rootfs.img" "$W/prep.cpio" "$W/dump.dtb"
rm -rf "$RAID_CACHE/disks/$KEY"
mv "$W" "$OUT"
cat >"$OUT/disks.env.tmp" <<ENV
RECIPE=$KEY
DISK0=$OUT/disk0.img
DISK1=$OUT/disk1.img
DISK0_SHA256=$(sha256sum <"$OUT/disk0.img" | cut -d' ' -f1)
DISK1_SHA256=$(sha256sum <"$OUT/disk1.img" | cut -d' ' -f1)
ARRAY_UUID=$ARRAY_UUID
ARRAY_NAME=$HOMEHOST:$NAME
FS_UUID=$FS_UUID
FS_MIB=$FS_MIB
KREL=$KREL
KERNEL=$KERNEL
KMOD=$KMOD
VIRT_DTB=$OUT/virt.dtb
TREE=$OUT/tree
MARKER="$MARKER"
PREP_SECONDS=$(span "$t2" "$t1")
TOTAL_SECONDS=$(span "$t2" "$t0")
ENV
mv "$OUT/disks.env.tmp" "$OUT/disks.env"
find "$RAID_CACHE/disks" -mindepth 1 -maxdepth 1 ! -name "$KEY" -exec rm -rf {} +
log "disks ready in $(span "$t2" "$t0") s (preparation boot $(span "$t2" "$t1") s)"
echo "$OUT/disks.env"
