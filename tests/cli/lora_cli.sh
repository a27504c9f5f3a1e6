#!/bin/sh
# --lora (generate) and --lora-a / --lora-b (compare) end to end: a random PEFT adapter written here
# changes what generate produces, compare records it (and the report shows it), the AWQ model (another name, no quantization
# record) gets the pairing warning, and a DoRA adapter is refused naming the file and the key.
# Usage: lora_cli.sh CLI MODELS_DIR EVAL_TEXT
set -eu
CLI=$1
MODELS=$2
TEXT=$3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# adapter_model.safetensors as peft writes it (F32, r 4, q/v/down of the demo model's 8 layers).
python3 - "$W/adapter" <<'PY'
import json, os, random, struct, sys
out = sys.argv[1]
os.makedirs(out)
random.seed(7)
shapes = {"self_attn.q_proj": (256, 256), "self_attn.v_proj": (256, 128), "mlp.down_proj": (768, 256)}  # in, out
header, blobs, offset = {}, [], 0
for layer in range(8):
    for module, (fan_in, fan_out) in shapes.items():
        for part, shape in (("lora_A", [4, fan_in]), ("lora_B", [fan_out, 4])):
            n = shape[0] * shape[1]
            data = struct.pack("<%df" % n, *(random.gauss(0, 0.2) for _ in range(n)))
            name = "base_model.model.model.layers.%d.%s.%s.weight" % (layer, module, part)
            header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
text = json.dumps(header).encode()
with open(os.path.join(out, "adapter_model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
with open(os.path.join(out, "adapter_config.json"), "w") as f:
    json.dump({"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj", "down_proj"],
               "base_model_name_or_path": "someone/tinystories-qwen3-7m"}, f)
PY
ids() { tr -d ' \n' | sed 's/.*"new_ids":\[\([^]]*\)\].*/\1/'; }
plain=$("$CLI" generate --model "$MODELS/tinystories-qwen3-7m" --prompt-ids 1,412,37,2048 --max-new 8 --json | ids)
adapted=$("$CLI" generate --model "$MODELS/tinystories-qwen3-7m" --prompt-ids 1,412,37,2048 --max-new 8 --json --lora "$W/adapter" 2>"$W/err" | ids)
[ "$plain" != "$adapted" ] || { echo "--lora changed nothing: $plain"; exit 1; }
if grep -q "trained on" "$W/err"; then echo "unexpected pairing warning for the FP32 model:"; cat "$W/err"; exit 1; fi

"$CLI" compare --a "$MODELS/tinystories-qwen3-7m" --b "$MODELS/tinystories-qwen3-7m-awq" --lora-a "$W/adapter" --lora-b "$W/adapter" \
    --battery none --text "$TEXT" --max-windows 1 --json >"$W/run.json" 2>"$W/err"
grep -q '"lora_adapter"' "$W/run.json" || { echo "compare did not record the adapter"; exit 1; }
grep -q "trained on 'someone/tinystories-qwen3-7m', but the model is 'tinystories-qwen3-7m-awq'" "$W/err" ||
    { echo "no pairing warning for the AWQ model:"; cat "$W/err"; exit 1; }
"$CLI" report "$W/run.json" --out "$W/report.md" >/dev/null 2>&1
grep -q "LoRA adapter" "$W/report.md" || { echo "the report does not show the adapter"; exit 1; }

sed 's/"peft_type"/"use_dora": true, "peft_type"/' "$W/adapter/adapter_config.json" >"$W/cfg" && mv "$W/cfg" "$W/adapter/adapter_config.json"
status=0
"$CLI" generate --model "$MODELS/tinystories-qwen3-7m" --prompt-ids 1,2 --max-new 1 --lora "$W/adapter" 2>"$W/err" >/dev/null || status=$?
[ "$status" = 2 ] || { echo "DoRA adapter: exit $status, want 2"; cat "$W/err"; exit 1; }
grep -q "adapter_config.json.*use_dora" "$W/err" || { echo "DoRA refusal does not name the file and key:"; cat "$W/err"; exit 1; }
echo "lora_cli: ok"
