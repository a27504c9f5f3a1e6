#!/usr/bin/env bash
# The long fuzz run (issue 17): every harness of tests/fuzz under ASan + UBSan for SECONDS each
# (default 900: 2 hours in all), restarted after each crash so that every crash is counted. Prints
# executions and crashes per harness and the total; the target is >= 10 M executions in all.
# The corpus grows in build-fuzz/fuzz-corpus/ (kept between runs), crash inputs land in
# build-fuzz/fuzz-crashes/<harness>/.
#
# usage: benchmarks/fuzz_long.sh [SECONDS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-900}"
shift || true
exec ./tools/fuzz.sh --seconds "$seconds" --keep-going "$@"
