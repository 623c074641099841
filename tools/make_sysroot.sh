#!/usr/bin/env bash
# Builds the arm64 sysroot that `bazel build --config=aarch64` compiles and
# links against: Debian 12's arm64 -dev packages of our system libraries
# (libfdt, zlib, zstd, GoogleTest/GoogleMock), unpacked with `dpkg-deb -x`
# into one folder, and Abseil built from Debian's source package. Nothing is
# installed as arm64: the arm64 -dev packages do not co-install with the
# host's, and no other Debian suite is ever added to apt's sources.
#
# Abseil is compiled here, not taken from libabsl-dev, for the size of the
# static binaries (bench/README.md, "Binary size"): Debian builds it without
# -ffunction-sections, so --gc-sections can only keep or drop whole objects,
# and Cord's, str_format's and the time zones' objects drag libstdc++'s
# iostreams and locales in. The recipe: the source package of exactly the
# version apt offers as libabsl-dev:arm64 (so the headers are Debian's,
# patches applied), fetched through a private apt configuration
# (tools/debian_apt.sh: the signed Sources index vouches for the .dsc,
# dpkg-source -x checks the tarballs against the .dsc's hashes),
# cross-compiled with CMake as Debian does (C++17, static) but -Os
# -ffunction-sections -fdata-sections, and installed over the sysroot's
# usr/. Host builds keep Debian's libabsl-dev.
#
# libc, libstdc++ and libgcc for the target come with the cross compiler
# (g++-aarch64-linux-gnu, under /usr/aarch64-linux-gnu and
# /usr/lib/gcc-cross), which keeps finding them when given --sysroot; the
# sysroot only holds what the cross compiler lacks.
#
# Where: ${FDT_HANDOFF_SYSROOT:-DEFAULT_SYSROOT of toolchain/sysroot.bzl},
# outside the repository. The default path names the recipe's version
# (RECIPE below), so checkouts on different recipes use different sysroots
# instead of rebuilding one in turn; change RECIPE and DEFAULT_SYSROOT
# together. The Bazel toolchain learns the same path from the same variable
# through the @aarch64_sysroot repository, so set it (or not) alike for
# both. Downloads are cached in ${FDT_HANDOFF_SYSROOT_CACHE:-
# /var/cache/fdt-handoff/sysroot}, shared by all checkouts.
#
# Idempotent: $SYSROOT/.stamp lists the recipe and every package with its
# version; the sysroot is rebuilt only when that changes (new package,
# Debian update). `--force` rebuilds anyway. One run at a time per sysroot
# (flock on $SYSROOT.lock).
#
#   tools/make_sysroot.sh [--force]     prints the sysroot's path
set -euo pipefail
export LC_ALL=C
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

RECIPE=4  # The "-r4" of DEFAULT_SYSROOT in toolchain/sysroot.bzl.
default_sysroot="$(sed -n 's/^DEFAULT_SYSROOT = "\(.*\)"$/\1/p' "$HERE/../toolchain/sysroot.bzl")"
if [[ "$default_sysroot" != *-r$RECIPE ]]; then
  echo "make_sysroot: toolchain/sysroot.bzl's DEFAULT_SYSROOT ($default_sysroot)" \
       "does not end in -r$RECIPE" >&2
  exit 1
fi
SYSROOT="${FDT_HANDOFF_SYSROOT:-$default_sysroot}"
CACHE="${FDT_HANDOFF_SYSROOT_CACHE:-/var/cache/fdt-handoff/sysroot}"
ARCH=arm64
# Static linking needs the .a files, which the -dev packages carry; the
# runtime packages only complete the .so symlinks the -dev packages ship.
packages=(
  libfdt-dev libfdt1
  zlib1g-dev zlib1g
  libzstd-dev libzstd1
  libgtest-dev libgmock-dev
)
# Built from source (see above): only its version is taken from apt.
absl_dev=libabsl-dev
# Abseil's compiler flags; CMAKE_BUILD_TYPE=MinSizeRel adds -Os -DNDEBUG.
absl_flags="-g0 -ffunction-sections -fdata-sections"

force=0
[[ "${1:-}" == "--force" ]] && force=1

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

log() { echo "make_sysroot: $*" >&2; }
die() { log "$*"; exit 1; }

