#!/usr/bin/env bash
# tools/initramfs_repro_test.sh - same commit, same initramfs bytes, wherever and whenever it
# is built: clones this checkout's HEAD into two folders of different names and lengths,
# builds the default initramfs in each (tools/build_initramfs.sh -o OUT: //init:mdboot,
# static mdadm, rescue busybox, xz) and compares the bytes.
#
#   tools/initramfs_repro_test.sh [--quick] [--keep]
#
# Each clone has its own Bazel output base (tools/output_base.sh) and builds //init:mdboot
# without the shared disk cache: a cached result would hide a path the compiler wrote into
# an object, because Bazel's cache keys do not contain the checkout's location. Each clone
# also fills its own initramfs inputs cache (busybox and mdadm built again from Debian's
# source; only downloads are shared with $FDT_INITRAMFS_CACHE), at a different time and with
# a different SOURCE_DATE_EPOCH in the environment (unset, then 86400): what the cache holds
# must depend on neither. 2 minutes on 2 idle cores, 3 loaded.
# --quick: both clones use the disk cache and the normal inputs cache, so only the
#          checkout's location varies (under a minute).
# --keep:  keep the clones and archives (they are kept anyway when the check fails).
# On a difference it names the members that differ (tools/newc.py --list) and exits 1.
# Only committed files are built: uncommitted changes in this checkout are not seen.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
INPUTS=${FDT_INITRAMFS_CACHE:-/var/cache/fdt-handoff/initramfs}
die() { printf '[initramfs_repro] FAIL: %s\n' "$*" >&2; exit 1; }
log() { printf '[initramfs_repro] %s\n' "$*" >&2; }

quick=0 keep=0
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --keep) keep=1; shift ;;
    *) die "unknown argument '$1' (tools/initramfs_repro_test.sh [--quick] [--keep])" ;;
  esac
done
commit=$(git -C "$REPO" rev-parse HEAD)
[[ -z $(git -C "$REPO" status --porcelain --untracked-files=no) ]] \
  || log "note: uncommitted changes in $REPO are not part of this check (it builds $commit)"

scratch=$(mktemp -d "${TMPDIR:-/var/tmp}/initramfs-repro.XXXXXX")
bases=()
cleanup() {
  local rc=$? base
  for base in "${bases[@]}"; do   # this script's own Bazel servers and output bases only
    bazel --output_base="$base" shutdown >/dev/null 2>&1 || true
    if ((rc == 0 && keep == 0)); then chmod -R u+w "$base" 2>/dev/null; rm -rf "$base"; fi
  done
  if ((rc == 0 && keep == 0)); then rm -rf "$scratch"; else log "kept: $scratch"; fi
}
trap cleanup EXIT

# Fills a fresh inputs cache for one clone: downloads shared, every build done again.
fresh_inputs() { # $1=clone $2=cache $3=SOURCE_DATE_EPOCH ("" = unset)
  mkdir -p "$2"
  local d
  for d in apt debs src; do
    [[ -e $INPUTS/$d ]] && ln -s "$INPUTS/$d" "$2/$d"
  done
  if [[ -n $3 ]]; then
    FDT_INITRAMFS_CACHE=$2 SOURCE_DATE_EPOCH=$3 "$1/tools/initramfs_inputs.sh" >/dev/null
  else
    env -u SOURCE_DATE_EPOCH FDT_INITRAMFS_CACHE="$2" "$1/tools/initramfs_inputs.sh" >/dev/null
  fi
}

# Clones HEAD into $scratch/$1 and builds its initramfs into $scratch/$1.cpio.xz.
build_in() { # $1=folder name $2=SOURCE_DATE_EPOCH for the inputs fill
  local c=$scratch/$1 base cache=$INPUTS start=$SECONDS
  if ! { git clone -q --no-checkout "$REPO" "$c" && git -C "$c" checkout -q --detach "$commit"; }; then
    die "cannot clone $REPO at $commit into $c"
  fi
  # shellcheck source=tools/output_base.sh
  base=$(. "$c/tools/output_base.sh" && output_base_for aarch64)
  bases+=("$base")
  if ((quick == 0)); then
    (cd "$c" && tools/make_sysroot.sh >/dev/null \
      && bazel --output_base="$base" build --config=aarch64 --disk_cache= --symlink_prefix=/ \
           //init:mdboot) >"$scratch/$1.bazel.log" 2>&1 \
      || { tail -20 "$scratch/$1.bazel.log" >&2; die "$1: bazel build //init:mdboot failed"; }
    cache=$scratch/$1.inputs
    fresh_inputs "$c" "$cache" "$2" 2>>"$scratch/$1.inputs.log" \
      || { tail -20 "$scratch/$1.inputs.log" >&2; die "$1: tools/initramfs_inputs.sh failed"; }
  fi
  (cd "$c" && FDT_INITRAMFS_CACHE=$cache tools/build_initramfs.sh -o "$scratch/$1.cpio.xz") \
    >"$scratch/$1.log" 2>&1 || { tail -20 "$scratch/$1.log" >&2; die "$1: tools/build_initramfs.sh failed"; }
  # Its own bazel call must have found the clone's own build, not the disk cache's.
  ((quick == 1)) || ! grep -q 'remote cache hit' "$scratch/$1.log" \
    || die "$1: build_initramfs.sh took //init:mdboot from the disk cache"
  log "$1: $(stat -c %s "$scratch/$1.cpio.xz") bytes, sha256 $(sha256sum <"$scratch/$1.cpio.xz" | cut -d' ' -f1) ($((SECONDS - start)) s)"
}

log "$commit, $( ((quick)) && echo 'quick: shared disk cache and inputs cache' || echo 'own builds') in $scratch"
build_in a ""
build_in checkout-b-in-a-longer-folder 86400
if ! cmp -s "$scratch/a.cpio.xz" "$scratch/checkout-b-in-a-longer-folder.cpio.xz"; then
  for n in a checkout-b-in-a-longer-folder; do
    xz -dc "$scratch/$n.cpio.xz" >"$scratch/$n.cpio"
    python3 "$HERE/newc.py" --list "$scratch/$n.cpio" >"$scratch/$n.list"
  done
  diff "$scratch/a.list" "$scratch/checkout-b-in-a-longer-folder.list" >&2 || true
  die "the two initramfs differ (members above: mode owner mtime size sha256 path)"
fi
log "PASS: same bytes from both folders"
