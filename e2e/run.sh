#!/usr/bin/env bash
# e2e/run.sh - prove in QEMU that a kexec'd kernel receives exactly the DTB we built.
#
#   e2e/run.sh                                  direct + control runs (kexec-tools)
#   FDT_HANDOFF_BIN=path/to/aarch64/fdt-handoff e2e/run.sh   + the fdt-handoff runs
#
# Runs (each a `qemu-system-aarch64 -M virt -cpu cortex-a57 -m 1G -smp 1` boot, -no-reboot,
# with a timeout; stage 1 is always Debian bookworm's arm64 kernel):
#   direct/trixie-6.12       QEMU boots trixie's kernel straight into the stage-2 initrd:
#                            proves the comparison and what 6.12 wipes (the seeds)
#   control/trixie-6.12      stage 1 -> kexec-tools (kexec -c -l --dtb, kexec -e) -> trixie 6.12;
#                            also times the load step of both tools (TIMING lines)
#   control/bookworm-6.1     the same into the stage-1 kernel
#   fdt-handoff/trixie-6.12  stage 1 -> `fdt-handoff load` (prints its DTB), unload,
#                            `fdt-handoff exec` -> trixie 6.12 (needs FDT_HANDOFF_BIN)
#   fdt-handoff/bookworm-6.1 the same into the stage-1 kernel
#   fdt-handoff-verify/trixie-6.12  the same with --verify (its sha256-checking purgatory)
#   fdt-handoff-verify-corrupt/trixie-6.12  exec --verify through the testonly CLI variant
#                            //e2e:fdt-handoff-corrupt-digest (FDT_HANDOFF_CORRUPT_BIN), which
#                            corrupts the initrd's digest: the purgatory must print its
#                            mismatch message on the UART and halt
# Every kexec run also checks that stage 1 got QEMU's DTB exactly (STAGE1-LIVE).
# Exit 0 only if every run that ran passed (and, with FDT_E2E_STRICT=1, none was skipped).
# See e2e/README.md.
#
# Env: FDT_HANDOFF_BIN       static aarch64 fdt-handoff (unset/missing: its runs are skipped)
#      FDT_HANDOFF_CORRUPT_BIN  static aarch64 //e2e:fdt-handoff-corrupt-digest (unset/missing:
#                            the corrupt run is skipped)
#      FDT_E2E_STRICT=1      a skipped run fails the harness (CI: .ci/run sets it)
#      FDT_HANDOFF_HOST_BIN  host fdt-handoff, used for `fdt-handoff diff` on failure
#      FDT_E2E_OUT           output dir, emptied first (default
#                            /var/tmp/fdt-handoff-e2e-out-<hash of this checkout>)
#      FDT_E2E_CACHE         e2e/fetch.sh's kernels, guest userland and apt lists (default
#                            /var/tmp/fdt-handoff-e2e-<hash of this checkout>); the .debs are
#                            shared between checkouts (FDT_E2E_DEBS, see e2e/fetch.sh)
#      FDT_E2E_TIMING_REPS   load repetitions per tool in the timing run (default 5)
#      FDT_E2E_TIMEOUT       seconds per QEMU run (default 120)
#      FDT_E2E_RUNS          space-separated subset of the run names above
#      FDT_E2E_FH_LOAD / FDT_E2E_FH_EXEC / FDT_E2E_FH_UNLOAD / FDT_E2E_KT_LOAD
#                            override the command lines below (experiments)
#      FDT_E2E_FH_STANDIN    harness self-test: a script used as /bin/fdt-handoff
#      FDT_E2E_BASELINE_BIN  another static aarch64 fdt-handoff (e.g. an older commit's): the
#                            timing run also times its load and load --verify, interleaved
#                            with the others (baseline-load, baseline-load-verify), so a
#                            before/after comparison comes from one guest run
#      FDT_E2E_REFETCH=1     re-resolve the Debian packages (apt-get update) before running
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Per checkout by default: two checkouts running at once must not empty each other's
# output or rebuild each other's inputs (tools/output_base.sh).
# shellcheck source=tools/output_base.sh
. "$HERE/../tools/output_base.sh"
CACHE=${FDT_E2E_CACHE:-$(output_base_for e2e)}
OUT=${FDT_E2E_OUT:-$(output_base_for e2e-out)}
TIMEOUT=${FDT_E2E_TIMEOUT:-120}
TIMING_REPS=${FDT_E2E_TIMING_REPS:-5}
export FDT_E2E_CACHE=$CACHE

