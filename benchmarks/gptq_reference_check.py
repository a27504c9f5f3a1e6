#!/usr/bin/env python3
"""Check a GPTQ checkpoint written by `awqbench-cli quantize --method gptq` against the field's own
reference reading (GPTQModel / AutoGPTQ torch path, vLLM's and transformers' config handling),
without needing vLLM, GPTQModel or AutoGPTQ installed.

    gptq_reference_check.py GPTQ_DIR SOURCE_DIR [--bound 0.25] [--margin 1.5] [--json FILE]
                            [--logits TEXT_FILE [--tokens 2048] [--ctx 256] [--device cpu]]

1. reads the checkpoint's safetensors (the `safetensors` package when importable, else the format
   parsed by hand: 8-byte little-endian header length, JSON header, raw little-endian data) and
   config.json's quantization_config;
2. checks quantization_config the way transformers' GPTQConfig (and, where importable,
   transformers.GPTQConfig.from_dict itself), vLLM's GPTQConfig / gptq_marlin, GPTQModel and
   AutoGPTQ read it;
3. dequantizes every quantized linear with the reference semantics (see `dequantize` below):
   w[k, n] = (q[k, n] - z[g_idx[k], n]) * s[g_idx[k], n], qweight int32 [K*b/32, N] packed along K,
   qzeros int32 [G, N*b/32] packed along N holding zero - 1 ("v1", checkpoint_format "gptq"),
   scales fp16 [G, N], g_idx int32 [K];
4. compares each dequantized weight with the source model's weight (relative Frobenius error), and
   the same error under deliberately wrong readings (nibbles reversed in qweight / in qzeros, AWQ's
   interleaved nibble order, zeros without the v1 "+1", g_idx ignored where act-order is on);
   exit status 1 when a linear's reference error is above --bound or not below every wrong
   reading's by --margin (x), or when a structural / config check fails; 2 on unreadable input;
5. --logits TEXT (where transformers imports): loads the source model with transformers, swaps in
   the dequantized weights and prints KLD(source || dequantized) and top-1 agreement (and the same
   for the wrong readings) over the first --tokens tokens of TEXT in windows of --ctx.

Works with torch 1.13 and 2.x; numpy is not needed."""
import argparse
import glob
import json
import math
import mmap
import os
import struct
import sys

import torch

# ----------------------------------------------------------------------------------------------
# safetensors, read by hand when the package is missing
# ----------------------------------------------------------------------------------------------
_ST_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}


def _read_safetensors_by_hand(path):
    out = {}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n).decode("utf-8"))
        # ACCESS_COPY: a private, writable mapping (torch.frombuffer warns on read-only buffers).
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    base = 8 + n
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _ST_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name}: dtype {info['dtype']} not handled")
        begin, end = info["data_offsets"]
        shape = info["shape"]
        count = 1
        for d in shape:
            count *= d
        if count == 0:
            out[name] = torch.empty(shape, dtype=dtype)
            continue
        itemsize = torch.tensor([], dtype=dtype).element_size()
        if end - begin != count * itemsize:
            raise ValueError(f"{path}: tensor {name}: {end - begin} bytes for shape {shape} {info['dtype']}")
        t = torch.frombuffer(mm, dtype=dtype, count=count, offset=base + begin)
        out[name] = t.reshape(shape).clone()
    mm.close()
    return out


