# shellcheck shell=bash
# Site settings for every template in jobs/slurm/: copy to jobs/slurm/site.sh and edit (site.sh is sourced
# by common.sh when it exists). Use the ':=' form: it fills a setting only when it is still empty, so the
# environment (ACCOUNT=other jobs/slurm/single.sbatch) and edits at the top of a template still win.
# Note: plain `sbatch jobs/slurm/<template>.sbatch` reads only the #SBATCH lines and its command line for the
# allocation; these settings reach sbatch when you submit by running the template (jobs/slurm/<template>.sbatch).

: "${ACCOUNT:=my_project}"                 # sbatch --account (sacctmgr show assoc user=$USER)
: "${PARTITION:=work}"                     # sbatch --partition (sinfo -s)
: "${QOS:=}"                               # sbatch --qos (sacctmgr show qos); empty: the default QOS
: "${MODULES:=openmpi/4.1.5 petsc/3.18 hdf5/1.12-parallel}"   # module load ... in every job
# srun is the native launcher on most clusters; check the PMI flavour with `srun --mpi=list`.
: "${LAUNCHER:=srun}"
: "${SRUN_MPI:=pmix}"
# Logs of every job in one place (created at submission). DODGE and OUTDIR have defaults at the top of each
# template (build/app/dodge of this checkout, out/slurm under the submit directory); change them there or in the
# environment, e.g. export OUTDIR=/scratch/$USER/dodge.
: "${LOGDIR:=/scratch/$USER/dodge/logs}"
# Parallel HDF5 on NFS/Lustre without file locking support:
export HDF5_USE_FILE_LOCKING=FALSE
