#!/usr/bin/env bash
# tools/initramfs_inputs.sh - the Debian arm64 userland the mdboot initramfs
# carries, fetched and built once into a cache outside the checkout:
#
#   mdadm, two ways, both measured (tools/build_initramfs.sh takes the one
#   that is smaller compressed):
#     debian  Debian bookworm's own arm64 /sbin/mdadm, plus exactly the
#             libraries its ELF NEEDED entries name (libudev.so.1, libc.so.6)
#             and the loader, from the arm64 .debs (apt-get download)
#     static  a static build of the same version from Debian's source package
#             (apt-get source: Debian's patches applied) with
#             aarch64-linux-gnu-gcc against the cross libc, -DNO_LIBUDEV
#   busybox two ways: "debian" = busybox-static:arm64 as Debian ships it (every applet; the
#           QEMU test scripts use it), "rescue" = Debian's busybox source built static with
#           only tools/busybox-rescue.config's options (the initramfs's rescue shell)
#
# Prints the path of an env file (MDADM_ROOT, MDADM_CHOICE, sizes, BUSYBOX_DEBIAN,
# BUSYBOX_RESCUE)
# that build_initramfs.sh sources. Every output directory is keyed by its
# inputs (package versions; for the static build also the source .dsc hash,
# this script's build recipe and the cross compiler's version), so a Debian
# update or a changed recipe makes a new one and an unchanged one is reused.
#
# Env: FDT_INITRAMFS_CACHE (default /var/cache/fdt-handoff/initramfs)
#      FDT_INITRAMFS_UPDATE=1     refresh the apt lists now (default: when older than a day)
#      FDT_E2E_SOURCES            sources file to read the mirror from
#      FDT_INITRAMFS_NO_SETUP=1   do not run tools/setup.sh --initramfs first
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FDT_INITRAMFS_CACHE:-/var/cache/fdt-handoff/initramfs}
SOURCES_FILE=${FDT_E2E_SOURCES:-/etc/apt/sources.list.d/debian.sources}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
log() { printf '[initramfs_inputs] %s\n' "$*" >&2; }
die() { printf '[initramfs_inputs] ERROR: %s\n' "$*" >&2; exit 1; }

[[ ${FDT_INITRAMFS_NO_SETUP:-0} == 1 ]] || "$HERE/setup.sh" --initramfs
for t in apt-get apt-cache dpkg-deb dpkg-source dpkg-parsechangelog python3 readelf make \
         aarch64-linux-gnu-gcc aarch64-linux-gnu-strip xz sha256sum; do
  command -v "$t" >/dev/null || die "missing tool: $t (tools/setup.sh --initramfs)"
done
# shellcheck source=tools/debian_mirrors.sh
. "$HERE/debian_mirrors.sh"
APT_NO_UPDATE=1
if [[ ${FDT_INITRAMFS_UPDATE:-0} == 1 || -z $(find "$CACHE/apt/bookworm/updated" -mmin -1440 2>/dev/null) ]]; then
  APT_NO_UPDATE=0
fi
# shellcheck source=tools/debian_apt.sh
. "$HERE/debian_apt.sh"
mkdir -p "$CACHE"
apt_setup bookworm bookworm,bookworm-updates bookworm-security src

