#!/usr/bin/env bash
# Runs every benchmark family twice — MtlSharp and the same work in PyTorch — at 1 and 2 threads in this session,
# then prints the paired table (PyTorch time / ours). Usage: benchmarks/run.sh [--quick] [case ...]
# (case: gemm conv lstm train tagger by default; also experts, inference, omniglot, omniglot-cpu; case c runs
# benchmarks/torch/bench_c.py against the .NET case of that name).
# PyTorch: Debian's python3-torch (apt-get install -y python3-torch), run with /usr/bin/python3, on OpenBLAS:
# Debian's libblas.so.3 is the reference (netlib) BLAS unless OpenBLAS is selected, so this script installs
# libopenblas0-openmp when absent (as root; the OpenMP build obeys torch.set_num_threads) and puts its libblas.so.3
# first on LD_LIBRARY_PATH of the PyTorch processes only. OpenBLAS 0.3.21 does not know newer CPU models and then
# falls back to its SSE3 "Prescott" kernels; OPENBLAS_CORETYPE is set to the best kernel set for the host's ISA
# (SkylakeX with AVX-512, Haswell with AVX2) unless already set. benchmarks/torch/yardstick.py checks and records
# the result (BLAS, oneDNN ISA, a timed 1024^3 matmul) in $out/torch_yardstick.json. BENCH_ISA=avx2: see below.
set -euo pipefail
# MTLSHARP_DATA (the data folder of the inference case: mnist/, ud-english-ewt/) is made absolute from the directory
# run.sh was started in, so both sides find it (the .NET side runs in the repository root, PyTorch in benchmarks/torch;
# unset, each side defaults to ../shared/datasets from the repository root).
if [ -n "${MTLSHARP_DATA:-}" ]; then export MTLSHARP_DATA="$(realpath -m "$MTLSHARP_DATA")"; fi
cd "$(dirname "$0")/.."
quick=""
cases=()
for a in "$@"; do
  if [ "$a" = "--quick" ]; then quick="--quick"; else cases+=("$a"); fi
done
[ ${#cases[@]} -eq 0 ] && cases=(gemm conv lstm train tagger)
# BENCH_ROUNDS: see below (checked here, before anything runs).
rounds=${BENCH_ROUNDS:-1}
case "$rounds" in ''|*[!0-9]*|0) echo "run.sh: BENCH_ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 1 ;; esac
out=${BENCH_OUT:-benchmarks/results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get -o DPkg::Lock::Timeout=600 install -y -q libopenblas0-openmp >/dev/null
  else
    echo "run.sh: libopenblas0-openmp is not installed (apt-get install libopenblas0-openmp)" >&2; exit 1
  fi
fi
openblas_dir=$(dirname "$(dpkg -L libopenblas0-openmp | grep '/libblas.so.3$' | head -1)")
# An OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE inherited from the machine's environment is dropped (one development
# machine sets OPENBLAS_CORETYPE=Haswell globally, which runs OpenBLAS's AVX2 kernels on an AVX-512 host: half the
# opponent); BENCH_OPENBLAS_CORETYPE forces a kernel set on purpose.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# BENCH_ISA=avx2 holds both sides to 256-bit AVX2 on an AVX-512 host, to measure the AVX2 paths where no AVX2-only
# host is at hand: .NET without AVX-512 (DOTNET_EnableAVX512=0: our 256-bit kernels), OpenBLAS's Haswell kernels,
# oneDNN at most AVX2 (ONEDNN_MAX_CPU_ISA). Every result file records the ISA each side ran.
case "${BENCH_ISA:-}" in
  "") ;;
  avx2|AVX2)
    export DOTNET_EnableAVX512=0 ONEDNN_MAX_CPU_ISA=AVX2
    [ -z "${BENCH_OPENBLAS_CORETYPE:-}" ] && BENCH_OPENBLAS_CORETYPE=Haswell ;;
  *) echo "run.sh: BENCH_ISA must be avx2 (or unset), not '$BENCH_ISA'" >&2; exit 1 ;;
