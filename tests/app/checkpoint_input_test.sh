#!/usr/bin/env bash
# A checkpoint carries the content (size and FNV-1a checksum) of every input file in its fingerprint (issue 18):
# a restart after the data file or an edge list was edited is refused, naming the file, with the output left as
# it was (status running); with the files restored, the same checkpoint resumes at another rank count to the
# uninterrupted run's result bit for bit.
# Usage: checkpoint_input_test.sh DODGE OUTDIR NP REPO
set -u
dodge=$1 out=$2 np=$3 repo=$4
here=$(cd "$(dirname "$0")" && pwd)
d=$out/ckinput_np$np
rm -rf "$d"; mkdir -p "$d"
cp "$repo/inputs/data/aemo/PRICE_AND_DEMAND_202407_NSW1.csv" "$d/nsw.csv"
cp "$repo/tests/data/graphs/fig1_g1.txt" "$repo/tests/data/graphs/fig1_g2.txt" "$repo/tests/data/graphs/fig1_g3.txt" "$d/"
cp "$d/nsw.csv" "$d/nsw.orig"; cp "$d/fig1_g2.txt" "$d/g2.orig"
common=(-dispatch_file "$d/nsw.csv" -graph_family file -graph_files "$d/fig1_g1.txt,$d/fig1_g2.txt,$d/fig1_g3.txt"
        -steps 150 -output_agents all -progress 0)
run() { local n=$1; shift; mpirun -n "$n" --oversubscribe "$dodge" "${common[@]}" "$@" 2>&1; }
fail() { echo "FAIL: $*"; exit 1; }
status() { /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs.get('status',''))" "$1"; }
run 2 -output_file "$d/ref.h5" > "$d/ref.log" || { cat "$d/ref.log"; fail "reference run"; }
run 2 -output_file "$d/a.h5" -checkpoint_every 50 -checkpoint_kill_at_step 110 > "$d/kill.log"
[ -f "$d/a.ckpt.h5" ] || { cat "$d/kill.log"; fail "no checkpoint"; }
refused() {  # refused WHAT PATTERN: the restart at NP ranks must fail naming PATTERN
  local log rc
  log=$(run "$np" -output_file "$d/a.h5" -restart); rc=$?
  [ $rc -ne 0 ] || { echo "$log"; fail "$1: resumed (exit 0) although an input changed"; }
  grep -q -- "written with other input files" <<<"$log" && grep -q -- "$2" <<<"$log" ||
    { echo "$log"; fail "$1: the message does not say which input changed ($2)"; }
  [ "$(status "$d/a.h5.partial")" = running ] || fail "$1: the output says $(status "$d/a.h5.partial") after a refused restart"
  echo "ok: $1 refused (exit $rc)"
}
# One digit of a demand value that the run reads (the 10-day window starts 2024-07-05), then one edge-list line.
sed -i '1300s/\([0-9]\)\.\([0-9]\)/\1.7/' "$d/nsw.csv"
cmp -s "$d/nsw.csv" "$d/nsw.orig" && fail "the data edit did not change the file"
refused "edited data file" "nsw.csv"
cp "$d/nsw.orig" "$d/nsw.csv"
echo "# an edited edge list" >> "$d/fig1_g2.txt"
refused "edited edge list" "fig1_g2.txt"
cp "$d/g2.orig" "$d/fig1_g2.txt"
log=$(run "$np" -output_file "$d/a.h5" -restart) || { echo "$log"; fail "restart with the files restored"; }
/usr/bin/python3 "$here/compare_runs.py" "$d/ref.h5" "$d/a.h5" || fail "the resumed run differs from the uninterrupted one"
echo "ok: checkpoint inputs at $np ranks"
