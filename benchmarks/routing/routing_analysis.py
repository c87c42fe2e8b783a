#!/usr/bin/env python3
"""What a Gumbel-Matrix router learned, from the report.json files of an `mtl reproduce` folder (or of run folders):
the Gumbel-Matrix paper's Sec. V-B analysis (Fig. 8 and the task-similarity heatmap) for any routed preset.

    routing_analysis.py DIR [DIR ...] [--method gumbel] [--task NAME] [--components a,b,c] [--svg PREFIX]
                        [--groups "images=digit,digit-rot;text=UPOS,genre"]

Prints markdown to stdout:
  - per method: mean validation and test error (100 - 100 x accuracy, mean over tasks; mean ± sd over seeds) and
    the fraction of active connections;
  - how the allocation probabilities P(z = 1) ended: the share of them below 0.05 or above 0.95 (converged to 0 or
    1), per seed;
  - per routed layer and component, the share of tasks (over all seeds) whose final allocation drops it, and per
    component kind over all layers (--components names the components of a layer in order; default c0, c1, ...);
  - the task clusters (identical binary rows) of every seed;
  - with --groups (named groups of tasks, e.g. by input modality): for every pair of tasks, the share of their
    connections in common (Jaccard index of the final binary allocations: |a and b| / |a or b|) and the cosine of
    their centred final probabilities, mean over seeds, averaged over the pairs within each group and over the pairs
    across groups (with three or more groups, also per pair of groups) — does the router put the tasks of one group
    together, and which groups are closer to each other?
With --svg PREFIX it also writes
  PREFIX-history.svg     the allocation probabilities of one task (--task, default the first) over training, one
                         panel per routed layer, one line per component (the paper's Fig. 8);
  PREFIX-similarity.svg  the task x task similarity, mean over seeds: the cosine of the tasks' binary allocation
                         embeddings (the paper's, the report's taskSimilarity) in the lower-left triangle and the
                         cosine of the centred final probability vectors (each component's mean over tasks
                         subtracted, so that structure shows even where every task keeps every connection) in the
                         upper-right;
  PREFIX-allocation.svg  the final allocation probabilities of every seed, tasks x (layer, component), grey = P.
Only the standard library is used (no numpy/matplotlib on the benchmark hosts).
"""
import glob
import html
import json
import math
import os
import statistics
import sys


def arg(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def ms(xs, digits=2):
    if not xs:
        return "–"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.{digits}f} ± {sd:.{digits}f}"


def load(dirs):
    reports = []
    for d in dirs:
        files = [os.path.join(d, "report.json")] if os.path.exists(os.path.join(d, "report.json")) else sorted(glob.glob(os.path.join(d, "*", "report.json")))
        for f in files:
            reports.append(json.load(open(f)))
    return reports


def cosine(a, b):
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return sum(x * y for x, y in zip(a, b)) / (na * nb) if na > 0 and nb > 0 else 0.0


def flat_probabilities(report):
    """[task] -> the final probabilities of every layer's components, concatenated."""
    layers = report["allocationProbabilities"]
    return [[p for layer in layers for p in layer[t]] for t in range(len(layers[0]))]


def flat_binary(report):
    layers = report["allocation"]
    return [[v for layer in layers for v in layer[t]] for t in range(len(layers[0]))]


def pair_matrices(routed, T):
    """Task x task matrices, mean over the seeds: cosine of the binary allocations, their Jaccard index, and the cosine
    of the centred final probabilities (each component's mean over tasks subtracted)."""
    binary = [[0.0] * T for _ in range(T)]
    jaccard = [[0.0] * T for _ in range(T)]
    centred_cos = [[0.0] * T for _ in range(T)]
    for r in routed:
        b = flat_binary(r)
        p = flat_probabilities(r)
        mean = [statistics.mean(p[t][k] for t in range(T)) for k in range(len(p[0]))]
        centred = [[p[t][k] - mean[k] for k in range(len(mean))] for t in range(T)]
        for i in range(T):
            for j in range(T):
                union = sum(1 for x, y in zip(b[i], b[j]) if x or y)
                binary[i][j] += cosine(b[i], b[j]) / len(routed)
                jaccard[i][j] += (sum(1 for x, y in zip(b[i], b[j]) if x and y) / union if union else 1.0) / len(routed)
                centred_cos[i][j] += cosine(centred[i], centred[j]) / len(routed)
    return binary, jaccard, centred_cos


