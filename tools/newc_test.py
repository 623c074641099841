#!/usr/bin/env python3
"""Tests of tools/newc.py: the archive it writes, parsed here independently."""
import hashlib
import os
import stat
import subprocess
import sys
import tempfile
import unittest

NEWC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "newc.py")


def parse(data):
    """[(name, mode, uid, gid, mtime, rdevmajor, rdevminor, payload)] of a newc archive."""
    out, off = [], 0
    while True:
        assert data[off:off + 6] == b"070701", f"bad magic at {off}"
        f = [int(data[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        ino, mode, uid, gid, nlink, mtime, size, _, _, rmaj, rmin, namesize, _ = f
        name = data[off + 110: off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += -off % 4
        payload = data[off: off + size]
        off += size
        off += -off % 4
        if name == "TRAILER!!!":
            assert off == len(data), "bytes after the trailer"
            return out
        out.append((name, mode, uid, gid, mtime, rmaj, rmin, payload))


class NewcTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.tmp.name, "root")
        os.makedirs(os.path.join(self.root, "bin"))
        os.makedirs(os.path.join(self.root, "dev"))
        os.makedirs(os.path.join(self.root, "lib", "modules"))
        self.write("bin/tool", b"#!/bin/sh\n", 0o700)
        self.write("lib/modules/load-order", b"/lib/modules/x.ko\n", 0o600)
        os.symlink("tool", os.path.join(self.root, "bin", "sh"))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, data, mode):
        path = os.path.join(self.root, rel)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)

    def run_newc(self, *extra, mtime=None, check=True):
        out = os.path.join(self.tmp.name, "out.cpio")
        cmd = [sys.executable, NEWC, "--root", self.root, "-o", out, *extra]
        if mtime is not None:
            cmd += ["--mtime", str(mtime)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, "rb") as f:
                return f.read()
        return p

    def test_entries_sorted_parents_first_with_normalised_metadata(self):
        entries = parse(self.run_newc("--node", "/dev/console:c:5:1:0600", mtime=1700000000))
        names = [e[0] for e in entries]
        self.assertEqual(names, ["bin", "bin/sh", "bin/tool", "dev", "dev/console",
                                 "lib", "lib/modules", "lib/modules/load-order"])
        by = {e[0]: e for e in entries}
        for e in entries:
            self.assertEqual((e[2], e[3], e[4]), (0, 0, 1700000000), e[0])
        self.assertEqual(by["bin"][1], stat.S_IFDIR | 0o755)
        self.assertEqual(by["bin/tool"][1], stat.S_IFREG | 0o755)      # 0700 -> 0755
        self.assertEqual(by["bin/tool"][7], b"#!/bin/sh\n")
        self.assertEqual(by["lib/modules/load-order"][1], stat.S_IFREG | 0o644)  # 0600 -> 0644
        self.assertEqual(by["bin/sh"][1], stat.S_IFLNK | 0o777)
        self.assertEqual(by["bin/sh"][7], b"tool")
        self.assertEqual(by["dev/console"][1], stat.S_IFCHR | 0o600)
        self.assertEqual(by["dev/console"][5:7], (5, 1))

    def test_same_tree_same_bytes_whatever_the_file_times(self):
        first = self.run_newc(mtime=0)
        os.utime(os.path.join(self.root, "bin", "tool"), (12345, 12345))
        self.assertEqual(first, self.run_newc(mtime=0))

    def test_mtime_comes_from_source_date_epoch(self):
        out = os.path.join(self.tmp.name, "e.cpio")
        env = dict(os.environ, SOURCE_DATE_EPOCH="42")
        subprocess.run([sys.executable, NEWC, "--root", self.root, "-o", out], check=True, env=env)
        with open(out, "rb") as f:
            self.assertEqual({e[4] for e in parse(f.read())}, {42})

    def test_fifo_is_refused_by_path_and_nothing_written(self):
        os.mkfifo(os.path.join(self.root, "dev", "fifo"))
        p = self.run_newc(check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("dev/fifo", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "out.cpio")))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "out.cpio.tmp")))

    def test_node_needs_an_existing_parent_and_a_free_path(self):
        p = self.run_newc("--node", "/nodir/console:c:5:1:0600", check=False)
        self.assertIn("parent folder nodir", p.stderr)
        p = self.run_newc("--node", "/bin/sh:c:5:1:0600", check=False)
        self.assertIn("already has that path", p.stderr)
        p = self.run_newc("--node", "/dev/console:x:5:1:0600", check=False)
        self.assertIn("PATH:c|b:MAJOR:MINOR:MODE", p.stderr)

    def run_list(self, path):
        return subprocess.run([sys.executable, NEWC, "--list", path], capture_output=True,
                              text=True)

    def test_list_names_every_entry_with_its_metadata_and_digest(self):
        data = self.run_newc("--node", "/dev/console:c:5:1:0600", mtime=7)
        p = self.run_list(os.path.join(self.tmp.name, "out.cpio"))
        self.assertEqual(p.returncode, 0, p.stderr)
        want = [f"{mode:06o} {uid}:{gid} {mtime} {len(payload)} "
                f"{hashlib.sha256(payload).hexdigest()[:16]} {name}"
                for name, mode, uid, gid, mtime, _, _, payload in parse(data)]
        self.assertEqual(p.stdout.splitlines(), want)
        self.assertIn("100755 0:0 7 10 ", p.stdout)   # bin/tool's 10 bytes, normalised mode
        self.assertTrue(p.stdout.splitlines()[2].endswith(" bin/tool"))

    def test_list_refuses_a_truncated_or_compressed_archive_naming_it(self):
        data = self.run_newc(mtime=0)
        cut = os.path.join(self.tmp.name, "cut.cpio")
        with open(cut, "wb") as f:
            f.write(data[:200])
        p = self.run_list(cut)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cut.cpio", p.stderr)
        self.assertRegex(p.stderr, r"offset \d+|announced")
        packed = os.path.join(self.tmp.name, "x.cpio.xz")
        with open(packed, "wb") as f:
            f.write(b"\xfd7zXZ\0" + data)
        p = self.run_list(packed)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("x.cpio.xz: xz-compressed", p.stderr)


if __name__ == "__main__":
    unittest.main()
