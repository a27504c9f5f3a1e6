#!/usr/bin/env python3
"""Output tok/s of `awqbench-cli serve` (continuous batching, over HTTP) at concurrency 1/4/16
against the engine's static batches (`awqbench-cli sweep`, same model, prompt and token count).

usage: serve_bench.py AWQBENCH_CLI MODEL_DIR [--device cpu|cuda] [--max-new 64] [--concurrency 1,4,16]
                      [--requests-per-client 3]

Each of c clients sends --requests-per-client streamed completions back to back (ignore_eos, so
every request makes exactly --max-new tokens); server tok/s = all output tokens / wall time from
the first request to the last [DONE]. One untimed request warms the server up first.
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("cli")
ap.add_argument("model")
ap.add_argument("--device", default="cpu")
ap.add_argument("--max-new", type=int, default=64)
ap.add_argument("--concurrency", default="1,4,16")
ap.add_argument("--requests-per-client", type=int, default=3)
ap.add_argument("--prompt", default="Once upon a time")
a = ap.parse_args()
levels = [int(x) for x in a.concurrency.split(",")]
model_id = os.path.basename(os.path.normpath(a.model))

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([a.cli, "serve", "--model", a.model, "--port", str(port), "--device", a.device,
                           "--max-batch", str(max(levels))], stderr=subprocess.PIPE, text=True)


def post(body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    if r.status != 200:
        raise RuntimeError(f"{r.status}: {text}")
    return text


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
    body = {"model": model_id, "prompt": a.prompt, "max_tokens": a.max_new, "ignore_eos": True, "temperature": 0,
            "stream": True, "stream_options": {"include_usage": True}}
    post(body)  # warm-up

    served = {}
    for c in levels:
        tokens = [0] * c

        def client(i):
            for _ in range(a.requests_per_client):
                last = [e for e in post(body).split("\n\n") if e.startswith("data: {")][-1]
                tokens[i] += json.loads(last[6:])["usage"]["completion_tokens"]

        threads = [threading.Thread(target=client, args=(i,)) for i in range(c)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        served[c] = sum(tokens) / (time.perf_counter() - t0)
        print(f"serve: concurrency {c}: {served[c]:.1f} tok/s", file=sys.stderr, flush=True)
finally:
    server.terminate()
    server.wait()

sweep = subprocess.run([a.cli, "sweep", "--model", a.model, "--concurrency", a.concurrency, "--max-new", str(a.max_new),
                        "--prompt", a.prompt, "--min-requests", str(a.requests_per_client * max(levels)),
                        "--device", a.device, "--json"], capture_output=True, text=True, check=True)
static = {p["concurrency"]: p["output_tokens_per_s"] for p in json.loads(sweep.stdout)["sweep"]["A"]["points"]}

print(f"{model_id} on {a.device}, {a.max_new} new tokens per request")
print(f"{'concurrency':>11} {'serve tok/s':>12} {'static batch tok/s':>19} {'serve/static':>13}")
for c in levels:
    print(f"{c:>11} {served[c]:>12.1f} {static[c]:>19.1f} {served[c] / static[c]:>12.2f}x")
