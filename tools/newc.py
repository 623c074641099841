#!/usr/bin/env python3
"""Writes a reproducible newc cpio archive (the initramfs format) of a folder.

    tools/newc.py --root DIR [--node PATH:c|b:MAJOR:MINOR:MODE]... [--mtime N] -o OUT
    tools/newc.py --list ARCHIVE

--list prints one line per entry of an uncompressed newc archive (any writer's):
octal mode, owner, mtime, size, the first 16 hex digits of the payload's sha256, path.
Two listings diffed name the members in which two archives differ
(tools/initramfs_repro_test.sh).

Why not GNU cpio: a device node such as /dev/console would have to exist in
the folder, and only root may mknod. Here nodes are archive entries only, so
the builder needs no privileges. Everything that could differ between two
builds is fixed: entries sorted by path (parents first), owner 0:0, mtime
--mtime (SOURCE_DATE_EPOCH, default 0), inode numbers counted from 1, modes
normalised (directories 0755, files 0755 if any execute bit else 0644,
symlinks 0777), no hard links. Only folders, regular files and symlinks may
be in DIR; anything else is an error naming the path.
"""
import argparse
import hashlib
import os
import stat
import sys

TRAILER = "TRAILER!!!"


def header(ino, mode, nlink, mtime, size, rdev, name):
    """One newc header (ASCII hex fields), name and padding to 4 bytes."""
    major, minor = rdev
    fields = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, major, minor, len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
    return head + b"\0" * (-len(head) % 4)


def walk(root):
    """(archive path, kind, payload) for everything under root, sorted."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                entries.append((rel, "slink", os.readlink(full).encode()))
            elif stat.S_ISDIR(st.st_mode):
                entries.append((rel, "dir", None))
            elif stat.S_ISREG(st.st_mode):
                entries.append((rel, "exe" if st.st_mode & 0o111 else "file", full))
            else:
                sys.exit(f"newc.py: {full}: not a folder, regular file or symlink")
    return entries


def parse_node(spec):
    """PATH:c|b:MAJOR:MINOR:MODE -> (path, mode, (major, minor))."""
    parts = spec.split(":")
    if len(parts) != 5 or parts[1] not in ("c", "b"):
        sys.exit(f"newc.py: --node {spec!r}: expected PATH:c|b:MAJOR:MINOR:MODE")
    kind = stat.S_IFCHR if parts[1] == "c" else stat.S_IFBLK
    return parts[0].lstrip("/"), kind | int(parts[4], 8), (int(parts[2]), int(parts[3]))


def collect(root, nodes):
    """Archive path -> (kind, payload); exits on anything it cannot archive."""
    items = {rel: (kind, payload) for rel, kind, payload in walk(root)}
    for path, mode, rdev in nodes:
        if path in items:
            sys.exit(f"newc.py: --node {path}: the folder already has that path")
        parent = os.path.dirname(path)
        if parent and items.get(parent, ("",))[0] != "dir":
            sys.exit(f"newc.py: --node {path}: parent folder {parent} is not in the archive")
        items[path] = ("node", (mode, rdev))
    return items


def write(out, items, mtime):
    ino = 0
    for rel in sorted(items, key=lambda p: p.split("/")):
        kind, payload = items[rel]
        ino += 1
        if kind == "dir":
            out.write(header(ino, stat.S_IFDIR | 0o755, 2, mtime, 0, (0, 0), rel))
        elif kind == "node":
            out.write(header(ino, payload[0], 1, mtime, 0, payload[1], rel))
        else:
            if kind == "slink":
                data, mode = payload, stat.S_IFLNK | 0o777
            else:
                with open(payload, "rb") as f:
                    data = f.read()
                mode = stat.S_IFREG | (0o755 if kind == "exe" else 0o644)
            out.write(header(ino, mode, 1, mtime, len(data), (0, 0), rel))
            out.write(data + b"\0" * (-len(data) % 4))
    out.write(header(0, 0, 1, 0, 0, (0, 0), TRAILER))


COMPRESSED = {b"\xfd7zXZ\0": "xz", b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd"}


def read_entries(data, where):
    """[(name, mode, uid, gid, mtime, payload)] of a newc archive; exits naming where and the
    offset on anything that is not one."""
    for magic, kind in COMPRESSED.items():
        if data.startswith(magic):
            sys.exit(f"newc.py: {where}: {kind}-compressed: decompress it first")
    out, off = [], 0
    while True:
        head = data[off:off + 110]
        if len(head) < 110 or head[:6] != b"070701":
            sys.exit(f"newc.py: {where}: no newc header at offset {off}")
        try:
            f = [int(head[6 + 8 * i: 14 + 8 * i], 16) for i in range(13)]
        except ValueError:
            sys.exit(f"newc.py: {where}: header at offset {off} is not hex")
        mode, uid, gid, mtime, size, namesize = f[1], f[2], f[3], f[5], f[6], f[11]
        name = data[off + 110: off + 110 + namesize - 1].decode(errors="replace")
        off += 110 + namesize
        off += -off % 4
        if off + size > len(data):
            sys.exit(f"newc.py: {where}: {name}: {size} bytes announced, the archive ends first")
        if name == TRAILER:
            return out
        out.append((name, mode, uid, gid, mtime, data[off: off + size]))
        off += size
        off += -off % 4


def list_archive(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = []
    for name, mode, uid, gid, mtime, payload in read_entries(data, path):
        digest = hashlib.sha256(payload).hexdigest()[:16]
        lines.append(f"{mode:06o} {uid}:{gid} {mtime} {len(payload)} {digest} {name}\n")
    sys.stdout.write("".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", metavar="ARCHIVE")
    ap.add_argument("--root")
    ap.add_argument("--node", action="append", default=[])
    ap.add_argument("--mtime", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    if args.list is not None:
        if args.root or args.output or args.node:
            ap.error("--list takes no --root, --node or -o")
        list_archive(args.list)
        return
    if not args.root or not args.output:
        ap.error("--root and -o are required (or --list ARCHIVE)")
    if not os.path.isdir(args.root):
        sys.exit(f"newc.py: --root {args.root}: not a folder")
    items = collect(args.root, [parse_node(n) for n in args.node])   # all checks before writing
    tmp = args.output + ".tmp"
    try:
        with open(tmp, "wb") as out:
            write(out, items, args.mtime)
        os.replace(tmp, args.output)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


if __name__ == "__main__":
    main()
