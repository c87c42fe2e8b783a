"""Shared timing helper for the PyTorch side of the benchmarks (same method as the C# harness:
warm-up, then the median seconds per call over fixed-length windows)."""
import json
import sys
import time


def measure(fn, warmup=0.5, window=0.5, windows=5):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < warmup:
        fn()
    rates = []
    for _ in range(windows):
        n = 0
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= window:
                break
        rates.append(el / n)
    rates.sort()
    return rates[len(rates) // 2]


def emit(results, path=None):
    """results: list of dicts with key, threads, seconds (per iteration)."""
    text = json.dumps(results, indent=1)
    if path:
        with open(path, "w") as f:
            f.write(text)
    for r in results:
        print(f"{r['key']:<48} threads={r['threads']} {r['seconds']*1e3:10.4f} ms", file=sys.stderr)