# ---------------------------------------------------------------------------
# THE stage-1 command lines: the one place to adapt. /init (e2e/init1.sh, busybox sh) evals
# them with: $S2=/stage2 holding Image, initrd.cpio.gz, target.dtb (QEMU's DTB without
# /memory), control.dtb, marker.dtbo; $APPEND = the stage-2 command line; $DTB_OUT = where
# the load step must write the exact DTB it handed to kexec_load (printed, then compared with
# what stage 2 received). Stage 1 then unloads that image (FH_UNLOAD; /sys/kernel/kexec_loaded
# must read 0) and runs FH_EXEC, `fdt-handoff exec` on the same inputs, which loads again and
# reboots (reboot(LINUX_REBOOT_CMD_KEXEC)): stage 2 can only come from exec's own load. exec
# cannot print its DTB (it reboots right after); it differs from load's only in the seed
# values, which the kernel wipes (e2e/check.py).
FH_ARGS='--kernel $S2/Image --initrd $S2/initrd.cpio.gz --dtb $S2/target.dtb --live /sys/firmware/fdt --overlay $S2/marker.dtbo --append "$APPEND"'
FH_LOAD=${FDT_E2E_FH_LOAD:-"fdt-handoff load $FH_ARGS --dtb-out \$DTB_OUT"}
FH_LOAD_VERIFY="$FH_LOAD --verify"   # the fdt-handoff-verify run: sha256-checking purgatory
FH_UNLOAD=${FDT_E2E_FH_UNLOAD:-'kexec -c -u'}  # kexec_load with no segments unloads any image
FH_EXEC=${FDT_E2E_FH_EXEC:-"fdt-handoff exec $FH_ARGS"}
FH_EXEC_VERIFY="$FH_EXEC --verify"
# The corrupt run: the testonly CLI variant, the initrd's expected digest made wrong.
FH_EXEC_CORRUPT="fdt-handoff-corrupt-digest initrd exec --verify $FH_ARGS"
# The control: Debian's kexec-tools on the same kernel, initrd and command line, with a DTB
# prepared on the host (QEMU's DTB with /memory, kaslr-seed zeroed, marker applied).
KT_LOAD=${FDT_E2E_KT_LOAD:-'kexec -c -l $S2/Image --dtb $S2/control.dtb --initrd $S2/initrd.cpio.gz --append "$APPEND"'}
KT_LOAD_NOCHECKS='kexec -c -i -l $S2/Image --dtb $S2/control.dtb --initrd $S2/initrd.cpio.gz --append "$APPEND"'
KT_UNLOAD='kexec -c -u'
KT_EXEC='kexec -e'
# ---------------------------------------------------------------------------

STAGE1_APPEND="console=ttyAMA0 rdinit=/init panic=-1"
MACHINE=virt
QEMU_ARGS=(-cpu cortex-a57 -m 1G -smp 1 -nic none -display none)  # same for dumpdtb and boots
ALL_RUNS="direct/trixie-6.12 control/trixie-6.12 control/bookworm-6.1 fdt-handoff/trixie-6.12 fdt-handoff/bookworm-6.1 fdt-handoff-verify/trixie-6.12 fdt-handoff-verify-corrupt/trixie-6.12"
# fdt-handoff-verify-corrupt: exec --verify with the initrd's digest corrupted on
# purpose (the testonly binary); the purgatory must say so on the UART and
# halt, and stage 2 must never run. QEMU then idles until this timeout.
CORRUPT_TIMEOUT=${FDT_E2E_CORRUPT_TIMEOUT:-45}
RUNS=${FDT_E2E_RUNS:-$ALL_RUNS}

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { printf '[e2e] ERROR: %s\n' "$*" >&2; exit 2; }
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }  # single-quote for busybox sh
T_START=$(date +%s.%N)

# --- inputs --------------------------------------------------------------------
if [[ ${FDT_E2E_REFETCH:-0} == 1 || ! -r $CACHE/artifacts.env ]]; then
  "$HERE/fetch.sh"
else
  FDT_E2E_NO_UPDATE=1 "$HERE/fetch.sh" 2>"$CACHE/fetch.log" || { cat "$CACHE/fetch.log" >&2; die "fetch failed"; }
