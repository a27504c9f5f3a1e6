#!/usr/bin/env python3
"""The Hugging Face transformers peer for engine_bench: a Llama-3-8B-shaped model (random fp16
weights, the same config engine_bench writes) generating greedily on CUDA, batch 1. Prints one JSON
object per (attention implementation, prompt length) on stdout, the keys engine_bench reads:
model, prompt, batch, ttft_ms, tpot_ms, decode_tok_s, output_tok_s, peak_gb, weights_gb.

    hf_peer_bench.py [--layers 32] [--prompts 128,2048] [--new-tokens 128] [--batches 1]

TTFT is the time of a generate() call for one new token; decode tok/s counts the remaining new
tokens over the rest of a full call's time. Needs python3 with torch (CUDA) and transformers."""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--prompts", default="128,2048")
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--batches", default="1")
    args = ap.parse_args()
    try:
        import torch
        import transformers
        from transformers import LlamaConfig, LlamaForCausalLM
    except ImportError as e:
        print(f"hf_peer_bench: {e}", file=sys.stderr)
        return 3
    if not torch.cuda.is_available():
        print("hf_peer_bench: no CUDA device", file=sys.stderr)
        return 77
    cfg = LlamaConfig(hidden_size=4096, intermediate_size=14336, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                      num_hidden_layers=args.layers, vocab_size=128256, max_position_embeddings=8192, rms_norm_eps=1e-5,
                      rope_theta=500000.0, tie_word_embeddings=False, bos_token_id=128000, eos_token_id=128001)
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg)
    model.eval()
    weights_gb = sum(p.numel() * p.element_size() for p in model.parameters()) / 1e9
    version = transformers.__version__
    for impl in ("eager", "sdpa"):
        model.config._attn_implementation = impl
        for prompt in [int(p) for p in args.prompts.split(",")]:
            for batch in [int(b) for b in args.batches.split(",")]:
                ids = torch.randint(0, cfg.vocab_size, (batch, prompt), device="cuda")
                mask = torch.ones_like(ids)

                def run(new):
                    torch.cuda.synchronize()
                    t0 = time.perf_counter()
                    with torch.inference_mode():
                        model.generate(ids, attention_mask=mask, max_new_tokens=new, min_new_tokens=new, do_sample=False,
                                       pad_token_id=0, eos_token_id=None)
                    torch.cuda.synchronize()
                    return time.perf_counter() - t0

                run(2)  # warm-up
                torch.cuda.reset_peak_memory_stats()
                ttft = min(run(1) for _ in range(2))
                total = run(args.new_tokens)
                decode = (args.new_tokens - 1) * batch / max(total - ttft, 1e-9)
                print(json.dumps({"model": f"HF {version} {impl} fp16", "prompt": prompt, "batch": batch, "ttft_ms": ttft * 1e3,
                                  "tpot_ms": (total - ttft) * 1e3 / max(args.new_tokens - 1, 1), "decode_tok_s": decode,
                                  "output_tok_s": args.new_tokens * batch / total,
                                  "peak_gb": torch.cuda.max_memory_allocated() / 1e9, "weights_gb": weights_gb}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
