#!/usr/bin/env bash
# Builds the arm64 sysroot that `bazel build --config=aarch64` compiles and
# links against: Debian 12's arm64 -dev packages of our system libraries
# (libfdt, Abseil, zlib, zstd, GoogleTest/GoogleMock), unpacked with
# `dpkg-deb -x` into one folder. Nothing is installed as arm64: the arm64
# -dev packages do not co-install with the host's, and no other Debian
# suite is ever added to apt's sources.
#
# libc, libstdc++ and libgcc for the target come with the cross compiler
# (g++-aarch64-linux-gnu, under /usr/aarch64-linux-gnu and
# /usr/lib/gcc-cross), which keeps finding them when given --sysroot; the
# sysroot only holds what the cross compiler lacks.
#
# Where: ${FDT_HANDOFF_SYSROOT:-/var/tmp/fdt-handoff-sysroot-arm64}, outside
# the repository. The Bazel toolchain learns the same path from the same
# variable through the @aarch64_sysroot repository (toolchain/sysroot.bzl),
# so set it (or not) alike for both.
#
# Idempotent: $SYSROOT/.stamp lists every package with its version; the
# sysroot is rebuilt only when that list changes (new package, Debian
# update). `--force` rebuilds anyway.
#
#   tools/make_sysroot.sh [--force]     prints the sysroot's path
set -euo pipefail

SYSROOT="${FDT_HANDOFF_SYSROOT:-/var/tmp/fdt-handoff-sysroot-arm64}"
ARCH=arm64
# Static linking needs the .a files, which the -dev packages carry; the
# runtime packages only complete the .so symlinks the -dev packages ship.
packages=(
  libfdt-dev libfdt1
  libabsl-dev libabsl20220623
  zlib1g-dev zlib1g
  libzstd-dev libzstd1
  libgtest-dev libgmock-dev
)

force=0
[[ "${1:-}" == "--force" ]] && force=1

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

log() { echo "make_sysroot: $*" >&2; }

candidates() {  # prints "name:arm64 version" for every package apt knows
  apt-cache policy "${packages[@]/%/:$ARCH}" 2>/dev/null | awk '
    /^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
    /^  Candidate:/ && $2 != "(none)" { print name, $2 }'
}

# apt must know the arm64 packages: add the architecture (harmless: it adds
# no source) and refresh the lists if a candidate is missing.
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
  log "dpkg --add-architecture $ARCH"
  "${sudo[@]}" dpkg --add-architecture "$ARCH"
fi
want="$(candidates)"
if [[ $(wc -l <<<"$want") -ne ${#packages[@]} ]]; then
  log "apt's lists lack some $ARCH packages; apt-get update"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  want="$(candidates)"
fi
for p in "${packages[@]}"; do
  if ! grep -q "^$p:$ARCH " <<<"$want"; then
    log "apt has no $p:$ARCH" && exit 1
  fi
done
stamp_text="# fdt-handoff arm64 sysroot, made by tools/make_sysroot.sh (format 3)
$want
"

if [[ $force -eq 0 && -f "$SYSROOT/.stamp" ]] &&
   [[ "$(cat "$SYSROOT/.stamp")" == "$(printf '%s' "$stamp_text")" ]]; then
  echo "$SYSROOT"
  exit 0
fi

log "building $SYSROOT"
work="$(mktemp -d "${TMPDIR:-/tmp}/fdt-sysroot.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/debs"
# apt downloads as the unprivileged _apt user where it can.
chmod 755 "$work"
if [[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1; then
  chown _apt "$work/debs"
fi
specs=()
while read -r name version; do
  [[ -n "$name" ]] && specs+=("$name=$version")
done <<<"$want"
(cd "$work/debs" && apt-get download -qq "${specs[@]}")

# Unpack next to the target, then swap it in, so an interrupted run never
# leaves a half-made sysroot behind a valid stamp.
new="$SYSROOT.new.$$"
rm -rf "$new"
mkdir -p "$new"
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$new"
done
rm -rf "$new/usr/share/doc" "$new/usr/share/man"

# The -dev packages' absolute symlinks (if any) would point at the host's
# files: make them relative to the sysroot.
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  if [[ "$target" == /* ]]; then
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$new$target")" "$link"
  fi
done < <(find "$new" -type l -print0)

for lib in libfdt.a libabsl_base.a libz.a libzstd.a libgtest.a libgmock.a; do
  if [[ ! -f "$new/usr/lib/aarch64-linux-gnu/$lib" ]]; then
    log "unpacked packages lack usr/lib/aarch64-linux-gnu/$lib"
    rm -rf "$new"
    exit 1
  fi
done

# Static links need every Abseil archive the named ones depend on (the .so
# files record that themselves, the .a files don't), so the toolchain
# (toolchain/cc_toolchain_config.bzl) ends each link with this linker
# script: one group of all Abseil archives, of which ld takes only the
# members still needed.
{
  echo "/* Made by tools/make_sysroot.sh: all Abseil archives, as one group. */"
  echo "GROUP ("
  (cd "$new/usr/lib/aarch64-linux-gnu" && ls libabsl_*.a) |
    sed -e 's|^lib|  -l|' -e 's|\.a$||'
  echo ")"
} >"$new/fdt-handoff-static-deps.ld"

printf '%s' "$stamp_text" >"$new/.stamp"
rm -rf "$SYSROOT"
mv "$new" "$SYSROOT"
log "done: $(du -sh "$SYSROOT" | cut -f1)"
echo "$SYSROOT"
