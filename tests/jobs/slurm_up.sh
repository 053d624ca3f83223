#!/usr/bin/env bash
# Starts a private single-node SLURM cluster on this machine: munged + slurmctld + slurmd, with every
# config, key, socket, state, spool and log file under DIR (default: ./slurm-local). Used by the job
# tests (tests/jobs/run_slurm_tests.py) and handy for trying the templates in jobs/slurm/ on a laptop.
#
#   tests/jobs/slurm_up.sh DIR        start (or reuse, if already up) the cluster in DIR
#   source DIR/env.sh                 point sbatch/squeue/scontrol/sinfo at it (exports SLURM_CONF)
#   tests/jobs/slurm_down.sh DIR      stop exactly the daemons started here (by their pid files)
#
# Needs root (slurmd runs jobs as their owner; SlurmUser=root keeps it simple) and Debian's slurm-wlm and
# munge packages. Works without systemd and without cgroups (containers, gVisor, CI runners):
# ProctrackType=proctrack/linuxproc and TaskPlugin=task/none, no cgroup plugin is loaded.
#
# Environment knobs (all optional):
#   SLURM_UP_TIMEOUT   seconds to wait for the node to become idle        (default 60)
#   SLURM_UP_PORT      slurmctld port; slurmd uses SLURM_UP_PORT+1         (default 16817, not the system
#                      default 6817, so a system SLURM on the same machine is left alone)
#   SLURM_UP_CPUS      CPUs the node advertises (default: what `slurmd -C` reports); more than the
#                      machine has is allowed (SlurmdParameters=config_overrides) for oversubscribed tests
#   SLURM_UP_CLUSTER   ClusterName (default dodgelocal)
# Exit codes: 0 up and idle, 1 failure (the reason and the log tails are printed), 77 slurm-wlm/munge
# not installed (ctest's "skipped").
set -euo pipefail

die() { echo "slurm_up: ERROR: $*" >&2; exit 1; }
note() { echo "slurm_up: $*"; }

DIR=${1:-slurm-local}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
TIMEOUT=${SLURM_UP_TIMEOUT:-60}
PORT=${SLURM_UP_PORT:-16817}
CLUSTER=${SLURM_UP_CLUSTER:-dodgelocal}

# ---- prerequisites ----------------------------------------------------------------------------------
missing=()
for exe in slurmctld slurmd sbatch sinfo scontrol munged munge unmunge; do
  command -v "$exe" >/dev/null 2>&1 || [ -x "/usr/sbin/$exe" ] || missing+=("$exe")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "slurm_up: not installed: ${missing[*]} (Debian: apt-get install -y slurm-wlm munge)" >&2
  exit 77
fi
export PATH="$PATH:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd starts jobs as their owner); run with sudo or as root in a container/CI"

NODE=$(hostname -s 2>/dev/null || hostname)
[ -n "$NODE" ] || die "cannot determine the host name (hostname -s)"

# Unix-socket paths are limited to 107 bytes. The munge socket and slurmd's spool (which holds the
# slurmstepd sockets, "<spool>/<node>_<job>.<step>") live under DIR unless DIR is too deep; then they
# go to a short private directory under /tmp recorded in DIR/sockdir (removed by slurm_down.sh).
if [ -f "$DIR/sockdir" ] && [ -d "$(cat "$DIR/sockdir")" ]; then
  SOCKDIR=$(cat "$DIR/sockdir")
elif [ ${#DIR} -le 60 ]; then
  SOCKDIR=$DIR/run
else
  SOCKDIR=$(mktemp -d /tmp/dodge-slurm.XXXXXX)
  echo "$SOCKDIR" > "$DIR/sockdir"
fi
mkdir -p "$DIR"/{run,log,state,munge} "$SOCKDIR" "$SOCKDIR/spool"
chmod 700 "$DIR/munge"
chmod 755 "$DIR/run" "$SOCKDIR"      # munged wants its socket's folder searchable by all

CONF=$DIR/slurm.conf
MUNGE_SOCKET=$SOCKDIR/munge.socket
MUNGE_PID=$DIR/run/munged.pid
CTLD_PID=$DIR/run/slurmctld.pid
SLURMD_PID=$DIR/run/slurmd.pid

# pid_alive PIDFILE NAME: the pid in PIDFILE is a live process whose command name is NAME.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' < "$1")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] &&
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]    # a zombie is dead (containers may not reap)
}

