#!/usr/bin/env python3
"""e2e/raid/verdict.py - judges one mdboot run of e2e/raid/boot.sh from its serial log.

  verdict.py --run NAME --kind KIND --log SERIAL [options]

Kinds:
  boot      mdboot assembled, booted the target through kexec: the target received exactly
            the DTB mdboot printed (mdboot.dumpdtb; seeds aside, e2e/check.py's rule), the
            overlays (--overlays applied|none), the command line (--cmdline, and --host-cmdline
            from `fdt-handoff boot --root` on the host, both exact), the marker read from the
            RAID root by the target itself (--marker); every --expect line too.
  model     the target kernel printed "Machine model: --model" (the Zero 2W DTB; the kernel
            then stops for want of devices), after mdboot's "loaded; rebooting" line; the DTB
            mdboot printed has that model and every --dtb-prop PATH:PROP=STRING (the overlay).
  fault     mdboot stopped: every --expect pattern matched, in order, then the rescue shell;
            no kexec happened.
--problem TEXT adds a problem found by the caller (the disks' sha256). Prints one line
"VERDICT run=NAME: PASS|FAIL ..." and one "PHASES run=NAME: ..." line; exit 0 on PASS.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import check  # noqa: E402

STAMP = r"^\[ *([0-9]+\.[0-9]+)\] mdboot: "


def mdboot_at(lines, pattern, start=0):
    """Stage-1 uptime (s) and index of the first mdboot line matching pattern at or after start."""
    rx = re.compile(STAMP + pattern)
    for i in range(start, len(lines)):
        m = rx.search(lines[i])
        if m:
            return float(m.group(1)), i
    return None, -1


def phases(lines):
    """The init's phases from its own stamps (stage-1 uptime) and the target's first line."""
    t = {}
    t["start"], _ = mdboot_at(lines, "mdboot starting")
    t["modules"], _ = mdboot_at(lines, r"(modules: |no /lib/modules)")
    t["found"], _ = mdboot_at(lines, r"md .*; assembling read-only")
    t["array"], _ = mdboot_at(lines, "array up: ")
    t["mounted"], _ = mdboot_at(lines, "mounted ")
    t["config"], _ = mdboot_at(lines, "config ")
    t["dump"], _ = mdboot_at(lines, "mdboot.dumpdtb: ")
    t["kexec"], _ = mdboot_at(lines, "loaded; rebooting")
    target = None
    for ln in lines:
        m = re.match(r"^TARGET \[([0-9.]+)\] kernel=", ln)
        if m:
            target = float(m.group(1))
            break
    parts = []

    def span(a, b):
        return t[b] - t[a] if t.get(a) is not None and t.get(b) is not None else None

    def fmt(v):
        return "-" if v is None else "%.2f" % v
    parts.append("init start %s s" % fmt(t["start"]))
    parts.append("array up %s s" % fmt(t["array"]))
    parts.append("kexec %s s (stage-1 uptime)" % fmt(t["kexec"]))
    parts.append("target init %s s (target uptime)" % fmt(target))
    wait = span("modules", "found")
    total = span("start", "kexec")
    own = total - wait if total is not None and wait is not None else None
    parts.append("device wait %s s" % fmt(wait))
    detail = ["modules %s" % fmt(span("start", "modules")), "assemble %s" % fmt(span("found", "array")),
              "mount %s" % fmt(span("array", "mounted")), "read+DTB+plan %s" % fmt(span("mounted", "config"))]
    if t["dump"] is not None:
        detail.append("print+dumpdtb %s" % fmt(span("config", "dump")))
        detail.append("kexec_load %s" % fmt(span("dump", "kexec")))
    else:
        detail.append("kexec_load %s" % fmt(span("config", "kexec")))
    parts.append("init's own work %s s wall (%s)" % (fmt(own), ", ".join(detail)))
    cpu = next((m for m in (re.search(STAMP + r"cpu time: (.*)$", ln) for ln in lines) if m), None)
    if cpu:
        parts.append("cpu time: " + cpu.group(2))
    return "; ".join(parts)


def target_line(lines, what):
    for ln in lines:
        m = re.match(r"^TARGET \[[0-9.]+\] " + what, ln)
        if m:
            return ln[m.end():]
    return None


def judge_boot(a, lines, blobs, problems, checks):
    sent, got = blobs.get("MDBOOT-DTB"), blobs.get("TARGET-FDT")
    if sent is None:
        problems.append("mdboot printed no DTB (mdboot.dumpdtb)")
    if got is None:
        problems.append("the target printed no TARGET-FDT")
    if sent is not None and got is not None:
        p, notes = [], []
        if check.check_exact(sent, got, p, notes, "mdboot's DTB"):
            checks.append("target DTB == mdboot's (%d bytes, seeds aside)" % len(sent))
        else:
            problems.extend("DTB: " + x for x in p)
    cmdline = target_line(lines, "cmdline ")
    for want, name in ((a.cmdline, "the Armbian rules"), (a.host_cmdline, "boot --root on the host")):
        if want is None:
            continue
        if cmdline != want:
            problems.append("target cmdline %r differs from %s: %r" % (cmdline, name, want))
    oracles = [name for want, name in ((a.cmdline, "the Armbian rules"), (a.host_cmdline, "boot --root"))
               if want is not None]
    if cmdline is not None and oracles and not [p for p in problems if "cmdline" in p]:
        checks.append("cmdline as %s give%s" % (" and ".join(oracles), "" if len(oracles) > 1 else "s"))
    names = ("mdboot-armbian-overlay sun50i-h616-mdboot-marker.dtbo applied",
             "mdboot-user-overlay overlay-user/mdboot-user.dtbo applied")
    for n, applied in zip(("mdboot-armbian-overlay", "mdboot-user-overlay"), names):
        v = target_line(lines, "overlay %s " % n)
        want = applied.split(" ", 1)[1] if a.overlays == "applied" else "<none>"
        if v != want:
            problems.append("overlay %s: target saw %r, expected %r" % (n, v, want))
    if not [p for p in problems if p.startswith("overlay")]:
        checks.append("overlays %s" % ("both present" if a.overlays == "applied" else "absent (pristine DTB)"))
    m = target_line(lines, "marker: ")
    if m != a.marker:
        problems.append("target marker %r, expected %r" % (m, a.marker))
    else:
        checks.append("target assembled the array and read the marker")


def judge_handed_dtb(a, blobs, problems, checks):
    """The DTB mdboot handed over: the board's model and every --dtb-prop PATH:PROP=STRING."""
    sent = blobs.get("MDBOOT-DTB")
    if sent is None:
        problems.append("mdboot printed no DTB (mdboot.dumpdtb)")
        return
    f = check.Fdt(sent)
    want = [("/", "model", a.model)] + [
        (p.split(":", 1)[0], p.split(":", 1)[1].split("=", 1)[0], p.split("=", 1)[1]) for p in a.dtb_prop]
    for path, prop, value in want:
        got = f.get(path, prop)
        if got != value.encode() + b"\0":
            problems.append("handed DTB %s:%s = %s, expected \"%s\"" % (
                path, prop, check.fmt_val(got) if got is not None else "<absent>", value))
        else:
            checks.append("handed DTB %s:%s = \"%s\"" % (path, prop, value))


