#!/usr/bin/python3
"""Checks that the FDT a kernel booted on (/sys/firmware/fdt, copied out) is U-Boot's work.

  check_live_fdt.py --image FLASH.bin --live LIVE.dtb --console LOG --bootargs S
                    --memory BASE:SIZE

Reads the FIT from the flash image's payload region (flash/layout.txt) and requires in
LIVE: /chosen/u-boot,version (U-Boot's fdt_chosen wrote it), /chosen/bootargs == S,
/chosen/linux,initrd-start/-end == where U-Boot's console says it put the ramdisk
("Loading Ramdisk to ..., end ...") and their difference == the FIT ramdisk's exact
size, and one /memory node whose reg is BASE:SIZE. Prints one line per check; exits 1
on the first that fails. Runs under Debian's python3 (python3-libfdt).
"""

import argparse
import os
import re
import sys

import libfdt

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUT = os.path.join(HERE, "..", "..", "flash", "layout.txt")


def payload_offset():
    with open(LAYOUT) as f:
        for line in f:
            words = line.split()
            if words and words[0] == "payload":
                return int(words[1], 16)
    raise SystemExit(f"{LAYOUT}: no payload region")


def read_fit(image):
    with open(image, "rb") as f:
        f.seek(payload_offset())
        head = f.read(8)
        size = int.from_bytes(head[4:8], "big")
        return libfdt.Fdt(head + f.read(size - 8))


def cells(fdt, path, name):
    raw = fdt.getprop(fdt.path_offset(path), name)
    return [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]


def number(fdt, path, name):
    value = 0
    for c in cells(fdt, path, name):
        value = (value << 32) | c
    return value


def check(ok, what):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        sys.exit(1)


def memory_regs(live):
    node = live.first_subnode(0)
    regs = []
    while True:
        name = live.get_name(node)
        if name == "memory" or name.startswith("memory@"):
            c = cells(live, "/" + name, "reg")
            regs += [((c[i] << 32) | c[i + 1], (c[i + 2] << 32) | c[i + 3]) for i in range(0, len(c), 4)]
        try:
            node = live.next_subnode(node)
        except libfdt.FdtException:
            return regs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--image", required=True)
    p.add_argument("--live", required=True)
    p.add_argument("--console", required=True)
    p.add_argument("--bootargs", required=True)
    p.add_argument("--memory", required=True)
    a = p.parse_args()
    with open(a.live, "rb") as f:
        live = libfdt.Fdt(f.read())
    fit = read_fit(a.image)
    rd_size = len(fit.getprop(fit.path_offset("/images/ramdisk"), "data"))
    chosen = live.path_offset("/chosen")
    version = live.getprop(chosen, "u-boot,version", quiet=(libfdt.NOTFOUND,))
    check(not isinstance(version, int), "/chosen/u-boot,version: "
          + (version.as_str() if not isinstance(version, int) else "absent"))
    bootargs = live.getprop(chosen, "bootargs").as_str()
    check(bootargs == a.bootargs, f"/chosen/bootargs = {bootargs!r}")
    start = number(live, "/chosen", "linux,initrd-start")
    end = number(live, "/chosen", "linux,initrd-end")
    with open(a.console, "rb") as f:
        said = re.findall(rb"Loading Ramdisk to ([0-9a-f]+), end ([0-9a-f]+)", f.read())
    check(len(said) == 1, f"U-Boot loaded the ramdisk once: {said}")
    u_start, u_end = (int(x, 16) for x in said[0])
    check((start, end) == (u_start, u_end),
          f"/chosen/linux,initrd-start/-end = {start:#x}/{end:#x} (U-Boot: {u_start:#x}/{u_end:#x})")
    check(end - start == rd_size, f"initrd-end - initrd-start = {end - start} (FIT ramdisk {rd_size} bytes)")
    base, size = (int(x, 0) for x in a.memory.split(":"))
    regs = memory_regs(live)
    check(regs == [(base, size)], f"/memory reg = {[(hex(b), hex(s)) for b, s in regs]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
