#!/usr/bin/env python3
"""e2e/raid/stripe.py - variants of the RAID 0 disks without a preparation boot.

RAID 0 keeps no parity and its md superblock covers only itself, so a variant of the
array's contents is the base members with another file system image laid over their data
areas in RAID 0 order: array chunk k is member (k mod N)'s chunk (k div N), at the member's
data_offset (md raid0 with equal members has one zone). The superblocks (UUID, name, level)
stay exactly as mdadm --create wrote them.

  stripe.py write BASE0 BASE1 FS_IMAGE OUT0 OUT1   the members holding FS_IMAGE
  stripe.py read  MEMBER0 MEMBER1 OUT_IMAGE        the array's contents (the self-check)

Members are given in any order; their role comes from the superblock. Fails on anything
but metadata 1.2, level 0, equal data sizes, or an image larger than the array.
"""
import shutil
import struct
import sys

SB_OFFSET = 4096            # metadata 1.2: 4 KiB from the start of the member
SB_MAGIC = 0xA92B4EFC
SECTOR = 512


def die(msg):
    print("stripe.py: " + msg, file=sys.stderr)
    sys.exit(1)


def superblock(path):
    """(role, data_offset bytes, data_size bytes, chunk bytes, raid_disks, set_uuid)."""
    with open(path, "rb") as f:
        f.seek(SB_OFFSET)
        sb = f.read(1024)
    magic, major = struct.unpack_from("<II", sb, 0)
    if magic != SB_MAGIC or major != 1:
        die("%s: no md metadata 1.2 superblock at 4 KiB" % path)
    level, = struct.unpack_from("<i", sb, 72)
    chunk, raid_disks = struct.unpack_from("<II", sb, 88)
    data_offset, data_size = struct.unpack_from("<QQ", sb, 128)
    dev_number, = struct.unpack_from("<I", sb, 160)
    role, = struct.unpack_from("<H", sb, 256 + 2 * dev_number)
    if level != 0:
        die("%s: RAID level %d, not 0" % (path, level))
    return role, data_offset * SECTOR, data_size * SECTOR, chunk * SECTOR, raid_disks, sb[16:32]


def members(paths):
    sbs = [superblock(p) for p in paths]
    if len({s[5] for s in sbs}) != 1:
        die("the members belong to different arrays")
    if sbs[0][4] != len(paths) or sorted(s[0] for s in sbs) != list(range(len(paths))):
        die("expected roles 0..%d of a %d-member array" % (len(paths) - 1, sbs[0][4]))
    if len({s[2] for s in sbs}) != 1 or len({s[3] for s in sbs}) != 1:
        die("members differ in data size or chunk size")
    order = sorted(range(len(paths)), key=lambda i: sbs[i][0])
    return [(paths[i], sbs[i][1]) for i in order], sbs[0][2], sbs[0][3]


def write(base, image, out):
    for b, o in zip(base, out):
        shutil.copyfile(b, o)
    (mem, data_size, chunk) = members(out)
    data = open(image, "rb").read()
    n = len(mem)
    if len(data) > data_size * n:
        die("%s: %d bytes do not fit the array (%d)" % (image, len(data), data_size * n))
    files = [open(p, "r+b") for p, _ in mem]
    for k in range(0, (len(data) + chunk - 1) // chunk):
        f, (_, off) = files[k % n], mem[k % n]
        f.seek(off + (k // n) * chunk)
        f.write(data[k * chunk:(k + 1) * chunk])
    for f in files:
        f.close()


def read(paths, out):
    (mem, data_size, chunk) = members(paths)
    files = [open(p, "rb") for p, _ in mem]
    n = len(mem)
    with open(out, "wb") as o:
        for k in range(data_size * n // chunk):
            f, (_, off) = files[k % n], mem[k % n]
            f.seek(off + (k // n) * chunk)
            o.write(f.read(chunk))


def main():
    a = sys.argv[1:]
    if len(a) == 6 and a[0] == "write":
        write(a[1:3], a[3], a[4:6])
    elif len(a) == 4 and a[0] == "read":
        read(a[1:3], a[3])
    else:
        die("usage: stripe.py write BASE0 BASE1 FS_IMAGE OUT0 OUT1 | read M0 M1 OUT_IMAGE")


if __name__ == "__main__":
    main()
