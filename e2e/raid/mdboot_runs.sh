# shellcheck shell=bash
# e2e/raid/mdboot_runs.sh - sourced by boot.sh: the product's runs (the real init,
# //init:mdboot). Uses boot.sh's sha, copy_disks, usb_disks, passed/failed counters,
# timeout and append, and disks.env's variables; appends each run's verdict line to VERDICTS.
# shellcheck disable=SC2154
VERDICTS=()
MDBOOT_INITRD=$OUTROOT/mdboot-initramfs.cpio.xz
# Stage 1's command line (MDBOOT_APPEND) and the Armbian command line the target must get
# (ARMBIAN_CMDLINE); short waits (mdboot.wait=) keep the fault runs short.
# shellcheck source=e2e/raid/expected.sh
. "$RAID_DIR/expected.sh"
# Where every mdboot run stops: the target's last line, the rescue shell, the Zero 2W's
# model line, or a panic.
MDBOOT_STOP='^TARGET \[[0-9.]*\] done|mdboot: rescue shell|Kernel panic'
ZERO2W_DTB=$REPO/testdata/corpus-symbols/7.2/sun50i-h618-orangepi-zero2w.dtb

# The initramfs with the real init and the QEMU profile's modules, once per invocation;
# also the same without modules, for the size budget (1.5 MB) printed in the log.
mdboot_initramfs() {
  [[ -s $MDBOOT_INITRD ]] && return 0
  local t; t=$(date +%s.%N)
  "$REPO/tools/build_initramfs.sh" -o "$MDBOOT_INITRD" --modules "$KMOD" 2>"$OUTROOT/mdboot-initramfs.log" \
    || { cat "$OUTROOT/mdboot-initramfs.log" >&2; die "mdboot initramfs build failed"; }
  "$REPO/tools/build_initramfs.sh" -o "$OUTROOT/mdboot-initramfs-nomodules.cpio.xz" 2>>"$OUTROOT/mdboot-initramfs.log" \
    || { cat "$OUTROOT/mdboot-initramfs.log" >&2; die "mdboot initramfs build (no modules) failed"; }
  grep 'build_initramfs: ' "$OUTROOT/mdboot-initramfs.log" >&2
  log "mdboot initramfs: $(span "$(date +%s.%N)" "$t") s to build (init, both images)"
}

