#!/usr/bin/env bash
# Runs a command that must fail on bad input: non-zero exit, a message matching a pattern, and no output
# file claiming status = complete.  Usage: expect_fail.sh PATTERN OUTFILE [--exit N] -- command args...
# With --exit N the exit code must be exactly N (a documented code, e.g. 75 for a refused combination).
set -u
pattern=$1 outfile=$2 want=""
if [ "$3" = "--exit" ]; then want=$4; shift 5; else shift 3; fi
# The run writes OUTFILE.partial until it is complete (run/path_policy.hpp): a failed earlier run of this test
# leaves one, which a rerun would (rightly) refuse to replace.
rm -f "$outfile" "$outfile.partial"
log=$("$@" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
  echo "FAIL: expected a non-zero exit from: $*"; echo "$log"; exit 1
fi
if [ -n "$want" ] && [ "$rc" -ne "$want" ]; then
  echo "FAIL: exit $rc, expected exit $want from: $*"; echo "$log"; exit 1
fi
if ! grep -E -q -- "$pattern" <<<"$log"; then
  echo "FAIL: message does not match /$pattern/ (exit $rc) from: $*"; echo "$log"; exit 1
fi
if [ -e "$outfile" ]; then
  status=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs.get('status',''))" "$outfile" 2>/dev/null)
  if [ "$status" = "complete" ]; then echo "FAIL: $outfile claims status complete after a failed run"; exit 1; fi
fi
if grep -q -E 'Segmentation|signal 11|Abort|core dumped' <<<"$log"; then
  echo "FAIL: crashed instead of a clean error"; echo "$log"; exit 1
fi
echo "ok: exit $rc, message matches /$pattern/"
echo "$log" | grep -E -m 3 -- "$pattern"
