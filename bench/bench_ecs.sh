#!/usr/bin/env bash
# Benchmark of issue 11 (problem ecs): M microgrids (default 10^6) on 1 and 2 ranks, H = 360 units, every scheme,
# NA demand sigma_d = 20; the per-unit work is the split of X^h to the local MGs and the reproducible sum of their
# shares (blocks of 1024 ids, one MPI_Allreduce of M/1024 doubles per unit). Also the paper's sweep (9 sigma x 100
# replicates) in one job on 2 ranks with M = 5, writing its file.
# Usage: bash bench/bench_ecs.sh [build/app/dodge] [M]
# Prints a Markdown table; numbers come from dodge's own summary (wall time excludes I/O; no agent is recorded).
set -euo pipefail
cd "$(dirname "$0")/.."
DODGE=${1:-build/app/dodge}
M=${2:-1000000}
source jobs/local/env.sh
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE (build first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F); dodge git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "| scheme | M | ranks | units | wall s (run) | agent-units/s | RSS bytes/agent | process s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for scheme in optimal optimal_par uniform aca par_ecs; do
  for np in 1 2; do
    t0=$(date +%s.%N)
    out=$(mpirun -n "$np" "$DODGE" -problem ecs -algorithm "$scheme" -agents "$M" -output_agents none -progress 0 \
          -output_file "$tmp/ecs.h5" -output_overwrite 2>&1) || { echo "run failed: $scheme np=$np" >&2; echo "$out" | tail >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "| $scheme | $M | $np | 360 | $(awk '/^  wall time/{print $3}' <<<"$out") | $(awk '/agent-steps per second/{print $4}' <<<"$out") | $(awk '/resident memory/{print $3}' <<<"$out") | $(echo "$t1 - $t0" | bc) |"
  done
done
echo
t0=$(date +%s.%N)
mpirun -n 2 "$DODGE" -options_file inputs/ecs_aca.yaml -progress 0 -output_file "$tmp/sweep.h5" -output_overwrite > "$tmp/sweep.log" 2>&1
t1=$(date +%s.%N)
echo "paper sweep (inputs/ecs_aca.yaml: 9 sigma x 100 replicates, M = 5) on 2 ranks: $(echo "$t1 - $t0" | bc) s process time, file $(du -k "$tmp/sweep.h5" | cut -f1) KiB"
