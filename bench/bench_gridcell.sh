#!/usr/bin/env bash
# Benchmark of issue 13 (problem gridcell): N homes (default 10^4, 10^5, 10^6) on 1 and 2 ranks, the torus
# graph, mmr in the neighbours scope with the neighbour-augmented RLS (so every module that exists runs: data,
# forecasts, shares with the detector off, learning, clearing, settlement), 1 day after the 3-day warm-up.
# Time per module from dodge's PETSc events (-log_view, summed over the stages: the warm-up runs in setup), the
# step rate and the resident memory per home from dodge's summary. With ROUTE=1 in the environment routing runs
# too (§16.7: -gridcell_route true, K = 20 inner iterations per main step, event-triggered), timed by its event.
# With ALG=mfq the batteries learn (§16.5: one pass, the actions on X1, Q updates and acting timed by GcMfq).
# With SEC=1 §16.8 runs on the data and market channels: 5 % attackers from day 1 and the EWMA detector with a
# 48-step burn-in (so alarms, and the market's cut edges, happen inside the benchmark's one main day); both
# detectors are timed inside GcShare, the alarms' allgather inside it too.
# Usage:
#   [ROUTE=1] [ALG=mfq] [SEC=1] bash bench/bench_gridcell.sh [build/app/dodge] ["N1 N2 ..."] ["RANKS ..."]
# Prints a Markdown table (docs/performance.md, "gridcell").
set -euo pipefail
cd "$(dirname "$0")/.."
DODGE=${1:-build/app/dodge}
NS=${2:-"10000 100000 1000000"}
RANKS=${3:-"1 2"}
ROUTE=${ROUTE:-0}
ALG=${ALG:-mmr}
SEC=${SEC:-0}
route_opts=()
[ "$ROUTE" = 1 ] && route_opts=(-gridcell_route true)
[ "$SEC" = 1 ] && route_opts+=(-gridcell_attack_fraction 0.05 -gridcell_attack_start_day 1 -gridcell_detect ewma
                               -gridcell_detect_params 24,48,1,3.5,4)
source jobs/local/env.sh
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE (build first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sum of the max-over-ranks time of a -log_view event over every stage it appears in.
ev() { awk -v e="$1" '$1 == e {s += $4} END {printf "%.3f", s}' "$2"; }

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F); dodge git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
extra_h="" extra_s=""
[ "$SEC" = 1 ] && extra_h=" market alarms | market cut edges |" extra_s="---:|---:|"
echo "| N | ranks | steps (warm-up + main) | wall s | data | forecast | share | learn | clearing (LocalUpd) | settle | route | mfq | exchange | home-steps/s (main) | RSS bytes/home |$extra_h"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|$extra_s"
for n in $NS; do
  for np in $RANKS; do
    log=$tmp/gc_${n}_${np}.log
    mpirun -n "$np" "$DODGE" -problem gridcell -algorithm "$ALG" -agents "$n" -graph_family torus \
      -gridcell_forecast_neighbours true -gridcell_days 1 -gridcell_eval_days 1 -output_agents none -progress 0 \
      "${route_opts[@]}" -output_file "$tmp/gc.h5" -output_overwrite -log_view > "$log" 2>&1 || { echo "run failed: N=$n np=$np" >&2; tail "$log" >&2; exit 1; }
    echo "| $n | $np | 288 + 96 | $(awk '/^  wall time/{print $3; exit}' "$log") | $(ev GcData "$log") | $(ev GcForecast "$log") | $(ev GcShare "$log") | $(ev GcLearn "$log") | $(ev DodgeLocalUpd "$log") | $(ev GcSettle "$log") | $(ev GcRoute "$log") | $(ev GcMfq "$log") | $(ev DodgeExchange "$log") | $(awk '/agent-steps per second/{print $4; exit}' "$log") | $(awk '/resident memory/{print $3; exit}' "$log") |$([ "$SEC" = 1 ] && echo " $(awk '/^  market alarms/{print $3; exit}' "$log") | $(awk '/^  market cut edges/{print $4; exit}' "$log") |")"
  done
done
echo
echo "Module times are the max over ranks of each PETSc event, summed over the setup stage (the warm-up: data,"
echo "forecast, share, learn) and the run stage; exchange is the halo exchange inside share (and the clearing's,"
echo "and routing's when it runs: those are inside route too)."
