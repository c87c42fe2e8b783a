#!/usr/bin/env python3
"""Mean validation accuracy over the tasks at chosen updates, per run and per method, from `mtl reproduce` members.

  curves.py RUN_DIR [RUN_DIR ...] [--at 1000,2000,...] [--markdown]

Reads each member's report.json (metricCurves: the "(valid)" curve of every task); a RUN_DIR may also be a single
`mtl train` output folder. Prints one row per run (name-sN) and, where a method has several seeds, their mean.
The stash (benchmarks/strategies/stash.py) drops the curves, so this reads the runs themselves.
"""
import json
import os
import sys


def runs(paths):
    for p in paths:
        if os.path.exists(os.path.join(p, "report.json")):
            yield os.path.basename(os.path.normpath(p)), p
            continue
        for name in sorted(os.listdir(p)):
            d = os.path.join(p, name)
            if os.path.exists(os.path.join(d, "report.json")):
                yield name, d


def mean_valid(report):
    curves = [c for c in report.get("metricCurves", []) if c["name"].endswith("(valid)")]
    if not curves:
        return {}
    out = {}
    for i, x in enumerate(curves[0]["x"]):
        out[x] = sum(c["y"][i] for c in curves) / len(curves)
    return out


def main():
    args = sys.argv[1:]
    at = [1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000]
    markdown = "--markdown" in args
    if "--at" in args:
        i = args.index("--at")
        at = [int(v) for v in args[i + 1].split(",")]
        del args[i:i + 2]
    args = [a for a in args if a != "--markdown"]
    if not args:
        print(__doc__)
        return 2
    rows, by_method = [], {}
    for name, d in runs(args):
        with open(os.path.join(d, "report.json")) as f:
            v = mean_valid(json.load(f))
        if not v:
            continue
        rows.append((name, v))
        method = name.rsplit("-s", 1)[0] if "-s" in name else name
        by_method.setdefault(method, []).append(v)
    for method, vs in sorted(by_method.items()):
        if len(vs) > 1:
            mean = {x: sum(v[x] for v in vs) / len(vs) for x in at if all(x in v for v in vs)}
            rows.append((f"{method} (mean of {len(vs)})", mean))
    sep = " | " if markdown else "  "
    head = ["run"] + [f"{x // 1000}k" if x % 1000 == 0 else str(x) for x in at]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print(sep.join(f"{h:>7}" if i else f"{h:32}" for i, h in enumerate(head)))
    for name, v in rows:
        cells = [f"{v[x]:.3f}" if x in v else "" for x in at]
        if markdown:
            print("| " + " | ".join([name] + cells) + " |")
        else:
            print(sep.join([f"{name:32}"] + [f"{c:>7}" for c in cells]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
