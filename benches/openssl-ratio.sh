#!/usr/bin/env bash
# Sealkit single-core file encryption at 64 KiB chunks as a ratio of
# OpenSSL's AES-256-GCM on 64 KiB buffers (`openssl speed`, one thread,
# wall-clock time).
#
#   benches/openssl-ratio.sh              # run the criterion bench, then openssl
#   benches/openssl-ratio.sh --reuse      # reuse the last criterion estimate
#
# Ours: criterion mean of `sealkit_1core/64KiB` over the 64 MiB the bench
# encrypts, in two groups: `file_encrypt` (a fresh 64 MiB output Vec per
# iteration: includes the kernel's page faults on it) and
# `file_encrypt_reused_output` (one output buffer reused). Both include the
# header, HKDF and every copy FileEncryptor makes. OpenSSL's: bare EVP
# AES-256-GCM over one 64 KiB buffer, repeated, in place.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
BENCH_GROUPS=(file_encrypt file_encrypt_reused_output)
BYTES=$((64 * 1024 * 1024))
SECONDS_PER_RUN=${OPENSSL_SECONDS:-3}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "${1:-}" != "--reuse" ]]; then
    cargo bench -p sealkit-benches --bench files -- \
        '^file_encrypt(_reused_output)?/sealkit_1core/64KiB$' >&2
fi
for group in "${BENCH_GROUPS[@]}"; do
    estimates="$TARGET_DIR/criterion/$group/sealkit_1core/64KiB/new/estimates.json"
    if [[ ! -f "$estimates" ]]; then
        echo "no criterion estimate at $estimates; run without --reuse" >&2
        exit 1
    fi
done

# "AES-256-GCM    5684527.10k": 1000s of bytes per second.
openssl_k=$(openssl speed -elapsed -evp aes-256-gcm -bytes 65536 \
    -seconds "$SECONDS_PER_RUN" 2>/dev/null |
    awk 'toupper($1) == "AES-256-GCM" { sub(/k$/, "", $2); print $2 }' | tail -n 1)
if [[ -z "$openssl_k" ]]; then
    echo "could not parse the openssl speed output" >&2
    exit 1
fi

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
awk -v ok="$openssl_k" -v ver="$(openssl version | cut -d' ' -f1-2)" 'BEGIN {
    theirs = ok * 1000 / 1e6
    printf "%s aes-256-gcm, 64 KiB: %.0f MB/s (%.2f GiB/s)\n", ver, theirs, theirs * 1e6 / 2^30
}'
for group in "${BENCH_GROUPS[@]}"; do
    mean_ns=$(jq -r .mean.point_estimate \
        "$TARGET_DIR/criterion/$group/sealkit_1core/64KiB/new/estimates.json")
    awk -v g="$group" -v ns="$mean_ns" -v bytes="$BYTES" -v ok="$openssl_k" 'BEGIN {
        ours = bytes / (ns / 1e9) / 1e6
        theirs = ok * 1000 / 1e6
        printf "%s/sealkit_1core/64KiB: %.1f ms per 64 MiB = %.0f MB/s (%.2f GiB/s); ", g, ns / 1e6, ours, ours * 1e6 / 2^30
        printf "ratio to openssl %.2f (target >= 0.90: %s)\n", ours / theirs, (ours / theirs >= 0.9 ? "met" : "not met")
    }'
done
