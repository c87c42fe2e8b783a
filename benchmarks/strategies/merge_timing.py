#!/usr/bin/env python3
"""Joins a sweep's table (accuracy, Δm over seeds) with a separate timing run's ms/step (one seed, short schedule,
measured on a quiet machine) and prints a markdown table with the time per step relative to a reference method.

    merge_timing.py SWEEP_DIR TIMING_DIR [REFERENCE]     # REFERENCE defaults to "fixed" (equal weights)

Both directories are `mtl reproduce --out` folders (table.json, and per run METHOD-sSEED/report.json). The sweep's
own ms/step is left out: sweeps run beside other work, so their step times are load, not the method.
"""
import glob
import json
import os
import sys


def main():
    sweep, timing = sys.argv[1], sys.argv[2]
    ref = sys.argv[3] if len(sys.argv) > 3 else "fixed"
    table = json.load(open(os.path.join(sweep, "table.json")))
    ms = {}
    for f in glob.glob(os.path.join(timing, "*", "report.json")):
        r = json.load(open(f))
        ups = float(r["updatesPerSecond"])
        ms[r["method"]] = 1000.0 / ups if ups > 0 else float("nan")
    tasks = list(table[0]["means"].keys())
    head = "| method | runs | " + " | ".join(f"{t} (accuracy ↑)" for t in tasks) + " | Δm (%) | ms/step | × " + ref + " |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for row in table:
        m = row["method"]
        cells = [f"{row['means'][t]:.4f} ± {row['deviations'][t]:.4f}" for t in tasks]
        t = ms.get(m)
        rel = t / ms[ref] if t is not None and ref in ms else None
        print(f"| {m} | {row['runs']} | " + " | ".join(cells) + f" | {row['deltaM']:+.2f} ± {row['deltaMDeviation']:.2f} | "
              + (f"{t:.1f}" if t is not None else "—") + " | " + (f"{rel:.2f}" if rel is not None else "—") + " |")


if __name__ == "__main__":
    main()
