#!/bin/busybox sh
# e2e stage 2 (/init2): report what this kernel received, then power off.
. /lib/e2e-lib.sh
guest_setup
echo "E2E STAGE2 kernel=$(uname -r)"
echo "E2E STAGE2-CMDLINE $(cat /proc/cmdline)"
echo "E2E STAGE2-TOKEN $(cat /e2e-token)"
if [ -r /proc/device-tree/fdt-handoff-marker/value ]; then
  echo "E2E STAGE2-MARKER $(tr -d '\000' </proc/device-tree/fdt-handoff-marker/value)"
else
  echo "E2E STAGE2-MARKER <none>"
fi
dump_blob STAGE2-FDT /sys/firmware/fdt
echo "E2E STAGE2-DONE"
poweroff -f
