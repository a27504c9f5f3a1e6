#!/usr/bin/env python3
"""The report of a comparison with an endpoint (a fresh-user trial found zeros): `awqbench-cli serve`
runs an AWQ model on 127.0.0.1 at a free port, then

  compare --a URL --b FP16_DIR --out ab.json      and      compare --a FP16_DIR --b URL --out ba.json

and `report` exports each as Markdown, HTML and JSON (PDF too where cairo is built in). Checks, on
the real run documents:
  - the document records the endpoint's unknown figures as null (parameters, weight_bytes,
    file_bytes, load_seconds, memory), never 0, and the quantization our server reports on
    /v1/models (AWQ 4-bit), with quantization_source "server";
  - every report format says "unknown (endpoint)" for the endpoint's parameters, weights, files,
    load time and memory, shows its quantization as the server reports it, names the endpoint's URL
    and says its speed was measured at the endpoint on the server's hardware, and never shows the
    endpoint's side as 0 B / 0.00 s / 0 parameters or "on the CPU" alone;
  - the folder side keeps its real figures;
  - an older document with 0 for the endpoint side (as the writer wrote before) reads and reports
    the same way.

usage: endpoint_report_test.py AWQBENCH_CLI AWQ_DIR FP_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

from clitest import Checks, served

cli, awq_dir, fp_dir = sys.argv[1:4]
AWQ_ID = os.path.basename(os.path.normpath(awq_dir))
check = Checks("endpoint_report_test")


def run(*args, timeout=180):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=timeout)


def table_row(md, label):
    """The cells of the Markdown table row whose first cell is `label` (None when absent)."""
    for line in md.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == label:
            return cells
    return None


def check_report(doc_path, endpoint_slot, url, tmp, tag):
    folder_slot = "B" if endpoint_slot == "A" else "A"
    col = 1 if endpoint_slot == "A" else 2        # the endpoint's column in "| label | A | B | B vs A |"
    other = 3 - col
    md_path, html_path, json_path = (os.path.join(tmp, f"{tag}.{ext}") for ext in ("md", "html", "json"))
    for out in (md_path, html_path, json_path):
        r = run("report", doc_path, "--out", out)
        check(r.returncode == 0, f"{tag}: report --out {os.path.basename(out)}: {r.stderr[-400:]}")
    md = open(md_path).read()
    html = open(html_path).read().replace("&#39;", "'").replace("&apos;", "'")

    for label in ("Parameters", "Weights held by the engine (compute dtype below)", "Files on disk", "Load time", "Compute dtype",
                  "Architecture"):
        row = table_row(md, label)
        check(row is not None and row[col] == "unknown (endpoint)", f"{tag}: Models row {label!r} says unknown for {endpoint_slot}: {row}")
        if label in ("Parameters", "Weights held by the engine (compute dtype below)", "Files on disk", "Load time"):
            check(row is not None and row[other] not in ("unknown (endpoint)", "-") and not re.fullmatch(r"0(\.0+)?( B| s)?", row[other]),
                  f"{tag}: the folder side {folder_slot} keeps its real {label}: {row}")
            check(row is not None and (len(row) < 4 or row[3] == ""), f"{tag}: no change against an unknown {label}: {row}")
    quant = table_row(md, "Quantization")
    check(quant is not None and quant[col].startswith("AWQ 4-bit") and "as the server reports" in quant[col],
          f"{tag}: the endpoint's quantization is what the server reports: {quant}")
    check(quant is not None and quant[other] == "none", f"{tag}: the FP16 folder is not quantized: {quant}")
    # Memory: the endpoint's row is unknown, the folder's real.
    mem = table_row(md.split("## Memory", 1)[-1], f"{endpoint_slot}: {AWQ_ID}")
    check(mem is not None and mem[1:] == ["unknown (endpoint)"] * 3, f"{tag}: memory row of the endpoint is unknown: {mem}")
    check("| 0 B |" not in md, f"{tag}: no 0 B cell in the Markdown report")
    peak = next((l for l in md.splitlines() if "Peak RSS of the process" in l or "Peak GPU memory" in l), "")
    check("unknown (endpoint)" in peak and "A and B loaded" not in peak, f"{tag}: peak memory row: {peak}")
    # The device: the endpoint's speed was measured at its server, the folder's on this machine's CPU.
    speed = next((l for l in md.splitlines() if l.startswith("Over the battery's generations")), "")
    check(f"{endpoint_slot} at the endpoint {url} (on the server's hardware, not recorded here)" in speed,
          f"{tag}: the speed section names the endpoint and the server's hardware: {speed[:300]}")
    check(f"{folder_slot} on the CPU" in speed, f"{tag}: the speed section says the folder ran on the CPU: {speed[:300]}")
    check(f"is the endpoint {url}" in md and "the server's and unknown here" in md, f"{tag}: the Models section explains the endpoint")
    # HTML carries the same words (escaped the same way in either format: no markup in them).
    for words in ("unknown (endpoint)", "as the server reports", f"at the endpoint {url}", "on the server's hardware"):
        check(words in html, f"{tag}: the HTML report says {words!r}")
    check(not re.search(r">0 B<", html), f"{tag}: no 0 B cell in the HTML report")
    # JSON export: the run document, endpoint unknowns as null.
    exported = json.load(open(json_path))
    m = exported["models"][endpoint_slot]
    check(all(m.get(k) is None for k in ("parameters", "weight_bytes", "file_bytes", "load_seconds", "memory")),
          f"{tag}: the JSON export keeps the endpoint's unknowns null: { {k: m.get(k) for k in ('parameters', 'weight_bytes', 'memory')} }")
    # PDF where this build has cairo: exported without error (its text is drawn from the same content).
    pdf = run("report", doc_path, "--out", os.path.join(tmp, f"{tag}.pdf"))
    check(pdf.returncode == 0 or "PDF export is unavailable" in pdf.stderr, f"{tag}: report --out PDF: {pdf.stderr[-300:]}")
    return md


with served(cli, "--model", awq_dir, name=check.name) as (port, _):
    url = f"http://127.0.0.1:{port}/v1"
    listed = json.load(urllib.request.urlopen(f"{url}/models", timeout=10))["data"][0]
    check(listed.get("quantization", {}).get("method") == "awq" and listed["quantization"].get("bits") == 4,
          f"/v1/models states the served model's quantization: {listed.get('quantization')}")
    with tempfile.TemporaryDirectory() as tmp:
        ab, ba = os.path.join(tmp, "endpoint-vs-folder.json"), os.path.join(tmp, "folder-vs-endpoint.json")
        first = run("compare", "--a", url, "--b", fp_dir, "--max-new", "8", "--out", ab)
        check(first.returncode == 0, f"compare --a URL --b DIR: {first.stderr[-500:]}")
        second = run("compare", "--a", fp_dir, "--b", url, "--max-new", "8", "--out", ba)
        check(second.returncode == 0, f"compare --a DIR --b URL: {second.stderr[-500:]}")
        if first.returncode == 0:
            d = json.load(open(ab))
            a = d["models"]["A"]
            check(a["path"] == url and a["name"] == AWQ_ID, "A is the endpoint")
            for key in ("parameters", "weight_bytes", "file_bytes", "load_seconds", "memory"):
                check(key in a and a[key] is None, f"the run document records A's {key} as null (unknown), not {a.get(key)!r}")
            check(a["quantization"] and a["quantization"]["method"] == "awq" and a.get("quantization_source") == "server",
                  f"A's quantization as the server reports it: {a['quantization']}, source {a.get('quantization_source')}")
            check(d["models"]["B"]["weight_bytes"] > 0 and d["models"]["B"]["memory"]["weights_bytes"] > 0, "B (the folder) has its figures")
            check("n/a (endpoint)" in first.stdout and "(A and B loaded)" not in first.stdout,
                  "the compare table says n/a for the endpoint and does not claim both models were loaded here")
            check_report(ab, "A", url, tmp, "ab")
            # An older document: the writer put 0 (and an empty memory) where the endpoint's figures were unknown.
            old = json.loads(open(ab).read())
            old["models"]["A"].update({"parameters": 0, "weight_bytes": 0, "file_bytes": 0, "load_seconds": 0, "quantization": None,
                                       "memory": {"weights_bytes": 0, "kv_cache_bytes_per_token": 0, "fit": []}})
            old["models"]["A"].pop("quantization_source", None)
            old_path = os.path.join(tmp, "old-endpoint-vs-folder.json")
            json.dump(old, open(old_path, "w"), indent=2)
            r = run("report", old_path, "--out", os.path.join(tmp, "old.md"))
            check(r.returncode == 0, f"an older document with 0 for the endpoint reads: {r.stderr[-300:]}")
            if r.returncode == 0:
                md = open(os.path.join(tmp, "old.md")).read()
                row = table_row(md, "Weights held by the engine (compute dtype below)")
                check(row is not None and row[1] == "unknown (endpoint)", f"old document: the endpoint's 0 weights read as unknown: {row}")
                quant = table_row(md, "Quantization")
                check(quant is not None and quant[1].startswith("unknown"), f"old document: the quantization is unknown, not none: {quant}")
                check("| 0 B |" not in md, "old document: no 0 B cell")
        if second.returncode == 0:
            d = json.load(open(ba))
            check(d["models"]["B"]["path"] == url and d["models"]["B"]["weight_bytes"] is None, "B is the endpoint, unknowns null")
            check_report(ba, "B", url, tmp, "ba")

check.finish()
