#!/usr/bin/env bash
# tools/build_flash.sh - the Orange Pi Zero 2W's 16 MiB SPI flash image with mdboot.
#
#   tools/build_flash.sh -o OUT [--initramfs FILE] [--only COMPONENT] [-j N]
#
# Builds from the Debian packages pinned in flash/sources.txt (tools/flash_sources.sh):
# TF-A BL31 (sun50i_h616), U-Boot 2025.01 for the Zero 2W with flash/u-boot.config and
# flash/u-boot-mdboot.env (boots the FIT from SPI, falls back to distro boot), the
# mdboot kernel (allnoconfig + flash/mdboot-kernel.config), the kernel's Zero 2W DTB
# with our USB overlay applied by `fdt-handoff apply`, and the initramfs (FILE, or
# tools/build_initramfs.sh when the tree has it); packs kernel (LZMA), DTB and initramfs
# into a FIT (flash/mdboot.its) and lays everything out as flash/layout.txt says.
# Writes OUT (exactly 16 MiB), OUT.itb (the FIT alone), OUT.env (the environment text)
# and OUT.map (the printed map: offsets, sizes, free space, versions, sha256).
#
# --only bl31|u-boot|kernel  build (or find cached) just that component and print its dir.
# Same inputs, same bytes (SOURCE_DATE_EPOCH, default: the 'epoch' of flash/sources.txt). Builds are cached in $FDT_FLASH_CACHE (default /var/cache/fdt-handoff/flash)
# keyed by their inputs; the kernel takes ~6 min on 2 cores the first time.
set -euo pipefail
export LC_ALL=C TZ=UTC
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${FDT_FLASH_CACHE:-/var/cache/fdt-handoff/flash}
log() { printf '[build_flash] %s\n' "$*" >&2; }
die() { printf '[build_flash] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

out="" initramfs="" only="" JOBS=$(nproc)
while (($#)); do
  case $1 in
    -o) out=${2:?}; shift 2 ;;
    --initramfs) initramfs=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    -j) JOBS=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n $out || -n $only ]] || usage
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(awk '$1=="epoch"{print $2; exit}' "$REPO/flash/sources.txt")}
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "flash/sources.txt: no 'epoch N' line (or set SOURCE_DATE_EPOCH)"
export SOURCE_DATE_EPOCH

[[ ${FDT_FLASH_NO_SETUP:-0} == 1 ]] || "$REPO/tools/setup.sh" --flash
for t in apt-get dpkg-source make "${CROSS:-aarch64-linux-gnu-}gcc" bison flex bc lzma sha256sum \
         /usr/bin/python3 bazel; do
  command -v "$t" >/dev/null || die "missing tool: $t (tools/setup.sh --flash)"
done
/usr/bin/python3 -c 'import elftools, libfdt' 2>/dev/null \
  || die "U-Boot's binman needs python3-pyelftools and python3-libfdt (tools/setup.sh --flash)"

# shellcheck source=tools/flash_sources.sh
. "$HERE/flash_sources.sh"
# shellcheck source=tools/flash_build.sh
. "$HERE/flash_build.sh"
# shellcheck source=tools/flash_image.sh
. "$HERE/flash_image.sh"
mkdir -p "$CACHE"
flash_sources_setup

case $only in
  "") ;;
  bl31) flash_bl31; exit ;;
  u-boot) flash_uboot "$(flash_bl31)"; exit ;;
  kernel) flash_kernel; exit ;;
  *) die "--only $only: expected bl31, u-boot or kernel" ;;
esac

t0=$(date +%s)
bl31=$(flash_bl31)
uboot=$(flash_uboot "$bl31")
kernel=$(flash_kernel)
work=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
dtb=$(flash_dtb "$kernel" "$work")
[[ -n $initramfs ]] || initramfs=$(flash_initramfs "$work")
[[ -s $initramfs ]] || die "--initramfs $initramfs: missing or empty"
flash_fit "$uboot" "$kernel" "$dtb" "$initramfs" "$work/mdboot.itb"
flash_env "$uboot" "$work/env.bin" "$work/env.txt"
flash_assemble "$out" "$uboot/u-boot-sunxi-with-spl.bin" "$work/env.bin" "$work/mdboot.itb"
cp "$work/mdboot.itb" "$out.itb.tmp" && mv "$out.itb.tmp" "$out.itb"
cp "$work/env.txt" "$out.env.tmp" && mv "$out.env.tmp" "$out.env"
flash_map "$out" "$bl31" "$uboot" "$kernel" "$initramfs" "$work" >"$out.map.tmp"
mv "$out.map.tmp" "$out.map"
cat "$out.map"
log "done in $(( $(date +%s) - t0 )) s: $out"
