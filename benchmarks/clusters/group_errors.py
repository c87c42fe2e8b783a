#!/usr/bin/env python3
"""Test error per task group (MNIST leave-one-out, Fashion leave-one-out, Omniglot alphabets) of the runs of an
`mtl reproduce clusters` folder: per method, mean over the group's tasks of 100 - 100 x test accuracy, then mean ± sd
over seeds, and the per-seed values. Standard library only.

    group_errors.py DIR
"""
import json
import os
import statistics
import sys


def group(name):
    if name.startswith("MNIST-"):
        return "MNIST"
    if name.startswith("Fashion-"):
        return "Fashion"
    return "Omniglot"


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    by_method = {}
    for d in sorted(os.listdir(argv[0])):
        path = os.path.join(argv[0], d, "report.json")
        if not os.path.isfile(os.path.join(argv[0], d, "complete.json")) or not os.path.isfile(path):
            continue
        with open(path) as f:
            r = json.load(f)
        errors = {}
        for t in r["tasks"]:
            errors.setdefault(group(t["name"]), []).append(100 - 100 * t["test"])
        by_method.setdefault(r["method"], []).append((r["seed"], {g: statistics.mean(v) for g, v in errors.items()}))
    groups = ["MNIST", "Fashion", "Omniglot"]
    print("| method | seeds | " + " | ".join(f"{g} test error (%)" for g in groups) + " |")
    print("|---|---|" + "---|" * len(groups))
    for method, runs in by_method.items():
        cells = []
        for g in groups:
            v = [e[g] for _, e in runs]
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            cells.append(f"{statistics.mean(v):.2f} ± {sd:.2f} ({' / '.join(f'{x:.2f}' for x in v)})")
        print(f"| {method} | {len(runs)} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
