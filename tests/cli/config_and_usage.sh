#!/bin/sh
# awqbench-cli on the faults of a fresh-user trial (registered in tests/cli/CMakeLists.txt):
# config.json variants the engine cannot run (hidden_act, AWQ GEMV packing) are named in
# models list / show and refused by generate / quantize; a missing max_position_embeddings takes the
# architecture's default; usage errors exit 1 (README) and name the flag; --help shows defaults;
# speed figures name their device; quantize prints what its method does and fails fast on cheap
# checks; budgets print in the unit they are given in; byte sizes need a unit; promote states a fix
# once and prints no command line when refused; a target in use needs --yes to be removed; a
# mistyped subcommand is named; a compute dtype the CPU kernels lack is refused naming --dtype.
# Usage: config_and_usage.sh CLI WORKDIR SHARED ENGINE (ENGINE=1: the build has the engine commands)
set -eu
CLI=$1 D=$2 SHARED=$3 ENGINE=$4
M=$SHARED/models
GEMV=$SHARED/realworld/awq-gemv-promote/model
rm -rf "$D"
mkdir -p "$D"
D=$(cd "$D" && pwd -P)
S="--settings $D/deploy.json"
fail() { echo "config_and_usage: $*"; exit 1; }

# expect RC PATTERN CMD...: the command exits RC and its stdout + stderr match PATTERN (grep -E).
expect() {
    want=$1 pattern=$2
    shift 2
    rc=0
    "$@" > "$D/out.txt" 2> "$D/err.txt" || rc=$?
    cat "$D/out.txt" "$D/err.txt" > "$D/all.txt"
    [ "$rc" -eq "$want" ] || fail "$*: exit $rc, expected $want: $(head -c 600 "$D/all.txt")"
    grep -Eq -- "$pattern" "$D/all.txt" || fail "$*: output does not match '$pattern': $(head -c 600 "$D/all.txt")"
}

# A copy of qwen2-random whose config.json is edited by the sed script $2.
variant() {
    cp -r "$M/qwen2-random" "$D/$1"
    chmod -R u+w "$D/$1"
    sed -i "$2" "$D/$1/config.json"
}

# ---- usage errors exit 1, as README says (CLI11's own codes were 105, 106, 109) ----
expect 1 "path is required" "$CLI" models show
# A GGUF file is listed, for its metadata, as unsupported; every command that runs a model says why
# (generate said "not a folder", serve "no such model folder"). Uppercase extensions too.
printf 'GGUF\003\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' > "$D/bare.GGUF"
expect 0 "bare .* unsupported: GGUF \(listed for its metadata" "$CLI" models list "$D/bare.GGUF"
expect 0 "status: +unsupported: a GGUF file: the built-in engine, quantizer and server run Hugging Face safetensors folders" "$CLI" models show "$D/bare.GGUF"
expect 0 '"unsupported": "a GGUF file: ' "$CLI" models show "$D/bare.GGUF" --json
expect 2 "bare.GGUF: a GGUF file: .*\(run it with llama.cpp or Ollama" "$CLI" tokenize --model "$D/bare.GGUF" --text hi
expect 2 "a file, not a model folder" "$CLI" tokenize --model "$M/qwen2-random/config.json" --text hi
# tokenize --text is the text itself: "" is the empty text (golden.json: ids_with_special [1]), not an empty path.
expect 0 '^\{"ids": \[1\], "tokens": \["<\|start_story\|>"\]\}' "$CLI" tokenize --model "$M/tinystories-656k" --text "" --json
expect 1 "The following argument was not expected: --no-such-flag" "$CLI" models list --no-such-flag
expect 1 "--context: must be a whole number from 1 to 33554432, not -5" "$CLI" models show "$M/qwen2-random" --context -5
# A context past the model's is planned with a note (vLLM refuses it); weights in binary units, not "0.00 GiB".
expect 0 "note: --context 999999 is past the model's [0-9]+ tokens" "$CLI" models show "$M/qwen2-random" --context 999999
grep -Eq "16 GB card \(16 GiB\) +[0-9.]+ MiB" "$D/out.txt" || fail "models show: weights not in MiB: $(grep '16 GB card' "$D/out.txt")"
# The cards the GUI's memory plan and reports list (commonGpuSizesGiB), not a shorter list of its own.
[ "$(grep -cE '^ *[0-9]+ GB card \(' "$D/out.txt")" -eq 8 ] || fail "models show: not the 8 common cards: $(grep 'GB card' "$D/out.txt")"
expect 1 "--gpus: must be a whole number of 1 or more, not 0" "$CLI" target add t --vllm-config "$D/serve.yaml" --gpus 0 $S
# Every count flag is a whole number of 1 or more at parse (positiveCount): profile --top 0 listed no
# kernels and exited 0; --samples / --seqlen / --gpus / --tp / --max-model-len / --context took 2.5
# and failed in CLI11's conversion ("Could not convert") instead of naming the rule.
expect 1 "--top: must be a whole number of 1 or more, not 0" "$CLI" profile --model "$M/tinystories-qwen3-7m" --top 0
expect 1 "--samples: must be a whole number of 1 or more, not 0" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --samples 0 --check
expect 1 "--samples: must be a whole number of 1 or more, not 2.5" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --samples 2.5
expect 1 "--seqlen: must be a whole number of 1 or more, not -64" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --seqlen -64
expect 1 "--context: must be a whole number from 1 to 33554432, not 2.5" "$CLI" models show "$M/qwen2-random" --context 2.5
expect 1 "--tp: must be a whole number of 1 or more, not 1.5" "$CLI" target add t --vllm-config "$D/serve.yaml" --tp 1.5 $S
expect 1 "--max-model-len: must be a whole number of 1 or more, not 0" "$CLI" target add t --vllm-config "$D/serve.yaml" --max-model-len 0 $S
expect 1 "--max-model-len: must be a whole number of 1 or more, not 0" "$CLI" serve --model "$M/tinystories-qwen3-7m" --max-model-len 0
[ ! -e "$D/never.partial" ] || fail "quantize with a bad count left $D/never.partial"
# Whole-number flags with other bounds (wholeNumberIn) say the rule too: 0-or-more counts took 2.5
# and failed CLI11's conversion ("Could not convert"), ranged ones said "Value 0 not in range 1 to 4096".
expect 1 "--top-k: must be a whole number of 0 or more, not 2.5" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --top-k 2.5
expect 1 "--max-windows: must be a whole number of 0 or more, not 2.5" "$CLI" eval ppl --model "$M/tinystories-qwen3-7m" --text "$SHARED/data/eval-stories.txt" --max-windows 2.5
expect 1 "--steps: must be a whole number from 1 to 4096, not 0" "$CLI" profile --model "$M/tinystories-qwen3-7m" --steps 0
expect 1 "--grid: must be a whole number from 1 to 100, not 1.5" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --grid 1.5
expect 1 "--ctx: must be a whole number from 2 to 33554432, not 1" "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m" --ctx 1
expect 1 "--max-batch: must be a whole number from 1 to 1024, not 0" "$CLI" serve --model "$M/tinystories-qwen3-7m" --max-batch 0
expect 1 "--top-p: must be a number from 0 to 1, not 1.5" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --top-p 1.5
# models list says "ok" only for a model with nothing to warn about (one without tokenizer.json said
# "ok" and could not generate).
mkdir -p "$D/lib-notok" && cp -r "$M/qwen2-random" "$D/lib-notok/notok" && rm "$D/lib-notok/notok/tokenizer.json"
expect 0 "notok .*warning: no tokenizer.json: prompts cannot be tokenized" "$CLI" models list "$D/lib-notok"
expect 2 "config.json: is a file, not a library or model folder \(name the folder" "$CLI" models list "$M/qwen2-random/config.json"
# compare refuses it when it loads it (it ran A's first test, then failed with advice to pass token ids).
expect 2 "notok: no tokenizer.json: a comparison or sweep encodes" "$CLI" compare --a "$M/qwen2-random" --b "$D/lib-notok/notok" --max-new 1
# --greedy with a sampling option ran greedy and ignored the option.
expect 1 "--greedy excludes --temperature" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --greedy --temperature 1.5
# compare / sweep --out is checked before the run (it failed after the whole run and saved nothing).
expect 2 "no such folder: the result would be lost at the end of the run" "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m" --out "$D/nodir/run.json"
expect 1 "is a folder, not a file" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --out "$D"
# ... and an existing file is kept unless --force (a rerun replaced a finished run's document).
echo '{"kept": true}' > "$D/earlier-run.json"
expect 1 "error: $D/earlier-run.json: already exists: this run would replace it \(pass --force to replace it" \
    "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m" --out "$D/earlier-run.json"
