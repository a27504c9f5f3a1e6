#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses (tests/fuzz), generated from the shared fixtures and the
repository's own test files at run time (nothing is copied into the repository).

usage: make_corpus.py SHARED_DIR SOURCE_DIR OUT_DIR
Writes OUT_DIR/<harness>/<sha1 of the input>, one file per seed. Inputs that carry several files
(tokenizer, chat template) join them with NUL bytes, as the harnesses split them.
"""
import hashlib
import json
import shutil
import struct
import sys
from pathlib import Path

shared, source, out = (Path(a) for a in sys.argv[1:4])
models = sorted(p for p in (shared / "models").iterdir() if p.is_dir())
realworld = sorted(p for p in (shared / "realworld").iterdir() if p.is_dir())
counts = {}


def seed(harness, data):
    if isinstance(data, str):
        data = data.encode()
    d = out / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
    counts[harness] = counts.get(harness, 0) + 1


def files(name, roots):
    for root in roots:
        yield from sorted(p for p in root.rglob(name) if p.is_file())


def safetensors_seeds(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    # The real header with the start of the data (offsets then run past the end: refused).
    seed("safetensors_header", raw[:8 + n + 256])
    # A complete small file: the real header's smallest tensors, re-laid out, with their bytes.
    data_start = 8 + n
    small = sorted((k for k in header if k != "__metadata__"),
                   key=lambda k: header[k]["data_offsets"][1] - header[k]["data_offsets"][0])[:6]
    new_header, blob = {}, b""
    if "__metadata__" in header:
        new_header["__metadata__"] = header["__metadata__"]
    for k in small:
        b, e = header[k]["data_offsets"]
        new_header[k] = dict(header[k], data_offsets=[len(blob), len(blob) + e - b])
        blob += raw[data_start + b:data_start + e]
    text = json.dumps(new_header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    seed("safetensors_header", struct.pack("<Q", len(text)) + text + blob)


for p in files("*.safetensors", models + realworld):
    safetensors_seeds(p)

for p in files("model.safetensors.index.json", models + realworld):
    seed("sharded_index", p.read_bytes())
seed("sharded_index", json.dumps({"metadata": {"total_size": 8},
                                  "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                                 "b.weight": "model-00002-of-00002.safetensors"}}))

for p in files("config.json", models + realworld):
    seed("config_json", p.read_bytes())


# GGUF v2 / v3 files written here (no GGUF in the fixtures): every value type, an array of strings,
# a nested array, and a tensor table.
def gguf(version, alignment=32):
    def s(text):
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    kv = [
        (s("general.architecture"), 8, s("llama")),
        (s("general.name"), 8, s("fuzz seed")),
        (s("general.alignment"), 4, struct.pack("<I", alignment)),
        (s("llama.context_length"), 4, struct.pack("<I", 4096)),
        (s("llama.rope.freq_base"), 6, struct.pack("<f", 10000.0)),
        (s("u8"), 0, b"\x01"), (s("i8"), 1, b"\xff"), (s("u16"), 2, b"\x02\x00"), (s("i16"), 3, b"\xfe\xff"),
        (s("i32"), 5, struct.pack("<i", -3)), (s("bool"), 7, b"\x01"), (s("u64"), 10, struct.pack("<Q", 1 << 40)),
        (s("i64"), 11, struct.pack("<q", -5)), (s("f64"), 12, struct.pack("<d", 0.5)),
        (s("tokenizer.ggml.tokens"), 9, struct.pack("<IQ", 8, 3) + s("<s>") + s("a") + s("b")),
        (s("nested"), 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 4, 2) + struct.pack("<II", 1, 2)),
    ]
    tensors = [(s("token_embd.weight"), [4, 3], 0, 0), (s("blk.0.attn_q.weight"), [32, 2], 1, 64)]
    body = struct.pack("<4sIQQ", b"GGUF", version, len(tensors), len(kv))
    for key, t, value in kv:
        body += key + struct.pack("<I", t) + value
    for name, dims, ttype, offset in tensors:
        body += name + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        body += struct.pack("<IQ", ttype, offset)
    body += b"\0" * (-len(body) % alignment)
    return body + b"\0" * 192


seed("gguf", gguf(3))
seed("gguf", gguf(2, 64))

texts = [(shared / "data" / "eval-stories.txt").read_text(encoding="utf-8")[:400],
         "<|im_start|>user\nHello, 世界! 123 don't   stop\t\n<|im_end|>", "naïve café ﬁ Ω x²"]
tokenizer_dirs = [p for p in models + realworld + sorted((source / "tests/cli/chat_fixtures").iterdir())
                  if (p / "tokenizer.json").is_file()]
for d in tokenizer_dirs:
    tok = (d / "tokenizer.json").read_bytes()
    cfg = (d / "tokenizer_config.json").read_bytes() if (d / "tokenizer_config.json").is_file() else b""
    for t in texts:
        seed("tokenizer", tok + b"\0" + cfg + b"\0" + t.encode())

default_messages = json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                               {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Bye"}])
for d in models + realworld + sorted((source / "tests/cli/chat_fixtures").iterdir()):
    templates = []
    if (d / "chat_template.jinja").is_file():
        templates.append((d / "chat_template.jinja").read_bytes())
    if (d / "tokenizer_config.json").is_file():
        t = json.loads((d / "tokenizer_config.json").read_text(encoding="utf-8")).get("chat_template")
        if isinstance(t, str):
            templates.append(t.encode())
    messages = (d / "messages.json").read_bytes() if (d / "messages.json").is_file() else default_messages.encode()
    extra = b""
    if (d / "tools.json").is_file():
        extra = b'{"tools": ' + (d / "tools.json").read_bytes() + b', "enable_thinking": false}'
    for t in templates:
        seed("chat_template", t + b"\0" + messages + b"\0" + extra)

deploy_files = [p for p in sorted((source / "tests/core/deploy_fixtures").iterdir()) if p.suffix != ".sh"]
deploy_files += [p for d in realworld for p in sorted(d.iterdir()) if p.suffix in (".yaml", ".yml") or p.name.startswith(".env")]
for p in deploy_files:
    text = p.read_bytes()
    seed("deploy_edit", text)
    for var in (b"PRIME_MODEL_PATH", b"MODEL_PATH", b"VLLM_LOGGING_LEVEL"):
        seed("deploy_edit", b"#var " + var + b"\n" + text)

run = (source / "tests/core/report_fixtures/sample-run.json").read_bytes()
seed("run_document", run)
doc = json.loads(run)
seed("run_document", json.dumps({"format": doc.get("format"), "version": doc.get("version")}))

for h in sorted(counts):
    print(f"{h}: {counts[h]} seeds")
