#!/usr/bin/env bash
# Builds everything and runs the whole test suite (UI tests offscreen; GPU tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/build.sh "$@"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j"$(nproc)"
# The .deb as a distribution checks it (lintian errors fail); on CI (a throwaway machine) it is
# also installed, run and removed.
./tools/check-package.sh $([ "${CI:-}" = true ] && echo --install)
# Every parser of untrusted input under libFuzzer with ASan + UBSan, briefly (tests/fuzz).
./tools/fuzz.sh --seconds 15
