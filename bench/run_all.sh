#!/usr/bin/env bash
# dodge's benchmark suite, one command (bench/README.md):
#
#   bash bench/run_all.sh            # full run (about 40 minutes on 2 idle cores): N = 10^4..10^7, 1 and 2 ranks, everything
#   bash bench/run_all.sh --quick    # about a minute: the same measurements at N = 10^4, few steps (smoke test)
#
# Builds dodge and the STREAM triad if needed (Release, -O3 -march=native, into build/ unless --build-dir),
# then runs bench/suite.py, which prints a Markdown report on stdout (progress on stderr) and keeps
# report.md and results.json in --outdir (default: <build-dir>/bench-results/<UTC date-time>).
#
# Options (all optional; the rest are passed to bench/suite.py, see `bench/suite.py --help`):
#   --quick                 smoke version
#   --build-dir DIR         CMake build directory (default: build, the release preset's)
#   --no-build              use the binaries as they are
#   --scratch DIR           where the runs' HDF5 files go, i.e. the disk measured (default: <build-dir>/bench-scratch)
#   --outdir DIR            where report.md and results.json go
#   --sizes "1e4 1e5"       agent counts;  --ranks "1 2";  --algorithms pdct,li2022,doa;  --graphs ring,ws
#   --recordings off,first1000,all10;  --reps K (best of K);  --work 2e8 (agent-steps per run);
#   --skip stream,numpy,hdf5,doa_inner,matlab
# Exit status: 0 when every run succeeded and every NumPy trajectory agreed with dodge's to 1e-9.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build
BUILD_IT=1
SCRATCH=
OUTDIR=
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD=$(realpath -m "$2"); shift 2 ;;
    --no-build) BUILD_IT=0; shift ;;
    --scratch) SCRATCH=$(realpath -m "$2"); shift 2 ;;
    --outdir) OUTDIR=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$1"); shift ;;
  esac
done
SCRATCH=${SCRATCH:-$BUILD/bench-scratch}
OUTDIR=${OUTDIR:-$BUILD/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
source "$REPO/jobs/local/env.sh"

DODGE=$BUILD/app/dodge
STREAM=$BUILD/bench/stream_triad
if [ $BUILD_IT = 1 ]; then
  {
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
      echo "configuring $BUILD (Release, -O3 -march=native)"
      cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O3 -DNDEBUG -march=native"
    fi
    cmake --build "$BUILD" -j"$(nproc)" --target dodge
    # stream_triad is a target once the top-level CMakeLists.txt has add_subdirectory(bench); until then
    # (or if that fails) compile it directly with the same flags.
    if ! cmake --build "$BUILD" -j"$(nproc)" --target stream_triad >/dev/null 2>&1; then
      STREAM=$BUILD/bench-stream_triad
      if [ ! -x "$STREAM" ] || [ "$REPO/bench/stream_triad.cpp" -nt "$STREAM" ]; then
        echo "compiling $STREAM directly (mpicxx -O3 -march=native)"
        mpicxx -std=c++20 -O3 -DNDEBUG -march=native -Wall -Wextra -o "$STREAM" "$REPO/bench/stream_triad.cpp"
      fi
    fi
  } >&2
else
  [ -x "$STREAM" ] || STREAM=$BUILD/bench-stream_triad
fi
[ -x "$DODGE" ] || { echo "no dodge binary at $DODGE" >&2; exit 1; }
[ -x "$STREAM" ] || { echo "no stream_triad binary at $STREAM (run without --no-build)" >&2; exit 1; }

exec $PY "$REPO/bench/suite.py" --dodge "$DODGE" --stream "$STREAM" --scratch "$SCRATCH" --outdir "$OUTDIR" \
  ${PASS[@]+"${PASS[@]}"}
