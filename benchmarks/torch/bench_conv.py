"""PyTorch side of the `conv` benchmark: conv2d forward + backward (x, weight, bias require grad) at the 4-MNISTs
and Omniglot layer shapes (batch 16). TensorFlow 'SAME' padding is an explicit F.pad (smaller half before) followed
by a valid conv, as MtlSharp computes it. Keys match benchmarks/MtlSharp.Benchmarks/Cases/ConvCase.cs.

usage: /usr/bin/python3 benchmarks/torch/bench_conv.py [--threads 1,2] [--out torch_conv.json] [--quick] [--filter substr[,substr...]]
"""
import argparse
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, measure_with_best  # noqa: E402


def configs():
    yield "conv/mnist_l1_16x1x28x28_k5", 16, 1, 28, 16, 5, 5, 1, "valid"
    yield "conv/mnist_l2_16x16x12x12_k3", 16, 16, 12, 16, 3, 3, 1, "valid"
    yield "conv/mnist_l3_16x16x5x5_k3", 16, 16, 5, 16, 3, 3, 1, "valid"
    kernels = [("k3", 3, 3), ("k5", 5, 5), ("k7", 7, 7), ("k1x7", 1, 7), ("k7x1", 7, 1)]
    for size, stride in [(105, 1), (105, 2), (53, 1), (27, 1)]:
        for name, kh, kw in kernels:
            yield f"conv/omni_48x{size}_{name}_s{stride}", 16, 48, size, 48, kh, kw, stride, "same"


def same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    timing = dict(warmup=0.1, window=0.1, windows=3) if args.quick else {}
    results = []
    torch.manual_seed(42)
    for t in [int(v) for v in args.threads.split(",")]:
        torch.set_num_threads(t)
        for key, n, cin, h, cout, kh, kw, s, mode in configs():
            if args.filter and not any(f in key for f in args.filter.split(",")):
                continue
            x = torch.randn(n, cin, h, h, requires_grad=True)
            w = (torch.randn(cout, cin, kh, kw) * 0.05).requires_grad_()
            b = (torch.randn(cout) * 0.05).requires_grad_()
            if mode == "same":
                top, bottom = same_pads(h, kh, s)
                left, right = same_pads(h, kw, s)
                pads = (left, right, top, bottom)
            else:
                pads = None
            with torch.no_grad():
                xp = F.pad(x, pads) if pads else x
                gy = torch.randn_like(F.conv2d(xp, w, b, stride=s))

            def step():
                xin = F.pad(x, pads) if pads and any(pads) else x
                y = F.conv2d(xin, w, b, stride=s)
                y.backward(gy)

            sec, best = measure_with_best(step, **timing)
            results.append({"key": key, "threads": t, "seconds": sec, "best_seconds": best})
    emit(results, args.out)


if __name__ == "__main__":
    main()
