#!/usr/bin/env bash
# An options file named in PETSC_OPTIONS (not on the command line) is one of the run's inputs: -output_file
# pointing at it is refused and the file stays byte for byte the same.   Usage: DODGE OUTDIR SCENARIO.yaml
set -u
dodge=$1 out=$2 scenario=$3
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$out"
cp "$scenario" "$out/opts.yaml"
before=$(sha256sum < "$out/opts.yaml")
log=$(PETSC_OPTIONS="-options_file $out/opts.yaml" mpirun -n 2 --oversubscribe "$dodge" -steps 3 -progress 0 \
      -output_overwrite -output_file "$out/opts.yaml" 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "the run wrote its output over the PETSC_OPTIONS options file"
grep -q "opts.yaml.*options file (-options_file) in PETSC_OPTIONS" <<<"$log" || { echo "$log"; fail "no message naming the PETSC_OPTIONS file"; }
[ "$(sha256sum < "$out/opts.yaml")" = "$before" ] || fail "the options file changed"
echo "ok: exit $rc, the PETSC_OPTIONS options file is protected"
