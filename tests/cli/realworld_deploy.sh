#!/bin/sh
# The deployment faults of ../shared/realworld end to end through awqbench-cli (registered in
# tests/cli/CMakeLists.txt): nested compose defaults, host paths in containers, layouts vLLM cannot
# load (AWQ GEMV, tied embeddings stored only as lm_head.weight); a vLLM config's hand-set settings
# kept; a pool copy changed on disk refused.
# Usage: realworld_deploy.sh CLI WORKDIR SHARED
set -eu
CLI=$1 D=$2 SHARED=$3
RW=$SHARED/realworld
rm -rf "$D"
mkdir -p "$D/pool" "$D/stack"
D=$(cd "$D" && pwd -P)
S="--settings $D/deploy.json"
fail() { echo "realworld_deploy: $*"; exit 1; }

"$CLI" pool config --pool "$D/pool" $S > /dev/null
"$CLI" pool add "$SHARED/models/qwen2-random-awq" --name m $S > /dev/null

# compose-nested-default: the whole nested default is the current model and is replaced whole.
cp "$RW/compose-nested-default/compose.yaml" "$D/stack/compose.yaml"
chmod u+w "$D/stack/compose.yaml"
"$CLI" target add ct --compose "$D/stack/compose.yaml" --gpus 1 --gpu-memory 24GiB $S > /dev/null
"$CLI" target list $S | grep -q " /models/old-model *$" || fail "target list does not show /models/old-model"
"$CLI" promote --model "$D/pool/m" --target ct --dry-run $S > "$D/nested.txt" 2> "$D/nested.err"
grep -qxF "+      --model \${PRIME_MODEL_PATH:-$D/pool/m}" "$D/nested.txt" || fail "wrong --model line: $(grep -e '--model' "$D/nested.txt")"
grep -qxF "+      - SERVED=\"\${PRIME_MODEL:-m}\"" "$D/nested.txt" || fail "wrong SERVED line"
grep -q "warning \[model_path_not_in_container\]" "$D/nested.err" || fail "no container path warning"

# --container-path: the container path is written, no warning.
"$CLI" target add ct --compose "$D/stack/compose.yaml" --gpus 1 --gpu-memory 24GiB --container-path "$D/pool:/models" --replace $S > /dev/null 2>&1
"$CLI" target list --json $S | grep -q "\"container\": \"/models\"" || fail "target list --json lacks container_paths"
"$CLI" promote --model m --target ct $S > "$D/mapped.txt" 2> "$D/mapped.err"
grep -qF -- "--model \${PRIME_MODEL_PATH:-/models/m}" "$D/stack/compose.yaml" || fail "container path not written"
if grep -q "model_path_not_in_container" "$D/mapped.err"; then fail "warned although mapped"; fi
"$CLI" target list $S | grep -qF " $D/pool/m" || fail "target list does not show the pool copy (mapped back to the host)"
"$CLI" pool list --json $S | grep -q '"ct"' || fail "the pool does not see m as deployed"
# pool remove of the deployed copy says so before asking (it asked, or with no terminal refused for
# want of --yes, and named the deployment only after --yes).
if "$CLI" pool remove m $S < /dev/null > "$D/remove.out" 2>&1; then fail "pool remove of the deployed copy succeeded"; fi
grep -q "'m' is deployed (target ct)" "$D/remove.out" || fail "pool remove did not say m is deployed: $(cat "$D/remove.out")"

# awq-gemv-promote: blocked with awq_layout_unsupported (exit 2), nothing written.
printf 'model: /models/old\nserved-model-name: old\n' > "$D/serve.yaml"
"$CLI" target add vt --vllm-config "$D/serve.yaml" --gpus 1 --gpu-memory 24GiB $S > /dev/null
"$CLI" pool add "$RW/awq-gemv-promote/model" --name tiny-gemv $S > /dev/null
rc=0; "$CLI" promote --model tiny-gemv --target vt --json $S > "$D/gemv.json" || rc=$?
[ "$rc" = 2 ] || fail "gemv promote exited $rc"
grep -q '"code": "awq_layout_unsupported"' "$D/gemv.json" || fail "no awq_layout_unsupported"

# tied-lm-head-only: the FP model that stores the tied matrix only as lm_head.weight is blocked.
"$CLI" pool add "$SHARED/models/tinystories-656k" --name ts $S > /dev/null
rc=0; "$CLI" promote --model ts --target vt --json $S > "$D/tied.json" || rc=$?
[ "$rc" = 2 ] || fail "tied promote exited $rc"
grep -q '"code": "tied_embeddings_missing"' "$D/tied.json" || fail "no tied_embeddings_missing"
grep -qx 'model: /models/old' "$D/serve.yaml" || fail "serve.yaml was changed"
grep -q '"changes": \[\]' "$D/tied.json" || fail "a refused promotion shows a diff: $(cat "$D/tied.json")"
# In text: no diff with the refused values on stdout, and stderr says so.
rc=0; "$CLI" promote --model ts --target vt $S > "$D/tied.txt" 2> "$D/tied.err" || rc=$?
[ "$rc" = 2 ] && [ ! -s "$D/tied.txt" ] || fail "a refused promotion printed (exit $rc): $(cat "$D/tied.txt")"
grep -q "^promotion refused: nothing was written, and no diff is shown" "$D/tied.err" || fail "refusal not said: $(cat "$D/tied.err")"