fi
# shellcheck disable=SC1091
. "$CACHE/artifacts.env"
for t in qemu-system-aarch64 dtc fdtget fdtput fdtoverlay cpio python3 timeout; do
  command -v "$t" >/dev/null || die "missing tool: $t (tools/setup.sh --e2e)"
done
rm -rf "$OUT"; mkdir -p "$OUT"
# The verdict logic itself, on synthetic logs (a second, no QEMU).
python3 "$HERE/check_test.py" >"$OUT/check_test.log" 2>&1 || { cat "$OUT/check_test.log"; die "e2e/check_test.py failed"; }
echo "$(tail -n1 "$OUT/check_test.log") (e2e/check_test.py: verdict logic on synthetic logs)"
log "stage 1: $KERNEL_BOOKWORM_PKG; stage 2: $KERNEL_TRIXIE_PKG / $KERNEL_BOOKWORM_PKG; output in $OUT"

FH_STATUS=ok
if [[ -n ${FDT_E2E_FH_STANDIN:-} ]]; then
  # Harness self-test only: a script in the binary's place (e.g. e2e/standin-fdt-handoff.sh,
  # which uses kexec-tools and so must FAIL the exact check).
  FDT_HANDOFF_BIN=$FDT_E2E_FH_STANDIN
  echo "NOTE fdt-handoff runs use the stand-in $FDT_E2E_FH_STANDIN (harness self-test)"
elif [[ -z ${FDT_HANDOFF_BIN:-} ]]; then
  FH_STATUS="FDT_HANDOFF_BIN is not set"
elif [[ ! -f $FDT_HANDOFF_BIN ]]; then
  FH_STATUS="FDT_HANDOFF_BIN=$FDT_HANDOFF_BIN does not exist"
elif ! readelf -h "$FDT_HANDOFF_BIN" 2>/dev/null | grep -q 'Machine:.*AArch64'; then
  FH_STATUS="$FDT_HANDOFF_BIN is not an AArch64 ELF"
elif readelf -l "$FDT_HANDOFF_BIN" | grep -q 'program interpreter'; then
  FH_STATUS="$FDT_HANDOFF_BIN is dynamically linked (the guest has only kexec-tools' libraries)"
fi
if [[ $FH_STATUS != ok ]]; then
  echo "SKIP fdt-handoff runs: no aarch64 binary ($FH_STATUS)"
fi
CORRUPT_STATUS=$FH_STATUS
if [[ -n ${FDT_E2E_FH_STANDIN:-} ]]; then
  CORRUPT_STATUS="the stand-in has no corrupt-digest variant"
elif [[ $FH_STATUS == ok ]]; then
  if [[ -z ${FDT_HANDOFF_CORRUPT_BIN:-} || ! -f $FDT_HANDOFF_CORRUPT_BIN ]]; then
    CORRUPT_STATUS="FDT_HANDOFF_CORRUPT_BIN is not set or missing"
  elif readelf -l "$FDT_HANDOFF_CORRUPT_BIN" | grep -q 'program interpreter'; then
    CORRUPT_STATUS="$FDT_HANDOFF_CORRUPT_BIN is dynamically linked"
  fi
fi

# QEMU's own DTB for these machine options: the base of target.dtb and control.dtb.
W=$OUT/inputs; mkdir -p "$W"
qemu-system-aarch64 -M "$MACHINE,dumpdtb=$W/virt.dtb" "${QEMU_ARGS[@]}" 2>/dev/null
[[ -s $W/virt.dtb ]] || die "qemu dumpdtb produced nothing"
dtc -q -@ -I dts -O dtb -o "$W/marker.dtbo" "$HERE/marker.dts"
MARKER=$(fdtget "$W/marker.dtbo" /fragment@0/__overlay__/fdt-handoff-marker value)
mem_nodes=$(fdtget -l "$W/virt.dtb" / | grep -E '^memory(@|$)' || true)
[[ -n $mem_nodes ]] || die "QEMU's DTB has no /memory node"
# target.dtb: QEMU's DTB without /memory: stage 2 only boots if the tool carried memory over.
cp "$W/virt.dtb" "$W/target.dtb"
for n in $mem_nodes; do fdtput -r "$W/target.dtb" "/$n"; done
# control.dtb: kexec-tools refuses a non-zero kaslr-seed and never adds /memory.
cp "$W/virt.dtb" "$W/control.base.dtb"
fdtput -t x "$W/control.base.dtb" /chosen kaslr-seed 0 0
fdtoverlay -i "$W/control.base.dtb" -o "$W/control.dtb" "$W/marker.dtbo"
[[ $(fdtget "$W/control.dtb" /fdt-handoff-marker value) == "$MARKER" ]] || die "fdtoverlay lost the marker"

