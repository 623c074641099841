#!/usr/bin/env bash
# Builds every cc_test (and //tools:fdt-handoff) as static aarch64 binaries
# with --config=aarch64 and runs each test under qemu-aarch64-static, the
# way `bazel test` would: from its runfiles tree, with TEST_SRCDIR,
# TEST_WORKSPACE and a fresh TEST_TMPDIR. Prints PASS/FAIL per test target
# and closes with "aarch64 tests: N passed, N failed, N skipped", counting the
# GoogleTest cases of the XML reports (a skipped case is listed, never counted
# as passed; a test shard that dies without a report counts as one failed
# case). Exits non-zero if anything failed. Each test's cases
# are split over the cores with GoogleTest sharding.
#
#   tools/run_aarch64_tests.sh [extra bazel build flags]
#
# Tests are found with `bazel query 'kind(cc_test, //...)'`; a test that
# can't run under qemu-user opts out with tags = ["no_aarch64"] (and
# "manual" tests are skipped, as `bazel test //...` skips them).
# The real-kernel case gets the newest cached kernel, as in tools/test.sh;
# with FDT_TEST_ALLOWED_SKIPS set (CI: empty), an unnamed skip fails the run.
#
# Bazel runs in its own output base (FDT_HANDOFF_AARCH64_BASE, default
# /var/tmp/fdt-handoff-aarch64-<hash of the checkout>) and makes no bazel-* symlinks, so the
# host build's cache and bazel-bin stay as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
sysroot="$(tools/make_sysroot.sh)"

# shellcheck source=tools/output_base.sh
. tools/output_base.sh
base="${FDT_HANDOFF_AARCH64_BASE:-$(output_base_for aarch64)}"
bazel=(bazel --output_base="$base")
# Bazel tracks no file of the sysroot: key every action on its stamp so a
# rebuilt sysroot (a Debian update) rebuilds everything.
stamp_key="$(sha256sum "$sysroot/.stamp" | cut -c1-16)"
flags=(--config=aarch64 --symlink_prefix=/
       --action_env=FDT_HANDOFF_SYSROOT_STAMP="$stamp_key" "$@")

# Not `//...` itself: from another output base Bazel would walk into the
# host build's bazel-* symlinks. Every real top-level folder with a BUILD
# file instead.
universe="//:all"
for d in */; do
  d="${d%/}"
  [[ -L "$d" || "$d" == bazel-* ]] && continue
  if [[ -n "$(find "$d" \( -name BUILD -o -name BUILD.bazel \) -print -quit)" ]]; then
    universe+=" + //$d/..."
  fi
done
mapfile -t tests < <("${bazel[@]}" query --noshow_progress \
  "kind(cc_test, $universe) except attr(tags, '\b(manual|no_aarch64)\b', $universe)" \
  | sort)
