#!/usr/bin/env python3
"""Compares the AWQ scales two quantizers folded into the norms of the same source model.

The scale s of a norm -> linears group is folded as norm_quantized = norm_original / s, so
s = original / quantized per channel. Prints, per layer and norm, the largest relative difference
between the two quantizers' scales and the correlation of their logarithms (1.0: same choice).
Needs numpy (the GPU machine has it):

    tools/compare_awq_scales.py ORIGINAL_DIR AUTOAWQ_DIR OURS_DIR
"""
import glob
import json
import struct
import sys

import numpy as np


def norms(folder):
    out = {}
    for path in glob.glob(folder + "/*.safetensors"):
        data = open(path, "rb").read()
        n = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + n])
        for name, t in header.items():
            if name == "__metadata__" or "layernorm" not in name:
                continue
            b, e = t["data_offsets"]
            raw = data[8 + n + b:8 + n + e]
            if t["dtype"] == "F16":
                out[name] = np.frombuffer(raw, dtype=np.float16).astype(np.float32)
            elif t["dtype"] == "BF16":
                out[name] = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
            elif t["dtype"] == "F32":
                out[name] = np.frombuffer(raw, dtype=np.float32)
    return out


def main():
    original, theirs, ours = (norms(d) for d in sys.argv[1:4])
    for name in sorted(original, key=lambda k: (int(k.split(".")[2]), k)):
        s_theirs, s_ours = original[name] / theirs[name], original[name] / ours[name]
        print("%-48s max rel diff %.4f  corr(log) %.4f" % (
            name, np.max(np.abs(s_theirs / s_ours - 1)), np.corrcoef(np.log(s_theirs), np.log(s_ours))[0, 1]))


if __name__ == "__main__":
    main()