# What `fdt-handoff boot --root` computes on the host for the cached root.
HOST_CMDLINE=""
host_cmdline() {
  [[ -n $HOST_CMDLINE ]] && return 0
  (cd "$REPO" && bazel build //tools:fdt-handoff >"$OUTROOT/host-build.log" 2>&1) \
    || { cat "$OUTROOT/host-build.log" >&2; die "bazel build //tools:fdt-handoff failed"; }
  local bin; bin="$(cd "$REPO" && bazel info bazel-bin 2>/dev/null)/tools/fdt-handoff"
  "$bin" boot --root "$TREE" --json >"$OUTROOT/boot-root.json" 2>"$OUTROOT/boot-root.err" \
    || { cat "$OUTROOT/boot-root.err" >&2; die "fdt-handoff boot --root $TREE failed"; }
  HOST_CMDLINE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cmdline"])' "$OUTROOT/boot-root.json")
}

# stripe.py must be md's RAID 0 layout: the array read back from the cached members is a
# clean ext4 holding the marker, and writing it back gives the same members byte for byte.
STRIPE_CHECKED=0
stripe_selfcheck() {
  ((STRIPE_CHECKED)) && return 0
  local w=$OUTROOT/stripe-check; rm -rf "$w"; mkdir -p "$w"
  python3 "$RAID_DIR/stripe.py" read "$DISK0" "$DISK1" "$w/array.img" || die "stripe.py read failed"
  e2fsck -fn "$w/array.img" >"$w/e2fsck.log" 2>&1 || { cat "$w/e2fsck.log" >&2; die "stripe.py: the array read back is no clean ext4"; }
  [[ $(debugfs -R 'cat /etc/mdboot-marker' "$w/array.img" 2>/dev/null) == "$MARKER" ]] \
    || die "stripe.py: the array read back lacks the marker"
  python3 "$RAID_DIR/stripe.py" write "$DISK0" "$DISK1" "$w/array.img" "$w/m0" "$w/m1"
  [[ $(sha "$w/m0") == "$DISK0_SHA256" && $(sha "$w/m1") == "$DISK1_SHA256" ]] \
    || die "stripe.py: writing the array back does not give the same members"
  rm -rf "$w"; STRIPE_CHECKED=1
}

# The variant root of run $1 as fresh members in $2 (EXP0/EXP1 = their sha256).
make_variant() {
  local run=$1 d=$2 t=$2/tree b=$2/tree/boot env
  stripe_selfcheck
  cp -a "$TREE" "$t"
  env=$b/armbianEnv.txt
  case $run in
    mdboot-bad-overlay)
      dtc -q -@ -I dts -O dtb -o "$b/dtb-$KREL/allwinner/overlay/sun50i-h616-mdboot-broken.dtbo" "$RAID_DIR/overlay-broken.dts"
      sed -i 's/^overlays=.*/overlays=mdboot-marker mdboot-broken/' "$env" ;;
    mdboot-no-kernel) rm "$b/vmlinuz-$KREL" ;;
    mdboot-no-config) rm "$env" ;;
    mdboot-zero2w)
      cp "$ZERO2W_DTB" "$b/dtb-$KREL/allwinner/sun50i-h618-orangepi-zero2w.dtb"
      dtc -q -@ -I dts -O dtb -o "$b/overlay-user/zero2w-usb.dtbo" "$REPO/fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dts"
      sed -i -e 's|^fdtfile=.*|fdtfile=allwinner/sun50i-h618-orangepi-zero2w.dtb|' \
        -e 's|^user_overlays=.*|user_overlays=zero2w-usb|' \
        -e 's|^extraargs=.*|extraargs=earlycon=pl011,0x9000000 console=ttyAMA0 mdboot.e2e=zero2w|' "$env" ;;
    # The root in the first partition of the array: the target's root= names the file
    # system, as on a partitioned Armbian install.
    mdboot-partitioned) sed -i "s|^rootdev=.*|rootdev=UUID=$FS_UUID|" "$env" ;;
  esac
  find "$t" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  raid_mkfs "$t" "$d/rootfs.img" "${FS_MIB:-112}" || die "$run: mke2fs -d failed"
  if [[ $run == mdboot-partitioned ]]; then
    python3 "$RAID_DIR/mbr.py" "$d/rootfs.img" "$d/array.img" || die "$run: mbr.py failed"
    mv "$d/array.img" "$d/rootfs.img"
  fi
  python3 "$RAID_DIR/stripe.py" write "$DISK0" "$DISK1" "$d/rootfs.img" "$d/disk0.img" "$d/disk1.img" \
    || die "$run: stripe.py write failed"
  rm -rf "$t" "$d/rootfs.img"
  EXP0=$(sha "$d/disk0.img") EXP1=$(sha "$d/disk1.img")
}

# The verdict logic itself, on synthetic logs, before the first mdboot run.
VERDICT_TESTED=0
verdict_selftest() {
  ((VERDICT_TESTED)) && return 0
  python3 "$RAID_DIR/verdict_test.py" >"$OUTROOT/verdict_test.log" 2>&1 \
    || { cat "$OUTROOT/verdict_test.log"; die "e2e/raid/verdict_test.py failed"; }
  echo "$(tail -n1 "$OUTROOT/verdict_test.log") (e2e/raid/verdict_test.py: verdict logic on synthetic logs)"
  VERDICT_TESTED=1
}

