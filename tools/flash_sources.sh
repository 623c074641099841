# Sourced by tools/build_flash.sh and e2e/flash/run.sh: fetches the pinned Debian
# packages of flash/sources.txt through a private apt configuration (tools/debian_apt.sh,
# the system's sources are never touched), checks each against its pinned sha256 and
# unpacks it into the cache, once.
#
# Needs: CACHE, REPO, log(), die().
#   flash_sources_setup                 private apt lists (refreshed when older than a day,
#                                       or FDT_FLASH_UPDATE=1)
#   flash_pin KIND PACKAGE              prints "VERSION SHA256" from flash/sources.txt
#   flash_source PACKAGE                unpacks the pinned source (Debian's patches applied),
#                                       prints the tree's path: $CACHE/src/PACKAGE_VERSION
#   flash_deb PACKAGE                   the pinned binary .deb's path

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SOURCES_FILE=${FDT_E2E_SOURCES:-/etc/apt/sources.list.d/debian.sources}
FLASH_PINS="$REPO/flash/sources.txt"

flash_sources_setup() {
  local main sec
  read -r main sec < <(awk '$1=="suites"{print $2, $3; exit}' "$FLASH_PINS")
  [[ -n $main ]] || die "$FLASH_PINS: no 'suites' line"
  # shellcheck source=tools/debian_mirrors.sh
  . "$REPO/tools/debian_mirrors.sh"
  APT_NO_UPDATE=1
  if [[ ${FDT_FLASH_UPDATE:-0} == 1 || -z $(find "$CACHE/apt/flash/updated" -mmin -1440 2>/dev/null) ]]; then
    APT_NO_UPDATE=0
  fi
  # shellcheck source=tools/debian_apt.sh
  . "$REPO/tools/debian_apt.sh"
  apt_setup flash "$main" "$sec" src
}

flash_pin() { # $1=src|deb $2=package
  local line
  line=$(awk -v k="$1" -v p="$2" '$1==k && $2==p {print $3, $4; exit}' "$FLASH_PINS")
  [[ -n $line ]] || die "$FLASH_PINS: no '$1 $2' line"
  echo "$line"
}

# Explains why a pinned version cannot be fetched: not listed any more, or listed but 404.
pin_missing() { # $1=src|deb $2=package $3=version $4=apt log
  local listed
  if [[ $1 == src ]]; then
    listed=$(apt-cache "${APT_OPTS[@]}" showsrc "$2" 2>/dev/null | awk '$1=="Version:"{print $2}' | sort -u | tr '\n' ' ')
  else
    listed=$(apt-cache "${APT_OPTS[@]}" madison "$2" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u | tr '\n' ' ')
  fi
  if [[ " $listed " == *" $3 "* ]]; then
    die "$2 $3 (flash/sources.txt): listed by the archive but not served: $(grep -m1 -E 'E: |Err' "$4")"
  fi
  die "$2 $3 (flash/sources.txt): the archive no longer lists it (it lists: ${listed:-nothing}); pin one that downloads and update its sha256"
}

check_sha() { # $1=file $2=expected $3=what
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $got == "$2" ]] || die "$3: $1 has sha256 $got, flash/sources.txt pins $2 (the archive changed it?)"
}

flash_source() { # $1=package ; prints the unpacked tree
  local pkg=$1 ver sha dl="$CACHE/src/dl" tree dsc tmp
  read -r ver sha < <(flash_pin src "$pkg")
  tree="$CACHE/src/${pkg}_${ver}"
  if [[ -e $tree/.unpacked && $(cat "$tree/.unpacked") == "$sha" ]]; then echo "$tree"; return; fi
  dsc="$dl/${pkg}_${ver#*:}.dsc"
  mkdir -p "$dl"
  if [[ ! -s $dsc ]]; then
    log "downloading source $pkg=$ver"
    (cd "$dl" && apt-get "${APT_OPTS[@]}" source --download-only "$pkg=$ver") >"$dl/$pkg.log" 2>&1 \
      || pin_missing src "$pkg" "$ver" "$dl/$pkg.log"
  fi
  check_sha "$dsc" "$sha" "$pkg $ver"
  log "unpacking $pkg $ver"
  rm -rf "$tree" "$tree.tmp"
  dpkg-source -x "$dsc" "$tree.tmp" >"$dl/$pkg.unpack.log" 2>&1 \
    || { tail -5 "$dl/$pkg.unpack.log" >&2; die "dpkg-source -x $dsc failed"; }
  echo "$sha" >"$tree.tmp/.unpacked"
  mv "$tree.tmp" "$tree"
  echo "$tree"
}

flash_deb() { # $1=package ; prints the .deb
  local pkg=$1 ver sha dir="$CACHE/debs" f
  read -r ver sha < <(flash_pin deb "$pkg")
  mkdir -p "$dir"
  f=$(ls "$dir/${pkg}_${ver//:/%3a}"_*.deb 2>/dev/null | sed -n 1p)
  if [[ -z $f ]]; then
    log "downloading $pkg=$ver"
    (cd "$dir" && apt-get "${APT_OPTS[@]}" download "$pkg=$ver") >"$dir/$pkg.log" 2>&1 \
      || pin_missing deb "$pkg" "$ver" "$dir/$pkg.log"
    f=$(ls "$dir/${pkg}_${ver//:/%3a}"_*.deb 2>/dev/null | sed -n 1p)
  fi
  [[ -n $f ]] || die "$pkg $ver: no .deb in $dir after download"
  check_sha "$f" "$sha" "$pkg $ver"
  echo "$f"
}
