#!/bin/sh
# quantize --method gptq --act-order and compare with the GPTQ model as B, end to end on the 656K
# fixture: the written config names GPTQ as vLLM / transformers read it, the run document records
# B as GPTQ of A (source fingerprint), and B's KL divergence against A is small but not zero.
# Usage: gptq_cli.sh CLI MODELS_DIR CALIB_TEXT EVAL_TEXT
set -eu
CLI=$1
MODELS=$2
CALIB=$3
TEXT=$4
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$CLI" quantize --model "$MODELS/tinystories-656k" --out "$W/gptq" --method gptq --act-order --damp 0.02 \
    --calib "$CALIB" --samples 16 --seqlen 256 > "$W/quantize.txt"
# The summary ends with the time per stage: GPTQ's own stage is there, AWQ's searches are not.
grep -Eq '^gptq +[0-9.]+ +[0-9.]+%' "$W/quantize.txt" || { echo "no gptq row in the stage table"; cat "$W/quantize.txt"; exit 1; }
! grep -q '^scale search' "$W/quantize.txt" || { echo "a scale search row in a GPTQ job"; exit 1; }
python3 - "$W/gptq/config.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["quantization_config"]
want = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": True, "sym": False, "damp_percent": 0.02,
        "checkpoint_format": "gptq"}
bad = {k: (q.get(k), v) for k, v in want.items() if q.get(k) != v}
assert not bad, "quantization_config differs (got, want): %s" % bad
PY
head -c 20000 "$TEXT" > "$W/eval.txt"
"$CLI" compare --a "$MODELS/tinystories-656k" --b "$W/gptq" --battery none --text "$W/eval.txt" --max-windows 4 --json > "$W/run.json"
python3 - "$W/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a, b = d["models"]["A"], d["models"]["B"]
assert b["quantization"]["method"] == "gptq", b["quantization"]
assert b["source_fingerprint"] == a["fingerprint"], (b["source_fingerprint"], a["fingerprint"])
kld = d["quality"]["B"]["kld_vs_a"]
assert 0 < kld < 0.2, kld
print("B: GPTQ, KLD vs A %.5f, top-1 %.4f" % (kld, d["quality"]["B"]["top1_vs_a"]))
PY
echo "gptq_cli: ok"
