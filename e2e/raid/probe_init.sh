#!/bin/busybox sh
# e2e/raid/probe_init.sh - TEMPORARY stand-in /init, an infrastructure check only.
#
# Validates the RAID disks and the initramfs plumbing (modules, load-order, mdadm, the
# read-only rules) before the C++ init exists: loads /lib/modules/load-order in order,
# waits for the two USB disks, assembles the array read-only, mounts it ro,noload and
# prints the marker file. It is not the product's proof: the real run boots
# tools/build_initramfs.sh's default init (//init:mdboot), which then kexecs the target.
# Every line it prints starts with "PROBE " so e2e/raid/boot.sh can judge the log.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /mnt /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "PROBE [$(cut -d' ' -f1 /proc/uptime)] $*"; }
fail() { say "FAIL $*"; poweroff -f; sleep 5; }
say "start, kernel $(uname -r)"

# Modules, in the order computed at build time (insmod is finit_module underneath).
n=0
while read -r m; do
  case $m in '#'*|'') continue ;; esac
  insmod "$m" 2>/tmp/err || { grep -q 'File exists' /tmp/err || fail "insmod $m: $(cat /tmp/err)"; }
  n=$((n + 1))
done </lib/modules/load-order
say "modules loaded: $n"

# Wait for both members (USB disks appear a few seconds after xhci probes).
members="${PROBE_MEMBERS:-sda sdb}"
i=0
while :; do
  missing=""
  for d in $members; do [ -b /dev/$d ] || missing="$missing $d"; done
  [ -z "$missing" ] && break
  i=$((i + 1)); [ $i -le 300 ] || fail "disks missing after 30 s:$missing"
  sleep 0.1
done
say "disks present: $members"
for d in $members; do blockdev --setro /dev/$d; done    # BLKROSET: md then refuses to write

mkdir -p /run/mdadm
devs=""; for d in $members; do devs="$devs /dev/$d"; done
mdadm --assemble --readonly /dev/md/root $devs 2>&1 | sed 's/^/PROBE mdadm: /'
[ -b /dev/md/root ] || fail "no /dev/md/root after mdadm --assemble"
say "array: $(cat /sys/block/md*/md/level) $(cat /sys/block/md*/md/array_state) $(cat /sys/block/md*/md/raid_disks) disks"
mount -t ext4 -o ro,noload /dev/md/root /mnt || fail "mount -o ro,noload /dev/md/root"
say "marker: $(cat /mnt/etc/mdboot-marker 2>/dev/null || echo '<missing>')"
say "boot files: $(cd /mnt/boot && ls | tr '\n' ' ')"
umount /mnt
mdadm --stop /dev/md/root 2>&1 | sed 's/^/PROBE mdadm: /'
say "done"
poweroff -f
