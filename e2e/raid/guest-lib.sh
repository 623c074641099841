# e2e/raid/guest-lib.sh - sourced by the guest scripts of the RAID runs (busybox ash),
# installed as /lib/raid-lib.sh. Every line they print starts with "$TAG ".

raid_setup() { # mounts and applet links; TAG must be set
  /bin/busybox mkdir -p /proc /sys /dev /run /tmp /mnt /usr/bin /usr/sbin
  /bin/busybox --install -s
  export PATH=/bin:/sbin:/usr/bin:/usr/sbin
  mount -t proc proc /proc
  mount -t sysfs sysfs /sys
  mount -t devtmpfs devtmpfs /dev 2>/dev/null
  mkdir -p /run/mdadm
}
say() { echo "$TAG [$(cut -d' ' -f1 /proc/uptime)] $*"; }
fail() { say "FAIL $*"; poweroff -f; sleep 10; }

# /lib/modules/load-order (tools/build_initramfs.sh), in order; EEXIST is fine.
load_modules() {
  _n=0
  while read -r _m; do
    case $_m in '#'*|'') continue ;; esac
    insmod "$_m" 2>/tmp/insmod.err || grep -q 'File exists' /tmp/insmod.err \
      || fail "insmod $_m: $(cat /tmp/insmod.err)"
    _n=$((_n + 1))
  done </lib/modules/load-order
  say "modules loaded: $_n"
}

# Waits until every named block device exists; $1 = seconds, rest = names under /dev.
wait_blocks() {
  _t=$(($1 * 10)); shift
  while :; do
    _missing=""
    for _d in "$@"; do [ -b "/dev/$_d" ] || _missing="$_missing $_d"; done
    [ -z "$_missing" ] && break
    _t=$((_t - 1)); [ $_t -gt 0 ] || fail "block devices missing after the wait:$_missing"
    sleep 0.1
  done
  say "block devices present: $*"
}

# The vdX whose virtio serial is $1 (disks given as -device virtio-blk-device,serial=...).
by_serial() {
  for _s in /sys/block/vd*/serial; do
    [ "$(cat "$_s" 2>/dev/null)" = "$1" ] && { _d=${_s%/serial}; echo "${_d##*/}"; return 0; }
  done
  return 1
}

# Read-only assembly of /dev/md/root from the named members, mounted ro,noload on /mnt
# (its first partition when the array is partitioned):
# BLKROSET on each member first (md then cannot write), mdadm --readonly, ext4 noload.
assemble_ro_and_mount() {
  _devs=""
  for _d in "$@"; do blockdev --setro "/dev/$_d"; _devs="$_devs /dev/$_d"; done
  # shellcheck disable=SC2086
  mdadm --assemble --readonly /dev/md/root $_devs 2>&1 | sed "s/^/$TAG mdadm: /"
  [ -b /dev/md/root ] || fail "no /dev/md/root after mdadm --assemble"
  _md=$(basename "$(readlink -f /dev/md/root)")
  say "array: /dev/$_md $(cat /sys/block/$_md/md/level) $(cat /sys/block/$_md/md/array_state)," \
      "$(cat /sys/block/$_md/md/raid_disks) disks, uuid $(cat /sys/block/$_md/md/uuid 2>/dev/null)"
  # A partitioned array's partitions show as soon as mdadm returns (it reopens the array
  # once started, and md reads the partition table on that open), as mdboot relies on.
  _root=/dev/md/root
  [ -e "/sys/block/$_md/${_md}p1" ] && _root=/dev/${_md}p1
  say "root: $_root"
  mount -t ext4 -o ro,noload "$_root" /mnt || fail "mount -o ro,noload $_root"
}
