#!/bin/sh
# End-to-end CLI check of the warm pool and promotion (registered in tests/cli/CMakeLists.txt).
# Usage: cli_promote.sh CLI WORKDIR SHARED_MODELS FIXTURES
set -eu
CLI=$1 D=$2 MODELS=$3 FX=$4
rm -rf "$D"
mkdir -p "$D/pool" "$D/stack"
D=$(cd "$D" && pwd -P)
S="--settings $D/deploy.json"
cp "$FX/compose.before.yml" "$D/stack/docker-compose.yml"
cp "$FX/vllm.before.yaml" "$D/serve.yaml"

# Pool: add (verified copy), list, verify.
"$CLI" pool config --pool "$D/pool" --budget 1G $S
"$CLI" pool add "$MODELS/tinystories-qwen3-7m-awq" $S
"$CLI" pool add "$MODELS/tinystories-qwen3-7m" $S
"$CLI" pool verify $S | grep -q "tinystories-qwen3-7m-awq: ok"
"$CLI" pool list --json $S | grep -q '"quantization": "awq w4 g128"'

# Compose target: dry run writes nothing, promote writes the golden file, undo restores it.
"$CLI" target add prime --compose "$D/stack/docker-compose.yml" --gpu-memory 24G $S
"$CLI" promote --model tinystories-qwen3-7m-awq --target prime --dry-run $S > "$D/dry.txt"
grep -q '^+      --model ..PRIME_MODEL_PATH:-' "$D/dry.txt"
cmp "$FX/compose.before.yml" "$D/stack/docker-compose.yml"
"$CLI" promote --model "$D/pool/tinystories-qwen3-7m-awq" --target prime $S
sed "s#@POOL@#$D/pool#" "$FX/compose.expected.yml" | cmp - "$D/stack/docker-compose.yml"
"$CLI" pool list $S | grep -q "prime"
if "$CLI" pool remove tinystories-qwen3-7m-awq --yes $S 2> "$D/remove.err"; then echo "removed a deployed model"; exit 1; fi
grep -q "is deployed" "$D/remove.err"
"$CLI" undo --target prime $S
cmp "$FX/compose.before.yml" "$D/stack/docker-compose.yml"
"$CLI" history --json $S | grep -q '"action": "undo"'

# A model outside the pool is refused (exit 2), nothing written.
if "$CLI" promote --model "$MODELS/tinystories-qwen3-7m-awq" --target prime $S 2> "$D/outside.err"; then exit 1; fi
grep -q "outside_pool" "$D/outside.err"
cmp "$FX/compose.before.yml" "$D/stack/docker-compose.yml"

# vLLM target: its AWQ flag with the FP16 model is commented out with a warning (a dry run here);
# the AWQ model gets the golden config.
"$CLI" target add serve --vllm-config "$D/serve.yaml" --gpu-memory 24G $S
"$CLI" promote --model tinystories-qwen3-7m --target serve --dry-run --json $S > "$D/fp16.json"
grep -q '"code": "quantization_removed"' "$D/fp16.json"
if grep -q '"code": "awq_flag_without_quantization_config"' "$D/fp16.json"; then exit 1; fi
"$CLI" promote --model tinystories-qwen3-7m-awq --target serve $S
sed "s#@POOL@#$D/pool#" "$FX/vllm.expected.yaml" | cmp - "$D/serve.yaml"
"$CLI" target list $S | grep -q "serve"
echo "cli_promote: ok"
