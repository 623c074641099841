#!/usr/bin/env bash
# e2e/fetch.sh - fetch and unpack the Debian arm64 pieces the QEMU harness boots.
#
#   kernel/bookworm/Image   bookworm's current linux-image-*-arm64 (stage 1, and stage 2 of
#                           the same-kernel run), decompressed from /boot/vmlinuz-*
#   kernel/trixie/Image     trixie's current linux-image-6.12*-arm64 (stage 2, cross-version)
#   root/                   busybox-static:arm64, kexec-tools:arm64 (/sbin/kexec) and exactly
#                           the arm64 libraries its ELF NEEDED entries name (+ the loader)
#   artifacts.env           the paths and versions above, for mkinitramfs.sh and run.sh
#
# everything under $FDT_E2E_CACHE, outside the repo: by default
# /var/tmp/fdt-handoff-e2e-<hash of this checkout> (tools/output_base.sh), so checkouts
# running the e2e at the same time never rebuild each other's kernels, root/ or apt lists.
# Only the downloaded .debs are shared, in $FDT_E2E_DEBS (default /var/tmp/fdt-handoff-debs):
# each appears there complete or not at all (tools/debian_apt.sh's fetch_deb).
# Idempotent: a second run only re-resolves versions (FDT_E2E_NO_UPDATE=1 skips even that).
#
# Other suites are reached only through a private apt configuration in the cache dir
# (never through the system's sources); the mirror URI is read at run time from
# /etc/apt/sources.list.d/debian.sources, like testdata/fetch_corpus.sh.
# Host tools it needs (qemu-system-arm, cpio, dtc) come from `tools/setup.sh --e2e`,
# which this script runs first.
#
# Env: FDT_E2E_CACHE, FDT_E2E_DEBS, FDT_E2E_NO_UPDATE=1, FDT_E2E_SOURCES (sources file to
#      read the mirror from)
#      FDT_E2E_NO_SETUP=1  do not run tools/setup.sh --e2e
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/output_base.sh
. "$HERE/../tools/output_base.sh"
CACHE=${FDT_E2E_CACHE:-$(output_base_for e2e)}
DEB_CACHE=${FDT_E2E_DEBS:-/var/tmp/fdt-handoff-debs}
SOURCES_FILE=${FDT_E2E_SOURCES:-/etc/apt/sources.list.d/debian.sources}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf '[e2e/fetch] %s\n' "$*" >&2; }
die() { printf '[e2e/fetch] ERROR: %s\n' "$*" >&2; exit 1; }
# A small file written whole or not at all (a run killed midway leaves the old one).
put() { printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"; }

# Fast path: nothing to re-resolve and everything from the last run is still there.
STAMP="$(cat "$HERE/fetch.sh" "$HERE/../tools/debian_apt.sh" | sha256sum | cut -d" " -f1)"
if [[ ${FDT_E2E_NO_UPDATE:-0} == 1 && -r $CACHE/artifacts.env && $(cat "$CACHE/fetch.stamp" 2>/dev/null) == "$STAMP" ]] \
   && (. "$CACHE/artifacts.env" && [[ -s $KERNEL_TRIXIE && -s $KERNEL_BOOKWORM && -x $ROOT/sbin/kexec && -x $ROOT/bin/busybox ]]); then
  exit 0
fi
rm -f "$CACHE/fetch.stamp"

if [[ ${FDT_E2E_NO_SETUP:-0} != 1 ]]; then
  bash "$HERE/../tools/setup.sh" --e2e
fi
for t in apt-get apt-cache dpkg-deb readelf gzip tar awk; do
  command -v "$t" >/dev/null || die "missing tool: $t"
done

# ---------------------------------------------------------------------------
# Mirror URIs from the system's deb822 sources (main archive + security).
# shellcheck source=tools/debian_mirrors.sh
. "$HERE/../tools/debian_mirrors.sh"

# Private apt configuration per suite family (arm64 binary indices only).
APT_NO_UPDATE=${FDT_E2E_NO_UPDATE:-0}
# shellcheck source=tools/debian_apt.sh
. "$HERE/../tools/debian_apt.sh"

# Unpack a kernel package's /boot/vmlinuz-* and decompress it to a raw arm64 Image.
extract_kernel() { # $1=id $2=.deb ; sets KREL
  local id=$1 deb=$2 out="$CACHE/kernel/$1" tmp v magic
  tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
  v=$(ls "$tmp"/boot/vmlinuz-* | sed -n 1p); [[ -n $v ]] || die "$id: no /boot/vmlinuz-* in $deb"
  KREL=${v##*/vmlinuz-}
  mkdir -p "$out"
  magic=$(od -An -tx1 -N2 "$v" | tr -d ' ')
  case $magic in
    1f8b) gzip -dc "$v" >"$out/Image.tmp" ;;           # Debian arm64: gzip'd Image
    4d5a)                                              # "MZ": raw Image or EFI zboot
      if [[ $(dd if="$v" bs=1 skip=4 count=4 2>/dev/null) == zimg ]]; then
        die "$id: $v is an EFI zboot image; teach extract_kernel to unpack its payload"
      fi
      cp "$v" "$out/Image.tmp" ;;
    *) die "$id: unknown kernel format (magic $magic) in $v" ;;
  esac
  # arm64 Image header: magic "ARM\x64" at offset 56
  [[ $(dd if="$out/Image.tmp" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' ') == 41524d64 ]] \
    || die "$id: decompressed $v is not an arm64 Image (no ARM\\x64 magic at 56)"
  mv "$out/Image.tmp" "$out/Image"
  rm -f "$out/vmlinuz"
  put "$out/release" "$KREL"
  put "$out/vmlinuz.magic" "$magic"
  rm -rf "$tmp"
}

