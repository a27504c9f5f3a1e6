#!/usr/bin/env python3
"""`compare` of an endpoint against a model folder (issue 12): `awqbench-cli serve` runs the demo model
on 127.0.0.1 at a free port (with an API key), then

  compare --a URL --a-model NAME --b DIR      and      compare --a DIR --b URL --text FILE

run the same battery on both sides. Checks: the served and the local copy of one model answer every
test alike (greedy), the document names the endpoint (URL, served model) and never the key, the
folder side has its identity (fingerprint); perplexity is measured for the folder side only, and the
document's notes and the quality notes say why there is no KLD (an endpoint gives no logits), with
no zero in its place.

usage: mixed_compare_test.py AWQBENCH_CLI MODEL_DIR TEXT_FILE
"""
import json
import os
import subprocess
import sys
import tempfile

from clitest import Checks, served

cli, model, text = sys.argv[1:4]
MODEL_ID = os.path.basename(os.path.normpath(model))
KEY = "mixed-key-456"
check = Checks("mixed_compare_test")

with served(cli, "--model", model, "--api-key", KEY, name=check.name) as (port, _):
    url = f"http://127.0.0.1:{port}/v1"
    env = dict(os.environ, MIXED_TEST_KEY=KEY)
    with tempfile.TemporaryDirectory() as tmp:
        ab, ba = os.path.join(tmp, "endpoint-vs-folder.json"), os.path.join(tmp, "folder-vs-endpoint.json")
        first = subprocess.run([cli, "compare", "--a", url, "--a-model", MODEL_ID, "--b", model, "--api-key-env", "MIXED_TEST_KEY",
                                "--max-new", "8", "--out", ab], capture_output=True, text=True, env=env, timeout=120)
        check(first.returncode == 0, f"compare --a URL --b DIR: {first.stderr[-500:]}")
        second = subprocess.run([cli, "compare", "--a", model, "--b", url, "--api-key-env", "MIXED_TEST_KEY", "--max-new", "8",
                                 "--text", text, "--max-windows", "2", "--ctx", "128", "--stride", "128", "--out", ba],
                                capture_output=True, text=True, env=env, timeout=120)
        check(second.returncode == 0, f"compare --a DIR --b URL --text: {second.stderr[-500:]}")
        if first.returncode == 0:
            raw = open(ab).read()
            d = json.loads(raw)
            check(d["models"]["A"]["path"] == url and d["models"]["A"]["name"] == MODEL_ID, "A is the endpoint")
            check(d["models"]["B"]["fingerprint"] and d["models"]["B"]["weight_bytes"] > 0, "B is the folder, with its identity")
            check(KEY not in raw, "the API key is not in the run document")
            tests = d["battery"]["tests"]
            same = [t["id"] for t in tests if t["results"]["A"]["text"] == t["results"]["B"]["text"]]
            check(len(tests) == 16 and len(same) == 16, f"served and local answers equal: {len(same)} of {len(tests)}")
            check(all(d["speed"][s]["output_tokens_per_s"] > 0 for s in "AB"), "speed of both sides")
            check(any("A (" + url in n and "logits" in n for n in d.get("notes", [])), f"notes say what A cannot give: {d.get('notes')}")
            check("n/a (endpoint)" in first.stdout, "the table says n/a for the endpoint's weights, not 0")
        if second.returncode == 0:
            d = json.load(open(ba))
            check(d["models"]["B"]["path"] == url and d["models"]["A"]["fingerprint"], "B is the endpoint, A the folder")
            q = d["quality"]
            check(q["A"]["perplexity"] > 1 and "B" not in q and "kld_vs_a" not in json.dumps(q),
                  f"perplexity of the folder only, no KLD: {json.dumps(q)[:300]}")
            check("endpoint" in q.get("notes", "") and "logits" in q["notes"], f"quality notes say why: {q.get('notes')}")
            check(any(n.startswith("B (" + url) for n in d.get("notes", [])), f"document notes name B: {d.get('notes')}")
            check("not measured: B" in second.stdout, "the table prints what is not measured")

check.finish()