expect 1 "already exists" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --out "$D/earlier-run.json"
grep -q '"kept": true' "$D/earlier-run.json" || fail "--out without --force changed the existing file"
# A text too short for one window names the text file (exit 2, as README says of bad input).
head -c 300 "$SHARED/data/eval-stories.txt" > "$D/short.txt"
expect 2 "error: $D/short.txt: the text has [0-9]+ tokens, fewer than one window of 256" "$CLI" eval ppl --model "$M/tinystories-qwen3-7m" --text "$D/short.txt"
# One folder as A and B (through another spelling of its path) is said, not silently run.
expect 0 "note: --a and --b are the same model folder: the run compares it with itself" "$CLI" compare --a "$M/tinystories-qwen3-7m" \
    --b "$M/../models/tinystories-qwen3-7m/" --battery none --text "$SHARED/data/eval-stories.txt" --ctx 32 --stride 32 --max-windows 1
# 0-or-more flags name the bound in words (CLI11's NonNegativeNumber printed 1.797e308 in 300 digits);
# a repetition penalty of 0 or less is refused as transformers refuses it (it printed ",,,,").
expect 1 "--max-new: must be a whole number of 1 or more, not -1" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --max-new -1
# Counts of the generate family are 1 or more at parse: --max-new 0 generated nothing and exited 0.
expect 1 "--max-new: must be a whole number of 1 or more, not 0" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --max-new 0
expect 1 "--max-new: must be a whole number of 1 or more, not 2.5" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --max-new 2.5
expect 1 "--max-new: must be a whole number of 1 or more, not 0" "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m" --max-new 0
expect 1 "--stride: must be a whole number of 1 or more, not 0" "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m" --stride 0
expect 1 "--max-new: must be a whole number of 1 or more, not 0" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --max-new 0
expect 1 "--min-requests: must be a whole number of 1 or more, not 0" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --min-requests 0
expect 1 "--stride: must be a whole number of 1 or more, not 0" "$CLI" eval ppl --model "$M/tinystories-qwen3-7m" --text "$SHARED/data/eval-stories.txt" --stride 0
expect 1 "--repetition-penalty: must be a positive number, not 0" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --repetition-penalty 0
expect 1 "--repetition-penalty: must be a positive number, not -1" "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m" --repetition-penalty -1
# A missing subcommand lists them (CLI11 said only "A subcommand is required"); every missing
# required option is named at once (CLI11 named the first).
expect 1 "error: awqbench-cli needs a subcommand: models, report, tokenize" "$CLI"
expect 1 "error: awqbench-cli models needs a subcommand: list, show \(awqbench-cli models --help describes them\)" "$CLI" models
expect 1 "error: awqbench-cli pool needs a subcommand: list, add, remove, verify, config" "$CLI" pool
expect 1 "error: awqbench-cli quantize needs --model and --out \(awqbench-cli quantize --help" "$CLI" quantize
# A mistyped subcommand is named, with the list (it said "A subcommand is required").
expect 1 "error: unknown subcommand 'bogus' \(the subcommands are models, report, tokenize, chat-template, pool, target, promote" "$CLI" bogus
expect 1 "unknown subcommand 'bogus'" "$CLI" -v bogus --json
# One folder of AWQBENCH_LIBRARY gone (an unmounted disk) hid the whole library (exit 2).
expect 0 "warning: $D/unmounted \(AWQBENCH_LIBRARY\): no such folder, skipped" env AWQBENCH_LIBRARY="$D/unmounted:$M" "$CLI" models list
grep -q "tinystories-qwen3-7m " "$D/out.txt" || fail "models list with one AWQBENCH_LIBRARY folder gone listed nothing: $(cat "$D/all.txt")"
# A typo gets the closest name (CLI11 said only "The following argument was not expected: --jsn").
expect 1 "error: unknown subcommand 'modles': did you mean 'models'\?" "$CLI" modles list
expect 1 "^--jsn: did you mean --json\? \(awqbench-cli models list --help lists the options\)" "$CLI" models list --jsn
expect 1 "error: unknown subcommand 'shwo': did you mean 'show'\? \(awqbench-cli models --help" "$CLI" models shwo x
expect 1 "error: unknown subcommand 'bogus' \(the subcommands of awqbench-cli pool are list, add" "$CLI" pool bogus
expect 1 "^--targt: did you mean --target\?" "$CLI" promote --model "$D/x" --targt vl $S
expect 1 "^--settings-file: no such option \(awqbench-cli target list --help" "$CLI" target list --settings-file=x
# GPTQ's settings with another method were ignored without a word.
expect 1 "--act-order: applies to --method gptq only, not rtn" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --method rtn --act-order
expect 1 "--damp: applies to --method gptq only, not awq" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --damp 0.1
expect 1 "one of --prompt, --chat, --messages or --prompt-ids is required" "$CLI" generate --model "$M/tinystories-qwen3-7m"
# Bad list values are usage errors naming the flag (they exited 2, the code of a bad input file).
expect 1 "--concurrency: must be comma-separated integers, not 1,x" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --concurrency 1,x
expect 1 "--concurrency: must be integers of 1 or more, not 0,2" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --concurrency 0,2
expect 1 "--prompt-ids: must be integers of 0 or more, not 1,-3" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt-ids 1,-3
expect 0 "Usage:" "$CLI" --help
# --help shows the defaults (in words where the description gives them, never "=0" for "none").
expect 0 "--group INT=128 " "$CLI" quantize --help
grep -Eq -- "--device TEXT:DEVICE=cpu " "$D/out.txt" || fail "quantize --help lacks --device's default"
grep -Eq -- "--samples INT:COUNT +calibration texts \(default: cpu 32" "$D/out.txt" || fail "quantize --help: --samples"
# A mistyped device is a usage error at parse: no job folder is left behind (it was exit 2 after
# .partial was made, and the pre-flight passed it).
expect 1 "--device: must be cpu or cuda, not foo" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --device foo
[ ! -e "$D/never.partial" ] || fail "quantize --device foo left $D/never.partial"
expect 1 "--device: must be cpu or cuda, not foo" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --device foo --check
expect 1 "--device: must be cpu or cuda, not tpu" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --device tpu
# The names are the engine's own (parseDeviceKind): its alias `gpu` means cuda (it reached the
# quantizer as "gpu", which is not "cuda": the pre-flight planned a CPU run). Without a GPU both are
# refused at parse in the same words; with one, both are planned alike.
rc=0; "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --device gpu --check > "$D/gpu.txt" 2>&1 || rc=$?
grep -q -- "must be cpu or cuda" "$D/gpu.txt" && fail "--device gpu is not a device name (exit $rc): $(head -c 600 "$D/gpu.txt")"
"$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --device cuda --check > "$D/cuda.txt" 2>&1 || true
grep -v "free disk space" "$D/gpu.txt" > "$D/gpu.cmp"; grep -v "free disk space" "$D/cuda.txt" > "$D/cuda.cmp"
cmp -s "$D/gpu.cmp" "$D/cuda.cmp" || fail "--device gpu is not planned as cuda: $(diff "$D/gpu.cmp" "$D/cuda.cmp" | head -c 600)"
# A missing GPU is a usage error at parse, in one sentence for every command that takes --device:
# quantize named a --seqlen of CUDA's default against config.json, serve said "listening on" and then
# "load failed". Nothing starts: no job folder, no socket.
if grep -q -- "--device: cuda is not available" "$D/cuda.txt"; then
    NOGPU="--device: cuda is not available: .*; use --device cpu"
    expect 1 "$NOGPU" "$CLI" quantize --model "$M/qwen2-random" --out "$D/qcu" --device cuda
    [ ! -e "$D/qcu.partial" ] || fail "quantize --device cuda without a GPU left $D/qcu.partial"
    grep -q "seqlen" "$D/all.txt" && fail "quantize --device cuda without a GPU spoke of --seqlen: $(head -c 600 "$D/all.txt")"
    expect 1 "$NOGPU" "$CLI" serve --model "$M/tinystories-qwen3-7m" --device cuda --port 0
    grep -q "listening" "$D/all.txt" && fail "serve --device cuda without a GPU listened: $(head -c 600 "$D/all.txt")"
    expect 1 "$NOGPU" "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt Hi --device cuda
    expect 1 "$NOGPU" "$CLI" eval ppl --model "$M/tinystories-qwen3-7m" --text "$SHARED/data/calib-stories.txt" --device cuda
    expect 1 "$NOGPU" "$CLI" profile --model "$M/tinystories-qwen3-7m" --device gpu
    expect 1 "$NOGPU" "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/tinystories-qwen3-7m-awq" --device cuda
    expect 1 "$NOGPU" "$CLI" sweep --model "$M/tinystories-qwen3-7m" --device cuda
