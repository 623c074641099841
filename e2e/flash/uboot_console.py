#!/usr/bin/env python3
"""Drives QEMU's serial console through U-Boot into mdboot, and on to the target.

e2e/flash/run.sh starts QEMU (-serial stdio) through this script, which types into
U-Boot the commands the board runs (its environment's mdboot_boot, imported from the
flash image's own env region). --until shell (no disks): once mdboot has printed its
lines and dropped to its rescue shell, copies the live FDT out of the guest
(/sys/firmware/fdt as hex) so run.sh can check U-Boot's fixups. --until target (the
RAID disks attached): follows mdboot through the array, the hand-off and the kexec, then
the target kernel up to its init's last line (e2e/raid/target_init.sh: "TARGET [...]
done"), which run.sh judges with e2e/raid/verdict.py. Everything the guest prints goes
to --log, each step's elapsed time to --times.

  uboot_console.py --log LOG --times TIMES --fdt-out DTB --commands FILE
                   [--until shell|target] -- QEMU ARGS...

FILE holds the U-Boot commands, one a line, sent after autoboot is interrupted; each
must bring the prompt back, except the last (it boots). Exits 1 naming the step that
did not see what it waited for.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time

PROMPT = b"=> "


class Console:
    """A QEMU child whose stdout is read without blocking, with a transcript."""

    def __init__(self, argv, log, timeline):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""
        self.seen = 0
        self.log = log
        self.timeline = timeline
        self.t0 = time.monotonic()

    def mark(self, what):
        self.timeline.write(f"{time.monotonic() - self.t0:8.2f} s  {what}\n")
        self.timeline.flush()

    def _pump(self):
        try:
            chunk = self.proc.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            self.buf += chunk
            self.log.write(chunk)
            self.log.flush()
            return True
        if self.proc.poll() is not None:
            raise RuntimeError(f"QEMU exited with status {self.proc.returncode}")
        return False

    def expect(self, pattern, timeout, step):
        """Waits for a regex (bytes) after what was consumed; returns the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.S)
        while True:
            m = rx.search(self.buf, self.seen)
            if m:
                self.seen = m.end()
                self.mark(step)
                return m
            if time.monotonic() > deadline:
                raise TimeoutError(f"{step}: no {pattern!r} within {timeout} s")
            if not self._pump():
                time.sleep(0.02)

    def send(self, text):
        # In small pieces: the emulated UART's receive FIFO is 16 bytes deep.
        data = text.encode()
        for i in range(0, len(data), 8):
            self.proc.stdin.write(data[i:i + 8])
            self.proc.stdin.flush()
            time.sleep(0.01)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


HEXDUMP_LINE = re.compile(rb"^[0-9a-f]{8}  ((?:[0-9a-f]{2} {1,2}){1,16})", re.M)


def fetch_fdt(con, out):
    """Reads /sys/firmware/fdt through the shell as `hexdump -v -C` between markers the
    shell computes (so the echoed command line cannot match), with its sha256."""
    con.send("echo M$((6*7))B; busybox hexdump -v -C /sys/firmware/fdt; busybox sha256sum /sys/firmware/fdt;"
             " echo M$((6*7))E\r")
    m = con.expect(rb"M42B\r?\n(.*?)M42E", 300, "live FDT read through the rescue shell")
    data = bytes.fromhex(b"".join(HEXDUMP_LINE.findall(m.group(1))).decode().replace(" ", ""))
    said = re.search(rb"([0-9a-f]{64})  /sys/firmware/fdt", m.group(1))
    if not data or not said:
        raise RuntimeError("the rescue shell printed no hexdump or sha256 of /sys/firmware/fdt")
    if hashlib.sha256(data).hexdigest() != said.group(1).decode():
        raise RuntimeError("the FDT read over the console does not match the guest's sha256")
    with open(out, "wb") as f:
        f.write(data)


def follow_target(con):
    """mdboot with the RAID disks attached: array, mount, the hand-off, kexec, then the
    target kernel and its init. Stage 1 runs with loglevel=5 (the kernel's informational
    lines stay out of the DTB block mdboot.dumpdtb prints), so its own kexec notice is not
    on the console; the target kernel's first line is."""
    con.expect(rb"mdboot: array up: \S+", 120, "mdboot: array up")
    con.expect(rb"mdboot: mounted [^\r\n]*", 60, "mdboot: root mounted")
    con.expect(rb"mdboot: memory [^\r\n]*from live FDT[^\r\n]*", 120, "mdboot: /memory from the live FDT")
    con.expect(rb"mdboot: loaded; rebooting into [^\r\n]*", 120, "mdboot: kexec_load done")
    con.expect(rb"Booting Linux on physical CPU", 60, "target kernel: first line")
    m = con.expect(rb"(TARGET \[[0-9.]+\] done|Kernel panic[^\r\n]*)", 180, "target: init done")
    if m.group(1).startswith(b"Kernel panic"):
        raise RuntimeError("the target kernel panicked: " + m.group(1).decode(errors="replace"))


def run(args, con):
    commands = [c for c in open(args.commands).read().splitlines() if c.strip()]
    con.expect(rb"U-Boot 20\d\d\.\d\d", 120, "U-Boot banner")
    con.expect(rb"Hit any key to stop autoboot", 60, "U-Boot autoboot countdown")
    con.send(" ")
    con.expect(PROMPT, 30, "U-Boot prompt")
    for c in commands[:-1]:
        con.send(c + "\r")
        m = con.expect(rb"(.*?)" + re.escape(PROMPT), 60, f"U-Boot: {c}")
        if re.search(rb"## Error|Unknown command|Bad |Error:|failed|not found", m.group(1)):
            raise RuntimeError(f"U-Boot: {c}: {m.group(1).decode(errors='replace').strip()}")
    con.send(commands[-1] + "\r")
    con.expect(rb"Starting kernel \.\.\.", 120, "U-Boot: Starting kernel")
    if args.until == "shell":  # the kernel's own lines are on the console (no loglevel=)
        con.expect(rb"Booting Linux on physical CPU", 60, "kernel: first line")
        con.expect(rb"Run /init as init process", 120, "kernel: runs /init")
    con.expect(rb"mdboot starting", 120, "mdboot: first line")
    con.expect(rb"settings: [^\r\n]*", 60, "mdboot: settings line")
    if args.until == "target":
        follow_target(con)
        return
    con.expect(rb"rescue shell \(busybox sh\)", 120, "mdboot: rescue shell offered")
    # ash asks the terminal for the cursor position first; a line typed into that
    # exchange can get lost, so wait for the prompt, send an empty line, wait again.
    con.expect(rb"# ", 30, "rescue shell prompt")
    time.sleep(0.5)
    con.send("\r")
    con.expect(rb"# ", 30, "rescue shell prompt again")
    fetch_fdt(con, args.fdt_out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--log", required=True)
    p.add_argument("--times", required=True)
    p.add_argument("--fdt-out", required=True)
    p.add_argument("--commands", required=True)
    p.add_argument("--until", choices=["shell", "target"], default="shell",
                   help="shell: mdboot's rescue shell, then the live FDT (no disks); "
                        "target: the array, the hand-off, kexec and the target's init (RAID disks attached)")
    p.add_argument("qemu", nargs=argparse.REMAINDER)
    args = p.parse_args()
    argv = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu
    with open(args.log, "wb") as log, open(args.times, "w") as timeline:
        con = Console(argv, log, timeline)
        try:
            run(args, con)
        except (RuntimeError, TimeoutError) as e:
            print(f"uboot_console: {e} (console: {args.log})", file=sys.stderr)
            return 1
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
