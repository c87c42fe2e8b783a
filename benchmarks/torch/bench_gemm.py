"""PyTorch side of the GEMM benchmark: same shapes and keys as benchmarks/MtlSharp.Benchmarks/Cases/GemmCase.cs.

Key gemm/{m}x{n}x{k} is C[m,n] = A[m,k] @ B[k,n]; /nt means B stored [n,k] (x @ W.T), /tn means A stored [k,m].
Usage: /usr/bin/python3 benchmarks/torch/bench_gemm.py --threads 1,2 --out torch_gemm.json [--quick]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, measure_with_best  # noqa: E402

CONFIGS = [
    (256, 256, 256, False, False),
    (512, 512, 512, False, False),
    (1024, 1024, 1024, False, False),
    (512, 512, 512, False, True),
    (512, 512, 512, True, False),
    (16, 10, 36, False, False),
    (64, 64, 128, False, False),
    (64, 64, 128, False, True),
    (32, 400, 100, False, False),
    (32, 400, 100, False, True),
    (64, 16, 16, False, False),
    (4, 576, 25, False, False),
    (48, 11025, 432, False, False),
    (32, 512, 256, False, False),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    timing = dict(warmup=0.1, window=0.1, windows=3) if args.quick else {}
    torch.manual_seed(1)
    results = []
    with torch.no_grad():
        for t in [int(x) for x in args.threads.split(",")]:
            torch.set_num_threads(t)
            for m, n, k, ta, tb in CONFIGS:
                a = (torch.rand(k, m) * 2 - 1).t() if ta else torch.rand(m, k) * 2 - 1
                b = (torch.rand(n, k) * 2 - 1).t() if tb else torch.rand(k, n) * 2 - 1
                c = torch.empty(m, n)
                sec, best = measure_with_best(lambda: torch.mm(a, b, out=c), **timing)
                suffix = "/tn" if ta else ("/nt" if tb else "")
                results.append({"key": f"gemm/{m}x{n}x{k}{suffix}", "threads": t, "seconds": sec, "best_seconds": best,
                                "gflops": 2.0 * m * n * k / sec / 1e9})
    emit(results, args.out)


if __name__ == "__main__":
    main()
