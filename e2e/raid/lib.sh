# e2e/raid/lib.sh - sourced by make_disks.sh and boot.sh: where things are, the QEMU
# machine both use, the Debian kernel (via e2e/fetch.sh) and its modules.
#
# Sets RAID_DIR, REPO, RAID_CACHE, MACHINE, QEMU_ARGS; raid_kernel sets KERNEL (raw arm64
# Image), KREL (its release), KMOD (its lib/modules/<release> tree), KCONFIG.
# Env: FDT_RAID_CACHE (default /var/cache/fdt-handoff/raid), FDT_E2E_CACHE (e2e/fetch.sh's).
RAID_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RAID_DIR/../.." && pwd)
RAID_CACHE=${FDT_RAID_CACHE:-/var/cache/fdt-handoff/raid}
. "$REPO/tools/output_base.sh"
E2E_CACHE=${FDT_E2E_CACHE:-$(output_base_for e2e)}
# One machine for the preparation boot, the dumped DTB and the RAID boots.
MACHINE=virt
QEMU_ARGS=(-cpu cortex-a57 -m 1G -smp 1 -nic none -display none -no-reboot)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

die() { printf '[%s] ERROR: %s\n' "${LOG_TAG:-e2e/raid}" "$*" >&2; exit 1; }
log() { printf '[%s] %s\n' "${LOG_TAG:-e2e/raid}" "$*" >&2; }

# bookworm's arm64 kernel from e2e/fetch.sh's cache, its modules unpacked (with depmod's
# files) into our cache.
raid_kernel() {
  FDT_E2E_NO_UPDATE=${FDT_E2E_NO_UPDATE:-1} "$REPO/e2e/fetch.sh" >/dev/null 2>"$RAID_CACHE.fetch.log" \
    || { cat "$RAID_CACHE.fetch.log" >&2; die "e2e/fetch.sh failed"; }
  # shellcheck disable=SC1091
  . "$E2E_CACHE/artifacts.env"
  KERNEL=$KERNEL_BOOKWORM; KREL=$KERNEL_BOOKWORM_RELEASE
  local deb; deb=$(cat "$E2E_CACHE/kernel/bookworm/deb")
  local kdir="$RAID_CACHE/kernel/$(basename "$deb" .deb)"
  if [[ ! -e $kdir/done ]]; then
    log "unpacking the modules of $(basename "$deb")"
    rm -rf "$kdir"; mkdir -p "$kdir"
    dpkg-deb -x "$deb" "$kdir/root"
    # Debian's package has no modules.dep (depmod runs at install); make it once here.
    depmod -b "$kdir/root" "$KREL" || die "depmod -b $kdir/root $KREL failed"
    touch "$kdir/done"
  fi
  KMOD=$kdir/root/lib/modules/$KREL
  KCONFIG=$kdir/root/boot/config-$KREL
  [[ -d $KMOD/kernel && -r $KCONFIG ]] || die "$deb: no lib/modules/$KREL or boot/config-$KREL"
}

# Seconds from $2 to $1 (date +%s.%N stamps), one decimal.
span() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

# Runs QEMU with a timeout, serial console to $1; the rest are QEMU arguments.
raid_qemu() { # $1=serial log $2=timeout s ; rest: extra QEMU args
  local logf=$1 t=$2; shift 2
  timeout --foreground -k 5 "$t" qemu-system-aarch64 -M "$MACHINE" "${QEMU_ARGS[@]}" \
    -serial "file:$logf" -monitor none "$@" </dev/null
}

# As raid_qemu, but stops QEMU as soon as a line of the serial log matches the extended
# regex $3 (a guest waiting in a shell or a kernel that hangs would otherwise run into the
# timeout). Returns 0 when it stopped on the pattern or QEMU exited by itself.
raid_qemu_until() { # $1=serial log $2=timeout s $3=stop ERE ; rest: extra QEMU args
  local logf=$1 t=$2 pat=$3 pid rc=0 end; shift 3
  : >"$logf"
  qemu-system-aarch64 -M "$MACHINE" "${QEMU_ARGS[@]}" -serial "file:$logf" -monitor none "$@" </dev/null &
  pid=$!; end=$((SECONDS + t))
  while kill -0 "$pid" 2>/dev/null; do
    if grep -aqE "$pat" "$logf"; then
      sleep 1; kill "$pid" 2>/dev/null || true; break   # a second more for the lines after it
    fi
    if ((SECONDS >= end)); then log "timeout after $t s"; kill "$pid" 2>/dev/null || true; rc=124; break; fi
    sleep 0.5
  done
  wait "$pid" 2>/dev/null || true
  return "$rc"
}

# The ext4 image of a root tree, made the same way every time (make_disks.sh and the
# variants of boot.sh): fixed UUID, hash seed, time and owner.
raid_mkfs() { # $1=tree $2=image $3=MiB
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -F -t ext4 -L armbi_root -U "$FS_UUID" \
    -E "hash_seed=$FS_UUID,root_owner=0:0" -d "$1" "$2" "${3}M" >"$2.log" 2>&1 \
    || { cat "$2.log" >&2; return 1; }
  rm -f "$2.log"
}
