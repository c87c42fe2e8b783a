#!/usr/bin/env python3
"""How far the Gumbel-Matrix allocation probabilities have converged during training, from run folders' report.json
(their allocationHistory): at about a dozen points of training, the share of P(z = 1) between 0.05 and 0.95 (not yet
decided), the share above 0.95, the mean P, and the number of task clusters (tasks whose maximum-likelihood binary
allocations agree in every layer), per run.

    convergence.py DIR [DIR ...] [--points 12]

DIR is a run folder or a folder of run folders (e.g. runs/reproduce-clusters); runs without an allocation history
(shared bottom) are skipped. Standard library only.
"""
import json
import os
import sys


def runs(paths):
    for p in paths:
        if os.path.isfile(os.path.join(p, "report.json")):
            yield p
        elif os.path.isdir(p):
            for d in sorted(os.listdir(p)):
                if os.path.isfile(os.path.join(p, d, "report.json")):
                    yield os.path.join(p, d)


def main(argv):
    points = 12
    if "--points" in argv:
        i = argv.index("--points")
        points = int(argv[i + 1])
        del argv[i:i + 2]
    if not argv:
        print(__doc__)
        return 2
    for run in runs(argv):
        with open(os.path.join(run, "report.json")) as f:
            report = json.load(f)
        history = report.get("allocationHistory") or []
        if not history or all(all(p == layer["probabilities"][0] for p in layer["probabilities"]) for layer in history):
            continue  # no learned allocation (shared bottom, a fixed router)
        steps = history[0]["steps"]
        print(f"**{os.path.basename(run)}** ({report.get('method')}, seed {report.get('seed')}, {len(steps)} snapshots)")
        print()
        print("| update | undecided (0.05–0.95) | > 0.95 | mean P | clusters |")
        print("|---|---|---|---|---|")
        picks = sorted({round(k * (len(steps) - 1) / points) for k in range(points + 1)})
        for i in picks:
            values = [p for layer in history for row in layer["probabilities"][i] for p in row]
            undecided = sum(1 for p in values if 0.05 <= p <= 0.95) / len(values)
            high = sum(1 for p in values if p > 0.95) / len(values)
            tasks = len(history[0]["probabilities"][i])
            keys = {tuple(tuple(int(p > 0.5) for p in layer["probabilities"][i][t]) for layer in history) for t in range(tasks)}
            print(f"| {steps[i]} | {undecided:.3f} | {high:.3f} | {sum(values) / len(values):.3f} | {len(keys)} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