esac
if [ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]; then export OPENBLAS_CORETYPE="$BENCH_OPENBLAS_CORETYPE"; fi
export_torch_env() {
  export LD_LIBRARY_PATH="$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    local core
    core=$(/usr/bin/python3 -c "import ctypes,glob; h=ctypes.CDLL(glob.glob('$openblas_dir/libopenblas*.so*')[0]); h.openblas_get_corename.restype=ctypes.c_char_p; print(h.openblas_get_corename().decode())")
    if grep -qw avx512f /proc/cpuinfo; then
      case "$core" in SkylakeX|Cooperlake|SapphireRapids|sapphirerapids|skylakex|cooperlake) ;; *) export OPENBLAS_CORETYPE=SkylakeX ;; esac
    elif grep -qw avx2 /proc/cpuinfo; then
      case "$core" in Prescott|Core2|Penryn|Dunnington|Nehalem|Sandybridge|prescott|core2|penryn|dunnington|nehalem|sandybridge) export OPENBLAS_CORETYPE=Haswell ;; esac
    fi
  fi
}
if ! build_log=$(dotnet build benchmarks/MtlSharp.Benchmarks -c Release -v q -nologo 2>&1); then
    printf '%s\n' "$build_log" >&2
    echo "run.sh: building benchmarks/MtlSharp.Benchmarks failed (above)" >&2
    exit 1
fi
(export_torch_env; cd benchmarks/torch && /usr/bin/python3 yardstick.py --out "$out/torch_yardstick.json")
# BENCH_ROUNDS=N (default 1) runs each case N times on each side, the sides alternating (PyTorch first in odd rounds,
# ours first in even ones), into ours_c.rR.json (with its table in ours_c.rR.txt) and torch_c.rR.json, and writes compare_c.txt as the
# rounds table (MtlSharp.Benchmarks.dll rounds): each round's speed-up, their median and range, and the fastest windows
# over all rounds. On a host shared with other jobs one round moves by 10-30 %; rounds show by how much.
bench_dll=benchmarks/MtlSharp.Benchmarks/bin/Release/net10.0/MtlSharp.Benchmarks.dll
for c in "${cases[@]}"; do
  py="bench_$c.py"; pyargs=()
  case "$c" in omniglot|omniglot-cpu) py=bench_omniglot.py; pyargs=(--preset "$c") ;; esac
  # BENCH_FILTER (comma-separated key substrings) selects the conv shapes on both sides.
  if [ "$c" = conv ] && [ -n "${BENCH_FILTER:-}" ]; then pyargs+=(--filter "$BENCH_FILTER"); fi
  run_torch() { (export_torch_env; cd benchmarks/torch && /usr/bin/python3 "$py" "${pyargs[@]}" --threads 1,2 $quick --out "$1") 2>/dev/null; }
  if [ "$rounds" = 1 ]; then
    run_torch "$out/torch_$c.json"
    dotnet "$bench_dll" "$c" --threads 1,2 $quick --out "$out/ours_$c.json" --compare "$out/torch_$c.json" | tee "$out/compare_$c.txt"
    continue
  fi
  ours_files=(); torch_files=()
  for r in $(seq 1 "$rounds"); do
    echo "== $c: round $r of $rounds ($(date -u +%H:%M:%S))"
    if [ $((r % 2)) = 1 ]; then run_torch "$out/torch_$c.r$r.json"; fi
    dotnet "$bench_dll" "$c" --threads 1,2 $quick --out "$out/ours_$c.r$r.json" > "$out/ours_$c.r$r.txt"
    if [ $((r % 2)) = 0 ]; then run_torch "$out/torch_$c.r$r.json"; fi
    ours_files+=("$out/ours_$c.r$r.json"); torch_files+=("$out/torch_$c.r$r.json")
  done
  dotnet "$bench_dll" rounds --ours "$(IFS=,; echo "${ours_files[*]}")" --torch "$(IFS=,; echo "${torch_files[*]}")" | tee "$out/compare_$c.txt"
done
