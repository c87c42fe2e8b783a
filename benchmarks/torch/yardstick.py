"""Checks and records what PyTorch computes with: BLAS library (must be OpenBLAS), oneDNN ISA, build config and a
timed 1024x1024x1024 matmul at 1 and 2 threads. Run by benchmarks/run.sh before the PyTorch benchmarks.
Usage: /usr/bin/python3 benchmarks/torch/yardstick.py --out yardstick.json
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import host_info, measure  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    host = host_info()
    if host["blas"]["name"] != "OpenBLAS":
        sys.exit(f"yardstick: PyTorch did not load OpenBLAS (loaded {host['blas']['libraries']}); "
                 "install libopenblas0-openmp and put its directory first on LD_LIBRARY_PATH")
    a = torch.rand(1024, 1024)
    b = torch.rand(1024, 1024)
    c = torch.empty(1024, 1024)
    timed = {}
    for t in (1, 2):
        torch.set_num_threads(t)
        sec = measure(lambda: torch.mm(a, b, out=c))
        timed[str(t)] = {"seconds": sec, "gflops": 2.0 * 1024 ** 3 / sec / 1e9}
    report = {"host": host, "config": torch.__config__.show(), "matmul_1024": timed}
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(f"PyTorch {host['torch_version']} on {host['cpu']} ({host['isa']}): BLAS {host['blas'].get('openblas_config')}"
          f", core {host['blas'].get('openblas_core')}; oneDNN ISA: {host['onednn_isa']}")
    print("matmul 1024^3: " + ", ".join(f"{t} thread(s) {v['gflops']:.1f} GFLOP/s" for t, v in timed.items()))


if __name__ == "__main__":
    main()