# Downloads the source package abseil=$1 into $CACHE/src (kept there: apt
# checks files already present against the index and skips them).
fetch_abseil_source() {
  # shellcheck disable=SC2034  # read by debian_mirrors.sh / debian_apt.sh
  SOURCES_FILE="${FDT_E2E_SOURCES:-/etc/apt/sources.list.d/debian.sources}"
  # shellcheck disable=SC2034
  KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
  # shellcheck source=tools/debian_mirrors.sh
  . "$HERE/debian_mirrors.sh"
  # shellcheck source=tools/debian_apt.sh
  . "$HERE/debian_apt.sh"
  mkdir -p "$CACHE/src"
  (
    flock 8  # The cache is shared by every checkout's sysroot.
    apt_setup sysroot bookworm,bookworm-updates bookworm-security src
    cd "$CACHE/src"
    apt-get "${APT_OPTS[@]}" source --download-only "abseil=$1" >&2 ||
      die "apt-get source abseil=$1 failed"
  ) 8>"$CACHE/lock"
}

# Cross-compiles Abseil $1 (the version of libabsl-dev) into $2/usr, as
# the header comment says. Logs to $work/abseil.log.
build_abseil() {
  local version="${1%+b[0-9]*}" dest=$2 src="$work/abseil-src" dsc
  fetch_abseil_source "$version"
  dsc="$CACHE/src/abseil_${version#*:}.dsc"
  [[ -f "$dsc" ]] || die "no $dsc after apt-get source"
  dpkg-source -x "$dsc" "$src" >"$work/abseil.log" 2>&1 ||
    { cat "$work/abseil.log" >&2; die "dpkg-source -x $dsc failed"; }
  log "compiling Abseil $version (log: $work/abseil.log)"
  if ! { cmake -S "$src" -B "$work/abseil-build" -G Ninja \
           -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
           -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc \
           -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ \
           -DCMAKE_BUILD_TYPE=MinSizeRel \
           "-DCMAKE_CXX_FLAGS=$absl_flags -ffile-prefix-map=$src=abseil" \
           -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF \
           -DCMAKE_INSTALL_PREFIX=/usr \
           -DCMAKE_INSTALL_LIBDIR=lib/aarch64-linux-gnu &&
         ninja -C "$work/abseil-build" &&
         DESTDIR="$dest" ninja -C "$work/abseil-build" install; } \
       >>"$work/abseil.log" 2>&1; then
    tail -40 "$work/abseil.log" >&2
    die "the Abseil build failed"
  fi
}

candidates() {  # prints "name:arm64 version" for every package apt knows
  apt-cache policy "${packages[@]/%/:$ARCH}" "$absl_dev:$ARCH" 2>/dev/null | awk '
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
if [[ $(wc -l <<<"$want") -ne $((${#packages[@]} + 1)) ]]; then
  log "apt's lists lack some $ARCH packages; apt-get update"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  want="$(candidates)"
fi
for p in "${packages[@]}" "$absl_dev"; do
  if ! grep -q "^$p:$ARCH " <<<"$want"; then
    log "apt has no $p:$ARCH" && exit 1
  fi
done
absl_version="$(awk -v p="$absl_dev:$ARCH" '$1 == p { print $2 }' <<<"$want")"
stamp_text="# fdt-handoff arm64 sysroot, made by tools/make_sysroot.sh (recipe $RECIPE)
$(grep -v "^$absl_dev:" <<<"$want")
abseil $absl_version from source: cmake MinSizeRel $absl_flags
"

# One run at a time per sysroot; a second one waits, then finds the stamp.
mkdir -p "$(dirname "$SYSROOT")"
exec 9>"$SYSROOT.lock"
flock 9

if [[ $force -eq 0 && -f "$SYSROOT/.stamp" ]] &&
   [[ "$(cat "$SYSROOT/.stamp")" == "$(printf '%s' "$stamp_text")" ]]; then
  echo "$SYSROOT"
  exit 0
fi

log "building $SYSROOT"
work="$(mktemp -d "${TMPDIR:-/tmp}/fdt-sysroot.XXXXXX")"
new="$SYSROOT.new.$$"
trap 'rm -rf "$work" "$new"' EXIT
mkdir "$work/debs"
# apt downloads as the unprivileged _apt user where it can.
chmod 755 "$work"
if [[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1; then
  chown _apt "$work/debs"
fi
specs=()
while read -r name version; do
  [[ -n "$name" && "$name" != "$absl_dev:$ARCH" ]] && specs+=("$name=$version")
done <<<"$want"
(cd "$work/debs" && apt-get download -qq "${specs[@]}")

# Unpack next to the target, then swap it in, so an interrupted run never
# leaves a half-made sysroot behind a valid stamp.
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

t0=$SECONDS
build_abseil "$absl_version" "$new"
log "Abseil built in $((SECONDS - t0)) s"

for lib in libfdt.a libabsl_base.a libz.a libzstd.a libgtest.a libgmock.a; do
  if [[ ! -f "$new/usr/lib/aarch64-linux-gnu/$lib" ]]; then
    die "the new sysroot lacks usr/lib/aarch64-linux-gnu/$lib"
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
