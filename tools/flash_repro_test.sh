#!/usr/bin/env bash
# tools/flash_repro_test.sh - same inputs, same bytes: builds the flash image twice and
# compares.
#
#   tools/flash_repro_test.sh [--initramfs FILE] [--quick]
#
# The first build uses the normal cache ($FDT_FLASH_CACHE); the second builds BL31,
# U-Boot and the kernel again from scratch in a fresh cache (only the downloaded and
# unpacked Debian sources are shared), in a different directory, at a different time.
# Every component and the image must be byte-identical; a difference names the component
# and the first differing offset. --quick reuses the cache for the second build too
# (only the DTB, FIT, env and assembly run again: seconds instead of ~10 minutes).
# Both builds get the same initramfs (FILE, or one tools/build_initramfs.sh makes once).
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FDT_FLASH_CACHE:-/var/cache/fdt-handoff/flash}
die() { printf '[flash_repro] FAIL: %s\n' "$*" >&2; exit 1; }
log() { printf '[flash_repro] %s\n' "$*" >&2; }

initramfs=() quick=0
while (($#)); do
  case $1 in
    --initramfs) initramfs=(--initramfs "${2:?}"); shift 2 ;;
    --quick) quick=1; shift ;;
    *) die "unknown argument '$1'" ;;
  esac
done
scratch=$(mktemp -d "${CACHE%/}-repro.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

if ((${#initramfs[@]} == 0)); then
  "$HERE/build_initramfs.sh" -o "$scratch/initramfs.cpio.xz" >&2 || die "tools/build_initramfs.sh failed"
  initramfs=(--initramfs "$scratch/initramfs.cpio.xz")
fi

log "build 1 (cache $CACHE)"
"$HERE/build_flash.sh" -o "$scratch/one.bin" "${initramfs[@]}" >"$scratch/one.log" 2>&1 \
  || { tail -20 "$scratch/one.log" >&2; die "build 1 failed"; }
cache2=$CACHE
if ((quick == 0)); then
  cache2="$scratch/cache"
  mkdir -p "$cache2"
  ln -s "$CACHE/src" "$cache2/src"          # sources only: every build runs again
  ln -s "$CACHE/apt" "$cache2/apt"
fi
log "build 2 (cache $cache2)"
FDT_FLASH_CACHE=$cache2 FDT_FLASH_NO_SETUP=1 "$HERE/build_flash.sh" -o "$scratch/two.bin" "${initramfs[@]}" \
  >"$scratch/two.log" 2>&1 || { tail -20 "$scratch/two.log" >&2; die "build 2 failed"; }
((quick == 1)) || ! grep -q ': cached' "$scratch/two.log" || die "build 2 reused a cached component"

# The component outputs of both caches, by name (the key directories must be equal too).
for f in one.bin one.bin.itb one.bin.env; do
  g=${f/one/two}
  cmp "$scratch/$f" "$scratch/$g" >/dev/null || die "$f differs: $(cmp "$scratch/$f" "$scratch/$g" | head -1)"
done
for d in "$CACHE"/build/*-*/; do
  ((quick == 0)) || break
  name=$(basename "$d")
  [[ -e $d/.done && -d $cache2/build/$name ]] || continue
  for f in bl31.bin u-boot-sunxi-with-spl.bin Image zero2w.dtb; do
    [[ -e $d/$f ]] || continue
    cmp "$d/$f" "$cache2/build/$name/$f" >/dev/null || die "$name/$f differs between the two builds"
    log "same: $name/$f"
  done
done
log "PASS: both builds gave $(sha256sum <"$scratch/one.bin" | cut -c1-16)… ($(stat -c %s "$scratch/one.bin") bytes)"