show_logs() {
  local f
  for f in "$DIR"/log/munged.log "$DIR"/log/slurmctld.log "$DIR"/log/slurmd.log "$DIR"/log/*.stdout; do
    [ -s "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}

node_state() { SLURM_CONF=$CONF sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n1; }

# ---- already up? (idempotent) -------------------------------------------------------------------------
if [ -f "$CONF" ] && pid_alive "$MUNGE_PID" munged && pid_alive "$CTLD_PID" slurmctld && pid_alive "$SLURMD_PID" slurmd; then
  st=$(node_state || true)
  case "$st" in
    idle|mixed|allocated|completing)
      note "already up in $DIR (node $NODE $st)"
      exit 0 ;;
  esac
  note "daemons of $DIR are running but node $NODE is '${st:-unreachable}': restarting them"
fi
# Anything left from an earlier, half-dead start: stop it (only our own pids) before starting afresh.
bash "$(dirname "$0")/slurm_down.sh" "$DIR" --quiet || true

# ---- node description ----------------------------------------------------------------------------------
hw=$(slurmd -C 2>/dev/null | head -n1) || true
if [ -z "$hw" ]; then   # fall back on what the kernel says
  hw="CPUs=$(nproc) RealMemory=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)"
  note "'slurmd -C' printed nothing; using $hw"
fi
hw_cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<< "$hw")
hw_mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<< "$hw")
CPUS=${SLURM_UP_CPUS:-${hw_cpus:-1}}
MEM=$(( ${hw_mem:-1024} * 9 / 10 ))     # a little under the real size, else slurmd drains the node
[ "$MEM" -ge 100 ] || MEM=100
if [ "$CPUS" = "${hw_cpus:-}" ]; then
  # Exact topology from slurmd -C (sockets, cores, threads), so slurmd has nothing to complain about.
  nodetopo=$(grep -o 'CPUs=[0-9]* Boards=[0-9]* SocketsPerBoard=[0-9]* CoresPerSocket=[0-9]* ThreadsPerCore=[0-9]*' <<< "$hw" || echo "CPUs=$CPUS")
else
  nodetopo="CPUs=$CPUS"
fi

# ---- munge key --------------------------------------------------------------------------------------------
KEY=$DIR/munge/munge.key
if [ ! -s "$KEY" ]; then
  # A key of our own (never the system's /etc/munge/munge.key, which other services may use): mungekey
  # (munge >= 0.5.14), else 1 KiB from /dev/urandom (what create-munge-key of older munge does).
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$KEY" >/dev/null 2>&1 || true
  fi
  [ -s "$KEY" ] || dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
fi
chmod 600 "$KEY"

# ---- configuration ------------------------------------------------------------------------------------------
cat > "$CONF" <<EOF
# Written by tests/jobs/slurm_up.sh for a private single-node test cluster; regenerated on every start.
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# Private munged socket; cred_expire also sets how long a requeued job waits before it may start again
# (default 120 s, kept short for the requeue test).
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$SOCKDIR/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups (containers): track job processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct does not work; finished jobs are written to the job-completion log and stay visible to
# 'scontrol show job' for MinJobAge seconds.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MinJobAge=3600
SchedulerType=sched/backfill
# Short scheduling intervals: requeued jobs (pending on BeginTime) start within seconds, not minutes.
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
MpiDefault=none
JobRequeue=1
ReturnToService=2
KillWait=10
InactiveLimit=0
Waittime=0
MessageTimeout=20
SlurmdTimeout=300
SlurmctldTimeout=300
MailProg=/bin/true
NodeName=$NODE NodeHostname=$NODE NodeAddr=127.0.0.1 $nodetopo RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
# Not read by the plugins above; present so that nothing falls back to /etc/slurm/cgroup.conf.
cat > "$DIR/cgroup.conf" <<EOF
# Written by tests/jobs/slurm_up.sh: the test cluster uses no cgroup plugin (see slurm.conf).
CgroupPlugin=autodetect
IgnoreSystemd=yes
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainDevices=no
EOF
cat > "$DIR/env.sh" <<EOF
# source this file to use the test cluster in $DIR
export SLURM_CONF=$CONF
EOF
export SLURM_CONF=$CONF

# ---- ports free? ----------------------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$((PORT + 1))"; do
  port_busy "$p" && die "TCP port $p on 127.0.0.1 is already in use (another SLURM?); choose others with SLURM_UP_PORT=<port>"
done

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s.
wait_for() {
  local t=$1 what=$2 i=0; shift 2
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt $((t * 2)) ]; then show_logs; die "timed out after ${t}s waiting for $what"; fi
    sleep 0.5
  done
}

# ---- munged ------------------------------------------------------------------------------------------------------
note "starting munged (socket $MUNGE_SOCKET)"
# --force: munged refuses, as root, some ownership/permission layouts found in containers.
munged --force --socket="$MUNGE_SOCKET" --key-file="$KEY" --pid-file="$MUNGE_PID" \
       --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" \
       </dev/null >>"$DIR/log/munged.stdout" 2>&1 || { show_logs; die "munged failed to start"; }
wait_for 15 "munged's pid file $MUNGE_PID" pid_alive "$MUNGE_PID" munged
munge_ok() { munge -n -S "$MUNGE_SOCKET" | unmunge -S "$MUNGE_SOCKET"; }
wait_for 15 "a munge credential round trip through $MUNGE_SOCKET" munge_ok

# ---- slurmctld ------------------------------------------------------------------------------------------------
note "starting slurmctld (port $PORT, state $DIR/state)"
# -c: start from a clean state (no jobs from an earlier session); -i: ignore unreadable state files.
slurmctld -c -i -f "$CONF" </dev/null >>"$DIR/log/slurmctld.stdout" 2>&1 || { show_logs; die "slurmctld failed to start"; }
wait_for 20 "slurmctld's pid file $CTLD_PID" pid_alive "$CTLD_PID" slurmctld
wait_for 30 "slurmctld to answer (scontrol ping)" bash -c "SLURM_CONF='$CONF' scontrol ping | grep -q UP"

# ---- slurmd -------------------------------------------------------------------------------------------------------
note "starting slurmd (node $NODE, $nodetopo, RealMemory=$MEM, port $((PORT + 1)))"
slurmd -c -N "$NODE" -f "$CONF" </dev/null >>"$DIR/log/slurmd.stdout" 2>&1 || { show_logs; die "slurmd failed to start"; }
wait_for 20 "slurmd's pid file $SLURMD_PID" pid_alive "$SLURMD_PID" slurmd

# ---- node idle -------------------------------------------------------------------------------------------------------
note "waiting up to ${TIMEOUT}s for node $NODE to be idle"
i=0
while :; do
  st=$(node_state || true)
  [ "$st" = idle ] && break
  case "$st" in
    drain*|down*|fail*|inval*)
      SLURM_CONF=$CONF scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  pid_alive "$SLURMD_PID" slurmd || { show_logs; die "slurmd exited during start-up"; }
  pid_alive "$CTLD_PID" slurmctld || { show_logs; die "slurmctld exited during start-up"; }
  i=$((i + 1))
  if [ $i -gt $((TIMEOUT * 2)) ]; then
    SLURM_CONF=$CONF scontrol show node "$NODE" >&2 || true
    show_logs
    die "node $NODE is '${st:-not reported}' after ${TIMEOUT}s, not idle"
  fi
  sleep 0.5
done
note "up: cluster $CLUSTER, node $NODE idle; use it with: export SLURM_CONF=$CONF"