def judge_expect(a, lines, problems, checks, start=0):
    for pat in a.expect:
        rx = re.compile(pat)
        hit = next((i for i in range(start, len(lines)) if rx.search(lines[i])), None)
        if hit is None:
            problems.append("expected (in order) and not seen: %s" % pat)
            return
        checks.append("'%s'" % lines[hit].split("mdboot: ", 1)[-1][:160])
        start = hit + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--kind", choices=("boot", "model", "fault"), required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cmdline")
    ap.add_argument("--host-cmdline")
    ap.add_argument("--overlays", choices=("applied", "none"), default="applied")
    ap.add_argument("--marker")
    ap.add_argument("--model")
    ap.add_argument("--dtb-prop", action="append", default=[], help="model: PATH:PROP=STRING in mdboot's DTB")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--problem", action="append", default=[])
    ap.add_argument("--save", help="directory for the decoded blobs")
    a = ap.parse_args()

    blobs, problems, _, lines = check.parse_log(a.log)
    problems += a.problem
    checks = []
    if a.save:
        for k, v in blobs.items():
            open(os.path.join(a.save, k.lower() + ".dtb"), "wb").write(v)
    kexec_t, kexec_i = mdboot_at(lines, "loaded; rebooting")
    if a.kind == "boot":
        judge_boot(a, lines, blobs, problems, checks)
        judge_expect(a, lines, problems, checks)
    elif a.kind == "model":
        if kexec_i < 0:
            problems.append("mdboot never kexec'd")
        else:
            want = "Machine model: " + a.model
            if not any(want in ln for ln in lines[kexec_i:]):
                problems.append("the target kernel printed no '%s'" % want)
            else:
                checks.append("target kernel: '%s'" % want)
        judge_handed_dtb(a, blobs, problems, checks)
        judge_expect(a, lines, problems, checks)
    else:
        judge_expect(a, lines, problems, checks)
        if kexec_i >= 0:
            problems.append("mdboot kexec'd although it should have stopped")
    print("PHASES run=%s: %s" % (a.run, phases(lines)))
    if problems:
        print("VERDICT run=%s: FAIL %s" % (a.run, "; ".join(problems)))
        return 1
    print("VERDICT run=%s: PASS %s" % (a.run, "; ".join(checks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
