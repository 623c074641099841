#!/usr/bin/env bash
# e2e/mkinitramfs.sh - build a newc initramfs from busybox-static (+ kexec-tools) + files.
#
#   e2e/mkinitramfs.sh -o OUT[.gz] [--kexec] [--file SRC:DEST[:MODE]]...
#
# Always: /bin/busybox (applet links are made at boot by `busybox --install -s`),
# /lib/e2e-lib.sh, /dev/console. --kexec adds /sbin/kexec, the libraries its NEEDED
# entries name and the loader (from e2e/fetch.sh's root/). OUT ending in .gz is gzip'd
# (-n -1), anything else is a plain cpio (fastest to boot under TCG).
# Reproducible: sorted entries, owner 0:0, mtime 0 (GNU cpio --reproducible).
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/output_base.sh
. "$HERE/../tools/output_base.sh"
CACHE=${FDT_E2E_CACHE:-$(output_base_for e2e)}  # e2e/fetch.sh's, this checkout's
die() { printf '[e2e/mkinitramfs] ERROR: %s\n' "$*" >&2; exit 1; }

out="" kexec=0 files=()
while (($#)); do
  case $1 in
    -o) out=$2; shift 2 ;;
    --kexec) kexec=1; shift ;;
    --file) files+=("$2"); shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ -n $out ]] || die "usage: $0 -o OUT [--kexec] [--file SRC:DEST[:MODE]]..."
[[ -r $CACHE/artifacts.env ]] || die "run e2e/fetch.sh first"
# shellcheck disable=SC1091
. "$CACHE/artifacts.env"

st=$(mktemp -d "${TMPDIR:-/tmp}/e2e-initramfs.XXXXXX")
trap 'rm -rf "$st"' EXIT
mkdir -p "$st"/{bin,sbin,lib,dev,proc,sys,tmp,etc,usr/bin,usr/sbin}
install -m 0755 "$ROOT/bin/busybox" "$st/bin/busybox"
install -m 0644 "$HERE/guest-lib.sh" "$st/lib/e2e-lib.sh"
mknod -m 0600 "$st/dev/console" c 5 1
if ((kexec)); then
  install -m 0755 "$ROOT/sbin/kexec" "$st/sbin/kexec"
  cp -a "$ROOT/lib/." "$st/lib/"
  mkdir -p "$st$(dirname "$KEXEC_INTERP")"
  [[ -e $st$KEXEC_INTERP ]] || install -m 0755 "$ROOT$KEXEC_INTERP" "$st$KEXEC_INTERP"
fi
for f in "${files[@]}"; do
  IFS=: read -r src dest mode <<<"$f"
  [[ -r $src ]] || die "cannot read $src"
  mkdir -p "$st$(dirname "$dest")"
  install -m "${mode:-0644}" "$src" "$st$dest"
done

find "$st" -exec touch -h -d @0 {} +
tmp="$out.tmp.$$"
if [[ $out == *.gz ]]; then
  (cd "$st" && find . -mindepth 1 | sort | cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -n -1 >"$tmp"
else
  (cd "$st" && find . -mindepth 1 | sort | cpio -o -H newc -R 0:0 --reproducible --quiet) >"$tmp"
fi
mv "$tmp" "$out"
