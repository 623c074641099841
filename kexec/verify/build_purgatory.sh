#!/bin/sh
# File: kexec/verify/build_purgatory.sh
#
# Builds the verifying purgatory with Debian's cross gcc
# (gcc-aarch64-linux-gnu) and checks that it can run from any address with
# the MMU off. Called by the :purgatory_blob genrule; runnable by hand:
#
#   kexec/verify/build_purgatory.sh OUT_ELF OUT_BIN OUT_LAYOUT \
#       entry.S purgatory.c purgatory_sha256.c purgatory.lds
#
# OUT_LAYOUT gets "name offset" lines (config, config_size, blob_end,
# stack_top) for embed_blob.sh.
#
# Why each flag:
#   -ffreestanding -nostdlib -fno-builtin  no libc exists after kexec
#   -fPIE -mcmodel=tiny   PC-relative adr for every symbol (+-1 MiB), so no
#                         GOT and no dependence on the load address
#   -fvisibility=hidden   calls/references between files stay direct
#   -mgeneral-regs-only   no FP/SIMD: their traps may be enabled
#   -mstrict-align        MMU off: data accesses are Device-nGnRnE, and an
#                         unaligned access faults
#   -fno-tree-loop-distribute-patterns  keeps gcc from turning byte loops
#                         into memset/memcpy calls that do not exist
#   -fno-stack-protector -fno-unwind-tables -fno-asynchronous-unwind-tables
#                         no canary symbol, no .eh_frame to carry
#   -fomit-frame-pointer -fno-schedule-insns  two more registers and less
#                         register pressure in the unrolled sha256 rounds:
#                         every spill is an uncached stack access
#                         (purgatory_sha256.c)
set -eu

if [ $# -ne 7 ]; then
  echo "usage: $0 OUT_ELF OUT_BIN OUT_LAYOUT entry.S purgatory.c purgatory_sha256.c purgatory.lds" >&2
  exit 2
fi
out_elf=$1 out_bin=$2 out_layout=$3 entry=$4 main_c=$5 sha_c=$6 lds=$7

CROSS=${CROSS:-aarch64-linux-gnu-}
if ! command -v "${CROSS}gcc" >/dev/null 2>&1; then
  echo "build_purgatory: ${CROSS}gcc not found; install gcc-aarch64-linux-gnu (tools/setup.sh)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cflags="-std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-builtin \
  -fPIE -mcmodel=tiny -fvisibility=hidden -mgeneral-regs-only -mstrict-align \
  -fno-tree-loop-distribute-patterns -fno-stack-protector -fno-unwind-tables \
  -fno-asynchronous-unwind-tables -fno-common -fomit-frame-pointer \
  -fno-schedule-insns -I."

"${CROSS}gcc" $cflags -c "$entry" -o "$tmp/entry.o"
"${CROSS}gcc" $cflags -c "$main_c" -o "$tmp/purgatory.o"
"${CROSS}gcc" $cflags -c "$sha_c" -o "$tmp/sha256.o"

# Every relocation in the objects must be PC-relative (resolved at link time
# to a distance, which does not depend on where the blob lands). Anything
# absolute (ABS64, MOVW_UABS_*) or GOT-based would bake in the link address.
# The ADRP page forms are PC-relative too, given the 4 KiB-aligned segment
# that kexec_load requires anyway.
allowed='R_AARCH64_(ADR_PREL_LO21|LD_PREL_LO19|CALL26|JUMP26|CONDBR19|TSTBR14|PREL16|PREL32|PREL64|ADR_PREL_PG_HI21|ADD_ABS_LO12_NC|LDST(8|16|32|64|128)_ABS_LO12_NC)$'
for o in "$tmp"/entry.o "$tmp"/purgatory.o "$tmp"/sha256.o; do
  bad=$("${CROSS}readelf" -rW "$o" | awk '/^[0-9a-f]+ +[0-9a-f]+ +R_AARCH64_/ {print $3}' \
        | grep -Ev "$allowed" || true)
  if [ -n "$bad" ]; then
    echo "build_purgatory: $(basename "$o") has relocations that are not PC-relative:" >&2
    echo "$bad" | sort -u >&2
    exit 1
  fi
done

"${CROSS}gcc" -static -no-pie -nostdlib -Wl,-T,"$lds" -Wl,--build-id=none \
  -Wl,-z,noexecstack -Wl,--no-dynamic-linker \
  -o "$tmp/purgatory.elf" "$tmp/entry.o" "$tmp/purgatory.o" "$tmp/sha256.o"

# Nothing for a loader to fix up: the kernel will not run one.
relocs=$("${CROSS}readelf" -rW "$tmp/purgatory.elf")
case "$relocs" in
  *"There are no relocations in this file."*) ;;
  *) echo "build_purgatory: the linked purgatory has relocations:" >&2
     echo "$relocs" >&2
     exit 1 ;;
esac

"${CROSS}objcopy" -O binary "$tmp/purgatory.elf" "$tmp/purgatory.bin"

symbol() {
  v=$("${CROSS}nm" "$tmp/purgatory.elf" | awk -v s="$1" '$3 == s {print $1}')
  if [ -z "$v" ]; then
    echo "build_purgatory: no symbol $1" >&2
    exit 1
  fi
  printf '%d\n' "0x$v"
}
config=$(symbol verify_config)
config_size=$(printf '%d\n' "0x$("${CROSS}nm" -S "$tmp/purgatory.elf" | awk '$4 == "verify_config" {print $2}')")
blob_end=$(symbol __blob_end)
stack_top=$(symbol __stack_top)
start=$(symbol _start)
bin_size=$(wc -c < "$tmp/purgatory.bin")

# The host patches the config block at `config` and pads the blob to
# `stack_top`: both only work if the block is the blob's last bytes.
[ "$start" -eq 0 ] || { echo "build_purgatory: _start at $start, not 0" >&2; exit 1; }
[ "$bin_size" -eq "$blob_end" ] || {
  echo "build_purgatory: binary is $bin_size bytes, __blob_end is $blob_end" >&2; exit 1; }
[ $((config + config_size)) -eq "$blob_end" ] || {
  echo "build_purgatory: config block [$config+$config_size] is not last ($blob_end)" >&2; exit 1; }
[ "$config_size" -eq 760 ] || {
  echo "build_purgatory: config block is $config_size bytes, not 760" >&2; exit 1; }

cp "$tmp/purgatory.elf" "$out_elf"
cp "$tmp/purgatory.bin" "$out_bin"
{
  echo "config $config"
  echo "config_size $config_size"
  echo "blob_end $blob_end"
  echo "stack_top $stack_top"
} > "$out_layout"
