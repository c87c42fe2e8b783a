"""PyTorch side of the "lstm" benchmark (keys match benchmarks/MtlSharp.Benchmarks/Cases/LstmCase.cs).

One bidirectional nn.LSTM layer (batch_first), forward + backward with gradients for the input and all
parameters: hidden 100, batch 32, T 25, input 264 or 200. "_var" keys use variable lengths
5 + (13*b mod 21) and packed sequences (pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence).

Usage: /usr/bin/python3 benchmarks/torch/bench_lstm.py [--threads 1,2] [--out file.json] [--quick]
"""
import argparse
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, measure_with_best  # noqa: E402

BATCH, TIME, HIDDEN = 32, 25, 100


def one(inp, variable, threads, timing):
    torch.manual_seed(7)
    lstm = torch.nn.LSTM(inp, HIDDEN, batch_first=True, bidirectional=True)
    x = torch.empty(BATCH, TIME, inp).uniform_(-0.1, 0.1).requires_grad_(True)
    lengths = torch.tensor([5 + (13 * b % 21) for b in range(BATCH)]) if variable else None
    grad = torch.empty(BATCH, TIME, 2 * HIDDEN).uniform_(-1, 1)

    def step():
        if variable:
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, _ = lstm(packed)
            y, _ = pad_packed_sequence(out, batch_first=True, total_length=TIME)
        else:
            y, _ = lstm(x)
        y.backward(grad)

    sec, best = measure_with_best(step, **timing)
    key = f"lstm/bilstm_b{BATCH}_t{TIME}_i{inp}_h{HIDDEN}{'_var' if variable else ''}"
    return {"key": key, "threads": threads, "seconds": sec, "best_seconds": best}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    timing = dict(warmup=0.1, window=0.1, windows=3) if args.quick else {}
    results = []
    for t in [int(v) for v in args.threads.split(",")]:
        torch.set_num_threads(t)
        for inp in (264, 200):
            for variable in (False, True):
                results.append(one(inp, variable, t, timing))
    emit(results, args.out)


if __name__ == "__main__":
    main()
