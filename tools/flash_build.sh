# Sourced by tools/build_flash.sh: builds the flash image's components from the pinned
# Debian sources (tools/flash_sources.sh) into $CACHE/build/<component>-<key>/, where
# <key> hashes every input: the source's .dsc hash, the recipe (this file's function
# text), the repository files it reads and the cross compiler's version. An unchanged
# key reuses the directory; anything else builds into a temporary directory that is
# renamed into place only when complete.
#
# Needs: CACHE, REPO, JOBS, SOURCE_DATE_EPOCH, log(), die(), flash_source, flash_pin.
#   flash_bl31       prints the dir holding bl31.bin (TF-A, PLAT=sun50i_h616)
#   flash_uboot      prints the dir holding u-boot-sunxi-with-spl.bin, u-boot-initial-env,
#                    mkimage and mkenvimage (built from the same source)
#   flash_kernel     prints the dir holding Image, .config and the Zero 2W DTB (-@)
# Long builds log to <dir>.tmp/build.log; the path is printed when they fail.

CROSS=aarch64-linux-gnu-
KBUILD_ENV=(KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH" KBUILD_BUILD_USER=mdboot
            KBUILD_BUILD_HOST=fdt-handoff KBUILD_BUILD_VERSION=1)

# A key over strings and files: prints the first 16 hex digits of a sha256.
input_key() { # args: "s:STRING" or "f:FILE"
  local a
  for a in "$@"; do
    case $a in
      s:*) printf 's %s\n' "${a#s:}" ;;
      f:*) [[ -r ${a#f:} ]] || die "cannot read ${a#f:}"; printf 'f %s\n' "$(sha256sum <"${a#f:}")" ;;
    esac
  done | sha256sum | cut -c1-16
}
compiler_id() { "${CROSS}gcc" --version | sed -n 1p; }

# Runs RECIPE SRC OUT into $CACHE/build/NAME-KEY unless it exists; prints the dir.
cached_build() { # $1=name $2=key $3=recipe function, rest: recipe args
  local name=$1 key=$2 recipe=$3 dir="$CACHE/build/$1-$2" t0
  shift 3
  if [[ -e $dir/.done ]]; then log "$name: cached ($dir)"; echo "$dir"; return; fi
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  log "$name: building (log: $dir.tmp/build.log)"
  t0=$(date +%s)
  # A subshell of its own with errexit (errexit is off inside a `cmd || ...` list).
  set +e
  (set -e; "$recipe" "$dir.tmp" "$@") >"$dir.tmp/build.log" 2>&1
  local rc=$?
  set -e
  ((rc == 0)) || { tail -20 "$dir.tmp/build.log" >&2; die "$name: build failed, see $dir.tmp/build.log"; }
  echo "$(( $(date +%s) - t0 ))" >"$dir.tmp/seconds"
  log "$name: built in $(cat "$dir.tmp/seconds") s"
  touch "$dir.tmp/.done"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
  echo "$dir"
}

# Checks that every CONFIG_ line of FRAGMENT is in CONFIG as written (after olddefconfig).
check_fragment() { # $1=fragment $2=resulting .config $3=what
  local line missing=()
  while IFS= read -r line; do
    [[ $line =~ ^CONFIG_ ]] || continue
    grep -qxF "$line" "$2" || missing+=("$line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$2" || echo absent))")
  done <"$1"
  ((${#missing[@]} == 0)) || die "$3: olddefconfig dropped ${#missing[@]} option(s) of $1: ${missing[*]}"
}

# --- TF-A BL31 ---------------------------------------------------------------------
bl31_recipe() { # $1=out $2=src
  local out=$1 src=$2
  # BUILD_MESSAGE_TIMESTAMP and BUILD_STRING replace __DATE__/__TIME__ and git describe
  make -C "$src" -j"$JOBS" CROSS_COMPILE="$CROSS" PLAT=sun50i_h616 DEBUG=0 \
    BUILD_BASE="$out/build" BUILD_MESSAGE_TIMESTAMP="\"$SOURCE_DATE_EPOCH\"" \
    BUILD_STRING="debian-$(basename "$src")" bl31
  cp "$out/build/sun50i_h616/release/bl31.bin" "$out/bl31.bin"
  rm -rf "$out/build"
}
flash_bl31() {
  local src sha
  src=$(flash_source arm-trusted-firmware); sha=$(cat "$src/.unpacked")
  cached_build bl31 "$(input_key "s:$sha" "s:$(declare -f bl31_recipe)" "s:$(compiler_id)" "s:$SOURCE_DATE_EPOCH")" \
    bl31_recipe "$src"
}

# --- U-Boot for the Orange Pi Zero 2W ----------------------------------------------
uboot_recipe() { # $1=out $2=src $3=bl31 dir
  local out=$1 src=$2 bl31=$3 b="$1/build"
  # The env text must sit in board/sunxi/ of the tree (CONFIG_ENV_SOURCE_FILE names
  # it): a hard-linked copy of the tree gets it, the cached source stays pristine.
  cp -al "$src" "$out/src"
  rm -f "$out/src/board/sunxi/mdboot.env"
  cp "$REPO/flash/u-boot-mdboot.env" "$out/src/board/sunxi/mdboot.env"
  make -C "$out/src" O="$b" CROSS_COMPILE="$CROSS" orangepi_zero2w_defconfig
  "$out/src/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "$REPO/flash/u-boot.config"
  make -C "$out/src" O="$b" CROSS_COMPILE="$CROSS" olddefconfig
  check_fragment "$REPO/flash/u-boot.config" "$b/.config" "U-Boot"
  # binman runs under Debian's python3 (python3-pyelftools, python3-libfdt), not a pyenv
  PATH="/usr/bin:$PATH" make -C "$out/src" O="$b" -j"$JOBS" CROSS_COMPILE="$CROSS" \
    BL31="$bl31/bl31.bin" SCP=/dev/null SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" all u-boot-initial-env
  cp "$b/u-boot-sunxi-with-spl.bin" "$b/u-boot-initial-env" "$b/.config" "$out/"
  cp "$b/tools/mkimage" "$b/tools/mkenvimage" "$out/"
  rm -rf "$b" "$out/src"
}
flash_uboot() { # $1=bl31 dir
  local src sha
  src=$(flash_source u-boot); sha=$(cat "$src/.unpacked")
  cached_build u-boot "$(input_key "s:$sha" "s:$(declare -f uboot_recipe check_fragment)" "s:$(compiler_id)" \
      "f:$1/bl31.bin" "f:$REPO/flash/u-boot.config" "f:$REPO/flash/u-boot-mdboot.env" "s:$SOURCE_DATE_EPOCH")" \
    uboot_recipe "$src" "$1"
}

# --- the mdboot kernel and the Zero 2W DTB -----------------------------------------
KERNEL_DTB=allwinner/sun50i-h618-orangepi-zero2w.dtb
kernel_recipe() { # $1=out $2=src
  local out=$1 src=$2 b="$1/build" mk
  mk=(make -C "$src" O="$b" ARCH=arm64 CROSS_COMPILE="$CROSS" "${KBUILD_ENV[@]}")
  "${mk[@]}" allnoconfig
  "$src/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "$REPO/flash/mdboot-kernel.config"
  "${mk[@]}" olddefconfig
  check_fragment "$REPO/flash/mdboot-kernel.config" "$b/.config" "kernel"
  "${mk[@]}" -j"$JOBS" Image
  # -@: __symbols__, so our USB overlay applies with stock fdtoverlay semantics
  "${mk[@]}" DTC_FLAGS=-@ "$KERNEL_DTB"
  cp "$b/arch/arm64/boot/Image" "$b/.config" "$out/"
  cp "$b/arch/arm64/boot/dts/$KERNEL_DTB" "$out/zero2w.dtb"
  cp "$b/include/config/kernel.release" "$out/release"
  rm -rf "$b"
}
flash_kernel() {
  local src sha
  src=$(flash_source linux); sha=$(cat "$src/.unpacked")
  cached_build kernel "$(input_key "s:$sha" "s:$(declare -f kernel_recipe check_fragment)" \
      "s:${KBUILD_ENV[*]}" "s:$KERNEL_DTB" "s:$(compiler_id)" "f:$REPO/flash/mdboot-kernel.config")" \
    kernel_recipe "$src"
}
