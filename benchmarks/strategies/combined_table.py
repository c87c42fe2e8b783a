#!/usr/bin/env python3
"""The README's strategy table: per method, MultiMNIST's per-task accuracy and Δm, MultiFashion's Δm, 4-MNISTs' mean
accuracy and Δm, and the time per step relative to equal weights ("fixed") on MultiMNIST and 4-MNISTs from separate
timing runs (see docs/results/strategies/*.md for the commands).

    combined_table.py MULTIMNIST_SWEEP MULTIFASHION_SWEEP MNIST4_SWEEP MULTIMNIST_TIMING MNIST4_TIMING
"""
import glob
import json
import os
import statistics
import sys


def table(folder):
    return {r["method"]: r for r in json.load(open(os.path.join(folder, "table.json")))}


def ms(folder):
    out = {}
    for f in glob.glob(os.path.join(folder, "*", "report.json")):
        r = json.load(open(f))
        ups = float(r["updatesPerSecond"])
        out[r["method"]] = 1000.0 / ups if ups > 0 else float("nan")
    return out


mm, mf, m4 = (table(sys.argv[i]) for i in (1, 2, 3))
tmm, tm4 = ms(sys.argv[4]), ms(sys.argv[5])
t1, t2 = list(next(iter(mm.values()))["means"].keys())
print(f"| method | MultiMNIST {t1} | MultiMNIST {t2} | MultiMNIST Δm (%) | × fixed | MultiFashion Δm (%) | 4-MNISTs mean accuracy | 4-MNISTs Δm (%) | × fixed |")
print("|---|---|---|---|---|---|---|---|---|")
methods = list(mm.keys()) + [m for m in m4 if m not in mm]


def dm(t, m):
    return f"{t[m]['deltaM']:+.2f} ± {t[m]['deltaMDeviation']:.2f}" if m in t else "—"


def rel(t, m):
    return f"{t[m] / t['fixed']:.2f}" if m in t and "fixed" in t else "—"


for m in methods:
    a = mm.get(m)
    acc1 = f"{a['means'][t1]:.4f}" if a else "—"
    acc2 = f"{a['means'][t2]:.4f}" if a else "—"
    mean4 = f"{statistics.mean(m4[m]['means'].values()):.4f}" if m in m4 else "—"
    print(f"| {m} | {acc1} | {acc2} | {dm(mm, m)} | {rel(tmm, m)} | {dm(mf, m)} | {mean4} | {dm(m4, m)} | {rel(tm4, m)} |")
