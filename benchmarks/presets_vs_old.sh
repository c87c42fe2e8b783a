#!/usr/bin/env bash
# Runs five short preset runs with two builds of mtl and says whether their reports agree exactly (test/valid
# metrics, updates, allocations). Used to check that the presets-as-configurations kept every preset's results:
#   git worktree add /tmp/old 45ed75b && (cd /tmp/old && dotnet build src/MtlSharp.Cli -c Release)
#   benchmarks/presets_vs_old.sh /tmp/old/src/MtlSharp.Cli/bin/Release/net10.0/mtl src/MtlSharp.Cli/bin/Release/net10.0/mtl ../shared/datasets
set -euo pipefail
OLD=$1 NEW=$2 D=$(cd "$3" && pwd)
OUT=$(mktemp -d)
for who in OLD NEW; do
  B=${!who}
  "$B" train --preset mnist4 --method gumbel-budget --scale 0.01 --data "$D" --threads 2 --no-tensorboard --out "$OUT/$who-mnist4" > /dev/null
  "$B" train --preset synthetic-transfer --method no-sharing --rho 0 --scale 0.3 --threads 2 --no-tensorboard --out "$OUT/$who-st" > /dev/null
  "$B" train --preset ewt-domains --method sluice --genre weblog --scale 0.1 --max-epochs 2 --data "$D" --threads 2 --no-tensorboard --out "$OUT/$who-ewt" > /dev/null
  "$B" train --preset ewt-domains-xpos --method single-task --genre email --scale 0.1 --max-epochs 2 --connection stitch --data "$D" --threads 2 --no-tensorboard --out "$OUT/$who-ewtx" > /dev/null
  "$B" train --sampler all --aggregator pcgrad --scale 0.1 --threads 2 --no-tensorboard --out "$OUT/$who-sg" > /dev/null
done
for r in mnist4 st ewt ewtx sg; do
  python3 - "$OUT" "$r" <<'PY'
import json, sys
out, r = sys.argv[1], sys.argv[2]
a = json.load(open(f"{out}/OLD-{r}/report.json")); b = json.load(open(f"{out}/NEW-{r}/report.json"))
key = lambda x: ([(t["name"], t["test"], t.get("valid")) for t in x["tasks"]], x["updates"], x.get("allocation"))
print(f"{r:8s}", "IDENTICAL" if key(a) == key(b) else "DIFFERENT", key(a)[0][:2])
PY
done
rm -rf "$OUT"
