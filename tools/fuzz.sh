#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz (one per parser of untrusted input) with ASan + UBSan,
# each for a bounded time, and prints executions and crashes per harness. Exit status 1 when any
# harness crashed (the inputs are saved under BUILD/fuzz-crashes/<harness>/: add each one to
# tests/fuzz/regressions/<harness>/ with the fix, so every build replays it).
#
# usage: tools/fuzz.sh [--seconds N] [--build DIR] [--keep-going] [HARNESS...]
#   --seconds N    time per harness (default 60)
#   --build DIR    the clang build (default build-fuzz; configured here when missing)
#   --keep-going   restart a harness after a crash until its time is used (count every crash)
#   HARNESS        e.g. tokenizer gguf (default: all of tests/fuzz/CMakeLists.txt)
# Needs clang and libclang-rt-14-dev (tools/install-deps.sh) and ../shared for the seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
build=build-fuzz
keep_going=0
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 1 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  read -r -a harnesses <<< "$(sed -n '/^set(AWQBENCH_FUZZ_HARNESSES/,/)/p' tests/fuzz/CMakeLists.txt | tr -d '()' | sed 's/set//; s/AWQBENCH_FUZZ_HARNESSES//' | tr '\n' ' ')"
fi
shared="${AWQBENCH_SHARED:-$PWD/../shared}"

if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DAWQBENCH_BUILD_FUZZERS=ON -DAWQBENCH_WITH_TORCH=OFF -DAWQBENCH_ENABLE_CUDA=OFF -DAWQBENCH_BUILD_UI=OFF \
        -DAWQBENCH_BUILD_BENCHMARKS=OFF -DAWQBENCH_SHARED_DIR="$shared" "${launcher[@]}" >/dev/null
fi
cmake --build "$build" --target "${harnesses[@]/#/fuzz_}"

seeds="$build/fuzz-seeds"
rm -rf "$seeds"
python3 tests/fuzz/make_corpus.py "$shared" "$PWD" "$seeds" >/dev/null

total_execs=0
total_crashes=0
printf '%-20s %12s %10s %8s\n' harness executions exec/s crashes
for h in "${harnesses[@]}"; do
  corpus="$build/fuzz-corpus/$h"    # what the fuzzer adds (kept between runs)
  crashes="$build/fuzz-crashes/$h"
  log="$build/fuzz-logs/$h.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  before=$(find "$crashes" -type f | wc -l)
  execs=0
  rc=0
  end=$((SECONDS + seconds))
  : > "$log"
  # The committed crash inputs run once each first; they are not part of the fuzzing corpus (some
  # are hundreds of kB and would slow every mutation down).
  if [ -d "tests/fuzz/regressions/$h" ]; then
    set +e
    "$build/tests/fuzz/fuzz_$h" -artifact_prefix="$crashes/" tests/fuzz/regressions/"$h"/* >> "$log" 2>&1
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || end=$SECONDS
  fi
  while :; do
    left=$((end - SECONDS))
    [ "$left" -gt 0 ] || break
    # -timeout: an input taking 10 s is a hang; -rss_limit_mb: 2 GB is far past any real parse.
    set +e
    "$build/tests/fuzz/fuzz_$h" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$crashes/" "$corpus" "$seeds/$h" >> "$log" 2>&1
    rc=$?
    set -e
    run_execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    execs=$((execs + ${run_execs:-0}))
    sed -i 's/stat::number_of_executed_units/counted::number_of_executed_units/' "$log"
    [ "$rc" -ne 0 ] && [ "$keep_going" -eq 1 ] || break
  done
  found=$(( $(find "$crashes" -type f | wc -l) - before ))
  [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1  # a failure that saved no input still counts
  printf '%-20s %12d %10d %8d\n' "$h" "$execs" "$((execs / (seconds > 0 ? seconds : 1)))" "$found"
  if [ "$found" -gt 0 ]; then
    grep -m3 -E 'ERROR: |runtime error: |SUMMARY: ' "$log" | sed 's/^/    /' || true
    echo "    inputs: $crashes/, log: $log"
  fi
  total_execs=$((total_execs + execs))
  total_crashes=$((total_crashes + found))
done
printf '%-20s %12d %10s %8d\n' total "$total_execs" "" "$total_crashes"
[ "$total_crashes" -eq 0 ]
