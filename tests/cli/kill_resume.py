#!/usr/bin/env python3
"""Kill/resume of a quantize job (issue 17): the demo model is quantized once without interruption,
then once more with SIGKILL at points spread across the job, each kill followed by `--resume`,
until a resume finishes. Every output file must have the SHA-256 of the uninterrupted run's.

usage: kill_resume.py AWQBENCH_CLI MODEL_DIR CALIB_TEXT WORK_DIR

Kill points (one per run of the chain, in this order):
  calibration   right after the job starts (nothing written yet)
  layer write   when layer 1 starts writing its file
  ctrl+c        SIGINT right after layer 2's journal entry: exit 130, the stop note names the layer
  layer done    right after layer 3's journal entry
  scale search  in the middle of layer 5
  index write   once the final phase writes model.safetensors.index.json (its temp file or the file)
  rename        once the record is written, before the folder is renamed into place
The last two are caught by watching the .partial folder, so a very fast final phase can slip past
the watcher; that kill is then reported as missed (the test still checks the outputs) rather than
failing at random. The other five follow the job's --json-progress events and always happen.

Then a job killed after its first layer is resumed after its calibration file was edited under the
same name: --resume must refuse (exit 2), naming the file and the way out, and a --resume with
another --samples must name the flag (it named the journal key); `--check --resume` must report
both as problems (exit 2) before anything starts.
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

cli, model, calib, work = sys.argv[1:5]
work = Path(work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
ARGS = ["quantize", "--model", model, "--calib", calib, "--samples", "8", "--seqlen", "64", "--device", "cpu",
        "--json-progress"]
# Values the record (awqbench_quantization.json) takes from the clock, not from the job's input.
VOLATILE_KEYS = {"started", "finished", "seconds", "seconds_this_run"}


def digests(folder):
    out = {}
    for p in sorted(folder.iterdir()):
        data = p.read_bytes()
        if p.name == "awqbench_quantization.json":
            def strip(v):
                if isinstance(v, dict):
                    return {k: strip(x) for k, x in v.items() if k not in VOLATILE_KEYS}
                if isinstance(v, list):
                    return [strip(x) for x in v]
                return v
            data = json.dumps(strip(json.loads(data)), sort_keys=True).encode()
        out[p.name] = hashlib.sha256(data).hexdigest()
    return out


def run_to_end(out, resume=False):
    cmd = [cli] + ARGS + ["--out", str(out)] + (["--resume"] if resume else [])
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"kill_resume: FAIL: {' '.join(cmd)} exited {r.returncode}: {r.stderr}")


def kill_on_event(out, resume, matches, args=ARGS):
    """Starts the job and SIGKILLs it at the first progress event for which matches(event) holds."""
    cmd = [cli] + args + ["--out", str(out)] + (["--resume"] if resume else [])
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in p.stdout:
        if line.startswith("{") and matches(json.loads(line)):
            p.send_signal(signal.SIGKILL)
            p.wait()
            return True
    p.wait()
    return False


def interrupt_on_event(out, resume, matches):
    """Ctrl+C (SIGINT) at the first progress event for which matches(event) holds: the job must stop
    cleanly, exit 130 and name the layer in progress (1-based, as the progress line)."""
    cmd = [cli] + ARGS + ["--out", str(out)] + (["--resume"] if resume else [])
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stdout:
        if line.startswith("{") and matches(json.loads(line)):
            p.send_signal(signal.SIGINT)
            break
    rest, err = p.communicate()
    if p.returncode != 130 or not re.search(r"cancelled at layer [4-8] of 8 \(run again with --resume", err):
        sys.exit(f"kill_resume: FAIL: Ctrl+C after layer 3 of 8: exit {p.returncode} (want 130), stderr: {err}")
    # The event stream says how it ended: its last event is "cancelled", with the layers kept.
    events = [json.loads(l) for l in rest.splitlines() if l.startswith("{")]
    if not events or events[-1].get("event") != "cancelled" or events[-1].get("layers_done", 0) < 3:
        sys.exit(f"kill_resume: FAIL: the --json-progress stream after Ctrl+C does not end with a cancelled event: {rest[-400:]}")
    return True


def kill_on_file(out, resume, pattern, after_event=None):
    """Starts the job and SIGKILLs it as soon as a file matching `pattern` shows up in <out>.partial."""
    cmd = [cli] + ARGS + ["--out", str(out)] + (["--resume"] if resume else [])
    partial = Path(str(out) + ".partial")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rx = re.compile(pattern)
    while p.poll() is None:
        try:
            names = os.listdir(partial)
        except FileNotFoundError:
            names = []
        if any(rx.search(n) for n in names):
            p.send_signal(signal.SIGKILL)
            p.wait()
            return True
    return False


start = time.monotonic()
reference = work / "uninterrupted"
run_to_end(reference)
t_reference = time.monotonic() - start
expected = digests(reference)

out = work / "killed"
kills = [
    ("calibration", lambda o, r: kill_on_event(o, r, lambda e: e["event"] == "started")),
    ("layer write", lambda o, r: kill_on_event(o, r, lambda e: e["stage"] == "write" and e["layer"] == 1)),
    ("ctrl+c", lambda o, r: interrupt_on_event(o, r, lambda e: e["event"] == "layer_done" and e["layer"] == 2)),
    ("layer done", lambda o, r: kill_on_event(o, r, lambda e: e["event"] == "layer_done" and e["layer"] == 3)),
    ("scale search", lambda o, r: kill_on_event(o, r, lambda e: e["stage"] == "scale search" and e["layer"] == 5)),
    ("index write", lambda o, r: kill_on_file(o, r, r"^model\.safetensors\.index\.json")),
    ("rename", lambda o, r: kill_on_file(o, r, r"^awqbench_quantization\.json$")),
]
missed = []
resume = False
for name, kill in kills:
    if Path(out).exists():
        missed.append(name)  # an earlier leg already finished the job
        continue
    hit = kill(out, resume)
    print(f"kill_resume: {'killed' if hit else 'missed'} at {name}", flush=True)
    if not hit:
        missed.append(name)
    resume = True
if not out.exists():
    run_to_end(out, resume=True)

# A writer killed mid-write leaves `NAME.tmp-PID`; resume clears them (issue 17 item 9), so the
# finished folder must hold exactly the uninterrupted run's files.
got = digests(out)
failed = False
for n in sorted(set(expected) | set(got)):
    if expected.get(n) != got.get(n):
        print(f"kill_resume: FAIL: {n}: uninterrupted {expected.get(n)} resumed {got.get(n)}")
        failed = True
if Path(str(out) + ".partial").exists():
    print("kill_resume: FAIL: the .partial folder is still there")
    failed = True
event_kills = {"calibration", "layer write", "ctrl+c", "layer done", "scale search"}
if event_kills & set(missed):
    print(f"kill_resume: FAIL: the job ended before kill points {sorted(event_kills & set(missed))}")
    failed = True

# The calibration text edited under the same name between the kill and the --resume.
edited_calib = work / "calib-edited.txt"
shutil.copyfile(calib, edited_calib)
edited_args = [edited_calib if a == calib else a for a in ARGS]
edited_args = [str(a) for a in edited_args]
edited_out = work / "calib-edited"
if not kill_on_event(edited_out, False, lambda e: e["event"] == "layer_done" and e["layer"] == 0, edited_args):
    print("kill_resume: FAIL: the edited-calibration job ended before its first layer was done")
    failed = True
with open(edited_calib, "a") as f:
    f.write("\nA story added after the job began, under the same file name.\n")
r = subprocess.run([cli] + edited_args + ["--out", str(edited_out), "--resume"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
want = f"{edited_calib}: the interrupted job's calibration text changed since it began"
if r.returncode != 2 or want not in r.stderr or "start afresh without --resume" not in r.stderr:
    print(f"kill_resume: FAIL: --resume after the calibration text changed: exit {r.returncode} (want 2), stderr: {r.stderr}")
    failed = True
# The pre-flight of that --resume (--check) refuses it the same way before anything starts: it said
# "verdict: ready to quantize" and the job then refused.
r = subprocess.run([cli] + edited_args + ["--out", str(edited_out), "--resume", "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if r.returncode != 2 or f"problem: {want}" not in r.stdout or "start afresh without --resume" not in r.stdout or "verdict: cannot start" not in r.stdout:
    print(f"kill_resume: FAIL: --check --resume after the calibration text changed: exit {r.returncode} (want 2), stdout: {r.stdout}")
    failed = True
samples_at = edited_args.index("--samples") + 1
other_samples = edited_args[:samples_at] + ["4"] + edited_args[samples_at + 1:]
r = subprocess.run([cli] + other_samples + ["--out", str(edited_out), "--resume"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if r.returncode != 2 or "(--samples 8, now 4)" not in r.stderr:
    print(f"kill_resume: FAIL: --resume with another --samples: exit {r.returncode} (want 2, naming --samples), stderr: {r.stderr}")
    failed = True
r = subprocess.run([cli] + other_samples + ["--out", str(edited_out), "--resume", "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if r.returncode != 2 or "used other settings or another source model (--samples 8, now 4)" not in r.stdout:
    print(f"kill_resume: FAIL: --check --resume with another --samples: exit {r.returncode} (want 2, naming --samples), stdout: {r.stdout}")
    failed = True

# Trial 34: a resume says so before it starts, and its estimate covers the layers left (it printed
# the whole job's estimate and "resumed at layer N" only in the final summary).
announced_out = work / "announced"
if not kill_on_event(announced_out, False, lambda e: e["event"] == "layer_done" and e["layer"] == 1):
    print("kill_resume: FAIL: the job ended before its second layer was done")
    failed = True
plain = [a for a in ARGS if a != "--json-progress"]
r = subprocess.run([cli] + plain + ["--out", str(announced_out), "--resume", "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if r.returncode != 0 or not re.search(r"resume +at layer 3 of 8 \(2 finished layers kept\)", r.stdout) or "estimated time (the layers left)" not in r.stdout:
    print(f"kill_resume: FAIL: --check --resume does not announce the resume at layer 3 of 8: exit {r.returncode}, stdout: {r.stdout}")
    failed = True
p = subprocess.Popen([cli] + plain + ["--out", str(announced_out), "--resume"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
first = p.stderr.readline()
p.send_signal(signal.SIGKILL)
p.communicate()
want = f"quantize: resuming the interrupted job in {announced_out}.partial at layer 3 of 8 (2 finished layers kept)"
if first.strip() != want:
    print(f"kill_resume: FAIL: the resume's first line is {first!r}, want {want!r}")
    failed = True

if failed:
    sys.exit(1)
print(f"kill_resume: ok ({len(expected)} files identical after {len(kills) - len(missed)} kills"
      f"{', missed ' + ', '.join(missed) if missed else ''}; uninterrupted run {t_reference:.1f} s, "
      f"total {time.monotonic() - start:.1f} s)")
