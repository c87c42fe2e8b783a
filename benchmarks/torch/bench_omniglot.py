"""PyTorch side of the Omniglot training-update benchmark (cases omniglot-cpu and omniglot): the network of the
`omniglot-cpu` (35x35, 16 channels) and `omniglot` (105x105, 48 channels) presets (spec A10(e)), written plainly in
PyTorch: a shared 1x1 conv + GroupNorm(4) + ReLU, 8 routed layers of 7 components (conv 3x3->3x3, 5x5->5x5, 7x7->7x7,
1x7->7x1, each conv followed by GroupNorm(4) + ReLU and without bias; max-pool 3x3; avg-pool 3x3 over the real cells;
identity, a strided 1x1 conv where the layer strides), TF-style 'same' padding (the smaller half before), stride 2 on
the last op in layers 0, 1, 3, 4, 6, a shared GroupNorm(4) + ReLU after every routed layer, straight-through Gumbel
allocation per task and layer with mean combination (every component computed while the router trains; shared bottom:
every component, weights 1/7), flatten -> dropout 0.5 -> a linear head per task (40 classes), cross-entropy + L2 3e-4
(lambda/2 sum w^2 over kernels and head weights), Adam 1e-4 for the weights and 2e-3 for the router. One update = one
task's batch of 16 random images (tasks cycled in shuffled rounds of 20), forward + backward + the Adam steps, as the
MtlSharp case (benchmarks/MtlSharp.Benchmarks/Cases/OmniglotCase.cs) times it.

Usage: /usr/bin/python3 benchmarks/torch/bench_omniglot.py --preset omniglot-cpu|omniglot --threads 1,2 [--quick] [--out F]
"""
import argparse
import math
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import emit, measure

TASKS, CLASSES, BATCH = 20, 40, 16
STRIDED = {0, 1, 3, 4, 6}


