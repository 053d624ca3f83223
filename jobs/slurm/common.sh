# shellcheck shell=bash
# Functions shared by every dodge job template in jobs/slurm/ (sourced, never run). See jobs/README.md.
#
# A template is a bash script with #SBATCH defaults, then its settings as variables (each overridable from
# the environment), then a few lines that call the functions below. It runs in one of two modes:
#
#   submit mode  (run from a shell, outside any SLURM job):  jobs/slurm/<template>.sbatch [sbatch options]
#                turns the settings into sbatch options (account, partition, QOS, tasks, time, log folder,
#                array range) and submits the template itself; prints the job id on stdout.
#   job mode     (inside the batch job SLURM started, or inside an salloc allocation):
#                loads the modules, checks the settings, runs dodge with signal forwarding, checkpoints
#                and requeueing.
# Plain `sbatch [options] jobs/slurm/<template>.sbatch` also works: then only the #SBATCH lines and the
# sbatch command line decide the allocation, and the variables only what runs inside it.
#
# Exit-code contract of the job scripts (and of dodge, whose codes pass through):
#   0  the run finished (the HDF5 file says status = complete)
#   2  the job was set up wrongly (missing binary, scenario or module; bad variable); nothing ran
#   3  dodge wrote a checkpoint at the end of a step and stopped (SIGUSR1/SIGTERM); after SIGUSR1 (time
#      limit ahead) the script has requeued the job with `scontrol requeue`, and the next start resumes
#      from the checkpoint (-restart)
#   other  dodge failed with that code (PETSc errors: see the log)

DODGE_EXIT_CHECKPOINTED=3     # dodge's "checkpointed, requeue me" code (app/ documents it too)

dodge_log() { printf '[dodge-job %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
dodge_die() { printf '[dodge-job %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 2; }

# ---- where things are --------------------------------------------------------------------------------------
DODGE_JOBS_DIR=$(cd "${DODGE_JOBS_DIR:?set by the template before sourcing common.sh}" && pwd -P)
DODGE_ROOT=${DODGE_ROOT:-$(cd "$DODGE_JOBS_DIR/../.." && pwd -P)}
export DODGE_JOBS_DIR DODGE_ROOT

# Site defaults for every template (account, partition, QOS, modules, launcher): jobs/slurm/site.sh, if it
# exists (copy site.example.sh), or the file named by DODGE_SITE (DODGE_SITE=/dev/null: none). It fills only
# what is still empty, so the environment and edits at the top of a template win.
DODGE_SITE=${DODGE_SITE:-$DODGE_JOBS_DIR/site.sh}
if [ -f "$DODGE_SITE" ] || [ "$DODGE_SITE" = /dev/null ]; then
  # shellcheck source=/dev/null
  . "$DODGE_SITE" || { echo "dodge-job: ERROR: cannot read $DODGE_SITE" >&2; exit 2; }
fi
export DODGE_SITE

# Settings every template understands (documented in jobs/README.md); templates set their own first.
export ACCOUNT=${ACCOUNT-} PARTITION=${PARTITION-} QOS=${QOS-} MODULES=${MODULES-}
export NTASKS=${NTASKS-} TIME=${TIME-} SIGNAL_LEAD=${SIGNAL_LEAD-}
export LOGDIR=${LOGDIR-}                      # empty: the directory you submit from (as plain sbatch)
export LAUNCHER=${LAUNCHER:-mpirun}           # mpirun (Open MPI, reads the SLURM allocation) | srun
export MPIRUN=${MPIRUN:-mpirun} MPIRUN_OPTS=${MPIRUN_OPTS-}
export SRUN_MPI=${SRUN_MPI:-pmix} SRUN_OPTS=${SRUN_OPTS-}
export CHECKPOINT=${CHECKPOINT:-auto}         # auto: use checkpoints if `dodge -help` lists -checkpoint_every
export CHECKPOINT_EVERY=${CHECKPOINT_EVERY:-0} # steps between periodic checkpoints (0: only on a signal)
export RESTART=${RESTART:-auto}               # auto: resume when SLURM restarted the job and a checkpoint exists
export RESTART_OPTS=${RESTART_OPTS:--restart} # what dodge needs to resume from -checkpoint_file
export MAX_RESTARTS=${MAX_RESTARTS:-20}       # give up after this many requeues of one job

dodge_in_job() { [ -n "${SLURM_JOB_ID:-}" ] && [ "${DODGE_FORCE_SUBMIT:-0}" != 1 ]; }

# dodge_resolve VAR [in|out|cmd]: makes the path in VAR absolute. A relative input path ("in", the default) is
# taken from the current directory if it exists there, else from the dodge checkout (so the defaults
# build/app/dodge and inputs/... work from anywhere); "out" paths (to be created) are always taken from the
# current directory; a "cmd" without '/' (e.g. DODGE=dodge from a module) is left for PATH.
dodge_resolve() {
  local var=$1 kind=${2:-in} v
  v=${!var-}
  [ -n "$v" ] || return 0
  case "$v" in
    /*) ;;
    *)
      if [ "$kind" = cmd ] && [[ "$v" != */* ]]; then :
      elif [ "$kind" = out ] || [ -e "$PWD/$v" ] || [ ! -e "$DODGE_ROOT/$v" ]; then v=$PWD/$v
      else v=$DODGE_ROOT/$v; fi ;;
  esac
  printf -v "$var" '%s' "$v"
  export "${var?}"
}

