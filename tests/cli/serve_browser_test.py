#!/usr/bin/env python3
"""`awqbench-cli serve` as clients that work against vLLM call it (trial 35): browsers (CORS),
typed content parts, integral floats, and the options that must not open the server by mistake.

usage: serve_browser_test.py AWQBENCH_CLI MODEL_DIR

Checks, on the demo model: a CORS preflight is answered as vLLM's CORSMiddleware answers it (200,
the allowed methods and headers; 400 naming what is not allowed), before the API key is looked at;
every answer to a request with Origin carries Access-Control-Allow-Origin (200s, errors, 401s,
streams), none without Origin or from an origin not allowed; --allowed-origins / --allowed-methods /
--allowed-headers take vLLM's JSON lists; a message's text parts are joined with "\\n" (the prompt
is that of the joined string); max_tokens 3.0 / seed 3.0 / n 1.0 are integers, 2.5 is not; the 429
says "1 waiting request"; an empty --api-key or AWQBENCH_API_KEY is a usage error (exit 1).
"""
import http.client
import json
import os
import subprocess
import sys
import time

from clitest import Checks, served

cli, model = sys.argv[1:3]
check = Checks("serve_browser_test")
os.environ.pop("AWQBENCH_API_KEY", None)  # the servers below choose their own key
MODEL = os.path.basename(os.path.normpath(model))
ALL_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"  # Starlette's for allow_methods ["*"]


