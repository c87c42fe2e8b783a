"""Training-dynamics check of the `omniglot-cpu` protocol in plain PyTorch: the same network as bench_omniglot.py
(the preset's 35x35, 16-channel reduction; shared bottom = the mean of all 7 components in every layer, or per-example
noisy top-k gates with --moe), trained on the real drawings with the preset's settings -- Adam 1e-3 for the weights
(the gates too with --moe, unless --gate-lr), L2 3e-4 (lambda/2 sum w^2 over kernels and weight matrices), dropout 0.5,
batch 16, one task per update in shuffled rounds of the 20 alphabets -- so MtlSharp's training curves can be set
beside PyTorch's. It prints the mean training loss every 50 updates and the mean validation accuracy over the 20
alphabets every --eval-every updates.

Data as MtlSharp reads it (OmniglotSource): the first 20 alphabets of the prior work's order, each drawing's 105x105
1-bit PNG decoded here (no numpy or PIL needed), inverted (ink 1), area-averaged to 35x35; per character the 20
drawings are split 10/4/6 into train/validation/test by a shuffle seeded with the alphabet's index in the sorted list
of the 50 names (the procedure of the authors' code; the generator differs from MtlSharp's, so the drawings differ).

Usage: /usr/bin/python3 benchmarks/torch/train_omniglot.py --data ../shared/datasets [--updates 3000] [--seed 0]
       [--threads 1] [--eval-every 500] [--lr 1e-3] [--moe [--gate-lr 1e-3]]
"""
import argparse
import io
import math
import os
import random
import struct
import sys
import zipfile
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_omniglot import components, glorot, STRIDED  # noqa: E402

ORDER = ["Gujarati", "Sylheti", "Arcadian", "Tibetan", "Old_Church_Slavonic_(Cyrillic)", "Angelic",
         "Malay_(Jawi_-_Arabic)", "Sanskrit", "Cyrillic", "Anglo-Saxon_Futhorc", "Syriac_(Estrangelo)", "Ge_ez",
         "Japanese_(katakana)", "Keble", "Manipuri", "Alphabet_of_the_Magi", "Gurmukhi", "Korean", "Early_Aramaic",
         "Atemayar_Qelisayer"]
SIZE, CHANNELS, BATCH = 35, 16, 16