def colour(v, lo=-1.0, hi=1.0):
    """Blue (lo) - white - red (hi)."""
    x = max(-1.0, min(1.0, (2 * (v - lo) / (hi - lo)) - 1))
    if x >= 0:
        r, g, b = 255, int(255 * (1 - x)), int(255 * (1 - x))
    else:
        r, g, b = int(255 * (1 + x)), int(255 * (1 + x)), 255
    return f"rgb({r},{g},{b})"


def svg_similarity(path, names, lower, upper, title):
    n = len(names)
    cell = 18 if n <= 24 else 12
    left, top = 190, 60
    w, h = max(left + n * cell + 30, left + 600), top + n * cell + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="10">',
           f'<text x="{left}" y="16" font-size="12">{html.escape(title)}</text>',
           f'<text x="{left}" y="32">lower-left: cosine of binary embeddings; upper-right: cosine of centred probabilities; blue -1, white 0, red +1</text>']
    for i in range(n):
        out.append(f'<text x="{left - 4}" y="{top + i * cell + cell * 0.7}" text-anchor="end">{html.escape(names[i])}</text>')
        out.append(f'<text transform="translate({left + i * cell + cell * 0.7},{top - 4}) rotate(-60)">{i + 1}</text>')
        for j in range(n):
            v = lower[i][j] if j <= i else upper[i][j]
            out.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell}" height="{cell}" fill="{colour(v)}"><title>{html.escape(names[i])} / {html.escape(names[j])}: {v:.3f}</title></rect>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left + n * cell}" y2="{top + n * cell}" stroke="black" stroke-width="0.5"/>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
           "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]