mdboot_run() { # $1=run $2=dir
  local run=$1 d=$2 ndisks=2 wait=20 args=() t_start t_end problems=() v name
  verdict_selftest
  mdboot_initramfs
  case $run in
    mdboot|mdboot-one-disk) copy_disks "$d" ;;
    *) make_variant "$run" "$d" ;;
  esac
  case $run in
    mdboot)
      host_cmdline
      name=mdboot/raid0
      args=(--kind boot --overlays applied --marker "$MARKER" --cmdline "$ARMBIAN_CMDLINE" --host-cmdline "$HOST_CMDLINE"
            --expect 'array up: /dev/md' --expect 'overlay +applied .*mdboot-marker' --expect 'loaded; rebooting into') ;;
    mdboot-one-disk)
      ndisks=1 wait=5 name=mdboot/fault-one-disk
      args=(--kind fault --expect "md RAID0 'zero2w:root': 1/2 members \\(sda\\), waiting"
            --expect 'BOOT FAILED: .*slot 1.* missing|BOOT FAILED: .*missing.*slot 1'
            --expect 'Connect the missing disks, or wait longer with mdboot.wait=SECONDS'
            --expect 'mdboot: rescue shell') ;;
    mdboot-bad-overlay)
      name=mdboot/fault-bad-overlay
      args=(--kind boot --overlays none --marker "$MARKER" --cmdline "$ARMBIAN_CMDLINE"
            --expect 'overlay +FAILED .*/sun50i-h616-mdboot-broken.dtbo'
            --expect 'warning +overlay .*/sun50i-h616-mdboot-broken.dtbo \(overlays\) failed: '
            --expect 'restoring original DT' --expect 'loaded; rebooting into') ;;
    mdboot-no-kernel)
      name=mdboot/fault-no-kernel
      args=(--kind fault --expect "BOOT FAILED: .*(Image|vmlinuz-$KREL)" --expect 'mdboot: rescue shell') ;;
    mdboot-no-config)
      name=mdboot/fault-no-config
      args=(--kind fault --expect 'BOOT FAILED: .*no boot configuration.*armbianEnv.txt.*extlinux.conf'
            --expect 'mdboot: rescue shell') ;;
    mdboot-zero2w)
      name=mdboot/zero2w-model
      # The USB overlay enables the expansion board's host controllers (ehci2 and ohci3...).
      args=(--kind model --model "$(fdtget "$ZERO2W_DTB" / model)" --dtb-prop /soc/usb@5310000:status=okay
            --dtb-prop /soc/usb@5311400:status=okay --expect 'overlay +applied .*zero2w-usb'
            --expect 'loaded; rebooting into') ;;
    mdboot-partitioned)
      name=mdboot/partitioned
      args=(--kind boot --overlays applied --marker "$MARKER" --cmdline "${ARMBIAN_CMDLINE/root=\/dev\/md\/root /root=UUID=$FS_UUID }"
            --expect 'array up: /dev/md' --expect 'mounted /dev/md[0-9]+p1 \(ext4' --expect 'loaded; rebooting into') ;;
  esac
  log "$run: booting (serial log: $d/serial.log)"
  t_start=$(date +%s.%N)
  local stop=$MDBOOT_STOP
  [[ $run == mdboot-zero2w ]] && stop="Machine model: $(fdtget "$ZERO2W_DTB" / model)"
  # shellcheck disable=SC2046
  raid_qemu_until "$d/serial.log" "$timeout" "$stop" -kernel "$KERNEL" -initrd "$MDBOOT_INITRD" \
    -append "$MDBOOT_APPEND mdboot.wait=$wait $append" $(usb_disks "$d" "$ndisks") || log "$run: QEMU stopped by the timeout"
  t_end=$(date +%s.%N)
  tr -d '\r' <"$d/serial.log" >"$d/serial.txt"
  [[ $(sha "$d/disk0.img") == "$EXP0" ]] || problems+=(--problem "disk0 was written (sha256 changed)")
  if ((ndisks == 2)); then [[ $(sha "$d/disk1.img") == "$EXP1" ]] || problems+=(--problem "disk1 was written (sha256 changed)"); fi
  if v=$(python3 "$RAID_DIR/verdict.py" --run "$name" --log "$d/serial.txt" --save "$d" "${args[@]}" "${problems[@]}"); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "  serial log: $d/serial.txt (last lines, base64 left out:)"
    grep -av '^[A-Za-z0-9+/=]*$' "$d/serial.txt" | tail -25 | sed 's/^/    | /'
  fi
  echo "$v"
  echo "PHASES run=$name: QEMU start to stop $(span "$t_end" "$t_start") s (host), disks unchanged: $( ((${#problems[@]})) && echo no || echo "yes (sha256 of $ndisks)")"
  VERDICTS+=("$(grep '^VERDICT' <<<"$v")")
  rm -f "$d/disk0.img" "$d/disk1.img"
}
