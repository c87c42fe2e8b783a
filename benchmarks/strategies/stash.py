#!/usr/bin/env python3
"""Keeps a long `mtl reproduce` sweep's finished runs across sessions that do not keep their files.

  stash.py pack OUT_DIR FILE [--history N]
                                  # every finished member of OUT_DIR (has complete.json) -> FILE (one JSON, a few KB
                                  # per run: report.json without its loss curves and allocation history, complete.json)
  stash.py unpack FILE OUT_DIR    # recreates those members (report.json, complete.json) so that `mtl reproduce ...
                                  # --out OUT_DIR` skips them and `--table-only` tabulates them

--history N keeps each report's allocation history (routed runs), thinned to at most N snapshots per layer (the
first and last always kept), for the allocation-over-training pictures of benchmarks/routing/routing_analysis.py.
The tables read only what is kept (per-task metrics, updates/s, the configuration); the curves stay out of the repo.
"""
import json
import os
import sys

DROP = ("lossCurves", "allocationHistory", "metricCurves", "gradientCurves")


def thin(history, n):
    out = []
    for layer in history:
        steps = layer["steps"]
        if all(p == layer["probabilities"][0] for p in layer["probabilities"]):
            # a fixed allocation (shared bottom, no sharing): its first snapshot says everything
            out.append({**layer, "steps": steps[:1], "probabilities": layer["probabilities"][:1]})
            continue
        if len(steps) <= n:
            out.append(layer)
            continue
        keep = sorted({round(i * (len(steps) - 1) / (n - 1)) for i in range(n)})
        out.append({**layer, "steps": [steps[i] for i in keep],
                    "probabilities": [[[round(p, 4) for p in row] for row in layer["probabilities"][i]] for i in keep]})
    return out


def pack(out_dir, file, history=0):
    members = {}
    for name in sorted(os.listdir(out_dir)):
        d = os.path.join(out_dir, name)
        if not os.path.isfile(os.path.join(d, "complete.json")):
            continue
        with open(os.path.join(d, "report.json")) as f:
            report = json.load(f)
        for k in DROP:
            if k in report:
                report[k] = thin(report[k], history) if k == "allocationHistory" and history > 1 else []
        with open(os.path.join(d, "complete.json")) as f:
            complete = json.load(f)
        members[name] = {"report": report, "complete": complete}
    with open(file, "w") as f:
        json.dump({"members": members}, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"packed {len(members)} finished runs of {out_dir} into {file}")


def unpack(file, out_dir):
    with open(file) as f:
        members = json.load(f)["members"]
    for name, m in members.items():
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        if os.path.exists(os.path.join(d, "complete.json")):
            continue
        with open(os.path.join(d, "report.json"), "w") as f:
            json.dump(m["report"], f, indent=2)
        with open(os.path.join(d, "complete.json"), "w") as f:
            json.dump(m["complete"], f)
    print(f"unpacked {len(members)} finished runs into {out_dir}")


if __name__ == "__main__":
    args = sys.argv[1:]
    history = 0
    if "--history" in args:
        i = args.index("--history")
        history = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3 or args[0] not in ("pack", "unpack"):
        sys.exit(__doc__)
    if args[0] == "pack":
        pack(args[1], args[2], history)
    else:
        unpack(args[1], args[2])
