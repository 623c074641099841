#!/usr/bin/env bash
# e2e/raid/boot.sh - boots QEMU from the two USB disks of make_disks.sh (MD RAID 0).
#
#   e2e/raid/boot.sh [RUN]... [--append ARGS] [--timeout S]
#
# Runs (default: probe):
#   probe          stage 1 = Debian's arm64 kernel with tools/build_initramfs.sh's initramfs
#                  around e2e/raid/probe_init.sh, a TEMPORARY stand-in init (infrastructure
#                  check: modules, USB disks, read-only assembly, ro,noload mount, marker).
#                  Passes when the marker from the RAID root is printed.
#   target-direct  the target system alone: the kernel, initrd and DTB (+ both overlays,
#                  applied on the host with fdtoverlay) from the RAID root, booted directly
#                  with the command line the Armbian rules give; checks target_init.sh (its
#                  overlay and marker lines), the half of the proof that runs after a kexec.
#   fault-one-disk the probe with only the first disk: passes when the probe names the
#                  missing member after its wait (the shape of the fault runs to come)
#   selftest-write the probe told to write one sector of the second disk: passes when the
#                  sha256 check notices (the write guard can fail)
# The product's runs: stage 1 = Debian's arm64 kernel with tools/build_initramfs.sh's
# initramfs around the real init (//init:mdboot, the QEMU profile's modules), told on its
# command line mdboot.dumpdtb (it prints the DTB it hands over) and a short mdboot.wait;
# judged by e2e/raid/verdict.py ("VERDICT run=mdboot/...: PASS|FAIL ..." and a PHASES line):
#   mdboot              assembles, reads armbianEnv.txt, kexecs into /boot/Image + uInitrd;
#                       the target received exactly mdboot's DTB (seeds aside), both overlays,
#                       the command line of the Armbian rules (by hand, and as `fdt-handoff
#                       boot --root` computes it on the host), and reads the marker itself
#   mdboot-one-disk     one member only: the wait, the missing member named, the rescue shell
#   mdboot-bad-overlay  a variant root whose overlays= names a broken overlay: boots the
#                       pristine DTB (no overlay at all), with a warning naming it
#   mdboot-no-kernel    a variant root without the kernel file: named, then the rescue shell
#   mdboot-no-config    a variant root without armbianEnv.txt: where it looked, rescue shell
#   mdboot-zero2w       a variant root whose fdtfile is the Orange Pi Zero 2W's DTB (+ the
#                       USB overlay, earlycon on QEMU's PL011): the target kernel prints the
#                       Zero 2W's "Machine model:" line, then stops (QEMU is stopped)
#   mdboot-partitioned  a variant array with an MBR partition table, the root in its first
#                       partition (root=UUID=): mdboot mounts /dev/mdNp1, the target boots
#   mdboot-all          all seven
# Variant roots are the cached members with another ext4 image laid over their data
# areas (e2e/raid/stripe.py; no preparation boot); their sha256 is taken when made.
# Every boot: qemu-system-aarch64 -M virt -cpu cortex-a57 -nic none, a qemu-xhci controller
# and two usb-storage disks. The disks are fresh copies of the cached members (the cache is
# never opened by QEMU); their sha256 must equal the one recorded at creation both before
# and after the boot, so a boot that writes to its disks fails. Output (serial logs,
# verdicts) in $FDT_RAID_OUT (default: the per-checkout e2e output folder, .../raid)/<run>/.
# Ends with "raid: N passed, N failed"; exit 0 only if every run passed.
set -euo pipefail
export LC_ALL=C
LOG_TAG=e2e/raid/boot
# shellcheck source=e2e/raid/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUTROOT=${FDT_RAID_OUT:-$(output_base_for e2e-out)/raid}
runs=() append="" timeout=${FDT_RAID_TIMEOUT:-180}
while (($#)); do
  case $1 in
    --append) append=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    probe|target-direct|fault-one-disk|selftest-write|mdboot|mdboot-one-disk|mdboot-bad-overlay|mdboot-no-kernel|mdboot-no-config|mdboot-zero2w|mdboot-partitioned)
      runs+=("$1"); shift ;;
    mdboot-all) runs+=(mdboot mdboot-one-disk mdboot-bad-overlay mdboot-no-kernel mdboot-no-config mdboot-zero2w mdboot-partitioned); shift ;;
    *) die "unknown argument '$1'" ;;
  esac