def decode_png_1bit(data):
    """A 105x105 1-bit grayscale, non-interlaced PNG -> list of 0/1 rows (1 = white)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 1 and color == 0 and interlace == 0, "expected a 1-bit grayscale PNG"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 1] if i else 0
            b = prev[i]
            c = prev[i - 1] if i else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([(line[x >> 3] >> (7 - (x & 7))) & 1 for x in range(width)])
        prev = line
    return rows


def load(data_dir):
    """{alphabet: [character][drawing] -> [1, 35, 35] tensor} for the 20 alphabets."""
    per = {a: {} for a in ORDER}
    for name in ("images_background.zip", "images_evaluation.zip"):
        with zipfile.ZipFile(os.path.join(data_dir, "omniglot", name)) as z:
            for entry in sorted(z.namelist()):
                parts = entry.split("/")
                if len(parts) != 4 or not entry.endswith(".png") or parts[1] not in per:
                    continue
                img = torch.tensor(decode_png_1bit(z.read(entry)), dtype=torch.float32)
                ink = 1.0 - img
                small = F.avg_pool2d(ink.view(1, 1, 105, 105), 3).view(1, SIZE, SIZE)
                per[parts[1]].setdefault(parts[2], []).append(small)
    return {a: [per[a][c] for c in sorted(per[a])] for a in ORDER}


def alphabet_ids(data_dir):
    names = set()
    for name in ("images_background.zip", "images_evaluation.zip"):
        with zipfile.ZipFile(os.path.join(data_dir, "omniglot", name)) as z:
            names |= {e.split("/")[1] for e in z.namelist() if e.count("/") >= 2}
    return {a: i for i, a in enumerate(sorted(names))}


def split(chars, seed):
    rng = random.Random(seed)
    out = {"train": ([], []), "valid": ([], [])}
    for label, drawings in enumerate(chars):
        idx = list(range(len(drawings)))
        rng.shuffle(idx)
        for part, take in (("train", idx[:10]), ("valid", idx[10:14])):
            for i in take:
                out[part][0].append(drawings[i])
                out[part][1].append(label)
    return {k: (torch.stack(x), torch.tensor(y)) for k, (x, y) in out.items()}


class Gate(nn.Module):
    """Noisy top-k gate over the layer input's global average (as MtlSharp's NoisyTopKGate)."""

    def __init__(self, width, tasks, comps, k):
        super().__init__()
        self.k = k
        self.weight = nn.Parameter(torch.zeros(comps, width))
        self.noise = nn.Parameter(torch.zeros(comps, width))
        self.task_bias = nn.Parameter(torch.zeros(tasks, comps))

    def forward(self, x, task):
        s = x.mean((2, 3))
        h = s @ self.weight.t() + self.task_bias[task]
        if self.training:
            h = h + torch.randn_like(h) * F.softplus(s @ self.noise.t())
        top = h.topk(self.k, 1).indices
        mask = torch.full_like(h, float("-inf")).scatter(1, top, 0.0)
        return torch.softmax(h + mask, 1)


class Net(nn.Module):
    def __init__(self, classes, moe):
        super().__init__()
        self.stem = nn.Conv2d(1, CHANNELS, 1, bias=False)
        self.stem_norm = nn.GroupNorm(4, CHANNELS)
        self.layers = nn.ModuleList([components(CHANNELS, 2 if i in STRIDED else 1) for i in range(8)])
        self.norms = nn.ModuleList([nn.GroupNorm(4, CHANNELS) for _ in range(8)])
        ks = [7, 6, 6, 5, 4, 3, 3, 2]
        self.gates = nn.ModuleList([Gate(CHANNELS, len(classes), 7, k) for k in ks]) if moe else None
        side = SIZE
        for i in range(8):
            side = -(-side // (2 if i in STRIDED else 1))
        feats = CHANNELS * side * side
        self.heads = nn.ModuleList([nn.Linear(feats, c) for c in classes])
        for h in self.heads:
            h.weight = glorot((h.out_features, feats), feats, h.out_features)
            nn.init.zeros_(h.bias)
        self.drop = nn.Dropout(0.5)
        self.gate_sums = []

    def forward(self, x, task):
        x = F.relu(self.stem_norm(self.stem(x)))
        self.gate_sums = []
        for i, (comps, norm) in enumerate(zip(self.layers, self.norms)):
            outs = torch.stack([c(x) for c in comps], 1)
            if self.gates is None:
                x = outs.mean(1)
            else:
                g = self.gates[i](x, task)
                self.gate_sums.append(g.sum(0))
                x = (outs * g.view(*g.shape, 1, 1, 1)).sum(1)
            x = F.relu(norm(x))
        return self.heads[task](self.drop(x.flatten(1)))

    def l2(self):
        return sum((p * p).sum() for n, p in self.named_parameters() if p.dim() >= 2 and "gates" not in n) * (3e-4 / 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/datasets")
    ap.add_argument("--updates", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--moe", action="store_true")
    ap.add_argument("--gate-lr", type=float)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    ids = alphabet_ids(a.data)
    data = load(a.data)
    splits = [split(data[name], ids[name]) for name in ORDER]
    print("train/valid drawings:", sum(len(s["train"][1]) for s in splits), sum(len(s["valid"][1]) for s in splits), flush=True)
    net = Net([len(data[name]) for name in ORDER], a.moe)
    gate_params = [p for n, p in net.named_parameters() if n.startswith("gates.")]
    others = [p for n, p in net.named_parameters() if not n.startswith("gates.")]
    opts = [torch.optim.Adam(others, a.lr)]
    if gate_params:
        opts.append(torch.optim.Adam(gate_params, a.gate_lr or a.lr))
    order, losses = [], []
    for u in range(1, a.updates + 1):
        if not order:
            order = random.sample(range(len(ORDER)), len(ORDER))
        t = order.pop()
        x, y = splits[t]["train"]
        idx = torch.randint(0, len(y), (BATCH,))
        net.train()
        loss = F.cross_entropy(net(x[idx], t), y[idx])
        total = loss + net.l2()
        if a.moe and u <= a.updates:
            w = 0.1 * max(0.0, 1.0 - u / a.updates)
            for s in net.gate_sums:
                total = total + w * s.var(unbiased=False) / (s.mean() ** 2 + 1e-10)
        for o in opts:
            o.zero_grad(set_to_none=True)
        total.backward()
        for o in opts:
            o.step()
        losses.append(loss.item())
        if u % 50 == 0:
            print(f"{u}/{a.updates} loss {sum(losses) / len(losses):.3f}", flush=True)
            losses = []
        if u % a.eval_every == 0 or u == a.updates:
            net.eval()
            with torch.no_grad():
                acc = [(net(s["valid"][0], t).argmax(1) == s["valid"][1]).float().mean().item() for t, s in enumerate(splits)]
            print(f"update {u}: mean validation accuracy {sum(acc) / len(acc):.4f}", flush=True)


if __name__ == "__main__":
    main()
