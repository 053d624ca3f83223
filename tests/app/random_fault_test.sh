#!/usr/bin/env bash
# Fault injection at random steps (issue 18): each round runs the scenario on a random rank count with
# checkpoints, kills it at a random moment in one of three ways — SIGKILL to one random rank process, SIGKILL
# to mpirun itself, or the in-process crash at a random step (-checkpoint_kill_at_step) — and resumes it with
# -restart on another rank count; the resumed output must equal an uninterrupted run (agent trajectories
# bitwise, compare_runs.py). The seed is printed; DODGE_FAULT_SEED=<seed> replays a failure.
#   Usage: random_fault_test.sh DODGE OUTDIR [ROUNDS]
set -u
dodge=$1 out=$2 rounds=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
seed=${DODGE_FAULT_SEED:-$(( $(date +%s) % 100000 ))}
echo "random_fault_test: seed $seed (replay with DODGE_FAULT_SEED=$seed), $rounds rounds"
RANDOM=$seed
fail() { echo "FAIL (seed $seed, round $round): $*"; exit 1; }
T=2880 every=40
common=(-agents 40000 -steps $T -output_agents first:64 -progress 0)
ref=$out/fault_ref.h5
rm -f "$ref" "$ref.partial"
round=0
mpirun -n 2 --oversubscribe "$dodge" "${common[@]}" -output_file "$ref" > "$out/fault_ref.log" 2>&1 || fail "reference run"

for round in $(seq 1 "$rounds"); do
  np1=$(( RANDOM % 4 + 1 ))
  np2=$(( (np1 + RANDOM % 3) % 4 + 1 ))  # another rank count
  way=$(( RANDOM % 3 ))
  f=$out/fault_run$round.h5 ck=$out/fault_run$round.ckpt.h5 log=$out/fault_run$round.log
  rm -f "$f" "$f.partial" "$ck"
  case $way in
    0)  # the crash at a random step after the first checkpoint
      step=$(( every + 1 + RANDOM % (T - 2 * every) ))
      what="in-process SIGKILL at the end of step $step"
      timeout 120 mpirun -n $np1 --oversubscribe "$dodge" "${common[@]}" -output_file "$f" -checkpoint_every $every \
        -checkpoint_kill_at_step $step > "$log" 2>&1
      rc=$?;;
    1|2)  # SIGKILL from outside at a random moment once the first checkpoint exists
      timeout 120 mpirun -n $np1 --oversubscribe "$dodge" "${common[@]}" -output_file "$f" -checkpoint_every $every \
        > "$log" 2>&1 &
      launcher=$!
      for _ in $(seq 600); do [ -s "$ck" ] && break; sleep 0.05; done
      [ -s "$ck" ] || { kill -9 $launcher 2>/dev/null; fail "no checkpoint $ck appeared"; }
      delay=$(( RANDOM % 1500 ))
      sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
      mp=$(pgrep -P $launcher | head -1)  # mpirun, the child of timeout
      [ -n "$mp" ] || fail "the run ended before the kill (make it longer)"
      if [ $way = 1 ]; then
        mapfile -t ranks < <(pgrep -P "$mp" || true)  # the rank processes mpirun started
        [ ${#ranks[@]} -gt 0 ] || fail "the run ended before the kill (make it longer)"
        victim=${ranks[$(( RANDOM % ${#ranks[@]} ))]}
        what="SIGKILL to one of the $np1 rank processes after ${delay} ms"
        kill -9 "$victim"
      else
        what="SIGKILL to mpirun after ${delay} ms"
        kill -9 "$mp"
      fi
      wait $launcher
      rc=$?
      pkill -9 -f "$dodge.*$f" 2>/dev/null  # ranks orphaned by a killed mpirun
      sleep 0.2;;
  esac
  [ $rc -ne 0 ] || fail "$what: the run completed before it (exit 0); make the scenario longer"
  [ -s "$ck" ] || fail "$what: no checkpoint left"
  [ ! -e "$f" ] || fail "$what: a file appeared under the final name $f"
  timeout 120 mpirun -n $np2 --oversubscribe "$dodge" "${common[@]}" -output_file "$f" -checkpoint_every $every -restart \
    > "$log.restart" 2>&1 || { tail -5 "$log.restart"; fail "$what on $np1 ranks: the restart on $np2 failed"; }
  from=$(grep -o "at the end of step [0-9]*" "$log.restart" | head -1)
  /usr/bin/python3 "$here/compare_runs.py" "$ref" "$f" > "$log.compare" 2>&1 \
    || { tail -5 "$log.compare"; fail "$what on $np1 ranks, resumed on $np2 ($from): differs from the uninterrupted run"; }
  echo "round $round: $what on $np1 ranks; resumed on $np2 ranks $from; bitwise equal"
done
echo "ok: random faults resumed bitwise in $rounds rounds (seed $seed)"
