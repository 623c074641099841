#!/usr/bin/env python3
"""Writes a reproducible newc cpio archive (the initramfs format) of a folder.

    tools/newc.py --root DIR [--node PATH:c|b:MAJOR:MINOR:MODE]... [--mtime N] -o OUT

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--node", action="append", default=[])
    ap.add_argument("--mtime", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
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
