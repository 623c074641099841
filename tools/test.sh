#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, runs every Bazel test,
# and closes with one "tests: N passed, N failed" line counted from the test
# cases in Bazel's XML reports. Extra arguments go to `bazel test`
# (e.g. --config=asan).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

status=0
bazel test "$@" //... || status=$?

# Count gtest cases (not Bazel targets) from this run's reports.
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
passed = failed = 0
for path in glob.glob("bazel-testlogs/**/test.xml", recursive=True):
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("status", "run") == "run":
            passed += 1
print(f"tests: {passed} passed, {failed} failed")
PY
exit "$status"
