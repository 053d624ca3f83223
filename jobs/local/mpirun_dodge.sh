#!/usr/bin/env bash
# mpirun for dodge with the exit code of a direct run when the job is signalled: SIGTERM, SIGINT or SIGUSR1
# sent to this script become SIGUSR1 to mpirun, which Open MPI forwards to every rank; dodge checkpoints at
# the end of the current step and exits 3, and so does this script. (Open MPI's mpirun does not forward a
# SIGTERM it receives itself: it kills the ranks, SIGKILL after 1 s, and exits 1 whatever they return.)
# The SLURM templates do the same (jobs/slurm/common.sh).
#   Usage: jobs/local/mpirun_dodge.sh -n 4 build/app/dodge [dodge options]    (all arguments go to mpirun)
set -u
mpirun "$@" &
pid=$!
forward() { kill -USR1 "$pid" 2>/dev/null || true; }
trap 'forward' TERM INT USR1
while :; do
  wait "$pid"
  rc=$?
  # wait returns > 128 when a trapped signal interrupts it; the run goes on to its checkpoint.
  if [ "$rc" -gt 128 ] && kill -0 "$pid" 2>/dev/null; then continue; fi
  break
done
exit "$rc"
