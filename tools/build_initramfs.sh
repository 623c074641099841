#!/usr/bin/env bash
# tools/build_initramfs.sh - the mdboot initramfs: one compressed newc cpio.
#
#   tools/build_initramfs.sh -o OUT [--modules DIR] [--init BIN] [--no-shell]
#                            [--module NAME]... [--file SRC:DEST[:MODE]]...
#                            [--compress xz|gzip|zstd|none] [--busybox rescue|debian]
#
#   /init                  BIN (default: //init:mdboot built static for aarch64): a static
#                          AArch64 ELF (stored stripped), or a script whose #! interpreter
#                          is in the archive
#   /sbin/mdadm            Debian's mdadm for arm64, whichever of Debian's binary (+ its
#                          libraries and loader) or a static build from Debian's source is
#                          smaller compressed (tools/initramfs_inputs.sh measures both)
#   /bin/busybox, /bin/sh  the rescue shell (left out with --no-shell): by default busybox
#                          built static from Debian's source with tools/busybox-rescue.config's
#                          applets only; --busybox debian takes busybox-static:arm64 whole
#   /dev/console           a character node 5:1 (the kernel opens it for /init's stdio)
#   /dev /proc /sys /run /tmp /mnt   empty mount points
#   /lib/modules/<ver>/... with --modules DIR (a kernel's lib/modules/<ver> tree): the QEMU
#                          profile's modules (xhci-pci, xhci-hcd, usb-storage, sd_mod, md-mod,
#                          raid0, ext4; more with --module) and everything they need, .ko or
#                          .ko.xz as the kernel ships them
#   /lib/modules/load-order  the absolute paths of those modules, one a line, dependencies
#                          first, computed now from DIR's modules.dep (made with `depmod -b`
#                          in a scratch copy if DIR has none; DIR is never written); lines
#                          starting with '#' are comments, the first names the kernel release.
#                          The init loads them in this order with finit_module(2).
#   /etc/mdboot-initramfs.txt  what went in: versions, mdadm option, module list
#
# Reproducible: the same inputs give the same bytes (entries sorted, owner 0:0, every mtime
# SOURCE_DATE_EPOCH (default 0), modes normalised, single-threaded compressors with fixed
# options; see tools/newc.py), wherever the checkout is (tools/initramfs_repro_test.sh).
# Needs no privileges. Prints the compressed size; without modules the budget is 1.5 MB
# (1,500,000 bytes) compressed, the room the board's 16 MiB SPI flash leaves, and exceeding it
# is an error (not checked with --compress none, which is for looking inside). Downloads and
# builds are cached outside the checkout (tools/initramfs_inputs.sh, $FDT_INITRAMFS_CACHE);
# what they give depends on their inputs only, not on when or by whom the cache was filled.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
die() { printf 'build_initramfs: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf 'build_initramfs: %s\n' "$*" >&2; }
usage() { sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

BUDGET=1500000
PROFILE_MODULES=(xhci-pci xhci-hcd usb-storage sd_mod md-mod raid0 ext4)
out="" moddir="" init="" shell=1 compress=xz extra_modules=() files=() busybox=rescue
while (($#)); do
  case $1 in
    -o) out=${2:?}; shift 2 ;;
    --modules) moddir=${2:?}; shift 2 ;;
    --init) init=${2:?}; shift 2 ;;
    --no-shell) shell=0; shift ;;
    --module) extra_modules+=("${2:?}"); shift 2 ;;
    --file) files+=("${2:?}"); shift 2 ;;
    --compress) compress=${2:?}; shift 2 ;;
    --busybox) busybox=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n $out ]] || usage
case $compress in xz|gzip|zstd|none) ;; *) die "--compress $compress: expected xz, gzip, zstd or none" ;; esac
case $busybox in rescue|debian) ;; *) die "--busybox $busybox: expected rescue or debian" ;; esac
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

