#!/usr/bin/env python3
"""The Gumbel-Matrix allocation stored in a checkpoint, for a run that is still training (its report.json, with the
allocation history, is written only at the end): reads the router logits of CHECKPOINT/model.safetensors (every
tensor named '*.router.logits', shape [tasks, components, 2], P(z = 1) = softmax of the pair, index 0 active), and
prints the update, per routed layer and overall the share of P(z = 1) below 0.05, between, and above 0.95, the mean
P, and the task clusters (tasks whose maximum-likelihood allocations agree in every layer, task indices in model
order; --names a,b,c names them).

    checkpoint_allocation.py RUN/checkpoints/last [--names a,b,...]

Standard library only.
"""
import json
import math
import os
import struct
import sys


def main(argv):
    names = None
    if "--names" in argv:
        i = argv.index("--names")
        names = argv[i + 1].split(",")
        del argv[i:i + 2]
    if len(argv) != 1:
        print(__doc__)
        return 2
    folder = argv[0]
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        blob = f.read()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + size])
    data = blob[8 + size:]
    layers = []
    for key, info in header.items():
        if key == "__metadata__" or not key.endswith(".router.logits"):
            continue
        tasks, comps, two = info["shape"]
        if two != 2 or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        values = struct.unpack(f"<{(end - start) // 4}f", data[start:end])
        probs = [[1 / (1 + math.exp(values[(t * comps + c) * 2 + 1] - values[(t * comps + c) * 2])) for c in range(comps)] for t in range(tasks)]
        layers.append((key, probs))
    if not layers:
        sys.exit(f"{folder}: no router logits (not a learned routing run)")
    step = "?"
    meta = os.path.join(folder, "checkpoint.json")
    if os.path.isfile(meta):
        with open(meta) as f:
            step = json.load(f).get("step", "?")
    print(f"**{folder}**, update {step}\n")
    print("| layer | < 0.05 | between | > 0.95 | mean P |")
    print("|---|---|---|---|---|")
    everything = []
    for key, probs in layers:
        flat = [p for row in probs for p in row]
        everything += flat
        print(f"| {key} | {sum(p < 0.05 for p in flat) / len(flat):.3f} | {sum(0.05 <= p <= 0.95 for p in flat) / len(flat):.3f} | {sum(p > 0.95 for p in flat) / len(flat):.3f} | {sum(flat) / len(flat):.3f} |")
    e = everything
    print(f"| all | {sum(p < 0.05 for p in e) / len(e):.3f} | {sum(0.05 <= p <= 0.95 for p in e) / len(e):.3f} | {sum(p > 0.95 for p in e) / len(e):.3f} | {sum(e) / len(e):.3f} |")
    tasks = len(layers[0][1])
    clusters = {}
    for t in range(tasks):
        key = tuple(tuple(p >= 0.5 for p in probs[t]) for _, probs in layers)
        clusters.setdefault(key, []).append(names[t] if names else str(t))
    print(f"\n{len(clusters)} clusters: " + " ".join("{" + ", ".join(v) + "}" for v in clusters.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
