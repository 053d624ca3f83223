#!/usr/bin/env bash
# Checkpoint/restart of the gridcell family (docs/gridcell.md §16.10, §16.14 item 14) end to end.
# Usage: gridcell_checkpoint_test.sh DODGE OUTDIR MODE
#   MODE ALG:FORECAST:NP1:NP2:KILL  a run of ALG (none | mmr) with -gridcell_forecast FORECAST, checkpointed every
#        100 steps and killed (SIGKILL) at the end of step KILL on NP1 ranks, resumed with -restart on NP2 ranks,
#        ends like the uninterrupted run: /agents and /summary bitwise, /series and the gridcell_* summary
#        attributes to 1e-12 (check_gridcell.py resumed). A kill before step 384 resumes before the evaluation
#        window (the last 2 of 6 days), one after it inside.
#        FORECAST rls+PRIVACY runs the shares (-gridcell_forecast_neighbours true) with -gridcell_share_privacy PRIVACY:
#        and -graph_link_failure 0.3: their ybar lags and held neighbour values are checkpointed too. An optional
#        sixth field R_AVG adds model averaging every R_AVG steps (-gridcell_rls 4,0.99,100,R_AVG). An optional
#        seventh field SEC turns §16.8 on (needs the shares): ewma = scale attackers (rho_A = 0.2 from day 2) and the
#        EWMA chart (burn-in 48), replay = replaying attackers and the CUSUM; their charts, sigma_hat and replay rings
#        are checkpointed too; with ALG mmr or mfq the market channel (§16.8) is attacked and watched as well (its
#        charts, sigma_hat, rings and the cut edges rebuilt from the alarms). An optional eighth field ROUTE turns routing on (§16.7) with links failing (q = 0.3):
#        route = scheduled mode, realized = realized mode; its controller state, the copies' versions per edge and
#        the PCC's state are checkpointed too. ALG mfq learns over -mfq_passes 2 (the kill falls in the recorded
#        second pass) with -gridcell_output_q true: Q_i, the last state, action, mean field and bill, and the first
#        pass's daily costs are checkpointed too (the final Q is compared bitwise with the rest of /summary).
#   MODE hostile_values | hostile_counts | hostile_shares   a checkpoint altered in its values is refused with a message naming the file, the dataset and
#        the bad value, a non-zero exit and the output left unfinished (status running): once by the manifest
#        (values changed after it was written), then with the manifest rewritten to match, as a forger who knows
#        the format would, by the family's own checks (SoC outside [SoC_lo, SoC_hi], non-finite RLS state, lags
#        outside [0, z_max]: hostile_values; counts that do not follow from the step, shapes, a missing dataset:
#        hostile_counts, two tests that run side by side; the held shares: hostile_shares; the detector's charts,
#        sigma_hat and the replay rings: hostile_security; routing's controller state, versions and PCC:
#        hostile_route; mfq's Q tables, states, actions, mean fields and pass costs: hostile_mfq). The intact
#        checkpoint then resumes (hostile_values, hostile_shares, hostile_security, hostile_route, hostile_mfq,
#        hostile_market: the market channel's charts, sigma_hat and replay rings of n_hat; hostile_dual: the dual
#        channel's charts, values seen and sigma_hat in the send policy, pdct).
set -u
dodge=$1 out=$2 mode=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
common=(-problem gridcell -gridcell_days 6 -gridcell_eval_days 2 -agents 37 -output_agents all -progress 0)
run() { local np=$1; shift; mpirun -n "$np" --oversubscribe "$dodge" "${common[@]}" "$@" 2>&1; }
fail() { echo "FAIL: $*"; exit 1; }
py() { /usr/bin/python3 -c "$@"; }
status() { py "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs.get('status',''))" "$1"; }

