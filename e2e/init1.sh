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
# TIMING_REPS loads, each followed by an unload, each in `timeout 60 sh -c` (a hanging tool
# must not eat the QEMU timeout). The no-op goes through the same path: the timer's own cost.
# kexec-tools-load-i is kexec-tools with -i (--no-checks): no sha256 of the segments in
# userspace, and no verification in purgatory; fdt-handoff-load-verify is fdt-handoff with
# --verify (its purgatory checks the segments' sha256), the counterpart of plain kexec-tools.
time_cmd() { # $1=label $2=command (eval'd) $3=unload command (eval'd)
  i=0
  while [ "$i" -lt "$TIMING_REPS" ]; do
    t0=$(now_ns); timeout 60 sh -c "$2" >/tmp/timing.out 2>&1; rc=$?; t1=$(now_ns)
    timeout 60 sh -c "$3" >/dev/null 2>&1
    if [ "$rc" -ne 0 ]; then
      echo "TIMING $1 FAILED rc=$rc"; sed 's/^/  | /' /tmp/timing.out; return
    fi
    echo "TIMING $1 $((t1 - t0))"
    i=$((i + 1))
  done
}
if [ "${TIMING_REPS:-0}" -gt 0 ]; then
  echo "E2E timer: $(timer_name)"
  time_cmd noop true true
  time_cmd kexec-tools-load "$KT_LOAD" "$KT_UNLOAD"
  time_cmd kexec-tools-load-i "$KT_LOAD_NOCHECKS" "$KT_UNLOAD"
  if [ -x /bin/fdt-handoff ]; then
    time_cmd fdt-handoff-load "$FH_LOAD" "$FH_UNLOAD"
    time_cmd fdt-handoff-load-verify "$FH_LOAD_VERIFY" "$FH_UNLOAD"
  else
    echo "TIMING fdt-handoff-load SKIP no binary"
  fi
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
