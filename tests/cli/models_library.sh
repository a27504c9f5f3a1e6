#!/bin/sh
# The model library's faults from trial 35 (registered in tests/cli/CMakeLists.txt): --warm-pool
# dropped the default library and took a pool folder that does not exist in silence; a folder under
# config.json's name was "missing config.json"; the table's dtype (F16) was not --json's (I4); models
# more than 4 folders down were left out without a word, rows sorted by path; --context 99999999999
# was "must be a whole number of 1 or more".
# Usage: models_library.sh CLI WORKDIR MODELS
set -eu
CLI=$1 D=$2 M=$3
[ -d "$D" ] && chmod -R u+w "$D"
rm -rf "$D"
mkdir -p "$D/pool" "$D/lib"
D=$(cd "$D" && pwd -P)
TEST_NAME=models_library
. "$(dirname "$0")/script_helpers.sh"
unset AWQBENCH_LIBRARY
# A writable copy of a fixture (the shared ones are read-only).
copy() { cp -r "$1" "$2" && chmod -R u+w "$2"; }

# 1. --warm-pool replaces the pool only: the default library (the demo library here) stays.
run 0 "$CLI" models list
[ "$(tail -1 "$D/out")" = "1 model, 0 broken" ] || fail "demo library: $(cat "$D/out")"
run 0 "$CLI" models list --warm-pool "$D/pool"
[ "$(tail -1 "$D/out")" = "1 model, 0 broken" ] || fail "--warm-pool dropped the demo library: $(cat "$D/out")"
grep -q '^tinystories-qwen3-7m  *library ' "$D/out" || fail "no demo model: $(cat "$D/out")"
copy "$M/qwen2-random-awq" "$D/pool/pooled"
run 0 env AWQBENCH_LIBRARY="$M" "$CLI" models list --warm-pool "$D/pool"
[ "$(tail -1 "$D/out")" = "8 models, 0 broken" ] || fail "AWQBENCH_LIBRARY + pool: $(cat "$D/out")"
grep -q '^pooled  *pool ' "$D/out" || fail "the pool's model: $(cat "$D/out")"
run 2 "$CLI" models list --warm-pool "$D/no-pool"
[ "$(cat "$D/err")" = "error: $D/no-pool: no such folder (--warm-pool) (check the path)" ] || fail "missing pool: $(cat "$D/err")"

# 3. A folder under a file's name is said to be one (config.json, the weights), not "missing".
copy "$M/qwen2-random" "$D/lib/dirconfig"; rm "$D/lib/dirconfig/config.json"; mkdir "$D/lib/dirconfig/config.json"
copy "$M/qwen2-random" "$D/lib/dirweights"; rm "$D/lib/dirweights/model.safetensors"; mkdir "$D/lib/dirweights/model.safetensors"
run 2 "$CLI" models show "$D/lib/dirconfig"
grep -qxF "status:       broken: $D/lib/dirconfig/config.json: is a folder, not a file (replace the folder with the file: rm -r \"$D/lib/dirconfig/config.json\", then copy config.json from the model's source)" "$D/out" ||
    fail "config.json folder: $(cat "$D/out")"
run 2 "$CLI" generate --model "$D/lib/dirweights" --prompt hi --max-new 1
grep -qF "$D/lib/dirweights/model.safetensors: is a folder, not a file" "$D/err" || fail "model.safetensors folder: $(cat "$D/err")"

# 4. One dtype: the storage type holding most parameters, in the table, --json and show.
run 0 "$CLI" models list "$M"
grep -Eq '^tinystories-qwen3-7m-autoawq +library +qwen3 +[0-9.]+[KMG]? +I4 +awq w4 g128 ' "$D/out" || fail "table dtype: $(grep autoawq "$D/out")"
grep -Eq '^tinystories-qwen3-7m +library +qwen3 +[0-9.]+[KMG]? +BF16 +- ' "$D/out" || fail "table dtype: $(grep 'qwen3-7m ' "$D/out")"
run 0 "$CLI" models list "$M/tinystories-qwen3-7m-autoawq" --json
grep -q '"dtype": "I4"' "$D/out" || fail "--json dtype: $(grep dtype "$D/out")"
run 0 "$CLI" models show "$M/tinystories-qwen3-7m-autoawq"
grep -qx 'dtype:        I4 (most parameters: the quantized linears; other tensors F16; config: float16)' "$D/out" ||
    fail "show dtype: $(grep dtype: "$D/out")"

# 5. Depth: model folders 6 below a library folder are found, a deeper one is counted; rows by name.
P=""
for l in l1 l2 l3 l4 l5 l6; do
    P="$P${P:+/}$l"
    mkdir -p "$D/depth/$P"
    copy "$M/tinystories-656k" "$D/depth/$P/m-$(echo "$P" | tr / _)"
done
run 0 "$CLI" models list "$D/depth"
[ "$(grep -o '^m-[^ ]*' "$D/out" | tr '\n' ' ')" = "m-l1 m-l1_l2 m-l1_l2_l3 m-l1_l2_l3_l4 m-l1_l2_l3_l4_l5 " ] ||
    fail "rows: $(cat "$D/out")"
[ "$(cat "$D/err")" = "note: 1 folder 6 levels below a library folder were not searched for models, the first $D/depth/l1/l2/l3/l4/l5/l6 (name the deeper folder: awqbench-cli models list DIR)" ] ||
    fail "no note of the folder not searched: $(cat "$D/err")"

# 6. Range errors name the real bound.
run 1 "$CLI" models show "$M/tinystories-656k" --context 99999999999
grep -qF -- "--context: must be a whole number from 1 to 33554432, not 99999999999" "$D/err" || fail "--context: $(cat "$D/err")"
run 1 "$CLI" generate --model "$M/tinystories-656k" --prompt hi --max-new 99999999999
grep -qF -- "--max-new: must be a whole number from 1 to 2147483647, not 99999999999" "$D/err" || fail "--max-new: $(cat "$D/err")"
run 1 "$CLI" generate --model "$M/tinystories-656k" --prompt hi --max-new 0
grep -qF -- "--max-new: must be a whole number of 1 or more, not 0" "$D/err" || fail "--max-new 0: $(cat "$D/err")"

echo "models_library: ok"
