#!/usr/bin/env python3
"""The CLI's tables keep their columns in line when a name is not plain ASCII (a trial found
`models list` rows of "модель" and "my model 🙂" six cells left of the others: widths counted in
bytes). A library of one fixture model copied under Cyrillic, CJK, emoji and accented names;
checks that in `models list` every row's second column starts at the same terminal cell as the
header's (cells counted as wcwidth does: East Asian Wide/Fullwidth 2, combining marks 0).

usage: table_width_test.py AWQBENCH_CLI MODEL_DIR WORK_DIR
"""
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

from clitest import Checks

cli, model, work = sys.argv[1:4]
work = Path(work)
shutil.rmtree(work, ignore_errors=True)
names = ["plain", "модель", "my model 🙂-awq ü", "模型", "cafe\u0301"]
for name in names:
    shutil.copytree(model, work / name)
check = Checks("table_width_test")


def cells(text):
    width = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


r = subprocess.run([cli, "models", "list", str(work)], capture_output=True, text=True, timeout=120)
check(r.returncode == 0, f"models list: exit {r.returncode}: {r.stderr[-300:]}")
lines = r.stdout.splitlines()
header = lines[0]
column = cells(header[:header.index("origin")])
for name in names:
    row = next((line for line in lines if line.startswith(name + " ")), None)
    check(row is not None, f"no row for {name!r}:\n{r.stdout}")
    if row is not None:
        at = cells(row[:row.index("library")])
        check(at == column, f"{name!r}: the origin column starts at cell {at}, the header's at {column}:\n{r.stdout}")
check.finish()
