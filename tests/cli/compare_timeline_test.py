#!/usr/bin/env python3
"""`awqbench-cli compare --timeline` on the CPU: the demo model (FP32) against its AWQ version. The run
document's `timeline` section must add up (categories + nothing running = the step; the operator
counts follow the model's layers: an RMSNorm before attention, on q and on k, before the MLP and one
at the end; rope on q and k; attention once a layer), the ceilings and roofline figures must be there
and consistent, each model's Chrome trace must lie beside the document and parse, and the report must
render the section in HTML and Markdown.

usage: compare_timeline_test.py CLI MODEL_DIR AWQ_DIR OUT_DIR"""
import json
import os
import subprocess
import sys

cli, model, awq, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
run_file = os.path.join(out, "timeline-run.json")
for name in os.listdir(out):
    os.remove(os.path.join(out, name))
layers = json.load(open(os.path.join(model, "config.json")))["num_hidden_layers"]
steps = 4


def check(condition, what):
    if not condition:
        sys.exit("compare_timeline_test: " + what)


run = subprocess.run([cli, "compare", "--a", model, "--b", awq, "--battery", "none", "--timeline", "--timeline-steps", str(steps),
                      "--out", run_file], capture_output=True, text=True, timeout=300)
print(run.stdout)
check(run.returncode == 0, f"compare failed ({run.returncode}): {run.stderr}")
check("Decode timeline" in run.stdout and "verdict: " in run.stdout, "the table names the timeline and its verdict")

doc = json.load(open(run_file))
tl = doc["timeline"]
check(tl["steps"] == steps and tl["batch"] == 1 and tl["prompt_tokens"] > 0, f"steps, batch, prompt: {tl}")
expected = {"awq::rms_norm": 4 * layers + 1, "awq::rope": 2 * layers, "awq::attention": layers}
for slot in ("A", "B"):
    m = tl[slot]
    print(slot, json.dumps({k: v for k, v in m.items() if k != "top"}))
    check("CPU" in m["device"] and m["recorded"] == "operators" and m["steps"] == steps, f"{slot}: CPU operators, {steps} steps")
    categories = sum(m["category_us"][c] for c in ("GEMM/GEMV", "attention", "norms", "other"))
    check(abs(categories + m["idle_us"] - m["step_us"]) <= 0.05 * m["step_us"],
          f"{slot}: categories {categories:.1f} + idle {m['idle_us']:.1f} us should make the step {m['step_us']:.1f} us")
    check(abs(m["busy_us"] + m["idle_us"] - m["step_us"]) <= 0.05 * m["step_us"], f"{slot}: busy + idle = step")
    for c in ("GEMM/GEMV", "attention", "norms"):
        check(m["category_us"][c] > 0, f"{slot}: no time in {c}")
    calls = {k["name"]: k["calls_per_step"] for k in m["top"]}
    for name, n in expected.items():
        check(abs(calls.get(name, 0) - n) < 1e-6, f"{slot}: {name} {calls.get(name)} calls a step, expected {n}")
    check(sum(k["us_per_step"] for k in m["top"]) <= m["busy_us"] * 1.001, f"{slot}: the top operators fit in the busy time")
    params = doc["models"][slot]["parameters"]
    check(m["matmul_flops_per_step"] == 2 * params, f"{slot}: 2 x params FLOPs a step (tied embeddings: lm_head is a matmul)")
    check(m["weight_bytes_per_step"] == doc["models"][slot]["weight_bytes"], f"{slot}: the weights as held are read once a step")
    c = m["ceilings"]
    check("CPU" in c["device"] and c["dtype"] == doc["models"][slot]["compute_dtype"], f"{slot}: ceilings on this CPU in the compute dtype")
    check(c["read_gb_s"] > 0.1 and c["compute_gflop_s"] > 0.1 and c["read_bytes"] > 0 and c["matmul_n"] > 0, f"{slot}: ceilings {c}")
    trace = os.path.join(out, m["trace_file"])
    check(m["trace_file"] == f"timeline-run.timeline-{slot}.json" and os.path.isfile(trace), f"{slot}: trace beside the run: {m['trace_file']}")
    events = [e for e in json.load(open(trace))["traceEvents"] if e.get("ph") == "X"]
    check(sum(e["name"] == "awq::attention" for e in events) >= (steps + 1) * layers, f"{slot}: every step's attention in the trace")
# CPU: the AWQ weights are dequantized at load, so B reads as many bytes as A and the verdict says so.
check(tl["A"]["weight_bytes_per_step"] == tl["B"]["weight_bytes_per_step"], "AWQ on the CPU runs dequantized weights")
verdict = tl["verdict"]
check(verdict.startswith("No fewer weight bytes: B reads 1.00x A") and "read bandwidth" in verdict and "non-GEMM share" in verdict, "verdict: " + verdict)
# The achieved bandwidth in the verdict is weight bytes over GEMM time against the measured ceiling.
a = tl["A"]
share = a["weight_bytes_per_step"] / (a["category_us"]["GEMM/GEMV"] * 1e-6) / 1e9 / a["ceilings"]["read_gb_s"] * 100
check(f"(A: {share:.0f}%" in verdict or (share < 1 and "(A: " in verdict), f"A's {share:.1f}% of read bandwidth in: {verdict}")

for fmt in ("html", "md"):
    report = os.path.join(out, "report." + fmt)
    r = subprocess.run([cli, "report", run_file, "--out", report], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"report {fmt}: {r.stderr}")
    text = open(report, encoding="utf-8").read()
    check("Decode timeline" in text and "% of read bandwidth" in text and "Ceilings, measured on the same device" in text,
          f"report {fmt} lacks the timeline section")
    check("Verdict: No fewer weight bytes: B reads 1.00x A" in text, f"report {fmt}: the verdict")
    check("timeline-run.timeline-A.json" in text, f"report {fmt} names the traces")
# A report over its own run document, or through a link, must not destroy what is there.
before = open(run_file, "rb").read()
r = subprocess.run([cli, "report", run_file, "--out", run_file, "--format", "md"], capture_output=True, text=True, timeout=120)
check(r.returncode == 1 and "--out is the run document itself" in r.stderr, f"report over its run document: {r.returncode} {r.stderr}")
check(open(run_file, "rb").read() == before, "report over its run document changed it")
linked = os.path.join(out, "linked.md")
os.symlink("report.md", linked)
r = subprocess.run([cli, "report", run_file, "--out", linked], capture_output=True, text=True, timeout=120)
check(r.returncode == 0 and os.path.islink(linked), f"report through a link: {r.returncode} {r.stderr}; still a link: {os.path.islink(linked)}")
print("compare_timeline_test: ok")
