#!/usr/bin/env python3
"""Tests of tools/module_order.py on small depmod outputs written here."""
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "module_order.py")

# Shaped like Debian 6.1 arm64's modules.dep: each line lists the whole closure.
DEP = """\
kernel/drivers/md/raid0.ko: kernel/drivers/md/md-mod.ko
kernel/drivers/md/md-mod.ko:
kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/fs/mbcache.ko.xz kernel/lib/crc16.ko.xz
kernel/fs/jbd2/jbd2.ko.xz:
kernel/fs/mbcache.ko.xz:
kernel/lib/crc16.ko.xz:
kernel/crypto/crc32c_generic.ko.xz:
kernel/drivers/usb/storage/usb-storage.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/usb/core/usbcore.ko kernel/drivers/scsi/scsi_common.ko kernel/drivers/usb/common/usb-common.ko
kernel/drivers/scsi/scsi_mod.ko: kernel/drivers/scsi/scsi_common.ko
kernel/drivers/scsi/scsi_common.ko:
kernel/drivers/usb/core/usbcore.ko: kernel/drivers/usb/common/usb-common.ko
kernel/drivers/usb/common/usb-common.ko:
kernel/a.ko: kernel/b.ko
kernel/b.ko: kernel/a.ko
kernel/orphan.ko: kernel/nowhere.ko
"""


class ModuleOrderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.files = {"modules.dep": DEP,
                      "modules.softdep": "# comment\nsoftdep ext4 pre: crypto-crc32c post: nothing\n",
                      "modules.alias": "alias crypto-crc32c crc32c_generic\nalias fs-ext4 ext4\n",
                      "modules.builtin": "kernel/drivers/usb/host/xhci-hcd.ko\n"}
        for name, text in self.files.items():
            with open(os.path.join(self.tmp.name, name), "w") as f:
                f.write(text)

    def tearDown(self):
        self.tmp.cleanup()

    def run_tool(self, *names):
        return subprocess.run([sys.executable, TOOL, "--dep-dir", self.tmp.name, *names],
                              capture_output=True, text=True)

    def order(self, *names):
        p = self.run_tool(*names)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.split()

    def test_dependencies_first_each_once(self):
        # modules.dep's closure backwards (as modprobe loads it), each module after its own.
        self.assertEqual(self.order("usb-storage", "raid0", "md_mod"), [
            "kernel/drivers/usb/common/usb-common.ko",
            "kernel/drivers/scsi/scsi_common.ko",
            "kernel/drivers/usb/core/usbcore.ko",
            "kernel/drivers/scsi/scsi_mod.ko",
            "kernel/drivers/usb/storage/usb-storage.ko",
            "kernel/drivers/md/md-mod.ko",
            "kernel/drivers/md/raid0.ko"])

    def test_soft_pre_dependency_through_an_alias_before_the_module(self):
        order = self.order("ext4")
        self.assertEqual(order[0], "kernel/crypto/crc32c_generic.ko.xz")
        self.assertEqual(order[-1], "kernel/fs/ext4/ext4.ko.xz")
        self.assertEqual(len(order), 5)

    def test_alias_names_a_module(self):
        self.assertEqual(self.order("fs-ext4"), self.order("ext4"))

    def test_builtin_is_skipped_and_said(self):
        p = self.run_tool("xhci_hcd", "md-mod")
        self.assertEqual(p.stdout.split(), ["kernel/drivers/md/md-mod.ko"])
        self.assertIn("xhci_hcd is built into the kernel", p.stderr)

    def test_unknown_module_is_an_error_naming_it_and_the_folder(self):
        p = self.run_tool("raid456")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("'raid456'", p.stderr)
        self.assertIn(self.tmp.name, p.stderr)

    def test_cycle_and_dangling_dependency_are_errors(self):
        self.assertIn("dependency cycle", self.run_tool("a").stderr)
        self.assertIn("kernel/nowhere.ko (needed by kernel/orphan.ko)", self.run_tool("orphan").stderr)

    def test_missing_modules_dep_says_run_depmod(self):
        os.remove(os.path.join(self.tmp.name, "modules.dep"))
        self.assertIn("run depmod first", self.run_tool("raid0").stderr)


if __name__ == "__main__":
    unittest.main()
