#!/usr/bin/env bash
# Builds the Sealkit Swift package's binary part, SealkitFFI.xcframework.
#
#   bindings/swift/build-xcframework.sh                  # macOS only: generate, build, package
#   bindings/swift/build-xcframework.sh --generate-only  # any machine: regenerate the committed sources
#
# Both modes first regenerate, with the repo's own uniffi-bindgen in library
# mode (the bindings are read from the compiled sealkit-ffi library, so they
# cannot disagree with it), the files the package commits:
#   Sources/Sealkit/Sealkit.swift   the Swift API (module Sealkit)
#   Headers/SealkitFFI.h            the C declarations it calls (module SealkitFFI)
#   Headers/module.modulemap        uniffi's SealkitFFI.modulemap, under the name
#                                   an XCFramework's Headers/ needs
# Names come from the [bindings.swift] section of ffi/uniffi.toml.
#
# Then, on macOS (Xcode command line tools, rustup):
#   1. adds the Rust targets and builds the static library in release for
#      aarch64-apple-ios (devices), aarch64-apple-ios-sim + x86_64-apple-ios
#      (simulators, joined with lipo), aarch64-apple-darwin + x86_64-apple-darwin
#      (macOS, joined with lipo);
#   2. `xcodebuild -create-xcframework` with each library and the headers
#      (placed in Headers/SealkitFFI/, a directory named after the module, so
#      that two XCFrameworks' module.modulemap files never collide in an app's
#      build products; clang finds a module map in <include dir>/<Module>/);
#   3. zips it to SealkitFFI.xcframework.zip and prints its SwiftPM checksum,
#      for `.binaryTarget(name: "SealkitFFI", url: ..., checksum: ...)`.
#
# On any other system only --generate-only works: the script says why and
# exits 2 otherwise. Environment: CARGO_TARGET_DIR is honoured; IPHONEOS_DEPLOYMENT_TARGET
# and MACOSX_DEPLOYMENT_TARGET default to the platforms of Package.swift.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

generate_only=false
case "${1:-}" in
    --generate-only) generate_only=true ;;
    "") ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--generate-only]" >&2; exit 2 ;;
esac

if ! $generate_only && [ "$(uname -s)" != Darwin ]; then
    echo "build-xcframework.sh: cannot build SealkitFFI.xcframework on $(uname -s):" >&2
    echo "  it needs macOS with Xcode (xcodebuild, lipo) and the Apple Rust targets." >&2
    echo "  Run it on a Mac, or pass --generate-only to regenerate the committed sources." >&2
    exit 2
fi

step() { printf '\n==> %s\n' "$*" >&2; }

target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case "$(uname -s)" in
    Darwin) host_library=libsealkit_ffi.dylib ;;
    *) host_library=libsealkit_ffi.so ;;
esac

# 0. Regenerate the committed sources from a dev build for this machine (the
#    bindings do not depend on the platform the library was built for).
step "generate the Swift bindings (uniffi-bindgen, library mode)"
cargo build -q -p sealkit-ffi
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
cargo run -q -p sealkit-ffi --bin uniffi-bindgen -- generate \
    --library "$target_dir/debug/$host_library" --language swift --out-dir "$generated" 2>&1 |
    { grep -v 'Unable to auto-format' || true; } >&2
mkdir -p "$here/Sources/Sealkit" "$here/Headers"
cp "$generated/Sealkit.swift" "$here/Sources/Sealkit/Sealkit.swift"
cp "$generated/SealkitFFI.h" "$here/Headers/SealkitFFI.h"
cp "$generated/SealkitFFI.modulemap" "$here/Headers/module.modulemap"
echo "generated: bindings/swift/Sources/Sealkit/Sealkit.swift, Headers/SealkitFFI.h, Headers/module.modulemap" >&2
if $generate_only; then
    exit 0
fi

# 1. Static libraries for every Apple target.
export IPHONEOS_DEPLOYMENT_TARGET=${IPHONEOS_DEPLOYMENT_TARGET:-15.0}
export MACOSX_DEPLOYMENT_TARGET=${MACOSX_DEPLOYMENT_TARGET:-12.0}
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
step "rustup targets: ${targets[*]}"
rustup target add "${targets[@]}"
for target in "${targets[@]}"; do
    step "cargo build -p sealkit-ffi --release --target $target"
    cargo build -p sealkit-ffi --release --target "$target"
done
lib() { echo "$target_dir/$1/release/libsealkit_ffi.a"; }

build="$here/build"
rm -rf "$build" "$here/SealkitFFI.xcframework" "$here/SealkitFFI.xcframework.zip"
mkdir -p "$build/ios-simulator" "$build/macos" "$build/headers/SealkitFFI"
step "lipo: simulator and macOS universal libraries"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" \
    -output "$build/ios-simulator/libsealkit_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" \
    -output "$build/macos/libsealkit_ffi.a"
cp "$here/Headers/SealkitFFI.h" "$here/Headers/module.modulemap" "$build/headers/SealkitFFI/"

# 2. The XCFramework: one library per platform, each with the module's headers.
step "xcodebuild -create-xcframework"
xcodebuild -create-xcframework \
    -library "$(lib aarch64-apple-ios)" -headers "$build/headers" \
    -library "$build/ios-simulator/libsealkit_ffi.a" -headers "$build/headers" \
    -library "$build/macos/libsealkit_ffi.a" -headers "$build/headers" \
    -output "$here/SealkitFFI.xcframework"

# 3. The zip a release publishes, and the checksum Package.swift names.
step "zip and checksum"
(cd "$here" && ditto -c -k --sequesterRsrc --keepParent SealkitFFI.xcframework SealkitFFI.xcframework.zip)
checksum=$(cd "$here" && swift package compute-checksum SealkitFFI.xcframework.zip 2>/dev/null ||
    shasum -a 256 SealkitFFI.xcframework.zip | cut -d' ' -f1)
echo "bindings/swift/SealkitFFI.xcframework (local: Package.swift's path: target uses it)"
echo "bindings/swift/SealkitFFI.xcframework.zip"
echo "checksum: $checksum"
