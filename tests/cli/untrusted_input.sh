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
grep -q "1 model, 1 broken" "$D/list.txt" || fail "models list does not show the model as broken: $(cat "$D/list.txt")"
# Item 7: `models show` loads the tokenizer as `tokenize` does and says when it cannot.
"$CLI" models show "$D/deep-tokenizer" > "$D/show.txt" 2>&1 || fail "models show, deep tokenizer.json: exit $?"
grep -q "tokenizer:    tokenizer.json, broken" "$D/show.txt" || fail "models show calls a broken tokenizer.json fine: $(head -c 600 "$D/show.txt")"
grep -q "warning: .*tokenizer.json.*levels deep" "$D/show.txt" || fail "models show gives no reason for the broken tokenizer"

# Item 11: a config value of the wrong type names config.json and the key (it was read as false and
# reported as a missing lm_head.weight on the folder).
sed 's/"tie_word_embeddings": true/"tie_word_embeddings": "true"/' "$SRC/config.json" | variant tie-string config.json
expect_exit2 "models show, tie_word_embeddings a string" 'config.json.*"tie_word_embeddings" is "true" (string)' \
    "$CLI" models show "$D/tie-string"

# Item 8: safetensors __metadata__ maps strings to strings only (the fixture's shard with its
# "format" value made a number, same byte length).
python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index(b'\"format\":\"pt\"')
b[i:i+13] = b'\"format\":1234'
sys.stdout.buffer.write(b)
" "$SRC/model-00001-of-00002.safetensors" | variant metadata-number model-00001-of-00002.safetensors
expect_exit2 "models show, __metadata__ number" 'model-00001-of-00002.safetensors.*__metadata__ "format" is a number' \
    "$CLI" models show "$D/metadata-number"

# Item 5: an output the user cannot write to is exit 2 naming the path, before anything is created
# (quantize exists in torch builds only).
if "$CLI" quantize --help > /dev/null 2>&1; then
    : > "$D/a-file"
    expect_exit2 "quantize into a file's subfolder" "a-file: .*a file is where a folder is expected" \
        "$CLI" quantize --model "$SRC" --out "$D/a-file/sub/out" --method rtn --samples 1 --seqlen 16
    [ ! -e "$D/a-file/sub" ] || fail "quantize created something under a file"
    rc=0
    "$CLI" quantize --model "$SRC" --out "$D/a-file/sub/out" --method rtn --check > "$D/check.txt" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] && grep -q "problem: .*a file is where a folder is expected" "$D/check.txt" || fail "quantize --check: exit $rc: $(cat "$D/check.txt")"
fi
# Item 10: a killed copy's hidden folder (PID 999999999: above any pid_max, so gone) is counted by
# `pool list` until the next pool operation sweeps it.
mkdir -p "$D/pool/.m.partial-999999999"
head -c 100000 /dev/zero > "$D/pool/.m.partial-999999999/model.safetensors"
echo '{}' > "$D/deploy.json"
"$CLI" pool list --pool "$D/pool" --settings "$D/deploy.json" > "$D/pool.txt" 2>&1 || fail "pool list: exit $?"
grep -q "97.7 KiB used" "$D/pool.txt" && grep -q "note: 97.7 KiB (included above) in 1 unfinished" "$D/pool.txt" ||
    fail "pool list does not count the leftover: $(cat "$D/pool.txt")"
"$CLI" pool verify --pool "$D/pool" --settings "$D/deploy.json" > /dev/null 2>&1 || fail "pool verify: exit $?"
[ ! -e "$D/pool/.m.partial-999999999" ] || fail "pool verify left the dead copy in place"
echo "untrusted_input: ok"
