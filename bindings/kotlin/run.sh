#!/usr/bin/env bash
# Runs a main class of the Kotlin bindings' test classpath with plain java,
# no Maven (the interop driver and the benchmark call it):
#
#   bindings/kotlin/run.sh [-Dsealkit.profile=release] <MainClass> [args...]
#   bindings/kotlin/run.sh dev.sealkit.scenario.InteropKt init /tmp/x kotlin
#
# Needs one `mvn test-compile` (or `mvn test`) first: it writes
# target/classpath.txt (the dependency jars) and the classes. With
# -Dsealkit.profile=release the release library target/release/
# libsealkit_ffi.so is loaded instead of the one in target/classes
# (built by the same sources, so its API checksums match).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$here/target"
if [[ ! -f "$target/classpath.txt" || ! -d "$target/test-classes" ]]; then
    echo "run.sh: $target has no classpath.txt or test-classes; run 'mvn -B -q test-compile' in $here first" >&2
    exit 2
fi

jvm_options=()
while [[ $# -gt 0 && "$1" == -* ]]; do
    case "$1" in
        -Dsealkit.profile=release)
            cargo_target="${CARGO_TARGET_DIR:-$here/../../target}"
            library="$cargo_target/release/libsealkit_ffi.so"
            if [[ ! -f "$library" ]]; then
                echo "run.sh: no $library; build it with cargo build -p sealkit-ffi --release" >&2
                exit 2
            fi
            jvm_options+=("-Djna.library.path=$(cd "$(dirname "$library")" && pwd)") ;;
        -Dsealkit.profile=dev) ;;
        *) jvm_options+=("$1") ;;
    esac
    shift
done
if [[ $# -lt 1 ]]; then
    echo "usage: run.sh [-Dsealkit.profile=release] [jvm options] <MainClass> [args...]" >&2
    exit 2
fi

exec java "${jvm_options[@]}" -cp "$target/classes:$target/test-classes:$(cat "$target/classpath.txt")" "$@"
