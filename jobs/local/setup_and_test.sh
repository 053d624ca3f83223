#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (Catch2 unit and MPI tests at 1-4 ranks, app runs,
# bad-input checks) with ctest, then the unit, MPI and bad-input tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer (the asan preset; DODGE_SANITIZE=0 skips that stage), then the libFuzzer harnesses
# of the file readers for a bounded number of executions each (the fuzz preset, clang; DODGE_FUZZ=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash jobs/local/setup.sh
source jobs/local/env.sh
ctest --preset release -j 2 "$@"
if [ "${DODGE_SANITIZE:-1}" != 0 ]; then
  echo "[test] AddressSanitizer + UBSan: unit, MPI, bad-input, policy and hostile-checkpoint tests"
  cmake --preset asan
  cmake --build --preset asan
  ctest --preset asan -j 2 -R "$(cat tests/sanitize_tests.txt | tr '\n' '|' | sed 's/|$//')"
fi
if [ "${DODGE_FUZZ:-1}" != 0 ]; then
  echo "[test] libFuzzer: the file readers, seed corpus + a bounded number of executions (tests/fuzz/README.md)"
  cmake --preset fuzz
  cmake --build --preset fuzz
  ctest --preset fuzz -j 2
fi
