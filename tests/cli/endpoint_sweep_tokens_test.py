#!/usr/bin/env python3
"""An endpoint sweep counts the tokens each request produced (a user trial: `sweep --model URL`
reported "N new tokens each" from --max-new whatever the server sent back). `awqbench-cli serve`
runs the demo model; in front of it a proxy drops vLLM's `ignore_eos`, as a server that does not
honour it (OpenAI's API, ...) would, so every greedy request stops at the model's end-of-text after
the same number of tokens `generate` stops at. A second proxy also drops `stream_options`, so no
usage comes back and the client counts the streamed chunks.

Checks: each level records output_tokens = requests x that count, output_tokens_min / _max, how the
tokens were counted, output tok/s over the counted tokens; the CLI and the Markdown, HTML and PDF
reports say the server produced fewer than asked, with the count, instead of "--max-new tokens each".

usage: endpoint_sweep_tokens_test.py AWQBENCH_CLI MODEL_DIR WORK_DIR
"""
import html as htmlmod
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from clitest import Checks, served

cli, model, work = sys.argv[1:4]
work = Path(work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
check = Checks("endpoint_sweep_tokens_test")
PROMPT = "Once upon a time"
MAX_NEW = 400  # more than the demo model's greedy story from PROMPT: it ends at end-of-text first


def proxy(upstream_port, drop):
    """A local proxy to upstream_port that removes the request keys in `drop` and streams answers back."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self, body):
            conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=300)
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            self.send_response(r.status)
            self.send_header("Content-Type", r.getheader("Content-Type", "application/json"))
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while True:
                piece = r.read1(65536)
                if not piece:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            conn.close()

        def do_GET(self):
            self.forward(None)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            for key in drop:
                body.pop(key, None)
            self.forward(json.dumps(body))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# What the model produces greedily from the prompt when it may stop at end-of-text.
gen = subprocess.run([cli, "generate", "--model", model, "--prompt", PROMPT, "--max-new", str(MAX_NEW), "--json"],
                     capture_output=True, text=True)
check(gen.returncode == 0, f"generate: {gen.stderr[-500:]}")
generated = json.loads(gen.stdout)
story = generated["new_tokens"]
check(generated["finish_reason"] == "stop_token" and 1 < story < MAX_NEW,
      f"the demo model ends its story at end-of-text before {MAX_NEW} tokens: {gen.stdout[:400]}")

MODEL_ID = os.path.basename(os.path.normpath(model))
with served(cli, "--model", model, name=check.name) as (port, _):
    # The server's usage counts the end-of-text token, as vLLM's does; it carries no text, so the
    # chunks counted without usage are one fewer.
    for drop, counted_from, each in ((["ignore_eos"], "usage", story), (["ignore_eos", "stream_options"], "stream", story - 1)):
        front = proxy(port, drop)
        url = f"http://127.0.0.1:{front.server_address[1]}/v1"
        doc_path = work / f"sweep-{counted_from}.json"
        sweep = subprocess.run([cli, "sweep", "--model", url, "--concurrency", "1,2", "--num-prompts", "4", "--max-new", str(MAX_NEW),
                                "--prompt", PROMPT, "--out", str(doc_path)], capture_output=True, text=True, timeout=600)
        front.shutdown()
        check(sweep.returncode == 0, f"sweep through the proxy ({counted_from}): {sweep.stderr[-800:]}")
        if sweep.returncode != 0:
            continue
        doc = json.loads(doc_path.read_text())
        for p in doc["sweep"]["A"]["points"]:
            v = p["serving"]
            check(p["requests"] == 4 and p["output_tokens"] == 4 * each and p["output_tokens_min"] == each
                  and p["output_tokens_max"] == each and v["tokens_counted_from"] == counted_from,
                  f"{counted_from}: level {p['concurrency']} counted {each} tokens a request: {p}")
            check(abs(p["output_tokens_per_s"] - p["output_tokens"] / v["duration_seconds"]) <= 1e-6 * p["output_tokens_per_s"],
                  f"{counted_from}: tok/s is over the counted tokens: {p}")
        how = ("counted from the server's usage.completion_tokens" if counted_from == "usage"
               else "counted as the streamed chunks with text, as the server sent no usage; an end-of-text token has no text and is not counted")
        shortfall = (f"the server produced fewer tokens than the {MAX_NEW} asked of each request: {each} per request, "
                     f"{each:.1f} on average over 8 requests ({how}). It stopped them early")
        check(f"note: A: {shortfall}" in sweep.stdout, f"{counted_from}: the CLI says what the server produced:\n{sweep.stdout}")
        check(re.search(rf"^ +1 +4 +[0-9.]+ .* {each}$", sweep.stdout, re.M) is not None,
              f"{counted_from}: the table's tokens/request column: {sweep.stdout}")

        md_path, html_path, pdf_path = doc_path.with_suffix(".md"), doc_path.with_suffix(".html"), doc_path.with_suffix(".pdf")
        for out in (md_path, html_path):
            rep = subprocess.run([cli, "report", str(doc_path), "--out", str(out)], capture_output=True, text=True)
            check(rep.returncode == 0, f"report {out.suffix}: {rep.stderr}")
        md = md_path.read_text().replace("\\_", "_") if md_path.exists() else ""  # Markdown escapes _
        check(f"Concurrent requests of the prompt \"{PROMPT}\", {MAX_NEW} new tokens asked of each." in md
              and f"{MAX_NEW} new tokens each" not in md, f"{counted_from}: the Markdown does not claim {MAX_NEW} each:\n{md[-3000:]}")
        check(f"A: {MODEL_ID}: {shortfall}" in md, f"{counted_from}: the Markdown says what the server produced:\n{md[-3000:]}")
        check(f"| Tokens per request |" in md and re.search(rf"\| A: {re.escape(MODEL_ID)} \| 2 \| .* \| 4 \| {each} \|", md),
              f"{counted_from}: the sweep table's tokens per request:\n{md[-3000:]}")
        html = htmlmod.unescape(html_path.read_text()) if html_path.exists() else ""
        check(shortfall in html, f"{counted_from}: the HTML says what the server produced")
        if shutil.which("pdftotext"):
            rep = subprocess.run([cli, "report", str(doc_path), "--out", str(pdf_path)], capture_output=True, text=True)
            if rep.returncode == 0:  # builds without cairo refuse PDF export (report's own tests cover that)
                text = " ".join(subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True).stdout.split())
                check(f"{each} per request, {each:.1f} on average over 8 requests" in text, f"{counted_from}: the PDF says it:\n{text[-2000:]}")

check.finish()
