#!/usr/bin/env bash
# Checkpoints are untrusted input (issue 15): a damaged, altered, foreign or other-version checkpoint is refused
# on -restart with a message naming what is wrong and a non-zero exit, leaving the output as it was (status
# running); the intact checkpoint then still resumes to the uninterrupted run's result bit for bit.
# Usage: hostile_checkpoint_test.sh DODGE OUTDIR NP
set -u
dodge=$1 out=$2 np=$3
here=$(cd "$(dirname "$0")" && pwd)
d=$out/hostile_np$np
rm -rf "$d"; mkdir -p "$d"
common=(-agents 17 -graph_family erdos_renyi -steps 120 -output_agents all)
run() { local n=$1; shift; mpirun -n "$n" --oversubscribe "$dodge" -progress 0 "${common[@]}" "$@" 2>&1; }
fail() { echo "FAIL: $*"; exit 1; }
py() { /usr/bin/python3 -c "$@"; }
status() { py "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs.get('status',''))" "$1"; }
run 2 -output_file "$d/ref.h5" > "$d/ref.log" || { cat "$d/ref.log"; fail "reference run"; }
# Two killed runs of the same scenario: step 100 checkpointed, killed at 110.
for r in a b; do
  run 2 -output_file "$d/$r.h5" -checkpoint_every 50 -checkpoint_kill_at_step 110 > "$d/$r.log"
  [ -f "$d/$r.ckpt.h5" ] || fail "no checkpoint $d/$r.ckpt.h5"
done
cp "$d/a.ckpt.h5" "$d/good.ckpt.h5"
cp "$d/a.h5.partial" "$d/a_copy.h5"
# hostile NAME PATTERN PYTHON: a copy of the good checkpoint altered by PYTHON (f is the open file) is refused.
hostile() {
  local name=$1 pattern=$2 code=$3 ck=$d/$1.ckpt.h5 log rc
  cp "$d/good.ckpt.h5" "$ck"
  py "import h5py, numpy as np
f = h5py.File('$ck', 'r+')
$code
f.close()" || fail "$name: could not alter the checkpoint"
  cp "$d/a_copy.h5" "$d/a.h5.partial"
  log=$(run "$np" -output_file "$d/a.h5" -checkpoint_file "$ck" -restart); rc=$?
  [ $rc -ne 0 ] || { echo "$log"; fail "$name: the altered checkpoint was resumed (exit 0)"; }
  grep -E -q -- "$pattern" <<<"$log" || { echo "$log"; fail "$name: message does not match /$pattern/"; }
  grep -q -E 'Segmentation|signal 11|core dumped' <<<"$log" && { echo "$log"; fail "$name: crashed"; }
  [ "$(status "$d/a.h5.partial")" = running ] || fail "$name: the output says $(status "$d/a.h5.partial") after a refused restart"
  echo "ok: $name refused (exit $rc): $(grep -E -m1 -o -- "$pattern.*" <<<"$log" | head -c 250)"
}
hostile short_array "dataset /state/x has shape 16, expected 17" \
  "x = f['state/x'][:16]; del f['state/x']; f['state/x'] = x"
hostile huge_step "step 1000000000 is outside \[1, T = 120\)" "f.attrs['step'] = np.int64(10**9)"
hostile negative_step "step -5 is outside \[1, T = 120\)" "f.attrs['step'] = np.int64(-5)"
hostile last_step "step 120 is outside \[1, T = 120\)" "f.attrs['step'] = np.int64(120)"
hostile altered_step "attribute step is 60, but 100 was written" "f.attrs['step'] = np.int64(60)"
hostile altered_value "dataset /state/x has checksum [0-9a-f]+, expected [0-9a-f]+ \(its values were changed\)" \
  "x = f['state/x']; x[3] = x[3] + 1e-12"
