#!/usr/bin/env bash
# fetch_corpus.sh - (re)build the H616/H618 device-tree corpus under testdata/.
#
# For each Debian kernel line (bookworm 6.1, trixie 6.12, sid 7.x) it
#   1. resolves the current arm64 kernel via the linux-image-arm64 metapackage,
#      downloads the binary package that ships the DTBs and copies every
#      allwinner/sun50i-h616*.dtb and sun50i-h618*.dtb to corpus/<major.minor>/;
#   2. downloads Debian's `linux` source package of exactly that version,
#      extracts only what the DTS build needs, applies the Debian patches that
#      touch those files (if any) and compiles the same boards with `dtc -@`
#      (the way kbuild does, plus -@) into corpus-symbols/<major.minor>/;
#   3. regenerates PROVENANCE.md, SHA256SUMS and corpus.bzl, and rebuilds the
#      live fixtures via make_live_fixture.sh.
#
# Other suites are reached only through a private apt configuration kept in the
# cache dir (never through the system's sources). The mirror URIs are read at
# run time from /etc/apt/sources.list.d/debian.sources.
#
# Usage: testdata/fetch_corpus.sh            (from any cwd; idempotent)
# Env:   FDT_CORPUS_CACHE  cache dir (default /var/tmp/fdt-corpus-cache)
#        FDT_CORPUS_NO_UPDATE=1  reuse the cached apt lists (no `apt-get update`)
#        FDT_CORPUS_SOURCES  sources file to read the mirror from
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FDT_CORPUS_CACHE:-/var/tmp/fdt-corpus-cache}
SOURCES_FILE=${FDT_CORPUS_SOURCES:-/etc/apt/sources.list.d/debian.sources}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Kernel lines: <apt line id>:<suites in the main archive>:<suites in the security archive>
LINES=(
  "bookworm:bookworm,bookworm-updates:bookworm-security"
  "trixie:trixie,trixie-updates:trixie-security"
  "sid:sid:"
)
# dtc warnings kbuild disables by default (scripts/Makefile.lib, no W=), limited to
# the checks that dtc 1.6.1 knows.
DTC_WNO=(-Wno-unit_address_vs_reg -Wno-avoid_unnecessary_addr_size -Wno-alias_paths
         -Wno-graph_child_address -Wno-simple_bus_reg -Wno-unique_unit_address
         -Wno-interrupt_provider)
BOARD_GLOB='sun50i-h61[68]*'