# Resolve the current kernel image package of a suite via the linux-image-arm64 metapackage.
kernel_pkg() { # $1=required prefix regex ; prints the package name
  local img
  img=$(deps_of linux-image-arm64 | grep -E "^linux-image-[0-9].*-arm64(-unsigned)?$" | sed -n 1p)
  [[ -n $img ]] || die "cannot resolve the kernel image package from linux-image-arm64"
  [[ $img =~ $1 ]] || die "linux-image-arm64 points at $img, expected $1"
  echo "$img"
}

mkdir -p "$CACHE"
ENV_OUT="$CACHE/artifacts.env.tmp"
: >"$ENV_OUT"

# --- trixie: the 6.12 stage-2 kernel -----------------------------------------
apt_setup trixie trixie,trixie-updates trixie-security
pkg=$(kernel_pkg '^linux-image-6\.12')
ver=$(apt_field "$pkg" Version)
deb=$(fetch_deb "$pkg")
if [[ ! -s $CACHE/kernel/trixie/Image || $(cat "$CACHE/kernel/trixie/deb" 2>/dev/null) != "$deb" ]]; then
  log "trixie: extracting $pkg $ver"
  rm -f "$CACHE/kernel/trixie/deb"  # Written last: it says the Image above is complete.
  extract_kernel trixie "$deb"; put "$CACHE/kernel/trixie/deb" "$deb"
fi
echo "KERNEL_TRIXIE=$CACHE/kernel/trixie/Image" >>"$ENV_OUT"
echo "KERNEL_TRIXIE_PKG=\"$pkg $ver\"" >>"$ENV_OUT"
echo "KERNEL_TRIXIE_RELEASE=$(cat "$CACHE/kernel/trixie/release")" >>"$ENV_OUT"
echo "KERNEL_TRIXIE_VMLINUZ_MAGIC=$(cat "$CACHE/kernel/trixie/vmlinuz.magic")" >>"$ENV_OUT"

# --- bookworm: stage-1 kernel, busybox, kexec-tools and its libraries ----------
apt_setup bookworm bookworm,bookworm-updates bookworm-security
pkg=$(kernel_pkg '^linux-image-6\.1\.')
ver=$(apt_field "$pkg" Version)
deb=$(fetch_deb "$pkg")
if [[ ! -s $CACHE/kernel/bookworm/Image || $(cat "$CACHE/kernel/bookworm/deb" 2>/dev/null) != "$deb" ]]; then
  log "bookworm: extracting $pkg $ver"
  rm -f "$CACHE/kernel/bookworm/deb"
  extract_kernel bookworm "$deb"; put "$CACHE/kernel/bookworm/deb" "$deb"
fi
echo "KERNEL_BOOKWORM=$CACHE/kernel/bookworm/Image" >>"$ENV_OUT"
echo "KERNEL_BOOKWORM_PKG=\"$pkg $ver\"" >>"$ENV_OUT"
echo "KERNEL_BOOKWORM_RELEASE=$(cat "$CACHE/kernel/bookworm/release")" >>"$ENV_OUT"
echo "KERNEL_BOOKWORM_VMLINUZ_MAGIC=$(cat "$CACHE/kernel/bookworm/vmlinuz.magic")" >>"$ENV_OUT"