def call(port, method, path, body=None, headers=None):
    """(status, headers as a dict of lower-case names, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    h = dict(headers or {})
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, text


def preflight(port, origin, method="POST", request_headers=None, path="/v1/chat/completions"):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers is not None:
        h["Access-Control-Request-Headers"] = request_headers
    return call(port, "OPTIONS", path, headers=h)


def completion(port, body, **headers):
    status, h, text = call(port, "POST", "/v1/completions", dict({"model": MODEL, "prompt": "Once"}, **body), headers)
    return status, h, (json.loads(text) if text.startswith("{") else text)


def chat_prompt_tokens(port, content, role="user"):
    messages = ([{"role": role, "content": content}] + ([{"role": "user", "content": "Go."}] if role != "user" else []))
    status, _, text = call(port, "POST", "/v1/chat/completions", {"model": MODEL, "messages": messages, "max_tokens": 1, "temperature": 0})
    check(status == 200, f"chat {content!r}: {status} {text[:300]}")
    return json.loads(text)["usage"]["prompt_tokens"] if status == 200 else None


def metrics_waiting(port):
    _, _, text = call(port, "GET", "/metrics")
    for line in text.splitlines():
        if line.startswith("awqbench_requests_waiting{"):
            return float(line.split()[-1])
    return None


# 1. Defaults: CORS for any origin, as `vllm serve` answers it; one slot and one waiting place.
with served(cli, "--model", model, "--max-batch", "1", "--max-queue", "1", name="serve_browser_test") as (port, _):
    # Preflight: was 405 "OPTIONS ... is not allowed".
    status, h, text = preflight(port, "http://localhost:3000", request_headers="content-type,authorization")
    check(status == 200 and text == "OK", f"preflight: {status} {text!r}")
    check(h.get("access-control-allow-origin") == "*", f"preflight Allow-Origin *: {h}")
    check(h.get("access-control-allow-methods") == ALL_METHODS, f"preflight Allow-Methods: {h.get('access-control-allow-methods')}")
    check(h.get("access-control-allow-headers") == "content-type,authorization", f"preflight echoes the requested headers: {h}")
    check(h.get("access-control-max-age") == "600" and "access-control-allow-credentials" not in h, f"preflight Max-Age, no credentials: {h}")
    # Answers to requests with Origin: success, error, stream. Without Origin: no CORS headers.
    origin = {"Origin": "http://localhost:3000"}
    status, h, answer = completion(port, {"max_tokens": 1}, **origin)
    check(status == 200 and h.get("access-control-allow-origin") == "*", f"POST with Origin: {status} {h}")
    status, h, answer = completion(port, {"model": "nope"}, **origin)
    check(status == 404 and h.get("access-control-allow-origin") == "*", f"a 404 carries Allow-Origin: {status} {h}")
    status, h, _ = call(port, "GET", "/v1/models", headers=origin)
    check(status == 200 and h.get("access-control-allow-origin") == "*", f"GET /v1/models with Origin: {status} {h}")
    status, h, text = call(port, "POST", "/v1/completions", {"model": MODEL, "prompt": "Once", "max_tokens": 2, "stream": True}, origin)
    check(status == 200 and h.get("access-control-allow-origin") == "*" and text.endswith("data: [DONE]\n\n"), f"a stream: {status} {h}")
    status, h, _ = call(port, "PUT", "/v1/completions", headers=origin)
    check(status == 405 and h.get("access-control-allow-origin") == "*", f"a 405 carries Allow-Origin: {status} {h}")
    status, h, _ = completion(port, {"max_tokens": 1})
    check(status == 200 and not any(k.startswith("access-control-") for k in h), f"no Origin, no CORS headers: {h}")
    status, h, _ = call(port, "OPTIONS", "/v1/chat/completions")
    check(status == 405 and h.get("allow") == "POST", f"OPTIONS that is no preflight (no Origin) stays 405: {status} {h}")
    status, h, _ = call(port, "POST", "/v1/completions", {"model": MODEL, "prompt": "x"}, dict(origin, Cookie="a=b"))
    check(h.get("access-control-allow-origin") == "http://localhost:3000" and h.get("vary") == "Origin",
          f"with a cookie the origin itself, as Starlette answers: {h}")

    # 2. Content parts joined with "\n": the prompt of the joined string, not of the glued one.
    joined = chat_prompt_tokens(port, "Tell me\na story")
    glued = chat_prompt_tokens(port, "Tell mea story")
    parts = chat_prompt_tokens(port, [{"type": "text", "text": "Tell me"}, {"type": "text", "text": "a story"}])
    check(joined is not None and joined != glued and parts == joined, f"parts: {parts} prompt tokens, joined string {joined}, glued {glued}")
    for role in ("system", "assistant"):
        check(chat_prompt_tokens(port, [{"type": "text", "text": "Be"}, {"type": "text", "text": "kind"}], role) ==
              chat_prompt_tokens(port, "Be\nkind", role), f"{role} parts are joined with a newline")

    # 3. Integral floats are integers (max_tokens 3.0 was "must be a positive integer").
    status, _, answer = completion(port, {"max_tokens": 3.0, "ignore_eos": True, "n": 1.0, "temperature": 0})
    check(status == 200 and answer["usage"]["completion_tokens"] == 3, f"max_tokens 3.0: {status} {answer}")
    sampled = {"max_tokens": 6, "temperature": 1.0, "ignore_eos": True}
    _, _, by_int = completion(port, dict(sampled, seed=3))
    status, _, by_float = completion(port, dict(sampled, seed=3.0))
    check(status == 200 and by_float["choices"][0]["text"] == by_int["choices"][0]["text"], f"seed 3.0 is seed 3: {by_float} {by_int}")
    for field, value in [("max_tokens", 2.5), ("seed", 2.5), ("n", 2.0), ("max_tokens", 0.0)]:
        status, _, answer = completion(port, {field: value})
        check(status == 400 and answer["error"]["param"] == field, f"{field} {value} refused: {status} {answer}")

    # 4. The 429 counts in words: "1 waiting request" (it said "1 waiting requests").
    slot = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    context = json.loads(call(port, "GET", "/v1/models")[2])["data"][0]["max_model_len"]
    long = {"model": MODEL, "prompt": "Once upon a time", "max_tokens": context - 16, "ignore_eos": True, "stream": True}
    slot.request("POST", "/v1/completions", body=json.dumps(long), headers={"Content-Type": "application/json"})
    first = slot.getresponse()
    check(first.status == 200 and first.read(6) == b"data: ", f"the slot is taken: {first.status}")
    waiting = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    waiting.request("POST", "/v1/completions", body=json.dumps(long), headers={"Content-Type": "application/json"})
    deadline = time.time() + 30
    while metrics_waiting(port) != 1 and time.time() < deadline:
        time.sleep(0.05)
    status, h, answer = completion(port, {"max_tokens": 1}, **origin)
    check(status == 429 and answer["error"]["message"] == "the server's queue is full (1 waiting request); retry later"
          and h.get("access-control-allow-origin") == "*", f"429: {status} {answer} {h}")
    slot.close()
    waiting.close()

# 5. Origins given (vLLM's JSON lists), credentials, and an API key: the preflight needs no key.
KEY = "browser-test-key"
GOOD, BAD = "http://good.example", "http://evil.example"
with served(cli, "--model", model, "--api-key", KEY, "--allowed-origins", json.dumps([GOOD]), "--allowed-methods", '["POST", "GET"]',
            "--allowed-headers", '["Authorization"]', "--allow-credentials", name="serve_browser_test") as (port, _):
    status, h, text = preflight(port, GOOD, request_headers="authorization, content-type")
    check(status == 200 and text == "OK", f"preflight without a key: {status} {text!r} (a preflight carries none: never 401)")
    check(h.get("access-control-allow-origin") == GOOD and h.get("vary") == "Origin" and h.get("access-control-allow-credentials") == "true",
          f"preflight names the origin, credentials: {h}")
    check(h.get("access-control-allow-methods") == "POST, GET", f"Allow-Methods as given: {h.get('access-control-allow-methods')}")
    check(h.get("access-control-allow-headers") == "Accept, Accept-Language, Authorization, Content-Language, Content-Type",
          f"Allow-Headers: the safelisted ones and those allowed: {h.get('access-control-allow-headers')}")
    status, h, text = preflight(port, BAD)
    check(status == 400 and text == "Disallowed CORS origin" and "access-control-allow-origin" not in h, f"bad origin: {status} {text!r} {h}")
    status, _, text = preflight(port, GOOD, method="DELETE", request_headers="x-custom")
    check(status == 400 and text == "Disallowed CORS method, headers", f"method and header not allowed: {status} {text!r}")
    auth = {"Authorization": "Bearer " + KEY}
    status, h, answer = completion(port, {"max_tokens": 1}, Origin=GOOD)
    check(status == 401 and h.get("access-control-allow-origin") == GOOD and h.get("access-control-allow-credentials") == "true",
          f"a 401 carries the CORS headers (a page can read why): {status} {h}")
    status, h, answer = completion(port, {"max_tokens": 1}, Origin=GOOD, **auth)
    check(status == 200 and h.get("access-control-allow-origin") == GOOD, f"with the key from a good origin: {status} {h}")
    status, h, answer = completion(port, {"max_tokens": 1}, Origin=BAD, **auth)
    check(status == 200 and "access-control-allow-origin" not in h, f"an origin not allowed gets no Allow-Origin: {status} {h}")

# 6. Options that would open the server or cannot be read: usage errors (exit 1) before it listens.
def refused(args, env=None, *needles):
    r = subprocess.run([cli, "serve", "--model", model, "--port", "0", *args], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, **(env or {})))
    check(r.returncode == 1 and all(n in r.stderr for n in needles), f"serve {args} {env}: exit {r.returncode}: {r.stderr[-400:]}")


refused(["--api-key", ""], None, "--api-key", "must not be empty")
refused([], {"AWQBENCH_API_KEY": ""}, "AWQBENCH_API_KEY is set but empty", "unset it")
refused(["--allowed-origins", "http://localhost:3000"], None, "--allowed-origins", "JSON list")
refused(["--allowed-methods", "[]"], None, "--allowed-methods", "JSON list")

check.finish()
