#!/usr/bin/env bash
# Builds everything and runs the whole test suite (UI tests offscreen; GPU tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase's minutes are printed as it ends (CI's time limit is the whole run's).
phase() { echo "run-tests: $1 took $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"; started=$SECONDS; }
started=$SECONDS
./tools/build.sh "$@"
phase build
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j"$(nproc)"
phase tests
# The .deb as a distribution checks it (lintian errors fail); on CI (a throwaway machine) it is
# also installed, run and removed.
./tools/check-package.sh $([ "${CI:-}" = true ] && echo --install)
phase package
# Every parser of untrusted input under libFuzzer with ASan + UBSan, briefly (tests/fuzz).
./tools/fuzz.sh --seconds 15
phase fuzz
