# shellcheck shell=bash disable=SC2034
# e2e/raid/expected.sh - sourced by e2e/raid/mdboot_runs.sh and e2e/flash/run.sh: what a
# boot of make_disks.sh's root must give, written down independently of the code under test.
#
# The Armbian command line for the cached root's armbianEnv.txt, by hand from
# boot-sun50i-next.cmd's order (as target-direct boots it).
ARMBIAN_CMDLINE="root=/dev/md/root rootwait rootfstype=ext4 splash=verbose console=ttyS0,115200 consoleblank=0"
ARMBIAN_CMDLINE+=" loglevel=7 ubootpart= usb-storage.quirks=0x2537:0x1066:u,0x2537:0x1068:u"
ARMBIAN_CMDLINE+=" console=ttyAMA0 mdboot.e2e=raid0  cgroup_enable=memory"
# Stage 1's command line for the runs whose target is judged: loglevel=5 keeps the
# kernel's informational lines out of the DTB block mdboot.dumpdtb prints.
MDBOOT_APPEND="console=ttyAMA0 panic=-1 loglevel=5 mdboot.dumpdtb"
