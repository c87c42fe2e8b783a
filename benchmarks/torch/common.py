"""Shared timing helper for the PyTorch side of the benchmarks (same method as the C# harness:
warm-up, then the median seconds per call over fixed-length windows)."""
import ctypes
import json
import os
import subprocess
import sys
import time


def measure(fn, warmup=0.5, window=0.5, windows=5):
    """Median seconds per call over the windows (see measure_with_best)."""
    return measure_with_best(fn, warmup, window, windows)[0]


def measure_with_best(fn, warmup=0.5, window=0.5, windows=5):
    """(median, fastest window) seconds per call; on a shared machine the fastest window is the least disturbed."""
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
    return rates[len(rates) // 2], rates[0]


def _cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def _cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def _blas():
    """The BLAS library this process loaded (path), and OpenBLAS's own config and core name when it is OpenBLAS."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]})
    info = {"libraries": libs}
    for lib in libs:
        if "openblas" in lib:
            try:
                h = ctypes.CDLL(lib)
                h.openblas_get_config.restype = ctypes.c_char_p
                h.openblas_get_corename.restype = ctypes.c_char_p
                info["openblas_config"] = h.openblas_get_config().decode()
                info["openblas_core"] = h.openblas_get_corename().decode()
            except (OSError, AttributeError):
                pass
            break
    info["name"] = "OpenBLAS" if "openblas_core" in info else ("netlib (reference BLAS)" if any("/blas/" in x for x in libs) else "unknown")
    return info


def _onednn_isa():
    """oneDNN's ISA line from its verbose output for one small convolution (in a child process)."""
    code = "import torch; torch.nn.functional.conv2d(torch.rand(32,16,32,32), torch.rand(16,16,3,3))"
    try:
        out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, DNNL_VERBOSE="1"),
                             capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    for line in out.splitlines():
        if "isa:" in line:
            return line.split("isa:", 1)[1].strip()
    return "unknown (no oneDNN verbose output)"


_HOST = None


def host_info():
    """CPU model, ISA, BLAS library (and OpenBLAS core), oneDNN ISA and PyTorch's build/parallel settings."""
    global _HOST
    if _HOST is None:
        import torch
        flags = _cpu_flags()
        config = torch.__config__.show()
        capability = next((l.split(":", 1)[1].strip() for l in config.splitlines() if "CPU capability usage" in l), "unknown")
        _HOST = {
            "cpu": _cpu_model(),
            "isa": "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "SSE"),
            "torch_cpu_capability": capability,
            "blas": _blas(),
            "onednn_isa": _onednn_isa(),
            "torch_version": torch.__version__,
            "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE", ""),
            "parallel_info": torch.__config__.parallel_info(),
        }
    return _HOST


def emit(results, path=None):
    """results: list of dicts with key, threads, seconds (per iteration). Written with the host description."""
    text = json.dumps({"host": host_info(), "results": results}, indent=1)
    if path:
        with open(path, "w") as f:
            f.write(text)
    for r in results:
        print(f"{r['key']:<48} threads={r['threads']} {r['seconds']*1e3:10.4f} ms", file=sys.stderr)