# ---- time limit against the signal lead -------------------------------------------------------------------------
# dodge_time_seconds TEXT: a SLURM time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS) in seconds on
# stdout; "" for UNLIMITED/INFINITE; fails on anything else.
dodge_time_seconds() {
  local t=$1 d=0 h=0 m=0 sec=0 rest
  case "$t" in UNLIMITED|unlimited|INFINITE|infinite) echo ""; return 0 ;; esac
  [[ "$t" =~ ^[0-9]+(-[0-9]+)?(:[0-9]+){0,2}$ ]] || return 1
  if [[ "$t" == *-* ]]; then
    d=${t%%-*} rest=${t#*-}
    IFS=: read -r h m sec <<< "$rest"
  else
    local -a f
    IFS=: read -ra f <<< "$t"
    case ${#f[@]} in
      1) m=${f[0]} ;;
      2) m=${f[0]} sec=${f[1]} ;;
      3) h=${f[0]} m=${f[1]} sec=${f[2]} ;;
    esac
  fi
  echo $(( (10#$d * 24 + 10#${h:-0}) * 3600 + 10#${m:-0} * 60 + 10#${sec:-0} ))
}

# dodge_check_time_lead SCRIPT [sbatch options...]: the job's time limit (TIME, a -t/--time option, else the
# template's #SBATCH --time) must exceed the lead of its checkpoint signal (SIGNAL_LEAD, a --signal option,
# else the template's #SBATCH --signal=...@LEAD): otherwise SLURM sends the signal as soon as the job starts
# and every start checkpoints at once. Says which values it compared; exits 2 (nothing submitted) when not.
dodge_check_time_lead() {
  local script=$1; shift
  local time=$TIME lead=$SIGNAL_LEAD a prev="" tsec
  [ -n "$time" ] || time=$(sed -n 's/^#SBATCH[[:space:]]*\(--time=\|-t[[:space:]]*\)\([^[:space:]]*\).*/\2/p' "$script" | head -n1)
  [ -n "$lead" ] || lead=$(sed -n 's/^#SBATCH[[:space:]]*--signal=[^@[:space:]]*@\([0-9]*\).*/\1/p' "$script" | head -n1)
  for a in "$@"; do  # the sbatch command line wins over both
    case "$a" in
      --time=*) time=${a#--time=} ;;
      --signal=*@*) lead=${a##*@} ;;
    esac
    case "$prev" in -t|--time) time=$a ;; --signal) [[ "$a" == *@* ]] && lead=${a##*@} ;; esac
    [[ "$a" =~ ^-t[0-9] ]] && time=${a#-t}
    prev=$a
  done
  [ -n "$lead" ] || return 0   # no checkpoint signal asked for
  [[ "$lead" =~ ^[0-9]+$ ]] || dodge_die "SIGNAL_LEAD=$lead must be a number of seconds"
  [ -n "$time" ] || { dodge_log "note: no time limit given here (the partition's applies); SIGUSR1 comes $lead s before it" >&2; return 0; }
  tsec=$(dodge_time_seconds "$time") || dodge_die "time limit '$time' is not a SLURM time (minutes, HH:MM:SS, D-HH:MM:SS)"
  [ -n "$tsec" ] || return 0
  if [ "$tsec" -le "$lead" ]; then
    dodge_die "time limit $time ($tsec s) is not longer than the checkpoint signal lead $lead s (SIGNAL_LEAD or --signal=B:USR1@$lead): SLURM would send SIGUSR1 as soon as the job starts and it would checkpoint and requeue at once, forever; raise TIME or lower SIGNAL_LEAD. ${DODGE_LEAD_ACTION:-Nothing submitted}"
  fi
  dodge_log "time limit $time ($tsec s) exceeds the signal lead $lead s: dodge checkpoints about $lead s before the limit" >&2
}

# ---- submit mode ------------------------------------------------------------------------------------------------
# dodge_submit SCRIPT [template sbatch options...] -- [user sbatch options...]
# Prints the job id on stdout and a line for humans on stderr.
dodge_submit() {
  local script=$1; shift
  local -a opts=(--parsable --export=ALL)
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ "${1-}" = -- ] && shift
  dodge_check_time_lead "$script" "${opts[@]}" "$@"
  [ -n "$ACCOUNT" ] && opts+=(--account="$ACCOUNT")
  [ -n "$PARTITION" ] && opts+=(--partition="$PARTITION")
  [ -n "$QOS" ] && opts+=(--qos="$QOS")
  [ -n "$NTASKS" ] && opts+=(--ntasks="$NTASKS")
  [ -n "$TIME" ] && opts+=(--time="$TIME")
  [ -n "$SIGNAL_LEAD" ] && opts+=(--signal="B:USR1@$SIGNAL_LEAD")
  if [ -n "$LOGDIR" ]; then
    # Same file name pattern as the template's own #SBATCH --output line, in LOGDIR.
    local pattern
    pattern=$(sed -n 's/^#SBATCH[[:space:]]*--output=\([^[:space:]]*\).*/\1/p' "$script" | head -n1)
    mkdir -p "$LOGDIR" || dodge_die "cannot create LOGDIR=$LOGDIR"
    opts+=(--output="$LOGDIR/$(basename "${pattern:-%x-%j.out}")")
  fi
  command -v sbatch >/dev/null 2>&1 || dodge_die "sbatch not found: submit from a SLURM login node (or load its module)"
  local jid
  jid=$(sbatch "${opts[@]}" "$@" "$script") || dodge_die "sbatch refused $(basename "$script") (options: ${opts[*]} $*)"
  jid=${jid%%;*}
  echo "dodge-job: submitted $(basename "$script") as job $jid (logs in ${LOGDIR:-$PWD})" >&2
  echo "$jid"
}

# ---- job mode ---------------------------------------------------------------------------------------------------
dodge_load_modules() {
  [ -n "$MODULES" ] || return 0
  if ! type module >/dev/null 2>&1; then
    local f
    for f in /etc/profile.d/lmod.sh /etc/profile.d/modules.sh "${MODULESHOME:-/nonexistent}/init/bash" /usr/share/lmod/lmod/init/bash; do
      # shellcheck source=/dev/null
      [ -f "$f" ] && . "$f" && break
    done
  fi
  type module >/dev/null 2>&1 || dodge_die "MODULES='$MODULES' is set but this node has no 'module' command"
  # shellcheck disable=SC2086
  module load $MODULES || dodge_die "module load $MODULES failed"
  dodge_log "loaded modules: $MODULES"
}

# dodge_job_setup: everything a job does before its first run. Fails (exit 2) on a bad setting.
dodge_job_setup() {
  set -o pipefail
  # From here on SIGUSR1 (SLURM's warning before the time limit) and SIGTERM (scancel, preemption) are
  # remembered and forwarded to a running dodge instead of killing this script (see dodge_run).
  DODGE_SIGNAL="" DODGE_PID=""
  trap '_dodge_on_signal USR1' USR1
  trap '_dodge_on_signal TERM' TERM
  dodge_load_modules
  # Plain sbatch skips the submit-mode check: the limit SLURM actually granted against the lead, before any run.
  if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null 2>&1; then
    local granted
    granted=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/.*TimeLimit=\([^[:space:]]*\).*/\1/p' | head -n1)
    [ -n "$granted" ] && TIME=$granted DODGE_LEAD_ACTION="Not running (exit 2)" dodge_check_time_lead "$0"
  fi
  # Open MPI refuses to start as root unless told; containers and CI run jobs as root.
  if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
  dodge_resolve DODGE cmd
  dodge_resolve OUTDIR out
  command -v "$DODGE" >/dev/null 2>&1 || dodge_die "DODGE=$DODGE is not an executable (build it: cmake --preset release && cmake --build --preset release; or set DODGE)"
  mkdir -p "$OUTDIR" || dodge_die "cannot create OUTDIR=$OUTDIR"
  case "$LAUNCHER" in mpirun|srun) ;; *) dodge_die "LAUNCHER=$LAUNCHER: use mpirun or srun" ;; esac
  dodge_log "job ${SLURM_JOB_ID:-?}${SLURM_ARRAY_TASK_ID:+ (array ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID})} '${SLURM_JOB_NAME:-}' on ${SLURM_JOB_NODELIST:-$(hostname)}: ${SLURM_NTASKS:-?} tasks, restart ${SLURM_RESTART_COUNT:-0}, launcher $LAUNCHER"
  dodge_log "dodge: $DODGE; output folder: $OUTDIR"
}

