#!/bin/sh
# awqbench-cli and awqbench-cli-engine (app/cli/engine_program.h): the front links no libtorch, so a
# command that needs no engine starts without it; engine commands run in the engine program with
# the front's arguments, exit code and program name; a front without its engine program says which
# file is missing and how to get it back.
# Usage: engine_program.sh AWQBENCH_CLI WORK_DIR MODELS_DIR
set -u
cli=$1 work=$2 models=$3
fail() { echo "engine_program: FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"

ldd "$cli" > "$work/ldd.txt" || fail "ldd $cli"
if grep -q "libtorch\|libc10" "$work/ldd.txt"; then fail "awqbench-cli links libtorch: $(grep torch "$work/ldd.txt" | head -1)"; fi
[ -x "$(dirname "$cli")/awqbench-cli-engine" ] || fail "no awqbench-cli-engine beside $cli"

# Handed over: the engine's output, its usage line under the name the user typed, its exit codes.
"$cli" generate --model "$models/tinystories-656k" --prompt "Once" --max-new 4 --json > "$work/generate.json" 2> "$work/generate.err" ||
  fail "generate: $(cat "$work/generate.err")"
grep -q '"new_tokens": 4' "$work/generate.json" || fail "generate --json printed $(head -c 300 "$work/generate.json")"
"$cli" -v eval --help > "$work/eval-help.txt" 2>&1 || fail "-v eval --help: $(cat "$work/eval-help.txt")"
grep -q "Usage: $cli eval" "$work/eval-help.txt" || fail "eval --help's usage line: $(grep Usage "$work/eval-help.txt")"
"$cli" quantize --model "$models/tinystories-656k" > "$work/quantize.txt" 2>&1
[ $? -eq 1 ] || fail "quantize without --out: exit code not 1 (usage)"
grep -q "quantize needs --out\|--out is required" "$work/quantize.txt" || fail "quantize without --out: $(cat "$work/quantize.txt")"

# The top level still lists and suggests the engine's commands.
"$cli" --help > "$work/help.txt" || fail "--help"
for c in generate eval profile quantize compare sweep; do grep -q "^  $c " "$work/help.txt" || fail "--help lacks $c"; done
"$cli" compar > "$work/typo.txt" 2>&1
grep -q "did you mean 'compare'" "$work/typo.txt" || fail "typo of compare: $(cat "$work/typo.txt")"

# The front alone: torch-free commands work, engine commands name the missing program (exit 3).
mkdir -p "$work/alone" && cp "$cli" "$work/alone/awqbench-cli"
"$work/alone/awqbench-cli" models show "$models/tinystories-656k" > /dev/null || fail "models show from a front without its engine program"
"$work/alone/awqbench-cli" generate --model "$models/tinystories-656k" --prompt x > "$work/alone.txt" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "generate without the engine program: exit $rc, not 3"
grep -q "awqbench-cli-engine, which is missing (looked for $work/alone/awqbench-cli-engine or $work/libexec/awqbench/awqbench-cli-engine)" "$work/alone.txt" ||
  fail "generate without the engine program: $(cat "$work/alone.txt")"
# An install's layout: the engine program in ../libexec/awqbench/.
mkdir -p "$work/prefix/bin" "$work/prefix/libexec/awqbench"
cp "$cli" "$work/prefix/bin/awqbench-cli" && ln -s "$(cd "$(dirname "$cli")" && pwd)/awqbench-cli-engine" "$work/prefix/libexec/awqbench/awqbench-cli-engine"
"$work/prefix/bin/awqbench-cli" generate --help > "$work/prefix.txt" 2>&1 || fail "generate --help from an install's layout: $(cat "$work/prefix.txt")"
echo "engine_program: ok"
