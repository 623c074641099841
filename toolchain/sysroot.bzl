"""Tells the aarch64 toolchain where tools/make_sysroot.sh put the sysroot.

Bazel 4's C++ toolchain configs can't read the environment, but a
repository rule can: @aarch64_sysroot//:defs.bzl holds SYSROOT, taken from
FDT_HANDOFF_SYSROOT (default DEFAULT_SYSROOT below, which tools/make_sysroot.sh
reads too; its -r<N> names the version of that script's recipe). Bazel re-runs the rule when the variable
changes. The rule only writes a constant: it never touches the sysroot, so
host builds work without one.
"""

DEFAULT_SYSROOT = "/var/tmp/fdt-handoff-sysroot-arm64-r4"

def _aarch64_sysroot_impl(repository_ctx):
    path = repository_ctx.os.environ.get("FDT_HANDOFF_SYSROOT", "") or DEFAULT_SYSROOT
    if not path.startswith("/"):
        fail("FDT_HANDOFF_SYSROOT must be an absolute path, not %r" % path)
    repository_ctx.file("BUILD.bazel", "exports_files([\"defs.bzl\"])\n")
    repository_ctx.file(
        "defs.bzl",
        "# Written by //toolchain:sysroot.bzl.\nSYSROOT = %r\n" % path.rstrip("/"),
    )

aarch64_sysroot = repository_rule(
    implementation = _aarch64_sysroot_impl,
    environ = ["FDT_HANDOFF_SYSROOT"],
    local = True,
)
