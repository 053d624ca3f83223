#!/usr/bin/env bash
# Benchmark of pdct on dispatch (AEMO NSW data) with a ring graph: agent-steps per second at
# N = 1e4 .. 1e7 on 1 and 2 ranks, with the oracle and metrics on and off, and resident memory per agent.
# Usage: bash bench/bench_pdct.sh [build/app/dodge] [N list]      e.g. bash bench/bench_pdct.sh build/app/dodge "1e4 1e5"
# Prints one Markdown table; numbers come from dodge's own summary (wall time excludes I/O; no file is written).
set -euo pipefail
cd "$(dirname "$0")/.."
DODGE=${1:-build/app/dodge}
SIZES=${2:-"1e4 1e5 1e6 1e7"}
source jobs/local/env.sh
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE (build first: cmake --preset release && cmake --build --preset release)"; exit 1; }

echo "# pdct on dispatch, ring graph, AEMO NSW prices/demand"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F); dodge git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "| N | ranks | oracle+metrics | steps | agent-steps/s | wall s | RSS bytes/agent |"
echo "|---:|---:|:---:|---:|---:|---:|---:|"
for Ns in $SIZES; do
  N=$(printf '%.0f' "$Ns")
  # Enough steps for a few seconds of work, within the 2880-step data window.
  steps=$(( 300000000 / N )); [ $steps -lt 20 ] && steps=20; [ $steps -gt 2880 ] && steps=2880
  for np in 1 2; do
    for m in true false; do
      out=$(mpirun -n $np "$DODGE" -agents "$N" -graph_family ring -steps $steps -metrics $m -output_file none -progress 0 2>&1) || {
        echo "run failed: N=$N np=$np metrics=$m"; echo "$out" | tail -20; exit 1; }
      rate=$(awk '/agent-steps per second/{print $4}' <<<"$out")
      wall=$(awk '/^  wall time/{print $3}' <<<"$out")
      rss=$(awk '/resident memory/{print $3}' <<<"$out")
      printf '| %s | %d | %s | %d | %s | %s | %s |\n' "$N" "$np" "$([ $m = true ] && echo on || echo off)" "$steps" "$rate" "$wall" "$rss"
    done
  done
done
