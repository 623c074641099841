#!/usr/bin/env bash
# Builds the static aarch64 fdt-handoff (or another binary: --target) as
# shipped (--config=aarch64) with a linker map, and prints what its stripped size is made of: the ELF
# sections, the two LOAD segments and the padding between them, and the
# bytes each library contributes (from the map: every input section the
# linker kept, by archive), then the largest archive members.
#
# Usage: bench/binary_size.sh [--top N] [--target LABEL] [extra bazel build flags]
#   --target  default //tools:fdt-handoff; //init:mdboot is the other one shipped
#
# Bazel runs in the output base of tools/run_aarch64_tests.sh (its own, per
# checkout) and leaves the bazel-* links alone. The goal is at most 2 MiB
# (2,097,152 bytes) stripped with aarch64-linux-gnu-strip.
set -euo pipefail
cd "$(dirname "$0")/.."

top=25
target=//tools:fdt-handoff
while [[ $# -gt 0 ]]; do
  case "$1" in
    --top) top="$2"; shift 2 ;;
    --target) target="$2"; shift 2 ;;
    *) break ;;
  esac
done
name="${target##*:}"

for tool in aarch64-linux-gnu-strip aarch64-linux-gnu-readelf python3; do
  command -v "$tool" >/dev/null || {
    echo "binary_size.sh: needs $tool (tools/setup.sh installs it)" >&2
    exit 2
  }
done
sysroot="$(tools/make_sysroot.sh)"
# shellcheck source=tools/output_base.sh
. tools/output_base.sh
base="${FDT_HANDOFF_AARCH64_BASE:-$(output_base_for aarch64)}"
stamp_key="$(sha256sum "$sysroot/.stamp" | cut -c1-16)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/fdt-size.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
flags=(--config=aarch64 --symlink_prefix=/
       --action_env=FDT_HANDOFF_SYSROOT_STAMP="$stamp_key"
       "--linkopt=-Wl,-Map=$scratch/$name.map" "$@")

if ! bazel --output_base="$base" build "${flags[@]}" "$target" \
    >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  exit 1
fi
bin="$(bazel --output_base="$base" info "${flags[@]}" bazel-bin 2>/dev/null)"
label_path="${target#//}"
aarch64-linux-gnu-strip -o "$scratch/$name" "$bin/${label_path/://}"
aarch64-linux-gnu-readelf -SW "$scratch/$name" >"$scratch/sections"
aarch64-linux-gnu-readelf -lW "$scratch/$name" >"$scratch/segments"

python3 - "$scratch" "$top" "$name" <<'PY'
import collections, os, re, sys

scratch, top, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
size = os.path.getsize(os.path.join(scratch, name))
goal = 2 * 1024 * 1024
print(f"{name} (static aarch64, stripped): {size:,} bytes; "
      f"goal {goal:,} (2 MiB): {'met' if size <= goal else f'{size - goal:,} over'}")

print("\n== sections (stripped file) ==")
for line in open(os.path.join(scratch, "sections")):
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+([0-9a-f]+)", line)
    if m and int(m.group(3), 16) >= 4096:
        kind = "no file bytes" if m.group(2) == "NOBITS" else ""
        print(f"  {m.group(1):<20}{int(m.group(3), 16):>10,}  {kind}")

print("\n== LOAD segments ==")
loads, relro = [], 0
for line in open(os.path.join(scratch, "segments")):
    f = line.split()
    if f and f[0] == "LOAD":
        loads.append((int(f[1], 16), int(f[4], 16), f[6]))
        print(f"  {f[6]:<4} file offset {int(f[1], 16):>10,}  file size {int(f[4], 16):>10,}")
    if f and f[0] == "GNU_RELRO":
        relro = int(f[4], 16)
if len(loads) == 2:
    gap = loads[1][0] - (loads[0][0] + loads[0][1])
    print(f"  padding between them: {gap:,} bytes (the end of RELRO is aligned to the")
    print("  64 KiB maximum page size, so the file shrinks in 64 KiB steps of the")
    print("  first segment)")
    # The second segment starts where RELRO then ends on a 64 KiB boundary.
    step, text, tail = 64 * 1024, loads[0][1], size - loads[1][0]
    fits = max(k * step for k in range(1, 64)
               if k * step - relro + tail <= goal)
    if text + relro > fits:
        print(f"  under 2 MiB once the first segment is at most {fits - relro:,} bytes "
              f"({text + relro - fits:,} less)")

# The linker map: every input section kept in the output, with its file.
lines = open(os.path.join(scratch, name + ".map"), errors="replace").read().split("\n")
start = next(i for i, l in enumerate(lines)
             if l.startswith(("Memory map", "Linker script and memory map")))
no_file_bytes = (".bss", ".tbss")
per_member = collections.Counter()
out_section, pending = None, None
for l in lines[start:]:
    m = re.match(r"^(\.\S+)(\s|$)", l)
    if m:
        out_section = m.group(1)
        continue
    m = re.match(r"^ (\.\S+)\s*$", l)
    if m:
        pending = m.group(1)
        continue
    m = re.match(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", l)
    name = (m.group(1) or pending) if m else None
    pending = None
    if not m or out_section is None or out_section.startswith(no_file_bytes):
        continue
    if name and name.startswith(no_file_bytes):
        continue
    if int(m.group(2), 16) == 0xffffffffffffffff:  # Folded or dropped.
        continue
    if out_section.startswith((".debug", ".comment", ".note.GNU-stack")):
        continue
    per_member[m.group(4)] += int(m.group(3), 16)

IOSTREAM = re.compile(r"(locale|ios|stream|codecvt|ctype|messages|monetary|"
                      r"numeric|time_members|collate|shim_facets|cow-|"
                      r"string-inst|wstring|basic_file|globals_io|misc-inst|"
                      r"ext11|string-io)")
def part(path):
    if "bazel-out/" in path:
        return "ours (fdt/, kexec/, init/, tools/, toolchain/)"
    if re.search(r"libabsl_\w+\.a", path):
        return "Abseil"
    for lib, name in (("libfdt.a", "libfdt"), ("libzstd.a", "zstd"),
                      ("libz.a", "zlib")):
        if lib in path:
            return name
    if "libstdc++" in path or "libsupc++" in path:
        member = re.search(r"\((.*)\)", path)
        member = member.group(1) if member else ""
        if member.startswith("cp-demangle"):
            return "libstdc++ demangler (terminate message)"
        if IOSTREAM.search(member):
            return "libstdc++ iostreams/locale"
        return "libstdc++ other (new/delete, exceptions, strings)"
    if "libc.a" in path:
        return "glibc"
    if "libgcc" in path:
        return "libgcc (unwinder, helpers)"
    if "libm.a" in path or "libm-" in path:
        return "libm"
    return "startup files"
parts = collections.Counter()
for path, n in per_member.items():
    parts[part(path)] += n
total = sum(parts.values())
print("\n== bytes kept by the linker, by library (file sections, before padding) ==")
for name, n in parts.most_common():
    print(f"  {name:<50}{n:>10,}{100 * n / total:>7.1f}%")
print(f"  {'total':<50}{total:>10,}")

print(f"\n== the {top} largest archive members ==")
members = collections.Counter()
for path, n in per_member.items():
    members[re.sub(r".*/", "", path)] += n
for name, n in members.most_common(top):
    print(f"  {n:>9,}  {name}")
PY