if [ "${mode#hostile_}" = "$mode" ]; then
  IFS=: read -r alg fc np1 np2 kill ravg sec route <<<"$mode"
  ck_step=$(( kill / 100 * 100 ))
  tag=${alg}_${fc}_${np1}${np2}
  # FORECAST rls+PRIVACY: the neighbour-augmented RLS with shares obfuscated by PRIVACY (none | laplace | mask).
  opts=(-algorithm "$alg" -gridcell_forecast "${fc%%+*}")
  # Links down with probability 0.3: a held share then outlives its step, so a restart needs the held values.
  [ "${fc#*+}" = "$fc" ] || opts+=(-gridcell_forecast_neighbours true -gridcell_share_privacy "${fc#*+}" -graph_link_failure 0.3)
  [ -z "$ravg" ] || opts+=(-gridcell_rls 4,0.99,100,"$ravg")
  [ "$alg" = mfq ] && opts+=(-mfq_passes 2 -gridcell_output_q true)
  case "$sec" in
    '') ;;
    ewma) opts+=(-gridcell_attack_fraction 0.2 -gridcell_attack_start_day 2 -gridcell_detect ewma -gridcell_detect_params 24,48,1,3.5,3) ;;
    replay) opts+=(-gridcell_attack_fraction 0.2 -gridcell_attack_start_day 2 -gridcell_attack_mode replay -gridcell_detect cusum) ;;
    *) fail "unknown SEC field $sec" ;;
  esac
  [ -z "$sec" ] || tag=${tag}_$sec
  case "$route" in
    '') ;;
    route | realized)
      opts+=(-gridcell_route true)
      [ "$route" = realized ] && opts+=(-gridcell_route_mode realized)
      [ "${fc#*+}" = "$fc" ] && opts+=(-graph_link_failure 0.3)
      tag=${tag}_$route ;;
    *) fail "unknown ROUTE field $route" ;;
  esac
  # The files are named after the whole tag (cases that differ only in SEC or ROUTE must not share them).
  ref=$out/ref_$tag.h5 f=$out/run_$tag.h5 ck=$out/run_$tag.ckpt.h5
  rm -f "$ref" "$f" "$f.partial" "$ck"
  run 2 "${opts[@]}" -output_file "$ref" > "$out/ref_$tag.log" || { cat "$out/ref_$tag.log"; fail "reference run"; }
  run "$np1" "${opts[@]}" -output_file "$f" -checkpoint_every 100 -checkpoint_kill_at_step "$kill" > "$out/kill_$tag.log"
  [ $? -ne 0 ] || fail "the killed run exited 0"
  [ -f "$ck" ] || { cat "$out/kill_$tag.log"; fail "no checkpoint $ck after the crash"; }
  [ "$(status "$f.partial")" = running ] || fail "the crashed run's output says $(status "$f.partial")"
  run "$np2" "${opts[@]}" -output_file "$f" -checkpoint_every 100 -restart > "$out/restart_$tag.log" \
    || { cat "$out/restart_$tag.log"; fail "restart"; }
  grep -q "restart:   from .* at the end of step $ck_step" "$out/restart_$tag.log" || fail "restart did not resume at step $ck_step"
  [ ! -e "$ck" ] || fail "checkpoint $ck left behind after the run completed (no -checkpoint_keep)"
  /usr/bin/python3 "$here/check_gridcell.py" resumed "$ref" "$f" || fail "the resumed run differs from the uninterrupted one"
  echo "ok: gridcell checkpoint $mode"
  exit 0
fi

d=$out/$mode
rm -rf "$d"; mkdir -p "$d"
opts=(-algorithm mmr)
[ $mode = hostile_shares ] && opts=(-algorithm none -gridcell_forecast_neighbours true -graph_link_failure 0.3)
[ $mode = hostile_route ] && opts=(-algorithm mmr -gridcell_route true -graph_link_failure 0.3)
[ $mode = hostile_mfq ] && opts=(-algorithm mfq -mfq_passes 2 -gridcell_output_q true)
# The dual channel (§16.8's form, pdct's mu and y): scale attackers from day 2 and the EWMA chart (burn-in 48).
[ $mode = hostile_dual ] && opts=(-algorithm pdct -gridcell_attack_fraction 0.2 -gridcell_attack_start_day 2 -gridcell_detect ewma
  -gridcell_detect_params 24,48,1,3.5,3)
