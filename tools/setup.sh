#!/usr/bin/env bash
# Installs the Debian 12 packages fdt-handoff builds and tests with, if any
# is missing. Safe to run repeatedly; needs root (or sudo) only when
# something must be installed.
#
#   tools/setup.sh          build + test dependencies
#   tools/setup.sh --fuzz   also clang and its runtime for libFuzzer
#   tools/setup.sh --e2e    also QEMU and cpio for the emulated kexec harness (e2e/)
#   tools/setup.sh --initramfs  also what tools/build_initramfs.sh and e2e/raid/ need
#   tools/setup.sh --flash  also what tools/build_flash.sh and e2e/flash/ need
set -euo pipefail

packages=(
  bazel-bootstrap     # Bazel 4.2.3, builds offline with the WORKSPACE here
  bazel-rules-java    # rules_java for Bazel 4 (WORKSPACE points at it)
  bazel-platforms     # platforms for Bazel 4 (WORKSPACE points at it)
  g++
  libfdt-dev          # libfdt 1.6.1
  device-tree-compiler  # dtc: compiles our overlays at build time
  gcc-aarch64-linux-gnu  # kexec/verify: builds the verifying purgatory (freestanding)
  libc6-dev-arm64-cross  # kexec/verify: static aarch64 program around its sha256
  qemu-user-static       # kexec/verify: runs that program (sha256_qemu_test)
  libabsl-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  zlib1g-dev          # zlib: Image.gz / EFI zboot kernels, U-Boot CRCs
  libzstd-dev         # libzstd: Image.zst / EFI zboot (zstd) kernels
  zstd                # testdata/kernel/make_fixtures.sh
  u-boot-tools        # mkimage: testdata/kernel/make_fixtures.sh
  python3             # benchmark report and golden helpers
  g++-aarch64-linux-gnu       # --config=aarch64 (toolchain/); its own arm64
  binutils-aarch64-linux-gnu  #   libc + libstdc++; the rest: tools/make_sysroot.sh
  cmake               # tools/make_sysroot.sh: cross-compiles Abseil for the sysroot
  ninja-build         #   (with CMake) from Debian's source package
  dpkg-dev            #   (dpkg-source)
  qemu-user-static    # runs the aarch64 tests (tools/run_aarch64_tests.sh)
)
for arg in "$@"; do
  case "$arg" in
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --e2e) packages+=(qemu-system-arm cpio binutils) ;;  # e2e/: qemu-system-aarch64, initramfs, readelf
    # depmod for a kernel package's modules.dep, dpkg-source + make for mdadm's static
    # build, xz and cpio to measure the mdadm options, mke2fs for e2e/raid's root image
    --initramfs) packages+=(kmod dpkg-dev make xz-utils cpio binutils e2fsprogs) ;;
    # Debian sources (dpkg-source), TF-A/U-Boot/kernel builds (bison, flex, bc, libssl-dev
    # for U-Boot's tools, U-Boot's binman under Debian's python3), LZMA for the FIT kernel
    --flash) packages+=(dpkg-dev make bison flex bc libssl-dev libgnutls28-dev uuid-dev xz-utils
                        python3-pyelftools python3-libfdt swig qemu-system-arm cpio) ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
  --no-install-recommends "${missing[@]}" >/dev/null