# --- the init -------------------------------------------------------------------
default_init() { # builds //init:mdboot for aarch64 the way tools/e2e.sh builds the CLI
  grep -qs 'name = "mdboot"' "$REPO/init/BUILD.bazel" \
    || die "no --init given and //init:mdboot does not exist yet: pass --init PATH"
  (cd "$REPO" && tools/make_sysroot.sh >/dev/null)
  # shellcheck source=tools/output_base.sh
  . "$HERE/output_base.sh"
  local base="${FDT_HANDOFF_AARCH64_BASE:-$(output_base_for aarch64)}"
  (cd "$REPO" && bazel --output_base="$base" build --config=aarch64 --symlink_prefix=/ //init:mdboot >&2) \
    || die "bazel build --config=aarch64 //init:mdboot failed"
  echo "$(cd "$REPO" && bazel --output_base="$base" info --config=aarch64 bazel-bin 2>/dev/null)/init/mdboot"
}
[[ -n $init ]] || init=$(default_init) || exit 1
[[ -r $init ]] || die "--init $init: cannot read it"
if [[ $(head -c4 "$init" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
  readelf -h "$init" | grep -q 'Machine:.*AArch64' || die "--init $init: not an AArch64 ELF"
  ! readelf -l "$init" | grep -q INTERP || die "--init $init: dynamically linked (the initramfs has no libraries for it)"
  init_kind="static aarch64 ELF"
else
  interp=$(head -n1 "$init" | sed -n 's/^#![[:space:]]*\([^[:space:]]*\).*/\1/p')
  [[ -n $interp ]] || die "--init $init: neither an ELF nor a #! script"
  [[ $interp == /bin/sh || $interp == /bin/busybox ]] || die "--init $init: interpreter $interp is not in the initramfs (only /bin/sh, /bin/busybox)"
  ((shell)) || die "--init $init: a script needs busybox, but --no-shell leaves it out"
  init_kind="script for $interp"
fi

# --- inputs ------------------------------------------------------------------
env_file=$("$HERE/initramfs_inputs.sh") || die "tools/initramfs_inputs.sh failed"
# shellcheck disable=SC1090
. "$env_file"

st=$(mktemp -d "${TMPDIR:-/tmp}/build_initramfs.XXXXXX")
trap 'rm -rf "$st"' EXIT
root=$st/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,run,tmp,mnt,etc,lib}
if [[ $init_kind == static* ]]; then   # symbols are dead weight in the flash
  aarch64-linux-gnu-strip -o "$root/init" "$init" && chmod 0755 "$root/init"
else
  install -m 0755 "$init" "$root/init"
fi
cp -a "$MDADM_ROOT/." "$root/"
if ((shell)); then
  if [[ $busybox == debian ]]; then bb=$BUSYBOX_DEBIAN; else bb=$BUSYBOX_RESCUE; fi
  install -m 0755 "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
fi
for f in "${files[@]}"; do
  IFS=: read -r src dest mode <<<"$f"
  [[ -r $src && -n $dest ]] || die "--file $f: cannot read '$src' or no destination"
  mkdir -p "$root$(dirname "$dest")"
  install -m "${mode:-0644}" "$src" "$root$dest"
done
manifest=$root/etc/mdboot-initramfs.txt
{
  echo "init: $(basename "$init") ($init_kind, $(sha256sum <"$init" | cut -c1-16))"
  echo "mdadm: $MDADM_VERSION ($MDADM_CHOICE; debian+libs ${MDADM_DEBIAN_XZ} B xz, static ${MDADM_STATIC_XZ} B xz)"
  if ((shell)); then echo "busybox: $BUSYBOX_VERSION ($busybox)"; fi
} >"$manifest"

# --- modules -------------------------------------------------------------------
# depmod's files for DIR: DIR's own, else made in a scratch tree of symlinks to DIR's files.
depmod_dir() { # $1=DIR $2=release ; prints the folder holding modules.dep
  if [[ -s $1/modules.dep ]]; then echo "$1"; return; fi
  command -v depmod >/dev/null || die "--modules $1 has no modules.dep and depmod is missing (package kmod)"
  mkdir -p "$st/depmod/lib/modules"
  cp -rs "$1" "$st/depmod/lib/modules/$2"
  depmod -b "$st/depmod" "$2" || die "depmod -b on a copy of $1 failed"
  echo "$st/depmod/lib/modules/$2"
}
nmods=0
if [[ -n $moddir ]]; then
  moddir=$(cd "$moddir" 2>/dev/null && pwd) || die "--modules $moddir: no such folder"
  [[ -d $moddir/kernel ]] || die "--modules $moddir: no kernel/ inside (expected a lib/modules/<version> tree)"
  rel=$(basename "$moddir")
  dd=$(depmod_dir "$moddir" "$rel")
  mkdir -p "$root/lib/modules"
  order=$(python3 "$HERE/module_order.py" --dep-dir "$dd" "${PROFILE_MODULES[@]}" "${extra_modules[@]}") \
    || die "cannot order the modules of $moddir"
  {
    echo "# kernel $rel"
    while read -r m; do
      [[ -r $moddir/$m ]] || die "--modules $moddir: $m is in modules.dep but not in the tree"
      mkdir -p "$root/lib/modules/$rel/$(dirname "$m")"
      install -m 0644 "$moddir/$m" "$root/lib/modules/$rel/$m"
      echo "/lib/modules/$rel/$m"; nmods=$((nmods + 1))
    done <<<"$order"
  } >"$root/lib/modules/load-order"
  echo "modules: $rel, $nmods files, for: ${PROFILE_MODULES[*]} ${extra_modules[*]}" >>"$manifest"
elif ((${#extra_modules[@]})); then
  die "--module needs --modules DIR"
fi

# --- archive -------------------------------------------------------------------
python3 "$HERE/newc.py" --root "$root" --node /dev/console:c:5:1:0600 -o "$st/initramfs.cpio"
case $compress in
  xz)   xz -9e --check=crc32 -T1 -c "$st/initramfs.cpio" >"$st/out" ;;   # the kernel wants crc32
  gzip) gzip -n -9 -c "$st/initramfs.cpio" >"$st/out" ;;
  zstd) zstd -q -19 -T1 -c "$st/initramfs.cpio" >"$st/out" ;;
  none) cp "$st/initramfs.cpio" "$st/out" ;;
esac
size=$(stat -c %s "$st/out")
raw=$(stat -c %s "$st/initramfs.cpio")
log "$out: $size bytes ($compress), $raw uncompressed; init $(stat -c %s "$root/init") B," \
    "mdadm $MDADM_CHOICE, $( ((shell)) && echo "busybox $busybox" || echo 'no shell'), $nmods modules"
if [[ -z $moddir && $compress == none ]]; then   # the budget counts compressed bytes
  log "budget not checked: --compress none (for looking inside, not for the flash)"
elif [[ -z $moddir ]]; then   # checked before OUT is written: nothing over budget is left behind
  ((size <= BUDGET)) || die "$out: $size bytes exceeds the budget of $BUDGET bytes without modules (not written)"
  log "budget without modules: $size of $BUDGET bytes"
fi
mkdir -p "$(dirname "$out")"
mv "$st/out" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
