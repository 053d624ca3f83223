#!/usr/bin/env bash
# Reproduces the papers' experiments (algorithms.md §14) with dodge and writes docs/results.md and the figures
# docs/results/*.png; run files (HDF5, logs, results.json) go to out/reproduce/. Builds dodge first if needed
# (the release preset into build/; installs the Debian packages through setup.sh when cmake or mpirun is missing).
#
# Usage:  bash jobs/local/reproduce.sh [postprocess/reproduce options]
#   bash jobs/local/reproduce.sh                         # everything, 2 ranks per run (a few minutes)
#   bash jobs/local/reproduce.sh --quick --only Z1,Z3     # short horizons, some experiments
#   DODGE=/path/to/dodge RANKS=4 bash jobs/local/reproduce.sh
# Environment: DODGE (binary, default build/app/dodge), RANKS (MPI ranks per run, default 2), MPIEXEC (mpirun).
set -euo pipefail
cd "$(dirname "$0")/../.."
DODGE=${DODGE:-build/app/dodge}
RANKS=${RANKS:-2}

if ! command -v cmake >/dev/null || ! command -v mpirun >/dev/null; then
  bash jobs/local/setup.sh                                # packages and the release build
fi
if [ "$DODGE" = build/app/dodge ]; then
  [ -f build/CMakeCache.txt ] || cmake --preset release
  echo "[reproduce] building dodge (release preset; nothing to do when it is up to date)"
  cmake --build --preset release --target dodge
fi
[ -x "$DODGE" ] || { echo "[reproduce] error: no dodge binary at $DODGE" >&2; exit 2; }

source jobs/local/env.sh                                  # Open MPI as root, oversubscription
exec /usr/bin/python3 postprocess/reproduce --dodge "$DODGE" --ranks "$RANKS" "$@"
