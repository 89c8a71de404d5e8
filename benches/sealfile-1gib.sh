#!/usr/bin/env bash
# Encrypts and decrypts a 1 GiB file with the sealfile CLI (examples/sealfile)
# and, when installed, with rage (`cargo install rage`), reporting wall time
# and peak memory (maximum resident set size) from GNU time.
#
#   benches/sealfile-1gib.sh [WORKDIR]    # default: a new directory in /tmp
#
# Needs /usr/bin/time (Debian: apt-get install time). The 1 GiB input comes
# from /dev/urandom; every file is on WORKDIR's disk (page cache warm after
# the first pass: the input is read once before timing). Everything under
# WORKDIR is deleted at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
WORK=${1:-$(mktemp -d /tmp/sealfile-1gib.XXXXXX)}
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

cargo build --release -p sealfile >&2
SEALFILE="$TARGET_DIR/release/sealfile"

echo "creating $WORK/in.bin (1 GiB from /dev/urandom)" >&2
head -c 1G /dev/urandom >"$WORK/in.bin"
cat "$WORK/in.bin" >/dev/null # warm the page cache

# run LABEL STDOUT COMMAND...: one timed run, its stdout to the file STDOUT;
# prints "LABEL  wall  max RSS".
run() {
    local label=$1 stdout=$2
    shift 2
    local log="$WORK/time.log"
    /usr/bin/time -v -o "$log" "$@" >"$stdout"
    local wall rss_kb
    wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
    rss_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$log")
    printf '%-22s wall %-8s max RSS %6.1f MiB   (load %s)\n' "$label" "$wall" \
        "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$(cut -d' ' -f1 /proc/loadavg)"
}

check() {
    cmp "$WORK/in.bin" "$WORK/out.bin" || {
        echo "$1: round trip differs" >&2
        exit 1
    }
    rm -f "$WORK/out.sealed" "$WORK/out.bin"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

"$SEALFILE" keygen -o "$WORK/sealfile.key" 2>"$WORK/keygen.txt"
recipient=$(sed -n 's/^Public key: //p' "$WORK/keygen.txt")
# With -o, sealfile writes a temporary file, fsyncs it and renames it.
run "sealfile encrypt -o" /dev/null "$SEALFILE" encrypt -r "$recipient" -o "$WORK/out.sealed" "$WORK/in.bin"
run "sealfile decrypt -o" /dev/null "$SEALFILE" decrypt -i "$WORK/sealfile.key" -o "$WORK/out.bin" "$WORK/out.sealed"
check sealfile
# To stdout, redirected to a file (no fsync): as rage -o does.
run "sealfile encrypt >" "$WORK/out.sealed" "$SEALFILE" encrypt -r "$recipient" "$WORK/in.bin"
run "sealfile decrypt >" "$WORK/out.bin" "$SEALFILE" decrypt -i "$WORK/sealfile.key" "$WORK/out.sealed"
check sealfile

if command -v rage >/dev/null && command -v rage-keygen >/dev/null; then
    rage-keygen -o "$WORK/rage.key" 2>/dev/null
    recipient=$(sed -n 's/^# public key: //p' "$WORK/rage.key")
    run "rage encrypt -o" /dev/null rage -r "$recipient" -o "$WORK/out.sealed" "$WORK/in.bin"
    run "rage decrypt -o" /dev/null rage -d -i "$WORK/rage.key" -o "$WORK/out.bin" "$WORK/out.sealed"
    check rage
else
    echo "rage not installed (cargo install rage): skipped"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
