#!/usr/bin/env python3
"""Δm of every method of a sweep against a baseline computed from chosen seeds only (e.g. leaving out a baseline
run that never trained), printed as a markdown column: Δm = (100/T)·Σ_t (M_t − B_t)/B_t over the methods' means
(accuracy-like metrics, higher is better).

    delta_m.py SWEEP_DIR BASELINE_METHOD SEED [SEED ...]
"""
import glob
import json
import os
import statistics
import sys

folder, base, seeds = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
runs = {}
for f in glob.glob(os.path.join(folder, "*", "report.json")):
    r = json.load(open(f))
    runs.setdefault(r["method"], []).append((int(r["seed"]), {t["name"]: t["test"] for t in r["tasks"]}))
b = {t: statistics.mean(m[t] for s, m in runs[base] if s in seeds) for t in runs[base][0][1]}
for row in json.load(open(os.path.join(folder, "table.json"))):
    m = row["method"]
    means = {t: statistics.mean(x[t] for _, x in runs[m]) for t in b}
    print(f"| {m} | {100 * statistics.mean((means[t] - b[t]) / b[t] for t in b):+.2f} |")
