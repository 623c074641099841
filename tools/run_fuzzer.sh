#!/usr/bin/env bash
# Builds a fuzz target with clang + libFuzzer + ASan/UBSan and runs it for a
# bounded time over a scratch copy of its seeds:
#   reconcile  //fdt:reconcile_fuzzer (load + apply + reconcile of a DTB);
#              seeds testdata/fuzz/*.seed
#   image      //kexec:image_fuzzer (ParseKernel, StripUbootLegacyHeader);
#              seeds: the kernel fixtures in testdata/kernel/ (Debian's real
#              Image head, Image, Image.gz, Image.zst, EFI zboot gzip/zstd,
#              uImage, uImage.gz, uInitrd) and the reproducers of earlier
#              findings in testdata/fuzz/kernel/*.seed
#
# Usage: tools/run_fuzzer.sh [--target reconcile|image] [SECONDS]
#                            [-- extra libFuzzer flags]
#   --target defaults to reconcile; SECONDS to $FDT_FUZZ_SECONDS or 60.
#
# The fuzz build uses its own Bazel output base, because switching the C++
# toolchain to clang (--config=fuzz sets --repo_env=CC=clang) re-configures
# the toolchain repository and would throw away the gcc build cache of the
# normal output base.
#
# Environment:
#   FDT_FUZZ_OUTPUT_BASE  Bazel output base (/var/tmp/fdt-handoff-fuzz-<hash>)
#   FDT_FUZZ_ARTIFACTS    where crash/leak/timeout inputs are written
#                         (/var/tmp/fdt-handoff-fuzz-artifacts)
#   FDT_FUZZ_KEEP_SERVER  1 leaves the fuzz Bazel server running afterwards
#
# Exits non-zero when the fuzzer finds a crash, leak, sanitizer report or
# timeout (the input is in FDT_FUZZ_ARTIFACTS), or when the build fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

seconds="${FDT_FUZZ_SECONDS:-60}"
target=reconcile
if [[ $# -gt 1 && "$1" == "--target" ]]; then
  target="$2"
  shift 2
fi
case "${target}" in
  reconcile) label=//fdt:reconcile_fuzzer ;;
  image) label=//kexec:image_fuzzer ;;
  *)
    echo "run_fuzzer.sh: --target wants reconcile or image, got '${target}'" >&2
    exit 2 ;;
esac
if [[ $# -gt 0 && "$1" != "--" ]]; then
  seconds="$1"
  shift
fi
[[ $# -gt 0 && "$1" == "--" ]] && shift
if ! [[ "${seconds}" =~ ^[0-9]+$ ]] || [[ "${seconds}" -eq 0 ]]; then
  echo "run_fuzzer.sh: SECONDS must be a positive integer, got '${seconds}'" >&2
  exit 2
fi

# shellcheck source=tools/output_base.sh
. tools/output_base.sh
output_base="${FDT_FUZZ_OUTPUT_BASE:-$(output_base_for fuzz)}"
artifacts="${FDT_FUZZ_ARTIFACTS:-/var/tmp/fdt-handoff-fuzz-artifacts}"

# clang and its libFuzzer/sanitizer runtimes (Debian: libclang-rt-14-dev).
runtime_present() {
  compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' \
    >/dev/null
}
if ! command -v clang >/dev/null || ! runtime_present; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "run_fuzzer.sh: installing clang and libclang-rt-14-dev" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      clang libclang-rt-14-dev >&2
  else
    echo "run_fuzzer.sh: needs clang and libclang-rt-14-dev:" \
      "apt-get install clang libclang-rt-14-dev" >&2
    exit 2
  fi
fi

bazel_fuzz() { bazel --output_base="${output_base}" "$@"; }
stop_server() {
  if [[ "${FDT_FUZZ_KEEP_SERVER:-0}" != 1 ]]; then
    bazel_fuzz shutdown >/dev/null 2>&1 || true
  fi
}
scratch=""
cleanup() {
  [[ -n "${scratch}" ]] && rm -rf "${scratch}"
  stop_server
}
trap cleanup EXIT

# --symlink_prefix=/: no bazel-* links from this second output base, or the
# host build's `//...` would walk into them as packages.
bazel_fuzz build --config=fuzz --symlink_prefix=/ "${label}"
rel="${label#//}"
fuzzer="$(bazel_fuzz info --config=fuzz bazel-bin 2>/dev/null)/${rel/://}"

# libFuzzer adds the inputs it finds to the first corpus directory; work on
# a copy so testdata/ stays as committed.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/fdt-fuzz-corpus.XXXXXX")"
if [[ "${target}" == reconcile ]]; then
  cp testdata/fuzz/*.seed "${scratch}/"
else
  # Every fixture in the filegroup (not the scripts, BUILD or SHA256SUMS).
  for f in $(sed -n 's/^ *"\([^"/:]*\)",$/\1/p' testdata/kernel/BUILD.bazel); do
    cp "testdata/kernel/${f}" "${scratch}/"
  done
  cp testdata/fuzz/kernel/*.seed "${scratch}/" 2>/dev/null || true
fi
artifacts="${artifacts}/${target}"
mkdir -p "${artifacts}"

echo "run_fuzzer.sh: fuzzing ${label} for ${seconds} s; corpus ${scratch}," \
  "artifacts in ${artifacts}/" >&2
rc=0
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  "${fuzzer}" \
    -max_total_time="${seconds}" \
    -rss_limit_mb=2048 \
    -timeout=25 \
    -print_final_stats=1 \
    -artifact_prefix="${artifacts}/" \
    "$@" \
    "${scratch}" || rc=$?

if [[ ${rc} -ne 0 ]]; then
  echo "run_fuzzer.sh: FAILED (exit ${rc}); reproduce with:" >&2
  for crash in "${artifacts}"/{crash,leak,timeout,oom,slow-unit}-*; do
    [[ -e "${crash}" ]] && echo "  ${fuzzer} ${crash}" >&2
  done
  exit "${rc}"
fi
echo "run_fuzzer.sh: ${label}: no crash in ${seconds} s" >&2
