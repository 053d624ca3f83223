#!/usr/bin/env bash
# The output path policy (issue 15) end to end: a path the run must not write is refused before anything is
# written, with a message naming it and a non-zero exit, and the file that was there is byte for byte unchanged.
# Usage: output_policy_test.sh DODGE OUTDIR DATA_DIR INPUTS_DIR NP CASE
# CASE: options | data | symlink | edges | checkpoint | directory | parent_file | unwritable | complete |
#       overwrite | foreign | unfinished | lock | stale_lock | atomic
set -u
dodge=$1 out=$2 data=$3 inputs=$4 np=$5 case=$6
d=$out/policy_${case}_np$np
rm -rf "$d"; mkdir -p "$d"
run() { mpirun -n "$np" --oversubscribe "$dodge" -progress 0 -steps 20 "$@" 2>&1; }
fail() { echo "FAIL ($case): $*"; exit 1; }
sum() { md5sum "$1" | cut -d' ' -f1; }
status() { /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs.get('status',''))" "$1" 2>/dev/null; }
runid() { /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs.get('run_id',''))" "$1" 2>/dev/null; }
# refused PATTERN PROTECTED args...: the run fails matching PATTERN, PROTECTED (if a file) is unchanged.
refused() {
  local pattern=$1 keep=$2; shift 2
  local before="" log rc
  [ -f "$keep" ] && before=$(sum "$keep")
  local hadlock=0; [ -e "$keep.lock" ] && hadlock=1
  log=$(run "$@"); rc=$?
  [ $rc -ne 0 ] || { echo "$log"; fail "exit 0, expected a refusal"; }
  grep -E -q -- "$pattern" <<<"$log" || { echo "$log"; fail "message does not match /$pattern/"; }
  grep -q -E 'Segmentation|signal 11|core dumped' <<<"$log" && { echo "$log"; fail "crashed"; }
  [ -z "$before" ] || [ "$(sum "$keep")" = "$before" ] || fail "$keep was changed"
  [ $hadlock = 1 ] || [ ! -e "$keep.lock" ] || fail "the refused run left a lock file $keep.lock"
  echo "ok: $case refused (exit $rc): $(grep -E -m1 -o -- "$pattern.*" <<<"$log" | head -c 300)"
}
csv=$d/PRICE.csv
cp "$data/aemo/PRICE_AND_DEMAND_202407_NSW1.csv" "$csv"
case $case in
  options)
    cp "$inputs/synthetic.yaml" "$d/opts.yaml"
    refused "-output_file '$d/opts.yaml' is the same file as the input '$d/opts.yaml' \(options file" "$d/opts.yaml" \
      -options_file "$d/opts.yaml" -output_file "$d/opts.yaml" -output_overwrite ;;
  data)
    refused "-output_file '$csv' is the same file as the input '$csv' \(CSV input\)" "$csv" \
      -dispatch_file "$csv" -output_file "$csv" -output_overwrite ;;
  symlink)
    ln -s "$csv" "$d/link.h5"
    refused "-output_file '$d/link.h5' is the same file as the input '$csv'" "$csv" \
      -dispatch_file "$csv" -output_file "$d/link.h5" -output_overwrite ;;
  edges)
    printf '0 1\n1 2\n2 3\n3 4\n4 5\n5 0\n' > "$d/ring6.txt"
    refused "is the same file as the input '$d/ring6.txt' \(edge list" "$d/ring6.txt" \
      -graph_family file -graph_files "$d/ring6.txt" -output_file "$d/ring6.txt" -output_overwrite ;;
  checkpoint)
    refused "-checkpoint_file '$csv' is the same file as the input '$csv'" "$csv" \
      -dispatch_file "$csv" -output_file "$d/run.h5" -checkpoint_file "$csv" -checkpoint_every 5 ;;
  directory)
    mkdir -p "$d/dir.h5"
    refused "-output_file '$d/dir.h5' is a directory" "" -output_file "$d/dir.h5" -output_overwrite
    refused "-output_file '$d/dir.h5' is a directory" "" -output_file "$d/dir.h5" -dispatch_file "$d/missing.csv" ;;
  parent_file)
    refused "cannot create -output_file '$csv/run.h5': '$csv' is not a directory" "$csv" -output_file "$csv/run.h5" ;;
  unwritable)
    # /proc takes no new files, even from root (chmod would not stop root).
    refused "cannot (create files next to|write in directory).*/proc/dodge_policy_$np.h5" "" -output_file "/proc/dodge_policy_$np.h5" ;;
  complete|overwrite)
    run -output_file "$d/run.h5" > "$d/first.log" || { cat "$d/first.log"; fail "first run"; }
    [ "$(status "$d/run.h5")" = complete ] || fail "first run not complete"
    id1=$(runid "$d/run.h5")
    [ ${#id1} -eq 32 ] || fail "run_id '$id1' is not 32 hex digits"
    if [ $case = complete ]; then
      refused "-output_file '$d/run.h5' is the complete output of an earlier run \(run id $id1\); give -output_overwrite" \
        "$d/run.h5" -output_file "$d/run.h5"
      # ... and before the setup reads any input: a data file that does not exist is not reached.
      refused "-output_file '$d/run.h5' is the complete output of an earlier run" "$d/run.h5" -output_file "$d/run.h5" \
        -dispatch_file "$d/missing.csv"
    else
      run -output_file "$d/run.h5" -output_overwrite > "$d/second.log" || { cat "$d/second.log"; fail "run with -output_overwrite"; }
      [ "$(status "$d/run.h5")" = complete ] || fail "overwritten file not complete"
      [ "$(runid "$d/run.h5")" != "$id1" ] || fail "the file was not replaced (same run_id)"
      [ ! -e "$d/run.h5.lock" ] || fail "lock file left after a completed run"
      echo "ok: overwrite replaced run $id1 by $(runid "$d/run.h5")"
    fi ;;
  foreign)
    echo "my notes" > "$d/notes.h5"
    refused "-output_file '$d/notes.h5' exists and is not a dodge output file" "$d/notes.h5" -output_file "$d/notes.h5"
    /usr/bin/python3 -c "import h5py,sys; h5py.File(sys.argv[1],'w')['x']=[1.0]" "$d/other.h5"
    refused "-output_file '$d/other.h5' exists and is not a dodge output file" "$d/other.h5" -output_file "$d/other.h5" ;;
  atomic)
    # The complete output of a first run survives a second one that fails, even with -output_overwrite: the
    # second writes run.h5.partial, which a third run (complete) renames over run.h5. A device is written in place.
    run -output_file "$d/run.h5" > "$d/first.log" || { cat "$d/first.log"; fail "first run"; }
    before=$(sum "$d/run.h5") id1=$(runid "$d/run.h5")
    [ ! -e "$d/run.h5.partial" ] || fail "a complete run left its working file run.h5.partial"
    run -output_file "$d/run.h5" -output_overwrite -metrics false -test_nonfinite_at_step 7 > "$d/second.log"
    rc=$?
    [ $rc -eq 72 ] || { cat "$d/second.log"; fail "the failing run exited $rc, expected 72"; }
    [ "$(sum "$d/run.h5")" = "$before" ] || fail "the failed run changed the complete output of the first"
    [ "$(status "$d/run.h5.partial")" = failed ] || fail "the failed run's working file says '$(status "$d/run.h5.partial")'"
    run -output_file "$d/run.h5" -output_overwrite > "$d/third.log" || { cat "$d/third.log"; fail "third run"; }
    [ "$(status "$d/run.h5")" = complete ] && [ "$(runid "$d/run.h5")" != "$id1" ] || fail "the third run did not replace run.h5"
    [ ! -e "$d/run.h5.partial" ] || fail "the third run left run.h5.partial"
    grep -q "output:    $d/run.h5 (written as $d/run.h5.partial until complete)" "$d/third.log" || fail "banner does not name the working file"
    # HDF5 cannot set the size of /dev/null (the run fails, as before the working name); what matters is that the
    # device is still there, not replaced by a regular file renamed over it.
    run -output_file /dev/null -output_overwrite > "$d/null.log"
    [ -c /dev/null ] && [ ! -e /dev/null.partial ] || fail "/dev/null was not written in place"
    echo "ok: a failed run kept the earlier complete output (md5 $before); the next replaced it; /dev/null in place" ;;
  unfinished)
    run -output_file "$d/run.h5" -checkpoint_every 5 -checkpoint_kill_at_step 12 > "$d/kill.log"
    [ "$(status "$d/run.h5.partial")" = running ] || fail "killed run's working file is not status running"
    [ ! -e "$d/run.h5" ] || fail "the killed run left a file under the final name"
    refused "'$d/run.h5.partial' holds an unfinished dodge run writing -output_file '$d/run.h5' \(status running, run id [0-9a-f]+\); resume it with -restart" "$d/run.h5.partial" -output_file "$d/run.h5"
    run -output_file "$d/run.h5" -checkpoint_every 5 -restart > "$d/restart.log" || { cat "$d/restart.log"; fail "restart"; }
    [ "$(status "$d/run.h5")" = complete ] || fail "resumed run not complete"
    [ ! -e "$d/run.ckpt.h5" ] || fail "checkpoint left after the resumed run completed"
    echo "ok: unfinished run resumed (the stale lock of the killed run was taken over), checkpoint removed" ;;
  lock)
    echo "otherhost 4242" > "$d/run.h5.lock"
    refused "another dodge run \(host otherhost, pid 4242\) is writing -output_file '$d/run.h5' \(lock file.*another host's lock \(this is $(hostname)\).*never taken over" "" -output_file "$d/run.h5"
    # Another host's lock whose pid is dead here is still not taken over: only the host can tell.
    sleep 0 & dead=$!; wait $dead
    echo "otherhost $dead" > "$d/run.h5.lock"
    refused "another dodge run \(host otherhost, pid $dead\).*never taken over" "" -output_file "$d/run.h5"
    [ ! -e "$d/run.h5" ] || fail "the refused run created the output" ;;
  stale_lock)
    # A lock of this host whose process is gone (a killed run) is taken over.
    sh -c 'exit 0' & dead=$!; wait $dead
    echo "$(hostname) $dead" > "$d/run.h5.lock"
    run -output_file "$d/run.h5" > "$d/run.log" || { cat "$d/run.log"; fail "run with a stale lock"; }
    [ ! -e "$d/run.h5.lock" ] || fail "lock file left after the run"
    echo "ok: stale lock taken over" ;;
  *) fail "unknown case" ;;
esac
