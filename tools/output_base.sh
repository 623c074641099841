# Sourced by the scripts that run a second Bazel server (fuzzing, aarch64):
# output_base_for NAME prints a per-checkout output base under /var/tmp.
# One output base must never serve two checkouts: Bazel keeps symlinks into
# the checkout it last built, and a later checkout that reuses the base (CI
# clones afresh on the same machine) would run tests against stale or
# deleted files.
output_base_for() {
  local root hash
  root="$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
  hash="$(printf '%s' "$root" | sha256sum | cut -c1-12)"
  printf '/var/tmp/fdt-handoff-%s-%s' "$1" "$hash"
}