# dodge_check_file VAR: VAR names an existing input file (after dodge_resolve).
dodge_check_file() {
  dodge_resolve "$1"
  [ -f "${!1}" ] || dodge_die "$1=${!1} does not exist"
}

# dodge_has_checkpoint: 0 when this dodge can checkpoint (CHECKPOINT=yes, or auto and -help lists it).
dodge_has_checkpoint() {
  case "$CHECKPOINT" in
    yes|1|true) return 0 ;;
    no|0|false) return 1 ;;
  esac
  if [ -z "${DODGE_HAS_CHECKPOINT:-}" ]; then
    # Whole output first (a `| grep -q` could SIGPIPE dodge, which pipefail reports as failure); one rank,
    # so SLURM_NTASKS is 1 for this probe.
    local help
    help=$(SLURM_NTASKS=1 SLURM_NPROCS=1 "$DODGE" -help 2>&1 </dev/null || true)
    if [[ "$help" == *-checkpoint_every* ]]; then DODGE_HAS_CHECKPOINT=1; else DODGE_HAS_CHECKPOINT=0; fi
  fi
  [ "$DODGE_HAS_CHECKPOINT" = 1 ]
}

# dodge_launch N ARGS...: starts dodge on N ranks in the background (pid in DODGE_PID).
# mpirun: Open MPI reads the allocation from SLURM; SLURM_NTASKS is set to N for the launched ranks so that
#         dodge's start-up check (ranks == SLURM_NTASKS) holds for sub-runs of a bigger allocation, exactly
#         as srun does for a job step. Each job gets its own Open MPI session directory base
#         (OMPI_MCA_orte_tmpdir_base, unless set): mpiruns of jobs that start at the same moment on one node
#         otherwise race to create the shared /tmp/ompi.<host>.<uid> and one fails ("mkdir ... File exists").
# srun:   a job step with N tasks; on real clusters prefer LAUNCHER=srun SRUN_MPI=pmix (or what `srun --mpi=list`
#         and the site's docs say).
dodge_launch() {
  local n=$1; shift
  # shellcheck disable=SC2086   # MPIRUN_OPTS and SRUN_OPTS are word lists
  case "$LAUNCHER" in
    mpirun)
      DODGE_OMPI_BASE=${OMPI_MCA_orte_tmpdir_base:-${TMPDIR:-/tmp}/dodge-ompi-${SLURM_JOB_ID:-$$}}
      mkdir -p "$DODGE_OMPI_BASE" || dodge_die "cannot create the Open MPI session directory base $DODGE_OMPI_BASE"
      OMPI_MCA_orte_tmpdir_base=$DODGE_OMPI_BASE SLURM_NTASKS=$n SLURM_NPROCS=$n "$MPIRUN" -n "$n" $MPIRUN_OPTS "$DODGE" "$@" & ;;
    srun)   srun --mpi="$SRUN_MPI" --ntasks="$n" $SRUN_OPTS "$DODGE" "$@" & ;;
  esac
  DODGE_PID=$!
}

