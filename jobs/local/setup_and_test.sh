#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (Catch2 unit and MPI tests at 1-4 ranks, app runs,
# bad-input checks) with ctest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash jobs/local/setup.sh
source jobs/local/env.sh
ctest --preset release -j 2 "$@"
