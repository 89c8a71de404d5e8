#!/usr/bin/env bash
# The interop ring of bindings/SCENARIO.md: each node (a language's binding)
# runs one step per process on its own SQLite device in a shared directory,
# and each one's output is the next one's input. With the nodes in ring
# order n0 n1 ... (default: python kotlin rust, the order SCENARIO.md
# lists), node i sends to node i+1, which receives and answers, and node i
# checks the answers.
#
#   scripts/bindings-interop.sh                  # every node
#   INTEROP_NODES="kotlin rust" scripts/bindings-interop.sh
#
# Expects the nodes built: the Rust node is built here (dev profile); the
# Kotlin node needs `mvn test-compile` in bindings/kotlin (run by
# scripts/kotlin-bindings.sh); the Python node needs the wheel installed in
# <target>/python/venv (scripts/python-bindings.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a nodes <<< "${INTEROP_NODES:-python kotlin rust}"

cargo build -q -p sealkit-examples --bin interop
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

node() {
    local language=$1; shift
    case "$language" in
        rust) "$target_dir/debug/interop" "$@" ;;
        kotlin) bindings/kotlin/run.sh dev.sealkit.scenario.InteropKt "$@" ;;
        python) "$target_dir/python/venv/bin/python" bindings/python/examples/interop.py "$@" ;;
        *) echo "unknown node $language" >&2; return 2 ;;
    esac
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
count=${#nodes[@]}
for n in "${nodes[@]}"; do node "$n" init "$dir" "$n"; done
for ((i = 0; i < count; i++)); do
    node "${nodes[i]}" send "$dir" "${nodes[i]}" "${nodes[(i + 1) % count]}"
done
for ((i = 0; i < count; i++)); do
    node "${nodes[(i + 1) % count]}" receive "$dir" "${nodes[(i + 1) % count]}" "${nodes[i]}"
done
for ((i = 0; i < count; i++)); do
    node "${nodes[i]}" check "$dir" "${nodes[i]}" "${nodes[(i + 1) % count]}"
done
echo "interop: ${nodes[*]} exchanged envelopes, welcomes, group messages, files and media frames"
