#!/bin/sh
# The deployment faults of a user trial, end to end through awqbench-cli (registered in
# tests/cli/CMakeLists.txt): undo of a target replaced since its promotion, `target add` over a
# taken name, unique history ids, `history --json` kept_settings, undo with a deleted backup,
# `pool add --name ""`, a budget below the pool's use, unset settings in `target list --json`.
# Usage: deploy_trial.sh CLI WORKDIR MODELS
set -eu
CLI=$1 D=$2 M=$3
rm -rf "$D"
mkdir -p "$D/pool"
D=$(cd "$D" && pwd -P)
S="--settings $D/deploy.json"
TEST_NAME=deploy_trial
. "$(dirname "$0")/script_helpers.sh"

"$CLI" pool config --pool "$D/pool" $S > /dev/null
"$CLI" pool add "$M/qwen2-random-awq" --name m $S > /dev/null
"$CLI" pool add "$M/tinystories-qwen3-7m-awq" --name m2 $S > /dev/null

# pool add --name "": took the folder's name without a word.
run 1 "$CLI" pool add "$M/qwen2-random-awq" --name "" $S
grep -q -- "--name: must not be empty" "$D/err" || fail "pool add --name \"\": $(cat "$D/err")"
[ ! -e "$D/pool/qwen2-random-awq" ] || fail "pool add --name \"\" copied the model"
run 1 "$CLI" pool list --settings ""
grep -q -- "--settings: must not be empty" "$D/err" || fail "pool list --settings \"\": $(cat "$D/err")"

# pool config --budget below what the pool holds: accepted without a word.
run 0 "$CLI" pool config --budget 1MiB $S
grep -q "^warning: $D/pool: the pool is over its budget by [0-9.]* MiB (.* used of a .* budget, .*); \`pool add\` refuses models until" "$D/err" ||
    fail "no over-budget warning: $(cat "$D/err")"
# Its follow-up commands named no program and no --settings (pasted, they worked on the default deploy.json).
grep -qF "refuses models until models are removed (\`awqbench-cli pool remove --settings $D/deploy.json NAME\`) or the budget is raised (\`awqbench-cli pool config --settings $D/deploy.json --budget SIZE\`, 0 = none)" "$D/err" ||
    fail "over-budget hints without --settings: $(cat "$D/err")"
run 0 "$CLI" pool config --budget 0 $S
[ ! -s "$D/err" ] || fail "warned with no budget: $(cat "$D/err")"

# target list --json: unset settings were 0.0 / 0 / "" ("gpu_memory_utilization": 0.0 meant "not set").
printf 'model: /models/old\ngpu-memory-utilization: 0.85\ndtype: auto\n' > "$D/serve.yaml"
"$CLI" target add vl --vllm-config "$D/serve.yaml" --gpu-memory 24GiB $S > /dev/null
run 0 "$CLI" target list --json $S
for key in gpu_count gpu_memory_utilization tensor_parallel_size max_model_len command_file paired_model; do
    grep -q "\"$key\": null" "$D/out" || fail "target list --json: $key is not null: $(cat "$D/out")"
done
grep -q '"gpu_memory_bytes": 25769803776' "$D/out" || fail "target list --json: gpu_memory_bytes: $(cat "$D/out")"

# target add over a taken name: replaced it (dropping its GPU settings) with exit 0.
run 1 "$CLI" target add vl --vllm-config "$D/other.yaml" $S
grep -qF "error: $D/deploy.json: a target named 'vl' already exists (vllm: $D/serve.yaml); replacing it keeps none of its settings not given again (pass --replace to replace it, or choose another name)" "$D/err" ||
    fail "target add over a taken name: $(cat "$D/err")"
"$CLI" target list $S | grep -q "^vl .*$D/serve.yaml .* 24.00 GiB" || fail "the refused add changed the target: $("$CLI" target list $S)"