def load_folder_tensors(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.safetensors")))
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted({os.path.join(folder, v) for v in json.load(f)["weight_map"].values()})
    if not files:
        raise FileNotFoundError(f"{folder}: no .safetensors files")
    try:
        from safetensors.torch import load_file as st_load
        reader = "safetensors package"
    except ImportError:
        st_load = _read_safetensors_by_hand
        reader = "safetensors parsed by hand"
    tensors = {}
    for p in files:
        tensors.update(st_load(p))
    return tensors, reader, len(files)


# ----------------------------------------------------------------------------------------------
# quantization_config, as the loaders read it
# ----------------------------------------------------------------------------------------------
class Report:
    def __init__(self):
        self.failures = []
        self.warnings = []

    def fail(self, msg):
        self.failures.append(msg)
        print(f"  FAIL  {msg}")

    def warn(self, msg):
        self.warnings.append(msg)
        print(f"  WARN  {msg}")

    @staticmethod
    def ok(msg):
        print(f"  ok    {msg}")


def check_config(qc, rep):
    """Returns (bits, group_size, desc_act, sym, v1). The rules, with their sources:
    - transformers src/transformers/utils/quantization_config.py GPTQConfig.__init__ / post_init:
      bits in [2,3,4,8]; group_size == -1 or > 0; 0 < damp_percent < 1; sym defaults to True,
      desc_act to False, checkpoint_format to "gptq" (lower-cased); from_dict is cls(**config_dict).
    - vLLM vllm/model_executor/layers/quantization/gptq.py GPTQConfig.from_config: get_from_keys
      for "bits", "group_size", "desc_act" (a missing key raises), "lm_head" default False;
      bits in [2,3,4,8]; newer vLLM reads checkpoint_format == "gptq_v2" as "no +1 on zeros".
    - GPTQModel gptqmodel/models/loader.py: a sym=False checkpoint of format "gptq" (v1) is refused
      unless meta.quantizer lists "gptqmodel:<version >= 0.9.0>" (MIN_VERSION_WITH_V2); GPTQModel's
      config.py reads "format" and the deprecated alias "checkpoint_format".
    - AutoGPTQ auto_gptq/quantization/config.py BaseQuantizeConfig.from_pretrained: for a local
      folder it opens quantize_config.json (the loop breaks on the first name for a local dir)."""
    print("quantization_config:", json.dumps(qc, sort_keys=True))
    qm = qc.get("quant_method")
    if qm == "gptq":
        rep.ok('quant_method "gptq" (transformers AutoQuantizationConfig / vLLM get_name)')
    else:
        rep.fail(f'quant_method is {qm!r}, not "gptq"')
    for key in ("bits", "group_size", "desc_act"):
        if key not in qc:
            rep.fail(f"{key!r} missing (vLLM GPTQConfig.from_config raises on a missing key)")
    bits = qc.get("bits", 4)
    if bits in (2, 3, 4, 8):
        rep.ok(f"bits {bits} in [2,3,4,8]")
    else:
        rep.fail(f"bits {bits} not in [2,3,4,8]")
    group = qc.get("group_size", 128)
    if group == -1 or (isinstance(group, int) and group > 0):
        rep.ok(f"group_size {group}")
    else:
        rep.fail(f"group_size {group} (must be -1 or > 0)")
    desc_act = qc.get("desc_act", False)
    if not isinstance(desc_act, bool):
        rep.fail(f"desc_act {desc_act!r} is not a bool")
    else:
        rep.ok(f"desc_act {desc_act}")
    if "sym" not in qc:
        rep.warn("sym missing: transformers and AutoGPTQ then assume sym=True")
    sym = qc.get("sym", True)
    damp = qc.get("damp_percent")
    if damp is not None and not (0 < damp < 1):
        rep.fail(f"damp_percent {damp} outside (0, 1): transformers GPTQConfig.post_init raises")
    fmt = str(qc.get("checkpoint_format", "gptq")).lower()
    fmt2 = qc.get("format")
    if fmt2 is not None and str(fmt2).lower() != fmt:
        rep.fail(f'"format" {fmt2!r} disagrees with "checkpoint_format" {fmt!r} (GPTQModel reads "format")')
    if fmt not in ("gptq", "gptq_v2"):
        rep.fail(f"checkpoint_format {fmt!r}: neither gptq (v1) nor gptq_v2")
    v1 = fmt != "gptq_v2"
    rep.ok(f'checkpoint_format {fmt!r}: zeros stored as {"zero - 1 (v1)" if v1 else "zero (v2)"}')
    if qc.get("lm_head", False):
        rep.warn("lm_head: true (vLLM then expects a quantized lm_head)")
    if not sym:
        quantizers = (qc.get("meta") or {}).get("quantizer") or []
        if isinstance(quantizers, str):
            quantizers = [quantizers]
        ok = False
        for q in quantizers:
            parts = str(q).split(":")
            if len(parts) >= 2 and parts[0].lower() == "gptqmodel":
                try:
                    ok = tuple(int(x) for x in parts[1].split(".")[:2]) >= (0, 9)
                except ValueError:
                    pass
        if v1 and not ok:
            rep.warn("sym=false with format gptq (v1) and no meta.quantizer 'gptqmodel:>=0.9.0': "
                     "GPTQModel.load() refuses it (gptqmodel/models/loader.py, MIN_VERSION_WITH_V2); "
                     "transformers' path (hf_convert_gptq_v1_to_v2_format) has no such check")
        rep.warn("sym=false: vLLM's gptq_marlin takes it only in versions with zero-point Marlin; "
                 "older vLLM falls back to the gptq (exllama) kernel, which reads the v1 zeros")
    try:
        from transformers import GPTQConfig  # noqa: WPS433
        try:
            cfg = GPTQConfig.from_dict(dict(qc))
            seen = {k: getattr(cfg, k, None) for k in ("bits", "group_size", "desc_act", "sym",
                                                      "checkpoint_format", "damp_percent", "true_sequential")}
            rep.ok(f"transformers.GPTQConfig.from_dict: {seen}")
            for k in ("bits", "group_size", "desc_act", "sym"):
                if k in qc and seen[k] != qc[k]:
                    rep.fail(f"transformers reads {k}={seen[k]!r}, the file says {qc[k]!r}")
        except Exception as e:  # noqa: BLE001
            rep.fail(f"transformers.GPTQConfig.from_dict raised {type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001
        print(f"  skip  transformers.GPTQConfig not importable ({type(e).__name__}: {e})")
    return bits, group, desc_act, sym, v1


# ----------------------------------------------------------------------------------------------
# dequantization, reference and wrong readings
# ----------------------------------------------------------------------------------------------
def _unpack(words, bits, dim, order):
    """Unpack int32 words along `dim` (0: qweight's K, 1: qzeros' N) into codes 0..2^bits-1.
    order[j] is the field (bits*order[j] .. +bits-1) holding the j-th value of the word.
    Reference (order = 0..7): GPTQModel nn_modules/qlinear/__init__.py PackableQuantLinear
    .dequantize_weight and _init_wf_unsqueeze_buffers (wf = range(0, 32, bits); qweight shifted by
    wf.unsqueeze(-1) after unsqueeze(1) -> rows 8r+j come from bits 4j.., qzeros by
    wf.unsqueeze(0) after unsqueeze(2) -> columns 8c+j from bits 4j..), the same as AutoGPTQ
    nn_modules/qlinear/qlinear_cuda_old.py / qlinear_cuda.py QuantLinear.forward's torch path."""
    maxq = (1 << bits) - 1
    shifts = torch.tensor([bits * o for o in order], dtype=torch.int32)
    w = words.to(torch.int32)
    if dim == 0:
        codes = (w.unsqueeze(1) >> shifts.view(1, -1, 1)) & maxq       # [R, per, N]
        return codes.reshape(w.shape[0] * len(order), w.shape[1])
    codes = (w.unsqueeze(2) >> shifts.view(1, 1, -1)) & maxq           # [G, C, per]
    return codes.reshape(w.shape[0], w.shape[1] * len(order))


READINGS = {
    # name: (qweight order, qzeros order, the other zero convention (v1 read as v2 / v2 as v1), use g_idx)
    "reference": ("id", "id", False, True),
    "qweight nibbles reversed": ("rev", "id", False, True),
    "qzeros nibbles reversed": ("id", "rev", False, True),
    "AWQ nibble order": ("awq", "awq", False, True),
    "zeros without +1": ("id", "id", True, True),  # named for v1; on a gptq_v2 checkpoint: zeros with +1
    "g_idx ignored": ("id", "id", False, False),
}


def dequantize(t, bits, group, v1, reading="reference"):
    """Dense weight [N, K] (PyTorch nn.Linear layout), float32, rounded through fp16 like the
    kernels (scales are fp16; GPTQModel's _dequantize_from_codes is
    scales[g_idx] * (weight - zeros[g_idx]) in the scales' dtype).
    v1 "+1": AutoGPTQ qlinear_cuda.py forward (`zeros = bitwise_and(...); zeros = zeros + 1`),
    GPTQModel utils/model.py convert_gptq_v1_to_v2_format_module (adds 0x11111111 to each 4-bit
    qzeros word at load, then reads with no offset). The readers differ only for a stored nibble of
    15 (a zero of 0): AutoGPTQ's qlinear_cuda.py reads 16, qlinear_cuda_old.py (+1 then mask) reads
    0, GPTQModel's word add carries into the next nibble; check_zero_nibbles() flags those."""
    per = 32 // bits
    orders = {"id": list(range(per)), "rev": list(range(per))[::-1],
              "awq": [0, 2, 4, 6, 1, 3, 5, 7] if per == 8 else list(range(per))}
    qo, zo, flip_convention, use_gidx = READINGS[reading]
    q = _unpack(t["qweight"], bits, 0, orders[qo]).to(torch.float32)     # [K, N]
    z = _unpack(t["qzeros"], bits, 1, orders[zo]).to(torch.float32)      # [G, N]
    if v1 != flip_convention:
        z = z + 1
    s = t["scales"].to(torch.float16)
    K = q.shape[0]
    g_idx = t["g_idx"].long() if use_gidx else torch.arange(K) // (group if group > 0 else K)
    w = (s[g_idx].float() * (q - z[g_idx])).to(torch.float16).float()  # [K, N]
    return w.t().contiguous()


def check_linear(name, t, bits, group, desc_act, sym, v1, rep):
    """Shapes / dtypes as vLLM gptq.py create_weights and GPTQModel _register_gptq_buffers declare
    them; g_idx as GPTQ's act-order writes it; stored zero nibbles readable by every reader."""
    qw, qz, sc, gi = t["qweight"], t["qzeros"], t["scales"], t["g_idx"]
    per = 32 // bits
    K, N = qw.shape[0] * per, qw.shape[1]
    G = 1 if group == -1 else math.ceil(K / group)
    problems = []
    if qw.dtype != torch.int32 or qz.dtype != torch.int32 or gi.dtype != torch.int32:
        problems.append(f"dtypes qweight {qw.dtype} qzeros {qz.dtype} g_idx {gi.dtype} (int32 expected)")
    if sc.dtype != torch.float16:
        problems.append(f"scales {sc.dtype} (fp16 expected)")
    if tuple(qz.shape) != (G, N // per):
        problems.append(f"qzeros {tuple(qz.shape)} != {(G, N // per)}")
    if tuple(sc.shape) != (G, N):
        problems.append(f"scales {tuple(sc.shape)} != {(G, N)}")
    if tuple(gi.shape) != (K,):
        problems.append(f"g_idx {tuple(gi.shape)} != {(K,)}")
    if group > 0 and K % group:
        problems.append(f"K={K} not a multiple of group_size {group} (vLLM refuses)")
    if problems:
        for p in problems:
            rep.fail(f"{name}: {p}")
        return K, N, False
    trivial = torch.arange(K, dtype=torch.int32) // (group if group > 0 else K)
    if gi.min() < 0 or gi.max() >= G:
        rep.fail(f"{name}: g_idx outside [0, {G})")
    if not desc_act and not torch.equal(gi, trivial):
        rep.fail(f"{name}: desc_act false but g_idx != k // group_size "
                 "(vLLM's exllama path drops g_idx when desc_act is false)")
    if desc_act and group > 0:
        counts = torch.bincount(gi.long(), minlength=G)
        if not bool((counts == group).all()):
            rep.fail(f"{name}: act-order g_idx does not put exactly {group} inputs in every group")
    zn = _unpack(qz, bits, 1, list(range(per)))
    if v1 and bool((zn == (1 << bits) - 1).any()):
        rep.fail(f"{name}: {int((zn == (1 << bits) - 1).sum())} stored v1 zero nibbles of {(1 << bits) - 1} "
                 "(zero 0): AutoGPTQ qlinear_cuda / vLLM's kernel read 16, qlinear_cuda_old 0, "
                 "GPTQModel's word add carries into the next nibble")
    if sym:
        z = zn + (1 if v1 else 0)
        if not bool((z == (1 << (bits - 1))).all()):
            rep.fail(f"{name}: sym true but zeros are not all {1 << (bits - 1)}")
    return K, N, True


def rel_err(a, b):
    return float((a - b).norm() / b.norm().clamp_min(1e-30))


# ----------------------------------------------------------------------------------------------
# --logits
# ----------------------------------------------------------------------------------------------
def logits_check(source_dir, text_file, deq_by_reading, n_tokens, ctx, device):
    """KLD(source || dequantized) and top-1 agreement per reading. Never raises; returns a dict."""
    try:
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except Exception as e:  # noqa: BLE001
        return {"skipped": f"transformers not importable ({type(e).__name__}: {e})"}
    try:
        tok = AutoTokenizer.from_pretrained(source_dir)
        with open(text_file, encoding="utf-8") as f:
            text = f.read(max(1 << 16, n_tokens * 16))  # enough characters for n_tokens tokens
        ids = tok(text, return_tensors="pt").input_ids[0][:n_tokens]
        kw = {"dtype": torch.float32} if int(transformers.__version__.split(".")[0]) >= 5 else {"torch_dtype": torch.float32}
        model = AutoModelForCausalLM.from_pretrained(source_dir, **kw).to(device).eval()
        windows = [ids[i:i + ctx] for i in range(0, len(ids) - 1, ctx) if len(ids[i:i + ctx]) > 1]

        def run():
            outs = []
            with torch.no_grad():
                for w in windows:
                    outs.append(model(w.unsqueeze(0).to(device)).logits[0].float().log_softmax(-1).cpu())
            return torch.cat(outs)

        ref = run()
        targets = torch.cat([w[1:] for w in windows])
        keep = torch.cat([torch.arange(len(w)) < len(w) - 1 for w in windows])
        nll_ref = -ref[keep].gather(1, targets.unsqueeze(1)).mean()
        params = dict(model.named_parameters())
        originals = {}
        result = {"transformers": transformers.__version__, "tokens": int(sum(len(w) for w in windows)),
                  "ctx": ctx, "ppl_source": float(nll_ref.exp()), "readings": {}}
        for reading, deq in deq_by_reading.items():
            for name, w in deq.items():
                p = params[name + ".weight"]
                originals.setdefault(name, p.data.clone())
                if tuple(p.shape) != tuple(w.shape):
                    raise ValueError(f"{name}: model weight {tuple(p.shape)} vs dequantized {tuple(w.shape)}")
                p.data.copy_(w.to(p.dtype))
            out = run()
            kld = (ref.exp() * (ref - out)).sum(-1).mean()
            top1 = (ref.argmax(-1) == out.argmax(-1)).float().mean()
            nll = -out[keep].gather(1, targets.unsqueeze(1)).mean()
            result["readings"][reading] = {"kld": float(kld), "top1": float(top1), "ppl": float(nll.exp())}
            for name, w in originals.items():
                params[name + ".weight"].data.copy_(w)
        return result
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}


# ----------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gptq_dir")
    ap.add_argument("source_dir")
    ap.add_argument("--bound", type=float, default=0.25, help="max relative weight error under the reference reading")
    ap.add_argument("--margin", type=float, default=1.5, help="every wrong reading's error must be >= margin x the reference's")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--logits", metavar="TEXT", help="text file for the transformers logits check")
    ap.add_argument("--tokens", type=int, default=2048)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--verbose", action="store_true", help="print every linear, not only the summary")
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    rep = Report()
    print(f"gptq_reference_check: torch {torch.__version__}")
    try:
        with open(os.path.join(args.gptq_dir, "config.json")) as f:
            config = json.load(f)
        qc = config.get("quantization_config")
        if qc is None:
            raise ValueError(f"{args.gptq_dir}/config.json has no quantization_config")
        qt, reader, nfiles = load_folder_tensors(args.gptq_dir)
        st, _, _ = load_folder_tensors(args.source_dir)
    except (OSError, ValueError, KeyError) as e:
        print(f"gptq_reference_check: {e}", file=sys.stderr)
        return 2
    print(f"checkpoint {args.gptq_dir}: {len(qt)} tensors in {nfiles} files ({reader}); source {args.source_dir}: {len(st)} tensors")
    if not os.path.exists(os.path.join(args.gptq_dir, "quantize_config.json")):
        rep.warn("no quantize_config.json beside config.json: AutoGPTQ's from_quantized (local folder) "
                 "opens only that file; GPTQModel / transformers / vLLM read config.json")

    print("\n[config]")
    bits, group, desc_act, sym, v1 = check_config(qc, rep)
    if bits not in (2, 4, 8):
        print(f"gptq_reference_check: bits {bits}: only 2/4/8-bit dequantization is implemented here", file=sys.stderr)
        return 2

    print("\n[tensors]")
    prefixes = sorted(k[: -len(".qweight")] for k in qt if k.endswith(".qweight"))
    if not prefixes:
        rep.fail("no .qweight tensors")
    readings = [r for r in READINGS if r != "g_idx ignored" or desc_act]
    rows, deq_by_reading = [], {r: {} for r in readings}
    for name in prefixes:
        try:
            t = {k: qt[f"{name}.{k}"] for k in ("qweight", "qzeros", "scales", "g_idx")}
        except KeyError as e:
            rep.fail(f"{name}: missing {e}")
            continue
        if f"{name}.weight" in qt:
            rep.fail(f"{name}: both .weight and .qweight present")
        K, N, ok = check_linear(name, t, bits, group, desc_act, sym, v1, rep)
        src = st.get(f"{name}.weight")
        if src is None:
            rep.fail(f"{name}.weight not in the source model")
            continue
        src = src.float()
        if not ok or tuple(src.shape) != (N, K):
            rep.fail(f"{name}: source weight {tuple(src.shape)} vs checkpoint [N, K] = {(N, K)}")
            continue
        errs = {}
        for r in readings:
            w = dequantize(t, bits, group, v1, r)
            errs[r] = rel_err(w, src)
            deq_by_reading[r][name] = w
        ref = errs["reference"]
        # A wrong reading that gives the reference's weight bit for bit cannot be told apart on this
        # linear (a symmetric checkpoint stores every zero as the same nibble, so the order of the
        # qzeros nibbles does not matter): it is left out of the margin test, not counted as a miss.
        same = [r for r in readings if r != "reference" and torch.equal(deq_by_reading[r][name], deq_by_reading["reference"][name])]
        wrong = [v for k, v in errs.items() if k != "reference" and k not in same]
        worst_wrong = min(wrong) if wrong else float("inf")
        rows.append({"linear": name, "K": K, "N": N, "errors": errs, "same_as_reference": same,
                     "wrong_over_ref": worst_wrong / ref if ref else float("inf")})
        if ref > args.bound:
            rep.fail(f"{name}: reference error {ref:.4f} above --bound {args.bound}")
        if worst_wrong < args.margin * ref:
            rep.fail(f"{name}: a wrong reading comes within {args.margin}x of the reference ({worst_wrong:.4f} vs {ref:.4f})")
    leftover = [k for k in qt if not any(k.startswith(p + ".") for p in prefixes)]
    maxdiff = 0.0
    for k in leftover:
        if k not in st:
            rep.fail(f"{k}: in the checkpoint, not in the source")
            continue
        a, b = qt[k].float(), st[k].float()
        if a.shape != b.shape:
            rep.fail(f"{k}: shape {tuple(a.shape)} vs source {tuple(b.shape)}")
            continue
        maxdiff = max(maxdiff, rel_err(a, b) if b.norm() > 0 else float(a.abs().max()))
    missing = [k for k in st if k not in qt and not any(k == p + ".weight" for p in prefixes)]
    for k in missing:
        rep.fail(f"{k}: in the source, not in the checkpoint (neither as weight nor as qweight)")
    print(f"  {len(prefixes)} quantized linears; {len(leftover)} other tensors, max relative difference "
          f"to the source {maxdiff:.2e} (dtype cast only expected)")
    if maxdiff > 1e-2:
        rep.fail(f"unquantized tensors differ from the source by {maxdiff:.3g} (relative)")

    print(f"\n[weights] relative error ||W_deq - W_src|| / ||W_src|| per linear ({len(rows)} linears, "
          f"bits {bits}, group {group}, desc_act {desc_act}, {'v1' if v1 else 'v2'})")
    if args.verbose:
        hdr = "  " + f"{'linear':<40}" + "".join(f"{r[:14]:>15}" for r in readings)
        print(hdr)
        for row in rows:
            print("  " + f"{row['linear'][-40:]:<40}" + "".join(f"{row['errors'][r]:>15.4f}" for r in readings))
    summary = {}
    for r in readings:
        v = [row["errors"][r] for row in rows]
        if v:
            summary[r] = {"min": min(v), "median": sorted(v)[len(v) // 2], "max": max(v)}
            label = r if v1 or r != "zeros without +1" else "zeros with +1 (as v1)"
            print(f"  {label:<26} min {min(v):.4f}  median {sorted(v)[len(v) // 2]:.4f}  max {max(v):.4f}")
    same_everywhere = [r for r in readings if r != "reference" and rows and all(r in row["same_as_reference"] for row in rows)]
    for r in same_everywhere:
        print(f"  {r}: the same weights as the reference on every linear (not a distinguishable reading here)")
    if rows:
        ratios = [row["wrong_over_ref"] for row in rows]
        print(f"  closest wrong reading / reference, per linear: min {min(ratios):.2f}x  max {max(ratios):.2f}x "
              f"(must be >= --margin {args.margin}x)")

    logits = None
    if args.logits:
        print(f"\n[logits] {args.logits}, first {args.tokens} tokens, windows of {args.ctx}, {args.device}")
        logits = logits_check(args.source_dir, args.logits, deq_by_reading, args.tokens, args.ctx, args.device)
        if "readings" in logits:
            print(f"  transformers {logits['transformers']}, {logits['tokens']} tokens, source ppl {logits['ppl_source']:.3f}")
            for r, v in logits["readings"].items():
                print(f"  {r:<26} KLD {v['kld']:.5f}  top-1 {v['top1']:.4f}  ppl {v['ppl']:.3f}")
            refk = logits["readings"]["reference"]["kld"]
            for r, v in logits["readings"].items():
                if r != "reference" and r not in same_everywhere and v["kld"] <= refk:
                    rep.fail(f"logits: wrong reading {r!r} has KLD {v['kld']:.5f} <= the reference's {refk:.5f}")
        elif "skipped" in logits:
            rep.warn(f"logits check skipped: {logits['skipped']}")
        else:
            rep.fail(f"logits check failed: {logits['error']}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"gptq_dir": args.gptq_dir, "source_dir": args.source_dir, "quantization_config": qc,
                       "bits": bits, "group_size": group, "desc_act": desc_act, "v1": v1,
                       "linears": rows, "summary": summary, "logits": logits,
                       "failures": rep.failures, "warnings": rep.warnings}, f, indent=1)
    print(f"\n{'FAILED' if rep.failures else 'PASSED'}: {len(rep.failures)} failures, {len(rep.warnings)} warnings")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