hostile extra_dataset "dataset /state/extra is not in the checkpoint's manifest" "f['state/extra'] = np.zeros(17)"
hostile no_manifest "has no root attribute state_manifest" "del f.attrs['state_manifest']"
hostile old_format "checkpoint_format 1.*resumes only checkpoint_format 2" "f.attrs['checkpoint_format'] = np.int64(1)"
hostile other_version "dodge_version 0\.0\.0-other.*of its own version" "f.attrs['dodge_version'] = '0.0.0-other'"
hostile incomplete "is incomplete \(status running\)" "f.attrs['status'] = 'running'"
# Forged checkpoints: values altered and the manifest rewritten to match, as a forger who knows the format
# would; the components' own checks refuse them (the generic algorithm's state, the attack policy's charts,
# alarms, flags and replay rings, the event trigger's copies, versions and per-edge counts).
# forge NAME CKPT OUTPUT PATTERN PYTHON [OPTS...]: CKPT altered by PYTHON (f is the open file) is refused with PATTERN
# when resumed into OUTPUT (whose .partial copy OUTPUT_copy.h5 is restored first) with OPTS.
forge() {
  local name=$1 good=$2 output=$3 pattern=$4 code=$5 ck=$d/$1.ckpt.h5 log rc
  shift 5
  cp "$good" "$ck"
  py "import h5py, numpy as np
f = h5py.File('$ck', 'r+')
$code
f.close()" || fail "$name: could not alter the checkpoint"
  /usr/bin/python3 "$here/forge_manifest.py" "$ck" || fail "$name: could not rewrite the manifest"
  cp "${output%.h5}_copy.h5" "$output.partial"
  log=$(run "$np" "$@" -output_file "$output" -checkpoint_file "$ck" -restart); rc=$?
  [ $rc -ne 0 ] || { echo "$log"; fail "$name: the forged checkpoint was resumed (exit 0)"; }
  grep -E -q -- "$pattern" <<<"$log" || { echo "$log"; fail "$name: message does not match /$pattern/"; }
  grep -q -E 'Segmentation|signal 11|core dumped' <<<"$log" && { echo "$log"; fail "$name: crashed"; }
  [ "$(status "$output.partial")" = running ] || fail "$name: the output says $(status "$output.partial") after a refused restart"
  echo "ok: $name refused (exit $rc): $(grep -E -m1 -o -- "$pattern.*" <<<"$log" | head -c 250)"
}
ck_re="checkpoint $d/[a-z_]+\.ckpt\.h5: dataset"
forge x_nan "$d/good.ckpt.h5" "$d/a.h5" "$ck_re /state/x: entry 5 = nan is not finite \(the decisions x_i\)" "f['state/x'][5] = np.nan"
forge x_short "$d/good.ckpt.h5" "$d/a.h5" "$ck_re /state/x has 1 dimension\(s\) of length 16, expected one of 17" \
  "x = f['state/x'][:16]; del f['state/x']; f['state/x'] = x"
# The attack policy (replaying attackers, the CUSUM detector) and the event trigger, each in its own killed run.
att=(-attack_agents 0.2 -attack_kind replay -attack_lag 5 -defense detect -defense_detector cusum)
trig=(-exchange_trigger true -exchange_trigger_c0 0.01)
for pol in att trig; do
  declare -n opts=$pol
  run 2 "${opts[@]}" -output_file "$d/$pol.h5" -checkpoint_every 50 -checkpoint_kill_at_step 110 > "$d/$pol.log"
  [ -f "$d/$pol.ckpt.h5" ] || { cat "$d/$pol.log"; fail "no checkpoint $d/$pol.ckpt.h5"; }
  mv "$d/$pol.ckpt.h5" "$d/${pol}_good.ckpt.h5"
  cp "$d/$pol.h5.partial" "$d/${pol}_copy.h5"
done
py "import h5py; f = h5py.File('$d/att_good.ckpt.h5', 'r'); assert (f['state/attack_alarm'][...] > 0).any(), 'no alarm'" \
  || fail "the attack checkpoint holds no alarm: the alarm cases would not test a restored alarm"
forge chart_negative "$d/att_good.ckpt.h5" "$d/att.h5" "$ck_re /state/attack_chart: entry 3 = -0.5 is outside \[0, inf\]" \
  "f['state/attack_chart'][3] = -0.5" "${att[@]}"
