#!/usr/bin/env bash
# Counts the instructions of one Reconcile against the raw libfdt sequence
# of bench/fdt_benchmark.cc, with valgrind's callgrind (deterministic, so
# unlike the timings it does not move with the machine's load), and prints
# the largest parts of ours.
#
# Usage: bench/callgrind_reconcile.sh
#
# Ours is fdt_handoff::Reconcile() inclusive, per call. Raw is the timed
# loop of BM_Reconcile_RawLibfdt inclusive (the sequence is inlined there)
# minus its input reads, per iteration (one RawApply call each).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind callgrind_annotate python3; do
  command -v "$tool" >/dev/null || {
    echo "callgrind_reconcile.sh: needs $tool (apt-get install valgrind)" >&2
    exit 2
  }
done
scratch="$(mktemp -d "${TMPDIR:-/tmp}/fdt-callgrind.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
bazel_opt=(-c opt --symlink_prefix=/)
if ! bazel build "${bazel_opt[@]}" //bench:fdt_benchmark >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  exit 1
fi
bin="$(bazel info "${bazel_opt[@]}" bazel-bin 2>/dev/null)"
cd "$bin/bench/fdt_benchmark.runfiles/fdt_handoff"
for variant in Ours RawLibfdt; do
  valgrind --tool=callgrind --callgrind-out-file="$scratch/$variant.out" \
    "$bin/bench/fdt_benchmark" --benchmark_filter="BM_Reconcile_${variant}\$" \
    --benchmark_min_time=1 >/dev/null 2>&1
  callgrind_annotate --inclusive=yes --tree=calling "$scratch/$variant.out" \
    >"$scratch/$variant.txt" 2>/dev/null
done

python3 - "$scratch" <<'PY'
import re, sys

scratch = sys.argv[1]
# "  1,234 ( 5.6%)  >   fn(args) [clone .constprop.0] (12x) [/path/binary]"
ENTRY = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)  (\*|>)\s+(\S.*?)"
                   r"(?: \((\d+)x\))? \[[^\[\]]*\]\s*$")

def tree(name):
    """{function: (inclusive Ir, {callee: (Ir, calls)})} from --tree=calling."""
    out, current = {}, None
    for line in open(f"{scratch}/{name}.txt"):
        m = ENTRY.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        fn = re.sub(r"^\?\?\?:", "", m.group(3))
        if m.group(2) == "*":
            current = fn
            out[fn] = (ir, {})
        elif current is not None:
            out[current][1][fn] = (ir, int(m.group(4) or 1))
    return out

def find(t, prefix):
    return next((k for k in t if k.startswith(prefix)), None)

ours = tree("Ours")
key = find(ours, "fdt_handoff::Reconcile(")
calls = sum(c for f in ours.values() for callee, (_, c) in f[1].items() if callee == key)
per_ours = ours[key][0] / max(calls, 1)

raw = tree("RawLibfdt")
bm = find(raw, "fdt_handoff::(anonymous namespace)::BM_Reconcile_RawLibfdt")
callees = raw[bm][1]
reads = sum(ir for fn, (ir, _) in callees.items() if "ReadInput" in fn)
iterations = next((c for fn, (_, c) in callees.items() if "RawApply" in fn), 1)
per_raw = (raw[bm][0] - reads) / iterations

print(f"instructions per Reconcile: ours {per_ours / 1e6:.2f} M, raw libfdt "
      f"{per_raw / 1e6:.2f} M, ratio {per_ours / per_raw:.2f}")
print("largest parts of ours (inclusive, per call):")
parts = sorted(ours[key][1].items(), key=lambda kv: -kv[1][0])[:10]
for fn, (ir, _) in parts:
    short = fn.replace("(anonymous namespace)::", "")
    short = re.sub(r"\(.*", "", short).replace("fdt_handoff::", "")
    print(f"  {ir / max(calls, 1) / 1e6:6.2f} M  {short}")
PY