fi
# A GPU memory cap on a CPU job was dropped without a word.
expect 1 "--max-gpu-memory: applies to --device cuda only, not cpu" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --max-gpu-memory 20GiB
expect 1 "--max-gpu-memory: applies to --device cuda only, not cpu" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --max-gpu-memory 20GiB --check
# An interrupted job in the way is refused before the plan and the estimate are printed (they came first).
mkdir -p "$D/int.partial" && echo "{}" > "$D/int.partial/journal.json"
expect 2 "int.partial: an interrupted job is in the way \(resume it with --resume" "$CLI" quantize --model "$M/qwen2-random" --out "$D/int"
grep -q "estimated" "$D/all.txt" && fail "quantize printed its plan before refusing the interrupted job: $(head -c 600 "$D/all.txt")"
# Only a --seqlen the user gives is held against the context (a default is fitted: test_quantizer).
expect 2 "config.json: --seqlen 512 is longer than the model's context of 256 tokens" "$CLI" quantize --model "$M/qwen2-random" --out "$D/never" --seqlen 512 --check
# An --out inside the model read: --check said "ready to quantize" (the job would write into the model).
rc=0; "$CLI" quantize --model "$M/qwen2-random" --out "$M/qwen2-random/awq" --check > "$D/inside.txt" 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q "the output folder is inside the source model folder" "$D/inside.txt" \
    || fail "quantize --check took an --out inside the model (exit $rc): $(head -c 600 "$D/inside.txt")"
