#!/bin/sh
# `quantize --check` with calibration that cannot be used (registered in tests/cli/CMakeLists.txt):
# a 2-token text, a binary file, JSONL without a text field, bad JSONL, --seqlen past the context.
# The pre-flight printed "calibration tokens 8192" (--samples x --seqlen), an "8x fewer calibration
# tokens" trade line and "about 9 s" beside the problem; those are unknown, only the problem stands.
# Usage: quantize_check_calibration.sh CLI WORKDIR MODEL
set -eu
CLI=$1 D=$2 MODEL=$3
rm -rf "$D"
mkdir -p "$D"
D=$(cd "$D" && pwd -P)
TEST_NAME=quantize_check_calibration
. "$(dirname "$0")/script_helpers.sh"

printf 'Hi.' > "$D/short.txt"
printf '\000\377\376\001\002binary' > "$D/binary.txt"
printf '{"prompt": "a story about a cat"}\n' > "$D/nofield.jsonl"
printf '{"text": "a story\n' > "$D/bad.jsonl"

check_unknown() {  # what: the pre-flight in $D/out
    grep -q "^problem: " "$D/out" || fail "$1: no problem: $(cat "$D/out" "$D/err")"
    grep -q "calibration tokens (texts cut into blocks) *unknown" "$D/out" || fail "$1: calibration tokens: $(cat "$D/out")"
    grep -q "estimated peak device memory *unknown" "$D/out" || fail "$1: peak memory: $(cat "$D/out")"
    grep -q "estimated time *unknown" "$D/out" || fail "$1: time: $(cat "$D/out")"
    ! grep -q "traded against AutoAWQ" "$D/out" || fail "$1: a trade line: $(cat "$D/out")"
}
for f in short.txt binary.txt nofield.jsonl bad.jsonl; do
    run 2 "$CLI" quantize --model "$MODEL" --out "$D/q-$f" --calib "$D/$f" --device cpu --check
    check_unknown "$f"
done
run 2 "$CLI" quantize --model "$MODEL" --out "$D/q-long" --seqlen 2048 --device cpu --check
check_unknown "--seqlen past the context"

# Usable calibration still gets its figures.
run 0 "$CLI" quantize --model "$MODEL" --out "$D/q-ok" --samples 4 --seqlen 64 --device cpu --check
grep -q "calibration tokens (texts cut into blocks) *[0-9]" "$D/out" || fail "usable calibration: $(cat "$D/out")"
grep -q "estimated time *about " "$D/out" || fail "usable calibration: no time: $(cat "$D/out")"
echo "quantize_check_calibration: ok"