# A vLLM config's hand-set settings are kept (gpu-memory-utilization 0.85 and dtype auto became the
# target's 0.9 and float16 with a setting_replaced warning nobody asked for); the plan says so.
printf 'model: /models/old\ngpu-memory-utilization: 0.85\ndtype: auto\n' > "$D/serve.yaml"
"$CLI" promote --model m --target vt $S > "$D/kept.txt" 2> "$D/kept.err"
grep -qx 'gpu-memory-utilization: 0.85' "$D/serve.yaml" || fail "the hand-set gpu-memory-utilization was replaced: $(cat "$D/serve.yaml")"
grep -qx 'dtype: auto' "$D/serve.yaml" || fail "the hand-set dtype was replaced: $(cat "$D/serve.yaml")"
grep -q "setting_replaced" "$D/kept.err" && fail "warned about settings it kept: $(cat "$D/kept.err")"
grep -qF "kept from $D/serve.yaml (chosen there, not set on the target): dtype: auto, gpu-memory-utilization: 0.85" "$D/kept.txt" ||
    fail "the plan does not say what it kept: $(cat "$D/kept.txt")"
# The command line is vLLM reading that config: every key of it, the kept ones too.
grep -qxF "  vllm serve --config $D/serve.yaml" "$D/kept.txt" || fail "the command line does not read the config: $(cat "$D/kept.txt")"
# Asked for on the target: written, and the warning says why.
"$CLI" target add vt --vllm-config "$D/serve.yaml" --gpus 1 --gpu-memory 24GiB --gpu-util 0.9 --replace $S > /dev/null 2>&1
"$CLI" promote --model m --target vt --dry-run $S > /dev/null 2> "$D/asked.err"
grep -qF "sets gpu-memory-utilization: 0.85; the promotion writes 0.9 (the target sets --gpu-util 0.9)" "$D/asked.err" ||
    fail "no reason for the replaced value: $(cat "$D/asked.err")"

# A pool copy changed on disk: `pool list` does not call it ok, promotion refuses it naming the file.
"$CLI" pool list $S | grep -E -q "^m .* sizes match; not verified since added [0-9-]{10} [0-9:]{5} UTC$" || fail "pool list: $("$CLI" pool list $S)"
# A full verify is recorded: `pool list` shows its time beside the cheap check, and --json its result.
"$CLI" pool verify m $S > /dev/null || fail "pool verify of the fresh copy failed"
"$CLI" pool list $S | grep -E -q "^m .* sizes match; verified [0-9-]{10} [0-9:]{5} UTC$" || fail "pool list after verify: $("$CLI" pool list $S)"
"$CLI" pool list --json $S | grep -q '"ok": true' || fail "pool list --json has no last_verify: $("$CLI" pool list --json $S)"
"$CLI" pool list $S | grep -q " ok$" && fail "pool list claims ok"
printf 'X' | dd of="$D/pool/m/model.safetensors" bs=1 seek=4096 conv=notrunc 2> /dev/null
touch -d "$(date -d '+1 minute' '+%Y-%m-%d %H:%M:%S')" "$D/pool/m/model.safetensors"
"$CLI" pool list $S | grep -E -q "^m .* unverified: written since it was added or verified: model.safetensors; run pool verify; verified [0-9-]{10} [0-9:]{5} UTC$" ||
    fail "pool list: $("$CLI" pool list $S)"
rc=0; "$CLI" promote --model m --target vt --dry-run $S > "$D/tampered.txt" 2> "$D/tampered.err" || rc=$?
[ "$rc" = 2 ] || fail "the changed copy was promoted (exit $rc)"
grep -qF "error [pool_copy_changed]: $D/pool/m: the pool copy is not what was added: changed: model.safetensors (SHA-256 differs from the manifest)" \
    "$D/tampered.err" || fail "no pool_copy_changed naming the file: $(cat "$D/tampered.err")"
grep -qF "awqbench-cli pool remove --settings $D/deploy.json m --yes" "$D/tampered.err" || fail "the fix is not named (with --settings): $(cat "$D/tampered.err")"
rc=0; "$CLI" pool verify m $S > "$D/verify.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "^m: FAILED" "$D/verify.txt" || fail "pool verify: $(cat "$D/verify.txt")"
# The failed verify is what `pool list` shows next (no more "run pool verify"), and the edited file stays reported as written since.
"$CLI" pool list $S | grep -E -q "^m .* written since it was added or verified: model.safetensors; verify FAILED [0-9-]{10} [0-9:]{5} UTC: changed: model.safetensors \(SHA-256 differs from the manifest\)$" ||
    fail "pool list after a failed verify: $("$CLI" pool list $S)"
# Truncated: the size tells `pool list` at once.
truncate -s -1 "$D/pool/m/model.safetensors"
"$CLI" pool list $S | grep -q "^m .* CHANGED: changed: model.safetensors (" || fail "pool list: $("$CLI" pool list $S)"
echo "realworld_deploy: ok"