# history --json lacked kept_settings.
run 0 "$CLI" promote --model m --target vl $S
# The undo hint lacked the --settings the promotion was given (it undid nothing, or another target).
grep -qF "\`awqbench-cli undo --settings $D/deploy.json --target vl\` restores them" "$D/out" || fail "undo hint: $(cat "$D/out")"
run 0 "$CLI" history --json $S
grep -A1 '"kept_settings": \[' "$D/out" | grep -q '"dtype"' || fail "history --json: no kept_settings: $(cat "$D/out")"
promoted=$(cat "$D/serve.yaml")

# undo of a target replaced since its promotion with other files restored the old serve.yaml.
run 0 "$CLI" target add vl --vllm-config "$D/other.yaml" --replace $S
grep -q "^replacing target vl (vllm: $D/serve.yaml); settings not given again are not kept" "$D/err" || fail "no replacing notice: $(cat "$D/err")"
run 2 "$CLI" undo --target vl $S
grep -qF "error: $D/serve.yaml: promotion " "$D/err" && grep -q "no longer uses" "$D/err" &&
    grep -qF "restore it by hand from its backup $D/deploy-state/backups/" "$D/err" || fail "undo of a replaced target: $(cat "$D/err")"
[ "$(cat "$D/serve.yaml")" = "$promoted" ] || fail "undo of a replaced target changed serve.yaml"
# Removed and added again: the same.
"$CLI" target remove vl --yes $S > /dev/null
"$CLI" target add vl --vllm-config "$D/other.yaml" $S > /dev/null
run 2 "$CLI" undo --target vl $S
grep -q "no longer uses" "$D/err" || fail "undo of a re-added target: $(cat "$D/err")"
# Removed and not added again: its history stays undoable.
"$CLI" target remove vl --yes $S > /dev/null
run 0 "$CLI" undo --target vl $S
grep -qx 'model: /models/old' "$D/serve.yaml" || fail "undo of a removed target did not restore serve.yaml"

# History ids: two undos in one second shared "...Z-undo".
"$CLI" target add vl --vllm-config "$D/serve.yaml" --gpu-memory 24GiB $S > /dev/null
"$CLI" promote --model m --target vl $S > /dev/null
"$CLI" promote --model m2 --target vl $S > /dev/null
"$CLI" undo --target vl $S > /dev/null
"$CLI" undo --target vl $S > /dev/null
run 0 "$CLI" history --json $S
dups=$(grep '"id":' "$D/out" | sort | uniq -d)
[ -z "$dups" ] || fail "history ids repeat: $dups"

# undo with a deleted backup: "cannot read the file ... (check the file's permissions)".
"$CLI" promote --model m --target vl $S > /dev/null
backup=$("$CLI" history --json $S | sed -n 's/^ *"backup": "\(.*\)",\{0,1\}$/\1/p' | tail -n 1)
[ -f "$backup" ] || fail "no backup of the last promotion: '$backup'"
rm "$backup"
run 2 "$CLI" undo --target vl $S
grep -qF "error: $backup: the backup of $D/serve.yaml from promotion " "$D/err" && grep -q "is missing: nothing was restored" "$D/err" ||
    fail "undo with a missing backup: $(cat "$D/err")"
grep -q "permissions" "$D/err" && fail "undo with a missing backup blames permissions: $(cat "$D/err")"
# Fix hints work as printed: a suggested `target add` over the taken name carries --replace, every
# setting of the target and the --settings given (default_overridden named none of them).
mkdir -p "$D/stack"
printf 'services:\n  vllm:\n    command: --model ${PRIME_MODEL_PATH:-/models/old}\n' > "$D/stack/compose.yaml"
printf 'PRIME_MODEL_PATH=/models/pinned\n' > "$D/stack/.env"
"$CLI" target add c1 --compose "$D/stack/compose.yaml" --gpu-memory 24GiB $S > /dev/null 2>&1
run 2 "$CLI" promote --model m --target c1 --dry-run $S
hint=$(sed -n 's/^error \[default_overridden\]: .*(give the target that .env file (\(.*\)))$/\1/p' "$D/err")
[ "$hint" = "awqbench-cli target add --settings $D/deploy.json c1 --compose $D/stack/compose.yaml --env $D/stack/.env --gpu-memory 24GiB --replace" ] ||
    fail "default_overridden hint: $(cat "$D/err")"