# The market channel (§16.8): replaying attackers (main-step rings of n_hat) and the EWMA chart on n_hat' - n.
[ $mode = hostile_market ] && opts=(-algorithm mmr -gridcell_forecast_neighbours true -gridcell_attack_fraction 0.2
  -gridcell_attack_start_day 2 -gridcell_attack_mode replay -gridcell_attack_lag 24 -gridcell_detect ewma -gridcell_detect_params 24,48,1,3.5,3
  -gridcell_detect_channels market)
[ $mode = hostile_security ] && opts=(-algorithm none -gridcell_forecast_neighbours true -gridcell_attack_fraction 0.2
  -gridcell_attack_start_day 2 -gridcell_attack_mode replay -gridcell_detect ewma -gridcell_detect_params 24,48,1,3.5,3)
# Step 300 checkpointed, killed at 320.
run 2 "${opts[@]}" -output_file "$d/a.h5" -checkpoint_every 100 -checkpoint_kill_at_step 320 > "$d/a.log"
[ -f "$d/a.ckpt.h5" ] || { cat "$d/a.log"; fail "no checkpoint"; }
mv "$d/a.ckpt.h5" "$d/good.ckpt.h5"
cp "$d/a.h5.partial" "$d/a_copy.h5"
# A home with a battery and one without (from the run's inputs).
read -r bat nobat < <(py "import h5py, numpy as np
b = h5py.File('$d/a_copy.h5', 'r')['inputs/gridcell/has_battery'][...] > 0.5
print(int(np.argmax(b)), int(np.argmin(b)))")
# hostile NAME FORGE PATTERN PYTHON: a copy of the good checkpoint altered by PYTHON (f is the open file; with
# FORGE = forge its manifest is then rewritten to match the altered datasets) is refused with PATTERN.
hostile() {
  local name=$1 forge=$2 pattern=$3 code=$4 ck=$d/$1.ckpt.h5 log rc
  cp "$d/good.ckpt.h5" "$ck"
  py "import h5py, numpy as np
f = h5py.File('$ck', 'r+')
$code
f.close()" || fail "$name: could not alter the checkpoint"
  [ "$forge" != forge ] || /usr/bin/python3 "$here/forge_manifest.py" "$ck" || fail "$name: could not rewrite the manifest"
  cp "$d/a_copy.h5" "$d/a.h5.partial"
  log=$(run 2 "${opts[@]}" -output_file "$d/a.h5" -checkpoint_file "$ck" -restart); rc=$?
  [ $rc -ne 0 ] || { echo "$log"; fail "$name: the altered checkpoint was resumed (exit 0)"; }
  grep -E -q -- "$pattern" <<<"$log" || { echo "$log"; fail "$name: message does not match /$pattern/"; }
  grep -q -E 'Segmentation|signal 11|core dumped' <<<"$log" && { echo "$log"; fail "$name: crashed"; }
  [ "$(status "$d/a.h5.partial")" = running ] || fail "$name: the output says $(status "$d/a.h5.partial") after a refused restart"
  echo "ok: $name refused (exit $rc): $(grep -E -m1 -o -- "$pattern.*" <<<"$log" | head -c 250)"
}
ckre="checkpoint $d/[a-z_]+\.ckpt\.h5: dataset"
if [ $mode = hostile_values ]; then
hostile altered_soc keep "dataset /state/gridcell_soc has checksum [0-9a-f]+, expected [0-9a-f]+ \(its values were changed\)" \
  "x = f['state/gridcell_soc']; x[$bat] = x[$bat] - 1e-3"
hostile soc_high forge "$ckre /state/gridcell_soc: home $bat has soc = 1.5, outside \[0.1, 1\]" \
  "f['state/gridcell_soc'][$bat] = 1.5"
hostile soc_no_battery forge "$ckre /state/gridcell_soc_shadow: home $nobat has soc_shadow = 0.5, outside \[0, 0\] \(a home without battery\)" \
  "f['state/gridcell_soc_shadow'][$nobat] = 0.5"
hostile theta_nan forge "$ckre /state/gridcell_theta: home 3 entry 2 has theta = nan, not finite" \
  "f['state/gridcell_theta'][3 * 9 + 2] = np.nan"
hostile rls_inf forge "$ckre /state/gridcell_rls_P: home 36 entry 80 has rls_P = inf, not finite" \
  "f['state/gridcell_rls_P'][36 * 81 + 80] = np.inf"
hostile lag_negative forge "$ckre /state/gridcell_lags: home 20 entry 1 has lags = -0.5, outside \[0, 4\]" \
  "f['state/gridcell_lags'][20 * 4 + 1] = -0.5"
elif [ $mode = hostile_shares ]; then
# The held shares: each entry names its neighbour, which must be the run's; a value is NaN (none held) or in
# [0, z_max] (the shares are not obfuscated here); both arrays have one entry per union-graph in-edge.
read -r nb0 nb1 < <(py "import h5py; g = h5py.File('$d/good.ckpt.h5', 'r')['state/gridcell_held_gid'][...]; print(g[0], g[1])")
hostile held_gid forge "$ckre /state/gridcell_held_gid: home 0 neighbour entry 0 is home $nb1, but this run's graph has home $nb0 there" \
  "f['state/gridcell_held_gid'][0] = $nb1"
hostile held_inf forge "$ckre /state/gridcell_held: home 0 holds inf from home $nb1, not finite" \
  "f['state/gridcell_held'][1] = np.inf"
hostile held_high forge "$ckre /state/gridcell_held: home 0 holds 7 from home $nb0, outside \[0, 4\]" \
  "f['state/gridcell_held'][0] = 7"
hostile held_short forge "$ckre /state/gridcell_held has 1 dimension\(s\) of length [0-9]+, expected one of [0-9]+ \(the union graph's in-edges\)" \
  "x = f['state/gridcell_held'][:-1]; del f['state/gridcell_held']; f['state/gridcell_held'] = x"
hostile nlags_negative forge "$ckre /state/gridcell_nlags: home 5 entry 2 has nlags = -0.25, outside \[0, 4\]" \
  "f['state/gridcell_nlags'][5 * 4 + 2] = -0.25"
hostile missing_held forge "/state/gridcell_held' in '$d/missing_held\.ckpt\.h5'" "del f['state/gridcell_held']; del f['state/gridcell_held_gid']"
elif [ $mode = hostile_security ]; then
# §16.8's state: the charts (s0, s1, values seen, alarm step; EWMA here, so |s0| <= 10 and s1 = 0), sigma_hat
# (NaN or at least the floor 0.05), the replay rings (unobfuscated shares: in [0, z_max]); shapes and presence.
read -r nb0 < <(py "import h5py; print(h5py.File('$d/good.ckpt.h5', 'r')['state/gridcell_held_gid'][0])")
py "import h5py; f = h5py.File('$d/good.ckpt.h5', 'r'); c = f['state/gridcell_charts'][...].reshape(-1, 4)
import numpy as np; assert (~np.isnan(c[:, 3])).any(), 'no alarm before the checkpoint'; assert f['state/gridcell_replay'].size > 0" \
  || fail "the checkpoint holds no alarm or no replay ring: the hostile cases would not test the restored state"
hostile chart_inf forge "$ckre /state/gridcell_charts: home 0's chart of home $nb0 holds \(inf, .*\): a chart statistic is not finite" \
  "f['state/gridcell_charts'][0] = np.inf"
hostile chart_high forge "$ckre /state/gridcell_charts: home 0's chart of home $nb0 holds \(11, .*\): the EWMA chart must have \|s0\| <= 10" \
  "f['state/gridcell_charts'][0] = 11"
hostile chart_seen forge "$ckre /state/gridcell_charts: home 0's chart of home $nb0 .*: the count of values seen is not a whole number" \
  "f['state/gridcell_charts'][2] = 2.5"
hostile chart_alarm forge "$ckre /state/gridcell_charts: home 0's chart of home $nb0 .*, 100000\): the alarm step is not a whole step" \
  "f['state/gridcell_charts'][3] = 1e5"
hostile sigma_low forge "$ckre /state/gridcell_sigma: home 4 has sigma = 0.001, not finite or below the floor 0.05" \
  "f['state/gridcell_sigma'][4] = 1e-3"
hostile replay_high forge "$ckre /state/gridcell_replay: entry 3 = 7 is not finite or outside \[0, 4\]" \
  "f['state/gridcell_replay'][3] = 7"
hostile charts_short forge "$ckre /state/gridcell_charts has 1 dimension\(s\) of length [0-9]+, expected one of [0-9]+ \(4 per union-graph in-edge\)" \
  "x = f['state/gridcell_charts'][:-4]; del f['state/gridcell_charts']; f['state/gridcell_charts'] = x"
hostile missing_replay forge "/state/gridcell_replay' in '$d/missing_replay\.ckpt\.h5'" "del f['state/gridcell_replay']"
elif [ $mode = hostile_market ]; then
# The market channel's state: its charts, sigma_hat (floor 0.05 kW) and the replay rings of n_hat (finite, |v| <= 10^6 kW).
read -r nb0 < <(py "import h5py; print(h5py.File('$d/good.ckpt.h5', 'r')['state/gridcell_held_gid'][0])")
py "import h5py; f = h5py.File('$d/good.ckpt.h5', 'r'); c = f['state/gridcell_charts_market'][...].reshape(-1, 4)
import numpy as np; assert (~np.isnan(c[:, 3])).any(), 'no alarm before the checkpoint'; assert f['state/gridcell_replay_market'].size > 0" \
  || fail "the checkpoint holds no market alarm or no replay ring: the hostile cases would not test the restored state"
hostile mchart_nan forge "$ckre /state/gridcell_charts_market: home 0's chart of home $nb0 holds \(nan, .*\): a chart statistic is not finite" \
  "f['state/gridcell_charts_market'][0] = np.nan"
hostile mchart_high forge "$ckre /state/gridcell_charts_market: home 0's chart of home $nb0 holds \(-12, .*\): the EWMA chart must have \|s0\| <= 10" \
  "f['state/gridcell_charts_market'][0] = -12"
hostile mchart_alarm forge "$ckre /state/gridcell_charts_market: home 0's chart of home $nb0 .*, 301\): the alarm step is not a whole step" \
  "f['state/gridcell_charts_market'][3] = 301"
hostile msigma_low forge "$ckre /state/gridcell_sigma_market: home 2 has sigma = 0.01, not finite or below the floor 0.05" \
  "f['state/gridcell_sigma_market'][2] = 0.01"
hostile mreplay_huge forge "$ckre /state/gridcell_replay_market: entry 1 = 1000000000 is not finite or outside \[-1000000, 1000000\]" \
  "f['state/gridcell_replay_market'][1] = 1e9"
hostile mreplay_short forge "$ckre /state/gridcell_replay_market has 1 dimension\(s\) of length [0-9]+, expected one of [0-9]+ \(the replaying attackers' rings\)" \
  "x = f['state/gridcell_replay_market'][:-1]; del f['state/gridcell_replay_market']; f['state/gridcell_replay_market'] = x"
hostile missing_msigma forge "/state/gridcell_sigma_market' in '$d/missing_msigma\.ckpt\.h5'" "del f['state/gridcell_sigma_market']"
elif [ $mode = hostile_dual ]; then
# The dual channel's detector state in the send policy: the charts (EWMA |chi| <= 10), the values seen (whole, at
# most the step), sigma_hat (positive, NaN before its first value); shapes and presence.
py "import h5py, numpy as np; f = h5py.File('$d/good.ckpt.h5', 'r'); assert (f['state/attack_alarm'][...] > 0).any(), 'no alarm'
assert (f['state/attack_seen'][...] > 0).any()" || fail "the checkpoint holds no dual alarm: the hostile cases would not test the restored state"
hostile dchart_high forge "$ckre /state/attack_chart: .*-12.*\[-10, 10\]" "f['state/attack_chart'][4] = -12"
hostile dchart_nan forge "$ckre /state/attack_chart: .*nan" "f['state/attack_chart'][2] = np.nan"
hostile dseen_negative forge "$ckre /state/attack_seen: .*-1" "f['state/attack_seen'][1] = -1"
hostile dseen_future forge "$ckre /state/attack_seen: .*301.*at most the checkpoint's step" "f['state/attack_seen'][0] = 301"
hostile dsigma_negative forge "$ckre /state/attack_sigma: .*-0\.5.*the residual scale is positive" "f['state/attack_sigma'][3] = -0.5"
hostile dsigma_inf forge "$ckre /state/attack_sigma: .*inf" "f['state/attack_sigma'][0] = np.inf"
hostile dalarm_future forge "$ckre /state/attack_alarm: .*400" "f['state/attack_alarm'][0] = 400"
hostile dseen_short forge "$ckre /state/attack_seen has 1 dimension\(s\) of length [0-9]+, expected one of [0-9]+ \(one per union in-edge and coordinate\)" \
  "x = f['state/attack_seen'][:-1]; del f['state/attack_seen']; f['state/attack_seen'] = x"
hostile missing_dsigma forge "/state/attack_sigma' in '$d/missing_dsigma\.ckpt\.h5'" "del f['state/attack_sigma']"
elif [ $mode = hostile_route ]; then
# Routing's state: zeta within its limit (0.1 V* = 38 V), the copies' versions whole numbers (>= 0 per home, >= -1
# per edge, each edge naming the run's neighbour), the PCC's six values; shapes and presence.
read -r nb0 nb1 < <(py "import h5py; g = h5py.File('$d/good.ckpt.h5', 'r')['state/gridcell_route_seen_gid'][...]; print(g[0], g[1])")
hostile zeta_high forge "$ckre /state/gridcell_route_zeta: home 7 has route_zeta = 50, outside \[-38, 38\]" \
  "f['state/gridcell_route_zeta'][7] = 50"
hostile vbar_nan forge "$ckre /state/gridcell_route_vbar: home 2 has route_vbar = nan, not finite" \
  "f['state/gridcell_route_vbar'][2] = np.nan"
hostile version_negative forge "$ckre /state/gridcell_route_version: home 3 has route_version = -1, outside" \
  "f['state/gridcell_route_version'][3] = -1"
hostile seen_gid forge "$ckre /state/gridcell_route_seen_gid: home 0 neighbour entry 0 is home $nb1, but this run's graph has home $nb0 there" \
  "f['state/gridcell_route_seen_gid'][0] = $nb1"
hostile seen_fraction forge "$ckre /state/gridcell_route_seen: home 0 has version 2.5 of home $nb1's copy, not a whole number >= -1" \
  "f['state/gridcell_route_seen'][1] = 2.5"
hostile seen_short forge "$ckre /state/gridcell_route_seen has 1 dimension\(s\) of length [0-9]+, expected one of [0-9]+ \(the union graph's in-edges\)" \
  "x = f['state/gridcell_route_seen'][:-1]; del f['state/gridcell_route_seen']; f['state/gridcell_route_seen'] = x"
hostile pcc_zeta forge "$ckre /state/gridcell_route_pcc holds zeta = 100, .*\|zeta\| <= 38\.? V" \
  "f['state/gridcell_route_pcc'][0] = 100"
hostile pcc_short forge "$ckre /state/gridcell_route_pcc has 5 values, expected 6" \
  "x = f['state/gridcell_route_pcc'][:5]; del f['state/gridcell_route_pcc']; f['state/gridcell_route_pcc'] = x"
hostile missing_pcc forge "/state/gridcell_route_pcc' in '$d/missing_pcc\.ckpt\.h5'" "del f['state/gridcell_route_pcc']"
elif [ $mode = hostile_mfq ]; then
# mfq's state: Q finite and bounded (1e12 $), 0 without a battery; the state in 0..74, the action in 0..2 (both -1
# without a battery) and the mean field in 0..2, all whole numbers; the pass costs finite, 0 for the days to come.
hostile q_nan forge "$ckre /state/gridcell_mfq_q: home $bat entry 7 has mfq_q = nan, not finite" \
  "f['state/gridcell_mfq_q'][$bat * 675 + 7] = np.nan"
hostile q_huge forge "$ckre /state/gridcell_mfq_q: home $bat entry 8 has mfq_q = 1000000000000000, outside \[-1000000000000, 1000000000000\]" \
  "f['state/gridcell_mfq_q'][$bat * 675 + 8] = 1e15"
hostile q_no_battery forge "$ckre /state/gridcell_mfq_q: home $nobat entry 0 has mfq_q = 1, outside \[0, 0\] \(a home without battery\)" \
  "f['state/gridcell_mfq_q'][$nobat * 675] = 1"
hostile state_high forge "$ckre /state/gridcell_mfq_state: home $bat has mfq_state = 75, outside \[0, 74\] or not a whole number" \
  "f['state/gridcell_mfq_state'][$bat] = 75"
hostile action_fraction forge "$ckre /state/gridcell_mfq_action: home $bat has mfq_action = 1.5, outside \[0, 2\] or not a whole number" \
  "f['state/gridcell_mfq_action'][$bat] = 1.5"
hostile action_no_battery forge "$ckre /state/gridcell_mfq_action: home $nobat has mfq_action = 0, outside \[-1, -1\] or not a whole number \(a home without battery\)" \
  "f['state/gridcell_mfq_action'][$nobat] = 0"
hostile mf_negative forge "$ckre /state/gridcell_mfq_mf: home 4 has mfq_mf = -1, outside \[0, 2\]" \
  "f['state/gridcell_mfq_mf'][4] = -1"
hostile pass_future forge "$ckre /state/gridcell_mfq_pass_days entry 11 = 5 is not 0 for a day after the checkpointed step" \
  "f['state/gridcell_mfq_pass_days'][11] = 5"
hostile pass_short forge "$ckre /state/gridcell_mfq_pass_days has 11 values, expected 12 \(2 passes x 6 days\)" \
  "x = f['state/gridcell_mfq_pass_days'][:11]; del f['state/gridcell_mfq_pass_days']; f['state/gridcell_mfq_pass_days'] = x"
hostile missing_q forge "/state/gridcell_mfq_q' in '$d/missing_q\.ckpt\.h5'" "del f['state/gridcell_mfq_q']"
else
hostile short_soc forge "$ckre /state/gridcell_soc has 1 dimension\(s\) of length 36, expected one of 37 \(37 homes x 1\)" \
  "x = f['state/gridcell_soc'][:36]; del f['state/gridcell_soc']; f['state/gridcell_soc'] = x"
hostile long_lags forge "$ckre /state/gridcell_lags has 1 dimension\(s\) of length 152, expected one of 148 \(37 homes x 4\)" \
  "x = np.append(f['state/gridcell_lags'][...], np.zeros(4)); del f['state/gridcell_lags']; f['state/gridcell_lags'] = x"
hostile nseen forge "$ckre /state/gridcell_counts holds nseen = 589 and tau = 587, but step 300 after 288 warm-up steps needs 588 and 587" \
  "f['state/gridcell_counts'][0] = 589"
hostile acc_steps forge "$ckre /state/gridcell_acc entry 0 \(main window, field 0\) = 1000 is not the step count 300" \
  "f['state/gridcell_acc'][0] = 1000"
hostile acc_negative forge "$ckre /state/gridcell_acc entry 5 \(main window, field 5\) = -1 is negative or not finite" \
  "f['state/gridcell_acc'][5] = -1"
hostile missing_kpv forge "/state/gridcell_kpv' in '$d/missing_kpv\.ckpt\.h5'" "del f['state/gridcell_kpv']"
echo "ok: gridcell $mode checkpoints"
exit 0
fi
# The intact checkpoint still resumes, bit for bit the uninterrupted run.
run 2 "${opts[@]}" -output_file "$d/ref.h5" > "$d/ref.log" || { cat "$d/ref.log"; fail "reference run"; }
cp "$d/a_copy.h5" "$d/a.h5.partial"
run 3 "${opts[@]}" -output_file "$d/a.h5" -checkpoint_file "$d/good.ckpt.h5" -restart > "$d/good.log" || { cat "$d/good.log"; fail "intact checkpoint refused"; }
grep -q "restart:   from .* at the end of step 300" "$d/good.log" || fail "did not resume at step 300"
/usr/bin/python3 "$here/check_gridcell.py" resumed "$d/ref.h5" "$d/a.h5" || fail "resumed run differs from the uninterrupted one"
echo "ok: gridcell $mode checkpoints"
