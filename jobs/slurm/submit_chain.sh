#!/bin/bash
# Submits runs and a postprocessing job that starts only when they all succeeded:
#   1. the producer template (default: jobs/slurm/aemo_array.sbatch), with the sbatch options given here;
#   2. jobs/slurm/postprocess.sbatch with --dependency=afterok:<producer job id> --kill-on-invalid-dep=yes
#      (for an array, afterok waits for every task; if one fails the postprocessing job is cancelled
#      instead of waiting forever).
#
#   jobs/slurm/submit_chain.sh [PRODUCER.sbatch] [sbatch options for the producer...]
#   OUTDIR=out/aemo jobs/slurm/submit_chain.sh                         5 regions x 2 algorithms, then the report
#   SWEEP="-seed 1;-seed 2" jobs/slurm/submit_chain.sh jobs/slurm/sweep.sbatch
#
# Every setting of the templates (OUTDIR, ACCOUNT, ...) comes from the environment, as for the templates. The
# report reads INPUTS (default: the producer's own files in OUTDIR) and writes REPORT_DIR (default
# $OUTDIR/report). Prints "<producer job id> <postprocess job id>" on stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
producer=$here/aemo_array.sbatch
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then producer=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1"); shift; fi
[ -f "$producer" ] || { echo "submit_chain: no template $producer" >&2; exit 2; }
if [ -n "${SLURM_JOB_ID:-}" ]; then
  echo "submit_chain: run this from a login shell, not inside a job (SLURM_JOB_ID=$SLURM_JOB_ID is set)" >&2; exit 2
fi

export OUTDIR=${OUTDIR:-out/slurm}
if [ -z "${INPUTS:-}" ]; then
  case "$(basename "$producer")" in
    aemo_array.sbatch) INPUTS="$OUTDIR/aemo_*.h5" ;;
    sweep.sbatch)      INPUTS="$OUTDIR/sweep_*.h5" ;;
    single.sbatch)     s=${SCENARIO:-inputs/aemo_nsw.yaml}; s=${s##*/}; INPUTS="$OUTDIR/${s%.*}.h5" ;;
    *)                 INPUTS="$OUTDIR/*.h5" ;;
  esac
fi
export INPUTS

first=$(bash "$producer" "$@")
second=$(bash "$here/postprocess.sbatch" --dependency="afterok:$first" --kill-on-invalid-dep=yes)
echo "submit_chain: $(basename "$producer") is job $first; postprocess.sbatch (afterok:$first) is job $second" >&2
echo "$first $second"
