#!/usr/bin/env python3
"""e2e/check_test.py - offline tests of e2e/check.py's verdicts on synthetic serial logs.

Needs dtc. Run: python3 e2e/check_test.py   (last line: "check_test: N passed, N failed")
Bazel runs it as //e2e:check_test; there each case also goes to $XML_OUTPUT_FILE (JUnit XML),
so tools/test.sh counts the cases, not one target.
"""
import base64
import gzip
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check  # noqa: E402

APPEND = "console=ttyAMA0 rdinit=/init2 panic=-1"
INITRD = b"\x07" * 1000
DTS = """/dts-v1/;
/ {
    #address-cells = <2>; #size-cells = <2>;
    memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };
    fdt-handoff-marker { value = "m1"; };
    chosen {
        bootargs = "%s";
        kaslr-seed = <0x12345678 0x9abcdef0>;
        rng-seed = [01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11];
        linux,initrd-start = <0 0x48000000>;
        linux,initrd-end = <0 0x%x>;
    };
};
""" % (APPEND, 0x48000000 + len(INITRD))


def block(name, blob):
    return ["E2E-BEGIN %s %d %s" % (name, len(blob), hashlib.sha256(blob).hexdigest())] + \
        base64.encodebytes(gzip.compress(blob)).decode().split() + ["E2E-END " + name]


def log_for(sent, got, marker="m1", cmdline=APPEND, token="tok", loaded_after_unload="0",
            exec_lines=("E2E STAGE1-EXEC fdt-handoff exec ...", "rebooting into the loaded kernel")):
    lines = ["E2E STAGE1 run=t mode=handoff kernel=6.1"] + block("STAGE1-FINAL", sent)
    lines += ["E2E STAGE1-UNLOADED kexec_loaded=" + loaded_after_unload] + list(exec_lines)
    lines += ["[    0.1] kexec_core: Starting new kernel", "E2E STAGE2 kernel=6.12",
              "E2E STAGE2-CMDLINE " + cmdline, "E2E STAGE2-TOKEN " + token,
              "E2E STAGE2-MARKER " + marker] + block("STAGE2-FDT", got) + ["E2E STAGE2-DONE"]
    return "\n".join(lines) + "\n"


def run_check(d, text, kind="handoff", expected=None):
    p = os.path.join(d, "serial.log")
    open(p, "w").write(text)
    args = [sys.executable, os.path.join(HERE, "check.py"), "--run", "t", "--kind", kind, "--log", p,
            "--append", APPEND, "--initrd", os.path.join(d, "initrd"), "--token", "tok", "--marker", "m1",
            "--stage2-release", "6.12"]
    if expected:
        args += ["--expected", expected]
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, r.stdout.splitlines()[0] if r.stdout else r.stderr


def corrupt(text):
    """Flip one base64 character inside the STAGE2-FDT block."""
    lines = text.split("\n")
    i = next(n for n, l in enumerate(lines) if l.startswith("E2E-BEGIN STAGE2-FDT")) + 1
    mid = len(lines[i]) // 2
    lines[i] = lines[i][:mid] + ("A" if lines[i][mid] != "A" else "B") + lines[i][mid + 1:]
    return "\n".join(lines)


def set_prop_bytes(blob, name, new):
    f = check.Fdt(blob)
    rec = f.find("/chosen", name)
    b = bytearray(blob)
    b[rec[5]:rec[5] + len(new)] = new
    return bytes(b)


def write_junit(path, results):
    """results: (name, ok, detail). One <testcase> per case, <failure> when not ok."""
    suite = ET.Element("testsuite", name="check_test", tests=str(len(results)),
                       failures=str(sum(not ok for _, ok, _ in results)))
    for name, ok, detail in results:
        case = ET.SubElement(suite, "testcase", classname="check_test", name=name)
        if not ok:
            ET.SubElement(case, "failure", message=detail)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def main():
    passed = failed = 0
    results = []
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "initrd"), "wb").write(INITRD)
        src = os.path.join(d, "t.dts")
        open(src, "w").write(DTS)
        sent = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-p", "256", src],
                              capture_output=True, check=True).stdout
        wiped, _ = check.apply_kernel_wipes(sent)
        p_norng = os.path.join(d, "norng.dtb")
        open(p_norng, "wb").write(sent)
        subprocess.run(["fdtput", "-d", p_norng, "/chosen", "rng-seed"], check=True)
        norng = open(p_norng, "rb").read()
        f = check.Fdt(sent)
        bootargs_rec = f.find("/chosen", "bootargs")
        pad_off = bootargs_rec[5] + len(bootargs_rec[2])  # first padding byte after bootargs
        padded = bytearray(wiped)
        if pad_off < bootargs_rec[3] + bootargs_rec[4]:
            padded[pad_off] = 0xAA
        cases = [
            ("exact with the kernel's wipes", log_for(sent, wiped), 0, "PASS"),
            ("seeds not wiped (kernel should have)", log_for(sent, sent), 1, "FAIL"),
            ("rng-seed deleted instead of NOP'd", log_for(sent, set_prop_bytes(norng, "kaslr-seed", bytes(8))), 1, "FAIL"),
            ("sent DTB lacks rng-seed", log_for(norng, check.apply_kernel_wipes(norng)[0]), 1, "rng-seed"),
            ("one cell changed", log_for(sent, set_prop_bytes(wiped, "linux,initrd-start", b"\0\0\0\0\0\0\0\0")), 1, "FAIL"),
            ("padding-only difference (not QEMU)", log_for(sent, bytes(padded)), 1, "padding"),
            ("wrong marker", log_for(sent, wiped, marker="other"), 1, "marker"),
            ("wrong cmdline", log_for(sent, wiped, cmdline=APPEND + " x"), 1, "cmdline"),
            ("wrong initrd token", log_for(sent, wiped, token="bad"), 1, "token"),
            ("load's image still loaded at exec", log_for(sent, wiped, loaded_after_unload="1"), 1, "unload"),
            ("rebooted without fdt-handoff exec", log_for(sent, wiped, exec_lines=("E2E STAGE1-EXEC x",)), 1,
             "fdt-handoff exec"),
            ("stage 2 never ran", "\n".join(["E2E STAGE1 run=t"] + block("STAGE1-FINAL", sent)), 1, "never started"),
            ("corrupt base64", corrupt(log_for(sent, wiped)), 1, "STAGE2-FDT"),
        ]
        if pad_off >= bootargs_rec[3] + bootargs_rec[4]:
            cases = [c for c in cases if "padding" not in c[0]]
        for name, text, want_rc, want in cases:
            rc, first = run_check(d, text)
            ok = rc == want_rc and want in first
            print("%s %-40s %s" % ("ok  " if ok else "FAIL", name, first))
            passed += ok
            failed += not ok
            results.append((name, ok, first))
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit(os.environ["XML_OUTPUT_FILE"], results)
    print("check_test: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
