#!/bin/sh
# Hostile model files through awqbench-cli (issue 17): each must end with exit 2 and an error naming
# the file (and the key), never a crash. Registered in tests/cli/CMakeLists.txt.
# Usage: untrusted_input.sh CLI WORKDIR SHARED
set -eu
CLI=$1 D=$2 SHARED=$3
SRC=$SHARED/models/tinystories-qwen3-7m
rm -rf "$D"
mkdir -p "$D"
fail() { echo "untrusted_input: $*"; exit 1; }

# A model folder copy whose file $1 is replaced by the text on stdin.
variant() {
    name=$1 file=$2
    cp -r "$SRC" "$D/$name"
    chmod -R u+w "$D/$name"
    cat > "$D/$name/$file"
}

# 1,000,000 nested arrays: a few MB that overflowed the stack of the recursive parser and walkers.
deep() { python3 -c "import sys; n=1000000; sys.stdout.write('$1' + '['*n + ']'*n + '$2')"; }

# expect_exit2 WHAT PATTERN CMD...: the command exits 2 (not a signal, not 0) and stderr matches PATTERN.
expect_exit2() {
    what=$1 pattern=$2
    shift 2
    rc=0
    "$@" > "$D/out.txt" 2> "$D/err.txt" || rc=$?
    [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2: $(head -c 400 "$D/err.txt")"
    grep -q -- "$pattern" "$D/err.txt" || fail "$what: error does not match '$pattern': $(head -c 400 "$D/err.txt")"
}

# The fixture's own tokenizer.json with a post_processor.pair of a million nested arrays, the
# mutation that killed `tokenize` with SIGSEGV.
python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))
t['post_processor'] = {'type': 'TemplateProcessing', 'single': [], 'pair': 'DEEP', 'special_tokens': {}}
n = 1000000
sys.stdout.write(json.dumps(t).replace('\"DEEP\"', '[' * n + ']' * n))
" "$SRC/tokenizer.json" | variant deep-tokenizer tokenizer.json
expect_exit2 "tokenize, deep tokenizer.json" "tokenizer.json.*levels deep" \
    "$CLI" tokenize --model "$D/deep-tokenizer" --text "Hello world"

deep '{"hidden_size": ' '}' | variant deep-config config.json
expect_exit2 "models show, deep config.json" "config.json.*levels deep" "$CLI" models show "$D/deep-config"

deep '{"metadata": ' ', "weight_map": {}}' | variant deep-index model.safetensors.index.json
expect_exit2 "models show, deep index" "model.safetensors.index.json.*levels deep" "$CLI" models show "$D/deep-index"

# ../shared/realworld/config-kv-cache-wrap: head_dim 2^30 and a 2^28 context wrapped the KV cache
# size to 0, and the memory plan divided by it (SIGFPE).
# Its config.json is the fixture's with those two values changed: put it beside the fixture's weights.
variant wrap config.json < "$SHARED/realworld/config-kv-cache-wrap/config.json"
expect_exit2 "models show, kv-cache wrap" "config.json.*\"head_dim\" is 1073741824" "$CLI" models show "$D/wrap"
# The library scan lists it as broken instead of dying.
mkdir -p "$D/library"
mv "$D/wrap" "$D/library/wrap"
rc=0
"$CLI" models list "$D/library" > "$D/list.txt" 2>&1 || rc=$?
[ "$rc" -le 2 ] || fail "models list: exit $rc"
grep -q "1 model(s), 1 broken" "$D/list.txt" || fail "models list does not show the model as broken: $(cat "$D/list.txt")"
echo "untrusted_input: ok"
