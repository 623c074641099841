#!/usr/bin/env bash
# Tests of tools/build_flash.sh's pure parts (no Debian sources, no cross builds):
# flash/layout.txt and the files that must agree with it, the 16 MiB assembly
# (offsets, 0xff fill, oversize refused, nothing half-written), the olddefconfig check
# of a config fragment and the cache key.
set -uo pipefail
export LC_ALL=C
REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
[[ -r $REPO/flash/layout.txt ]] || REPO=$PWD   # under bazel test: the runfiles tree
T=$(mktemp -d "${TEST_TMPDIR:-/tmp}/flash_image_test.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; failures=$((failures + 1)); }
expect() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

log() { :; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
SOURCE_DATE_EPOCH=0
CACHE=$T/cache
# shellcheck source=tools/flash_image.sh
. "$REPO/tools/flash_image.sh"
# shellcheck source=tools/flash_build.sh
. "$REPO/tools/flash_build.sh"

byte_at() { od -An -tx1 -j "$2" -N1 "$1" | tr -d ' '; }

# --- flash/layout.txt and what must agree with it -----------------------------------
test_layout() {
  local prev_end=0 name off size total=0
  while read -r name off size _; do
    [[ $name == "#"* || -z $name ]] && continue
    (( off == prev_end )) || { fail "layout: $name starts at $off, previous region ends at $prev_end"; return; }
    prev_end=$((off + size)); total=$((total + size))
  done <"$REPO/flash/layout.txt"
  expect "layout: regions are contiguous and fill exactly 16 MiB" "(( total == 16777216 ))"
  read -r off size < <(region env)
  expect "layout: env region = U-Boot's CONFIG_ENV_OFFSET/SIZE" \
    "grep -qx 'CONFIG_ENV_OFFSET=$(printf '0x%X' "$off")' '$REPO/flash/u-boot.config' && grep -qx 'CONFIG_ENV_SIZE=$(printf '0x%X' "$size")' '$REPO/flash/u-boot.config'"
  read -r off _ < <(region payload)
  expect "layout: payload offset = mdboot_offset of the U-Boot env" \
    "[[ \$(( \$(sed -n 's/^mdboot_offset=//p' '$REPO/flash/u-boot-mdboot.env') )) == $off ]]"
  local msg
  msg=$( (region nosuch) 2>&1 )
  expect "layout: an unknown region is an error naming it" "[[ \"\$msg\" == *\"no region 'nosuch'\"* ]]"
}

# --- the assembly ------------------------------------------------------------------
test_assemble() {
  printf 'UBOOT' >"$T/u"; printf 'ENVIRONMENT' >"$T/e"; printf 'FITFITFIT' >"$T/p"
  flash_assemble "$T/img" "$T/u" "$T/e" "$T/p"
  expect "assemble: exactly 16 MiB" "(( \$(stat -c %s '$T/img') == 16777216 ))"
  expect "assemble: U-Boot at 0" "[[ \$(head -c5 '$T/img') == UBOOT ]]"
  expect "assemble: env at 0xf0000" "[[ \$(dd if='$T/img' bs=1 skip=$((0xf0000)) count=11 status=none) == ENVIRONMENT ]]"
  expect "assemble: payload at 0x100000" "[[ \$(dd if='$T/img' bs=1 skip=$((0x100000)) count=9 status=none) == FITFITFIT ]]"
  expect "assemble: gaps read as erased NOR (0xff)" \
    "[[ \$(byte_at '$T/img' 5) == ff && \$(byte_at '$T/img' $((0xf0000 - 1))) == ff && \$(byte_at '$T/img' $((16777216 - 1))) == ff ]]"
  head -c $((0xf0000 + 1)) /dev/zero >"$T/big"
  local msg
  msg=$( (flash_assemble "$T/img2" "$T/big" "$T/e" "$T/p") 2>&1 )
  expect "assemble: an oversize U-Boot is refused naming file and region" \
    "[[ '$msg' == *'$T/big (983041 bytes) does not fit region u-boot (983040 bytes)'* ]]"
  expect "assemble: nothing left behind after the refusal" "[[ ! -e '$T/img2' && ! -e '$T/img2.tmp' ]]"
}

# --- the olddefconfig check -------------------------------------------------------
test_fragment() {
  printf '# c\nCONFIG_A=y\nCONFIG_B="x y"\n\nCONFIG_C=0x10\n' >"$T/frag"
  printf 'CONFIG_A=y\nCONFIG_B="x y"\nCONFIG_C=0x10\nCONFIG_D=y\n' >"$T/good"
  printf 'CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=0x20\n' >"$T/bad"
  expect "fragment: all options kept passes" "(check_fragment '$T/frag' '$T/good' test) 2>/dev/null"
  local msg
  msg=$( (check_fragment "$T/frag" "$T/bad" kernel) 2>&1 )
  expect "fragment: dropped options fail, each named with what olddefconfig made of it" \
    "[[ '$msg' == *'kernel: olddefconfig dropped 2 option(s)'* && '$msg' == *'CONFIG_B=\"x y\" (got: # CONFIG_B is not set)'* && '$msg' == *'CONFIG_C=0x10 (got: CONFIG_C=0x20)'* ]]"
  expect "fragment: the shipped kernel fragment has only CONFIG_ lines and comments" \
    "! grep -vE '^(CONFIG_[A-Z0-9_]+=.*|#.*|)$' '$REPO/flash/mdboot-kernel.config'"
}

# --- the cache key ------------------------------------------------------------------
test_key() {
  printf 'one' >"$T/k"
  local a b c
  a=$(input_key s:x "f:$T/k"); b=$(input_key s:x "f:$T/k")
  printf 'two' >"$T/k"; c=$(input_key s:x "f:$T/k")
  expect "key: same inputs, same key" "[[ $a == $b ]]"
  expect "key: a changed file changes the key" "[[ $a != $c ]]"
  expect "key: a changed string changes the key" "[[ \$(input_key s:y 'f:$T/k') != $c ]]"
}

# --- cached builds -----------------------------------------------------------------
ok_recipe() { echo built >"$1/out"; }
bad_recipe() { false; echo "must not get here" >"$1/out"; }   # errexit must stop it
test_cached_build() {
  local dir msg
  dir=$(cached_build demo k1 ok_recipe 2>/dev/null)
  expect "cache: a recipe's output lands in NAME-KEY" "[[ \$(cat '$dir/out') == built && -e '$dir/.done' ]]"
  msg=$( (cached_build demo k1 bad_recipe) 2>&1 )
  expect "cache: an existing NAME-KEY is reused, not rebuilt" "[[ '$msg' == '$dir' ]]"
  msg=$( (cached_build demo k2 bad_recipe) 2>&1 )
  expect "cache: a failing recipe stops at its first error and fails the build" \
    "[[ '$msg' == *'demo: build failed, see $CACHE/build/demo-k2.tmp/build.log'* && ! -e '$CACHE/build/demo-k2.tmp/out' ]]"
  expect "cache: a failed build is never taken for a finished one" "[[ ! -e '$CACHE/build/demo-k2' ]]"
}

test_layout
test_cached_build
test_assemble
test_fragment
test_key
((failures == 0)) || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
