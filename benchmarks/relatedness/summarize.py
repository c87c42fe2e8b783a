#!/usr/bin/env python3
"""Summarises the relatedness runs (runs/relatedness-matched-rho<R>/, `mtl reproduce` folders): per rho and method,
the final training loss (mean of each task's loss curve over its last 10 % of points, averaged over the two tasks;
the Gumbel-Matrix paper's Fig. 1 plots this L2 loss over training) and the test MSE (averaged over the two tasks),
mean ± sd over seeds, and the test Δm against no sharing paired by seed (each seed's tasks differ).

    benchmarks/relatedness/summarize.py runs/relatedness-matched-rho0.5 runs/relatedness-matched-rho0.9 ...
"""
import glob
import json
import os
import statistics
import sys


def load(folder):
    runs = {}
    for f in glob.glob(os.path.join(folder, "*", "report.json")):
        r = json.load(open(f))
        curves = r["lossCurves"]
        train = statistics.mean(statistics.mean(c["y"][-max(1, len(c["y"]) // 10):]) for c in curves)
        test = [t["test"] for t in r["tasks"]]
        runs.setdefault(r["method"], {})[int(r["seed"])] = (train, test)
    return runs


def ms(xs):
    return f"{statistics.mean(xs):.4f} ± {statistics.stdev(xs) if len(xs) > 1 else 0:.4f}"


for folder in sys.argv[1:]:
    runs = load(folder)
    base = runs["no-sharing"]
    print(f"\n{os.path.basename(folder.rstrip('/'))}\n")
    print("| method | runs | training loss (last 10 %) | test MSE | test Δm vs no sharing, paired by seed (%) |")
    print("|---|---|---|---|---|")
    for method in ["no-sharing", "shared-bottom", "one-gate-moe", "mmoe"]:
        if method not in runs:
            continue
        seeds = sorted(runs[method])
        train = [runs[method][s][0] for s in seeds]
        test = [statistics.mean(runs[method][s][1]) for s in seeds]
        dm = [100 * statistics.mean((b - m) / b for m, b in zip(runs[method][s][1], base[s][1])) for s in seeds if s in base]
        print(f"| {method} | {len(seeds)} | {ms(train)} | {ms(test)} | {statistics.mean(dm):+.1f} ± {statistics.stdev(dm) if len(dm) > 1 else 0:.1f} |")