[ ! -e "$M/qwen2-random/awq" ] || fail "quantize --check created $M/qwen2-random/awq"
# --gpus has no default of 1 any more: unset keeps a vLLM config's own tensor-parallel size (trial 34).
expect 0 "GPUs on the serving machine \\(default: not set: a vLLM config's own tensor-parallel size is kept, else 1\\)" "$CLI" target add --help

# ---- models list / show: what the engine cannot run is said, naming config.json's key ----
variant gelu 's/"hidden_act": "silu"/"hidden_act": "gelu"/'
variant no-max '/"max_position_embeddings"/d'
expect 0 "unsupported: config.json quantization_config.version is \"gemv\": the built-in engine reads only AutoAWQ's GEMM layout" \
    "$CLI" models list "$GEMV"
expect 0 "unsupported: config.json hidden_act is \"gelu\": the built-in engine computes the MLP with SiLU only" "$CLI" models list "$D/gelu"
expect 0 "status: +unsupported by the built-in engine .*$GEMV/config.json: quantization_config.version is \"gemv\"" "$CLI" models show "$GEMV"
expect 0 "\"unsupported\": \"hidden_act is \\\\\"gelu\\\\\"" "$CLI" models show "$D/gelu" --json
expect 0 "context: +32768 \(config.json has no max_position_embeddings: the Qwen2ForCausalLM default\)" "$CLI" models show "$D/no-max"
# Per-layer sliding windows (realworld/qwen2-sliding-layers): show says which layers slide (a trial
# read "sliding win: 16" for a config where only layer 1 does).
cp -r "$M/qwen2-random" "$D/layer1-sliding" && chmod -R u+w "$D/layer1-sliding"
cp "$SHARED/realworld/qwen2-sliding-layers/config-layer1-sliding.json" "$D/layer1-sliding/config.json"
expect 0 "sliding win: +16 on 1 layer \(1\) of 2; the rest full attention" "$CLI" models show "$D/layer1-sliding"
expect 0 "status: +ok|1 model, 0 broken" "$CLI" models list "$M/qwen2-random"
grep -q "unsupported" "$D/out.txt" && fail "qwen2-random is listed as unsupported"

# ---- pool budget: parsed and printed in the same (binary) unit ----
mkdir -p "$D/pool"
expect 0 "budget: +10.0 MiB" "$CLI" pool config --pool "$D/pool" --budget 10M $S
expect 0 "of a 10.0 MiB budget" "$CLI" pool list $S
expect 0 "budget: +none" "$CLI" pool config --pool "$D/pool" --budget 0 $S
# A pool folder that does not exist yet is created (it was saved missing, and every later pool
# command failed on it); a file is refused. The saved pool goes back to $D/pool for what follows.
expect 0 "created .*/newpool" "$CLI" pool config --pool "$D/newpool" $S
[ -d "$D/newpool" ] || fail "pool config did not create $D/newpool"
expect 1 "is a file, not a folder" "$CLI" pool config --pool "$D/deploy.json" $S
expect 0 "warm pool: .*/pool$" "$CLI" pool config --pool "$D/pool" $S
# target add: a folder is not "no such file"; replacing a target says what it was.
mkdir -p "$D/stack" && printf 'services:\n  vllm:\n    image: vllm/vllm-openai\n    command: --model ${PRIME_MODEL_PATH:-/models/x}\n' > "$D/stack/compose.yml"
expect 2 "is a folder, not a compose file" "$CLI" target add stack --compose "$D/stack" $S
expect 0 "target stack \(compose\)" "$CLI" target add stack --compose "$D/stack/compose.yml" $S
expect 0 "replacing target stack \(compose: .*settings not given again are not kept" "$CLI" target add stack --compose "$D/stack/compose.yml" --gpus 2 --replace $S
"$CLI" target remove stack --yes $S > /dev/null
# A compose file that never uses the path variable was taken without a word; the first promote
# refused it. Then it was saved with exit 0 and an error printed; now it is refused (exit 2, nothing
# saved) unless --force, which saves it and says what a promotion reports.
printf 'services:\n  vllm:\n    image: vllm/vllm-openai\n    command: --model /models/fixed\n' > "$D/stack/fixed.yml"
expect 2 "error \[variable_unused\]: $D/stack/fixed.yml never uses \\\$PRIME_MODEL_PATH and the target has no .env file" \
    "$CLI" target add stack --compose "$D/stack/fixed.yml" $S
