#!/usr/bin/env python3
"""e2e/raid/verdict_test.py - offline tests of verdict.py on synthetic serial logs.

Needs dtc. Run: python3 e2e/raid/verdict_test.py  (last line: "verdict_test: N passed, N failed")
boot.sh runs it before any mdboot run.
"""
import base64
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import check  # noqa: E402

CMDLINE = "root=/dev/md/root rootwait rootfstype=ext4 console=ttyAMA0  cgroup_enable=memory"
MARKER = "mdboot e2e RAID 0 root, recipe t"
DTS = """/dts-v1/;
/ {
    model = "OrangePi Zero 2W";
    #address-cells = <2>; #size-cells = <2>;
    memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x40000000>; };
    soc { usb@5310000 { status = "okay"; }; };
    chosen {
        bootargs = "%s";
        kaslr-seed = <0x12345678 0x9abcdef0>;
        rng-seed = [01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10];
    };
};
""" % CMDLINE


def mdboot_block(blob):
    """What init/dtb_dump.h prints, made independently here."""
    b64 = base64.b64encode(gzip.compress(blob)).decode()
    return ["MDBOOT-DTB-BEGIN %d %s" % (len(blob), hashlib.sha256(blob).hexdigest())] + \
        [b64[i:i + 76] for i in range(0, len(b64), 76)] + ["MDBOOT-DTB-END"]


def target_block(blob):
    return ["E2E-BEGIN TARGET-FDT %d %s" % (len(blob), hashlib.sha256(blob).hexdigest())] + \
        base64.encodebytes(gzip.compress(blob)).decode().split() + ["E2E-END TARGET-FDT"]


def stage1(sent, kexec=True):
    lines = ["[    2.300] mdboot: mdboot starting", "[    2.700] mdboot: modules: 21 loaded",
             "[    4.200] mdboot: md RAID0 'zero2w:root': 1/2 members (sda), waiting 19 s",
             "[    4.250] mdboot: md RAID0 'zero2w:root' (UUID x): complete; assembling read-only",
             "[    4.350] mdboot: array up: /dev/md127", "[    4.400] mdboot: mounted /dev/md127",
             "[    5.500] mdboot: config    /boot/armbianEnv.txt (label armbian)",
             "[    5.520] mdboot: mdboot.dumpdtb: the DTB handed to kexec_load follows"] + mdboot_block(sent)
    if kexec:
        lines += ["[    5.690] mdboot: cpu time: mdboot 0.212 s user + 0.100 s system, mdadm 0.031 s + 0.020 s",
                  "[    5.700] mdboot: loaded; rebooting into /boot/vmlinuz"]
    return lines


def boot_log(sent, got, cmdline=CMDLINE, marker=MARKER, overlay="sun50i-h616-mdboot-marker.dtbo applied"):
    return stage1(sent) + [
        "TARGET [4.53] kernel=6.1.0", "TARGET [4.56] cmdline " + cmdline,
        "TARGET [4.60] overlay mdboot-armbian-overlay " + overlay,
        "TARGET [4.62] overlay mdboot-user-overlay overlay-user/mdboot-user.dtbo applied"] + \
        target_block(got) + ["TARGET [6.94] marker: " + marker, "TARGET [7.04] done"]


def run(d, lines, *args):
    p = os.path.join(d, "serial.txt")
    open(p, "w").write("\n".join(lines) + "\n")
    r = subprocess.run([sys.executable, os.path.join(HERE, "verdict.py"), "--run", "t", "--log", p] + list(args),
                       capture_output=True, text=True)
    v = [ln for ln in r.stdout.splitlines() if ln.startswith("VERDICT")]
    return r.returncode, (v[0] if v else r.stderr.strip()), r.stdout


