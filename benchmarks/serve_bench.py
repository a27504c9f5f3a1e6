#!/usr/bin/env python3
"""Output tok/s of `awqbench-cli serve` (continuous batching, over HTTP) at concurrency 1/4/16
against the engine's static batches, same model, prompt and token count.

usage: serve_bench.py AWQBENCH_CLI MODEL_DIR [--device cpu|cuda] [--max-new 64] [--concurrency 1,4,16]
                      [--requests 48]

The server is measured by `awqbench-cli sweep --model URL` (vLLM benchmark_serving's load: all
--requests at once, at most c in flight, streamed, ignore_eos), the static batches by
`awqbench-cli sweep --model DIR` (batches of c, at least --requests requests). The C++ client
keeps the client's share of the CPU small (Python clients on the same 2 cores cost the server
about a third of its throughput at 16).
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import time

ap = argparse.ArgumentParser()
ap.add_argument("cli")
ap.add_argument("model")
ap.add_argument("--device", default="cpu")
ap.add_argument("--max-new", type=int, default=64)
ap.add_argument("--concurrency", default="1,4,16")
ap.add_argument("--requests", type=int, default=48)
ap.add_argument("--prompt", default="Once upon a time")
a = ap.parse_args()
levels = [int(x) for x in a.concurrency.split(",")]
common = ["--concurrency", a.concurrency, "--max-new", str(a.max_new), "--prompt", a.prompt, "--json"]


def points(args):
    out = subprocess.run([a.cli, "sweep", *args, *common], capture_output=True, text=True, check=True).stdout
    return {p["concurrency"]: p for p in json.loads(out)["sweep"]["A"]["points"]}


with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([a.cli, "serve", "--model", a.model, "--port", str(port), "--device", a.device,
                           "--max-batch", str(max(levels))], stderr=subprocess.DEVNULL)
try:
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    served = points(["--model", f"http://127.0.0.1:{port}/v1", "--num-prompts", str(a.requests)])
finally:
    server.terminate()
    server.wait()
static = points(["--model", a.model, "--device", a.device, "--min-requests", str(a.requests)])

print(f"{os.path.basename(os.path.normpath(a.model))} on {a.device}, {a.max_new} new tokens per request, {a.requests} requests per level")
print(f"{'concurrency':>11} {'serve tok/s':>12} {'static batch tok/s':>19} {'serve/static':>13} {'serve TTFT p50 ms':>18}")
for c in levels:
    sv, st = served[c]["output_tokens_per_s"], static[c]["output_tokens_per_s"]
    print(f"{c:>11} {sv:>12.1f} {st:>19.1f} {sv / st:>12.2f}x {served[c]['ttft_ms']['p50']:>18.1f}")
