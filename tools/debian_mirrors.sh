# Sourced by testdata/fetch_corpus.sh and e2e/fetch.sh: the Debian mirror
# URIs of this machine, read from its deb822 sources at run time so that no
# committed file names a host. Needs SOURCES_FILE and a die() function;
# sets MIRROR_MAIN and MIRROR_SEC (the security archive), without trailing
# slashes.

# Prints "MAIN <uri>" / "SEC <uri>" for each stanza of $SOURCES_FILE.
read_mirrors() {
  [[ -r $SOURCES_FILE ]] || die "cannot read $SOURCES_FILE"
  awk '
    function flush() { if (uri != "") { print (sec ? "SEC " : "MAIN ") uri }; uri=""; sec=0 }
    /^[[:space:]]*$/ { flush(); next }
    /^[[:space:]]*#/ { next }
    /^URIs:/   { uri=$2 }
    /^Suites:/ { for (i=2;i<=NF;i++) if ($i ~ /-security$/) sec=1 }
    END { flush() }' "$SOURCES_FILE"
}
MIRROR_MAIN=$(read_mirrors | awk '$1=="MAIN"{print $2; exit}')
MIRROR_SEC=$(read_mirrors | awk '$1=="SEC"{print $2; exit}')
[[ -n $MIRROR_MAIN ]] || die "no main archive URIs: line in $SOURCES_FILE"
[[ -n $MIRROR_SEC ]] || MIRROR_SEC="${MIRROR_MAIN%/debian}/debian-security"
MIRROR_MAIN=${MIRROR_MAIN%/}; MIRROR_SEC=${MIRROR_SEC%/}
