#!/usr/bin/env python3
"""e2e/check.py - decode what the guests printed and judge one run of e2e/run.sh.

The serial log carries blobs as
    E2E-BEGIN NAME SIZE SHA256 / base64 of gzip(blob) / E2E-END NAME
(mdboot.dumpdtb's MDBOOT-DTB-BEGIN SIZE SHA256 / ... / MDBOOT-DTB-END is the blob MDBOOT-DTB)
and report lines "E2E STAGE2-CMDLINE ...", "E2E STAGE2-TOKEN ...", "E2E STAGE2-MARKER ...".

Kinds of run (--kind):
  direct   QEMU boots the kernel straight into the stage-2 initrd; --expected is QEMU's own
           DTB for that boot (dumpdtb with the same options). Proves the exact comparison and
           what this kernel wipes.
  handoff  stage 1 ran `fdt-handoff load` and printed the DTB it handed to kexec_load
           (STAGE1-FINAL), unloaded it (STAGE1-UNLOADED kexec_loaded=0), then rebooted with
           `fdt-handoff exec` on the same inputs (STAGE1-EXEC, and exec's own "rebooting into
           the loaded kernel"); stage 2 must have received exactly that blob. exec draws its
           own seeds, but their values are what the kernel wipes (below), so nothing else
           may differ.
  control  stage 1 ran kexec-tools with --expected (prepared on the host); kexec-tools edits
           /chosen itself, so stage 2's DTB must equal it structurally except for
           bootargs, linux,initrd-start/-end, kaslr-seed and rng-seed.

"Exactly" means byte for byte, after applying to the sent blob what the kernel does by design:
/chosen/kaslr-seed's value zeroed in place (arch/arm64/kernel/pi/kaslr_early.c) and
/chosen/rng-seed overwritten with FDT_NOP tags (drivers/of/fdt.c, fdt_nop_property). Both
seeds must be present in the sent blob.
"""
import argparse
import base64
import difflib
import gzip
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

FDT_MAGIC = 0xD00DFEED
BEGIN_NODE, END_NODE, PROP, NOP, END = 1, 2, 3, 4, 9


class FdtError(Exception):
    pass


def align4(n):
    return (n + 3) & ~3


class Fdt:
    """Minimal flattened-device-tree reader that keeps byte offsets."""

    def __init__(self, blob):
        if len(blob) < 40:
            raise FdtError("blob shorter than an FDT header")
        h = struct.unpack(">10I", blob[:40])
        (magic, self.totalsize, self.off_struct, self.off_strings, self.off_rsv,
         self.version, self.last_comp, self.boot_cpuid, self.size_strings, self.size_struct) = h
        if magic != FDT_MAGIC:
            raise FdtError("bad magic 0x%08x" % magic)
        if self.totalsize > len(blob):
            raise FdtError("totalsize %d > blob size %d" % (self.totalsize, len(blob)))
        self.blob = blob
        self.rsv = []
        o = self.off_rsv
        while True:
            a, s = struct.unpack(">QQ", blob[o:o + 16])
            o += 16
            if a == 0 and s == 0:
                break
            self.rsv.append((a, s))
        # props: list of (path, name, value, record_offset, record_len, value_offset)
        self.props = []
        self.nodes = []
        o = self.off_struct
        end = self.off_struct + self.size_struct
        stack = []
        while o < end:
            tok = struct.unpack(">I", blob[o:o + 4])[0]
            if tok == BEGIN_NODE:
                z = blob.index(b"\0", o + 4)
                name = blob[o + 4:z].decode("utf-8", "replace")
                stack.append(name)
                self.nodes.append(self._path(stack))
                o = align4(z + 1)
            elif tok == END_NODE:
                stack.pop()
                o += 4
            elif tok == PROP:
                ln, nameoff = struct.unpack(">II", blob[o + 4:o + 12])
                z = blob.index(b"\0", self.off_strings + nameoff)
                pname = blob[self.off_strings + nameoff:z].decode("utf-8", "replace")
                val = blob[o + 12:o + 12 + ln]
                self.props.append((self._path(stack), pname, val, o, 12 + align4(ln), o + 12))
                o += 12 + align4(ln)
            elif tok == NOP:
                o += 4
            elif tok == END:
                break
            else:
                raise FdtError("bad token 0x%x at offset %d" % (tok, o))

    @staticmethod
    def _path(stack):
        return "/" + "/".join(s for s in stack[1:]) if len(stack) > 1 else "/"

    def get(self, path, name):
        for p, n, v, *_ in self.props:
            if p == path and n == name:
                return v
        return None

    def find(self, path, name):
        for rec in self.props:
            if rec[0] == path and rec[1] == name:
                return rec
        return None

    def tree(self):
        """{node path: {prop: value}} (order-insensitive view, NOPs skipped)."""
        t = {n: {} for n in self.nodes}
        for p, n, v, *_ in self.props:
            t[p][n] = v
        return t