# Userland: unpack every package into pkgroot/, then copy only what is needed into root/.
PKGROOT="$CACHE/pkgroot"; ROOT="$CACHE/root"
rm -rf "$PKGROOT" "$ROOT"; mkdir -p "$PKGROOT" "$ROOT/bin" "$ROOT/sbin" "$ROOT/lib"
unpack() { dpkg-deb -x "$(fetch_deb "$1")" "$PKGROOT"; echo "$1=$(apt_field "$1" Version)" >>"$CACHE/userland.txt"; }
: >"$CACHE/userland.txt"
unpack busybox-static
unpack kexec-tools
cp "$PKGROOT/bin/busybox" "$ROOT/bin/busybox"
cp "$PKGROOT/sbin/kexec" "$ROOT/sbin/kexec"
readelf -h "$ROOT/bin/busybox" | grep -q 'AArch64' || die "busybox is not aarch64"
[[ -z $(readelf -l "$ROOT/bin/busybox" | grep INTERP || true) ]] || die "busybox-static is not static"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

find_lib() { # $1=soname ; path in PKGROOT or empty
  local d
  for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
    if [[ -e $PKGROOT/$d/$1 ]]; then echo "$PKGROOT/$d/$1"; return 0; fi
  done
  return 0
}
# dpkg-shlibdeps computed kexec-tools' library Depends from the same NEEDED entries, so the
# packages that ship a needed soname are in the closure of its (and their) library Depends
# (on arm64 that includes Xen's libxenmisc: Debian builds kexec-tools with Xen support).
# Fetch only the packages that actually ship a soname some ELF in the closure needs.
candidates=(); seen_pkgs=" kexec-tools busybox-static "
add_candidates() { local d; for d in $(deps_of "$1" | grep -E '^(lib|zlib)' || true); do
  [[ $seen_pkgs == *" $d "* ]] || { candidates+=("$d"); seen_pkgs+="$d "; }; done; }
add_candidates kexec-tools
ships() { dpkg-deb -c "$1" | awk '{print $6}' | grep -E "/$2\$" >/dev/null; }
log "kexec NEEDED: $(needed "$ROOT/sbin/kexec" | tr '\n' ' ')"
todo=("$ROOT/sbin/kexec"); done_libs=" "
while ((${#todo[@]})); do
  elf=${todo[0]}; todo=("${todo[@]:1}")
  for so in $(needed "$elf"); do
    [[ $done_libs == *" $so "* ]] && continue
    p=$(find_lib "$so")
    i=0
    while [[ -z $p && $i -lt ${#candidates[@]} ]]; do
      d=${candidates[$i]}; i=$((i+1))
      [[ $d == DONE:* ]] && continue
      deb=$(fetch_deb "$d")
      if ships "$deb" "$so"; then
        unpack "$d"; add_candidates "$d"; candidates[$((i-1))]="DONE:$d"
        p=$(find_lib "$so")
      fi
    done
    [[ -n $p ]] || die "no package in kexec-tools' library dependency closure ships $so"
    cp -L "$p" "$ROOT/lib/$so"
    done_libs+="$so "
    todo+=("$ROOT/lib/$so")
  done
done
interp=$(readelf -l "$ROOT/sbin/kexec" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[[ -n $interp ]] || die "kexec has no program interpreter"
li=$(find_lib "${interp##*/}"); [[ -n $li ]] || die "loader $interp not found in libc6"
mkdir -p "$ROOT/$(dirname "$interp")"; cp -L "$li" "$ROOT/$interp"
log "kexec libraries: $(cd "$ROOT/lib" && ls | tr '\n' ' ')(+ loader $interp)"
{
  echo "ROOT=$ROOT"
  echo "KEXEC_INTERP=$interp"
  echo "KEXEC_LIBS=\"$(cd "$ROOT/lib" && ls | tr '\n' ' ')\""
  echo "USERLAND=\"$(tr '\n' ' ' <"$CACHE/userland.txt")\""
} >>"$ENV_OUT"
mv "$ENV_OUT" "$CACHE/artifacts.env"
put "$CACHE/fetch.stamp" "$STAMP"
log "ok: $CACHE/artifacts.env"
cat "$CACHE/artifacts.env" >&2
