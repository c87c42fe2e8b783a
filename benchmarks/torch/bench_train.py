"""PyTorch side of the whole-training-step benchmark (key train/*): the same Gumbel-Matrix models as
MtlSharp's presets, written plainly in PyTorch (straight-through Gumbel allocation, mean combination, the
components of a layer batched as in our reference peer), one update = forward + backward + Adam step(s) on
one single-task batch of random inputs, tasks cycled in shuffled rounds.

Usage: /usr/bin/python3 benchmarks/torch/bench_train.py --threads 1,2 [--quick] [--out torch_train.json]
"""
import argparse
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import emit, measure_with_best


class Alloc(nn.Module):
    def __init__(self, T, C):
        super().__init__()
        p = torch.full((T, C), 0.5)
        self.logits = nn.Parameter(torch.stack([p.log(), (1 - p).log()], -1))

    def weights(self, task, tau):
        l = self.logits[task]
        g = -torch.log(-torch.log(torch.rand_like(l) + 1e-20) + 1e-20)
        soft = torch.softmax((l + g) / tau, -1)
        hard = F.one_hot(soft.argmax(-1), 2).to(soft.dtype)
        z = (hard - soft.detach() + soft)[:, 0]
        return z / z.sum().clamp(min=1.0)


def glorot(shape, fi, fo):
    a = math.sqrt(6.0 / (fi + fo))
    return nn.Parameter(torch.empty(shape).uniform_(-a, a))


class SyntheticNet(nn.Module):
    """One routed layer of 4 MLPs 128-16-16-1 (batched with baddbmm), no heads."""

    def __init__(self, T=4, C=4):
        super().__init__()
        self.C, self.alloc = C, Alloc(T, C)
        dims = [128, 16, 16, 1]
        self.W = nn.ParameterList([glorot((C, i, o), i, o) for i, o in zip(dims[:-1], dims[1:])])
        self.b = nn.ParameterList([nn.Parameter(torch.zeros(C, 1, o)) for o in dims[1:]])

    def forward(self, x, task, tau):
        h = x.unsqueeze(0).expand(self.C, -1, -1)
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            h = torch.baddbmm(b, h, W)
            if k < len(self.W) - 1:
                h = F.relu(h)
        return torch.einsum("c,cbo->bo", self.alloc.weights(task, tau), h)


class MnistNet(nn.Module):
    """3 routed conv layers x 4 components (4 filters; 5x5, 3x3, 3x3) as one conv each, avg-pool, heads."""

    def __init__(self, T=4, C=4, f=4):
        super().__init__()
        self.C, self.f = C, f
        self.allocs = nn.ModuleList([Alloc(T, C) for _ in range(3)])
        self.convs = nn.ModuleList([nn.Conv2d(1, C * f, 5), nn.Conv2d(f, C * f, 3), nn.Conv2d(f, C * f, 3)])
        self.head_w = nn.Parameter(torch.randn(T, 36, 10) * 0.1)
        self.head_b = nn.Parameter(torch.zeros(T, 10))
        self.drop = nn.Dropout(0.5)

    def forward(self, x, task, tau):
        for i, (a, conv) in enumerate(zip(self.allocs, self.convs)):
            h = F.relu(conv(x))
            B, _, H, W = h.shape
            x = torch.einsum("c,bcohw->bohw", a.weights(task, tau), h.view(B, self.C, self.f, H, W))
            if i < 2:
                x = F.avg_pool2d(x, 2)
        x = self.drop(x.flatten(1))
        return x @ self.head_w[task] + self.head_b[task]


def bench(key, net, xshape, batch, classify, clip, quick):
    T = 4
    n = 512
    xs = torch.randn(n, *xshape)
    ys = torch.randint(0, 10, (n,)) if classify else torch.randn(n, 1)
    logits = [p for name, p in net.named_parameters() if "logits" in name]
    others = [p for name, p in net.named_parameters() if "logits" not in name]
    opt, opt_r = torch.optim.Adam(others, 1e-3), torch.optim.Adam(logits, 1e-3)
    state = {"order": [], "u": 0}

    def update():
        if not state["order"]:
            state["order"] = random.sample(range(T), T)
        t = state["order"].pop()
        idx = torch.randint(0, n, (batch,))
        out = net(xs[idx], t, 1.0)
        loss = F.cross_entropy(out, ys[idx]) if classify else F.mse_loss(out, ys[idx])
        opt.zero_grad(set_to_none=True)
        opt_r.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        opt_r.step()

    w = (0.2, 0.2, 3) if quick else (0.5, 0.5, 5)
    return measure_with_best(update, *w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    results = []
    for th in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(th)
        for key, net, shape, batch, cls, clip in [
            ("train/synthetic-gumbel", SyntheticNet(), (128,), 64, False, 1.0),
            ("train/mnist4", MnistNet(), (1, 28, 28), 16, True, 0.0),
        ]:
            sec, best = bench(key, net, shape, batch, cls, clip, a.quick)
            results.append({"key": key, "threads": th, "seconds": sec, "best_seconds": best})
    emit(results, a.out)


if __name__ == "__main__":
    main()
