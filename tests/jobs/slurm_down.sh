#!/usr/bin/env bash
# Stops the private SLURM cluster started by tests/jobs/slurm_up.sh DIR: cancels its jobs, then stops
# exactly the slurmd, slurmctld and munged whose pid files are in DIR/run (a pid is signalled only if it
# is alive and its command name is the expected daemon's, so a recycled pid is never hit). Nothing else on
# the machine is touched. Safe to run twice or on a directory where nothing is running.
#
#   tests/jobs/slurm_down.sh DIR [--quiet] [--purge]
#     --quiet   print nothing when there is nothing to stop
#     --purge   also delete DIR's state, spool and the short socket directory (keeps logs and config)
set -uo pipefail

DIR=${1:-slurm-local}
shift || true
QUIET=0; PURGE=0
for a in "$@"; do
  case "$a" in
    --quiet) QUIET=1 ;;
    --purge) PURGE=1 ;;
    *) echo "slurm_down: unknown option $a" >&2; exit 2 ;;
  esac
done
[ -d "$DIR" ] || { [ $QUIET -eq 1 ] || echo "slurm_down: $DIR does not exist: nothing to stop"; exit 0; }
DIR=$(cd "$DIR" && pwd -P)
export PATH="$PATH:/usr/sbin:/sbin"
say() { [ $QUIET -eq 1 ] || echo "slurm_down: $*"; }

# alive PID NAME: PID is a live (not zombie) process whose command name is NAME.
alive() {
  [ -r "/proc/$1/comm" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pid_of() {  # pid_of PIDFILE NAME -> prints the pid if it is alive with that command name
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' < "$1")
  [ -n "$pid" ] && alive "$pid" "$2" && echo "$pid"
}

# Cancel the cluster's jobs first, so no slurmstepd or job process outlives slurmd.
if [ -f "$DIR/slurm.conf" ] && pid_of "$DIR/run/slurmctld.pid" slurmctld >/dev/null; then
  jobs=$(SLURM_CONF=$DIR/slurm.conf timeout 20 squeue -h -o '%A' 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    say "cancelling jobs $jobs"
    # shellcheck disable=SC2086
    SLURM_CONF=$DIR/slurm.conf timeout 20 scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 30); do
      left=$(SLURM_CONF=$DIR/slurm.conf timeout 10 squeue -h -t R,CG,S -o '%A' 2>/dev/null | wc -l)
      [ "$left" -eq 0 ] && break
      sleep 0.5
    done
  fi
fi

# stop PIDFILE NAME: SIGTERM, wait up to 15 s, then SIGKILL.
stop() {
  local pid
  pid=$(pid_of "$1" "$2") || { rm -f "$1"; return 0; }
  say "stopping $2 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    alive "$pid" "$2" || { rm -f "$1"; return 0; }
    sleep 0.5
  done
  say "$2 (pid $pid) ignored SIGTERM for 15 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}
stop "$DIR/run/slurmd.pid" slurmd
stop "$DIR/run/slurmctld.pid" slurmctld
stop "$DIR/run/munged.pid" munged

if [ $PURGE -eq 1 ]; then
  rm -rf "$DIR/state" "$DIR/run"
  if [ -f "$DIR/sockdir" ]; then
    sd=$(cat "$DIR/sockdir")
    case "$sd" in /tmp/dodge-slurm.*) rm -rf "$sd" ;; esac
    rm -f "$DIR/sockdir"
  fi
  say "purged state of $DIR"
fi
exit 0