_dodge_on_signal() {
  DODGE_SIGNAL=$1
  if [ -n "${DODGE_PID:-}" ] && kill -0 "$DODGE_PID" 2>/dev/null; then
    dodge_log "received SIG$1: asking dodge (pid $DODGE_PID) to checkpoint at the end of the current step (SIGUSR1)"
    # Always USR1: mpirun and srun forward it to every rank, while a SIGTERM would make mpirun kill them.
    kill -USR1 "$DODGE_PID" 2>/dev/null || true
  else
    dodge_log "received SIG$1 while dodge was not running"
  fi
}

# dodge_wait: waits for DODGE_PID through trapped signals; sets DODGE_RC.
dodge_wait() {
  while :; do
    wait "$DODGE_PID"; DODGE_RC=$?
    # wait returns >128 when a trapped signal interrupts it; the run itself goes on.
    if [ "$DODGE_RC" -gt 128 ] && kill -0 "$DODGE_PID" 2>/dev/null; then continue; fi
    break
  done
  # The per-job session directory base (dodge_launch), once Open MPI has removed its own directory in it.
  [ -z "${OMPI_MCA_orte_tmpdir_base:-}" ] && [ -n "${DODGE_OMPI_BASE:-}" ] && rmdir "$DODGE_OMPI_BASE" 2>/dev/null
  return 0
}

