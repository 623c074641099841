#!/bin/sh
# e2e/standin-fdt-handoff.sh - harness self-test ONLY (FDT_E2E_FH_STANDIN=e2e/standin-fdt-handoff.sh).
# Pretends to be `fdt-handoff load ... --dtb-out F` with kexec-tools: it "outputs" the host-prepared
# control DTB, but kexec-tools then edits /chosen (bootargs, initrd, kaslr-seed) before kexec_load,
# so the fdt-handoff runs must FAIL the exact check and show those properties in the diff.
[ "$1" = load ] || { echo "stand-in: only 'load' is implemented" >&2; exit 2; }
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
cp /stage2/control.dtb "$out"
exec kexec -c -l "$kernel" --dtb /stage2/control.dtb --initrd "$initrd" --append "$append"
