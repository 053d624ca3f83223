#!/usr/bin/env bash
# Benchmarks of problem demand (algorithms.md §3) for docs/performance_demand.md:
#  1. doa at N = 10^6 users (+ the provider), one day (T = 96), on 1 and 2 ranks: the paper's parameters
#     (eps = 0.2), and the inner loop alone: runs with exactly 1 and 1 + K inner iterations per slot
#     (-doa_eps 0 -doa_kmax k) give the marginal cost of one inner iteration (one pass over the local users
#     and one fused reduction), hence inner iterations per second and user-updates per second.
#  2. offline (Prob-OFF with PETSc TAO bqnls, tol 1e-9) at N = 10^3, 10^4, 10^5 users x T = 96 on 1 and 2 ranks.
# Usage: bash bench/bench_demand.sh [build/app/dodge] [N for doa] [offline N list] [K]
# Numbers come from dodge's own summary and output (wall time excludes I/O).
set -euo pipefail
cd "$(dirname "$0")/.."
DODGE=${1:-build/app/dodge}
NDOA=${2:-1000000}
NOFF=${3:-"1000 10000 100000"}
K=${4:-50}
source jobs/local/env.sh
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE (build first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# problem demand: doa and offline"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F); dodge git $(git rev-parse --short HEAD 2>/dev/null || echo unknown); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## doa, N = $NDOA users, CAISO SCE hot day, T = 96, -metrics false"
echo
echo "| ranks | run | inner iterations | wall s | slots/s | RSS bytes/agent |"
echo "|---:|:---|---:|---:|---:|---:|"
wall_of() { awk '/^  wall time/{print $3}' <<<"$1"; }
declare -A W
for np in 1 2; do
  for mode in paper k1 kK; do
    case $mode in
      paper) args=() ;;
      k1) args=(-doa_eps 0 -doa_kmax 1) ;;
      kK) args=(-doa_eps 0 -doa_kmax $((K + 1))) ;;
    esac
    f=$tmp/doa_${np}_${mode}.h5
    out=$(mpirun -n $np "$DODGE" -problem demand -algorithm doa -demand_users "$NDOA" -metrics false -output_agents none \
          -progress 0 -output_file "$f" "${args[@]}" 2>&1) || { echo "run failed: np=$np $mode"; echo "$out" | tail -20; exit 1; }
    wall=$(wall_of "$out")
    rss=$(awk '/resident memory/{print $3}' <<<"$out")
    its=$(/usr/bin/python3 -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r')['series/inner_iterations'][...].sum()))" "$f")
    W[$np,$mode]=$wall
    printf '| %d | %s | %d | %s | %.2f | %s |\n' $np "$mode" "$its" "$wall" "$(echo "96 / $wall" | bc -l)" "$rss"
  done
done
echo
echo "Marginal inner iteration (kK - k1 over $K x 96 iterations):"
echo
echo "| ranks | s per inner iteration | inner iterations/s | user-updates/s |"
echo "|---:|---:|---:|---:|"
for np in 1 2; do
  per=$(echo "(${W[$np,kK]} - ${W[$np,k1]}) / ($K * 96)" | bc -l)
  printf '| %d | %.3e | %.1f | %.3e |\n' $np "$per" "$(echo "1 / $per" | bc -l)" "$(echo "$NDOA / $per" | bc -l)"
done

echo
echo "## offline (Prob-OFF, TAO bqnls, ||P - clip(P + grad J)||_inf <= 1e-9), T = 96"
echo
echo "| N | ranks | decisions | iterations | evaluations | ||proj. grad||_inf | solve s | J* |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for N in $NOFF; do
  for np in 1 2; do
    out=$(mpirun -n $np "$DODGE" -problem demand -algorithm offline -demand_users "$N" -metrics false -output_file none -progress 0 2>&1) \
      || { echo "run failed: offline N=$N np=$np"; echo "$out" | tail -20; exit 1; }
    line=$(grep "offline:   Prob-OFF" <<<"$out")
    J=$(sed -n 's/.*J\* = \([^,]*\),.*/\1/p' <<<"$line")
    pg=$(sed -n 's/.*_inf = \([^,]*\),.*/\1/p' <<<"$line")
    it=$(sed -n 's/.*, \([0-9]*\) iterations.*/\1/p' <<<"$line")
    ev=$(sed -n 's/.*iterations, \([0-9]*\) evaluations.*/\1/p' <<<"$line")
    s=$(sed -n 's/.*evaluations, \([0-9.]*\) s .*/\1/p' <<<"$line")
    printf '| %d | %d | %d | %s | %s | %s | %s | %s |\n' "$N" $np $((N * 96)) "$it" "$ev" "$pg" "$s" "$J"
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
