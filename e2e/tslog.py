#!/usr/bin/env python3
"""e2e/tslog.py RAW EVENTS - copy QEMU's serial output (stdin) to RAW unchanged and write
host-side timestamps (seconds since start) of the lines that mark boot phases to EVENTS.
e2e/tslog.py --summary RUN EVENTS - one PHASES line (wall-clock seconds, host side)."""
import re
import sys
import time


def summary(run, path):
    ev = []
    for line in open(path):
        t, _, s = line.rstrip("\n").partition(" ")
        ev.append((float(t), s))

    def at(pat, nth=0):
        hits = [t for t, s in ev if re.search(pat, s)]
        return hits[nth] if len(hits) > nth else None

    boot1, init1, loading = at("Booting Linux"), at(r"Run /init\b"), at("E2E STAGE1 loading")
    loaded, kexec, boot2 = at("STAGE1-LOADED"), at("Starting new kernel"), at("Booting Linux", 1)
    init2, done = at("Run /init2"), at("STAGE2-DONE")
    parts = []

    def span(name, a, b):
        if a is not None and b is not None:
            parts.append("%s %.1f s" % (name, b - a))
    if kexec is None:
        span("kernel boot", boot1, init1)
        span("init", init1, done)
    else:
        span("stage-1 boot", boot1, init1)
        span("final load", loading, loaded)
        span("kexec -> stage-2 entry (purgatory)", kexec, boot2)
        span("stage-2 boot", boot2, init2)
        span("stage-2 report", init2, done)
    if ev:
        parts.append("total %.1f s" % ev[-1][0])
    print("PHASES run=%s: %s" % (run, ", ".join(parts) or "no events"))


if len(sys.argv) == 4 and sys.argv[1] == "--summary":
    summary(sys.argv[2], sys.argv[3])
    sys.exit(0)

PHASES = re.compile(r"Booting Linux on|Run /init|kexec_core: Starting new kernel|E2E STAGE[12]"
                    r"(-LOADED|-DONE)?( |$)|reboot: Power down|E2E-STAGE1-FAIL|Kernel panic")
t0 = time.monotonic()
with open(sys.argv[1], "wb") as raw, open(sys.argv[2], "w") as ev:
    buf = b""
    while True:
        chunk = sys.stdin.buffer.read1(65536)
        if not chunk:
            break
        raw.write(chunk)
        raw.flush()
        buf += chunk
        *lines, buf = buf.split(b"\n")
        now = time.monotonic() - t0
        for line in lines:
            s = line.decode("utf-8", "replace").rstrip("\r")
            if PHASES.search(s):
                ev.write("%.2f %s\n" % (now, s[:160]))
                ev.flush()