# --- one run ----------------------------------------------------------------------
PASSED=0 FAILED=0 SKIPPED=0
VERDICTS=()
PHASES=()
TIMING_LOG=""

qemu_boot() { # $1=kernel $2=initrd $3=append $4=run dir $5=run name
  local rc=0 t0 t1 st
  t0=$(date +%s.%N)
  timeout "$TIMEOUT" qemu-system-aarch64 -M "$MACHINE" "${QEMU_ARGS[@]}" -monitor none \
    -serial stdio -no-reboot -kernel "$1" -initrd "$2" -append "$3" </dev/null 2>"$4/qemu.stderr" \
    | python3 "$HERE/tslog.py" "$4/serial.log" "$4/events.txt" && st=("${PIPESTATUS[@]}") || st=("${PIPESTATUS[@]}")
  rc=${st[0]}
  t1=$(date +%s.%N)
  BOOT_SECS=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
  if ((rc == 124)); then echo "E2E-HARNESS qemu timed out after ${TIMEOUT}s" >>"$4/serial.log"; fi
  if ((rc != 0 && rc != 124)); then echo "E2E-HARNESS qemu exited $rc: $(tail -n3 "$4/qemu.stderr")" >>"$4/serial.log"; fi
  PHASES+=("$(python3 "$HERE/tslog.py" --summary "$5" "$4/events.txt")")
}
qemu_dumpdtb() { # $1=kernel $2=initrd $3=append $4=out ; the DTB QEMU hands to that boot
  qemu-system-aarch64 -M "$MACHINE,dumpdtb=$4" "${QEMU_ARGS[@]}" \
    -kernel "$1" -initrd "$2" -append "$3" 2>/dev/null
}

