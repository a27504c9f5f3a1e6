#!/usr/bin/env python3
"""`awqbench-cli serve` end to end (issue 12): the server runs the demo model on 127.0.0.1 at a free
port and is driven over HTTP as OpenAI clients drive it.

usage: serve_test.py AWQBENCH_CLI MODEL_DIR MODEL_DIR_WITHOUT_CHAT_TEMPLATE

Checks: SSE framing exactly as OpenAI streams (data: {...} chunks, one id, the role first, a finish
chunk, usage with include_usage, data: [DONE]); streamed chat and plain completion texts equal
`awqbench-cli generate` with the same prompt, sampling and seed; 16 concurrent streaming clients
all get their token counts and the server's observed batch exceeds 1; a client that disconnects
mid-stream frees its slot (cancelled, not finished), so does one that leaves before a non-streamed
answer, and clients that leave while queued leave the queue; a hub cache snapshot and a pool copy
of it are served as promotion names them (ORG/NAME), their folder names as aliases; `stop` takes 5
strings; errors in OpenAI's shape with the right status (401, 404, 400, 413 naming the limit, 429); `sweep` and `compare` against the server (run documents, the key
never stored, answers equal the engine's); a port in use or a bad model end with exit 2;
SIGTERM and SIGINT stop the server cleanly (exit 0).
"""
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from clitest import Checks, free_port

cli, model, bare = sys.argv[1:4]  # bare: a model folder without a chat template
MODEL_ID = os.path.basename(os.path.normpath(model))
KEY = "test-key-123"
check = Checks("serve_test")

# Servers still running when the script ends (a failed check exits early) are killed, not left behind.
started = []
atexit.register(lambda: [p.kill() for p in started if p.poll() is None])


