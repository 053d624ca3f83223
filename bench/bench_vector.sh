#!/usr/bin/env bash
# Benchmark of issue "li2022, dopp, vector decisions": agent-steps per second of pdct on the vector family pev
# (x_i in R^24, 48 coupled rows: 96 doubles per edge) at N = 1e3, 1e4, 1e5 on 1 and 2 ranks, and of li2022 and
# dopp next to pdct on dispatch (AEMO NSW) at N = 1e6 on 1 and 2 ranks; ring graphs throughout.
# pev runs with -metrics false (the benchmark mode; the exact per-step optimum gathers the step on rank 0); one
# extra pev row at N = 1e3 shows the cost with the oracle and metrics on.
# Usage: bash bench/bench_vector.sh [build/app/dodge] [pev N list] [dispatch N]
# Prints Markdown tables; numbers come from dodge's own summary (wall time excludes I/O; no file is written).
set -euo pipefail
cd "$(dirname "$0")/.."
DODGE=${1:-build/app/dodge}
PEV_SIZES=${2:-"1e3 1e4 1e5"}
DISPATCH_N=${3:-1e6}
source jobs/local/env.sh
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE (build first: cmake --preset release && cmake --build --preset release)"; exit 1; }

run() {  # prints "rate wall rss" of one run
  local np=$1; shift
  local out
  out=$(mpirun -n "$np" "$DODGE" -graph_family ring -output_file none -progress 0 "$@" 2>&1) || {
    echo "run failed: np=$np $*" >&2; echo "$out" | tail -20 >&2; exit 1; }
  echo "$(awk '/agent-steps per second/{print $4}' <<<"$out") $(awk '/^  wall time/{print $3}' <<<"$out") $(awk '/resident memory/{print $3}' <<<"$out")"
}

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F); dodge git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "## pdct on pev (d = 24, m = 48), ring"
echo
echo "| N | ranks | oracle+metrics | steps | agent-steps/s | wall s | RSS bytes/agent |"
echo "|---:|---:|:---:|---:|---:|---:|---:|"
for Ns in $PEV_SIZES; do
  N=$(printf '%.0f' "$Ns")
  steps=$(( 20000000 / N )); [ $steps -lt 20 ] && steps=20; [ $steps -gt 2000 ] && steps=2000
  for np in 1 2; do
    read -r rate wall rss < <(run $np -problem pev -pev_steps $steps -agents "$N" -metrics false)
    printf '| %s | %d | off | %d | %s | %s | %s |\n' "$N" "$np" "$steps" "$rate" "$wall" "$rss"
  done
done
read -r rate wall rss < <(run 1 -problem pev -pev_steps 200 -agents 1000)
printf '| 1000 | 1 | on | 200 | %s | %s | %s |\n' "$rate" "$wall" "$rss"

N=$(printf '%.0f' "$DISPATCH_N")
steps=$(( 300000000 / N )); [ $steps -lt 20 ] && steps=20; [ $steps -gt 2880 ] && steps=2880
echo
echo "## pdct, li2022 and dopp on dispatch (AEMO NSW), ring, N = $N"
echo
echo "| algorithm | ranks | oracle+metrics | steps | agent-steps/s | wall s | RSS bytes/agent |"
echo "|:---|---:|:---:|---:|---:|---:|---:|"
for alg in pdct li2022 dopp; do
  for np in 1 2; do
    for m in true false; do
      read -r rate wall rss < <(run $np -algorithm $alg -agents "$N" -steps $steps -metrics $m)
      printf '| %s | %d | %s | %d | %s | %s | %s |\n' "$alg" "$np" "$([ $m = true ] && echo on || echo off)" "$steps" "$rate" "$wall" "$rss"
    done
  done
done
