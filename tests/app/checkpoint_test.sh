#!/usr/bin/env bash
# Checkpoint/restart end to end: a run killed (SIGKILL) after a checkpoint, or stopped by SIGUSR1, and
# resumed with -restart on another rank count ends with the same agent trajectories (bitwise) and series
# as an uninterrupted run.   Usage: checkpoint_test.sh DODGE OUTDIR MODE
# (MODE: kill13 | kill32 | signal | pev | regression; the last two are kill13 on the vector families;
#  trigger | masks | laplace: kill13 with the exchange features of algorithms.md §13 on, whose state — held
#  copies, versions, per-edge counts — must resume bitwise too, /exchange included; attack: a replay attacker
#  and the detector of §13.3, whose replay history and per-edge chart state must resume bitwise, /attack included)
set -u
dodge=$1 out=$2 mode=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
run() { local np=$1; shift; mpirun -n "$np" --oversubscribe "$dodge" -progress 0 "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
case $mode in
  kill13|kill32|pev|regression|trigger|masks|laplace|attack)
    [ $mode = kill32 ] && { np1=3; np2=2; } || { np1=1; np2=2; }
    common=(-agents 17 -graph_family erdos_renyi -graph_link_failure 0.2 -steps 400 -output_agents all)
    # The vector families (x in R^24 and 48 rows; x in R^5) through the same crash and restart.
    [ $mode = pev ] && common=(-problem pev -pev_steps 400 "${common[@]}")
    [ $mode = regression ] && common=(-problem regression -algorithm dopp "${common[@]}")
    [ $mode = trigger ] && common+=(-exchange_trigger true -exchange_trigger_c0 0.1)
    [ $mode = masks ] && common+=(-exchange_privacy masks)
    [ $mode = laplace ] && common+=(-algorithm li2022 -exchange_privacy laplace -exchange_privacy_phi 1)
    [ $mode = attack ] && common+=(-attack_agents 2,9 -attack_kind replay -attack_lag 30 -attack_start 150 -defense detect)
    ref=$out/ref_$mode.h5 f=$out/run_$mode.h5 ck=$out/run_$mode.ckpt.h5
    rm -f "$ref" "$f" "$ck"
    run 2 "${common[@]}" -output_file "$ref" > /dev/null || fail "reference run"
    # Crash at the end of step 250: the last checkpoint is step 200 (every 100); steps 201-250 were written
    # to the output before the crash and are recomputed after the restart.
    run $np1 "${common[@]}" -output_file "$f" -checkpoint_every 100 -checkpoint_kill_at_step 250 > "$out/$mode.log" 2>&1
    rc=$?
    [ $rc -ne 0 ] || fail "the killed run exited 0"
    [ -f "$ck" ] || fail "no checkpoint $ck after the crash"
    status=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['status'])" "$f.partial")
    [ "$status" = running ] || fail "output of the crashed run (its working file $f.partial) says status $status"
    [ ! -e "$f" ] || fail "the crashed run left a file under the final name $f"
    run $np2 "${common[@]}" -output_file "$f" -checkpoint_every 100 -checkpoint_keep -restart | tee "$out/${mode}_restart.log" | grep -q "restart:   from .* at the end of step 200" \
      || fail "restart did not resume at step 200"
    /usr/bin/python3 "$here/compare_runs.py" "$ref" "$f" || fail "resumed run differs from the uninterrupted one"
    case $mode in trigger|masks|laplace)
      /usr/bin/python3 "$here/check_exchange.py" --same "$ref" "$f" || fail "resumed /exchange differs from the uninterrupted one";;
    attack)
      /usr/bin/python3 "$here/check_attack.py" --same "$ref" "$f" || fail "resumed /attack differs from the uninterrupted one";;
    esac
    # A checkpoint from another scenario is refused.
    log=$(run $np2 "${common[@]}" -seed 2 -output_file "$out/other.h5" -checkpoint_file "$ck" -restart 2>&1) && fail "a different scenario was resumed"
    grep -q "different scenario.*seed" <<<"$log" || { echo "$log"; fail "no clear message for a checkpoint of another scenario"; }
    ;;
  signal)
    common=(-agents 200000 -graph_family ring -steps 2880 -output_agents first:50 -output_stride 10)
    ref=$out/ref_sig.h5 f=$out/run_sig.h5 ck=$out/run_sig.ckpt.h5
    rm -f "$ref" "$f" "$ck"
    run 2 "${common[@]}" -output_file "$ref" > /dev/null || fail "reference run"
    # mpirun itself in the background (not a shell function: $! must be mpirun's pid).
    mpirun -n 2 --oversubscribe "$dodge" -progress 0 "${common[@]}" -output_file "$f" > "$out/sig.log" 2>&1 &
    pid=$!
    # Open MPI's mpirun forwards SIGUSR1 to every rank; wait until the run is stepping.
    for _ in $(seq 100); do grep -q "output:" "$out/sig.log" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    kill -USR1 $pid
    wait $pid
    rc=$?
    [ $rc -eq 3 ] || { cat "$out/sig.log"; fail "expected exit code 3 after SIGUSR1, got $rc"; }
    grep -q "signal received: checkpoint of step" "$out/sig.log" || fail "no checkpoint message"
    run 1 "${common[@]}" -output_file "$f" -restart > /dev/null || fail "restart after the signal"
    # The run completed: its checkpoint is removed (no -checkpoint_keep).
    [ ! -e "$ck" ] || fail "checkpoint $ck left behind after the run completed"
    /usr/bin/python3 "$here/compare_runs.py" "$ref" "$f" || fail "resumed run differs from the uninterrupted one"
    ;;
  sigterm_rank|sigterm_launcher)
    # SIGTERM as a user or a batch system sends it: to one rank process directly (mpirun then reports the
    # ranks' code), or to jobs/local/mpirun_dodge.sh, which forwards it as SIGUSR1. Either way: exit 3, a
    # checkpoint, and the restart completes. (A bare mpirun given SIGTERM exits 1: Open MPI kills the ranks.)
    common=(-agents 200000 -graph_family ring -steps 2000 -output_agents first:20 -output_stride 100)
    f=$out/run_$mode.h5 ck=$out/run_$mode.ckpt.h5
    rm -f "$f" "$ck"
    if [ $mode = sigterm_rank ]; then
      mpirun -n 2 --oversubscribe "$dodge" -progress 0 "${common[@]}" -output_file "$f" > "$out/$mode.log" 2>&1 &
    else
      "$here/../../jobs/local/mpirun_dodge.sh" -n 2 --oversubscribe "$dodge" -progress 0 "${common[@]}" -output_file "$f" \
        > "$out/$mode.log" 2>&1 &
    fi
    pid=$!
    for _ in $(seq 100); do grep -q "output:" "$out/$mode.log" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    if [ $mode = sigterm_rank ]; then
      # One rank of this job only (a child of this mpirun): the others learn of it in the step's reduction.
      rank=$(pgrep -P "$pid" -n -x dodge)
      [ -n "$rank" ] || fail "no dodge rank under mpirun $pid"
      kill -TERM "$rank"
    else
      kill -TERM $pid
    fi
    wait $pid
    rc=$?
    [ $rc -eq 3 ] || { cat "$out/$mode.log"; fail "expected exit code 3 after SIGTERM ($mode), got $rc"; }
    grep -q "signal received: checkpoint of step" "$out/$mode.log" || fail "no checkpoint message"
    [ -f "$ck" ] || fail "no checkpoint $ck"
    run 3 "${common[@]}" -output_file "$f" -restart > "$out/${mode}_restart.log" 2>&1 || { cat "$out/${mode}_restart.log"; fail "restart after SIGTERM"; }
    status=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['status'])" "$f")
    [ "$status" = complete ] || fail "resumed run says status $status"
    ;;
esac
echo "ok: $mode"
