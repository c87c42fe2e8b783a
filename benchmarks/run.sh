#!/usr/bin/env bash
# Runs every benchmark family twice — MtlSharp and the same work in PyTorch — at 1 and 2 threads in this session,
# then prints the paired table (PyTorch time / ours). Usage: benchmarks/run.sh [--quick] [case ...]
# PyTorch: Debian's python3-torch (apt-get install -y python3-torch), run with /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""
cases=()
for a in "$@"; do
  if [ "$a" = "--quick" ]; then quick="--quick"; else cases+=("$a"); fi
done
[ ${#cases[@]} -eq 0 ] && cases=(gemm conv lstm train tagger)
out=${BENCH_OUT:-benchmarks/results}
mkdir -p "$out"
dotnet build benchmarks/MtlSharp.Benchmarks -c Release -v q -nologo >/dev/null
for c in "${cases[@]}"; do
  (cd benchmarks/torch && /usr/bin/python3 "bench_$c.py" --threads 1,2 $quick --out "../../$out/torch_$c.json") 2>/dev/null
  dotnet benchmarks/MtlSharp.Benchmarks/bin/Release/net10.0/MtlSharp.Benchmarks.dll "$c" --threads 1,2 $quick \
    --out "$out/ours_$c.json" --compare "$out/torch_$c.json" | tee "$out/compare_$c.txt"
done