do_run() { # $1=run name
  local run=$1 kind=${1%%/*} s2=${1#*/} d k rel mode reps=0
  d=$OUT/${run//\//_}; mkdir -p "$d"
  case $s2 in
    trixie-6.12) k=$KERNEL_TRIXIE; rel=$KERNEL_TRIXIE_RELEASE ;;
    bookworm-6.1) k=$KERNEL_BOOKWORM; rel=$KERNEL_BOOKWORM_RELEASE ;;
    *) die "unknown stage 2 $s2" ;;
  esac
  if [[ $kind == fdt-handoff* && $FH_STATUS != ok ]]; then
    VERDICTS+=("VERDICT run=$run: SKIP no aarch64 binary ($FH_STATUS)"); SKIPPED=$((SKIPPED + 1)); return
  fi
  if [[ $kind == fdt-handoff-verify-corrupt && $CORRUPT_STATUS != ok ]]; then
    VERDICTS+=("VERDICT run=$run: SKIP no testonly binary ($CORRUPT_STATUS)"); SKIPPED=$((SKIPPED + 1)); return
  fi
  local token append
  token="$run-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
  append="console=ttyAMA0 rdinit=/init2 panic=-1 e2e.run=$run"
  echo "$token" >"$d/token"
  "$HERE/mkinitramfs.sh" -o "$d/initrd.cpio.gz" --file "$HERE/init2.sh:/init2:0755" --file "$d/token:/e2e-token"

  local ckind=$kind; [[ $kind == fdt-handoff* ]] && ckind=handoff
  local args=(--run "$run" --kind "$ckind" --log "$d/serial.log" --append "$append"
              --initrd "$d/initrd.cpio.gz" --token "$token" --stage2-release "$rel" --save "$d")
  if [[ $kind == direct ]]; then
    qemu_dumpdtb "$k" "$d/initrd.cpio.gz" "$append" "$d/qemu.dtb"
    qemu_boot "$k" "$d/initrd.cpio.gz" "$append" "$d" "$run"
    args+=(--expected "$d/qemu.dtb")
  else
    if [[ $kind == control ]]; then
      mode=control; args+=(--expected "$W/control.dtb" --marker "$MARKER")
    else
      mode=handoff; args+=(--marker "$MARKER")
    fi
    [[ $run == control/trixie-6.12 ]] && reps=$TIMING_REPS
    {
      echo "RUN=$(sq "$run")"; echo "MODE=$mode"; echo "TIMING_REPS=$reps"
      echo "S2=/stage2"; echo "APPEND=$(sq "$append")"; echo "DTB_OUT=/tmp/handoff.dtb"
      for v in KT_LOAD KT_LOAD_NOCHECKS KT_UNLOAD KT_EXEC FH_LOAD FH_LOAD_VERIFY FH_UNLOAD FH_EXEC \
               FH_EXEC_VERIFY FH_EXEC_CORRUPT; do
        echo "$v=$(sq "${!v}")"
      done
      if [[ $kind == fdt-handoff-verify* ]]; then echo "FH_LOAD=\$FH_LOAD_VERIFY"; fi
      if [[ $kind == fdt-handoff-verify ]]; then echo "FH_EXEC=\$FH_EXEC_VERIFY"; fi
      if [[ $kind == fdt-handoff-verify-corrupt ]]; then echo "FH_EXEC=\$FH_EXEC_CORRUPT"; fi
    } >"$d/e2e.conf"
    local files=(--file "$HERE/init1.sh:/init:0755" --file "$d/e2e.conf:/etc/e2e.conf"
                 --file "$k:/stage2/Image" --file "$d/initrd.cpio.gz:/stage2/initrd.cpio.gz"
                 --file "$W/target.dtb:/stage2/target.dtb" --file "$W/control.dtb:/stage2/control.dtb"
                 --file "$W/marker.dtbo:/stage2/marker.dtbo")
    if [[ $FH_STATUS == ok ]]; then files+=(--file "$FDT_HANDOFF_BIN:/bin/fdt-handoff:0755"); fi
    if [[ $kind == fdt-handoff-verify-corrupt ]]; then
      files+=(--file "$FDT_HANDOFF_CORRUPT_BIN:/bin/fdt-handoff-corrupt-digest:0755")
    fi
    if ((reps > 0)) && [[ -n ${FDT_E2E_BASELINE_BIN:-} ]]; then
      [[ -f $FDT_E2E_BASELINE_BIN ]] || die "FDT_E2E_BASELINE_BIN=$FDT_E2E_BASELINE_BIN does not exist"
      files+=(--file "$FDT_E2E_BASELINE_BIN:/bin/fdt-handoff-baseline:0755")
    fi
    "$HERE/mkinitramfs.sh" -o "$d/stage1.cpio" --kexec "${files[@]}"
    qemu_dumpdtb "$KERNEL_BOOKWORM" "$d/stage1.cpio" "$STAGE1_APPEND" "$d/stage1-qemu.dtb"
    if [[ $kind == fdt-handoff-verify-corrupt ]]; then
      local saved=$TIMEOUT; TIMEOUT=$CORRUPT_TIMEOUT
      qemu_boot "$KERNEL_BOOKWORM" "$d/stage1.cpio" "$STAGE1_APPEND" "$d" "$run"
      TIMEOUT=$saved
      local msg
      msg=$(grep -a -o 'fdt-handoff purgatory: sha256 mismatch in segment [0-9]* \[[^]]*\]; halting' "$d/serial.log" | head -n1 || true)
      if [[ -n $msg ]] && grep -aq 'E2E STAGE1-EXEC' "$d/serial.log" \
         && ! grep -aq 'E2E STAGE2' "$d/serial.log"; then
        PASSED=$((PASSED + 1)); log "$run: PASS (${BOOT_SECS}s)"
        VERDICTS+=("VERDICT run=$run: PASS the purgatory refused the corrupted segment on the UART and halted: \"$msg\"; stage 2 never ran")
      else
        FAILED=$((FAILED + 1)); log "$run: FAIL (${BOOT_SECS}s)"
        tail -n 40 "$d/serial.log"
        VERDICTS+=("VERDICT run=$run: FAIL no exec, no purgatory mismatch message on the UART, or stage 2 ran anyway")
      fi
      return
    fi
    qemu_boot "$KERNEL_BOOKWORM" "$d/stage1.cpio" "$STAGE1_APPEND" "$d" "$run"
    args+=(--stage1-qemu-dtb "$d/stage1-qemu.dtb")
    ((reps > 0)) && TIMING_LOG=$d/serial.log
  fi
  local v rc=0
  v=$(python3 "$HERE/check.py" "${args[@]}" 2>&1) || rc=$?
  printf '%s\n' "$v" >"$d/verdict.txt"
  if ((rc == 0)); then
    PASSED=$((PASSED + 1))
    log "$run: PASS (${BOOT_SECS}s)"
  else
    FAILED=$((FAILED + 1))
    log "$run: FAIL (${BOOT_SECS}s)"
    printf '%s\n' "$v"   # details, structural diff and the serial log
  fi
  if [[ $v != "VERDICT run=$run: "* ]]; then
    v="VERDICT run=$run: FAIL e2e/check.py crashed (exit $rc)"$'\n'"$v"
    printf '%s\n' "$v" >"$d/verdict.txt"
  fi
  VERDICTS+=("$(head -n1 <<<"$v")")
}

