#!/usr/bin/env bash
# The SLURM templates refuse, at submission, a time limit that is not longer than the lead of their checkpoint
# signal (SLURM would signal at once and the job would checkpoint and requeue forever), naming both, and say
# what they compared when the limit is long enough. Runs the real templates in submit mode: the refusal comes
# before sbatch is called, so no cluster is needed (tests/jobs/run_slurm_tests.py submits for real).   Usage: time_lead_test.sh JOBS_DIR
set -u
jobs=$1
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# SLURM_CONF to nothing: an accepted case must never reach a real cluster from here.
submit() { env -u SLURM_JOB_ID -u SLURM_ARRAY_TASK_ID SLURM_CONF="$work/no_slurm.conf" DODGE_SITE=/dev/null LOGDIR="$work/logs" "$@" 2>"$work/err" >"$work/out"; }
refused() {  # refused NAME LIMIT_TEXT SECONDS LEAD -- env/command...
  local name=$1 limit=$2 sec=$3 lead=$4; shift 5
  submit "$@"; local rc=$?
  [ $rc -eq 2 ] || { cat "$work/err"; fail "$name: exit $rc, expected 2"; }
  grep -q "time limit $limit ($sec s) is not longer than the checkpoint signal lead $lead s.*Nothing submitted" "$work/err" \
    || { cat "$work/err"; fail "$name: no clear refusal"; }
  [ ! -s "$work/out" ] || fail "$name: printed a job id: $(cat "$work/out")"
  echo "ok: $name refused"
}
# Accepted submissions would go on to sbatch: there the check itself runs, from common.sh as the template
# sources it (its #SBATCH lines, TIME/SIGNAL_LEAD from the environment, sbatch options), and must pass.
accepted() {  # accepted NAME LIMIT_TEXT SECONDS LEAD -- [VAR=value...] TEMPLATE [sbatch options...]
  local name=$1 limit=$2 sec=$3 lead=$4; shift 5
  local -a vars=()
  while [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
  env -u SLURM_JOB_ID DODGE_SITE=/dev/null DODGE_JOBS_DIR="$jobs" "${vars[@]}" \
    bash -c '. "$DODGE_JOBS_DIR/common.sh" && dodge_check_time_lead "$@"' check "$@" 2>"$work/err" >"$work/out" \
    || { cat "$work/err"; fail "$name: refused"; }
  grep -q "time limit $limit ($sec s) exceeds the signal lead $lead s" "$work/err" || { cat "$work/err"; fail "$name: not accepted"; }
  echo "ok: $name accepted"
}
# The template's own lead (#SBATCH --signal=B:USR1@300) against TIME, -t and --time (the command line wins).
refused single_TIME 00:04:00 240 300 -- TIME=00:04:00 bash "$jobs/single.sbatch"
refused single_equal 00:05:00 300 300 -- TIME=00:05:00 bash "$jobs/single.sbatch"
refused single_dash_t 5 300 300 -- bash "$jobs/single.sbatch" -t 5
refused single_time_opt 4:59 299 300 -- TIME=01:00:00 bash "$jobs/single.sbatch" --time=4:59
refused array_lead 10 600 900 -- TIME=10 SIGNAL_LEAD=900 bash "$jobs/aemo_array.sbatch"
refused sweep_days 0-00:04 240 300 -- TIME=0-00:04 bash "$jobs/sweep.sbatch"
refused signal_opt 00:10:00 600 600 -- TIME=00:10:00 bash "$jobs/single.sbatch" --signal=B:USR1@600
accepted single_default 02:00:00 7200 300 -- "$jobs/single.sbatch"
accepted single_short 00:06:00 360 300 -- TIME=00:06:00 "$jobs/single.sbatch"
accepted sweep_lead 2 120 60 -- TIME=2 SIGNAL_LEAD=60 "$jobs/sweep.sbatch"
accepted cmdline_wins 1-00:00:00 86400 300 -- TIME=00:01:00 "$jobs/single.sbatch" --time=1-00:00:00
# A time limit that is not a SLURM time is refused too.
submit TIME=soon bash "$jobs/single.sbatch"; rc=$?
[ $rc -eq 2 ] && grep -q "time limit 'soon' is not a SLURM time" "$work/err" || { cat "$work/err"; fail "TIME=soon accepted (exit $rc)"; }
echo "ok: TIME=soon refused"
echo "ok: time limit against signal lead"