if [[ ${#tests[@]} -eq 0 ]]; then
  echo "run_aarch64_tests: no cc_test found" >&2
  exit 1
fi

t0=$SECONDS
echo "=== aarch64: building ${#tests[@]} tests and //tools:fdt-handoff"
if ! "${bazel[@]}" build "${flags[@]}" //tools:fdt-handoff "${tests[@]}"; then
  echo "run_aarch64_tests: the aarch64 build failed" >&2
  echo "aarch64 tests: 0 passed, 1 failed"
  exit 1
fi
bin="$("${bazel[@]}" info "${flags[@]}" bazel-bin 2>/dev/null)"
t_build=$((SECONDS - t0))

exe="$bin/tools/fdt-handoff"
stripped="$(mktemp)"
aarch64-linux-gnu-strip -o "$stripped" "$exe"
echo "fdt-handoff: $(file -b "$exe" | cut -d, -f1-2,4)"
echo "fdt-handoff: $(stat -c %s "$exe") bytes, $(stat -c %s "$stripped") stripped"
rm -f "$stripped"

logs="$(mktemp -d "${TMPDIR:-/tmp}/aarch64-tests.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
timeout_s="${FDT_HANDOFF_AARCH64_TEST_TIMEOUT:-300}"
# qemu-user runs one guest thread per host thread: split each test's cases
# over the cores with GoogleTest's sharding (as `bazel test` does with
# shard_count), one shard per core, each with its own TEST_TMPDIR.
shards="${FDT_HANDOFF_AARCH64_SHARDS:-$(nproc)}"

# The real-kernel case of //kexec:image_test, as tools/test.sh finds it: the
# newest kernel in testdata/kernel/fetch_real_kernel.sh's cache, unless given.
if [[ -z "${FDT_HANDOFF_REAL_KERNEL:-}" ]]; then
  kcache="${FDT_HANDOFF_KERNEL_CACHE:-/var/tmp/fdt-handoff-kernels}"
  FDT_HANDOFF_REAL_KERNEL="$(ls -t "${kcache}"/boot/vmlinuz-*-arm64 2>/dev/null | head -n 1 || true)"
fi
if [[ -n "${FDT_HANDOFF_REAL_KERNEL}" ]]; then
  export FDT_HANDOFF_REAL_KERNEL
else
  unset FDT_HANDOFF_REAL_KERNEL
fi

run_shard() {  # label test_bin log_prefix shard_index
  local tmp="$3.tmp"
  mkdir -p "$tmp"
  cd "$2.runfiles/fdt_handoff"
  env TEST_TMPDIR="$tmp" TEST_SRCDIR="$2.runfiles" \
    RUNFILES_DIR="$2.runfiles" TEST_WORKSPACE=fdt_handoff TEST_TARGET="$1" \
    GTEST_TOTAL_SHARDS="$shards" GTEST_SHARD_INDEX="$4" \
    timeout "$timeout_s" qemu-aarch64-static "$2" --gtest_output="xml:$3.xml" \
    >"$3.out" 2>&1
}

t0=$SECONDS
failed_targets=()
for label in "${tests[@]}"; do
  pkg="${label#//}"
  pkg="${pkg%%:*}"
  name="${label##*:}"
  test_bin="$bin/${pkg:+$pkg/}$name"
  t1=$SECONDS
  pids=()
  for ((i = 0; i < shards; i++)); do
    run_shard "$label" "$test_bin" "$logs/${pkg//\//_}_$name.$i" "$i" &
    pids+=($!)
  done
  rc=0
  for ((i = 0; i < shards; i++)); do
    wait "${pids[$i]}" || rc=$?
  done
  if [[ $rc -eq 0 ]]; then
    echo "PASS $label ($((SECONDS - t1)) s)"
  else
    echo "FAIL $label (exit $rc, $((SECONDS - t1)) s)"
    failed_targets+=("$label")
    for ((i = 0; i < shards; i++)); do
      log="$logs/${pkg//\//_}_$name.$i"
      tail -n 40 "$log.out" | sed "s/^/    [shard $i] /"
      # A shard that died without its XML report counts as one failure.
      [[ -f "$log.xml" ]] || echo "no XML report" >"$log.noxml"
    done
  fi
done
t_run=$((SECONDS - t0))
echo "aarch64: build ${t_build} s, tests ${t_run} s under qemu-aarch64-static"

# Count GoogleTest cases, as tools/test.sh does for the host suite.
python3 - "$logs" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
logs = sys.argv[1]
passed = failed = 0
skipped = []
for path in sorted(glob.glob(os.path.join(logs, "*.xml"))):
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "skipped":
            skipped.append(f"{case.get('classname')}.{case.get('name')}")
        elif case.get("status", "run") == "run":
            passed += 1
failed += len(glob.glob(os.path.join(logs, "*.noxml")))
print(f"aarch64 tests: {passed} passed, {failed} failed, {len(skipped)} skipped")
# As tools/test.sh: with FDT_TEST_ALLOWED_SKIPS set (CI sets it empty), a
# skip it does not name fails the run.
allowed = os.environ.get("FDT_TEST_ALLOWED_SKIPS")
unexpected = [n for n in skipped if allowed is not None and n not in allowed.split()]
for name in skipped:
    print(f"  skipped{' (NOT ALLOWED)' if name in unexpected else ''}: {name}")
if unexpected:
    print(f"aarch64 tests: {len(unexpected)} unexpected skip(s)", file=sys.stderr)
    sys.exit(1)
PY
[[ ${#failed_targets[@]} -eq 0 ]]