class Server:
    def __init__(self, *extra, models=None):
        self.port = free_port()
        folders = [a for m in (models or [model]) for a in ("--model", m)]
        self.proc = subprocess.Popen([cli, "serve", *folders, "--port", str(self.port), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(self.proc)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit("serve_test: FAIL: the server exited early: " + self.proc.stderr.read())
            try:
                status, _, _ = self.request("GET", "/health")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit("serve_test: FAIL: the server did not become ready")

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method, path, body=None, key=KEY, raw=None):
        conn = self.connect()
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read().decode()
        conn.close()
        return r.status, r.getheader("Content-Type", ""), text

    def send(self, path, body, key=KEY):
        """Sends a request and returns its connection unread: closing it (leave) is a client that left."""
        conn = self.connect()
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        return conn

    def wait_metrics(self, done, timeout=30):
        deadline = time.time() + timeout
        while True:
            m = self.metrics()
            if done(m) or time.time() > deadline:
                return m
            time.sleep(0.05)

    def metrics(self):
        _, _, text = self.request("GET", "/metrics")
        return {m.group(1): float(m.group(2)) for m in re.finditer(r'^(\w+)\{model="[^"]*"\} ([0-9.]+)$', text, re.M)}

    def stop(self, sig):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "timeout"
        err = self.proc.stderr.read()
        check(rc == 0 and "serve: stopped" in err, f"{signal.Signals(sig).name} stops cleanly (rc {rc}): {err[-500:]}")
        return err


def leave(conn):
    """The client goes away (as `timeout 0.3 curl ...` does): its socket closes, the answer unread."""
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()


def parse_sse(text):
    """The events of an OpenAI stream, checking the framing: every event is 'data: X' + blank line."""
    check(text.endswith("data: [DONE]\n\n"), "the stream ends with data: [DONE]")
    events = text.split("\n\n")
    check(events[-1] == "", "the stream ends with a blank line")
    chunks = []
    for e in events[:-1]:
        check(e.startswith("data: ") and "\n" not in e, f"event framed as 'data: ...': {e[:80]!r}")
        payload = e[len("data: "):]
        if payload == "[DONE]":
            continue
        chunks.append(json.loads(payload))
    return chunks


def generate(*args):
    r = subprocess.run([cli, "generate", "--model", model, "--json", *args], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def stream_chat(srv, body):
    status, ctype, text = srv.request("POST", "/v1/chat/completions", dict(body, stream=True))
    check(status == 200 and ctype.startswith("text/event-stream"), f"stream status {status} type {ctype}")
    return parse_sse(text)


srv = Server("--api-key", KEY, "--max-batch", "16")

# /metrics: Prometheus text, each family with its HELP and TYPE before its samples.
_, _, text = srv.request("GET", "/metrics")
check(re.search(r'^# HELP awqbench_requests_running .+\n# TYPE awqbench_requests_running gauge\nawqbench_requests_running\{model="[^"]+"\} 0',
                text, re.M) and "# TYPE awqbench_generated_tokens_total counter" in text, f"/metrics exposition: {text[:400]}")

# /v1/models
status, _, text = srv.request("GET", "/v1/models")
models = json.loads(text)
check(status == 200 and models["object"] == "list" and models["data"][0]["id"] == MODEL_ID, f"/v1/models: {text}")
check(abs(models["data"][0]["created"] - time.time()) < 600, f"/v1/models: created is the server's start, not 0: {text}")
# root: the folder as an absolute, normal path (it was the --model text as typed, relative to the server's folder).
check(models["data"][0]["root"] == os.path.normpath(os.path.abspath(model)), f"/v1/models: root {models['data'][0]['root']} for {model}")
status, _, text = srv.request("GET", "/v1/models/" + MODEL_ID)
check(status == 200 and json.loads(text) == models["data"][0], f"/v1/models/{{id}} is the list's entry: {status} {text}")

# Streamed chat: framing, and the text generate gives with the same seed.
gen = generate("--chat", "Tell me a story about a cat.", "--max-new", "40", "--temperature", "0.8", "--top-p", "0.9", "--seed", "123")
chunks = stream_chat(srv, {"model": MODEL_ID, "messages": [{"role": "user", "content": "Tell me a story about a cat."}],
                           "max_tokens": 40, "temperature": 0.8, "top_p": 0.9, "seed": 123,
                           "stream_options": {"include_usage": True}})
check(len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-"), "one chatcmpl- id for the stream")
check(all(c["object"] == "chat.completion.chunk" and c["model"] == MODEL_ID for c in chunks), "chunk object and model")
check(chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}, f"first chunk carries the role: {chunks[0]}")
content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
check(content == gen["text"], f"streamed chat text equals generate's:\n{content!r}\n{gen['text']!r}")
check(finish == [{"length": "length", "stop_token": "stop"}[gen["finish_reason"]]], f"one finish reason {finish} for {gen['finish_reason']}")
usage = chunks[-1]["usage"]
check(chunks[-1]["choices"] == [] and usage["completion_tokens"] == gen["new_tokens"] and usage["prompt_tokens"] == gen["prompt_tokens"]
      and usage["total_tokens"] == gen["new_tokens"] + gen["prompt_tokens"], f"usage chunk {chunks[-1]} vs {gen['new_tokens']}")

# Greedy chat, not streamed.
gen = generate("--chat", "Who is Lily?", "--max-new", "30")
status, _, text = srv.request("POST", "/v1/chat/completions", {"model": MODEL_ID, "temperature": 0, "max_tokens": 30,
                                                               "messages": [{"role": "user", "content": "Who is Lily?"}]})
resp = json.loads(text)
check(status == 200 and resp["object"] == "chat.completion" and resp["choices"][0]["message"]["content"] == gen["text"]
      and resp["usage"]["completion_tokens"] == gen["new_tokens"], f"greedy chat equals generate: {text} vs {gen['text']!r}")

# Completions with a stop string, streamed: the stop string is never sent, the text is generate's.
gen = generate("--prompt", "Once upon a time", "--max-new", "60", "--stop", ".")
status, _, text = srv.request("POST", "/v1/completions", {"model": MODEL_ID, "prompt": "Once upon a time", "max_tokens": 60,
                                                          "temperature": 0, "stop": ".", "stream": True})
chunks = parse_sse(text)
streamed = "".join(c["choices"][0]["text"] for c in chunks)
check(streamed == gen["text"] and "." not in streamed, f"completion stream cut at the stop string: {streamed!r} vs {gen['text']!r}")
check(chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[0]["object"] == "text_completion", f"completion finish {chunks[-1]}")

# A prompt given as token ids (as `tokenize` gives them): the same completion as the text prompt.
ids = json.loads(subprocess.run([cli, "tokenize", "--model", model, "--text", "Once upon a time", "--json"], capture_output=True,
                                text=True, check=True).stdout)["ids"]
by_text = json.loads(srv.request("POST", "/v1/completions", {"model": MODEL_ID, "prompt": "Once upon a time", "max_tokens": 20,
                                                            "temperature": 0})[2])
status, _, text = srv.request("POST", "/v1/completions", {"model": MODEL_ID, "prompt": ids, "max_tokens": 20, "temperature": 0})
check(status == 200 and json.loads(text)["choices"][0]["text"] == by_text["choices"][0]["text"]
      and json.loads(text)["usage"]["prompt_tokens"] == len(ids), f"token-id prompt: {text} vs {by_text}")

# 16 concurrent streaming clients: all finish with their token counts, and the server batched them.
before = srv.metrics()
results = [None] * 16


def client(i):
    try:
        status, _, text = srv.request("POST", "/v1/completions", {
            "model": MODEL_ID, "prompt": f"Story number {i}: once upon a time", "max_tokens": 24 + i, "temperature": 0.7,
            "seed": i, "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True}})
        results[i] = (status, parse_sse(text))
    except Exception as e:  # reported below
        results[i] = (0, repr(e))


threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i, (status, chunks) in enumerate(results):
    ok = status == 200 and isinstance(chunks, list) and chunks[-1]["usage"]["completion_tokens"] == 24 + i
    check(ok and chunks[-2]["choices"][0]["finish_reason"] == "length", f"client {i}: {status} {str(chunks)[-300:]}")
after = srv.metrics()
check(after["awqbench_max_batch_observed"] > 1, f"continuous batching observed: max batch {after['awqbench_max_batch_observed']}")
check(after["awqbench_requests_finished_total"] - before["awqbench_requests_finished_total"] == 16, "16 requests finished")
print(f"serve_test: 16 clients, max batch observed {after['awqbench_max_batch_observed']:.0f}", flush=True)

# A client that disconnects mid-stream frees its slot: cancelled, not finished.
conn = srv.connect()
conn.request("POST", "/v1/completions", body=json.dumps({"model": MODEL_ID, "prompt": "Once upon a time", "max_tokens": 1000,
                                                         "ignore_eos": True, "stream": True}),
             headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
r = conn.getresponse()
check(r.status == 200 and r.read(200).startswith(b"data: "), "a long stream starts")
conn.sock.shutdown(socket.SHUT_RDWR)
conn.close()
deadline = time.time() + 30
while time.time() < deadline:
    m = srv.metrics()
    if m["awqbench_requests_running"] == 0:
        break
    time.sleep(0.1)
check(m["awqbench_requests_running"] == 0 and m["awqbench_requests_cancelled_total"] == after["awqbench_requests_cancelled_total"] + 1
      and m["awqbench_requests_finished_total"] == after["awqbench_requests_finished_total"], f"disconnect frees the slot: {m}")

# A client that leaves before its answer, not streamed (the trial's `timeout 0.3 curl ...`): the
# request is cancelled within a step or two. It ran on: requests_running stayed 1 for ~3 s, all 1000
# tokens were generated and nothing was counted cancelled (only a streamed request's write failed).
before = srv.metrics()
conn = srv.send("/v1/completions", {"model": MODEL_ID, "prompt": "Once", "max_tokens": 1000, "ignore_eos": True})
srv.wait_metrics(lambda m: m["awqbench_generated_tokens_total"] > before["awqbench_generated_tokens_total"])
time.sleep(0.3)
leave(conn)
m = srv.wait_metrics(lambda m: m["awqbench_requests_running"] == 0)
generated = m["awqbench_generated_tokens_total"] - before["awqbench_generated_tokens_total"]
check(m["awqbench_requests_running"] == 0 and m["awqbench_requests_cancelled_total"] == before["awqbench_requests_cancelled_total"] + 1
      and m["awqbench_requests_finished_total"] == before["awqbench_requests_finished_total"] and generated < 500,
      f"a non-streamed request whose client left is cancelled ({generated:.0f} of 1000 tokens generated): {m}")
print(f"serve_test: a non-streamed request left after 0.3 s: {generated:.0f} of 1000 tokens generated", flush=True)

# stop takes any number of strings, as vLLM (5 were refused: "up to 4", OpenAI's own limit).
stops = [".", "!", "?", "\n", "zzz"]
gen = generate("--prompt", "Once upon a time", "--max-new", "60", *[a for stop in stops for a in ("--stop", stop)])
status, _, text = srv.request("POST", "/v1/completions", {"model": MODEL_ID, "prompt": "Once upon a time", "max_tokens": 60,
                                                          "temperature": 0, "stop": stops})
check(status == 200 and json.loads(text)["choices"][0]["text"] == gen["text"], f"5 stop strings: {status} {text[:300]} vs {gen['text']!r}")

# Errors: OpenAI's shape and status.
def error_of(status_expected, what, path="/v1/chat/completions", body=None, key=KEY, raw=None, method="POST"):
    status, ctype, text = srv.request(method, path, body, key=key, raw=raw)
    try:
        err = json.loads(text)["error"]
        shape = set(err) == {"message", "type", "param", "code"} and err["message"]
    except (ValueError, KeyError, TypeError):
        err, shape = text, False
    check(status == status_expected and shape and ctype.startswith("application/json"), f"{what}: {status} {text}")
    return err


chat = {"model": MODEL_ID, "messages": [{"role": "user", "content": "Hi"}]}
check(error_of(401, "no key", body=chat, key=None)["code"] == "invalid_api_key", "401 code")
error_of(401, "wrong key", body=chat, key="nope")
check(error_of(404, "unknown model", body=dict(chat, model="no-such-model"))["code"] == "model_not_found", "404 code")
error_of(400, "not JSON", raw="{not json")
check(error_of(400, "no messages", body={"model": MODEL_ID})["param"] == "messages", "400 names messages")
error_of(400, "temperature out of range", body=dict(chat, temperature=5))
error_of(400, "n > 1", body=dict(chat, n=2))
check(error_of(400, "prompt too long", path="/v1/completions", body={"model": MODEL_ID, "prompt": "once upon a time " * 400})["code"]
      == "context_length_exceeded", "context_length_exceeded")
error_of(400, "max_tokens past the context", body=dict(chat, max_tokens=5000))
error_of(404, "unknown route", path="/v1/nothing", method="GET")
check(error_of(404, "unknown model id", path="/v1/models/no-such-model", method="GET")["code"] == "model_not_found", "404 model id")
check(error_of(405, "GET on a POST route", path="/v1/completions", method="GET")["code"] == "method_not_allowed", "405 code")
error_of(405, "POST on a GET route", path="/v1/models", body={})
for field, value in [("echo", True), ("presence_penalty", 0.5), ("frequency_penalty", -1), ("suffix", "x"),
                     ("response_format", {"type": "json_object"}), ("logit_bias", {"42": 5})]:  # refused, never ignored
    check(error_of(400, f"{field} refused", path="/v1/completions", body={"model": MODEL_ID, "prompt": "Hi", field: value})["param"]
          == field, f"400 names {field}")
check(error_of(400, "empty prompt", path="/v1/completions", body={"model": MODEL_ID, "prompt": ""})["param"] == "prompt",
      "an empty prompt is a bad request (400), not a server error to retry")


def raw_request(text):  # as `curl -X POST URL` sends it: no body, no Content-Length
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
        s.sendall(text.encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.decode().partition("\r\n\r\n")
    return int(head.split()[1]), head, body


for method, path, want in [("POST", "/v1/models", 405), ("PUT", "/v1/models", 405), ("POST", "/v1/models/" + MODEL_ID, 405),
                           ("POST", "/v1/completions", 400)]:
    status, head, body = raw_request(f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n")
    check(status == want and json.loads(body)["error"]["message"] != f"HTTP {want}" and (want != 405 or "Allow: GET" in head),
          f"{method} {path} without a body: {status} {head!r} {body}")
# A body past cpp-httplib's 8192-byte limit for form-encoded bodies (curl -d's default type) was
# answered {"message": "HTTP 413"}: the answer names the limit and the fix; the same body as JSON is taken.
big = json.dumps({"model": MODEL_ID, "prompt": "Once upon a time", "max_tokens": 2}) + " " * 9000
status, head, body = raw_request(f"POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n"
                                 f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(big)}\r\n\r\n{big}")
try:
    err = json.loads(body)["error"]
except (ValueError, KeyError):
    err = {}
check(status == 413 and err.get("code") == "request_too_large" and set(err) == {"message", "type", "param", "code"}
      and "8192 bytes" in err["message"] and "Content-Type: application/json" in err["message"] and str(len(big)) in err["message"],
      f"413 says the limit and the fix: {status} {body}")
status, _, text = srv.request("POST", "/v1/completions", raw=big)
check(status == 200, f"the same body as JSON: {status} {text[:300]}")
check(error_of(400, "token id past the vocabulary", path="/v1/completions",
               body={"model": MODEL_ID, "prompt": [1, 10 ** 9]})["param"] == "prompt", "400 names prompt for a bad id")

# sweep against the server: a run document with vLLM benchmark_serving's percentiles, the URL and
# the served model name recorded, the key (read from an environment variable) nowhere in it.
doc_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"serve-test-sweep-{os.getpid()}.json")
url = f"http://127.0.0.1:{srv.port}/v1"
sweep = subprocess.run([cli, "sweep", "--model", url, "--api-key-env", "SERVE_TEST_KEY", "--concurrency", "1,4",
                        "--num-prompts", "8", "--max-new", "8", "--request-rate", "50", "--slo-ttft-ms", "10000",
                        "--out", doc_path], capture_output=True, env=dict(os.environ, SERVE_TEST_KEY=KEY))
# Its progress goes through ProgressLine: whole lines in a log (stderr is a pipe here), never \r.
# Bytes: text mode would turn a \r into a newline.
check(b"\r" not in sweep.stderr and b"\r" not in sweep.stdout and b"A max concurrency 4: " in sweep.stderr,
      f"sweep progress in a log is whole lines: {sweep.stderr[-500:]!r}")
sweep.stdout, sweep.stderr = sweep.stdout.decode(), sweep.stderr.decode()
check(sweep.returncode == 0, f"sweep against the server: {sweep.stderr[-500:]}")
if sweep.returncode == 0:
    raw = open(doc_path).read()
    doc = json.loads(raw)
    points = doc["sweep"]["A"]["points"]
    check(doc["kind"] == "sweep" and doc["sweep"]["endpoint"] == url and doc["models"]["A"]["name"] == MODEL_ID
          and doc["models"]["A"]["path"] == url, "the run document names the endpoint and its model")
    check(KEY not in raw, "the API key is not in the run document")
    check([p["concurrency"] for p in points] == [1, 4] and all(p["serving"]["completed"] == 8 and p["serving"]["failed"] == 0
          for p in points), f"8 requests per level: {points}")
    for p in points:
        v = p["serving"]
        check(all(0 < x[k] for x in (p["ttft_ms"], p["latency_ms"], v["tpot_ms"], v["itl_ms"]) for k in ("mean", "p50", "p95", "p99"))
              and v["request_rate"] == 50 and v["goodput"] > 0 and p["output_tokens_per_s"] > 0, f"percentiles: {p}")
    # The SLO behind goodput is recorded with it, and the report shows what the CLI printed (done /
    # failed, req/s, TPOT / ITL / E2EL, goodput with its SLO), not "No latency SLO was given".
    # The tokens each request produced are counted (the server's usage), not taken from --max-new:
    # serve honours ignore_eos, so all 8 of each of the 8 requests.
    check(all(p["output_tokens"] == 64 and p["output_tokens_min"] == p["output_tokens_max"] == 8
              and p["serving"]["tokens_counted_from"] == "usage" for p in points), f"counted tokens: {points}")
    check(doc["sweep"].get("slo_ttft_ms") == 10000 and "slo_tpot_ms" not in doc["sweep"], f"goodput SLOs recorded: {doc['sweep']}")
    check("goodput: requests/s that met TTFT <= 10000.0 ms" in sweep.stdout, f"the CLI names the goodput SLO:\n{sweep.stdout}")
    md_path = doc_path + ".md"
    rep = subprocess.run([cli, "report", doc_path, "--out", md_path], capture_output=True, text=True)
    md = open(md_path).read() if rep.returncode == 0 else ""
    check("### Serving metrics" in md and "| Done / failed |" in md and "| 8 / 0 |" in md
          and "Goodput: requests per second that met TTFT \\<= 10000.0 ms." in md and "No latency SLO was given" not in md,
          f"the report shows the serving metrics and the goodput SLO: {rep.stderr}{md[-1500:]}")
    check("8 new tokens each (every request produced all 8, counted from the server's usage.completion\\_tokens)." in md
          and "produced fewer tokens" not in md, f"the report says every request produced the 8 asked:\n{md[-3000:]}")
    if os.path.exists(md_path):
        os.remove(md_path)
    os.remove(doc_path)

# compare against endpoints: the battery through the server gives, test by test, the answers the
# built-in engine gives (greedy), and the document names the endpoints.
local_path, remote_path = doc_path + ".local", doc_path + ".remote"
local = subprocess.run([cli, "compare", "--a", model, "--b", model, "--max-new", "12", "--out", local_path],
                       capture_output=True, text=True)
remote = subprocess.run([cli, "compare", "--a", url, "--b", url, "--b-model", MODEL_ID, "--api-key-env", "SERVE_TEST_KEY",
                         "--max-new", "12", "--out", remote_path], capture_output=True, text=True,
                        env=dict(os.environ, SERVE_TEST_KEY=KEY))
check(local.returncode == 0 and remote.returncode == 0, f"compare runs: {local.stderr[-300:]} {remote.stderr[-300:]}")
if local.returncode == 0 and remote.returncode == 0:
    ld, rd = json.load(open(local_path)), json.load(open(remote_path))
    check(rd["models"]["A"]["path"] == url and rd["models"]["B"]["name"] == MODEL_ID and KEY not in open(remote_path).read(),
          "the compare document names the endpoints, not the key")
    lt = {t["id"]: t["results"]["A"]["text"] for t in ld["battery"]["tests"]}
    rt = {t["id"]: t["results"]["A"]["text"] for t in rd["battery"]["tests"]}
    check(len(rt) == 16 and rt == lt, "endpoint answers equal the engine's: " +
          str([(k, lt.get(k), rt.get(k)) for k in rt if rt.get(k) != lt.get(k)][:3]))
    os.remove(local_path)
    os.remove(remote_path)

# A model folder against an endpoint with a perplexity window longer than the folder's context:
# refused before the folder loads or the server is asked (it loaded A, ran the whole battery
# against the server, then failed at the window).
text_path = doc_path + ".txt"
with open(text_path, "w") as f:
    f.write("Once upon a time there was a little cat who liked to play in the garden.\n")
context = json.load(open(os.path.join(model, "config.json")))["max_position_embeddings"]
wide = subprocess.run([cli, "compare", "--a", model, "--b", url, "--api-key-env", "SERVE_TEST_KEY", "--text", text_path,
                       "--ctx", str(4 * context), "--stride", str(4 * context)], capture_output=True, text=True,
                      env=dict(os.environ, SERVE_TEST_KEY=KEY), timeout=60)
check(wide.returncode == 2 and os.path.join(model, "config.json") in wide.stderr
      and f"a perplexity window of {4 * context} tokens is longer than the model's context of {context} tokens" in wide.stderr
      and f"use a window (--ctx) of at most {context} tokens" in wide.stderr and "loading" not in wide.stderr,
      f"compare --ctx past the context, folder against endpoint: {wide.returncode} {wide.stderr[-500:]}")
os.remove(text_path)

# A port in use and a model that cannot load end with exit 2 and the reason (no silent port sharing).
busy = subprocess.run([cli, "serve", "--model", model, "--port", str(srv.port)], capture_output=True, text=True, timeout=60)
check(busy.returncode == 2 and "cannot listen" in busy.stderr, f"port in use: {busy.returncode} {busy.stderr[-300:]}")
bad = subprocess.run([cli, "serve", "--model", model + "-no-such", "--port", str(free_port())], capture_output=True, text=True,
                     timeout=60)
check(bad.returncode == 2 and "no-such: no such model folder" in bad.stderr and "listening" not in bad.stderr,
      f"bad model path: refused before listening: {bad.returncode} {bad.stderr[-300:]}")
badhost = subprocess.run([cli, "serve", "--model", model, "--host", "999.1.1.1", "--port", str(free_port())], capture_output=True,
                         text=True, timeout=60)
check(badhost.returncode == 2 and "cannot listen on 999.1.1.1: not an address" in badhost.stderr and "--port" not in badhost.stderr,
      f"bad host: {badhost.returncode} {badhost.stderr[-300:]}")
# A model folder whose config.json is broken fails while loading (after "listening on"): exit 2, the
# reason once (it was printed as "serve: load failed: ..." and again as the "error:" line).
with tempfile.TemporaryDirectory() as broken:
    with open(os.path.join(broken, "config.json"), "w") as f:
        f.write("{")
    failed = subprocess.run([cli, "serve", "--model", broken, "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    check(failed.returncode == 2 and failed.stderr.count("not valid JSON") == 1 and "error: " + broken + "/config.json: not valid JSON"
          in failed.stderr, f"load failure reported once: {failed.returncode} {failed.stderr[-600:]}")
twice = subprocess.run([cli, "serve", "--model", model, "--model", model + "/", "--port", str(free_port())], capture_output=True,
                       text=True, timeout=60)
check(twice.returncode == 2 and "is given twice" in twice.stderr, f"one model twice: {twice.returncode} {twice.stderr[-300:]}")

srv.stop(signal.SIGTERM)

# Clients that leave while their requests wait for the one slot (one streamed, one not) leave the
# queue at once: they were counted in requests_waiting until a slot came, and the non-streamed one
# then generated all its tokens.
srv = Server("--max-batch", "1")
before = srv.metrics()
long = {"model": MODEL_ID, "prompt": "Once", "max_tokens": 1000, "ignore_eos": True}
occupant = srv.send("/v1/completions", long, key=None)
srv.wait_metrics(lambda m: m["awqbench_requests_running"] == 1)
queued = [srv.send("/v1/completions", dict(long, stream=True), key=None), srv.send("/v1/completions", long, key=None)]
m = srv.wait_metrics(lambda m: m["awqbench_requests_waiting"] == 2)
check(m["awqbench_requests_waiting"] == 2 and m["awqbench_requests_running"] == 1, f"one runs, two wait: {m}")
for conn in queued:
    leave(conn)
m = srv.wait_metrics(lambda m: m["awqbench_requests_waiting"] == 0)
check(m["awqbench_requests_waiting"] == 0 and m["awqbench_requests_running"] == 1
      and m["awqbench_requests_cancelled_total"] == before["awqbench_requests_cancelled_total"] + 2,
      f"queued requests whose clients left are cancelled while the slot is still taken: {m}")
leave(occupant)
m = srv.wait_metrics(lambda m: m["awqbench_requests_running"] == 0)
time.sleep(0.5)  # nothing is admitted after it
m = srv.metrics()
generated = m["awqbench_generated_tokens_total"] - before["awqbench_generated_tokens_total"]
check(m["awqbench_requests_running"] == 0 and m["awqbench_requests_waiting"] == 0 and generated < 1000
      and m["awqbench_requests_cancelled_total"] == before["awqbench_requests_cancelled_total"] + 3
      and m["awqbench_requests_finished_total"] == before["awqbench_requests_finished_total"],
      f"no request ran for a client that left ({generated:.0f} tokens generated in all): {m}")
srv.stop(signal.SIGTERM)

# A bounded queue: one slot, no waiting room; a second request while the first runs gets 429.
srv = Server("--max-batch", "1", "--max-queue", "0")
conn = srv.connect()
conn.request("POST", "/v1/completions", body=json.dumps({"model": MODEL_ID, "prompt": "Once upon a time", "max_tokens": 1000,
                                                         "ignore_eos": True, "stream": True}),
             headers={"Content-Type": "application/json"})
r = conn.getresponse()
check(r.read(100).startswith(b"data: "), "the slot is taken")
m = srv.metrics()
err = error_of(429, "queue full", path="/v1/completions", body={"model": MODEL_ID, "prompt": "Hi"}, key=None)
check(isinstance(err, dict) and err.get("code") == "queue_full", f"429 code: {err}; metrics before: {m}")
# SIGINT while a stream runs: the stream ends and the server exits 0.
srv.stop(signal.SIGINT)
conn.close()

# A model without a chat template: chat completions are refused as vLLM refuses them (it answered
# with awqbench's plain-text fallback); plain completions still work.
srv = Server("--model", bare, "--api-key", KEY)
err = error_of(400, "no chat template", body={"model": "tinystories-656k", "messages": [{"role": "user", "content": "Hi"}]})
check(isinstance(err, dict) and err.get("code") == "chat_template_missing" and "/v1/completions" in err.get("message", ""),
      f"no chat template: {err}")
status, _, text = srv.request("POST", "/v1/completions", {"model": "tinystories-656k", "prompt": "Once upon a time", "max_tokens": 4})
check(status == 200, f"completions without a chat template: {status} {text[:300]}")
srv.stop(signal.SIGTERM)

# The served name is the one promotion writes as --served-model-name (pool.servedModelName): ORG/NAME
# for a Hugging Face hub cache snapshot and for a pool copy of one. They were served as the snapshot's
# revision hash and as the pool folder's ORG--NAME, and clients configured from the deployment got
# 404; those folder names still reach the model (aliases, not listed).
def hub_snapshot(source, cache, org, name, rev):
    """A hub cache entry as huggingface_hub lays it out: snapshots/<rev>/<file> are links into blobs/."""
    repo = os.path.join(cache, f"models--{org}--{name}")
    snapshot = os.path.join(repo, "snapshots", rev)
    os.makedirs(os.path.join(repo, "blobs"))
    os.makedirs(snapshot)
    for i, f in enumerate(sorted(os.listdir(source))):
        if os.path.isfile(os.path.join(source, f)):
            shutil.copyfile(os.path.join(source, f), os.path.join(repo, "blobs", f"blob{i}"))
            os.symlink(os.path.join("..", "..", "blobs", f"blob{i}"), os.path.join(snapshot, f))
    return snapshot


with tempfile.TemporaryDirectory() as d:
    rev = "0123456789abcdef0123456789abcdef01234567"
    snapshot = hub_snapshot(os.path.join(os.path.dirname(bare), "tinystories-qwen3-7m"), os.path.join(d, "hub"), "acme", "tiny-stories", rev)
    settings = ["--settings", os.path.join(d, "deploy.json")]
    os.makedirs(os.path.join(d, "pool"))
    with open(os.path.join(d, "serve.yaml"), "w") as f:
        f.write("model: /models/old\n")
    steps = [["pool", "config", "--pool", os.path.join(d, "pool")], ["pool", "add", snapshot],
             ["target", "add", "vl", "--vllm-config", os.path.join(d, "serve.yaml")],
             ["promote", "--model", "acme--tiny-stories", "--target", "vl", "--dry-run", "--json"]]
    for step in steps:
        r = subprocess.run([cli, *step, *settings], capture_output=True, text=True)
        check(r.returncode == 0, f"{' '.join(step)}: {r.returncode} {r.stderr[-500:]}")
    promoted = json.loads(r.stdout)["serve"]["served_model_name"] if r.returncode == 0 else None
    check(promoted == "acme/tiny-stories", f"promotion serves the hub model as ORG/NAME: {promoted}")
    for folder, alias in ((snapshot, rev), (os.path.join(d, "pool", "acme--tiny-stories"), "acme--tiny-stories")):
        srv = Server(models=[folder])
        _, _, text = srv.request("GET", "/v1/models")
        check([m["id"] for m in json.loads(text)["data"]] == [promoted], f"{folder} is served as {promoted}: {text}")
        for name in (promoted, alias):
            status, _, text = srv.request("POST", "/v1/completions", {"model": name, "prompt": "Once", "max_tokens": 2})
            check(status == 200 and json.loads(text)["model"] == name, f"a completion of {name} from {folder}: {status} {text[:300]}")
        status, _, text = srv.request("GET", "/v1/models/" + promoted)
        check(status == 200 and json.loads(text)["id"] == promoted, f"/v1/models/{promoted}: {status} {text}")
        err = error_of(404, "a name not served", path="/v1/completions", body={"model": "acme/other", "prompt": "Once"})
        check(isinstance(err, dict) and f"This server serves `{promoted}`" in err.get("message", ""), f"404 names what is served: {err}")
        srv.stop(signal.SIGTERM)

# A --max-model-len longer than the model's context: the server serves the context and says so,
# naming config.json (as promote does for a target; vLLM would refuse to start).
context = json.load(open(os.path.join(model, "config.json")))["max_position_embeddings"]
srv = Server("--max-model-len", str(100 * context))
_, _, text = srv.request("GET", "/v1/models")
served = json.loads(text)["data"][0].get("max_model_len")
err = srv.stop(signal.SIGTERM)
check(served == context, f"max_model_len served: {served}, the context is {context}")
check(f"--max-model-len {100 * context} is longer than {MODEL_ID}'s context of {context} tokens" in err and
      os.path.join(model, "config.json") in err, f"the cut is reported: {err[-500:]}")

check.finish()