ver() { apt_field "$1" Version; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
is_static() { ! readelf -l "$1" | grep -q INTERP; }
# Size of DIR's contents archived and compressed the way build_initramfs.sh does it
# (newc.py with mtime 0, xz -9e, one thread). It ends up in the initramfs's manifest, so
# it may depend on the files' bytes only: GNU cpio, used here before, stored their real
# mtimes (when the cache was filled), and two caches gave two manifests.
packed_size() {
  local cpio
  cpio=$(mktemp "$CACHE/tmp.XXXXXX") || return 1
  python3 "$HERE/newc.py" --root "$1" --mtime 0 -o "$cpio" \
    && xz -9e --check=crc32 -T1 -c "$cpio" | wc -c
  local rc=$?; rm -f "$cpio"; return $rc
}

# --- busybox ------------------------------------------------------------------
bb_ver=$(ver busybox-static)
BB_DIR="$CACHE/busybox/${bb_ver//:/%3a}"
if [[ ! -x $BB_DIR/busybox ]]; then
  tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
  dpkg-deb -x "$(fetch_deb busybox-static)" "$tmp"
  is_static "$tmp/bin/busybox" || die "busybox-static's /bin/busybox is not static"
  mkdir -p "$BB_DIR"; cp "$tmp/bin/busybox" "$BB_DIR/busybox.tmp"; mv "$BB_DIR/busybox.tmp" "$BB_DIR/busybox"
  rm -rf "$tmp"
fi

# --- busybox, rescue build: Debian's source, allnoconfig + tools/busybox-rescue.config --
bbsrc_dir="$CACHE/src/busybox-$bb_ver"
mkdir -p "$bbsrc_dir"
bbdsc=$(ls "$bbsrc_dir"/*.dsc 2>/dev/null | sed -n 1p || true)
if [[ -z $bbdsc ]]; then
  log "busybox (rescue): apt-get source busybox=$(ver busybox)"
  (cd "$bbsrc_dir" && apt-get "${APT_OPTS[@]}" source --download-only "busybox=$(ver busybox)" >&2) \
    || die "apt-get source busybox failed"
  bbdsc=$(ls "$bbsrc_dir"/*.dsc | sed -n 1p)
fi
# The recipe's version is part of the key: a changed recipe must not reuse an old build.
# 2: the build date comes from the source's debian/changelog (see bb_build).
bbr_key="recipe=2 $(sha256sum <"$bbdsc" | cut -d' ' -f1) $(sha256sum <"$HERE/busybox-rescue.config" | cut -d' ' -f1)"
bbr_key+=" $(aarch64-linux-gnu-gcc --version | sed -n 1p) $(dpkg-query -W -f='${Version}' libc6-dev-arm64-cross 2>/dev/null)"
BBR_DIR="$CACHE/busybox-rescue/$(printf '%s' "$bbr_key" | sha256sum | cut -c1-16)"
if [[ ! -e $BBR_DIR/done ]]; then
  log "busybox (rescue): building (log: $BBR_DIR/build.log)"
  rm -rf "$BBR_DIR"; mkdir -p "$BBR_DIR"
  dpkg-source --no-check -x "$bbdsc" "$BBR_DIR/build" >/dev/null   # apt checked the hashes
  bb_build() { # errexit does not reach into a function called left of ||: check each step
    cd "$BBR_DIR/build" || return 1
    # busybox's banner carries its build date (AUTOCONF_TIMESTAMP): SOURCE_DATE_EPOCH if
    # set, else the wall clock. The caller's value is not an input of this cached build,
    # so it is pinned to the source's last changelog entry, as dpkg-buildpackage does.
    SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l debian/changelog -S Timestamp) || return 1
    export SOURCE_DATE_EPOCH
    make allnoconfig >/dev/null || return 1
    local k v line
    while IFS='=' read -r k v; do
      sed -i "/^# $k is not set\$/d; /^$k=/d" .config; echo "$k=$v" >>.config
    done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$HERE/busybox-rescue.config")
    yes '' | make oldconfig >/dev/null 2>&1
    # every requested option must survive oldconfig (a typo, an unmet dependency)
    while read -r line; do
      grep -qx "$line" .config || { echo "tools/busybox-rescue.config: $line did not stick"; return 1; }
    done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$HERE/busybox-rescue.config")
    make -j"$(nproc)" CROSS_COMPILE=aarch64-linux-gnu- busybox
  }
  (bb_build) >"$BBR_DIR/build.log" 2>&1 || { tail -20 "$BBR_DIR/build.log" >&2; die "busybox rescue build failed"; }
  aarch64-linux-gnu-strip -o "$BBR_DIR/busybox" "$BBR_DIR/build/busybox"
  is_static "$BBR_DIR/busybox" || die "the rescue busybox is not static"
  rm -rf "$BBR_DIR/build" "$BBR_DIR"/*.orig.tar.*; echo "$bbr_key" >"$BBR_DIR/inputs"; touch "$BBR_DIR/done"
fi

# --- mdadm, option debian: Debian's binary + its NEEDED libraries + loader ----
md_ver=$(ver mdadm)
deb_key="mdadm=$md_ver libudev1=$(ver libudev1) libc6=$(ver libc6)"
DEB_DIR="$CACHE/mdadm-debian/$(printf '%s' "$deb_key" | sha256sum | cut -c1-16)"
if [[ ! -e $DEB_DIR/done ]]; then
  log "mdadm (debian): $deb_key"
  rm -rf "$DEB_DIR"; mkdir -p "$DEB_DIR/pkgroot" "$DEB_DIR/root/sbin"
  for p in mdadm libudev1 libc6; do dpkg-deb -x "$(fetch_deb "$p")" "$DEB_DIR/pkgroot"; done
  cp "$DEB_DIR/pkgroot/sbin/mdadm" "$DEB_DIR/root/sbin/mdadm"
  todo=("$DEB_DIR/root/sbin/mdadm"); seen=" "
  while ((${#todo[@]})); do
    elf=${todo[0]}; todo=("${todo[@]:1}")
    for so in $(needed "$elf"); do
      [[ $seen == *" $so "* ]] && continue; seen+="$so "
      rel=""
      for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
        [[ -e $DEB_DIR/pkgroot/$d/$so ]] && { rel=$d/$so; break; }
      done
      [[ -n $rel ]] || die "mdadm needs $so, which none of mdadm libudev1 libc6 ships"
      mkdir -p "$DEB_DIR/root/$(dirname "$rel")"; cp -L "$DEB_DIR/pkgroot/$rel" "$DEB_DIR/root/$rel"
      todo+=("$DEB_DIR/root/$rel")
    done
  done
  interp=$(readelf -l "$DEB_DIR/root/sbin/mdadm" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
  mkdir -p "$DEB_DIR/root$(dirname "$interp")"; cp -L "$DEB_DIR/pkgroot$interp" "$DEB_DIR/root$interp"
  rm -rf "$DEB_DIR/pkgroot"
  echo "$deb_key" >"$DEB_DIR/inputs"; touch "$DEB_DIR/done"
fi

# --- mdadm, option static: Debian's source, cross-compiled, no udev -------------
# The recipe below is part of the cache key: change a flag, get a new build.
MDADM_MAKE_ARGS=(CC=aarch64-linux-gnu-gcc CHECK_RUN_DIR=0 COROSYNC=-DNO_COROSYNC DLM=-DNO_DLM DEBIAN=yes
  "CXFLAGS=-Os -ffunction-sections -fdata-sections -DNO_LIBUDEV" "LDFLAGS=-Wl,--gc-sections"
  "EXTRAVERSION=Debian $md_ver static" CONFFILE=/etc/mdadm/mdadm.conf CONFFILE2=/etc/mdadm.conf)
src_dir="$CACHE/src/mdadm-$md_ver"
mkdir -p "$src_dir"
dsc=$(ls "$src_dir"/*.dsc 2>/dev/null | sed -n 1p || true)
if [[ -z $dsc ]]; then
  log "mdadm (static): apt-get source mdadm=$md_ver"
  (cd "$src_dir" && apt-get "${APT_OPTS[@]}" source --download-only "mdadm=$md_ver" >&2) \
    || die "apt-get source mdadm=$md_ver failed"
  dsc=$(ls "$src_dir"/*.dsc | sed -n 1p)
fi
static_key="$(sha256sum <"$dsc" | cut -d' ' -f1) ${MDADM_MAKE_ARGS[*]} $(aarch64-linux-gnu-gcc --version | sed -n 1p)"
static_key+=" libc6-dev-arm64-cross=$(dpkg-query -W -f='${Version}' libc6-dev-arm64-cross 2>/dev/null)"
ST_DIR="$CACHE/mdadm-static/$(printf '%s' "$static_key" | sha256sum | cut -c1-16)"
if [[ ! -e $ST_DIR/done ]]; then
  log "mdadm (static): building (log: $ST_DIR/build.log)"
  rm -rf "$ST_DIR"; mkdir -p "$ST_DIR/root/sbin"
  dpkg-source --no-check -x "$dsc" "$ST_DIR/build" >/dev/null   # apt checked the hashes
  make -C "$ST_DIR/build" -j"$(nproc)" "${MDADM_MAKE_ARGS[@]}" mdadm.static >"$ST_DIR/build.log" 2>&1 \
    || { tail -20 "$ST_DIR/build.log" >&2; die "mdadm static build failed"; }
  aarch64-linux-gnu-strip -o "$ST_DIR/root/sbin/mdadm" "$ST_DIR/build/mdadm.static"
  is_static "$ST_DIR/root/sbin/mdadm" || die "mdadm.static is not static"
  rm -rf "$ST_DIR/build" "$ST_DIR"/*.orig.tar.*
  echo "$static_key" >"$ST_DIR/inputs"; touch "$ST_DIR/done"
fi

# Only the current input set of each kind is kept.
for d in "$BBR_DIR" "$DEB_DIR" "$ST_DIR"; do
  find "$(dirname "$d")" -mindepth 1 -maxdepth 1 ! -name "$(basename "$d")" -exec rm -rf {} +
done

# --- measure both, pick the smaller compressed --------------------------------
# (packed_size.newc: the old packed_size files hold GNU cpio's mtime-dependent figures)
for d in "$DEB_DIR" "$ST_DIR"; do
  if [[ ! -s $d/packed_size.newc ]]; then
    packed_size "$d/root" >"$d/packed_size.newc.tmp" || die "measuring $d/root failed"
    mv "$d/packed_size.newc.tmp" "$d/packed_size.newc"
  fi
  [[ -s $d/raw_size ]] || du -sb --apparent-size "$d/root" | cut -f1 >"$d/raw_size"
done
deb_sz=$(cat "$DEB_DIR/packed_size.newc"); st_sz=$(cat "$ST_DIR/packed_size.newc")
if ((st_sz <= deb_sz)); then choice=static; root=$ST_DIR/root; else choice=debian; root=$DEB_DIR/root; fi
log "mdadm $md_ver: debian binary+libs $(cat "$DEB_DIR/raw_size") B, $deb_sz B xz;" \
    "static $(cat "$ST_DIR/raw_size") B, $st_sz B xz -> $choice"
env_file="$CACHE/inputs.env"
cat >"$env_file.tmp" <<ENV
MDADM_VERSION="$md_ver"
MDADM_CHOICE=$choice
MDADM_ROOT=$root
MDADM_DEBIAN_ROOT=$DEB_DIR/root
MDADM_STATIC_ROOT=$ST_DIR/root
MDADM_DEBIAN_BYTES=$(cat "$DEB_DIR/raw_size")
MDADM_DEBIAN_XZ=$deb_sz
MDADM_STATIC_BYTES=$(cat "$ST_DIR/raw_size")
MDADM_STATIC_XZ=$st_sz
BUSYBOX_DEBIAN=$BB_DIR/busybox
BUSYBOX_RESCUE=$BBR_DIR/busybox
BUSYBOX_VERSION="$bb_ver"
ENV
mv "$env_file.tmp" "$env_file"
echo "$env_file"