def main():
    passed = failed = 0
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.dts")
        open(src, "w").write(DTS)
        sent = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-p", "64", src],
                              capture_output=True, check=True).stdout
        wiped, _ = check.apply_kernel_wipes(sent)
        changed = bytearray(wiped)
        changed[changed.index(b"okay")] = ord("O")
        boot = ["--kind", "boot", "--marker", MARKER, "--cmdline", CMDLINE, "--host-cmdline", CMDLINE]
        rescue = "[    9.000] mdboot: rescue shell (busybox sh): fix what is said above"
        missing = "[    8.000] mdboot: BOOT FAILED: waiting for the array: 1 of 2 members missing (slot 1)"
        cases = [
            ("boot: all as expected", boot_log(sent, wiped), boot, 0, "PASS target DTB == mdboot's"),
            ("boot: seeds not wiped by the kernel", boot_log(sent, sent), boot, 1, "DTB: "),
            ("boot: a property changed", boot_log(sent, bytes(changed)), boot, 1, "DTB: "),
            ("boot: cmdline off by a space", boot_log(sent, wiped, cmdline=CMDLINE.replace("  ", " ")), boot, 1,
             "target cmdline"),
            ("boot: marker missing", boot_log(sent, wiped, marker="<missing>"), boot, 1, "target marker"),
            ("boot: overlay absent", boot_log(sent, wiped, overlay="<none>"), boot, 1, "overlay mdboot-armbian"),
            ("boot: no overlays wanted, both present", boot_log(sent, wiped), boot + ["--overlays", "none"], 1,
             "expected '<none>'"),
            ("boot: no DTB printed", [ln for ln in boot_log(sent, wiped) if "MDBOOT-DTB" not in ln], boot, 1,
             "printed no DTB"),
            ("boot: disk written (caller's problem)", boot_log(sent, wiped), boot + ["--problem", "disk1 was written"],
             1, "disk1 was written"),
            ("fault: missing member, then rescue", stage1(sent, kexec=False) + [missing, rescue],
             ["--kind", "fault", "--expect", "missing \\(slot 1\\)", "--expect", "rescue shell"], 0, "PASS"),
            ("fault: lines out of order", stage1(sent, kexec=False) + [rescue, missing],
             ["--kind", "fault", "--expect", "missing \\(slot 1\\)", "--expect", "rescue shell"], 1, "not seen"),
            ("fault: it kexec'd anyway", stage1(sent) + [missing, rescue],
             ["--kind", "fault", "--expect", "missing"], 1, "kexec'd although"),
            ("model: line after the kexec", stage1(sent) + ["[    0.000000] Machine model: OrangePi Zero 2W"],
             ["--kind", "model", "--model", "OrangePi Zero 2W", "--dtb-prop", "/soc/usb@5310000:status=okay"], 0,
             "PASS target kernel"),
            ("model: only stage 1's line", ["[    0.000000] Machine model: OrangePi Zero 2W"] + stage1(sent),
             ["--kind", "model", "--model", "OrangePi Zero 2W"], 1, "printed no"),
            ("model: overlay not in the handed DTB", stage1(sent) + ["[    0.0] Machine model: OrangePi Zero 2W"],
             ["--kind", "model", "--model", "OrangePi Zero 2W", "--dtb-prop", "/soc/usb@5310000:status=disabled"], 1,
             "usb@5310000:status"),
        ]
        for name, lines, args, want_rc, want in cases:
            rc, first, _ = run(d, lines, *args)
            ok = rc == want_rc and want in first
            print("%s %-42s %s" % ("ok  " if ok else "FAIL", name, first[:150]))
            passed += ok
            failed += not ok
        # Phases from the stamps: own work = start..kexec minus the wait (modules..found).
        _, _, out = run(d, boot_log(sent, wiped), *boot)
        want = "device wait 1.55 s; init's own work 1.85 s wall"
        ok = want in out and "; cpu time: mdboot 0.212 s user + 0.100 s system, mdadm 0.031 s + 0.020 s" in out
        print("%s %-42s %s" % ("ok  " if ok else "FAIL", "phases", [ln for ln in out.splitlines()
                                                                      if ln.startswith("PHASES")][0][:200]))
        passed += ok
        failed += not ok
    print("verdict_test: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
