#!/bin/busybox sh
# e2e/raid/target_init.sh - /init of the target system's initrd (the uInitrd on the RAID
# root): reports what this kernel received from the boot before it, then assembles the
# same array itself and prints a file from the RAID root, as the real system must.
#   TARGET kernel=...         this kernel's release
#   TARGET cmdline ...        /proc/cmdline, to compare with the Armbian rules
#   TARGET overlay NAME ...   the marker nodes the armbianEnv.txt overlays add, or <none>
#   E2E-BEGIN TARGET-FDT ...  /sys/firmware/fdt (e2e/check.py's blob format)
#   TARGET marker: ...        /etc/mdboot-marker read from the array, mounted ro,noload
TAG=TARGET
. /lib/raid-lib.sh
. /lib/e2e-lib.sh
raid_setup
say "kernel=$(uname -r)"
say "cmdline $(cat /proc/cmdline)"
for n in mdboot-armbian-overlay mdboot-user-overlay; do
  v="<none>"
  [ -r /proc/device-tree/$n/value ] && v=$(tr -d '\000' </proc/device-tree/$n/value)
  say "overlay $n $v"
done
dump_blob TARGET-FDT /sys/firmware/fdt
load_modules
wait_blocks 30 sda sdb
assemble_ro_and_mount sda sdb
say "marker: $(cat /mnt/etc/mdboot-marker 2>/dev/null || echo '<missing>')"
umount /mnt
mdadm --stop /dev/md/root 2>&1 | sed "s/^/$TAG mdadm: /"
say "done"
poweroff -f