def same_pads(size, k, s):
    """(before, after) of TF 'same' padding: output ceil(size/s), the smaller half before."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def pad2d(x, kh, kw, s, value=0.0):
    t, b = same_pads(x.shape[2], kh, s)
    l, r = same_pads(x.shape[3], kw, s)
    return F.pad(x, (l, r, t, b), value=value)


def glorot(shape, fan_in, fan_out):
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.Parameter(torch.empty(shape).uniform_(-a, a))


class ConvGn(nn.Module):
    def __init__(self, c, kh, kw, stride):
        super().__init__()
        self.kh, self.kw, self.stride = kh, kw, stride
        self.weight = glorot((c, c, kh, kw), c * kh * kw, c * kh * kw)
        self.norm = nn.GroupNorm(4, c)

    def forward(self, x):
        return F.relu(self.norm(F.conv2d(pad2d(x, self.kh, self.kw, self.stride), self.weight, stride=self.stride)))


class Component(nn.Module):
    def __init__(self, kind, c, stride):
        super().__init__()
        self.kind, self.stride = kind, stride
        self.ops = nn.ModuleList()
        self.proj = None

    @staticmethod
    def conv(c, kernels, stride):
        m = Component("conv", c, stride)
        m.ops = nn.ModuleList([ConvGn(c, kh, kw, stride if i == len(kernels) - 1 else 1) for i, (kh, kw) in enumerate(kernels)])
        return m

    def forward(self, x):
        s = self.stride
        if self.kind == "conv":
            for op in self.ops:
                x = op(x)
            return x
        if self.kind == "max":
            return F.max_pool2d(pad2d(x, 3, 3, s, float("-inf")), 3, s)
        if self.kind == "avg":
            ones = torch.ones_like(x[:1, :1])
            return F.avg_pool2d(pad2d(x, 3, 3, s), 3, s, divisor_override=1) / F.avg_pool2d(pad2d(ones, 3, 3, s), 3, s, divisor_override=1)
        return x if self.proj is None else self.proj(x)


def components(c, stride):
    comps = [Component.conv(c, k, stride) for k in ([(3, 3), (3, 3)], [(5, 5), (5, 5)], [(7, 7), (7, 7)], [(1, 7), (7, 1)])]
    comps += [Component("max", c, stride), Component("avg", c, stride)]
    ident = Component("identity", c, stride)
    if stride > 1:
        ident.proj = nn.Conv2d(c, c, 1, stride=stride)
    comps.append(ident)
    return nn.ModuleList(comps)


class OmniglotNet(nn.Module):
    def __init__(self, size, c, gumbel):
        super().__init__()
        self.gumbel = gumbel
        self.stem = nn.Conv2d(1, c, 1, bias=False)
        self.stem_norm = nn.GroupNorm(4, c)
        self.layers = nn.ModuleList([components(c, 2 if i in STRIDED else 1) for i in range(8)])
        self.norms = nn.ModuleList([nn.GroupNorm(4, c) for _ in range(8)])
        p = torch.full((8, TASKS, 7), 0.97)
        self.logits = nn.Parameter(torch.stack([p.log(), (1 - p).log()], -1))
        side = size
        for i in range(8):
            side = -(-side // (2 if i in STRIDED else 1))
        feats = c * side * side
        self.head_w = glorot((TASKS, feats, CLASSES), feats, CLASSES)
        self.head_b = nn.Parameter(torch.zeros(TASKS, CLASSES))
        self.drop = nn.Dropout(0.5)

    def weights(self, layer, task, tau=1.0):
        if not self.gumbel:
            return torch.full((7,), 1.0 / 7)
        l = self.logits[layer, task]
        g = -torch.log(-torch.log(torch.rand_like(l) + 1e-20) + 1e-20)
        soft = torch.softmax((l + g) / tau, -1)
        hard = F.one_hot(soft.argmax(-1), 2).to(soft.dtype)
        z = (hard - soft.detach() + soft)[:, 0]
        return z / z.sum().clamp(min=1.0)

    def forward(self, x, task):
        x = F.relu(self.stem_norm(self.stem(x)))
        for i, (comps, norm) in enumerate(zip(self.layers, self.norms)):
            w = self.weights(i, task)
            x = sum(w[k] * comp(x) for k, comp in enumerate(comps))
            x = F.relu(norm(x))
        x = self.drop(x.flatten(1))
        return x @ self.head_w[task] + self.head_b[task]

    def l2(self):
        return sum((p * p).sum() for n, p in self.named_parameters() if p.dim() >= 2 and "logits" not in n) * (3e-4 / 2)


def bench(size, c, gumbel, full, quick):
    net = OmniglotNet(size, c, gumbel)
    print(f"parameters: {sum(p.numel() for p in net.parameters()):,}", flush=True)
    n = 64
    xs = torch.rand(n, 1, size, size)
    ys = torch.arange(n) % CLASSES
    others = [p for name, p in net.named_parameters() if name != "logits"]
    opt, opt_r = torch.optim.Adam(others, 1e-4), torch.optim.Adam([net.logits], 2e-3)
    state = {"order": []}

    def update():
        if not state["order"]:
            state["order"] = random.sample(range(TASKS), TASKS)
        t = state["order"].pop()
        idx = torch.randint(0, n, (BATCH,))
        loss = F.cross_entropy(net(xs[idx], t), ys[idx]) + net.l2()
        opt.zero_grad(set_to_none=True)
        opt_r.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if gumbel:
            opt_r.step()

    if full:
        # As the MtlSharp case: 2 updates of warm-up, then the mean of 8.
        for _ in range(2):
            update()
        t0 = time.perf_counter()
        for _ in range(8):
            update()
        return (time.perf_counter() - t0) / 8
    w = (0.5, 0.5, 3) if quick else (2.0, 2.0, 5)
    return measure(update, *w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="omniglot-cpu", choices=["omniglot-cpu", "omniglot"])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    full = a.preset == "omniglot"
    size, c = (105, 48) if full else (35, 16)
    results = []
    for th in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(th)
        for method in (["gumbel"] if full else ["gumbel", "shared-bottom"]):
            key = f"omniglot/{'full' if full else 'cpu'}/{method}"
            results.append({"key": key, "threads": th, "seconds": bench(size, c, method == "gumbel", full, a.quick)})
    emit(results, a.out)


if __name__ == "__main__":
    main()
