#!/usr/bin/env python3
"""`awqbench-cli profile` on the CPU: a decode step of the demo AWQ model broken down by the torch
operators and the engine's named steps, checked against the model's own structure (Qwen3: an
RMSNorm before attention, on q and on k, before the MLP, and one at the end; rope on q and k;
attention once a layer), and its Chrome trace.

usage: profile_test.py CLI MODEL_DIR OUT_DIR"""
import json
import os
import signal
import subprocess
import sys
import time

cli, model, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
trace = os.path.join(out, "profile-trace.json")
if os.path.exists(trace):
    os.remove(trace)
layers = json.load(open(os.path.join(model, "config.json")))["num_hidden_layers"]
run = subprocess.run([cli, "profile", "--model", model, "--steps", "6", "--json", "--trace", trace],
                     capture_output=True, text=True, timeout=300)
if run.returncode != 0:
    sys.exit(f"profile failed ({run.returncode}): {run.stderr}")
p = json.loads(run.stdout)
print(json.dumps({k: v for k, v in p.items() if k != "kernels"}, indent=1))


def check(condition, what):
    if not condition:
        sys.exit("profile_test: " + what)


check(p["device"] == "cpu" and "CPU" in p["device_label"], f"device should be cpu, its label name the CPU: {p['device']} / {p['device_label']}")
check(p["recorded"] == "operators" and p["steps"] == 6, "six CPU steps of torch operators")
check(0 < p["busy_us"] <= p["step_us"] * 1.05, f"operators ({p['busy_us']} us) within the step ({p['step_us']} us)")
for category in ("GEMM/GEMV", "attention", "norms"):
    check(p["category_us"][category] > 0, f"no time in {category}")
per_step = {k["name"]: k["calls_per_step"] for k in p["kernels"]}
expected = {"awq::rms_norm": 4 * layers + 1, "awq::rope": 2 * layers, "awq::attention": layers}
for name, calls in expected.items():
    check(abs(per_step.get(name, 0) - calls) < 1e-6, f"{name}: {per_step.get(name)} calls a step, expected {calls}")
check(any(name.startswith("aten::linear") for name in per_step), "no aten::linear among the operators")

events = [e for e in json.load(open(trace))["traceEvents"] if e.get("ph") == "X"]
check(sum(e["name"] == "awq::attention" for e in events) >= 7 * layers, "the trace should hold every step's attention")
check(all(e["dur"] >= 0 and e["ts"] >= 0 for e in events), "trace times are offsets and durations in microseconds")

text = subprocess.run([cli, "profile", "--model", model, "--steps", "2"], capture_output=True, text=True, timeout=300)
check(text.returncode == 0 and "GEMM/GEMV" in text.stdout and "awq::attention" in text.stdout, "the table: " + text.stdout + text.stderr)

# Ctrl+C while profiling: exit 130 and a word that nothing was measured (it exited 130 silently).
# --steps past the context prints its note just before the profiling starts (and Ctrl+C is caught).
stopped = subprocess.Popen([cli, "profile", "--model", model, "--steps", "4096"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
note = stopped.stderr.readline()
check(note.startswith("note: the model's context"), "profile --steps 4096: no note first: " + note)
time.sleep(1.0)
stopped.send_signal(signal.SIGINT)
out, err = stopped.communicate(timeout=120)
check(stopped.returncode == 130, f"profile stopped by Ctrl+C: exit {stopped.returncode}: {err}")
check(err.strip() == "stopped by Ctrl+C: nothing measured (a profile is one whole run of "
      + note.split("measuring ")[1].split(",")[0] + " decode steps)", "profile stopped by Ctrl+C said: " + err)
check(out == "", "profile stopped by Ctrl+C printed a table: " + out)
print("profile_test: ok")
