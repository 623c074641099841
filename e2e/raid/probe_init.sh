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
wait_blocks 30 sda sdb
assemble_ro_and_mount sda sdb
say "marker: $(cat /mnt/etc/mdboot-marker 2>/dev/null || echo '<missing>')"
say "boot: $(cd /mnt/boot && ls | tr '\n' ' ')"
umount /mnt
mdadm --stop /dev/md/root 2>&1 | sed "s/^/$TAG mdadm: /"
say "done"
poweroff -f
