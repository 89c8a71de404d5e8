#!/usr/bin/env bash
# Runs every Sealkit test on a fresh machine with rustup, Python 3 and a C
# compiler: installs the wasm target, the Python test environment, and (when
# missing) a JDK and Maven itself; Maven fetches its plugins from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: rustfmt, clippy, wasm32 target"
rustup component add rustfmt clippy
rustup target add wasm32-unknown-unknown

step "format"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (unit, integration, proptest, known answers, doc tests)"
cargo test --workspace

step "core with the optional async and pq-groups features (clippy and their tests)"
cargo clippy -p sealkit --all-targets --features async,pq-groups -- -D warnings
cargo test -p sealkit --features async --lib file::
cargo test -p sealkit --features pq-groups --test groups

step "core builds for wasm32-unknown-unknown"
cargo build -p sealkit --target wasm32-unknown-unknown

step "fuzz corpora replay (every target's seeds, corpus and regressions; stable, no libFuzzer)"
# With debug assertions, as cargo fuzz builds: openmls's debug_assert!s are
# where a tampered store first shows (fuzz/regressions/stored_records/).
CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
    cargo test --release --manifest-path fuzz/Cargo.toml --no-default-features --target-dir target/fuzz-check

step "examples run"
cargo run -q -p sealkit-examples --bin two_devices > /dev/null
cargo run -q -p sealkit-examples --bin group_call > /dev/null
cargo run -q -p sealkit-examples --bin scenario > /dev/null

step "Python wheel (maturin, uniffi library mode) installed in a fresh venv, and its pytest suite"
scripts/python-bindings.sh

step "Kotlin bindings (Maven, JUnit 5, the scenario; the Android AAR is not built here: no Android toolchain)"
scripts/kotlin-bindings.sh

step "interop ring between the bindings (bindings/SCENARIO.md): Python, Kotlin, Rust"
scripts/bindings-interop.sh
