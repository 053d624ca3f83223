#!/usr/bin/env bash
# Sets everything up and runs the default scenario (AEMO NSW, 2024-07-05..14, pdct S2, switching3, N = 6)
# on 2 ranks; writes out/dodge.h5.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash jobs/local/setup.sh
source jobs/local/env.sh
# The job (re)writes its own out/dodge.h5: rerunning it is asking for that file to be replaced.
mpirun -n 2 build/app/dodge -output_overwrite "$@"
