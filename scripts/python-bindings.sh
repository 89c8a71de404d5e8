#!/usr/bin/env bash
# Builds the Sealkit Python bindings and runs their pytest suite:
#   1. builds the sealkit-ffi cdylib (dev profile, see below),
#   2. generates bindings/python/sealkit/sealkit_ffi.py with the repo's own
#      uniffi-bindgen (library mode, so the bindings match the library),
#   3. copies the library next to the generated module,
#   4. creates bindings/python/.venv with pytest if it is missing,
#   5. runs pytest on bindings/python/tests/ (its exit status is ours).
#
# The dev profile is used on purpose: it shares the build with
# `cargo test`/`cargo build` of the workspace, and the test suite runs in a
# few seconds even unoptimised. Set PROFILE=release for an optimised build.
#
# Environment: PYTHON (default python3), PROFILE (dev or release),
# CARGO_TARGET_DIR is honoured. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
profile=${PROFILE:-dev}
case "$profile" in
    dev) profile_dir=debug ;;
    release) profile_dir=release ;;
    *) echo "PROFILE must be dev or release, not '$profile'" >&2; exit 2 ;;
esac
bindings=bindings/python
package=$bindings/sealkit
venv=$bindings/.venv

step() { printf '\n==> %s\n' "$*"; }

step "build sealkit-ffi ($profile)"
cargo build -p sealkit-ffi --profile "$profile"

target_dir=$(cargo metadata --format-version 1 --no-deps |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case "$(uname -s)" in
    Darwin) library_name=libsealkit_ffi.dylib ;;
    *) library_name=libsealkit_ffi.so ;;
esac
library=$target_dir/$profile_dir/$library_name

step "generate Python bindings from $library"
cargo run -q -p sealkit-ffi --profile "$profile" --bin uniffi-bindgen -- \
    generate --library "$library" --language python --out-dir "$package/"
cp "$library" "$package/$library_name"

if ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
    step "create $venv with pytest"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet pytest
fi

step "pytest $bindings/tests"
cd "$bindings"
exec .venv/bin/python -m pytest tests "$@"