log() { printf '[fetch_corpus] %s\n' "$*" >&2; }
die() { printf '[fetch_corpus] ERROR: %s\n' "$*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb dtc fdtget cpp xz tar patch sha256sum awk; do
  command -v "$t" >/dev/null || die "missing tool: $t"
done

# ---------------------------------------------------------------------------
# Mirror URIs from the system's deb822 sources (main archive + security).
# shellcheck source=tools/debian_mirrors.sh
. "$HERE/../tools/debian_mirrors.sh"

# ---------------------------------------------------------------------------
# Private apt configuration per line.
APT_OPTS=()
apt_setup() { # $1=id $2=main suites (comma) $3=security suites (comma)
  local id=$1 d="$CACHE/apt/$1" s
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc"
  : >"$d/status"
  {
    for s in ${2//,/ }; do
      echo "deb [arch=arm64 signed-by=$KEYRING] $MIRROR_MAIN $s main"
      echo "deb-src [signed-by=$KEYRING] $MIRROR_MAIN $s main"
    done
    for s in ${3//,/ }; do
      echo "deb [arch=arm64 signed-by=$KEYRING] $MIRROR_SEC $s main"
      echo "deb-src [signed-by=$KEYRING] $MIRROR_SEC $s main"
    done
  } >"$d/etc/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$d/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
            -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=$d/status"
            -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Acquire::Languages=none
            -o APT::Sandbox::User=root -o quiet=1)
  if [[ ${FDT_CORPUS_NO_UPDATE:-0} != 1 || ! -e "$d/updated" ]]; then
    log "$id: apt-get update (private config)"
    apt-get "${APT_OPTS[@]}" update >"$d/update.log" 2>&1 || { cat "$d/update.log" >&2; die "$id: apt-get update failed"; }
    touch "$d/updated"
  fi
}
apt_field() { # $1=package[=version] $2=field ; prints the field of the candidate record
  apt-cache "${APT_OPTS[@]}" -o APT::Cache::AllVersions=0 show "$1" 2>/dev/null | awk -v f="$2:" '$1==f{sub(/^[^:]*:[[:space:]]*/,""); print; exit}'
}

# Download a binary package into $CACHE/debs (cached; apt verifies the index hash).
fetch_deb() { # $1=package $2=version ; prints the .deb path
  local p=$1 v=$2 dir="$CACHE/debs" f
  mkdir -p "$dir"
  f="$dir/${p}_${v//:/%3a}_arm64.deb"
  if [[ ! -s $f ]]; then
    log "downloading $p=$v"
    (cd "$dir" && apt-get "${APT_OPTS[@]}" download "$p=$v" >&2) || die "download of $p=$v failed"
  fi
  [[ -s $f ]] || die "expected $f after download"
  echo "$f"
}

# ---------------------------------------------------------------------------
STAGE="$CACHE/stage"
rm -rf "$STAGE"; mkdir -p "$STAGE/corpus" "$STAGE/corpus-symbols" "$STAGE/meta"

process_line() { # $1=id $2=main suites $3=security suites
  local id=$1
  apt_setup "$@"

  # 1. the current kernel, resolved through the metapackage
  local meta metaver dep img ver
  meta=linux-image-arm64
  metaver=$(apt_field "$meta" Version)
  [[ -n $metaver ]] || die "$id: no $meta"
  img=$(apt_field "$meta" Depends | tr ',' '\n' | sed -E 's/^ +//; s/ .*//' | grep -E '^linux-image-[0-9].*-arm64$' | sed -n 1p)
  [[ -n $img ]] || die "$id: cannot resolve the kernel image package from $meta"
  ver=$(apt_field "$img" Version)
  local kmm=${ver%%-*}; kmm=$(echo "$kmm" | awk -F. '{print $1"."$2}')
  log "$id: $meta $metaver -> $img $ver (line $kmm)"

  # 2. find the binary package that ships the DTBs: the image package itself
  #    (6.1/6.12) or, since the 7.x split, one of its linux-base/-binary deps.
  local cands=("$img") d deb dtbpkg="" dtbdeb="" kver
  for d in $(apt_field "$img" Depends | tr ',|' '\n\n' | sed -E 's/^ +//; s/ .*//' | grep -E '^linux-(base|binary)-[0-9].*-arm64$' || true); do
    cands+=("$d")
  done
  for d in "${cands[@]}"; do
    deb=$(fetch_deb "$d" "$(apt_field "$d" Version)")
    if dpkg-deb -c "$deb" | grep -cE '/allwinner/sun50i-h61[68][^/]*\.dtb$' >/dev/null; then dtbpkg=$d; dtbdeb=$deb; break; fi
  done
  [[ -n $dtbpkg ]] || die "$id: none of ${cands[*]} ships allwinner/sun50i-h616*.dtb"
  local x="$CACHE/extract/$id"; rm -rf "$x"; mkdir -p "$x"
  dpkg-deb --fsys-tarfile "$dtbdeb" | tar -x -C "$x" --wildcards --no-anchored \
    "allwinner/$BOARD_GLOB.dtb"
  local out="$STAGE/corpus/$kmm"; mkdir -p "$out"
  local n=0 f
  while IFS= read -r f; do cp "$f" "$out/"; chmod 0644 "$out/${f##*/}"; n=$((n+1)); done \
    < <(find "$x" -path '*/allwinner/*' -name "$BOARD_GLOB.dtb" | sort)
  ((n > 0)) || die "$id: no DTBs extracted"
  kver=$(find "$x" -path '*/allwinner/*' -name '*.dtb' | sed -n 1p | sed -E 's#.*/(linux-image-|modules/)([^/]+)/.*#\2#')
  log "$id: $n DTBs from $dtbpkg ($kver)"

  # 3. the matching source package. The mirror may not carry every version listed
  #    in the Sources indices; take the exact version if it can be fetched, else
  #    the newest fetchable version of the same major.minor (recorded as such).
  local src="$CACHE/src/$id"; mkdir -p "$src"
  local srcver="" sv dsc tried_exact=""
  for sv in "$ver" $(apt-cache "${APT_OPTS[@]}" showsrc linux 2>/dev/null | awk '/^Package: /{p=$2} /^Version: /{if (p=="linux") print $2}' \
                     | awk -v m="$kmm" '{split($1,a,/[.-]/); if (a[1]"."a[2]==m) print}' | sort -u | sort -rV); do
    [[ $sv == "$ver" && -n ${tried_exact:-} ]] && continue
    [[ $sv == "$ver" ]] && tried_exact=1
    dsc="$src/linux_${sv}.dsc"
    if [[ ! -s $dsc ]]; then
      log "$id: downloading source linux=$sv"
      if ! (cd "$src" && apt-get "${APT_OPTS[@]}" source --download-only "linux=$sv" >>"$src/download.log" 2>&1); then
        log "$id: source linux=$sv not fetchable from the mirror (see $src/download.log)"
        continue
      fi
    fi
    [[ -s $dsc ]] && { srcver=$sv; break; }
  done
  [[ -n $srcver ]] || die "$id: no fetchable source package linux $kmm.*"
  [[ $srcver == "$ver" ]] || log "$id: WARNING: using source $srcver for binary $ver"
  local orig debtar
  orig=$(ls "$src"/linux_"${srcver%%-*}".orig.tar.* | sed -n 1p)
  debtar=$(ls "$src"/linux_"$srcver".debian.tar.* | sed -n 1p)
  # verify the tarballs against the .dsc (apt already checked the .dsc against the signed index)
  local l h sz fn
  while read -r h sz fn; do
    [[ -n $fn ]] || continue
    echo "$h  $src/$fn" | sha256sum -c --quiet - || die "$id: checksum mismatch for $fn"
  done < <(awk '/^Checksums-Sha256:/{on=1;next} /^[^ ]/{on=0} on{print $1, $2, $3}' "$dsc")

  # 4. extract only what the DTS build needs (+ files touched by relevant Debian patches)
  local tree="$CACHE/tree/$id"
  if [[ ! -e $tree/.done-$srcver ]]; then
    rm -rf "$tree"; mkdir -p "$tree/debian"
    tar -x -C "$tree" -f "$debtar" debian/patches
    local listing="$CACHE/tree/$id.listing"
    log "$id: listing $(basename "$orig")"
    tar -t -f "$orig" >"$listing"
    local top; top=$(head -n1 "$listing" | cut -d/ -f1)
    # relevant patches: those touching the DT source/include dirs
    local rel_re='^(arch/arm64/boot/dts/allwinner/|arch/arm/boot/dts/|include/dt-bindings/|scripts/dtc/include-prefixes/)'
    : >"$tree/relevant-patches"
    while read -r l; do
      l=${l%%#*}; l=$(echo "$l" | awk '{print $1}'); [[ -n $l ]] || continue
      if awk '/^\+\+\+ /{print $2}' "$tree/debian/patches/$l" | sed -E 's#^[^/]+/##' | grep -cE "$rel_re" >/dev/null; then
        echo "$l" >>"$tree/relevant-patches"
      fi
    done <"$tree/debian/patches/series"
    local members="$tree/members"
    { grep -E "^$top/(arch/arm64/boot/dts/allwinner/|arch/arm/boot/dts/|include/dt-bindings/|scripts/dtc/include-prefixes)" "$listing" | grep -v '/$' || true
      while read -r l; do
        awk '/^(\+\+\+|---) /{print $2}' "$tree/debian/patches/$l" | sed -E 's#^[^/]+/##'
      done <"$tree/relevant-patches" | sort -u | sed "s#^#$top/#" | grep -Fxf - "$listing" || true
    } | sort -u >"$members"
    log "$id: extracting $(wc -l <"$members") members"
    tar -x -C "$tree" -f "$orig" --strip-components=1 -T "$members"
    while read -r l; do
      log "$id: applying Debian patch $l"
      patch -d "$tree" -p1 -s -N <"$tree/debian/patches/$l" >/dev/null || die "$id: patch $l failed"
    done <"$tree/relevant-patches"
    touch "$tree/.done-$srcver"
  fi

  # 5. compile like kbuild (+ -@), and without -@ to compare with the packaged DTBs
  local sym="$STAGE/corpus-symbols/$kmm"; mkdir -p "$sym"
  local dts b tmp="$CACHE/tmp/$id"; rm -rf "$tmp"; mkdir -p "$tmp"
  local dtsdir="$tree/arch/arm64/boot/dts/allwinner" nsym=0
  : >"$STAGE/meta/$id.same"; : >"$STAGE/meta/$id.deps"
  for dts in $(cd "$dtsdir" && ls $BOARD_GLOB.dts | sort); do
    b=${dts%.dts}
    cpp -nostdinc -I "$dtsdir" -I "$tree/include" -I "$tree/scripts/dtc/include-prefixes" \
        -undef -D__DTS__ -x assembler-with-cpp -MD -MF "$tmp/$b.d" -MT "$b" \
        -o "$tmp/$b.dts.tmp" "$dtsdir/$dts"
    sed -E 's/\\$//' "$tmp/$b.d" | tr ' ' '\n' | grep -E '\.(dtsi?|h)$' | sed "s#^$tree/##" >>"$STAGE/meta/$id.deps"
    dtc -@ -I dts -O dtb -b 0 -i "$dtsdir" -i "$tree/scripts/dtc/include-prefixes" "${DTC_WNO[@]}" \
        -o "$sym/$b.dtb" "$tmp/$b.dts.tmp" 2>>"$tmp/dtc-warnings.log"
    dtc -I dts -O dtb -b 0 -i "$dtsdir" -i "$tree/scripts/dtc/include-prefixes" "${DTC_WNO[@]}" \
        -o "$tmp/$b.nosym.dtb" "$tmp/$b.dts.tmp" 2>/dev/null
    if [[ -e $out/$b.dtb ]]; then
      if cmp -s "$tmp/$b.nosym.dtb" "$out/$b.dtb"; then echo "$b byte-identical" >>"$STAGE/meta/$id.same"
      elif cmp -s <(dtc -q -I dtb -O dts "$tmp/$b.nosym.dtb") <(dtc -q -I dtb -O dts "$out/$b.dtb"); then
        echo "$b same-dts(layout-differs)" >>"$STAGE/meta/$id.same"
      else echo "$b DIFFERS" >>"$STAGE/meta/$id.same"; fi
    else
      echo "$b not-packaged" >>"$STAGE/meta/$id.same"
    fi
    [[ -n $(fdtget -p "$sym/$b.dtb" /__symbols__ 2>/dev/null) ]] || die "$id: $b.dtb has no /__symbols__"
    nsym=$((nsym+1))
  done
  sort -u -o "$STAGE/meta/$id.deps" "$STAGE/meta/$id.deps"
  # symbol check for the Zero 2W where it exists
  if [[ -e $sym/sun50i-h618-orangepi-zero2w.dtb ]]; then
    for l in ehci2 ohci2 ehci3 ohci3 usbphy reg_vcc5v; do
      fdtget "$sym/sun50i-h618-orangepi-zero2w.dtb" /__symbols__ "$l" >/dev/null \
        || die "$id: zero2w symbol build lacks __symbols__/$l"
    done
    echo yes >"$STAGE/meta/$id.zero2w"
  else
    echo no >"$STAGE/meta/$id.zero2w"
  fi
  # which packaged DTBs already carry __symbols__?
  : >"$STAGE/meta/$id.pkgsym"
  for f in "$out"/*.dtb; do
    if fdtget -p "$f" /__symbols__ >/dev/null 2>&1; then
      basename "$f" >>"$STAGE/meta/$id.pkgsym"
    fi
  done

  # metadata for PROVENANCE.md
  {
    echo "ID=$id"; echo "KMM=$kmm"; echo "META=$meta"; echo "METAVER=$metaver"
    echo "IMG=$img"; echo "VER=$ver"; echo "KVER=$kver"; echo "DTBPKG=$dtbpkg"
    echo "DTBDEB=$dtbdeb"; echo "SRCVER=$srcver"; echo "DSC=$dsc"; echo "ORIG=$orig"; echo "DEBTAR=$debtar"
    echo "SUITES=\"$(echo ${2//,/ } ${3//,/ })\""
  } >"$STAGE/meta/$id.env"
  cp "$tree/relevant-patches" "$STAGE/meta/$id.patches"
  log "$id: $nsym symbol DTBs built"
}

for spec in "${LINES[@]}"; do
  IFS=: read -r id main sec <<<"$spec"
  process_line "$id" "$main" "$sec"
done

# ---------------------------------------------------------------------------
# Install the staged corpus (replace the previous one completely).
rm -rf "$HERE/corpus" "$HERE/corpus-symbols"
cp -r "$STAGE/corpus" "$STAGE/corpus-symbols" "$HERE/"

# live fixtures (derived from corpus/6.12)
bash "$HERE/make_live_fixture.sh"

# ---------------------------------------------------------------------------
# corpus.bzl
sha() { sha256sum "$1" | awk '{print $1}'; }
lines_sorted=$(cd "$HERE/corpus" && ls | sort -V)
{
  echo '# Generated by testdata/fetch_corpus.sh - do not edit by hand.'
  echo '# Paths are relative to the testdata/ package.'
  echo
  printf 'CORPUS_LINES = ['; sep=""
  for l in $lines_sorted; do printf '%s"%s"' "$sep" "$l"; sep=", "; done; echo ']'
  echo
  for var in CORPUS_DTBS:corpus SYMBOL_DTBS:corpus-symbols; do
    echo "${var%%:*} = ["
    (cd "$HERE" && find "${var#*:}" -name '*.dtb' | sort | sed 's/.*/    "&",/')
    echo "]"
    echo
  done
  echo 'LIVE_DTBS = ['
  (cd "$HERE" && find live -name '*.dtb' | sort | sed 's/.*/    "&",/')
  echo ']'
} >"$HERE/corpus.bzl"

# SHA256SUMS (machine readable, paths relative to testdata/)
(cd "$HERE" && find corpus corpus-symbols live -name '*.dtb' | sort | xargs sha256sum) >"$HERE/SHA256SUMS"

# PROVENANCE.md
{
  echo '# Corpus provenance'
  echo
  echo '<!-- Generated by testdata/fetch_corpus.sh - do not edit by hand. -->'
  echo
  echo "Generated with \`testdata/fetch_corpus.sh\` on $(date -u +%Y-%m-%d) from the Debian archive"
  echo '(main + security; mirror taken from the system apt sources). Tools:'
  echo "dtc $(dtc --version | sed -n "s/^Version: DTC //p"), $(cpp --version | sed -n 1p)."
  echo
  for spec in "${LINES[@]}"; do
    id=${spec%%:*}
    # shellcheck disable=SC1090
    . "$STAGE/meta/$id.env"
    echo "## Line $KMM (Debian $id)"
    echo
    echo "Suites searched: \`$SUITES\`. Kernel: \`$META\` $METAVER → \`$IMG\` $VER (kernel release \`$KVER\`)."
    echo
    echo '| artifact | version | sha256 |'
    echo '|---|---|---|'
    echo "| \`$(basename "$DTBDEB")\` (binary package \`$DTBPKG\`, ships the DTBs) | $VER | \`$(sha "$DTBDEB")\` |"
    if [[ $DTBPKG != "$IMG" ]]; then
      echo "| (\`$IMG\` itself ships no DTBs since the 7.x package split) | $VER | – |"
    fi
    for f in "$DSC" "$ORIG" "$DEBTAR"; do
      echo "| \`$(basename "$f")\` (source \`linux\`) | $SRCVER | \`$(sha "$f")\` |"
    done
    echo
    if [[ $SRCVER != "$VER" ]]; then
      echo "**Note:** the source package \`linux\` $VER is listed in the Sources index but not fetchable from the"
      echo "mirror; the symbol build uses $SRCVER, the newest fetchable $KMM source. The last column of the DTB"
      echo "table shows whether that source rebuilt without \`-@\` reproduces the packaged $VER DTB."
      echo
    fi
    if [[ -s $STAGE/meta/$id.patches ]]; then
      echo "Debian patches touching the DT source/include dirs (applied before the symbol build):"
      sed 's/.*/- `&`/' "$STAGE/meta/$id.patches"
      hit=$(while read -r p; do
              awk '/^\+\+\+ /{print $2}' "$CACHE/tree/$id/debian/patches/$p" | sed -E 's#^[^/]+/##'
            done <"$STAGE/meta/$id.patches" | grep -Fxf "$STAGE/meta/$id.deps" || true)
      echo
      if [[ -n $hit ]]; then
        echo "Of these, files read by the H616/H618 build: $(echo $hit)."
      else
        echo "None of them touches a file the H616/H618 build reads (list below), so they do not affect this corpus."
      fi
    else
      echo "No Debian patch (\`debian/patches/series\`) touches arch/arm64/boot/dts/allwinner, arch/arm/boot/dts,"
      echo "include/dt-bindings or scripts/dtc/include-prefixes; the symbol build uses the plain upstream files."
    fi
    echo
    echo "Zero 2W DTS present: $(cat "$STAGE/meta/$id.zero2w")."
    if [[ -s $STAGE/meta/$id.pkgsym ]]; then
      echo "Packaged DTBs that already carry \`/__symbols__\`: $(tr '\n' ' ' <"$STAGE/meta/$id.pkgsym")"
    else
      echo 'None of the packaged DTBs carries `/__symbols__`.'
    fi
    echo
    echo "Last column: the same source compiled without \`-@\` (dtc 1.6.1) compared with the packaged DTB;"
    echo "byte-identical means the symbol build is the packaged DTB plus \`__symbols__\`/phandles only."
    echo
    echo "| DTB | corpus/$KMM sha256 | corpus-symbols/$KMM sha256 | rebuilt w/o -@ equals packaged |"
    echo '|---|---|---|---|'
    for f in $(cd "$HERE/corpus/$KMM" && ls *.dtb | sort); do
      b=${f%.dtb}
      s2=–; [[ -e $HERE/corpus-symbols/$KMM/$f ]] && s2="\`$(sha "$HERE/corpus-symbols/$KMM/$f")\`"
      same=$(awk -v b="$b" '$1==b{print $2}' "$STAGE/meta/$id.same")
      echo "| \`$f\` | \`$(sha "$HERE/corpus/$KMM/$f")\` | $s2 | ${same:-–} |"
    done
    for f in $(cd "$HERE/corpus-symbols/$KMM" && ls *.dtb | sort); do
      [[ -e $HERE/corpus/$KMM/$f ]] && continue
      echo "| \`$f\` (source only, not packaged) | – | \`$(sha "$HERE/corpus-symbols/$KMM/$f")\` | – |"
    done
    echo
    echo "Files the H616/H618 DTS build reads (from \`cpp -MD\`):"
    echo
    echo '```'
    cat "$STAGE/meta/$id.deps"
    echo '```'
    echo
  done
  echo '## Live fixtures'
  echo
  echo 'Built by `testdata/make_live_fixture.sh` from `corpus/6.12/sun50i-h618-orangepi-zero2w.dtb`'
  echo '(deterministic; see live/README.md).'
  echo
  echo '| file | sha256 |'
  echo '|---|---|'
  for f in $(cd "$HERE" && find live -name '*.dtb' | sort); do
    echo "| \`$f\` | \`$(sha "$HERE/$f")\` |"
  done
} >"$HERE/PROVENANCE.md"

log "done: $(cd "$HERE" && find corpus corpus-symbols live -name '*.dtb' | wc -l) DTBs, $(du -sh "$HERE" | cut -f1) in testdata/"
