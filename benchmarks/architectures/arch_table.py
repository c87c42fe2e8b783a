#!/usr/bin/env python3
"""An architecture table from an `mtl reproduce` folder: per method the per-task test metric (mean ± sd over seeds),
Δm against the baseline (the table's own), the parameter count and the training time per step (mean over seeds of
1000 / the reports' updates per second: sampler, batch and update, evaluation excluded).

    arch_table.py OUT_DIR [--mean-only] [--timing DIR]
      --mean-only   the mean over tasks instead of one column per task
      --timing DIR  ms/step from another `mtl reproduce` folder (a short one-seed run on an idle machine) instead of
                    the sweep's own
"""
import glob
import json
import os
import statistics
import sys

folder = sys.argv[1]
mean_only = "--mean-only" in sys.argv
timing = sys.argv[sys.argv.index("--timing") + 1] if "--timing" in sys.argv else folder
rows = json.load(open(os.path.join(folder, "table.json")))
params, ms = {}, {}
for f in glob.glob(os.path.join(folder, "*", "report.json")):
    r = json.load(open(f))
    params[r["method"]] = int(r["environment"]["parameters"])
for f in glob.glob(os.path.join(timing, "*", "report.json")):
    r = json.load(open(f))
    ups = float(r["updatesPerSecond"])
    ms.setdefault(r["method"], []).append(1000.0 / ups if ups > 0 else float("nan"))
tasks = list(rows[0]["means"].keys())
metric = json.load(open(glob.glob(os.path.join(folder, "*", "report.json"))[0]))["tasks"][0]["metric"]
cols = [f"mean {metric}"] if mean_only else [f"{t} ({metric})" for t in tasks]
print("| method | runs | " + " | ".join(cols) + " | Δm (%) | parameters | ms/step |")
print("|---|---|" + "---|" * len(cols) + "---|---|---|")
for r in rows:
    m = r["method"]
    if mean_only:
        cells = [f"{statistics.mean(r['means'].values()):.4f}"]
    else:
        cells = [f"{r['means'][t]:.4f} ± {r['deviations'][t]:.4f}" for t in tasks]
    print(f"| {m} | {r['runs']} | " + " | ".join(cells) + f" | {(r['deltaM'] if abs(r['deltaM']) >= 5e-3 else 0.0):+.2f} ± {r['deltaMDeviation']:.2f} | {params.get(m, 0):,} | " + (f"{statistics.mean(ms[m]):.3f}" if m in ms else "—") + " |")