grep -q "target stack not saved: no promotion to it could change the model it serves" "$D/err.txt" || fail "target add: not refused: $(cat "$D/err.txt")"
expect 0 "saved as given \(--force\); until the compose file changes, a promotion to it reports:" \
    "$CLI" target add stack --compose "$D/stack/fixed.yml" --force $S
"$CLI" target remove stack --yes $S > /dev/null 2>&1 || true
# undo / history of a name that is no target and in no history: said "nothing to undo" / listed nothing, exit 0.
expect 2 "no target named 'nosuch' \(and no promotion history for one\)" "$CLI" undo --target nosuch $S
expect 2 "no target named 'nosuch'" "$CLI" history --target nosuch $S

# ---- byte sizes: a unit is required and the size plausible, for every size flag ----
# (--gpu-memory 24 was taken as 24 bytes and shown as "0.00 GiB"; 10000000T was clamped to 2^63 bytes.)
expect 1 "--gpu-memory: 24 has no unit \(write a unit: 24GiB, 24GB or 24G \(K, M, G, T and P are binary: 24GB = 24 GiB\)\)" \
    "$CLI" target add t --vllm-config "$D/serve.yaml" --gpu-memory 24 $S
expect 1 "--gpu-memory: 10000000T is more than 1.0 PiB, not a plausible size" "$CLI" target add t --vllm-config "$D/serve.yaml" --gpu-memory 10000000T $S
expect 1 "--gpu-memory: 24B is less than 256.0 MiB" "$CLI" target add t --vllm-config "$D/serve.yaml" --gpu-memory 24B $S
expect 1 "--budget: 50 has no unit .*0 means none" "$CLI" pool config --pool "$D/pool" --budget 50 $S
expect 1 "--budget: 50 has no unit" "$CLI" pool list --budget 50 $S
expect 1 "--budget: 50 has no unit" "$CLI" pool add "$M/qwen2-random" --budget 50 $S
"$CLI" target list $S | grep -q "^t " && fail "a target with an implausible GPU memory was saved"
expect 0 "target t \(vllm\)" "$CLI" target add t --vllm-config "$D/serve.yaml" --gpu-memory 24GB $S
# GPU count not given: said so, with where the count comes from (it read "- x 24.00 GiB"); the memory on its own.
expect 0 "^name +kind +files +GPUs +memory per GPU +current model *$" "$CLI" target list $S
expect 0 "^t +vllm +$D/serve.yaml +not set \(the config's tensor-parallel-size\) +24.00 GiB +- *$" "$CLI" target list $S
"$CLI" target add t2 --vllm-config "$D/serve.yaml" --gpus 2 $S > /dev/null
expect 0 "^t2 +vllm +$D/serve.yaml +2 +not set \(detected at promote\) +- *$" "$CLI" target list $S
"$CLI" target list --json $S > "$D/targets.json"
python3 -c 'import json, sys; t = {x["name"]: x for x in json.load(open(sys.argv[1]))}; sys.exit(not (t["t"]["gpu_count"] is None and t["t"]["gpu_memory_bytes"] == 24 << 30 and t["t2"]["gpu_count"] == 2 and t["t2"]["gpu_memory_bytes"] is None))' "$D/targets.json" \
    || fail "target list --json: an unset GPU count or memory is not null: $(cat "$D/targets.json")"
"$CLI" target remove t2 $S > /dev/null
"$CLI" target remove t $S > /dev/null

# ---- pool add --name: a new name that is not a plain folder name is called invalid (it got a lookup's message) ----
expect 1 "error: --name: invalid name '../escape': must not contain path separators or '..'" "$CLI" pool add "$M/qwen2-random" --name ../escape $S
[ ! -e "$D/escape" ] || fail "pool add --name ../escape wrote outside the pool"

# ---- target add: a compose file that does not exist is refused at once (it was saved, then failed at promote) ----
expect 2 "error: $D/no-such-compose.yml: no such file \(give the compose file" "$CLI" target add ghost --compose "$D/no-such-compose.yml" $S
"$CLI" target list $S | grep -q ghost && fail "the target was saved"

# ---- promote: a model that cannot be read states its fix once and shows no empty command line ----
printf 'model: /models/old\nserved-model-name: old\n' > "$D/serve.yaml"
"$CLI" target add vt --vllm-config "$D/serve.yaml" --gpus 1 --gpu-memory 24GiB $S > /dev/null
mkdir -p "$D/pool/no-config"
expect 2 "error \[model_unreadable\]: $D/pool/no-config: missing config.json \(copy the model's config.json" \
    "$CLI" promote --model "$D/pool/no-config" --target vt --dry-run $S
