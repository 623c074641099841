# Sourced by tools/build_flash.sh: the steps after the component builds, each cheap
# enough to run every time (no cache): the DTB with our overlay, the initramfs, the FIT,
# the environment image, the 16 MiB assembly and its printed map.
#
# Needs: REPO, CACHE, SOURCE_DATE_EPOCH, log(), die().

LAYOUT="$REPO/flash/layout.txt"
FLASH_SIZE=$((16 * 1024 * 1024))
OVERLAY_LABELS=(ehci2 ohci2 ehci3 ohci3)   # what fdt/overlays/...-usb.dts switches on

# Prints "OFFSET SIZE" (decimal) of a flash/layout.txt region.
region() { # $1=name
  local off size
  read -r off size < <(awk -v n="$1" '$1==n {print $2, $3; exit}' "$LAYOUT")
  [[ -n $off ]] || die "$LAYOUT: no region '$1'"
  echo "$((off)) $((size))"
}

# Our CLI, built by Bazel for the host (the same binary the README's demo runs).
fdt_handoff_cli() {
  (cd "$REPO" && bazel build //tools:fdt-handoff //fdt/overlays:zero2w_usb >&2) \
    || die "bazel build //tools:fdt-handoff //fdt/overlays:zero2w_usb failed"
  echo "$(cd "$REPO" && bazel info bazel-bin 2>/dev/null)"
}

# The kernel's Zero 2W DTB (built with -@) with the USB overlay; checks the ports are on.
flash_dtb() { # $1=kernel dir $2=work dir ; prints the DTB path
  local bin out="$2/zero2w-usb.dtb" label path
  bin=$(fdt_handoff_cli)
  "$bin/tools/fdt-handoff" apply "$1/zero2w.dtb" "$bin/fdt/overlays/sun50i-h618-orangepi-zero2w-usb.dtbo" \
    -o "$out" >&2 || die "fdt-handoff apply of the USB overlay on $1/zero2w.dtb failed"
  for label in "${OVERLAY_LABELS[@]}"; do
    path=$(fdtget "$out" /__symbols__ "$label") || die "$out: no label $label in /__symbols__"
    [[ $(fdtget "$out" "$path" status) == okay ]] || die "$out: $label ($path) is not okay after the overlay"
  done
  echo "$out"
}

# The mdboot initramfs from tools/build_initramfs.sh (issue 7) when this tree has it.
flash_initramfs() { # $1=work dir ; prints the path
  [[ -x $REPO/tools/build_initramfs.sh ]] \
    || die "no --initramfs FILE given and tools/build_initramfs.sh is not in this tree yet"
  "$REPO/tools/build_initramfs.sh" -o "$1/initramfs.cpio.xz" >&2 || die "tools/build_initramfs.sh failed"
  echo "$1/initramfs.cpio.xz"
}

# The FIT: the kernel LZMA-compressed (U-Boot 2025.01 has LZMA and gzip, not xz/zstd).
flash_fit() { # $1=u-boot dir $2=kernel dir $3=dtb $4=initramfs $5=out
  local w=${5%/*} release
  release=$(cat "$2/release")
  lzma -9 -c "$2/Image" >"$w/Image.lzma"
  sed -e "s|@KERNEL@|$w/Image.lzma|" -e "s|@FDT@|$3|" -e "s|@RAMDISK@|$4|" -e "s|@RELEASE@|$release|g" \
    "$REPO/flash/mdboot.its" >"$w/mdboot.its"
  "$1/mkimage" -f "$w/mdboot.its" "$5" >"$w/mkimage.log" 2>&1 \
    || { cat "$w/mkimage.log" >&2; die "mkimage -f $w/mdboot.its failed"; }
}

# The environment region: U-Boot's whole default environment (with ours), CRC'd.
flash_env() { # $1=u-boot dir $2=out image $3=out text
  local size want have
  read -r _ size < <(region env)
  want=$(awk '$1=="payload"{print $2}' "$LAYOUT")
  have=$(sed -n 's/^mdboot_offset=//p' "$1/u-boot-initial-env")
  (( have == want )) || die "flash/u-boot-mdboot.env: mdboot_offset=$have, flash/layout.txt puts the payload at $want"
  grep -q '^bootcmd=run mdboot_spi' "$1/u-boot-initial-env" || die "$1/u-boot-initial-env: bootcmd does not run mdboot_spi"
  cp "$1/u-boot-initial-env" "$3"
  "$1/mkenvimage" -s "$size" -p 0xff -o "$2" "$3" || die "mkenvimage failed"
}

# Places each file at its region's offset in an 0xff-filled 16 MiB image (temp + rename).
flash_assemble() { # $1=out $2=u-boot $3=env $4=payload
  local tmp="$1.tmp" name file off size len
  head -c "$FLASH_SIZE" /dev/zero | tr '\0' '\377' >"$tmp"
  for name in u-boot env payload; do
    case $name in u-boot) file=$2 ;; env) file=$3 ;; payload) file=$4 ;; esac
    read -r off size < <(region "$name")
    len=$(stat -c %s "$file")
    (( len <= size )) || { rm -f "$tmp"; die "$file ($len bytes) does not fit region $name ($size bytes)"; }
    dd if="$file" of="$tmp" bs=64K seek="$off" oflag=seek_bytes conv=notrunc status=none
  done
  (( $(stat -c %s "$tmp") == FLASH_SIZE )) || { rm -f "$tmp"; die "$tmp is not $FLASH_SIZE bytes"; }
  mv "$tmp" "$1"
}

# The map: regions with used/free bytes, the FIT's parts, versions and checksums.
flash_map() { # $1=image $2=bl31 $3=u-boot $4=kernel $5=initramfs $6=work
  local name off size len file
  printf '%s: %d bytes, sha256 %s\n' "$1" "$(stat -c %s "$1")" "$(sha256sum <"$1" | cut -d' ' -f1)"
  printf '%-8s %-10s %-10s %10s %10s\n' region offset size used free
  for name in u-boot env payload; do
    case $name in u-boot) file=$3/u-boot-sunxi-with-spl.bin ;; env) file=$6/env.bin ;; payload) file=$6/mdboot.itb ;; esac
    read -r off size < <(region "$name")
    len=$(stat -c %s "$file")
    printf '%-8s 0x%08x 0x%08x %10d %10d\n' "$name" "$off" "$size" "$len" $((size - len))
  done
  printf 'FIT parts: kernel Image %d -> lzma %d, DTB %d, initramfs %d\n' "$(stat -c %s "$4/Image")" \
    "$(stat -c %s "$6/Image.lzma")" "$(stat -c %s "$6/zero2w-usb.dtb")" "$(stat -c %s "$5")"
  printf 'sources: %s\n' "$(awk '$1=="src"||$1=="deb"{printf "%s %s; ", $2, $3}' "$REPO/flash/sources.txt")"
  printf 'kernel %s, BL31 %d bytes, SOURCE_DATE_EPOCH=%s\n' "$(cat "$4/release")" \
    "$(stat -c %s "$2/bl31.bin")" "$SOURCE_DATE_EPOCH"
}
