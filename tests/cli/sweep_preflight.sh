#!/bin/sh
# sweep's (and serve's) pre-flight (registered in tests/cli/CMakeLists.txt): what a level, --max-new
# or --max-batch cannot do is refused before any model loads, with exit 2 and the figures. A trial's
# `sweep --concurrency 100000` was OOM-killed with the machine (exit 137, no message); `--max-new 5000`
# on a 1024-token model ran, stopped each request at the context and saved "max_new_tokens": 5000.
# Usage: sweep_preflight.sh CLI WORKDIR MODELS
set -eu
CLI=$1 D=$2 M=$3
rm -rf "$D"
mkdir -p "$D"
D=$(cd "$D" && pwd -P)
TEST_NAME=sweep_preflight
. "$(dirname "$0")/script_helpers.sh"
AWQ="$M/tinystories-qwen3-7m-awq"

# A huge level: refused at once, nothing measured, nothing saved.
start=$(date +%s)
run 2 "$CLI" sweep --model "$AWQ" --concurrency 1,100000 --max-new 4 --out "$D/huge.json"
grep -q "^error: concurrency 100000 is more than the 1024 sequences a batch may hold" "$D/err" || fail "no bound message: $(cat "$D/err")"
grep -q "pass levels of at most 1024" "$D/err" || fail "no fix: $(cat "$D/err")"
! grep -q "concurrency 1:" "$D/err" || fail "a level ran before the refusal: $(cat "$D/err")"
[ ! -e "$D/huge.json" ] || fail "a run document was saved"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the refusal took $(( $(date +%s) - start )) s: something loaded first"

# A level whose memory cannot fit: a copy of the demo model claiming a context of 1,000,000 tokens
# lets --max-new ask for a KV cache of terabytes. Refused with the figures, before loading.
cp -r "$AWQ" "$D/long-context"
sed -i 's/"max_position_embeddings": 1024/"max_position_embeddings": 1000000/' "$D/long-context/config.json"
run 2 "$CLI" sweep --model "$D/long-context" --concurrency 1,1024 --max-new 500000
grep -q "^error: .*config.json: concurrency 1024 of long-context needs about [0-9.]* TiB (weights .* + KV cache [0-9.]* TiB for 1024 x 500004 tokens + activations .*), more than the .* of host memory available (MemAvailable) (pass lower --concurrency levels or a smaller --max-new, or free memory)" "$D/err" \
    || fail "no memory message: $(cat "$D/err")"
! grep -q "concurrency 1:" "$D/err" || fail "a level ran before the refusal: $(cat "$D/err")"
# serve --max-batch: its slots' KV cache is allocated up front, so the same check before loading.
run 2 "$CLI" serve --model "$D/long-context" --max-batch 1024 --port 0
grep -q "^error: .*config.json: --max-batch 1024 of long-context needs about .* (weights .* + KV cache .* for 1024 x 1000000 tokens + activations .*), more than the .* of host memory available" "$D/err" \
    || fail "serve: no memory message: $(cat "$D/err")"

# A perplexity window (eval ppl / compare --ctx) is one prefill of --ctx tokens, its attention scores
# heads x ctx^2: a window the context allows but memory cannot hold is refused before it runs.
printf 'Once upon a time there was a cat.\n' > "$D/text.txt"
run 2 "$CLI" eval ppl --model "$D/long-context" --text "$D/text.txt" --ctx 1000000
grep -q "^error: .*config.json: a perplexity window of 1000000 tokens of long-context needs about .* (KV cache .* + activations .*), more than the .* of host memory available (MemAvailable) (use a shorter --ctx, or free memory)" "$D/err" \
    || fail "eval ppl: no memory message: $(cat "$D/err")"
run 2 "$CLI" compare --a "$D/long-context" --b "$D/long-context" --battery none --text "$D/text.txt" --ctx 1000000
grep -q "^error: .*config.json: a perplexity window of 1000000 tokens of long-context needs about" "$D/err" \
    || fail "compare: no memory message: $(cat "$D/err")"

# --max-new past the context: refused, naming the model, its context and the --max-new that fits.
run 2 "$CLI" sweep --model "$AWQ" --concurrency 1 --max-new 5000 --min-requests 1 --out "$D/long.json"
grep -q "^error: .*config.json: --max-new 5000 after the [0-9]*-token prompt needs [0-9]* tokens, more than tinystories-qwen3-7m-awq's context of 1024 tokens" "$D/err" \
    || fail "no context message: $(cat "$D/err")"
grep -q "use --max-new 10[0-9][0-9] or less" "$D/err" || fail "no fix: $(cat "$D/err")"
[ ! -e "$D/long.json" ] || fail "a run document was saved"

# A normal small level still runs, and the document says what each request made.
run 0 "$CLI" sweep --model "$AWQ" --concurrency 2 --max-new 4 --min-requests 2 --out "$D/small.json"
grep -q '"max_new_tokens": 4' "$D/small.json" || fail "small sweep: $(cat "$D/small.json")"
grep -q "^A concurrency 2: " "$D/err" || fail "small sweep did not measure: $(cat "$D/err")"
echo "sweep_preflight: ok"