forge alarm_future "$d/att_good.ckpt.h5" "$d/att.h5" "$ck_re /state/attack_alarm: entry 2 = 101 is outside \[0, 100\]" \
  "f['state/attack_alarm'][2] = 101" "${att[@]}"
forge flags_negative "$d/att_good.ckpt.h5" "$d/att.h5" "$ck_re /state/attack_flags: entry 0 = -3 is outside \[0, 100\]" \
  "f['state/attack_flags'][0] = -3" "${att[@]}"
forge history_inf "$d/att_good.ckpt.h5" "$d/att.h5" "$ck_re /state/attack_history: entry 1 = inf is not finite" \
  "f['state/attack_history'][1] = np.inf" "${att[@]}"
forge version_fraction "$d/trig_good.ckpt.h5" "$d/trig.h5" "$ck_re /state/exchange_version: entry 4 = 3.5 is not a whole number" \
  "f['state/exchange_version'][4] = 3.5" "${trig[@]}"
forge sent_over_active "$d/trig_good.ckpt.h5" "$d/trig.h5" "$ck_re /state/exchange_edge_sent: entry 0 = -1 is outside .*at most the steps it was active" \
  "f['state/exchange_edge_sent'][0] = f['state/exchange_edge_active'][0] + 1" "${trig[@]}"
forge held_future "$d/trig_good.ckpt.h5" "$d/trig.h5" "$ck_re /state/exchange_held: entry 1 = 500 is outside \[0, 100\]" \
  "f['state/exchange_held'][1] = 500" "${trig[@]}"
# The intact policy checkpoints still resume.
for pol in att trig; do
  declare -n opts=$pol
  cp "$d/${pol}_copy.h5" "$d/$pol.h5.partial"
  run "$np" "${opts[@]}" -output_file "$d/$pol.h5" -checkpoint_file "$d/${pol}_good.ckpt.h5" -restart > "$d/${pol}_good.log" \
    || { cat "$d/${pol}_good.log"; fail "intact $pol checkpoint refused"; }
  # ... to the uninterrupted run's result (a rank without attackers takes part in the rings' collective I/O).
  run 2 "${opts[@]}" -output_file "$d/${pol}_ref.h5" > "$d/${pol}_ref.log" || { cat "$d/${pol}_ref.log"; fail "$pol reference run"; }
  /usr/bin/python3 "$here/compare_runs.py" "$d/${pol}_ref.h5" "$d/$pol.h5" || fail "the resumed $pol run differs from the uninterrupted one"
done
echo "ok: forged values refused and intact policy checkpoints resumed like the uninterrupted runs"
# A checkpoint of run b into the output of run a: same scenario, another run.
cp "$d/a_copy.h5" "$d/a.h5.partial"
log=$(run "$np" -output_file "$d/a.h5" -checkpoint_file "$d/b.ckpt.h5" -restart); rc=$?
[ $rc -ne 0 ] || fail "other_run: the checkpoint of another run was resumed into a.h5"
grep -E -q "cannot resume into '$d/a.h5.partial' \(-output_file '$d/a.h5'\): it is the output of run [0-9a-f]{32}, but the checkpoint '$d/b.ckpt.h5' belongs to run [0-9a-f]{32}" <<<"$log" \
  || { echo "$log"; fail "other_run: no clear message"; }
echo "ok: other_run refused (exit $rc)"
# The intact checkpoint still resumes, bit for bit the uninterrupted run, and is removed afterwards.
cp "$d/a_copy.h5" "$d/a.h5.partial"
run "$np" -output_file "$d/a.h5" -checkpoint_file "$d/good.ckpt.h5" -restart > "$d/good.log" || { cat "$d/good.log"; fail "intact checkpoint refused"; }
grep -q "restart:   from .* at the end of step 100" "$d/good.log" || fail "did not resume at step 100"
/usr/bin/python3 "$here/compare_runs.py" "$d/ref.h5" "$d/a.h5" || fail "resumed run differs from the uninterrupted one"
[ ! -e "$d/a.h5.partial" ] || fail "the working file a.h5.partial is left after the resumed run completed"
[ ! -e "$d/good.ckpt.h5" ] || fail "checkpoint left after the resumed run completed"
echo "ok: hostile checkpoints at $np ranks"