[ "$(grep -o "copy the model's config.json" "$D/err.txt" | wc -l)" -eq 1 ] || fail "the fix is printed more than once: $(cat "$D/err.txt")"
grep -q "equivalent command line" "$D/out.txt" && fail "an empty equivalent command line is printed"

# ---- a refused promotion prints no equivalent command line (it showed the refused --tensor-parallel-size 4) ----
"$CLI" pool add "$M/qwen2-random-awq" --name m $S > /dev/null
printf 'model: /models/old\n' > "$D/big.yaml"
"$CLI" target add big --vllm-config "$D/big.yaml" --gpus 1 --tp 4 --gpu-memory 24GiB $S > /dev/null
expect 2 "error \[tensor_parallel_fit\]: tensor-parallel size 4 needs more GPUs than the target has \(1\)" "$CLI" promote --model m --target big $S
grep -q "equivalent command line" "$D/out.txt" && fail "a refused promotion prints an equivalent command line: $(cat "$D/out.txt")"
grep -q -- "--tensor-parallel-size 4" "$D/all.txt" && fail "the refused value is printed as a command: $(cat "$D/all.txt")"
expect 2 '"command": null' "$CLI" promote --model m --target big --json $S

# ---- target remove: a target in use (it points at a model) needs --yes, as pool remove does ----
expect 2 "error: $D/deploy.json: refusing to remove a target in use without confirmation: target vt serves /models/old.* \(pass --yes\)" \
    "$CLI" target remove vt $S
"$CLI" target list $S | grep -q "^vt " || fail "target remove vt went ahead without --yes"
expect 0 "removed target vt" "$CLI" target remove vt --yes $S

# chat-template on a model without one renders the fallback and says so (transformers refuses it).
printf '[{"role": "user", "content": "Hi"}]' > "$D/msgs.json"
expect 0 "note: $M/tinystories-656k has no chat template .*fallback" "$CLI" chat-template --model "$M/tinystories-656k" --messages "$D/msgs.json"
grep -q "^User: Hi" "$D/out.txt" || fail "the fallback rendering: $(cat "$D/out.txt")"

if [ "$ENGINE" = 1 ]; then
    # generate / eval refuse what they cannot compute, naming config.json and the key (exit 2).
    expect 2 "error: $D/gelu/config.json: hidden_act is \"gelu\"" "$CLI" generate --model "$D/gelu" --prompt-ids 1,2,3 --max-new 2
    expect 2 "error: $GEMV/config.json: quantization_config.version is \"gemv\"" "$CLI" generate --model "$GEMV" --prompt-ids 1,2,3 --max-new 2
    expect 2 "hidden_act is \"gelu\"" "$CLI" quantize --model "$D/gelu" --out "$D/gelu-awq" --method rtn
    # No max_position_embeddings: Qwen2's 32768, so a short prompt generates.
    expect 0 "\[2 tokens, length; on CPU \([^)]*, [0-9]+ threads?\): TTFT [0-9.]+ ms, TPOT [0-9.]+ ms, [0-9.]+ tok/s; peak RSS of the process " \
        "$CLI" generate --model "$D/no-max" --prompt-ids 1,2,3 --max-new 2
    expect 0 "\"device_label\": \"CPU \([^)]*, [0-9]+ threads?\)\"" "$CLI" generate --model "$M/qwen2-random" --prompt-ids 1,2,3 --max-new 2 --json
    expect 1 "--ctx" "$CLI" eval ppl --model "$M/qwen2-random" --text "$SHARED/data/eval-stories.txt" --ctx 1
    # A compute dtype this libtorch's CPU kernels lack (1.13 on Debian 12: float16 matmuls) is
    # refused before the weights load, naming --dtype; never an internal error with a C++ backtrace.
    expect 1 "--dtype: must be auto, float32, float16 or bfloat16, not float64" "$CLI" generate --model "$M/qwen2-random" --prompt-ids 1,2 --dtype float64
    for dtype in float16 bfloat16; do
        rc=0
        "$CLI" generate --model "$M/qwen2-random" --prompt-ids 1,2,3 --max-new 2 --dtype $dtype > "$D/out.txt" 2>&1 || rc=$?
        grep -q "Exception raised from\|internal error" "$D/out.txt" && fail "--dtype $dtype: $(head -c 600 "$D/out.txt")"
        [ $rc -eq 0 ] || grep -q "error: $dtype compute is not supported on the CPU by this libtorch (.*leave --dtype out" "$D/out.txt" ||
            fail "--dtype $dtype: exit $rc: $(head -c 600 "$D/out.txt")"
    done
    # An empty --prompt is a prompt (it was called missing): here one without tokens, which the engine names.
    rc=0
    "$CLI" generate --model "$M/tinystories-qwen3-7m" --prompt "" --max-new 2 > "$D/out.txt" 2>&1 || rc=$?
    grep -q "is required" "$D/out.txt" && fail "--prompt \"\" called missing: $(head -c 600 "$D/out.txt")"
    [ $rc -eq 0 ] || [ $rc -eq 2 ] || fail "--prompt \"\": exit $rc: $(head -c 600 "$D/out.txt")"
    # generate --chat on a model without a chat template says that the plain-text fallback made the prompt.
    expect 0 "note: .*tinystories-656k has no chat template" "$CLI" generate --model "$M/tinystories-656k" --chat "hi" --max-new 2
    # Flags that contradict each other are usage errors (1) like any bad flag value, not bad input (2).
    expect 1 "--stride 300 is longer than --ctx 256" "$CLI" eval ppl --model "$M/qwen2-random" --text "$SHARED/data/eval-stories.txt" --stride 300
    expect 1 "nothing to tokenize" "$CLI" tokenize --model "$M/tinystories-656k"
    expect 1 "give either --compose FILE or --vllm-config FILE" "$CLI" target add t --settings "$D/deploy.json"
    expect 1 "--battery none with neither --text nor --timeline leaves nothing to measure" \
        "$CLI" compare --a "$M/tinystories-656k" --b "$M/tinystories-656k" --battery none
    expect 2 "--ctx 512 is longer than the model's context of 256 tokens" \
        "$CLI" eval ppl --model "$M/qwen2-random" --text "$SHARED/data/eval-stories.txt" --ctx 512 --stride 512
    # --stride follows --ctx (non-overlapping windows): --ctx 128 alone was refused ("--stride 256 is
    # longer than --ctx 128"), by compare only after loading both models.
    expect 0 "qwen2-random .* 254 +2 " "$CLI" eval ppl --model "$M/qwen2-random" --text "$SHARED/data/eval-stories.txt" --ctx 128 --max-windows 2
    "$CLI" eval ppl --model "$M/qwen2-random" --text "$SHARED/data/eval-stories.txt" --ctx 128 --max-windows 2 --json > "$D/ctx128.json"
    grep -q '"stride": 128' "$D/ctx128.json" || fail "eval ppl --ctx 128 --json: stride is not 128: $(cat "$D/ctx128.json")"
    expect 1 "error: --stride 300 is longer than --ctx 128: tokens between windows would go unscored \(use a --stride of at most --ctx, or leave it out for non-overlapping windows\)" \
        "$CLI" compare --a "$M/qwen2-random" --b "$M/qwen2-random-awq" --battery none --text "$SHARED/data/eval-stories.txt" --ctx 128 --stride 300
    grep -q "loading A" "$D/all.txt" && fail "compare --stride past --ctx loaded a model before refusing"
    # A --ref shorter than --ctx: named by its config.json with a fix, before loading (it blamed the
    # text file, after loading both).
    cp -r "$M/qwen2-random" "$D/ctx128" && chmod -R u+w "$D/ctx128" && sed -i 's/"max_position_embeddings": *[0-9]*/"max_position_embeddings": 128/' "$D/ctx128/config.json"
    expect 2 "^error: $D/ctx128/config.json: --ctx 256 is longer than the reference model's context of 128 tokens \(use a --ctx of at most 128\)$" \
        "$CLI" eval ppl --model "$M/qwen2-random" --ref "$D/ctx128" --text "$SHARED/data/eval-stories.txt" --max-windows 1
    # profile: an empty --prompt is a usage error (it exited 2, "profiling needs a prompt"); --json's
    # trace is null without --trace (it was "").
    expect 1 "^--prompt: must not be empty \(leave the option out for its default\)$" "$CLI" profile --model "$M/qwen2-random" --prompt ""
    expect 0 '"trace": null' "$CLI" profile --model "$M/qwen2-random" --steps 2 --json
    # chat-template --var messages=...: the option is refused (exit 1), not the messages file (exit 2).
    echo '[{"role":"user","content":"Hi"}]' > "$D/one.json"
    expect 1 "^error: --var messages: the template's 'messages' comes from the conversation being rendered" \
        "$CLI" chat-template --model "$M/tinystories-qwen3-7m" --messages "$D/one.json" --var 'messages=[]'
    # generate --messages (a conversation, as the Chat tab keeps it) and --chat --system: the prompt is
    # the chat template's rendering of the same messages (chat-template), token for token.
    printf '[{"role":"system","content":"You tell stories."},{"role":"user","content":"A cat"},{"role":"assistant","content":"Once there was a cat."},{"role":"user","content":"And then?"}]' > "$D/conv.json"
    "$CLI" chat-template --model "$M/tinystories-qwen3-7m" --messages "$D/conv.json" --add-generation-prompt > "$D/rendered.txt"
    want=$("$CLI" tokenize --model "$M/tinystories-qwen3-7m" --file "$D/rendered.txt" --no-special --json | tr -d ' \n' | sed 's/.*"ids":\(\[[0-9,]*\]\).*/\1/')
    got=$("$CLI" generate --model "$M/tinystories-qwen3-7m" --messages "$D/conv.json" --max-new 1 --json | tr -d ' \n' | sed 's/.*"prompt_ids":\(\[[0-9,]*\]\).*/\1/')
    [ -n "$want" ] && [ "$got" = "$want" ] || fail "generate --messages prompt $got, the template's rendering is $want"
    printf '[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]' > "$D/sys.json"
    want=$("$CLI" generate --model "$M/tinystories-qwen3-7m" --messages "$D/sys.json" --max-new 1 --json | tr -d ' \n' | sed 's/.*"prompt_ids":\(\[[0-9,]*\]\).*/\1/')
    got=$("$CLI" generate --model "$M/tinystories-qwen3-7m" --chat Hi --system "Be brief." --max-new 1 --json | tr -d ' \n' | sed 's/.*"prompt_ids":\(\[[0-9,]*\]\).*/\1/')
    [ "$got" = "$want" ] || fail "generate --chat --system prompt $got, as messages $want"
    echo '[{"role":"user"}]' > "$D/bad-conv.json"
    expect 2 "bad-conv.json: message 0 is not an object with a string \"role\" and a string \"content\"" \
        "$CLI" generate --model "$M/tinystories-qwen3-7m" --messages "$D/bad-conv.json"
    # A .partial holding only the journal (a job stopped before its first layer) is no job to resume:
    # a new start replaces it (it refused, "an interrupted job is in the way"); --resume with nothing
    # to resume says so (it started afresh silently).
    mkdir -p "$D/zero.partial" && echo '{}' > "$D/zero.partial/awqbench_job.json"
    expect 0 "layer 2/2" "$CLI" quantize --model "$M/qwen2-random" --out "$D/zero" --method rtn
    [ -f "$D/zero/awqbench_quantization.json" ] || fail "quantize over a journal-only .partial wrote no model"
    expect 0 "warning: --resume: no finished layer to resume in .*fresh.partial: the job starts from the first layer" \
        "$CLI" quantize --model "$M/qwen2-random" --out "$D/fresh" --method rtn --resume
    # Without tokenizer.json generate prints the new ids (it printed an empty line; only --json had them).
    mkdir -p "$D/notok" && cp "$M/qwen2-random/config.json" "$M/qwen2-random/model.safetensors" "$D/notok/"
    expect 0 "note: $D/notok has no tokenizer.json: the new token ids are printed, not text" "$CLI" generate --model "$D/notok" --prompt-ids 1,2 --max-new 3
    grep -Eq "^[0-9]+,[0-9]+,[0-9]+$" "$D/out.txt" || fail "generate without a tokenizer printed: $(cat "$D/out.txt")"
    # Decode steps past the context were divided by steps that never ran (profile --steps 2000 on a
    # 1024-token context read 2.5x too fast): measured as many as fit, said so, the mean over those.
    expect 0 "note: the model's context of 256 tokens holds [0-9]+ decode steps after the [0-9]+-token prompt: measuring [0-9]+, not 2000" \
        "$CLI" profile --model "$M/qwen2-random" --steps 2000 --prompt "Once upon a time"
    fit=$(sed -n 's/.*holds \([0-9]*\) decode steps.*/\1/p' "$D/err.txt")
    grep -q "mean of $fit greedy steps" "$D/out.txt" || fail "profile --steps 2000: not the mean of the $fit steps run: $(head -c 300 "$D/out.txt")"
    expect 0 "note: the timeline measured [0-9]+ decode steps, not 2000" \
        "$CLI" compare --a "$M/qwen2-random" --b "$M/qwen2-random-awq" --battery none --timeline --timeline-steps 2000
    # compare refuses such a window before loading either model (it failed after the whole battery).
    expect 2 "error: $M/qwen2-random-awq/config.json: a perplexity window of 512 tokens is longer than the model's context of 256 tokens" \
        "$CLI" compare --a "$M/tinystories-qwen3-7m" --b "$M/qwen2-random-awq" --text "$SHARED/data/eval-stories.txt" --ctx 512 --stride 512
    grep -q "loading A" "$D/all.txt" && fail "compare --ctx 512 loaded a model before refusing the window"

    # Progress lines in a log (stderr not a terminal) are whole lines, never \r-joined: a line per
    # quantized layer, the last eval window, each 10% of a pool copy.
    cr=$(printf '\r')
    "$CLI" quantize --model "$M/qwen2-random" --out "$D/progress-rtn" --method rtn > /dev/null 2> "$D/progress.txt" || fail "quantize --method rtn: $(cat "$D/progress.txt")"
    "$CLI" eval ppl --model "$M/qwen2-random" --text "$SHARED/data/eval-stories.txt" --max-windows 2 > /dev/null 2>> "$D/progress.txt" || fail "eval ppl"
    "$CLI" pool add "$D/progress-rtn" --name progress $S > /dev/null 2>> "$D/progress.txt" || fail "pool add: $(cat "$D/progress.txt")"
    grep -q "$cr" "$D/progress.txt" && fail "progress lines with \\r in a log: $(head -c 600 "$D/progress.txt" | od -c | head -5)"
    # eval's line has elapsed time (and an ETA while windows are left), as quantize's: it was "window 2/2" alone.
    grep -Eq "^window 2/2 +[0-9.]+ s elapsed$" "$D/progress.txt" || fail "eval ppl progress without elapsed time: $(grep window "$D/progress.txt")"
    grep -Eq "^layer ([0-9]+)/\1  layer done" "$D/progress.txt" || fail "no line for the last quantized layer: $(head -c 600 "$D/progress.txt")"
    grep -q "^verifying 100% " "$D/progress.txt" || fail "no line for the verified pool copy: $(head -c 600 "$D/progress.txt")"

    # quantize: cheap checks end the run before the pre-flight's estimate (no "quantize:" line).
    mkdir -p "$D/exists" && touch "$D/exists/keep.txt"
    expect 2 "error: $D/exists: the output folder already exists and is not empty" "$CLI" quantize --model "$M/qwen2-random" --out "$D/exists"
    grep -q "^quantize:" "$D/err.txt" && fail "the estimate ran before the output folder check"
    touch "$D/a-file"
    expect 2 "error: $D/a-file: the output path is an existing file, not a new folder" "$CLI" quantize --model "$M/qwen2-random" --out "$D/a-file"
    # An empty path (a variable that expanded to nothing) is a usage error before any work, for every path option.
    expect 1 "--out: an empty path" "$CLI" quantize --model "$M/qwen2-random" --out ''
    grep -q "^quantize:" "$D/err.txt" && fail "quantize --out '' started the job"
    expect 1 "--model: an empty path" "$CLI" generate --model '' --prompt hi
    expect 1 "--text: an empty path" "$CLI" eval ppl --model "$M/tinystories-656k" --text ''
    for command in "generate --prompt hi" "eval ppl --text $SHARED/data/eval-stories.txt" "quantize --out $D/never --check" "serve --port 1"; do
        # shellcheck disable=SC2086  # the command's words
        expect 2 "bare.GGUF: a GGUF file: the built-in engine" "$CLI" $command --model "$D/bare.GGUF"
    done
    expect 1 "--out: an empty path" "$CLI" report --out '' "$D/none.json"
    expect 1 "--text: an empty path" "$CLI" eval ppl --model "$M/qwen2-random" --text ''
    expect 2 "the model is already quantized \(awq\)" "$CLI" quantize --model "$M/qwen2-random-awq" --out "$D/q2"
    grep -q "^quantize:" "$D/err.txt" && fail "the estimate ran before the already-quantized check"
    expect 2 "group size 100 is not supported" "$CLI" quantize --model "$M/qwen2-random" --out "$D/q3" --group 100
    grep -q "^quantize:" "$D/err.txt" && fail "the estimate ran before the group size check"
    # What each method searches: no AWQ scale ratios for round-to-nearest and GPTQ.
    CAL="--calib $SHARED/data/calib-stories.txt --samples 4 --seqlen 64"
    expect 0 "quantize: round-to-nearest \(no search" "$CLI" quantize --model "$M/qwen2-random" --out "$D/rtn" --method rtn $CAL
    grep -q "scale ratios" "$D/all.txt" && fail "rtn prints scale ratios: $(cat "$D/all.txt")"
    expect 0 "quantize: GPTQ, damp 0.01, columns in order, asymmetric grid" "$CLI" quantize --model "$M/qwen2-random" --out "$D/gptq" --method gptq $CAL
    grep -q "scale ratios" "$D/all.txt" && fail "gptq prints scale ratios: $(cat "$D/all.txt")"
    expect 0 "scale ratios \(qkv, v-o, mlp, up-down\)" "$CLI" quantize --model "$M/qwen2-random" --out "$D/awq" $CAL --grid 2
fi
echo "config_and_usage: ok"
