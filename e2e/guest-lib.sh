# e2e/guest-lib.sh - sourced by the guest init scripts (stage 1 /init, stage 2 /init2).
# busybox ash only. Installed in both initramfs images as /lib/e2e-lib.sh.

guest_setup() {
  /bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
  /bin/busybox --install -s
  export PATH=/bin:/sbin:/usr/bin:/usr/sbin
  mount -t proc proc /proc
  mount -t sysfs sysfs /sys
  mount -t devtmpfs devtmpfs /dev 2>/dev/null
}

# E2E-BEGIN NAME SIZE SHA256 / gzip|base64 lines / E2E-END NAME ; the host (e2e/check.py)
# verifies size and sha256 after decoding. Kernel console messages are muted meanwhile so
# that nothing lands inside the base64 lines.
dump_blob() { # $1=name $2=file
  _pk=$(cat /proc/sys/kernel/printk | cut -f1)
  echo 1 >/proc/sys/kernel/printk
  echo "E2E-BEGIN $1 $(wc -c <"$2") $(sha256sum <"$2" | cut -d' ' -f1)"
  gzip -c "$2" | base64
  echo "E2E-END $1"
  echo "$_pk" >/proc/sys/kernel/printk
}

# Monotonic nanoseconds from /proc/timer_list ("now at N nsecs"; busybox date has no %N),
# else 10 ms resolution from /proc/uptime. Each call costs a fork: init1 measures a no-op.
now_ns() {
  _t=$(sed -n 's/^now at \([0-9]*\) nsecs$/\1/p;3q' /proc/timer_list 2>/dev/null)
  if [ -n "$_t" ]; then echo "$_t"; else awk '{ printf "%.0f\n", $1 * 1000000000 }' /proc/uptime; fi
}
timer_name() {
  if [ -r /proc/timer_list ]; then echo "/proc/timer_list (ns)"; else echo "/proc/uptime (10 ms)"; fi
}