# _dodge_requeue: puts this job back in the queue (SLURM_RESTART_COUNT goes up) and exits with DODGE_RC.
_dodge_requeue() {
  if [ -n "${SLURM_JOB_ID:-}" ] && scontrol requeue "$SLURM_JOB_ID"; then
    dodge_log "requeued; the next start resumes from the checkpoint"
    sleep 30 || true   # SLURM ends this instance of the job now
  else
    dodge_log "ERROR: scontrol requeue failed (job submitted with --no-requeue, or JobRequeue=0?): resubmit with RESTART=yes"
  fi
  exit "$DODGE_RC"
}

# dodge_run N OUTPUT_FILE [dodge options...]
# One production run of dodge on N ranks writing OUTPUT_FILE, with checkpoint/restart and requeueing:
#  - passes -checkpoint_file <OUTPUT_FILE without .h5>.ckpt.h5 (dodge's default name), and
#    -checkpoint_every CHECKPOINT_EVERY if > 0;
#  - when SLURM restarted the job (SLURM_RESTART_COUNT > 0) and that checkpoint exists, adds RESTART_OPTS;
#  - forwards SIGUSR1 (SLURM's --signal=B:USR1@lead) and SIGTERM to dodge as SIGUSR1;
#  - on exit code 3 after SIGUSR1 (or a checkpoint dodge took on its own) requeues the job and exits 3.
# Returns 0 when dodge succeeded; exits with dodge's code otherwise.
dodge_run() {
  local n=$1 out=$2; shift 2
  local ckpt=${out%.h5}.ckpt.h5 restarts=${SLURM_RESTART_COUNT:-0}
  local -a opts=("$@" -output_file "$out")
  if dodge_has_checkpoint; then
    opts+=(-checkpoint_file "$ckpt")
    [ "${CHECKPOINT_EVERY:-0}" -gt 0 ] && opts+=(-checkpoint_every "$CHECKPOINT_EVERY")
    local resume=0
    case "$RESTART" in
      yes|1|true) resume=1 ;;
      auto) [ "$restarts" -gt 0 ] && [ -e "$ckpt" ] && resume=1 ;;
    esac
    if [ $resume = 1 ]; then
      [ -e "$ckpt" ] || dodge_die "RESTART=$RESTART but the checkpoint $ckpt does not exist"
      # shellcheck disable=SC2206
      opts+=($RESTART_OPTS)
      dodge_log "resuming from checkpoint $ckpt (restart $restarts)"
    elif [ "$restarts" -gt 0 ]; then
      dodge_log "restart $restarts but no checkpoint $ckpt yet: starting from the first step"
      # The interrupted output is this job's own (status running): dodge refuses to replace a file unasked.
      opts+=(-output_overwrite)
    fi
  else
    dodge_log "note: this dodge cannot checkpoint (-checkpoint_every not in -help): a time-limit signal cannot save the run"
  fi
  [ "$restarts" -le "$MAX_RESTARTS" ] || { dodge_log "ERROR: requeued $restarts times (MAX_RESTARTS=$MAX_RESTARTS): giving up"; exit 1; }

  case "${DODGE_SIGNAL:-}" in
    USR1) # the time limit is already near: do not start a run that cannot checkpoint in time
      dodge_log "SIGUSR1 arrived before dodge started: requeueing job ${SLURM_JOB_ID:-?} without running"
      DODGE_RC=$DODGE_EXIT_CHECKPOINTED
      _dodge_requeue ;;
    TERM) dodge_log "SIGTERM arrived before dodge started: stopping"; exit 143 ;;
  esac
  dodge_log "run: $LAUNCHER -n $n $DODGE ${opts[*]}"
  dodge_launch "$n" "${opts[@]}"
  dodge_wait
  case "$DODGE_RC" in
    0)
      dodge_log "dodge finished: $out"
      return 0 ;;
    "$DODGE_EXIT_CHECKPOINTED")
      if [ "$DODGE_SIGNAL" = TERM ]; then
        # scancel or preemption: SLURM requeues preempted jobs itself (PreemptMode=REQUEUE); a cancel stays cancelled.
        dodge_log "dodge checkpointed to $ckpt after SIGTERM; not requeueing (cancelled or preempted)"
        exit "$DODGE_RC"
      fi
      dodge_log "dodge checkpointed to $ckpt (exit code $DODGE_RC): requeueing job ${SLURM_JOB_ID:-?}"
      _dodge_requeue ;;
    *)
      dodge_log "ERROR: dodge failed with exit code $DODGE_RC${DODGE_SIGNAL:+ (after SIG$DODGE_SIGNAL)}"
      exit "$DODGE_RC" ;;
  esac
}