for r in $RUNS; do
  case " $ALL_RUNS " in *" $r "*) ;; *) die "unknown run $r (known: $ALL_RUNS)" ;; esac
  do_run "$r"
done

# --- timing -------------------------------------------------------------------------
if [[ -n $TIMING_LOG ]]; then
  python3 - "$TIMING_LOG" <<'PY'
import re, statistics, sys
t = {}
detail = {}  # label -> phase -> [ms], from fdt-handoff --timings (TIMING-DETAIL lines)
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"TIMING (\S+) (\d+)\s*$", line)
    d = re.search(r"TIMING-DETAIL (\S+) (.*)$", line)
    if m:
        t.setdefault(m.group(1), []).append(int(m.group(2)))
    elif d:
        for phase, ms in re.findall(r"(\w+) ([0-9.]+) ms", d.group(2)):
            detail.setdefault(d.group(1), {}).setdefault(phase, []).append(float(ms))
    elif re.search(r"TIMING \S+ (FAILED|SKIP)", line):
        print(line.strip())
noop = statistics.median(t["noop"]) if "noop" in t else 0
med = {}
for k, v in t.items():
    med[k] = statistics.median(v)
    print("TIMING %-23s median %8.1f ms  min %8.1f  max %8.1f  (n=%d, in the guest; timer cost %.1f ms)"
          % (k, med[k] / 1e6, min(v) / 1e6, max(v) / 1e6, len(v), noop / 1e6))
for k, phases in detail.items():
    print("TIMING-DETAIL %-17s medians: %s" % (k, ", ".join(
        "%s %.1f ms" % (p, statistics.median(v)) for p, v in phases.items())))
for a, b in (("fdt-handoff-load", "kexec-tools-load"), ("fdt-handoff-load", "kexec-tools-load-i"),
             ("fdt-handoff-load-verify", "kexec-tools-load"),
             ("baseline-load", "kexec-tools-load-i"), ("baseline-load-verify", "kexec-tools-load"),
             ("fdt-handoff-load", "baseline-load"), ("fdt-handoff-load-verify", "baseline-load-verify")):
    if a in med and b in med:
        # Also per round (init1.sh runs every tool once a round, so both ran under about the
        # same host load): the median of the rounds' ratios, less sensitive to load drift.
        pairs = [(x - noop) / (y - noop) for x, y in zip(t[a], t[b]) if y > noop]
        print("TIMING ratio %s / %s = %.2f (medians, timer cost removed); per round: median %.2f"
              % (a, b, (med[a] - noop) / (med[b] - noop),
                 statistics.median(pairs) if pairs else float("nan")))
PY
fi

printf '%s\n' "${PHASES[@]}"
printf '%s\n' "${VERDICTS[@]}"
echo "e2e: $PASSED passed, $FAILED failed, $SKIPPED skipped ($(printf '%.0f' "$(echo "$(date +%s.%N) - $T_START" | bc)") s; logs in $OUT)"
if [[ ${FDT_E2E_STRICT:-0} == 1 ]] && ((SKIPPED > 0)); then
  echo "e2e: FAILED: $SKIPPED run(s) skipped and FDT_E2E_STRICT=1 allows none"
  exit 1
fi
((FAILED == 0 && PASSED > 0))
