#!/usr/bin/env bash
# The Kotlin bindings on the JVM: builds sealkit-ffi, generates the Kotlin
# bindings, runs the JUnit suite (mvn test), then the scenario of
# bindings/SCENARIO.md through run.sh. Installs a JDK and Maven only when
# missing (Debian, as root, as CI runs). The Android AAR is not built here
# (no Android toolchain): CI checks the JVM artifact only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/bindings/kotlin"

if ! command -v java >/dev/null || ! command -v javac >/dev/null || ! command -v mvn >/dev/null; then
    echo "kotlin-bindings: installing a JDK and Maven" >&2
    apt-get update -qq
    apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
fi

rm -rf target/surefire-reports
mvn -B -q test "$@"

tests=0 failed=0
for report in target/surefire-reports/TEST-*.xml; do
    line="$(grep -m1 -o '<testsuite [^>]*>' "$report")"
    count() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$line"; }
    tests=$((tests + $(count tests)))
    failed=$((failed + $(count failures) + $(count errors)))
done

./run.sh dev.sealkit.scenario.ScenarioKt
echo "kotlin: $((tests - failed)) passed, $failed failed"
[[ $tests -gt 0 && $failed -eq 0 ]]
