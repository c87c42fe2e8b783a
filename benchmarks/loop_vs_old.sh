#!/usr/bin/env bash
# The one training loop (Trainer) against the old per-family trainers (RoutedTrainer), side by side in one run:
# updates/s of `mtl train` on synthetic-gumbel and mnist4 for the current CLI and for the CLI of the last commit
# with the old trainers (d4c0812), runs interleaved (pairs in ABBA order: old,new then new,old, ...) so drift on a
# shared machine hits both alike. Prints the median updates/s per binary and new/old per preset, with the CPU, its
# ISA and the thread count; writes the same to benchmarks/results/loop_vs_old.txt.
#
# Usage: benchmarks/loop_vs_old.sh [--old DIR] [--pairs N] [--threads T] [--data DIR]
#   --old DIR    a checkout of the old commit; used as is when its CLI is built (src/MtlSharp.Cli/bin/Release/
#                net10.0/mtl.dll), built there otherwise. Default: a temporary `git worktree add` of d4c0812,
#                built, and removed at the end.
#   --pairs N    old/new pairs per preset (default 5).
#   --threads T  engine threads of every run (default 1).
#   --data DIR   folder holding mnist/ (default ../shared/datasets relative to the repository root).
#
# What updates/s measures (report.json's updatesPerSecond = updates / TrainSeconds): in both loops the stopwatch
# runs around the sampler's/scheduler's draw, the batch gather and the update (forward, loss, backward, clipping,
# both Adam steps) only. Evaluations, loss-curve and allocation-history recording, and checkpoint writes are
# outside it: the new loop's Trainer stops its stopwatch before the callbacks' OnStep and before
# WritePendingCheckpoints (periodic, evaluation and final checkpoints, metrics.jsonl); the old RoutedTrainer stopped
# it before its curves, snapshots, evaluations and checkpoints. So the ratio compares the training step of the two
# loops; the new CLI's extra I/O (time-based checkpoints, metrics log) shows only in wall time, printed alongside.
# TensorBoard is off for the new CLI (--no-tensorboard; the old CLI wrote none).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
old_commit=d4c0812
old_dir=""
pairs=5
threads=1
data="$repo/../shared/datasets"
while [ $# -gt 0 ]; do
  case "$1" in
    --old) old_dir=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -d "$data/mnist" ] || { echo "no mnist/ under $data (pass --data DIR)" >&2; exit 2; }
data=$(cd "$data" && pwd)

tmp=$(mktemp -d)
made_worktree=""
cleanup() {
  if [ -n "$made_worktree" ]; then git -C "$repo" worktree remove --force "$made_worktree" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cli=src/MtlSharp.Cli/bin/Release/net10.0/mtl.dll
if [ -z "$old_dir" ]; then
  old_dir="$tmp/old"
  git -C "$repo" worktree add --detach "$old_dir" "$old_commit" >/dev/null
  made_worktree="$old_dir"
fi
old_dir=$(cd "$old_dir" && pwd)
if [ ! -f "$old_dir/$cli" ]; then
  echo "building the old CLI in $old_dir ..." >&2
  (cd "$old_dir" && dotnet build src/MtlSharp.Cli -c Release -v q -nologo >/dev/null)
fi
echo "building the current CLI ..." >&2
dotnet build src/MtlSharp.Cli -c Release -v q -nologo >/dev/null
old_bin="$old_dir/$cli"
new_bin="$repo/$cli"
old_rev=$(git -C "$old_dir" rev-parse --short HEAD)
new_rev=$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo "+changes")

# run KIND PRESET I: one training run; appends "PRESET KIND updates/s pair wall-seconds" to $tmp/runs.txt
run() {
  local kind=$1 preset=$2 i=$3 out="$tmp/runs/$2-$1-$3" bin extra=() args
  mkdir -p "$tmp/runs"
  if [ "$kind" = old ]; then bin=$old_bin; else bin=$new_bin; extra=(--no-tensorboard); fi
  case "$preset" in
    synthetic-gumbel) args=(--preset synthetic-gumbel) ;;
    mnist4) args=(--preset mnist4 --scale 0.1 --data "$data") ;;
  esac
  local t0 t1
  t0=$(date +%s.%N)
  dotnet "$bin" train "${args[@]}" --threads "$threads" --out "$out" "${extra[@]}" >"$out.log" 2>&1 \
    || { echo "$kind $preset run $i failed; its output:" >&2; tail -20 "$out.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  local ups
  ups=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["updatesPerSecond"])' "$out/report.json")
  echo "$preset $kind $ups $i $(python3 -c "print(f'{$t1-$t0:.1f}')")" >>"$tmp/runs.txt"
  printf '  %-17s %-3s pair %d: %10.1f updates/s\n' "$preset" "$kind" "$i" "$ups" >&2
  rm -rf "$out"
}

for i in $(seq 1 "$pairs"); do
  for preset in synthetic-gumbel mnist4; do
    if [ $((i % 2)) -eq 1 ]; then run old "$preset" "$i"; run new "$preset" "$i"; else run new "$preset" "$i"; run old "$preset" "$i"; fi
  done
done

cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//')
flags=$(grep -m1 '^flags' /proc/cpuinfo)
if grep -qw avx512f <<<"$flags"; then isa=avx512f; elif grep -qw avx2 <<<"$flags"; then isa=avx2; else isa="no avx2"; fi
result=$(python3 - "$tmp/runs.txt" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for preset in ("synthetic-gumbel", "mnist4"):
    ups = {k: [float(r[2]) for r in rows if r[0] == preset and r[1] == k] for k in ("old", "new")}
    wall = {k: [float(r[4]) for r in rows if r[0] == preset and r[1] == k] for k in ("old", "new")}
    pair = {(r[1], r[3]): float(r[2]) for r in rows if r[0] == preset}
    ratios = [pair[("new", i)] / pair[("old", i)] for (k, i) in pair if k == "old" and ("new", i) in pair]
    o, n = statistics.median(ups["old"]), statistics.median(ups["new"])
    print(f"{preset}: old {o:.1f} updates/s, new {n:.1f} updates/s, new/old {n / o:.3f} "
          f"(medians of {len(ups['old'])} runs each; median of per-pair ratios {statistics.median(ratios):.3f}, "
          f"range {min(ratios):.3f}-{max(ratios):.3f}; median wall s/run old {statistics.median(wall['old']):.1f}, new {statistics.median(wall['new']):.1f})")
    print(f"  runs old: {' '.join(f'{v:.0f}' for v in ups['old'])}")
    print(f"  runs new: {' '.join(f'{v:.0f}' for v in ups['new'])}")
EOF
)
report=$(cat <<EOF
loop vs old trainers — $(date -u +%Y-%m-%dT%H:%MZ)
old: $old_rev (RoutedTrainer), new: $new_rev (Trainer); CPU: $cpu; ISA: $isa; cores: $(nproc); threads: $threads
pairs: $pairs per preset, interleaved (odd pairs old first, even pairs new first)
commands: mtl train --preset synthetic-gumbel --threads $threads --out TMP [--no-tensorboard: new only]
          mtl train --preset mnist4 --scale 0.1 --data DATA --threads $threads --out TMP [--no-tensorboard: new only]
$result
EOF
)
echo "$report"
mkdir -p benchmarks/results
echo "$report" >benchmarks/results/loop_vs_old.txt
