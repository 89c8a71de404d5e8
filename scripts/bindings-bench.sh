#!/usr/bin/env bash
# The bindings' benchmark (issue 13, figures in benches/README.md): the Rust
# Client and the Python bindings in one run, the same loop in each
# (steady-state encrypt+decrypt of 100 bytes, in-memory stores), all on the
# release build. Not part of scripts/test.sh: timings are never asserted.
#
#   scripts/bindings-bench.sh        # prints `bench <language> <name> <ns per message> <messages>`
#
# The Kotlin figure comes from bindings/kotlin's Bench.kt (see its README).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

cargo build -q --release -p sealkit-ffi -p sealkit-examples --bin bindings_bench --bin uniffi-bindgen
target_dir=$(cargo metadata --format-version 1 --no-deps |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$target_dir/release/uniffi-bindgen" generate --library "$target_dir/release/libsealkit_ffi.so" \
    --language python --out-dir "$work" > /dev/null
cp "$target_dir/release/libsealkit_ffi.so" "$work/"

"$target_dir/release/bindings_bench"
PYTHONPATH=$work "$python" benches/bindings/python_bench.py
