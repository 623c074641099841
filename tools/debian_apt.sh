# Sourced by e2e/fetch.sh and tools/initramfs_inputs.sh: a private apt
# configuration per Debian suite family (arm64 binary indices, optionally
# source indices) in a cache directory, and the few queries the fetch
# scripts make through it. The system's apt sources are never touched.
#
# Needs: CACHE (cache root), KEYRING, MIRROR_MAIN / MIRROR_SEC
# (tools/debian_mirrors.sh), functions log() and die().
# Optional: APT_NO_UPDATE=1 reuses lists fetched earlier; DEB_CACHE, where
# fetch_deb keeps .debs (default $CACHE/debs), may be shared by several
# checkouts: a .deb appears there only complete (downloaded into a private
# folder beside it, then renamed), and its name fixes its content (package,
# version, architecture from the signed index).
#
#   apt_setup ID MAIN_SUITES SECURITY_SUITES [src]   sets APT_OPTS, SHOW_DIR
#   apt_field PKG[=VER] FIELD                        the candidate's field
#   deps_of PKG                                      first alternative of each (Pre-)Depends
#   fetch_deb PKG                                    downloads into $DEB_CACHE, prints path

APT_OPTS=()
apt_setup() { # $1=id $2=main suites (comma) $3=security suites (comma) [$4=src]
  local id=$1 d="$CACHE/apt/$1" s types="deb"
  [[ ${4:-} == src ]] && types="deb deb-src"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc"
  : >"$d/status"
  local want
  want=$(
    for t in $types; do
      for s in ${2//,/ }; do echo "$t [arch=arm64 signed-by=$KEYRING] $MIRROR_MAIN $s main"; done
      for s in ${3//,/ }; do echo "$t [arch=arm64 signed-by=$KEYRING] $MIRROR_SEC $s main"; done
    done)
  # A changed source list (e.g. deb-src added) invalidates the lists fetched for the old one.
  if [[ $want != "$(cat "$d/etc/sources.list" 2>/dev/null)" ]]; then
    printf '%s\n' "$want" >"$d/etc/sources.list"; rm -f "$d/updated"
  fi
  APT_OPTS=(-o "Dir::Etc::SourceList=$d/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
            -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=$d/status"
            -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Acquire::Languages=none
            -o APT::Sandbox::User=root -o quiet=1)
  SHOW_DIR=$d/show; rm -rf "$SHOW_DIR"; mkdir -p "$SHOW_DIR"
  if [[ ${APT_NO_UPDATE:-0} != 1 || ! -e "$d/updated" ]]; then
    log "$id: apt-get update (private config)"
    apt-get "${APT_OPTS[@]}" update >"$d/update.log" 2>&1 || { cat "$d/update.log" >&2; die "$id: apt-get update failed"; }
    touch "$d/updated"
  fi
}
apt_field() { # $1=package[=version] $2=field ; the candidate's field (records memoised per run)
  local m="$SHOW_DIR/${1//\//_}"
  [[ -e $m ]] || apt-cache "${APT_OPTS[@]}" -o APT::Cache::AllVersions=0 show "$1" >"$m" 2>/dev/null || true
  awk -v f="$2:" '$1==f{sub(/^[^:]*:[[:space:]]*/,""); print; exit}' "$m"
}
deps_of() { # $1=package ; first alternative of each Depends/Pre-Depends entry, names only
  { apt_field "$1" Pre-Depends; apt_field "$1" Depends; } | tr ',' '\n' \
    | sed -E 's/^ +//; s/ *\|.*//; s/ .*//; s/:any$//' | awk 'NF'
}

# Download a binary package into $DEB_CACHE (cached; apt verifies it against the signed
# index). The download lands in a private folder and is renamed into place, so another
# checkout reading the cache never sees a partial .deb, and two downloading the same one
# each rename a complete copy.
fetch_deb() { # $1=package ; prints the .deb path
  local p=$1 v dir="${DEB_CACHE:-$CACHE/debs}" f name tmp
  v=$(apt_field "$p" Version); [[ -n $v ]] || die "no candidate for $p"
  mkdir -p "$dir"
  for name in "${p}_${v//:/%3a}_arm64.deb" "${p}_${v//:/%3a}_all.deb"; do
    if [[ -s $dir/$name ]]; then echo "$dir/$name"; return 0; fi
  done
  log "downloading $p=$v"
  tmp=$(mktemp -d "$dir/.download.XXXXXX")
  (cd "$tmp" && apt-get "${APT_OPTS[@]}" download "$p=$v" >&2) \
    || { rm -rf "$tmp"; die "download of $p=$v failed"; }
  f=""
  for name in "${p}_${v//:/%3a}_arm64.deb" "${p}_${v//:/%3a}_all.deb"; do
    if [[ -s $tmp/$name ]]; then mv -f "$tmp/$name" "$dir/$name"; f="$dir/$name"; break; fi
  done
  rm -rf "$tmp"
  [[ -n $f ]] || die "expected ${p}_${v//:/%3a}_{arm64,all}.deb after downloading $p=$v"
  echo "$f"
}