eval "\"$CLI\"${hint#awqbench-cli}" > /dev/null 2>&1 || fail "the printed hint failed: $hint"
run 0 "$CLI" promote --model m --target c1 --dry-run $S
# promote --pool DIR: a suggested pool command works on that pool too.
run 2 "$CLI" promote --model "$M/qwen2-random-awq" --target c1 --pool "$D/pool" --dry-run $S
grep -qF "(add it to the pool first (\`awqbench-cli pool add --settings $D/deploy.json --pool $D/pool\`)" "$D/err" ||
    fail "outside_pool hint without --pool: $(cat "$D/err")"
# Pool commands' follow-up commands carry the user's --settings and --pool, as the deploy commands'
# do (a pasted `pool list` listed the saved pool, or none): each hint below is run as printed.
P="--pool $D/pool"
run 2 "$CLI" pool list --settings "$D/fresh.json"
grep -qxF "error: $D/fresh.json: no warm pool given (pass --pool DIR, or save one with \`awqbench-cli pool config --settings $D/fresh.json --pool DIR\`)" "$D/err" ||
    fail "no-pool hint: $(cat "$D/err")"
run 2 "$CLI" pool remove nosuch --yes $P --settings "$D/fresh.json"
grep -qxF "error: $D/pool/nosuch: no model named 'nosuch' in the pool (see \`awqbench-cli pool list --settings $D/fresh.json --pool $D/pool\`)" "$D/err" ||
    fail "pool remove hint: $(cat "$D/err")"
run 0 "$CLI" pool list --settings "$D/fresh.json" --pool "$D/pool"
grep -q "^m2 " "$D/out" || fail "the pasted pool list hint did not list the pool: $(cat "$D/out")"
run 2 "$CLI" pool add "$M/qwen2-random-awq" --name m3 --budget 1MiB $P --settings "$D/fresh.json"
grep -qF "(remove a model from the pool (\`awqbench-cli pool remove --settings $D/fresh.json --pool $D/pool NAME\`) or raise the budget (\`--budget SIZE\`, or for the saved one \`awqbench-cli pool config --settings $D/fresh.json --budget SIZE\`))" "$D/err" ||
    fail "pool add budget hint: $(cat "$D/err")"
run 0 "$CLI" promote --model m --target c1 $S
run 2 "$CLI" pool remove m --yes $P $S
hint=$(sed -n 's/^error: .*: .m. is deployed (target vl, c1): removing it would break serving (promote another model to each of those targets first: `\(.*\)`)$/\1/p' "$D/err")
[ "$hint" = "awqbench-cli promote --settings $D/deploy.json --pool $D/pool --model OTHER --target TARGET" ] || fail "pool remove deployed hint: $(cat "$D/err")"
eval "\"$CLI\"$(echo "${hint#awqbench-cli}" | sed 's/OTHER/m2/; s/TARGET/vl/')" > /dev/null 2>&1 || fail "the printed hint failed: $hint"
run 2 "$CLI" pool remove m --yes $P $S
hint=$(sed -n 's/^error: .*: .m. is deployed (target c1): removing it would break serving (promote another model to that target first: `\(.*\)`)$/\1/p' "$D/err")
[ "$hint" = "awqbench-cli promote --settings $D/deploy.json --pool $D/pool --model OTHER --target c1" ] || fail "pool remove deployed hint: $(cat "$D/err")"
eval "\"$CLI\"$(echo "${hint#awqbench-cli}" | sed 's/OTHER/m2/')" > /dev/null 2>&1 || fail "the printed hint failed: $hint"
run 0 "$CLI" pool remove m --yes $P $S
echo "deploy_trial: ok"
