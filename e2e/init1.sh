#!/bin/busybox sh
# e2e stage 1 (/init): kexec into the stage-2 kernel, by fdt-handoff or by kexec-tools.
# The run's settings and the exact command lines are in /etc/e2e.conf, written by e2e/run.sh.
. /lib/e2e-lib.sh
guest_setup
. /etc/e2e.conf
export S2 APPEND DTB_OUT

fail() { echo "E2E-STAGE1-FAIL $*"; poweroff -f; sleep 10; }
echo "E2E STAGE1 run=$RUN mode=$MODE kernel=$(uname -r)"
[ -r /sys/firmware/fdt ] || fail "no /sys/firmware/fdt"
dump_blob STAGE1-LIVE /sys/firmware/fdt

# Time the load step of each tool on the same inputs (kernel, initrd, command line):
# TIMING_REPS rounds; each round runs every tool once, in turn (so a change in the host's
# load hits all of them alike, not the ones that happened to run last), each load followed
# by an unload, each in `timeout 60 sh -c` (a hanging tool must not eat the QEMU timeout).
# The no-op goes through the same path: the timer's own cost.
# kexec-tools-load-i is kexec-tools with -i (--no-checks): no sha256 of the segments in
# userspace, and no verification in purgatory; fdt-handoff-load-verify is fdt-handoff with
# --verify (its purgatory checks the segments' sha256), the counterpart of plain kexec-tools.
# fdt-handoff runs with --timings: its own breakdown goes out as TIMING-DETAIL lines.
timed_cmd() { # $1=label ; prints "command|unload command"
  case $1 in
    noop) echo "true|true" ;;
    kexec-tools-load) echo "$KT_LOAD|$KT_UNLOAD" ;;
    kexec-tools-load-i) echo "$KT_LOAD_NOCHECKS|$KT_UNLOAD" ;;
    fdt-handoff-load) echo "$FH_LOAD --timings|$FH_UNLOAD" ;;
    fdt-handoff-load-verify) echo "$FH_LOAD_VERIFY --timings|$FH_UNLOAD" ;;
    # The same command lines with FDT_E2E_BASELINE_BIN (another build) in the binary's place.
    baseline-load) echo "fdt-handoff-baseline ${FH_LOAD#fdt-handoff } --timings|$FH_UNLOAD" ;;
    baseline-load-verify)
      echo "fdt-handoff-baseline ${FH_LOAD_VERIFY#fdt-handoff } --timings|$FH_UNLOAD" ;;
  esac
}
time_once() { # $1=label ; one timed load and its unload; fails if the load failed
  _c=$(timed_cmd "$1"); _load=${_c%|*}; _unload=${_c##*|}
  t0=$(now_ns); timeout 60 sh -c "$_load" >/tmp/timing.out 2>&1; rc=$?; t1=$(now_ns)
  timeout 60 sh -c "$_unload" >/dev/null 2>&1
  if [ "$rc" -ne 0 ]; then
    echo "TIMING $1 FAILED rc=$rc"; sed 's/^/  | /' /tmp/timing.out; return 1
  fi
  echo "TIMING $1 $((t1 - t0))"
  sed -n "s/^timings: /TIMING-DETAIL $1 /p" /tmp/timing.out
}
if [ "${TIMING_REPS:-0}" -gt 0 ]; then
  echo "E2E timer: $(timer_name)"
  timed="noop kexec-tools-load kexec-tools-load-i"
  if [ -x /bin/fdt-handoff ]; then
    timed="$timed fdt-handoff-load fdt-handoff-load-verify"
  else
    echo "TIMING fdt-handoff-load SKIP no binary"
  fi
  if [ -x /bin/fdt-handoff-baseline ]; then
    timed="$timed baseline-load baseline-load-verify"
  fi
  i=0
  while [ "$i" -lt "$TIMING_REPS" ]; do
    still=""
    for label in $timed; do
      if time_once "$label"; then still="$still $label"; fi  # a failed tool is dropped
    done
    timed=$still
    i=$((i + 1))
  done
fi

case $MODE in
  control)
    echo "E2E STAGE1 loading with kexec-tools: $KT_LOAD"
    eval "$KT_LOAD" || fail "kexec-tools load failed"
    echo "E2E STAGE1-LOADED kexec-tools"
    eval "$KT_EXEC"
    fail "kexec-tools exec returned" ;;
  handoff)
    echo "E2E STAGE1 loading with fdt-handoff: $FH_LOAD"
    rm -f "$DTB_OUT"
    eval "$FH_LOAD" || fail "fdt-handoff load failed"
    [ -s "$DTB_OUT" ] || fail "fdt-handoff wrote no $DTB_OUT"
    dump_blob STAGE1-FINAL "$DTB_OUT"
    echo "E2E STAGE1-LOADED fdt-handoff"
    # Unload, so that only exec's own load can bring up stage 2.
    eval "$FH_UNLOAD" || fail "unload failed"
    echo "E2E STAGE1-UNLOADED kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
    echo "E2E STAGE1-EXEC $FH_EXEC"
    eval "$FH_EXEC"
    fail "fdt-handoff exec returned" ;;
  *) fail "unknown MODE=$MODE" ;;
esac
