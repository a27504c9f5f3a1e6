#!/usr/bin/env python3
"""A `compare` stopped with Ctrl+C (SIGINT) while B answers the third test, after A answered it: the
totals compared A over 3 tests with B over 2 ("total time -35%") and said nothing of the cancel.
Checks: exit 130; the stdout summary says "partial run: cancelled after N of M tests" and its total
time row names the N tests; the saved document records planned_tests M, and its totals and speed
cover the same N tests on both sides; the report (Markdown) marks its Battery section partial.

usage: compare_cancel_test.py AWQBENCH_CLI MODEL_A MODEL_B WORK_DIR
"""
import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from clitest import Checks

cli, model_a, model_b, work = sys.argv[1:5]
work = Path(work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
run = work / "cancelled.json"
check = Checks("compare_cancel_test")


# Long answers, so that B is still generating its third answer when the signal lands.
p = subprocess.Popen([cli, "compare", "--a", model_a, "--b", model_b, "--max-new", "256", "--out", str(run)],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
progress = []
for line in p.stderr:
    progress.append(line)
    if re.match(r"\[\s*3/\d+\] \S+\s+A ", line):  # A finished test 3; B starts it now
        p.send_signal(signal.SIGINT)
        break
out, rest = p.communicate(timeout=300)
err = "".join(progress) + rest
check(p.returncode == 130, f"exit {p.returncode}, want 130 (stderr: {err[-800:]})")

doc = json.loads(run.read_text())
battery = doc["battery"]
planned = battery.get("planned_tests")
check(planned == 16, f"planned_tests {planned}, want 16 (the default battery)")
done_a, done_b = battery["totals"]["A"]["tests"], battery["totals"]["B"]["tests"]
both = sum(1 for t in battery["tests"] if "A" in t["results"] and "B" in t["results"])
check(done_a == done_b == both and both in (2, 3), f"totals over A {done_a} / B {done_b} tests, both finished {both}")
check(doc["speed"]["A"]["requests"] == doc["speed"]["B"]["requests"] == both,
      f"speed over A {doc['speed']['A']['requests']} / B {doc['speed']['B']['requests']} requests, want {both} each")
check(doc.get("cancelled") is True, "the document is not marked cancelled")

check(f"partial run: cancelled after {both} of 16 tests: the totals and speed compare the {both} tests both models finished" in out,
      f"no partial-run line in the summary:\n{out}")
check(re.search(rf"^total time \(s, {both} of 16 tests\) ", out, re.M) is not None, f"the total time row does not name its tests:\n{out}")

report = work / "cancelled.md"
r = subprocess.run([cli, "report", str(run), "--out", str(report), "--format", "md"], capture_output=True, text=True)
check(r.returncode == 0, f"report: exit {r.returncode}: {r.stderr}")
text = report.read_text() if report.exists() else ""
check(f"({both} of 16 tests, partial)" in text, "the report's Battery heading does not say partial")
check(f"Partial run: cancelled after {both} of 16 tests" in text, "the report does not say the battery was cancelled")

check.finish(f"compare_cancel_test: ok (cancelled after {both} of 16 tests, A listed {len(battery['tests'])})")
