#!/usr/bin/env bash
# Builds the Sealkit Python wheel and runs the pytest suite against it,
# installed in a fresh virtual environment:
#   1. installs maturin into <target>/python/build-venv when it is missing,
#   2. builds the wheel of bindings/python with maturin: the sealkit-ffi
#      cdylib, sealkit_ffi.py generated from it by the crate's own
#      uniffi-bindgen (library mode), and the hand-written package files
#      (nothing is generated into the source tree),
#   3. creates <target>/python/venv afresh, pip installs the wheel, pytest
#      and mypy into it,
#   4. runs pytest on bindings/python/tests/ (its exit status is ours).
#
# The dev profile is the default: it shares the build with `cargo build` of
# the workspace, and the suite runs in seconds unoptimised. PROFILE=release
# builds an optimised wheel (for examples/bench.py).
#
# Environment: PYTHON (default python3), PROFILE (dev or release),
# CARGO_TARGET_DIR is honoured. Extra arguments go to pytest. The venv stays
# after the run: <target>/python/venv/bin/python runs the examples
# (scripts/bindings-interop.sh uses it for the python node).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
profile=${PROFILE:-dev}
case "$profile" in
    dev | release) ;;
    *) echo "PROFILE must be dev or release, not '$profile'" >&2; exit 2 ;;
esac
bindings=$PWD/bindings/python

step() { printf '\n==> %s\n' "$*"; }

target_dir=$(cargo metadata --format-version 1 --no-deps |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
work=$target_dir/python
tools=$work/build-venv
wheels=$work/wheels/$profile
venv=$work/venv

if ! "$tools/bin/maturin" --version >/dev/null 2>&1; then
    step "install maturin into $tools"
    rm -rf "$tools"
    "$python" -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2"
fi

step "build the wheel ($profile)"
rm -rf "$wheels"
# `-C strip=debuginfo` (rustc, the ffi crate's link only): the dev library
# is 150 MB with debug info, 27 MB without; the symbols uniffi-bindgen reads
# stay.
(cd "$bindings" && "$tools/bin/maturin" build --profile "$profile" --out "$wheels" \
    -- -C strip=debuginfo)
wheel=$(ls "$wheels"/sealkit-*.whl)

step "fresh venv $venv with $(basename "$wheel"), pytest and mypy"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" pytest mypy

step "pytest bindings/python/tests against the installed wheel"
# The pytest script, not `python -m pytest`, so the working directory (with
# the source package sealkit/) is not on sys.path; the cache goes to target/.
cd "$bindings"
exec "$venv/bin/pytest" -o cache_dir="$work/pytest-cache" tests "$@"