# dodge_split_sets "A;B;C" -> the option sets, one per line (for sweeps).
dodge_split_sets() { tr ';' '\n' <<< "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | sed '/^$/d'; }

# dodge_tag "-pdct_scheme S1 -pdct_alpha0 2" -> "pdct_scheme-S1_pdct_alpha0-2" (file-name safe)
dodge_tag() {
  local t
  t=$(sed 's/^-//; s/[[:space:]]\{1,\}-/_/g; s/[[:space:]]\{1,\}/-/g; s/[^A-Za-z0-9._=-]/_/g' <<< "$1")
  echo "${t:-default}"
}

# ---- scaling studies ------------------------------------------------------------------------------------------------
# dodge_scaling strong|weak: runs dodge once per rank count in RANKS (inside this allocation), REPEATS times
# each keeping the fastest, and writes one table, $OUTDIR/scaling_<kind>_<jobid>.{tsv,md}, from dodge's summary
# lines "agent-steps per second" and "time in steps" (the steps' wall time). Strong: AGENTS agents for every rank count; weak:
# AGENTS_PER_RANK x ranks. Speedup and efficiency are relative to the smallest rank count p0:
#   strong: speedup = rate_p / rate_p0, efficiency = speedup * p0 / p
#   weak:   speedup = rate_p / rate_p0, efficiency = (rate_p / p) / (rate_p0 / p0)
# (rate = agent-steps per second, which is finer-grained than the wall time printed to 1 ms).
dodge_scaling() {
  local kind=$1
  local jid=${SLURM_JOB_ID:-local}
  local tsv=$OUTDIR/scaling_${kind}_${jid}.tsv md=$OUTDIR/scaling_${kind}_${jid}.md
  local rundir=$OUTDIR/scaling_${kind}_${jid}
  local avail=${SLURM_NTASKS:-1} p agents rep log rate wall rc
  local -a extra
  if [ "$kind" = strong ]; then
    [[ "${AGENTS:-}" =~ ^[0-9]+$ ]] || dodge_die "AGENTS='${AGENTS:-}' must be a number of agents"
  else
    [[ "${AGENTS_PER_RANK:-}" =~ ^[0-9]+$ ]] || dodge_die "AGENTS_PER_RANK='${AGENTS_PER_RANK:-}' must be a number"
  fi
  [[ "${STEPS:-}" =~ ^[0-9]+$ ]] || dodge_die "STEPS='${STEPS:-}' must be a number of steps"
  mkdir -p "$rundir"
  read -ra extra <<< "$EXTRA_OPTS"
  printf 'ranks\tagents\tsteps\twall_s\tagent_steps_per_s\tspeedup\tefficiency\n' > "$tsv.tmp"
  for p in $RANKS; do
    [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -gt 0 ] || dodge_die "RANKS='$RANKS' must be positive integers"
    if [ "$p" -gt "$avail" ]; then dodge_log "skipping $p ranks: the allocation has $avail tasks"; continue; fi
    if [ "$kind" = strong ]; then agents=$AGENTS; else agents=$((AGENTS_PER_RANK * p)); fi
    : > "$rundir/np${p}.log"
    for rep in $(seq 1 "${REPEATS:-1}"); do
      log=$rundir/np${p}_rep${rep}.log
      dodge_log "$kind scaling: $p ranks, $agents agents, $STEPS steps (repeat $rep of ${REPEATS:-1})"
      dodge_launch "$p" -options_file "$SCENARIO" -agents "$agents" -steps "$STEPS" -output_file none -progress 0 "${extra[@]}" > "$log" 2>&1
      dodge_wait; rc=$DODGE_RC
      cat "$log"; cat "$log" >> "$rundir/np${p}.log"
      [ "$rc" -eq 0 ] || dodge_die "$kind scaling run on $p ranks failed (exit code $rc, log $log)"
    done
    # the fastest repeat
    rate=$(awk '/agent-steps per second/ {print $4}' "$rundir/np${p}.log" | sort -g | tail -n1)
    wall=$(awk '/^ *time in steps/ {print $4}' "$rundir/np${p}.log" | sort -g | head -n1)
    [ -n "$rate" ] && [ -n "$wall" ] || dodge_die "no summary lines in $rundir/np${p}.log"
    printf '%s\t%s\t%s\t%s\t%s\t\t\n' "$p" "$agents" "$STEPS" "$wall" "$rate" >> "$tsv.tmp"
  done
  # speedup and efficiency relative to the first row
  awk -F'\t' -v kind="$kind" 'BEGIN{OFS="\t"} NR==1 {print; next}
    { if (NR==2) {p0=$1; r0=$5}
      s = (r0 > 0) ? $5 / r0 : 0
      e = (kind == "strong") ? s * p0 / $1 : (r0 > 0 ? ($5 / $1) / (r0 / p0) : 0)
      $6 = sprintf("%.3f", s); $7 = sprintf("%.3f", e); print }' "$tsv.tmp" > "$tsv"
  rm -f "$tsv.tmp"
  [ "$(wc -l < "$tsv")" -gt 1 ] || dodge_die "no rank count of RANKS='$RANKS' fits in $avail tasks"
  {
    echo "# dodge $kind scaling, job $jid on ${SLURM_JOB_NODELIST:-$(hostname)}"
    echo
    echo "Scenario \`$SCENARIO\`, $STEPS steps, launcher $LAUNCHER${EXTRA_OPTS:+, options \`$EXTRA_OPTS\`}; best of ${REPEATS:-1}."
    echo
    awk -F'\t' 'NR==1 {h="|"; s="|"; for (i=1;i<=NF;i++) {h=h" "$i" |"; s=s" ---: |"}; print h; print s; next}
                {l="|"; for (i=1;i<=NF;i++) l=l" "$i" |"; print l}' "$tsv"
  } > "$md"
  dodge_log "scaling table: $tsv and $md"
  cat "$md"
}