def fmt_val(v):
    body = v.rstrip(b"\0")
    extra = len(v) - len(body) - 1  # NULs beyond the terminator (kexec-tools pads bootargs)
    if body and extra >= 0 and all(seg and all(32 <= c < 127 for c in seg) for seg in body.split(b"\0")):
        return '"' + '", "'.join(s.decode() for s in body.split(b"\0")) + '"' + \
            (" (+%d NUL)" % extra if extra else "")
    if len(v) % 4 == 0 and v:
        cells = struct.unpack(">%dI" % (len(v) // 4), v)
        if len(cells) > 16:
            return "<%s ...> (%d bytes)" % (" ".join("0x%x" % c for c in cells[:16]), len(v))
        return "<%s>" % " ".join("0x%x" % c for c in cells)
    return "[%s]" % v[:64].hex(" ") + (" ... (%d bytes)" % len(v) if len(v) > 64 else "")


def as_text(fdt):
    lines = ["/memreserve/ 0x%x 0x%x;" % r for r in fdt.rsv]
    t = fdt.tree()
    for n in sorted(t):
        lines.append(n + " {")
        for p in sorted(t[n]):
            lines.append("    %s = %s;" % (p, fmt_val(t[n][p])))
        lines.append("}")
    return lines


def apply_kernel_wipes(blob):
    """What the booted kernel does to the FDT it was given: kaslr-seed zeroed, rng-seed NOP'd."""
    f = Fdt(blob)
    b = bytearray(blob)
    info = {}
    k = f.find("/chosen", "kaslr-seed")
    if k:
        info["kaslr-seed"] = k[2]
        b[k[5]:k[5] + len(k[2])] = bytes(len(k[2]))
    r = f.find("/chosen", "rng-seed")
    if r:
        info["rng-seed"] = r[2]
        b[r[3]:r[3] + r[4]] = struct.pack(">I", NOP) * (r[4] // 4)
    return bytes(b), info


def padding_offsets(blob):
    """Offsets of the alignment padding after property values and node names."""
    f = Fdt(blob)
    offs = []
    for _, _, v, o, n, vo in f.props:
        offs.extend(range(vo + len(v), o + n))
    o = f.off_struct
    while o < f.off_struct + f.size_struct:
        tok = struct.unpack(">I", blob[o:o + 4])[0]
        if tok == BEGIN_NODE:
            z = blob.index(b"\0", o + 4)
            offs.extend(range(z + 1, align4(z + 1)))
            o = align4(z + 1)
        elif tok == PROP:
            ln = struct.unpack(">I", blob[o + 4:o + 8])[0]
            o += 12 + align4(ln)
        elif tok == END:
            break
        else:
            o += 4
    return offs


def zero_padding(blob):
    b = bytearray(blob)
    for i in padding_offsets(blob):
        b[i] = 0
    return bytes(b)


# ---------------------------------------------------------------------------
def parse_log(path):
    text = open(path, "rb").read().decode("utf-8", "replace").replace("\r", "")
    lines = text.split("\n")
    blobs, errors, report = {}, [], {}
    i = 0
    while i < len(lines):
        # The guests' blocks, and mdboot.dumpdtb's (init/dtb_dump.h) as the blob MDBOOT-DTB.
        m = re.search(r"(?:E2E-BEGIN (\S+)|(MDBOOT-DTB)-BEGIN) (\d+) ([0-9a-f]{64})", lines[i])
        if m:
            name, size, sha = m.group(1) or m.group(2), int(m.group(3)), m.group(4)
            end = "MDBOOT-DTB-END" if m.group(2) else "E2E-END " + name
            b64 = []
            i += 1
            while i < len(lines) and end not in lines[i]:
                if re.fullmatch(r"[A-Za-z0-9+/=]+", lines[i].strip()):
                    b64.append(lines[i].strip())
                i += 1
            try:
                blob = gzip.decompress(base64.b64decode("".join(b64)))
            except Exception as e:  # noqa: BLE001 - report any decode failure
                errors.append("%s: cannot decode (%s)" % (name, e))
            else:
                if len(blob) != size or hashlib.sha256(blob).hexdigest() != sha:
                    errors.append("%s: decoded %d bytes, sha256 %s; guest said %d bytes, %s"
                                  % (name, len(blob), hashlib.sha256(blob).hexdigest()[:16], size, sha[:16]))
                else:
                    blobs[name] = blob
        else:
            m = re.search(r"E2E (STAGE[12][A-Z0-9-]*)(?: (.*))?$", lines[i])
            if m:
                report.setdefault(m.group(1), m.group(2) or "")
            m = re.search(r"(TIMING \S+ .*)$", lines[i])
            if m:
                report.setdefault("TIMING", []).append(m.group(1))
            m = re.search(r"E2E-STAGE1-FAIL (.*)$", lines[i])
            if m:
                errors.append("stage 1: " + m.group(1))
        i += 1
    return blobs, errors, report, lines


def structural_diff(a_blob, b_blob, a_name, b_name, out):
    """Print dtc's view (diff -u of dtc -I dtb -O dts) or, without dtc, ours."""
    if shutil.which("dtc"):
        with tempfile.TemporaryDirectory() as d:
            texts = []
            for blob, name in ((a_blob, a_name), (b_blob, b_name)):
                p = os.path.join(d, "x.dtb")
                open(p, "wb").write(blob)
                r = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-s", p],
                                   capture_output=True, text=True)
                texts.append(r.stdout.splitlines() if r.returncode == 0 else ["<dtc failed: %s>" % r.stderr])
    else:
        texts = [as_text(Fdt(a_blob)), as_text(Fdt(b_blob))]
    diff = list(difflib.unified_diff(texts[0], texts[1], a_name, b_name, lineterm="", n=2))
    for line in diff[:200]:
        print("    " + line, file=out)
    if len(diff) > 200:
        print("    ... (%d more diff lines)" % (len(diff) - 200), file=out)
    host_bin = os.environ.get("FDT_HANDOFF_HOST_BIN")
    if host_bin and os.access(host_bin, os.X_OK):
        with tempfile.TemporaryDirectory() as d:
            pa, pb = os.path.join(d, "a.dtb"), os.path.join(d, "b.dtb")
            open(pa, "wb").write(a_blob)
            open(pb, "wb").write(b_blob)
            r = subprocess.run([host_bin, "diff", pa, pb], capture_output=True, text=True)
            print("    fdt-handoff diff:", file=out)
            for line in (r.stdout + r.stderr).splitlines()[:100]:
                print("      " + line, file=out)


def check_exact(sent, got, problems, notes, sent_name, ignore_padding=False):
    """got must be sent with the kernel's seed wipes applied; both seeds required in sent.

    ignore_padding: only for QEMU's own DTB, whose dump and boot come from two QEMU processes
    that leave different uninitialised bytes in the alignment padding after property values.
    """
    wiped, info = apply_kernel_wipes(sent)
    ok = True
    for s in ("kaslr-seed", "rng-seed"):
        if s not in info:
            ok = False
            problems.append("%s has no /chosen/%s (both seeds are required)" % (sent_name, s))
    if "kaslr-seed" in info and not any(info["kaslr-seed"]):
        notes.append("kaslr-seed in %s was already zero" % sent_name)
    if wiped == got:
        return ok
    if len(wiped) == len(got):
        diff = [i for i in range(len(got)) if wiped[i] != got[i]]
        pad = set(padding_offsets(wiped)) if len(diff) < 4096 else set()
        if pad and all(i in pad for i in diff):
            if ignore_padding:
                notes.append("%d uninitialised padding bytes differ between QEMU processes" % len(diff))
                return ok
            problems.append("only alignment padding differs (%d bytes, first at offset %d)"
                            % (len(diff), diff[0]))
            return False
    # Explain: identical except for the seeds in another form? header? structure?
    fs, fg = Fdt(wiped), Fdt(got)
    if len(sent) != len(got):
        problems.append("size differs: sent %d bytes, received %d" % (len(sent), len(got)))
    hdr = [n for n in ("totalsize", "off_struct", "off_strings", "off_rsv", "version", "last_comp",
                       "boot_cpuid", "size_strings", "size_struct") if getattr(fs, n) != getattr(fg, n)]
    if hdr:
        problems.append("header fields differ: " + ", ".join(
            "%s %d->%d" % (n, getattr(fs, n), getattr(fg, n)) for n in hdr))
    if fs.tree() == fg.tree() and fs.rsv == fg.rsv:
        first = next(i for i in range(min(len(wiped), len(got))) if wiped[i] != got[i]) \
            if len(wiped) == len(got) else None
        problems.append("same tree but bytes differ (first difference at offset %s)" % first)
    else:
        ts, tg = fs.tree(), fg.tree()
        for n in sorted(set(ts) | set(tg)):
            if n not in tg:
                problems.append("node %s missing in stage 2" % n)
            elif n not in ts:
                problems.append("node %s added in stage 2" % n)
            else:
                for p in sorted(set(ts[n]) | set(tg[n])):
                    if ts[n].get(p) != tg[n].get(p):
                        problems.append("%s:%s expected %s, received %s" % (
                            n, p, fmt_val(ts[n][p]) if p in ts[n] else "<absent>",
                            fmt_val(tg[n][p]) if p in tg[n] else "<absent>"))
        if fs.rsv != fg.rsv:
            problems.append("/memreserve/ sent %s, received %s" % (fs.rsv, fg.rsv))
    return False


CONTROL_FREE = {"bootargs", "linux,initrd-start", "linux,initrd-end", "kaslr-seed", "rng-seed"}


def check_control(sent, got, problems, notes):
    fs, fg = Fdt(sent), Fdt(got)
    ts, tg = fs.tree(), fg.tree()
    ok = True
    for n in sorted(set(ts) | set(tg)):
        if n not in tg:
            problems.append("node %s missing in stage 2" % n); ok = False; continue
        if n not in ts:
            problems.append("node %s added in stage 2" % n); ok = False; continue
        for p in sorted(set(ts[n]) | set(tg[n])):
            if n == "/chosen" and p in CONTROL_FREE:
                continue
            if ts[n].get(p) != tg[n].get(p):
                ok = False
                problems.append("%s:%s prepared %s, received %s" % (
                    n, p, fmt_val(ts[n][p]) if p in ts[n] else "<absent>",
                    fmt_val(tg[n][p]) if p in tg[n] else "<absent>"))
    if fs.rsv != fg.rsv:
        ok = False
        problems.append("/memreserve/ prepared %s, received %s" % (fs.rsv, fg.rsv))
    if fs.totalsize != fg.totalsize:
        notes.append("kexec-tools resized the blob %d -> %d bytes" % (fs.totalsize, fg.totalsize))
    return ok


def u64(v):
    if v is None:
        return None
    if len(v) == 8:
        return struct.unpack(">Q", v)[0]
    if len(v) == 4:
        return struct.unpack(">I", v)[0]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--kind", choices=("direct", "handoff", "control"), required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--expected", help="direct: QEMU's DTB; control: the prepared DTB")
    ap.add_argument("--stage1-qemu-dtb", help="QEMU's DTB for the stage-1 boot (checks STAGE1-LIVE)")
    ap.add_argument("--append", required=True, help="expected stage-2 command line")
    ap.add_argument("--initrd", required=True, help="the stage-2 initrd file")
    ap.add_argument("--token", required=True)
    ap.add_argument("--marker", help="expected /fdt-handoff-marker/value")
    ap.add_argument("--stage2-release", help="expected uname -r of stage 2")
    ap.add_argument("--save", help="directory to write the decoded blobs into")
    a = ap.parse_args()

    blobs, problems, rep, lines = parse_log(a.log)
    notes, checks = [], []
    if a.save:
        for k, v in blobs.items():
            open(os.path.join(a.save, k.lower() + ".dtb"), "wb").write(v)
    diff_pair = None

    if a.stage1_qemu_dtb:
        live = blobs.get("STAGE1-LIVE")
        if live is None:
            problems.append("stage 1 printed no STAGE1-LIVE blob")
        else:
            p1 = []
            if check_exact(open(a.stage1_qemu_dtb, "rb").read(), live, p1, notes, "QEMU's DTB",
                           ignore_padding=True):
                checks.append("stage 1 got QEMU's DTB exactly")
            else:
                problems += ["stage 1 vs QEMU: " + p for p in p1]
                diff_pair = (apply_kernel_wipes(open(a.stage1_qemu_dtb, "rb").read())[0], live,
                             "qemu.dtb (seeds wiped)", "stage1 /sys/firmware/fdt")

    got = blobs.get("STAGE2-FDT")
    if "STAGE2" not in rep:
        problems.append("stage 2 never started (no 'E2E STAGE2' line)")
    elif a.stage2_release and rep["STAGE2"] != "kernel=" + a.stage2_release:
        problems.append("stage 2 runs %s, expected kernel=%s" % (rep["STAGE2"], a.stage2_release))
    if "STAGE2" in rep and "STAGE2-DONE" not in rep:
        problems.append("stage 2 did not finish (no STAGE2-DONE)")
    if got is None and "STAGE2" in rep:
        problems.append("stage 2 printed no STAGE2-FDT blob")

    sent = None
    if a.kind == "handoff":
        if rep.get("STAGE1-UNLOADED") != "kexec_loaded=0":
            problems.append("stage 1 did not unload what `load` loaded before exec (STAGE1-UNLOADED %s)"
                            % rep.get("STAGE1-UNLOADED", "missing"))
        if "STAGE1-EXEC" not in rep or not any("rebooting into the loaded kernel" in l for l in lines):
            problems.append("stage 1 did not reboot through `fdt-handoff exec` (no STAGE1-EXEC line "
                            "or no 'rebooting into the loaded kernel' from exec)")
        else:
            checks.append("booted by fdt-handoff exec")
        sent = blobs.get("STAGE1-FINAL")
        if sent is None:
            problems.append("stage 1 printed no STAGE1-FINAL blob (fdt-handoff's --dtb-out)")
    elif a.expected:
        sent = open(a.expected, "rb").read()

    dtb_ok = False
    if got is not None and sent is not None:
        p2 = []
        if a.kind == "control":
            dtb_ok = check_control(sent, got, p2, notes)
        else:
            dtb_ok = check_exact(sent, got, p2, notes,
                                 "QEMU's DTB" if a.kind == "direct" else "stage 1's DTB",
                                 ignore_padding=(a.kind == "direct"))
        problems += p2
        if not dtb_ok:
            diff_pair = ((sent if a.kind == "control" else apply_kernel_wipes(sent)[0]), got,
                         "sent" + ("" if a.kind == "control" else " (seeds wiped)"), "received")
        f = Fdt(got)
        k = f.get("/chosen", "kaslr-seed")
        if k is None or any(k):
            problems.append("stage 2 /chosen/kaslr-seed %s (expected present and zeroed by the kernel)"
                            % ("absent" if k is None else fmt_val(k)))
        if f.get("/chosen", "rng-seed") is not None:
            problems.append("stage 2 /chosen/rng-seed still present (the kernel NOPs it)")
        if dtb_ok:
            if a.kind == "control":
                checks.append("stage 2 received the prepared DTB (%d bytes; only /chosen bootargs, "
                              "initrd, seeds differ)" % len(got))
            else:
                checks.append("stage 2 received the exact DTB (%d bytes; seeds wiped as expected)" % len(got)
                              + ("" if a.kind == "direct" else
                                 "; printed by load, rebuilt by exec with its own seeds"))
        # bootargs / initrd in the received DTB
        ba = f.get("/chosen", "bootargs")
        if ba is None or ba.rstrip(b"\0").decode("utf-8", "replace") != a.append:
            problems.append("stage 2 /chosen/bootargs = %s, expected %r" % (fmt_val(ba) if ba else "<absent>", a.append))
        s, e = u64(f.get("/chosen", "linux,initrd-start")), u64(f.get("/chosen", "linux,initrd-end"))
        isize = os.path.getsize(a.initrd)
        if s is None or e is None:
            problems.append("stage 2 DTB has no linux,initrd-start/-end")
        elif e - s != isize:
            problems.append("initrd-end - initrd-start = %d, the initrd has %d bytes" % (e - s, isize))
        else:
            notes.append("initrd at 0x%x" % s)

    if "STAGE2" in rep:
        if rep.get("STAGE2-CMDLINE") != a.append:
            problems.append("stage 2 /proc/cmdline %r, expected %r" % (rep.get("STAGE2-CMDLINE"), a.append))
        else:
            checks.append("bootargs ok")
        if rep.get("STAGE2-TOKEN") != a.token:
            problems.append("stage 2 initrd token %r, expected %r" % (rep.get("STAGE2-TOKEN"), a.token))
        else:
            checks.append("initrd ok")
        if a.marker is not None:
            if rep.get("STAGE2-MARKER") != a.marker:
                problems.append("marker %r, expected %r" % (rep.get("STAGE2-MARKER"), a.marker))
            else:
                checks.append("marker ok")

    out = sys.stdout
    if not problems:
        print("VERDICT run=%s: PASS %s" % (a.run, "; ".join(checks)) +
              (" [%s]" % "; ".join(notes) if notes else ""), file=out)
        return 0
    print("VERDICT run=%s: FAIL %s" % (a.run, problems[0]), file=out)
    for p in problems[1:]:
        print("  - " + p, file=out)
    for n in notes:
        print("  note: " + n, file=out)
    if diff_pair:
        print("  structural diff (%s vs %s):" % (diff_pair[2], diff_pair[3]), file=out)
        structural_diff(*diff_pair, out)
    print("  serial log (%s), last 60 lines:" % a.log, file=out)
    for line in [l for l in lines if not re.fullmatch(r"[A-Za-z0-9+/=]{40,}", l.strip())][-60:]:
        print("    | " + line, file=out)
    return 1


if __name__ == "__main__":
    sys.exit(main())
