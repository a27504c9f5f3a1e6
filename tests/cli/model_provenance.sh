#!/bin/sh
# How a quantized model was made (registered in tests/cli/CMakeLists.txt): an RTN model is written
# in AWQ's layout (config.json says "awq"), and only our record beside the weights
# (awqbench_quantization.json) says "rtn". `models list` / `models show` (text and --json) said
# "awq w4 g128" and nothing of the source, calibration or layer error; `pool list` (and its --json)
# still said "awq w4 g128" for it after `models list` learnt "rtn w4 g128 (awq layout)".
# Usage: model_provenance.sh CLI WORKDIR MODELS
set -eu
CLI=$1 D=$2 M=$3
rm -rf "$D"
mkdir -p "$D/lib"
D=$(cd "$D" && pwd -P)
TEST_NAME=model_provenance
. "$(dirname "$0")/script_helpers.sh"

cp -r "$M/tinystories-qwen3-7m-awq" "$D/lib/ts-rtn"
cat > "$D/lib/ts-rtn/awqbench_quantization.json" <<JSON
{"tool": "awqbench", "version": "0.1.0", "finished": "2026-12-05T13:31:46Z",
 "settings": {"method": "rtn", "bits": 4, "group_size": 128, "zero_point": true, "samples": 32, "seqlen": 256},
 "source": {"name": "tinystories-qwen3-7m", "path": "/models/tinystories-qwen3-7m", "fingerprint": "891135ab"},
 "calibration": {"files": ["default.txt"], "bundled": true, "texts": 32, "tokens": 9984},
 "layers": [{"layer": 0, "output_mse": 0.5, "seconds": 0.2, "scale_ratios": []},
            {"layer": 1, "output_mse": 1.5, "seconds": 0.2, "scale_ratios": []}]}
JSON

run 0 "$CLI" models show "$D/lib/ts-rtn"
grep -q "^quantization: rtn w4 g128 (awq layout) zero-point gemm" "$D/out" || fail "models show: $(grep quantization "$D/out")"
grep -q "^checkpoint:   awq " "$D/out" || fail "models show: no checkpoint format line: $(cat "$D/out")"
grep -q "^made from:    tinystories-qwen3-7m (/models/tinystories-qwen3-7m)" "$D/out" || fail "models show: no source: $(cat "$D/out")"
grep -q "^settings:     group 128, zero point, 32 samples x 256 tokens" "$D/out" || fail "models show: no settings: $(cat "$D/out")"
grep -q "^calibration:  bundled default.txt: 32 texts, 9984 tokens" "$D/out" || fail "models show: no calibration: $(cat "$D/out")"
grep -q "^layer error:  output MSE mean 1, max 1.5 (layer 1) over 2 layers" "$D/out" || fail "models show: no layer error: $(cat "$D/out")"

run 0 "$CLI" models list "$D/lib"
grep -q "rtn w4 g128 (awq layout)" "$D/out" || fail "models list: $(cat "$D/out")"

run 0 "$CLI" models list "$D/lib" --json
grep -q '"made_with": "rtn"' "$D/out" || fail "models list --json: no made_with: $(cat "$D/out")"
grep -q '"label": "RTN (AWQ layout)"' "$D/out" || fail "models list --json: no record label: $(cat "$D/out")"
grep -q '"method": "awq"' "$D/out" || fail "models list --json: the checkpoint format is gone: $(cat "$D/out")"

# The warm pool says it as `models list` does, in its table and its --json (with made_with).
mkdir -p "$D/pool"
P="--pool $D/pool --settings $D/deploy.json"
run 0 "$CLI" pool add "$D/lib/ts-rtn" $P
run 0 "$CLI" pool add "$M/tinystories-qwen3-7m-awq" $P
run 0 "$CLI" pool list $P
grep -q "^ts-rtn  *rtn w4 g128 (awq layout) " "$D/out" || fail "pool list: $(cat "$D/out")"
grep -q "^tinystories-qwen3-7m-awq  *awq w4 g128 " "$D/out" || fail "pool list without a record: $(cat "$D/out")"
run 0 "$CLI" pool list $P --json
python3 - "$D/out" <<'PY' || fail "pool list --json: $(cat "$D/out")"
import json, sys
models = {m["name"]: m for m in json.load(open(sys.argv[1]))["models"]}
assert models["ts-rtn"]["quantization"] == "rtn w4 g128 (awq layout)", models["ts-rtn"]
assert models["ts-rtn"]["made_with"] == "rtn", models["ts-rtn"]
assert models["tinystories-qwen3-7m-awq"]["quantization"] == "awq w4 g128", models["tinystories-qwen3-7m-awq"]
assert models["tinystories-qwen3-7m-awq"]["made_with"] is None, models["tinystories-qwen3-7m-awq"]
PY

# Without a record: the checkpoint's own words, no provenance lines.
run 0 "$CLI" models show "$M/tinystories-qwen3-7m-awq"
grep -q "^quantization: awq w4 g128" "$D/out" || fail "models show without a record: $(grep quantization "$D/out")"
! grep -q "^made from:" "$D/out" || fail "models show without a record printed a source"

# A sweep's run document records how it was made (quantization.made_with) beside config.json's
# format, and its report says RTN: it said "AWQ 4-bit, group 128, zero point" for this model.
run 0 "$CLI" sweep --model "$D/lib/ts-rtn" --model "$M/tinystories-qwen3-7m-awq" --concurrency 1 --max-new 2 --min-requests 1 --out "$D/sweep.json"
python3 - "$D/sweep.json" <<'PY' || fail "sweep run document: $(cat "$D/sweep.json")"
import json, sys
models = json.load(open(sys.argv[1]))["models"]
assert models["A"]["quantization"]["method"] == "awq" and models["A"]["quantization"]["made_with"] == "rtn", models["A"]
assert "made_with" not in models["B"]["quantization"], models["B"]   # no record: config.json's word only
PY
run 0 "$CLI" report "$D/sweep.json" --out "$D/sweep.md"
grep -q "^| Quantization | RTN 4-bit, group 128, zero point, gemm (AWQ layout) | AWQ 4-bit, group 128, zero point, gemm |" "$D/sweep.md" \
    || fail "report: $(grep Quantization "$D/sweep.md")"

# A damaged record is a warning, not a broken model.
echo '{"settings": ' > "$D/lib/ts-rtn/awqbench_quantization.json"
run 0 "$CLI" models show "$D/lib/ts-rtn"
grep -q "^warning: .*awqbench_quantization.json" "$D/out" || fail "damaged record: $(cat "$D/out" "$D/err")"
echo "model_provenance: ok"
