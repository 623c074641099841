#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, runs every Bazel test,
# and closes with one "tests: N passed, N failed, N skipped" line counted
# from the test cases in Bazel's XML reports (a GoogleTest case per case, an
# sh_test as one case). A skipped case is never counted as passed: each is
# listed with its reason. Extra arguments go to `bazel test`
# (e.g. --config=asan).
#
# Environment:
#   FDT_TEST_ALLOWED_SKIPS  unset: skips are listed but do not fail the run.
#                           Set (CI sets it, empty by default): a space-
#                           separated list of the cases allowed to skip, as
#                           "Suite.Case" (GoogleTest) or a target label
#                           (sh_test); any other skip fails the run.
#   FDT_HANDOFF_REAL_KERNEL a whole arm64 vmlinuz for //kexec:image_test's
#                           real-kernel case; unset, the newest one in the
#                           cache of testdata/kernel/fetch_real_kernel.sh
#                           (FDT_HANDOFF_KERNEL_CACHE, default
#                           /var/tmp/fdt-handoff-kernels) is used, so the
#                           case skips only when no kernel was ever fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

if [[ -z "${FDT_HANDOFF_REAL_KERNEL:-}" ]]; then
  cache="${FDT_HANDOFF_KERNEL_CACHE:-/var/tmp/fdt-handoff-kernels}"
  FDT_HANDOFF_REAL_KERNEL="$(ls -t "${cache}"/boot/vmlinuz-*-arm64 2>/dev/null |
                             head -n1 || true)"
fi
kernel_env=()
if [[ -n "${FDT_HANDOFF_REAL_KERNEL}" ]]; then
  kernel_env=(--test_env=FDT_HANDOFF_REAL_KERNEL="${FDT_HANDOFF_REAL_KERNEL}")
fi

status=0
bazel test "${kernel_env[@]}" "$@" //... || status=$?

# Count test cases (not Bazel targets) from this run's reports. `bazel info`
# with the same flags names the reports of this configuration (--config=asan
# has its own).
testlogs="$(bazel info "${kernel_env[@]}" "$@" bazel-testlogs 2>/dev/null)"
count_status=0
FDT_TESTLOGS="${testlogs}" python3 - <<'PY' || count_status=$?
import os, pathlib, sys, xml.etree.ElementTree as ET

logs = pathlib.Path(os.environ["FDT_TESTLOGS"])
allowed = os.environ.get("FDT_TEST_ALLOWED_SKIPS")
passed = failed = 0
skipped = []  # (target, case, reason)
for path in sorted(logs.glob("**/test.xml")):
    pkg, _, name = str(path.parent.relative_to(logs)).rpartition("/")
    target = f"//{pkg}:{name}"
    for case in ET.parse(path).getroot().iter("testcase"):
        skip = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (skip is not None or case.get("result") == "skipped"
              or case.get("status") == "notrun"):
            reason = (skip.get("message", "") if skip is not None else "")
            if not reason and skip is not None:
                reason = (skip.text or "").strip()
            suite = case.get("classname", "")
            name = f"{suite}.{case.get('name')}" if suite else case.get("name")
            skipped.append((target, name, reason.strip().splitlines()[-1:] or [""]))
        else:
            passed += 1
print(f"tests: {passed} passed, {failed} failed, {len(skipped)} skipped")
unexpected = []
for target, name, reason in skipped:
    ok = allowed is None or name in allowed.split() or target in allowed.split()
    print(f"  skipped{'' if ok else ' (NOT ALLOWED)'}: {target} {name}: {reason[0]}")
    if not ok:
        unexpected.append(name)
if unexpected:
    print(f"tests: {len(unexpected)} unexpected skip(s); FDT_TEST_ALLOWED_SKIPS="
          f"'{allowed}' allows only those named", file=sys.stderr)
    sys.exit(1)
PY
if [[ ${status} -eq 0 ]]; then status=${count_status}; fi
exit "${status}"
