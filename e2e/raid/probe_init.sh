#!/bin/busybox sh
# e2e/raid/probe_init.sh - TEMPORARY stand-in /init, an infrastructure check only.
#
# Validates the RAID disks and the initramfs plumbing (modules and their load-order,
# mdadm, the read-only rules) before the C++ init exists: loads /lib/modules/load-order
# in order, waits for the two USB disks, assembles the array read-only, mounts it
# ro,noload and prints the marker file. It is not the product's proof: the real run boots
# tools/build_initramfs.sh's default init (//init:mdboot), which then kexecs the target.
TAG=PROBE
. /lib/raid-lib.sh
raid_setup
say "start, kernel $(uname -r)"
load_modules
# Harness self-test (boot.sh selftest-write): write one sector, which the sha256 check
# after the boot must notice.
case " $(cat /proc/cmdline) " in *" probe.selftest_write "*)
  wait_blocks 30 sdb
  echo "probe self-test write" | dd of=/dev/sdb bs=512 seek=120000 count=1 2>/dev/null
  sync; blockdev --flushbufs /dev/sdb; say "self-test: wrote one sector of sdb" ;;
esac
wait_blocks 30 sda sdb
assemble_ro_and_mount sda sdb
say "marker: $(cat /mnt/etc/mdboot-marker 2>/dev/null || echo '<missing>')"
say "boot: $(cd /mnt/boot && ls | tr '\n' ' ')"
umount /mnt
mdadm --stop /dev/md/root 2>&1 | sed "s/^/$TAG mdadm: /"
say "done"
poweroff -f
