#!/usr/bin/env bash
# Checkpoint/restart of doa on demand end to end: a run over two separate days (s-DOA: daily restarts of
# p-hat and lambda) killed after a checkpoint on 3 ranks and resumed with -restart on 2 ranks ends like an
# uninterrupted run (agent fields and series to 1e-12, demand summary included).
# Usage: demand_checkpoint_test.sh DODGE OUTDIR
set -u
dodge=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
run() { local np=$1; shift; mpirun -n "$np" --oversubscribe "$dodge" -progress 0 "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
common=(-problem demand -algorithm doa -demand_users 23 -demand_days 2 -demand_multiday separate -output_agents all)
ref=$out/ref.h5 f=$out/run.h5 ck=$out/run.ckpt.h5
rm -f "$ref" "$f" "$ck"
run 2 "${common[@]}" -output_file "$ref" > /dev/null || fail "reference run"
run 3 "${common[@]}" -output_file "$f" -checkpoint_every 50 -checkpoint_kill_at_step 130 > "$out/kill.log" 2>&1
[ $? -ne 0 ] || fail "the killed run exited 0"
[ -f "$ck" ] || fail "no checkpoint $ck after the crash"
run 2 "${common[@]}" -output_file "$f" -checkpoint_every 50 -restart | grep -q "restart:   from .* at the end of step 100" \
  || fail "restart did not resume at step 100"
[ ! -e "$ck" ] || fail "checkpoint $ck left behind after the run completed (no -checkpoint_keep)"
/usr/bin/python3 "$here/compare_demand_runs.py" "$ref" "$f" || fail "resumed run differs from the uninterrupted one"
echo "ok: demand checkpoint"
