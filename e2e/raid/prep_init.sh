#!/bin/busybox sh
# e2e/raid/prep_init.sh - /init of the preparation boot (make_disks.sh): creates the
# RAID 0 on the two blank member disks and writes the root filesystem image onto it.
# Disks arrive as virtio disks with serials member0, member1 and rootfs (the ext4 image
# mke2fs made on the host). Settings in /etc/prep.conf: ARRAY_UUID, HOMEHOST, NAME, CHUNK.
TAG=PREP
. /lib/raid-lib.sh
. /etc/prep.conf
raid_setup
say "start, kernel $(uname -r)"
load_modules
i=0
until m0=$(by_serial member0) && m1=$(by_serial member1) && fs=$(by_serial rootfs); do
  i=$((i + 1)); [ $i -le 300 ] || fail "virtio disks member0/member1/rootfs not all present"
  sleep 0.1
done
say "members /dev/$m0 /dev/$m1, root filesystem /dev/$fs"
mdadm --create /dev/md/root --run --level=0 --raid-devices=2 --metadata=1.2 --chunk="$CHUNK" \
  --homehost="$HOMEHOST" --name="$NAME" --uuid="$ARRAY_UUID" "/dev/$m0" "/dev/$m1" 2>&1 \
  | sed "s/^/$TAG mdadm: /"
[ -b /dev/md/root ] || fail "mdadm --create made no /dev/md/root"
md=$(basename "$(readlink -f /dev/md/root)")
size=$(cat /sys/block/$md/size); fss=$(cat /sys/block/$fs/size)
say "array /dev/$md: $size sectors, root filesystem $fss sectors"
[ "$fss" -le "$size" ] || fail "the root filesystem ($fss sectors) does not fit the array ($size)"
dd if="/dev/$fs" of=/dev/md/root bs=1M conv=fsync 2>&1 | sed "s/^/$TAG dd: /"
mdadm --detail /dev/md/root 2>&1 | sed "s/^/$TAG detail: /"
mdadm --stop /dev/md/root 2>&1 | sed "s/^/$TAG mdadm: /"
sync
say "done"
poweroff -f
