#!/usr/bin/env python3
"""e2e/raid/mbr.py - a file system image behind an MBR partition table, for the
partitioned-array variant of the RAID 0 disks (e2e/raid/mdboot_runs.sh).

  mbr.py FS_IMAGE OUT   OUT = a DOS partition table whose only partition (type 0x83,
                        Linux) starts at 1 MiB and holds FS_IMAGE exactly

As Armbian's images are laid out (one partition from 1 MiB); no host privileges and no
fdisk needed: the table is one 16-byte entry, written here field by field (little-endian
LBA start and length; the CHS fields say "use LBA", which is all Linux reads).
"""
import struct
import sys

SECTOR = 512
START = 2048                # sectors: 1 MiB
DISK_ID = 0x6D64706E        # fixed, so the variant is the same bytes every time


def table(fs_bytes):
    if fs_bytes % SECTOR:
        sys.exit("mbr.py: the file system image is not a whole number of sectors")
    mbr = bytearray(SECTOR)
    struct.pack_into("<I", mbr, 440, DISK_ID)
    # status, CHS first, type, CHS last, LBA first, sectors
    struct.pack_into("<B3sB3sII", mbr, 446, 0x00, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff",
                     START, fs_bytes // SECTOR)
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mbr.py FS_IMAGE OUT")
    data = open(sys.argv[1], "rb").read()
    with open(sys.argv[2], "wb") as o:
        o.write(table(len(data)))
        o.write(bytes(START * SECTOR - SECTOR))
        o.write(data)


if __name__ == "__main__":
    main()
