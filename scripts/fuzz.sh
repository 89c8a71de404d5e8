#!/usr/bin/env bash
# Runs the fuzz targets one after the other, each in one libFuzzer process
# (a single worker: libFuzzer forks no workers unless given -jobs or
# -workers, which this script never passes), each until it has run --runs
# executions or for --time seconds, whichever comes first.
#
#   scripts/fuzz.sh [--time SECONDS] [--runs N] [--no-cmin] [target...]
#
# Defaults: 1800 seconds and 10,000,000 executions per target (fuzz/README.md,
# "Campaign figures"), every target `cargo fuzz list` shows.
#
# The corpus is kept in fuzz/corpus/<target>/ (libFuzzer adds what it finds
# there) and minimised with `cargo fuzz cmin` after the run (unless
# --no-cmin), so that the committed corpus stays small; CI replays it
# (fuzz/tests/replay.rs). Crash inputs land in fuzz/artifacts/<target>/;
# copy one to fuzz/regressions/<target>/ to have CI replay it too.
#
# One line per target is appended to target/fuzz-runs.tsv: when, which
# target, executions, seconds, executions per second, coverage (libFuzzer's
# `cov` and `ft`), corpus files and bytes after minimising, crash artifacts
# new in this run, libFuzzer's exit status, and the commit (with "+changes"
# when core or the targets differ from it). libFuzzer's own output is in
# target/fuzz-logs/<target>.log (the minimisation's in <target>.cmin.log).
#
# Installs the nightly toolchain and cargo-fuzz only when they are missing.
# Exits 1 if any target crashed (after running all of them).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit "${1:-0}"
}

time_limit=1800
runs=10000000
cmin=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) time_limit="${2:?--time needs seconds}"; shift 2 ;;
        --time=*) time_limit="${1#--time=}"; shift ;;
        --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
        --runs=*) runs="${1#--runs=}"; shift ;;
        --no-cmin) cmin=0; shift ;;
        -h|--help) usage 0 ;;
        -*) echo "unknown option $1" >&2; usage 2 >&2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
case "$time_limit$runs" in
    *[!0-9]*) echo "--time and --runs take whole numbers" >&2; exit 2 ;;
esac

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "==> installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version > /dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

log=target/fuzz-runs.tsv
mkdir -p target/fuzz-logs
if [ ! -s "$log" ]; then
    printf 'date\ttarget\texecutions\tseconds\texec_per_s\tcov\tft\tcorpus_files\tcorpus_bytes\tnew_crashes\tstatus\tcommit\n' > "$log"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- core fuzz/src fuzz/fuzz_targets 2>/dev/null; then
    commit="$commit+changes"
fi

# Build every target first, so that the timings are of fuzzing only.
echo "==> building the fuzz targets"
if [ ${#targets[@]} -eq 1 ]; then
    cargo +nightly fuzz build "${targets[0]}"
else
    cargo +nightly fuzz build
fi

count_files() { find "$1" -maxdepth 1 -type f 2> /dev/null | wc -l | tr -d ' '; }

crashed=()
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    artifacts="fuzz/artifacts/$target"
    output="target/fuzz-logs/$target.log"
    mkdir -p "$corpus" "$artifacts"
    crashes_before=$(count_files "$artifacts")
    echo "==> $target: up to $runs executions or $time_limit s"
    started=$(date +%s)
    set +e
    cargo +nightly fuzz run "$target" "$corpus" -- \
        -max_total_time="$time_limit" -runs="$runs" -print_final_stats=1 -timeout=60 \
        > "$output" 2>&1
    status=$?
    set -e
    seconds=$(( $(date +%s) - started ))

    executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$output" | tail -n 1)
    exec_per_s=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$output" | tail -n 1)
    if [ -z "$executions" ]; then
        # No final statistics (killed, or it never started): the last status line.
        executions=$(grep -oE '^#[0-9]+' "$output" | tail -n 1 | tr -d '#')
    fi
    cov=$(grep -oE 'cov: [0-9]+' "$output" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$output" | tail -n 1 | cut -d' ' -f2)
    new_crashes=$(( $(count_files "$artifacts") - crashes_before ))
    if [ "$status" -ne 0 ] || [ "$new_crashes" -gt 0 ]; then
        crashed+=("$target")
        echo "    crashed (exit $status); see $output and $artifacts/"
        grep -m 5 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$output" | sed 's/^/    /' || true
    fi

    if [ "$cmin" -eq 1 ]; then
        echo "    minimising $corpus"
        if ! cargo +nightly fuzz cmin "$target" "$corpus" > "${output%.log}.cmin.log" 2>&1; then
            echo "    cmin failed; the corpus is left as the run left it (see ${output%.log}.cmin.log)"
        fi
    fi
    corpus_files=$(count_files "$corpus")
    corpus_bytes=$(find "$corpus" -maxdepth 1 -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "${executions:-?}" "$seconds" \
        "${exec_per_s:-?}" "${cov:-?}" "${ft:-?}" "$corpus_files" "$corpus_bytes" \
        "$new_crashes" "$status" "$commit" >> "$log"
    echo "    ${executions:-?} executions in $seconds s (${exec_per_s:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus $corpus_files files"
done

echo "==> figures appended to $log"
if [ ${#crashed[@]} -gt 0 ]; then
    echo "crashed: ${crashed[*]}" >&2
    exit 1
fi
