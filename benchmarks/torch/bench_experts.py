"""PyTorch side of the expert-mixture training-step benchmark (key experts/mmoe-income): the income preset's MMoE
(67 inputs, 4 experts 67-32-16 with ReLU batched with baddbmm, a softmax gate per task, linear towers 16-2), one
update = forward of both tasks on the same 64 rows + sum of the cross-entropies + backward + Adam step.

Usage: /usr/bin/python3 benchmarks/torch/bench_experts.py --threads 1,2 [--quick] [--out torch_experts.json]
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import emit, measure


def glorot(shape, fi, fo):
    a = math.sqrt(6.0 / (fi + fo))
    return nn.Parameter(torch.empty(shape).uniform_(-a, a))


class Mmoe(nn.Module):
    def __init__(self, inputs=67, experts=4, sizes=(32, 16), tasks=2, classes=2):
        super().__init__()
        dims = [inputs, *sizes]
        self.E = experts
        self.W = nn.ParameterList([glorot((experts, i, o), i, o) for i, o in zip(dims[:-1], dims[1:])])
        self.b = nn.ParameterList([nn.Parameter(torch.zeros(experts, 1, o)) for o in dims[1:]])
        self.gates = nn.ModuleList([nn.Linear(inputs, experts) for _ in range(tasks)])
        self.towers = nn.ModuleList([nn.Linear(sizes[-1], classes) for _ in range(tasks)])

    def forward(self, x):
        h = x.unsqueeze(0).expand(self.E, -1, -1)
        for W, b in zip(self.W, self.b):
            h = F.relu(torch.baddbmm(b, h, W))   # [E, N, out]
        outs = []
        for gate, tower in zip(self.gates, self.towers):
            w = torch.softmax(gate(x), 1)   # [N, E]
            outs.append(tower(torch.einsum("ne,eno->no", w, h)))
        return outs


def bench(quick):
    n, batch = 512, 64
    xs = (torch.rand(n, 67) < 0.15).float()
    ys = [torch.randint(0, 2, (n,)) for _ in range(2)]
    net = Mmoe()
    opt = torch.optim.Adam(net.parameters(), 1e-3)

    def update():
        idx = torch.randint(0, n, (batch,))
        outs = net(xs[idx])
        loss = sum(F.cross_entropy(o, y[idx]) for o, y in zip(outs, ys))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    w = (0.2, 0.2, 3) if quick else (0.5, 0.5, 5)
    return measure(update, *w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.manual_seed(0)
    results = []
    for th in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(th)
        results.append({"key": "experts/mmoe-income", "threads": th, "seconds": bench(a.quick)})
    emit(results, a.out)


if __name__ == "__main__":
    main()
