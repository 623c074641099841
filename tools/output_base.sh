# Sourced by the scripts that keep state outside the checkout (a second Bazel
# server for fuzzing and aarch64, the e2e work and output folders):
# output_base_for NAME prints /var/tmp/fdt-handoff-NAME-<hash>, where the hash
# is of the checkout this file is in.
# One output base must never serve two checkouts: Bazel keeps symlinks into
# the checkout it last built, and a later checkout that reuses the base (CI
# clones afresh on the same machine) would run tests against stale or
# deleted files; two checkouts running the e2e at once would delete each
# other's unpacked kernels and logs.
# The checkout is found from this file's own location, not from the current
# directory, so a script run from elsewhere (e2e/raid/ calls e2e/fetch.sh)
# gets the same folder.
FDT_HANDOFF_CHECKOUT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
output_base_for() {
  local hash
  hash="$(printf '%s' "$FDT_HANDOFF_CHECKOUT" | sha256sum | cut -c1-12)"
  printf '/var/tmp/fdt-handoff-%s-%s' "$1" "$hash"
}