def svg_history(path, report, task, components):
    names = [t["name"] for t in report["tasks"]]
    ti = names.index(task)
    hist = report["allocationHistory"]
    cols = 4 if len(hist) > 4 else len(hist)
    rows = (len(hist) + cols - 1) // cols
    pw, ph, pad = 220, 140, 40
    w, h = max(cols * (pw + pad) + pad, 760), rows * (ph + pad) + 70 + 16 * ((len(components) + 3) // 4)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="10">',
           f'<text x="{pad}" y="16" font-size="12">{html.escape(report["preset"])} / {html.escape(report["method"])} seed {report["seed"]}: '
           f'P(z = 1) of {html.escape(task)} over training, one panel per routed layer</text>']
    for k, layer in enumerate(hist):
        x0 = pad + (k % cols) * (pw + pad)
        y0 = 40 + (k // cols) * (ph + pad)
        steps = layer["steps"]
        smax = max(steps[-1], 1)
        out.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{x0}" y="{y0 - 4}">layer {layer["layer"]}</text>')
        out.append(f'<text x="{x0 - 4}" y="{y0 + 8}" text-anchor="end">1</text><text x="{x0 - 4}" y="{y0 + ph}" text-anchor="end">0</text>')
        out.append(f'<text x="{x0 + pw}" y="{y0 + ph + 12}" text-anchor="end">{smax} updates</text>')
        for c in range(len(layer["probabilities"][0][ti])):
            pts = " ".join(f"{x0 + pw * s / smax:.1f},{y0 + ph * (1 - p[ti][c]):.1f}" for s, p in zip(steps, layer["probabilities"]))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{PALETTE[c % len(PALETTE)]}" stroke-width="1.2"/>')
    ly = 40 + rows * (ph + pad)
    for c, name in enumerate(components):
        x = pad + (c % 4) * 150
        y = ly + 16 * (c // 4)
        out.append(f'<line x1="{x}" y1="{y - 3}" x2="{x + 20}" y2="{y - 3}" stroke="{PALETTE[c % len(PALETTE)]}" stroke-width="2"/><text x="{x + 24}" y="{y}">{html.escape(name)}</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


def svg_allocation(path, reports, components):
    names = [t["name"] for t in reports[0]["tasks"]]
    layers = len(reports[0]["allocationProbabilities"])
    comps = len(reports[0]["allocationProbabilities"][0][0])
    cell, gap, left = (24 if layers * comps <= 8 else 10), 6, 190
    block = layers * (comps * cell + gap)
    w = max(left + len(reports) * (block + 30), 900)
    h = 60 + len(names) * cell + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="10">',
           f'<text x="{left}" y="16" font-size="12">final P(z = 1) per seed: rows tasks, columns layers x components ({html.escape(", ".join(components))}); black = 1, white = 0</text>']
    for i, n in enumerate(names):
        out.append(f'<text x="{left - 4}" y="{50 + i * cell + cell * 0.7:.1f}" text-anchor="end">{html.escape(n)}</text>')
    for s, r in enumerate(reports):
        x0 = left + s * (block + 30)
        out.append(f'<text x="{x0}" y="38">seed {r["seed"]}</text>')
        for l, layer in enumerate(r["allocationProbabilities"]):
            for t, row in enumerate(layer):
                for c, p in enumerate(row):
                    g = int(255 * (1 - p))
                    out.append(f'<rect x="{x0 + l * (comps * cell + gap) + c * cell}" y="{50 + t * cell}" width="{cell}" height="{cell}" fill="rgb({g},{g},{g})" stroke="#ddd" stroke-width="0.3"><title>{html.escape(names[t])} layer {l} {html.escape(components[c])}: {p:.3f}</title></rect>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


def main():
    dirs = [a for i, a in enumerate(sys.argv[1:], 1) if not a.startswith("--") and not sys.argv[i - 1].startswith("--")]
    if not dirs:
        print(__doc__)
        sys.exit(2)
    reports = load(dirs)
    if not reports:
        sys.exit(f"no report.json under {', '.join(dirs)}")
    method = arg("--method", "gumbel")

    print("| method | runs | validation error (%) | test error (%) | active connections |")
    print("|---|---|---|---|---|")
    by_method = {}
    for r in reports:
        by_method.setdefault(r["method"], []).append(r)
    for m, rs in sorted(by_method.items()):
        valid = [100 - 100 * statistics.mean(t["valid"] for t in r["tasks"]) for r in rs if all(t.get("valid") is not None for t in r["tasks"])]
        test = [100 - 100 * statistics.mean(t["test"] for t in r["tasks"]) for r in rs]
        # Runs without task allocations (per-example moe routing) have no active fraction; reports written before
        # MtlSharp said so with null carry 0 there.
        active = [r["activeFraction"] for r in rs if r.get("activeFraction") is not None and r.get("allocation")]
        print(f"| {m} | {len(rs)} | {ms(valid)} | {ms(test)} | {ms(active, 3) if active else '–'} |")

    routed = sorted([r for r in reports if r["method"] == method and r.get("allocationProbabilities")], key=lambda r: r["seed"])
    if not routed:
        print(f"\nNo {method} run with allocation probabilities.")
        return
    comps = len(routed[0]["allocationProbabilities"][0][0])
    components = arg("--components", ",".join(f"c{i}" for i in range(comps))).split(",")
    if len(components) != comps:
        sys.exit(f"--components names {len(components)} components, the layers have {comps}")
    names = [t["name"] for t in routed[0]["tasks"]]

    print(f"\n**Convergence of P(z = 1)** ({method}; share of the final probabilities below 0.05 / above 0.95 / between):\n")
    print("| seed | updates | < 0.05 | > 0.95 | between | active |")
    print("|---|---|---|---|---|---|")
    for r in routed:
        ps = [p for layer in r["allocationProbabilities"] for row in layer for p in row]
        lo = sum(p < 0.05 for p in ps) / len(ps)
        hi = sum(p > 0.95 for p in ps) / len(ps)
        print(f"| {r['seed']} | {r.get('updates', '')} | {lo:.3f} | {hi:.3f} | {1 - lo - hi:.3f} | {r.get('activeFraction', float('nan')):.3f} |")

    layers = len(routed[0]["allocation"])
    print(f"\n**Dropped components** (share of task allocations, over {len(routed)} seeds × {len(names)} tasks, that end without the component):\n")
    print("| layer | " + " | ".join(components) + " |")
    print("|---|" + "---|" * comps)
    kind_total = [0] * comps
    for l in range(layers):
        dropped = [0] * comps
        for r in routed:
            for row in r["allocation"][l]:
                for c, v in enumerate(row):
                    dropped[c] += 1 - v
        kind_total = [a + b for a, b in zip(kind_total, dropped)]
        n = len(routed) * len(names)
        print(f"| {l} | " + " | ".join(f"{d / n:.2f}" for d in dropped) + " |")
    n = len(routed) * len(names) * layers
    print("| all | " + " | ".join(f"{d / n:.2f}" for d in kind_total) + " |")

    print("\n**Clusters** (tasks with identical binary allocations over all layers):\n")
    for r in routed:
        groups = ["{" + ", ".join(g) + "}" for g in r.get("clusters") or []]
        print(f"- seed {r['seed']}: {len(groups)} clusters: " + " ".join(groups))

    groups_arg = arg("--groups")
    if groups_arg:
        group_of = {}
        for part in groups_arg.split(";"):
            gname, members = part.split("=")
            for m in members.split(","):
                if m not in names:
                    sys.exit(f"--groups: no task {m}; the tasks are {', '.join(names)}")
                group_of[m] = gname
        T = len(names)
        _, jac, cen = pair_matrices(routed, T)
        print("\n**Within and across groups** (pairs of tasks; Jaccard of the binary allocations, cosine of the centred probabilities; mean over seeds):\n")
        print("| pairs | n | Jaccard | centred cosine |")
        print("|---|---|---|---|")
        rows = {}
        for i in range(T):
            for j in range(i + 1, T):
                if names[i] in group_of and names[j] in group_of:
                    gi, gj = group_of[names[i]], group_of[names[j]]
                    key = f"within {gi}" if gi == gj else "across groups"
                    rows.setdefault(key, []).append((jac[i][j], cen[i][j]))
                    if gi != gj and len(set(group_of.values())) > 2:
                        a, b = sorted((gi, gj))
                        rows.setdefault(f"across {a} – {b}", []).append((jac[i][j], cen[i][j]))
        for key in sorted(rows, key=lambda k: (k.startswith("across"), k != "across groups", k)):
            v = rows[key]
            print(f"| {key} | {len(v)} | {statistics.mean(a for a, _ in v):.3f} | {statistics.mean(c for _, c in v):+.3f} |")
        print("\nPer pair (Jaccard / centred cosine):\n")
        shown = [i for i in range(T) if names[i] in group_of]
        print("| | " + " | ".join(names[i] for i in shown) + " |")
        print("|---|" + "---|" * len(shown))
        for i in shown:
            print(f"| {names[i]} | " + " | ".join("–" if i == j else f"{jac[i][j]:.2f} / {cen[i][j]:+.2f}" for j in shown) + " |")

    prefix = arg("--svg")
    if prefix:
        task = arg("--task", names[0])
        if task not in names:
            sys.exit(f"--task {task}: no such task; the tasks are {', '.join(names)}")
        svg_history(prefix + "-history.svg", routed[0], task, components)
        lower, _, upper = pair_matrices(routed, len(names))
        svg_similarity(prefix + "-similarity.svg", names, lower, upper, f"{routed[0]['preset']} / {method}: task similarity, mean over {len(routed)} seeds")
        svg_allocation(prefix + "-allocation.svg", routed, components)
        print(f"\nWrote {prefix}-history.svg ({task}, seed {routed[0]['seed']}), {prefix}-similarity.svg, {prefix}-allocation.svg.")


main()