done
((${#runs[@]})) || runs=(probe)

t0=$(date +%s.%N)
mkdir -p "$OUTROOT"; rm -f "$OUTROOT/probe-initramfs.cpio.xz" "$OUTROOT/mdboot-initramfs.cpio.xz"
disks_env=$("$RAID_DIR/make_disks.sh")
# shellcheck disable=SC1090
. "$disks_env"
log "disks: recipe $RECIPE ($(span "$(date +%s.%N)" "$t0") s to make or check)"

sha() { sha256sum <"$1" | cut -d' ' -f1; }
# Fresh writable copies of both members in $1, checked against the recorded sha256, which
# become the digests the boot must leave unchanged (EXP0, EXP1).
copy_disks() {
  cp --sparse=always "$DISK0" "$1/disk0.img"; cp --sparse=always "$DISK1" "$1/disk1.img"
  [[ $(sha "$1/disk0.img") == "$DISK0_SHA256" && $(sha "$1/disk1.img") == "$DISK1_SHA256" ]] \
    || die "the cached disks differ from their recorded sha256 (run make_disks.sh --force)"
  EXP0=$DISK0_SHA256 EXP1=$DISK1_SHA256
}
usb_disks() { # $1=dir $2=number of disks ; QEMU arguments for xhci + usb-storage disks
  local i args=(-device qemu-xhci,id=xhci)
  for ((i = 0; i < $2; i++)); do
    args+=(-drive "if=none,id=d$i,file=$1/disk$i.img,format=raw" -device "usb-storage,bus=xhci.0,drive=d$i")
  done
  echo "${args[@]}"
}
# Seconds of guest uptime on the first "$TAG [t] ...pattern" line of the log.
at() {
  local t; t=$(grep -a -m1 "^$1 \[[0-9.]*\] $2" "$3" | sed -n 's/^[A-Z]* \[\([0-9.]*\)\].*/\1/p')
  echo "${t:--}"
}

passed=0 failed=0
verdict() { # $1=run $2=dir $3=tag ; checks the log and the disks, prints the verdict
  local run=$1 d=$2 tag=$3 problems=()
  tr -d '\r' <"$d/serial.log" >"$d/serial.txt"
  grep -aq "^$tag \[[0-9.]*\] marker: $MARKER\$" "$d/serial.txt" || problems+=("no '$tag marker: $MARKER' line")
  grep -aq "^$tag \[[0-9.]*\] done\$" "$d/serial.txt" || problems+=("no '$tag done' line")
  if grep -aq "^$tag \[[0-9.]*\] FAIL" "$d/serial.txt"; then problems+=("$(grep -a -m1 "^$tag .* FAIL" "$d/serial.txt")"); fi
  [[ $(sha "$d/disk0.img") == "$EXP0" ]] || problems+=("disk0 was written (sha256 changed)")
  [[ $(sha "$d/disk1.img") == "$EXP1" ]] || problems+=("disk1 was written (sha256 changed)")
  if [[ $run == target-direct ]]; then
    grep -aq "^TARGET \[[0-9.]*\] overlay mdboot-armbian-overlay sun50i-h616-mdboot-marker.dtbo applied" "$d/serial.txt" \
      || problems+=("the armbian overlay's node is missing")
    grep -aq "^TARGET \[[0-9.]*\] overlay mdboot-user-overlay overlay-user/mdboot-user.dtbo applied" "$d/serial.txt" \
      || problems+=("the user overlay's node is missing")
  fi
  echo "PHASES $run: QEMU start to power-off $(span "$t_end" "$t_start") s (host);" \
       "guest uptime: start $(at "$tag" 'start\|kernel=' "$d/serial.txt") s," \
       "modules $(at "$tag" 'modules loaded' "$d/serial.txt") s, disks $(at "$tag" 'block devices present' "$d/serial.txt") s," \
       "array $(at "$tag" 'array:' "$d/serial.txt") s, marker $(at "$tag" 'marker:' "$d/serial.txt") s" | tee "$d/phases.txt"
  # The fault and self-test runs pass when exactly their expected problem shows.
  case $run in
    fault-one-disk)
      if grep -aq "^PROBE \[[0-9.]*\] FAIL block devices missing after the wait: sdb" "$d/serial.txt" \
         && [[ $(sha "$d/disk0.img") == "$DISK0_SHA256" ]]; then problems=()
      else problems+=("expected: the probe names sdb as missing after its wait, disk0 unchanged"); fi ;;
    selftest-write)
      if [[ " ${problems[*]} " == *"disk1 was written"* && ${#problems[@]} == 1 ]]; then problems=()
      else problems+=("expected exactly one problem: disk1 was written"); fi ;;
  esac
  if ((${#problems[@]})); then
    failed=$((failed + 1)); echo "FAIL $run"; printf '  - %s\n' "${problems[@]}"
    echo "  serial log: $d/serial.txt (last lines:)"; tail -25 "$d/serial.txt" | sed 's/^/    | /'
  else
    passed=$((passed + 1))
    case $run in
      fault-one-disk) echo "PASS $run: the missing member was named after the wait" ;;
      selftest-write) echo "PASS $run: the sha256 check caught the write" ;;
      *) echo "PASS $run: marker read from the RAID 0 root, disks unchanged (sha256)" ;;
    esac
  fi
}

# shellcheck source=e2e/raid/mdboot_runs.sh
. "$RAID_DIR/mdboot_runs.sh"

for run in "${runs[@]}"; do
  d=$OUTROOT/$run; rm -rf "$d"; mkdir -p "$d"
  if [[ $run == mdboot* ]]; then mdboot_run "$run" "$d"; continue; fi
  copy_disks "$d"
  ndisks=2 extra=""
  case $run in
    fault-one-disk) ndisks=1 ;;
    selftest-write) extra="probe.selftest_write" ;;
  esac
  case $run in
    probe|fault-one-disk|selftest-write)
      probe_initrd=$OUTROOT/probe-initramfs.cpio.xz   # one build serves every probe run
      if [[ ! -s $probe_initrd ]]; then
        "$REPO/tools/build_initramfs.sh" -o "$probe_initrd" --init "$RAID_DIR/probe_init.sh" \
          --modules "$KMOD" --file "$RAID_DIR/guest-lib.sh:/lib/raid-lib.sh" 2>"$OUTROOT/probe-initramfs.log" \
          || { cat "$OUTROOT/probe-initramfs.log" >&2; die "initramfs build failed"; }
        grep 'build_initramfs: /' "$OUTROOT/probe-initramfs.log" >&2
      fi
      tag=PROBE kernel=$KERNEL initrd=$probe_initrd dtb=() cmdline="console=ttyAMA0 panic=-1 $extra $append" ;;
    target-direct)
      b=$TREE/boot
      fdtoverlay -i "$VIRT_DTB" -o "$d/target.dtb" "$b/dtb/allwinner/overlay/sun50i-h616-mdboot-marker.dtbo" \
        "$b/overlay-user/mdboot-user.dtbo" || die "fdtoverlay failed"
      # The Armbian command line for armbianEnv.txt (boot-sun50i-next.cmd's order), by hand.
      cmdline="root=/dev/md/root rootwait rootfstype=ext4 splash=verbose console=ttyS0,115200 consoleblank=0"
      cmdline+=" loglevel=7 ubootpart= usb-storage.quirks=0x2537:0x1066:u,0x2537:0x1068:u"
      cmdline+=" console=ttyAMA0 mdboot.e2e=raid0  cgroup_enable=memory"
      tag=TARGET kernel=$b/vmlinuz-$KREL initrd=$b/initrd.img-$KREL dtb=(-dtb "$d/target.dtb") ;;
  esac
  log "$run: booting (serial log: $d/serial.log)"
  t_start=$(date +%s.%N)
  # shellcheck disable=SC2046
  raid_qemu "$d/serial.log" "$timeout" -kernel "$kernel" -initrd "$initrd" "${dtb[@]}" -append "$cmdline" \
    $(usb_disks "$d" "$ndisks") || log "$run: qemu exited with $?"
  t_end=$(date +%s.%N)
  verdict "$run" "$d" "$tag"
  rm -f "$d/disk0.img" "$d/disk1.img"
done
((${#VERDICTS[@]} == 0)) || printf '%s\n' "${VERDICTS[@]}"
echo "raid: $passed passed, $failed failed"
((failed == 0))
