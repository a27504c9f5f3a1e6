#!/usr/bin/env python3
"""An endpoint that goes away mid-battery (a fresh-user trial: `compare --a URL` printed "error: ...:
request failed: Connection", exit 2, and wrote no --out file, while Ctrl+C keeps the finished tests).
`awqbench-cli serve` runs the demo model; `compare --a URL --b DIR --out RUN.json` runs against it and
the server is stopped once A finished its third test. Checks: exit 2; stderr says it stopped early,
why, and where the document was saved; the document holds the finished tests, is marked
`"cancelled": true` with a `stopped_reason`, and recorded the warm-up; the summary says "stopped
early (...) after N of 16 tests"; the report marks it stopped early with the reason.

usage: endpoint_stop_test.py AWQBENCH_CLI MODEL_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from clitest import Checks, served

cli, model, work = sys.argv[1:4]
work = Path(work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
run = work / "stopped.json"
check = Checks("endpoint_stop_test")
MODEL_ID = os.path.basename(os.path.normpath(model))

with served(cli, "--model", model, name=check.name) as (port, server):
    url = f"http://127.0.0.1:{port}/v1"
    p = subprocess.Popen([cli, "compare", "--a", url, "--a-model", MODEL_ID, "--b", model, "--max-new", "24", "--out", str(run)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    progress = []
    for line in p.stderr:
        progress.append(line)
        if re.match(r"\[\s*3/\d+\] \S+\s+A ", line):  # A (the endpoint) finished test 3: stop the server
            server.kill()
            server.wait(timeout=60)
            break
    out, rest = p.communicate(timeout=300)
err = "".join(progress) + rest

check(p.returncode == 2, f"exit {p.returncode}, want 2 (stderr: {err[-800:]})")
check("error: stopped early: " in err and "the document holds the tests that finished" in err, f"stderr says it stopped early: {err[-800:]}")
check(f"saved {run} (stopped early)" in err, f"stderr says where the document was written: {err[-800:]}")
check(run.exists(), "the run document was written")
if run.exists():
    doc = json.loads(run.read_text())
    reason = doc.get("stopped_reason", "")
    check(doc.get("cancelled") is True, "the document is marked cancelled")
    check(reason.startswith(f"A failed: {url}: test ") and reason.count("test ") == 1 and "request failed" in reason,
          f"stopped_reason names the side, the endpoint and the test, once: {reason!r}")
    both = sum(1 for t in doc["battery"]["tests"] if "A" in t["results"] and "B" in t["results"])
    check(both == 3, f"the 3 tests both sides finished are kept, got {both}")
    check(doc["battery"]["planned_tests"] == 16 and doc["battery"].get("warmup_generations") == 1,
          f"planned 16, warmed up once: {doc['battery'].get('planned_tests')}, {doc['battery'].get('warmup_generations')}")
    check(doc["speed"]["A"]["requests"] == doc["speed"]["B"]["requests"] == both, "speed over the tests both finished")
    check(f"partial run: stopped early ({reason}) after {both} of 16 tests" in out, f"the summary says why it is partial:\n{out}")
    report = work / "stopped.md"
    r = subprocess.run([cli, "report", str(run), "--out", str(report)], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"report: {r.stderr}")
    text = report.read_text() if report.exists() else ""
    check("(stopped early)" in text and f"Stopped before it finished ({reason})" in text, "the report says it stopped early, and why")

check.finish()
