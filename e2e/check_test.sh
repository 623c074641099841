#!/bin/sh
# //e2e:check_test: e2e/check_test.py (the e2e verdict logic of e2e/check.py
# on synthetic serial logs, no QEMU) as a Bazel test. An sh_test around
# python3, because Bazel 4's py_test wants a Python toolchain this offline
# WORKSPACE does not register. Needs python3 and dtc/fdtput (tools/setup.sh).
set -eu
exec python3 e2e/check_test.py
