#!/usr/bin/env bash
# Builds everything and runs the whole test suite (UI tests offscreen; GPU tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/build.sh "$@"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j"$(nproc)"
# Every parser of untrusted input under libFuzzer with ASan + UBSan, briefly (tests/fuzz).
./tools/fuzz.sh --seconds 15
