#!/usr/bin/env bash
# Benchmark of the halo exchange implementations (lib/comm): the hand-written point-to-point messages
# (-exchange_impl p2p) against PETSc's PetscSF (-sf_type basic and -sf_type neighbor), in ONE interleaved run:
# every repetition runs each implementation once, the order rotated from one repetition to the next, so a
# machine that slows down or speeds up during the run biases no implementation.
# Usage: bash bench/bench_exchange.sh [build/app/dodge] [N] [steps] [reps] [ranks] [graphs]
#        e.g. bash bench/bench_exchange.sh build/app/dodge 1e6 300 7 2 "ring watts_strogatz"
# Part 1, the exchange alone: build/bench/exchange_bench builds the three on one graph in one process and times
# Begin+End in interleaved rounds (median microseconds per exchange of k = 2 and k = 96 doubles per agent).
# Part 2, in the application: pdct on dispatch (AEMO NSW) in benchmark mode (-metrics false, no file), one
# Markdown table of the median over repetitions of the step loop's wall time and of the DodgeExchange event
# (-log_view, max over ranks: packing, posting and waiting in Begin and End), each as a ratio to p2p.
set -euo pipefail
cd "$(dirname "$0")/.."
DODGE=${1:-build/app/dodge}
N=$(printf '%.0f' "${2:-1e6}")
STEPS=${3:-300}
REPS=${4:-7}
NP=${5:-2}
GRAPHS=${6:-"ring watts_strogatz"}
source jobs/local/env.sh
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE (build first: cmake --preset release && cmake --build --preset release)"; exit 1; }

IMPLS=("p2p" "sf_basic" "sf_neighbor")
impl_args() {
  case $1 in
    p2p) echo "-exchange_impl p2p" ;;
    sf_basic) echo "-exchange_impl sf -sf_type basic" ;;
    sf_neighbor) echo "-exchange_impl sf -sf_type neighbor" ;;
  esac
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# halo exchange: p2p vs PetscSF basic vs PetscSF neighbor; pdct on dispatch, N = $N, $STEPS steps, $NP ranks, $REPS interleaved repetitions"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"); $(date -u +%F); dodge git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
MICRO=$(dirname "$DODGE")/../bench/exchange_bench
if [ -x "$MICRO" ]; then
  for g in $GRAPHS; do
    for k in 2 96; do
      echo
      mpirun -n "$NP" "$MICRO" -agents "$N" -graph_family "$g" -k $k -rounds 15 -reps $((k == 2 ? 200 : 20))
    done
  done
else
  echo "# no $MICRO (cmake --build --preset release --target exchange_bench): part 1 skipped"
fi
echo
for g in $GRAPHS; do
  for ((r = 0; r < REPS; ++r)); do
    for ((q = 0; q < ${#IMPLS[@]}; ++q)); do
      im=${IMPLS[$(((q + r) % ${#IMPLS[@]}))]}
      # shellcheck disable=SC2046
      out=$(mpirun -n "$NP" "$DODGE" -agents "$N" -graph_family "$g" -steps "$STEPS" -metrics false -output_file none \
            -progress 0 -log_view $(impl_args "$im") 2>&1) || { echo "run failed: $g $im"; echo "$out" | tail -20; exit 1; }
      awk '/^  wall time/{print $3}' <<<"$out" >>"$tmp/$g.$im.wall"
      awk '$1 == "DodgeExchange" {print $4}' <<<"$out" >>"$tmp/$g.$im.ex"
    done
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "pdct in the application, $REPS interleaved repetitions:"
echo
echo "| graph | exchange | wall s (median) | wall / p2p | DodgeExchange s (median) | exchange / p2p | runs |"
echo "|---|---|---:|---:|---:|---:|---:|"
for g in $GRAPHS; do
  w0=$(median <"$tmp/$g.p2p.wall") e0=$(median <"$tmp/$g.p2p.ex")
  for im in "${IMPLS[@]}"; do
    w=$(median <"$tmp/$g.$im.wall") e=$(median <"$tmp/$g.$im.ex")
    awk -v g="$g" -v im="$im" -v w="$w" -v e="$e" -v w0="$w0" -v e0="$e0" -v n="$(wc -l <"$tmp/$g.$im.wall")" \
      'BEGIN {printf "| %s | %s | %.3f | %.3f | %.4f | %.3f | %d |\n", g, im, w, w / w0, e, e / e0, n}'
  done
done
