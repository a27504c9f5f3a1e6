#!/bin/sh
# The deploy / pool faults of a fresh-user trial, end to end through awqbench-cli (registered in
# tests/cli/CMakeLists.txt): a model path with blanks promoted into a compose command given as one
# string (Compose splits it shell style: the value must be quoted there); a pool copy whose last
# `pool verify` FAILED (a byte flipped, its time put back) refused; `--quantization awq` in a compose
# command a warning, not a refusal; `promote --model NAME` the pool's model even where the current
# folder holds a folder NAME; `pool add` of a link named after the link; `target add` of a compose
# file that never uses the path variable refused (exit 2) unless --force, and its literal
# `--model` shown by `target list`.
# Usage: fresh_user_deploy.sh CLI WORKDIR SHARED
set -eu
CLI=$1 D=$2 SHARED=$3
M=$SHARED/models
rm -rf "$D"
mkdir -p "$D/pool" "$D/stack" "$D/cwd/ts-awq" "$D/lib"
D=$(cd "$D" && pwd -P)
S="--settings $D/deploy.json"
TEST_NAME=fresh_user_deploy
. "$(dirname "$0")/script_helpers.sh"

"$CLI" pool config --pool "$D/pool" $S > /dev/null
NAME="my model 🙂-awq ü"
run 0 "$CLI" pool add "$M/tinystories-qwen3-7m-awq" --name "$NAME" $S

# 1. A folded `command: >` (../shared/realworld/compose-nested-default): the default is written in
# single quotes, so that Compose's shell-style split keeps it one argument; the environment value
# (not split) is written as it was.
cp "$SHARED/realworld/compose-nested-default/compose.yaml" "$D/stack/compose.yaml"
chmod u+w "$D/stack/compose.yaml"
run 0 "$CLI" target add ct --compose "$D/stack/compose.yaml" --gpus 1 --gpu-memory 24GiB --container-path "$D/pool:/models" $S
run 0 "$CLI" promote --model "$NAME" --target ct $S
grep -qxF "      --model '\${PRIME_MODEL_PATH:-/models/$NAME}'" "$D/stack/compose.yaml" || fail "model path not quoted: $(cat "$D/stack/compose.yaml")"
grep -qxF "      --served-model-name '\${PRIME_MODEL:-$NAME}'" "$D/stack/compose.yaml" || fail "served name not quoted: $(cat "$D/stack/compose.yaml")"
grep -qxF "      - SERVED=\"\${PRIME_MODEL:-$NAME}\"" "$D/stack/compose.yaml" || fail "environment value changed: $(cat "$D/stack/compose.yaml")"
"$CLI" target list $S | grep -qF "$D/pool/$NAME" || fail "target list does not read the quoted model back: $("$CLI" target list $S)"

# 6. A compose file that never uses $PRIME_MODEL_PATH: refused (exit 2), nothing saved; --force
# saves it; target list shows its literal --model.
printf 'services:\n  vllm:\n    command: --model /models/qwen-old --served-model-name ${PRIME_MODEL:-qwen-old}\n' > "$D/stack/literal.yml"
run 2 "$CLI" target add lit --compose "$D/stack/literal.yml" $S
grep -q "error \[variable_unused\]: $D/stack/literal.yml never uses \$PRIME_MODEL_PATH" "$D/err" || fail "no variable_unused: $(cat "$D/err")"
grep -q "target lit not saved" "$D/err" && grep -q -- "--force" "$D/err" || fail "refusal does not name --force: $(cat "$D/err")"
if "$CLI" target list $S | grep -q "^lit "; then fail "a refused target was saved"; fi
run 0 "$CLI" target add lit --compose "$D/stack/literal.yml" --force $S
grep -q "saved as given (--force)" "$D/err" || fail "--force does not say what a promotion reports: $(cat "$D/err")"
"$CLI" target list $S | grep "^lit " | grep -q " /models/qwen-old *$" || fail "target list: $("$CLI" target list $S)"

# 3. --quantization awq in a compose command: a warning (a T4 needs that kernel), promoted.
printf 'services:\n  vllm:\n    command: >\n      --model ${PRIME_MODEL_PATH:-/models/old}\n      --quantization awq\n' > "$D/stack/forced.yml"
run 0 "$CLI" target add forced --compose "$D/stack/forced.yml" --container-path "$D/pool:/models" $S
run 0 "$CLI" promote --model "$NAME" --target forced --dry-run $S
grep -q "warning \[forced_awq_kernel\]" "$D/err" && grep -q "compute capability 8.0" "$D/err" || fail "forced awq kernel: $(cat "$D/err")"

# 4. A bare name is the pool's model, even where the current folder holds a folder of that name.
run 0 "$CLI" pool add "$M/tinystories-qwen3-7m-awq" --name ts-awq $S
cd "$D/cwd"
run 0 "$CLI" promote --model ts-awq --target ct --dry-run $S
grep -qF -- "\${PRIME_MODEL_PATH:-/models/ts-awq}" "$D/out" || fail "ts-awq: $(cat "$D/out")"
run 2 "$CLI" promote --model nosuch --target ct --dry-run $S
grep -q "no model named 'nosuch' in the warm pool" "$D/err" && grep -q "pool list" "$D/err" || fail "nosuch: $(cat "$D/err")"
run 2 "$CLI" promote --model ./ts-awq --target ct --dry-run $S   # a path: the folder here, outside the pool
grep -q "outside_pool" "$D/err" || fail "./ts-awq: $(cat "$D/err")"
cd "$D"

# 5. pool add of a link: named after the link, as `models list` names it.
ln -s "$M/qwen2-random" "$D/lib/linked"
"$CLI" models list "$D/lib" | grep -q "linked" || fail "models list does not show linked"
run 0 "$CLI" pool add "$D/lib/linked" $S
grep -q "^added linked " "$D/out" || fail "pool add of a link: $(cat "$D/out")"
[ -d "$D/pool/linked" ] || fail "no pool/linked"

# 2. A byte flipped in a pool copy with its time put back: only `pool verify` sees it; promote
# then refuses the copy until a verify passes again.
F="$D/pool/ts-awq/model.safetensors"
touch -r "$F" "$D/stamp"
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(4096); b=f.read(1); f.seek(4096); f.write(bytes([b[0]^0x55]))" "$F"
touch -r "$D/stamp" "$F"
run 2 "$CLI" pool verify ts-awq $S
"$CLI" pool list $S | grep "^ts-awq" | grep -q "verify FAILED" || fail "pool list: $("$CLI" pool list $S)"
run 2 "$CLI" promote --model ts-awq --target ct $S
grep -q "error \[pool_copy_changed\]: $D/pool/ts-awq: the last \`pool verify\` (.*) FAILED: changed: model.safetensors (SHA-256 differs from the manifest)" "$D/err" \
    || fail "promote of a copy whose verify failed: $(cat "$D/err")"
grep -q "^promotion refused" "$D/err" || fail "not refused: $(cat "$D/err")"

echo "fresh_user_deploy: ok"
