#!/bin/sh
# e2e/standin-fdt-handoff.sh - harness self-test ONLY (FDT_E2E_FH_STANDIN=e2e/standin-fdt-handoff.sh).
# Pretends to be `fdt-handoff load|exec ... --dtb-out F` with kexec-tools: it "outputs" the
# host-prepared control DTB, but kexec-tools then edits /chosen (bootargs, initrd, kaslr-seed)
# before kexec_load, so the fdt-handoff runs must FAIL the exact check and show those properties
# in the diff.
mode=$1
case $mode in load|exec) ;; *) echo "stand-in: only 'load' and 'exec' are implemented" >&2; exit 2 ;; esac
shift
kernel= initrd= append= out=
while [ $# -gt 0 ]; do
  case $1 in
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --dtb-out) out=$2; shift 2 ;;
    --dtb|--live|--overlay) shift 2 ;;
    *) shift ;;
  esac
done
[ -z "$out" ] || cp /stage2/control.dtb "$out"
kexec -c -l "$kernel" --dtb /stage2/control.dtb --initrd "$initrd" --append "$append" || exit 1
[ "$mode" = load ] || { echo "rebooting into the loaded kernel"; exec kexec -e; }
