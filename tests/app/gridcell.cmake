# End-to-end runs of the gridcell family (docs/gridcell.md §16) under none and mmr (both market scopes):
# rank-count independence at 1-4 ranks (/agents and /summary bitwise, /series 1e-12), the §16.14 oracles (market
# balance, no trading, subadditivity, battery, scopes with ideal forecasts, the neighbours scope against a replay
# of X1-X4, the nsw loader and aemo tariff), the scenario files inputs/gridcell_*.yaml, -help and bad inputs.
# Included from tests/app/CMakeLists.txt (uses DODGE_APP, APP_OUT, PY, MPI_ENV, MPIRUN, dodge_rank_runs, dodge_bad_input).
set(GC_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/check_gridcell.py)
set(GC_SHORT -problem gridcell -gridcell_days 6 -gridcell_eval_days 2 -agents 37)
# mmr: the default neighbours scope on the default watts_strogatz graph; mmr_cell: the cell scope.
set(GC_ARGS_none -algorithm none)
set(GC_ARGS_mmr -algorithm mmr)
set(GC_ARGS_mmr_cell -algorithm mmr -gridcell_market_scope cell)
foreach(run none mmr mmr_cell)
  string(REGEX REPLACE "_cell$" "" alg ${run})
  dodge_rank_runs(gridcell_${run} ${GC_SHORT} ${GC_ARGS_${run}})
  add_test(NAME app_gridcell_${run}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${run}_FILES})
  set_tests_properties(app_gridcell_${run}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${run}_runs)
  add_test(NAME app_gridcell_${run}_oracles COMMAND ${PY} ${GC_CHECK} oracles ${alg} ${APP_OUT}/gridcell_${run}_np2.h5)
  set_tests_properties(app_gridcell_${run}_oracles PROPERTIES FIXTURES_REQUIRED gridcell_${run}_runs)
endforeach()
# The neighbours scope with 3 rounds on an Erdos-Renyi graph whose links fail (q = 0.2) at 1-4 ranks.
dodge_rank_runs(gridcell_mmr_failures ${GC_SHORT} -algorithm mmr -gridcell_match_rounds 3 -graph_family erdos_renyi
                -graph_link_failure 0.2)
add_test(NAME app_gridcell_mmr_failures_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_mmr_failures_FILES})
set_tests_properties(app_gridcell_mmr_failures_identical PROPERTIES FIXTURES_REQUIRED gridcell_mmr_failures_runs)
add_test(NAME app_gridcell_mmr_failures_oracles COMMAND ${PY} ${GC_CHECK} oracles mmr ${APP_OUT}/gridcell_mmr_failures_np3.h5)
set_tests_properties(app_gridcell_mmr_failures_oracles PROPERTIES FIXTURES_REQUIRED gridcell_mmr_failures_runs)
# Shares (§16.3, §16.8): the runs above use own data (the default); the neighbour-augmented RLS with privacy none,
# laplace and mask, and own data explicitly, at 1-4 ranks (oracle 7); link failures and masks at 1-4 ranks.
set(GC_NB -gridcell_forecast_neighbours true)
dodge_rank_runs(gridcell_neighbours ${GC_SHORT} -algorithm none ${GC_NB})
dodge_rank_runs(gridcell_laplace ${GC_SHORT} -algorithm mmr ${GC_NB} -gridcell_share_privacy laplace -gridcell_share_eps 0.5)
dodge_rank_runs(gridcell_mask ${GC_SHORT} -algorithm mmr ${GC_NB} -gridcell_share_privacy mask)
dodge_rank_runs(gridcell_own ${GC_SHORT} -algorithm mmr -gridcell_forecast_neighbours false)
dodge_rank_runs(gridcell_linkfail ${GC_SHORT} -algorithm none ${GC_NB} -gridcell_share_privacy mask -graph_link_failure 0.3)
foreach(v neighbours laplace mask own linkfail)
  add_test(NAME app_gridcell_${v}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${v}_FILES})
  set_tests_properties(app_gridcell_${v}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${v}_runs)
endforeach()
# Model averaging (R_avg): consensus on the complete graph; every 3 steps with links failing at 1-4 ranks; refusals.
dodge_rank_runs(gridcell_ravg ${GC_SHORT} -algorithm mmr ${GC_NB} -gridcell_rls 4,0.99,100,3 -graph_link_failure 0.3)
add_test(NAME app_gridcell_ravg_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_ravg_FILES})
set_tests_properties(app_gridcell_ravg_identical PROPERTIES FIXTURES_REQUIRED gridcell_ravg_runs)
dodge_expect_test(NAME app_gridcell_ravg_consensus MATCH "ok: gridcell model averaging" REJECT "FAIL"
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/gridcell_ravg_test.sh ${DODGE_APP} ${APP_OUT}/gridcell_ravg)
set_tests_properties(app_gridcell_ravg_consensus PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)
dodge_bad_input_exit(gridcell_ravg_own 75 "-gridcell_rls: model averaging \\(R_avg = 4\\) mixes theta over the graph of the shares"
                     -problem gridcell -gridcell_rls 4,0.99,100,4)
dodge_bad_input_exit(gridcell_ravg_fraction 63 "-gridcell_rls: R_avg = 2\\.5 must be a whole number of steps" -problem gridcell
                     -gridcell_rls 4,0.99,100,2.5)
# Security on the data channel (§16.8): scale attackers with the EWMA detector (a short burn-in so that the 6-day
# run alarms) and replay attackers with CUSUM under masks and link failures, at 1-4 ranks; the detection oracle on
# the default scenario (check_gridcell.py security); refusals.
dodge_rank_runs(gridcell_attack_ewma ${GC_SHORT} -algorithm mmr ${GC_NB} -gridcell_attack_fraction 0.15 -gridcell_attack_start_day 3
                -gridcell_detect ewma -gridcell_detect_params 24,48,1,3.5,4)
dodge_rank_runs(gridcell_attack_replay ${GC_SHORT} -algorithm none ${GC_NB} -gridcell_attack_fraction 0.15 -gridcell_attack_start_day 3
                -gridcell_attack_mode replay -gridcell_attack_lag 96 -gridcell_detect cusum -gridcell_share_privacy mask
                -graph_link_failure 0.2)
# The dual channel through the generic §13.3 policy (docs/attacks.md): bias attackers on pdct's (mu, y) and the
# EWMA detector, at 1-4 ranks (the policy's detection summary in /attack).
dodge_rank_runs(gridcell_attack_dual ${GC_SHORT} -algorithm pdct -attack_agents 0.15 -attack_kind bias -attack_bias 0.1
                -attack_start 200 -defense detect -defense_detector ewma)
# The dual channel in §16.8's form: the family's attackers (v' = (1 + s) v + beta per coordinate, or a replay) and its
# detector per coordinate with the dual floors, carried by the same send policy: pdct with links failing and B = 3
# switching graphs, li2022 with replay and CUSUM, at 1-4 ranks; the detector replayed in Python (app_gridcell_dual).
dodge_rank_runs(gridcell_attack_dual168 ${GC_SHORT} -algorithm pdct -gridcell_attack_fraction 0.15 -gridcell_attack_start_day 3
                -gridcell_detect ewma -gridcell_detect_params 48,96,1,3.5,3 -gridcell_attack_dual 0.2,0.05,0.5 -graph_link_failure 0.2
                -graph_files ${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching/g1.txt,${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching/g2.txt,${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching/g3.txt)
dodge_rank_runs(gridcell_attack_dual168_li ${GC_SHORT} -algorithm li2022 -gridcell_attack_fraction 0.15 -gridcell_attack_start_day 3
                -gridcell_attack_mode replay -gridcell_attack_lag 48 -gridcell_detect cusum)
dodge_expect_test(NAME app_gridcell_dual MATCH "OK: gridcell security on the dual channel" REJECT "FAIL"
         COMMAND ${PY} ${GC_CHECK} dual ${DODGE_APP} ${APP_OUT})
set_tests_properties(app_gridcell_dual PROPERTIES ENVIRONMENT "${MPI_ENV}")
# The market channel (§16.8): declarations poisoned, the detector on n_hat' - n, alarmed edges out of the clearing;
# with links failing and switching graphs (B = 3, the detector's edges follow G(t)), and in the cell scope with
# the majority rule; mfq's actions and mean field on the cut market edges.
dodge_rank_runs(gridcell_attack_market ${GC_SHORT} -algorithm mmr ${GC_NB} -gridcell_attack_fraction 0.15 -gridcell_attack_start_day 3
                -gridcell_detect ewma -gridcell_detect_params 48,96,1,3.5,3 -graph_link_failure 0.2
                -graph_files ${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching/g1.txt,${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching/g2.txt,${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching/g3.txt)
dodge_rank_runs(gridcell_attack_market_cell ${GC_SHORT} -algorithm mfq ${GC_NB} -gridcell_market_scope cell -gridcell_attack_fraction 0.15
                -gridcell_attack_start_day 3 -gridcell_attack_mode replay -gridcell_attack_lag 48 -gridcell_detect cusum)
dodge_rank_runs(gridcell_attack_market_mfq ${GC_SHORT} -algorithm mfq ${GC_NB} -gridcell_attack_fraction 0.15 -gridcell_attack_start_day 3
                -gridcell_detect ewma -gridcell_detect_channels market -gridcell_attack_market 0.3,1 -graph_link_failure 0.2)
dodge_expect_test(NAME app_gridcell_market MATCH "OK: gridcell security on the market channel" REJECT "FAIL"
         COMMAND ${PY} ${GC_CHECK} market ${DODGE_APP} ${APP_OUT})
set_tests_properties(app_gridcell_market PROPERTIES ENVIRONMENT "${MPI_ENV}")
foreach(v attack_ewma attack_replay attack_dual attack_dual168 attack_dual168_li attack_market attack_market_cell attack_market_mfq)
  add_test(NAME app_gridcell_${v}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${v}_FILES})
  set_tests_properties(app_gridcell_${v}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${v}_runs)
endforeach()
dodge_expect_test(NAME app_gridcell_security MATCH "OK: gridcell security on the data channel" REJECT "FAIL"
         COMMAND ${PY} ${GC_CHECK} security ${DODGE_APP} ${APP_OUT})
set_tests_properties(app_gridcell_security PROPERTIES ENVIRONMENT "${MPI_ENV}")
dodge_bad_input_exit(gridcell_attack_fraction 63 "-gridcell_attack_fraction" -problem gridcell ${GC_NB} -gridcell_attack_fraction 1.5)
# (the default algorithm, pdct, has the dual channel: -algorithm none has no channel without the shares)
dodge_bad_input_exit(gridcell_attack_own 75 "-gridcell_attack_fraction 0.1: no attacked channel exists.*the dual channel -algorithm pdct or li2022"
                     -problem gridcell -algorithm none -gridcell_attack_fraction 0.1)
dodge_bad_input_exit(gridcell_detect_own 75 "-gridcell_detect ewma: no watched channel exists" -problem gridcell -algorithm none -gridcell_detect ewma)
dodge_bad_input_exit(gridcell_attack_market 75 "-gridcell_attack_market applies only when the market channel is attacked \\(-algorithm mmr or mfq"
                     -problem gridcell -algorithm none ${GC_NB} -gridcell_attack_fraction 0.1 -gridcell_attack_market 0,2)
dodge_bad_input_exit(gridcell_attack_market_count 60 "-gridcell_attack_market needs 2 finite values \\(s, beta \\[kW\\]\\), got 1"
                     -problem gridcell -algorithm mmr -gridcell_attack_fraction 0.1 -gridcell_attack_market 1)
dodge_bad_input_exit(gridcell_attack_market_replay 75 "-gridcell_attack_market \\(s, beta\\) applies to -gridcell_attack_mode scale only"
                     -problem gridcell -algorithm mmr -gridcell_attack_fraction 0.1 -gridcell_attack_mode replay -gridcell_attack_market 0,2)
dodge_bad_input_exit(gridcell_attack_channels_market 75 "-gridcell_attack_channels market: market needs -algorithm mmr or mfq"
                     -problem gridcell -algorithm pdct -gridcell_attack_fraction 0.1 -gridcell_attack_channels market)
dodge_bad_input_exit(gridcell_attack_channels_data 75 "-gridcell_attack_channels data: data needs -gridcell_forecast rls -gridcell_forecast_neighbours true"
                     -problem gridcell -algorithm mmr -gridcell_attack_fraction 0.1 -gridcell_attack_channels data)
dodge_bad_input_exit(gridcell_detect_channels_market 75 "-gridcell_detect_channels market: on the market channel, the metered n_j .* rides on the shares' message"
                     -problem gridcell -algorithm mmr -gridcell_detect ewma -gridcell_detect_channels market)
dodge_bad_input_exit(gridcell_attack_channels_dual 75 "-gridcell_attack_channels dual: dual needs -algorithm pdct or li2022"
                     -problem gridcell -algorithm mmr ${GC_NB} -gridcell_attack_fraction 0.1 -gridcell_attack_channels dual)
dodge_bad_input_exit(gridcell_detect_channels_dual 75 "-gridcell_detect_channels dual: dual needs -algorithm pdct or li2022"
                     -problem gridcell -algorithm mmr -gridcell_detect ewma -gridcell_detect_channels dual)
dodge_bad_input_exit(gridcell_attack_dual_count 60 "-gridcell_attack_dual needs 3 finite values \\(s, beta_mu \\[\\$/kWh\\], beta_y \\[kW\\]\\), got 2"
                     -problem gridcell -algorithm pdct -gridcell_attack_fraction 0.1 -gridcell_attack_dual 0,0.1)
dodge_bad_input_exit(gridcell_attack_dual_unused 75 "-gridcell_attack_dual applies only when the dual channel is attacked \\(-algorithm pdct or li2022"
                     -problem gridcell -algorithm mmr -gridcell_attack_fraction 0.1 -gridcell_attack_dual 0,0.1,1)
dodge_bad_input_exit(gridcell_attack_dual_replay 75 "-gridcell_attack_dual \\(s, beta\\) applies to -gridcell_attack_mode scale only"
                     -problem gridcell -algorithm pdct -gridcell_attack_fraction 0.1 -gridcell_attack_mode replay -gridcell_attack_dual 0,0.1,1)
dodge_bad_input_exit(gridcell_attack_dual_generic 75 "-gridcell_attack_fraction on the dual channel .* cannot be combined with -attack_agents/-defense"
                     -problem gridcell -algorithm pdct -gridcell_attack_fraction 0.1 -attack_agents 3)
dodge_bad_input_exit(gridcell_detect_dual_trigger 75 "-gridcell_detect on the dual channel .* cannot be combined with -exchange_trigger or -exchange_privacy"
                     -problem gridcell -algorithm pdct -gridcell_detect ewma -exchange_trigger true)
dodge_bad_input_exit(gridcell_attack_dual_dopp 75 "-gridcell_attack_channels dual: dual needs -algorithm pdct or li2022"
                     -problem gridcell -algorithm dopp -gridcell_attack_fraction 0.1 -gridcell_attack_channels dual)
dodge_bad_input_exit(gridcell_attack_channel_name 62 "-gridcell_attack_channels: unknown channel 'voltage'" -problem gridcell ${GC_NB}
                     -gridcell_attack_fraction 0.1 -gridcell_attack_channels data,voltage)
dodge_bad_input_exit(gridcell_attack_day 63 "-gridcell_attack_start_day 40 is after the main window's 35 days" -problem gridcell ${GC_NB}
                     -gridcell_attack_fraction 0.1 -gridcell_attack_start_day 40)
dodge_bad_input_exit(gridcell_attack_lag_scale 75 "-gridcell_attack_lag applies to -gridcell_attack_mode replay only" -problem gridcell
                     ${GC_NB} -gridcell_attack_fraction 0.1 -gridcell_attack_lag 10)
dodge_bad_input_exit(gridcell_attack_unused 75 "-gridcell_attack_mode applies only with attackers" -problem gridcell ${GC_NB}
                     -gridcell_attack_mode replay)
dodge_bad_input_exit(gridcell_detect_params 60 "-gridcell_detect_params needs 5 values" -problem gridcell ${GC_NB} -gridcell_detect ewma
                     -gridcell_detect_params 96,192,1)
dodge_bad_input_exit(gridcell_detect_floor 63 "-gridcell_detect_floor: entry 1 = 0.* must be positive" -problem gridcell ${GC_NB}
                     -gridcell_detect ewma -gridcell_detect_floor 0,0.05,0.01,0.1)
dodge_bad_input_exit(gridcell_detect_unused 75 "-gridcell_detect_params/-gridcell_detect_floor applies only with a detector" -problem gridcell
                     ${GC_NB} -gridcell_detect_params 96,192,1,3.5,4)
# Oracle 8: laplace with eps = inf is bitwise privacy none (gridcell_neighbours).
dodge_expect_test(NAME app_gridcell_laplace_inf MATCH "status complete" COMPLETE ${APP_OUT}/gridcell_laplace_inf.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${GC_SHORT} -algorithm none ${GC_NB} -gridcell_share_privacy laplace
                 -gridcell_share_eps inf -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/gridcell_laplace_inf.h5)
set_tests_properties(app_gridcell_laplace_inf PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_laplace_inf_run)
add_test(NAME app_gridcell_laplace_inf_identical COMMAND ${PY} ${GC_CHECK} identical ${APP_OUT}/gridcell_neighbours_np1.h5
         ${APP_OUT}/gridcell_laplace_inf.h5)
set_tests_properties(app_gridcell_laplace_inf_identical PROPERTIES FIXTURES_REQUIRED "gridcell_laplace_inf_run;gridcell_neighbours_runs")
# G2 on the default scenario (N = 100, 35 days): the forecast ordering of docs/gridcell.md, sce and pjm.
foreach(src sce pjm)
  add_test(NAME app_gridcell_forecast_${src} COMMAND ${PY} ${GC_CHECK} forecast ${DODGE_APP} ${src} ${APP_OUT})
  set_tests_properties(app_gridcell_forecast_${src} PROPERTIES ENVIRONMENT "${MPI_ENV}")
endforeach()
# PJM and persistence forecasts at 1-4 ranks.
dodge_rank_runs(gridcell_pjm ${GC_SHORT} -algorithm mmr -gridcell_source pjm -gridcell_forecast persistence)
add_test(NAME app_gridcell_pjm_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_pjm_FILES})
set_tests_properties(app_gridcell_pjm_identical PROPERTIES FIXTURES_REQUIRED gridcell_pjm_runs)
# AEMO NSW1 with the aemo tariff at 1-4 ranks: rank-count independence, the oracles, and oracle 15 against the
# CSV (every step's load is the mean of its three 5-minute rows, the prices the aemo closed form; check_gridcell.py nsw).
set(GC_NSW_CSV ${PROJECT_SOURCE_DIR}/inputs/data/aemo/PRICE_AND_DEMAND_202407_NSW1.csv)
dodge_rank_runs(gridcell_nsw ${GC_SHORT} -algorithm mmr -gridcell_source nsw)
add_test(NAME app_gridcell_nsw_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_nsw_FILES})
add_test(NAME app_gridcell_nsw_oracles COMMAND ${PY} ${GC_CHECK} oracles mmr ${APP_OUT}/gridcell_nsw_np2.h5)
add_test(NAME app_gridcell_nsw_loader COMMAND ${PY} ${GC_CHECK} nsw ${APP_OUT}/gridcell_nsw_np3.h5 ${GC_NSW_CSV})
# Its money is AUD (AUD/kWh, AUD/day): still netCDF/CF-readable units (lib/io/cf.cpp).
add_test(NAME app_gridcell_nsw_netcdf COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_netcdf.py ${APP_OUT}/gridcell_nsw_np2.h5)
set_tests_properties(app_gridcell_nsw_identical app_gridcell_nsw_oracles app_gridcell_nsw_loader app_gridcell_nsw_netcdf PROPERTIES
                     FIXTURES_REQUIRED gridcell_nsw_runs)
# Ideal forecasts, cell scope: C_t = C^net_t to the grid rounding and individual rationality (oracle 2).
dodge_expect_test(NAME app_gridcell_ideal MATCH "status complete" COMPLETE ${APP_OUT}/gridcell_ideal.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${GC_SHORT} -algorithm mmr -gridcell_market_scope cell
                 -gridcell_forecast ideal -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/gridcell_ideal.h5)
set_tests_properties(app_gridcell_ideal PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_ideal_run)
add_test(NAME app_gridcell_ideal_oracles COMMAND ${PY} ${GC_CHECK} oracles mmr ${APP_OUT}/gridcell_ideal.h5)
set_tests_properties(app_gridcell_ideal_oracles PROPERTIES FIXTURES_REQUIRED gridcell_ideal_run)
# The same with the neighbours scope on the complete graph (3 ranks): the same oracles, and it equals the cell
# scope to 1e-12 (oracle 2, "Scopes").
dodge_expect_test(NAME app_gridcell_ideal_complete MATCH "status complete" COMPLETE ${APP_OUT}/gridcell_ideal_complete.h5
         COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${GC_SHORT} -algorithm mmr -gridcell_market_scope neighbours
                 -graph_family complete -gridcell_forecast ideal -output_agents all -progress 0 -output_overwrite
                 -output_file ${APP_OUT}/gridcell_ideal_complete.h5)
set_tests_properties(app_gridcell_ideal_complete PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 FIXTURES_SETUP gridcell_ideal_complete_run)
add_test(NAME app_gridcell_ideal_complete_oracles COMMAND ${PY} ${GC_CHECK} oracles mmr ${APP_OUT}/gridcell_ideal_complete.h5)
set_tests_properties(app_gridcell_ideal_complete_oracles PROPERTIES FIXTURES_REQUIRED gridcell_ideal_complete_run)
add_test(NAME app_gridcell_scopes COMMAND ${PY} ${GC_CHECK} scopes ${APP_OUT}/gridcell_ideal.h5 ${APP_OUT}/gridcell_ideal_complete.h5)
set_tests_properties(app_gridcell_scopes PROPERTIES FIXTURES_REQUIRED "gridcell_ideal_run;gridcell_ideal_complete_run")
# The scenario files run in full (35 days, 100 homes; under a second each).
foreach(scn none mmr mmr_cell mmr_route)
  string(REGEX REPLACE "_(cell|route)$" "" alg ${scn})
  dodge_expect_test(NAME app_scenario_gridcell_${scn} MATCH "status complete" "savings per day" COMPLETE ${APP_OUT}/scenario_gridcell_${scn}.h5
           COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/gridcell_${scn}.yaml
                   -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/scenario_gridcell_${scn}.h5)
  set_tests_properties(app_scenario_gridcell_${scn} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_scenario_${scn})
  add_test(NAME app_scenario_gridcell_${scn}_oracles COMMAND ${PY} ${GC_CHECK} oracles ${alg} ${APP_OUT}/scenario_gridcell_${scn}.h5)
  set_tests_properties(app_scenario_gridcell_${scn}_oracles PROPERTIES FIXTURES_REQUIRED gridcell_scenario_${scn})
endforeach()
# Experiment G10: inputs/gridcell_nsw_mmr.yaml in full (19 days after the warm-up, 100 homes), its oracles and oracle 15.
dodge_expect_test(NAME app_scenario_gridcell_nsw_mmr MATCH "status complete" "savings per day" "tariff aemo"
         COMPLETE ${APP_OUT}/scenario_gridcell_nsw_mmr.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/gridcell_nsw_mmr.yaml
                 -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/scenario_gridcell_nsw_mmr.h5)
set_tests_properties(app_scenario_gridcell_nsw_mmr PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_scenario_nsw_mmr)
add_test(NAME app_scenario_gridcell_nsw_mmr_oracles COMMAND ${PY} ${GC_CHECK} oracles mmr ${APP_OUT}/scenario_gridcell_nsw_mmr.h5)
add_test(NAME app_scenario_gridcell_nsw_mmr_loader COMMAND ${PY} ${GC_CHECK} nsw ${APP_OUT}/scenario_gridcell_nsw_mmr.h5 ${GC_NSW_CSV})
set_tests_properties(app_scenario_gridcell_nsw_mmr_oracles app_scenario_gridcell_nsw_mmr_loader PROPERTIES
                     FIXTURES_REQUIRED gridcell_scenario_nsw_mmr)

dodge_expect_test(NAME app_help_gridcell MATCH "-gridcell_source.*-gridcell_market_scope.*-gridcell_match_rounds" COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_gridcell PROPERTIES ENVIRONMENT "${MPI_ENV}")

# Bad inputs: a clear message naming the option, a non-zero exit, no complete output.
dodge_bad_input(gridcell_source "-gridcell_source.*atlantis" -problem gridcell -algorithm none -gridcell_source atlantis)
dodge_bad_input(gridcell_soc_range "-gridcell_battery: infeasible SoC range \\[0.8, 0.3\\]" -problem gridcell -algorithm none
                -gridcell_battery 0.5,13.5,5,0.95,0.8,0.3,0.5,0.01)
dodge_bad_input(gridcell_battery_count "-gridcell_battery needs 8 values" -problem gridcell -algorithm none -gridcell_battery 0.5,13.5)
dodge_bad_input(gridcell_battery_eta "-gridcell_battery: efficiency 1.5" -problem gridcell -algorithm none
                -gridcell_battery 0.5,13.5,5,1.5,0.1,1,0.5,0.01)
dodge_bad_input(gridcell_tariff "-gridcell_tou: the sell price lambda_s = 0.5 exceeds a buy price" -problem gridcell -algorithm mmr
                -gridcell_tou 0.25,0.45,16,21,0.5)
dodge_bad_input(gridcell_cloud_rows "-gridcell_cloud_P: row 2 sums to" -problem gridcell -algorithm none
                -gridcell_cloud_P 0.95,0.04,0.01,0.5,0.4,0.3,0.001,0.014,0.985)
# -memory_check false: on a machine with less than ~27 GB the memory refusal (exit 55 too) would come first.
dodge_bad_input(gridcell_exact_bound "-agents 300000000 exceeds the exact-sum bound" -problem gridcell -algorithm mmr -agents 300000000
                -memory_check false)
dodge_bad_input(gridcell_days "-gridcell_warmup_days 3 \\+ -gridcell_days 60 = 63 days exceed the 41 days" -problem gridcell -algorithm none -gridcell_days 60)
# nsw: the bundled AEMO file holds 22 days (3 warm-up + 19); the aemo tariff needs its prices; the adder is >= 0.
dodge_bad_input_exit(gridcell_nsw_days 63
                     "-gridcell_warmup_days 3 \\+ -gridcell_days 20 = 23 days exceed the 22 days of the bundled trace .*PRICE_AND_DEMAND_202407_NSW1.csv"
                     -problem gridcell -algorithm mmr -gridcell_source nsw -gridcell_days 20)
dodge_bad_input_exit(gridcell_aemo_on_sce 75 "-gridcell_tariff aemo needs the AEMO prices of -gridcell_source nsw; -gridcell_source sce"
                     -problem gridcell -algorithm mmr -gridcell_tariff aemo)
dodge_bad_input_exit(gridcell_aemo_adder 63 "-gridcell_aemo_adder -0.1 is outside" -problem gridcell -algorithm mmr -gridcell_source nsw
                     -gridcell_aemo_adder -0.1)
dodge_bad_input_exit(gridcell_adder_on_tou 75 "-gridcell_aemo_adder applies to -gridcell_tariff aemo only" -problem gridcell -algorithm none
                     -gridcell_source nsw -gridcell_tariff tou -gridcell_aemo_adder 0.3)
dodge_bad_input(gridcell_eval "-gridcell_eval_days 9 exceeds the main window -gridcell_days 5" -problem gridcell -algorithm none
                -gridcell_days 5 -gridcell_eval_days 9)
dodge_bad_input(gridcell_warmup "-gridcell_warmup_days 0 gives 0 warm-up steps" -problem gridcell -algorithm none -gridcell_warmup_days 0)
dodge_bad_input(gridcell_match_rounds "-gridcell_match_rounds 0 must be >= 1" -problem gridcell -algorithm mmr -gridcell_match_rounds 0)
dodge_bad_input(gridcell_directed "-gridcell_market_scope neighbours needs an undirected graph" -problem gridcell -algorithm mmr
                -graph_family ring_directed -graph_weights outdegree)
dodge_bad_input(gridcell_cell_graph "-graph_family has no effect with -gridcell_market_scope cell" -problem gridcell -algorithm mmr
                -gridcell_market_scope cell -graph_family ring)
dodge_bad_input(gridcell_cell_rounds "-gridcell_match_rounds has no effect with -gridcell_market_scope cell" -problem gridcell
                -algorithm mmr -gridcell_market_scope cell -gridcell_match_rounds 3)
dodge_bad_input(gridcell_share_eps "-gridcell_share_eps 0 is outside" -problem gridcell -algorithm none -gridcell_share_privacy laplace
                -gridcell_share_eps 0)
dodge_bad_input(gridcell_share_eps_negative "-gridcell_share_eps -1 is outside" -problem gridcell -algorithm none
                -gridcell_share_privacy laplace -gridcell_share_eps -1)
dodge_bad_input(gridcell_share_sigma "-gridcell_share_mask_sigma -0.5 is outside" -problem gridcell -algorithm none
                -gridcell_share_privacy mask -gridcell_share_mask_sigma -0.5)
dodge_bad_input(gridcell_share_own "-gridcell_share_privacy mask obfuscates the shares.*-gridcell_forecast_neighbours true" -problem gridcell
                -algorithm none -gridcell_forecast_neighbours false -gridcell_share_privacy mask)
dodge_bad_input(gridcell_share_persistence "-gridcell_share_privacy laplace obfuscates the shares" -problem gridcell -algorithm none
                -gridcell_forecast persistence -gridcell_share_privacy laplace)
dodge_bad_input(gridcell_share_eps_mode "-gridcell_share_eps applies to -gridcell_share_privacy laplace only" -problem gridcell
                -algorithm none -gridcell_forecast_neighbours true -gridcell_share_privacy mask -gridcell_share_eps 1)
dodge_bad_input(gridcell_share_sigma_mode "-gridcell_share_mask_sigma applies to -gridcell_share_privacy mask only" -problem gridcell
                -algorithm none -gridcell_forecast_neighbours true -gridcell_share_mask_sigma 1)
# §16.6: the generic algorithms run on gridcell (below); the scheduling schemes still do not.
dodge_bad_input_exit(gridcell_aca 75 "-algorithm aca does not run on -problem gridcell" -problem gridcell -algorithm aca)
# §16.11: the opt-only options are refused with none and mmr; c_f and w_s must be positive, e_max too.
dodge_bad_input_exit(gridcell_opt_none 75 "-gridcell_opt applies to the optimization-based clearing .*-algorithm none does not use it"
                     -problem gridcell -algorithm none -gridcell_opt 0.1,1,10)
dodge_bad_input_exit(gridcell_oracle_mmr 75 "-gridcell_oracle applies to the optimization-based clearing .*-algorithm mmr does not use it"
                     -problem gridcell -algorithm mmr -gridcell_oracle forecast)
dodge_bad_input_exit(gridcell_opt_cf 63 "-gridcell_opt: the friction c_f = -0\\.1 must be positive" -problem gridcell -algorithm pdct
                     -gridcell_opt -0.1,1,10)
dodge_bad_input_exit(gridcell_opt_ws 63 "-gridcell_opt: the Huber width w_s = 0\\.? must be positive" -problem gridcell -algorithm coa
                     -gridcell_opt 0.1,0,10)
dodge_bad_input_exit(gridcell_opt_ws_neg 63 "-gridcell_opt: the Huber width w_s = -1\\.? must be positive" -problem gridcell -algorithm pdct
                     -gridcell_opt 0.1,-1,10)
dodge_bad_input_exit(gridcell_opt_emax 63 "-gridcell_opt: the trade bound e_max = 40\\.? must lie in \\(0, 30\\] kW" -problem gridcell
                     -algorithm pdct -gridcell_opt 0.1,1,40)
dodge_bad_input_exit(gridcell_opt_count 60 "-gridcell_opt needs 3 values" -problem gridcell -algorithm pdct -gridcell_opt 0.1,1)
dodge_bad_input_exit(gridcell_mmr_on_dispatch 75 "-algorithm mmr does not run on -problem dispatch" -algorithm mmr)

# Checkpoint/restart (§16.10, §16.14 item 14): killed after a checkpoint and resumed on another rank count
# (before and inside the evaluation window), none and mmr, rls and persistence forecasts, like the
# uninterrupted run (/agents, /summary bitwise; /series, summary attributes 1e-12); altered checkpoints refused.
set(GC_CKPT ${CMAKE_CURRENT_SOURCE_DIR}/gridcell_checkpoint_test.sh)
# rls+PRIVACY: with the shares (their ybar lags and held neighbour values), unobfuscated and masked.
foreach(case none:rls:1:2:350 mmr:rls:3:2:450 none:persistence:4:1:250 mmr:persistence:1:3:520 pdct:rls:1:2:350
        none:rls+none:1:3:350 mmr:rls+mask:4:2:450 pdct:rls+laplace:2:1:420 none:rls+none:3:1:380:5
        none:rls+none:1:3:350::ewma mmr:rls+mask:4:2:450::replay mmr:rls:1:3:350:::route pdct:rls+mask:4:2:450:::realized
        mfq:rls:1:3:350 mfq:rls+mask:4:2:450 mfq:rls+none:2:3:450::ewma
        pdct:rls+none:2:3:350::ewma li2022:persistence:3:1:350::replay)
  string(REGEX MATCH "^[a-z]+:[a-z+]+" tag "${case}")
  string(REGEX REPLACE "[:+]" "_" tag "${tag}")
  if(case MATCHES ":[0-9]+:[0-9]+:[0-9]+:([0-9]+)$")
    set(tag "${tag}_ravg${CMAKE_MATCH_1}")
  endif()
  if(case MATCHES "::([a-z]+)$")
    set(tag "${tag}_${CMAKE_MATCH_1}")
  endif()
  string(REPLACE "+" "\\+" case_re "${case}")
  dodge_expect_test(NAME app_gridcell_checkpoint_${tag} MATCH "ok: gridcell checkpoint ${case_re}" REJECT "FAIL"
           COMMAND ${GC_CKPT} ${DODGE_APP} ${APP_OUT}/gridcell_checkpoint ${case})
  set_tests_properties(app_gridcell_checkpoint_${tag} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 4 TIMEOUT 300)
endforeach()
foreach(case hostile_values hostile_counts hostile_shares hostile_security hostile_route hostile_mfq hostile_market hostile_dual)
  dodge_expect_test(NAME app_gridcell_checkpoint_${case} MATCH "ok: gridcell ${case} checkpoints" REJECT "FAIL"
           COMMAND ${GC_CKPT} ${DODGE_APP} ${APP_OUT}/gridcell_checkpoint ${case})
  set_tests_properties(app_gridcell_checkpoint_${case} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 TIMEOUT 300)
endforeach()
# Optimization-based clearing (§16.6): pdct (scheme G, the gridcell default), coa (the exact clearing of the
# declared positions), dopp and offline at 1-4 ranks, /agents bitwise; the pool account B_t = A_t - Delta C^U(E_t),
# the bills at the exact C^U, lambda_s <= mu* <= lambda_b and coa's |sum e| <= 1e-11 N e_max (check_gridcell.py
# oracles); pdct with the forecast oracle.
foreach(alg pdct coa dopp offline)
  dodge_rank_runs(gridcell_opt_${alg} ${GC_SHORT} -algorithm ${alg})
  add_test(NAME app_gridcell_opt_${alg}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_opt_${alg}_FILES})
  set_tests_properties(app_gridcell_opt_${alg}_identical PROPERTIES FIXTURES_REQUIRED gridcell_opt_${alg}_runs)
  add_test(NAME app_gridcell_opt_${alg}_oracles COMMAND ${PY} ${GC_CHECK} oracles ${alg} ${APP_OUT}/gridcell_opt_${alg}_np3.h5)
  set_tests_properties(app_gridcell_opt_${alg}_oracles PROPERTIES FIXTURES_REQUIRED gridcell_opt_${alg}_runs)
endforeach()
dodge_expect_test(NAME app_gridcell_opt_pdct_forecast MATCH "status complete" COMPLETE ${APP_OUT}/gridcell_opt_pdct_forecast.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${GC_SHORT} -algorithm pdct -gridcell_oracle forecast
                 -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/gridcell_opt_pdct_forecast.h5)
set_tests_properties(app_gridcell_opt_pdct_forecast PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_opt_pdct_forecast_run)
add_test(NAME app_gridcell_opt_pdct_forecast_oracles COMMAND ${PY} ${GC_CHECK} oracles pdct ${APP_OUT}/gridcell_opt_pdct_forecast.h5)
set_tests_properties(app_gridcell_opt_pdct_forecast_oracles PROPERTIES FIXTURES_REQUIRED gridcell_opt_pdct_forecast_run)
# Scheme G is a default, not hard-wired: -pdct_scheme picks another, and free laws modify G.
dodge_expect_test(NAME app_gridcell_opt_pdct_scheme MATCH "algorithm: pdct, scheme S2a \\(alpha0 1/t\\^0.5" COMMAND ${DODGE_APP}
         -problem gridcell -gridcell_days 1 -gridcell_eval_days 1 -agents 8 -algorithm pdct -pdct_scheme S2a -output_file none -progress 0)
dodge_expect_test(NAME app_gridcell_opt_pdct_scheme_custom MATCH "algorithm: pdct, scheme G\\+custom \\(alpha0 2/t\\^0, beta0 0.05/t\\^0, gamma0 0.05/t\\^0\\)"
         COMMAND ${DODGE_APP} -problem gridcell -gridcell_days 1 -gridcell_eval_days 1 -agents 8 -algorithm pdct -pdct_alpha0 2
                 -output_file none -progress 0)
set_tests_properties(app_gridcell_opt_pdct_scheme app_gridcell_opt_pdct_scheme_custom PROPERTIES ENVIRONMENT "${MPI_ENV}")
# The gamma_1 beta_1 <= 1 check runs on the laws after the default scheme: G's gamma0 = 0.05 with beta0 = 30.
dodge_bad_input_exit(gridcell_pdct_gamma_beta 63 "pdct_: gamma_1 beta_1 = 1\\.5 > 1" -problem gridcell -algorithm pdct -pdct_beta0 30)
# Routing (§16.7, module 4): event-triggered secondary control in scheduled mode under mmr, and in realized mode under
# pdct with masked shares and links failing, at 1-4 ranks (/agents with zeta, v, iota bitwise); oracle 9 and more
# (check_gridcell.py route: the trigger at c0 = 0 against the periodic variant, nothing fed back, sum vbar = sum v,
# KCL from the recorded currents, I = I^sch without resistances, convergence on the complete graph at K = 5000);
# refusals.
set(GC_ROUTE -gridcell_route true)
dodge_rank_runs(gridcell_route ${GC_SHORT} -algorithm mmr ${GC_ROUTE})
dodge_rank_runs(gridcell_route_realized ${GC_SHORT} -algorithm pdct ${GC_ROUTE} -gridcell_route_mode realized ${GC_NB}
                -gridcell_share_privacy mask -graph_link_failure 0.3)
foreach(v route route_realized)
  add_test(NAME app_gridcell_${v}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${v}_FILES})
  set_tests_properties(app_gridcell_${v}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${v}_runs)
endforeach()
dodge_expect_test(NAME app_gridcell_route MATCH "OK: gridcell routing" REJECT "FAIL"
         COMMAND ${PY} ${GC_CHECK} route ${DODGE_APP} ${APP_OUT})
set_tests_properties(app_gridcell_route PROPERTIES ENVIRONMENT "${MPI_ENV}")
dodge_bad_input_exit(gridcell_route_off 75 "-gridcell_route_iters is a routing option; it needs -gridcell_route true" -problem gridcell
                     -gridcell_route_iters 5)
dodge_bad_input_exit(gridcell_route_electrical_count 60 "-gridcell_route_electrical needs 7 values" -problem gridcell ${GC_ROUTE}
                     -gridcell_route_electrical 380,0.02)
dodge_bad_input_exit(gridcell_route_droop 63 "-gridcell_route_electrical: V\\* = 380\\.?, the droop fraction 0\\.? and the ratings" -problem gridcell
                     ${GC_ROUTE} -gridcell_route_electrical 380,0,10,3,0.03,0.1,1.5)
dodge_bad_input_exit(gridcell_route_feeder 63 "-gridcell_route_electrical: the feeder range \\[0.2, 0.1\\] Ohm" -problem gridcell
                     ${GC_ROUTE} -gridcell_route_electrical 380,0.02,10,3,0.2,0.1,1.5)
dodge_bad_input_exit(gridcell_route_trigger 63 "-gridcell_route_trigger: c0_r = -0.001" -problem gridcell ${GC_ROUTE}
                     -gridcell_route_trigger -1e-3,0,0.05)
dodge_bad_input_exit(gridcell_route_gains 63 "-gridcell_route_gains: k_v = 0\\.2 and k_c = 2\\.? must be >= 0 and the zeta limit 0\\.? > 0" -problem gridcell
                     ${GC_ROUTE} -gridcell_route_gains 0.2,2,0)
dodge_bad_input_exit(gridcell_route_periodic_trigger 75 "-gridcell_route_trigger has no effect with -gridcell_route_comm periodic"
                     -problem gridcell ${GC_ROUTE} -gridcell_route_comm periodic -gridcell_route_trigger 0,0,0)
dodge_bad_input_exit(gridcell_route_iters 63 "-gridcell_route_iters" -problem gridcell ${GC_ROUTE} -gridcell_route_iters 0)
dodge_bad_input_exit(gridcell_route_directed 75 "-gridcell_route true needs an undirected graph" -problem gridcell -algorithm none
                     ${GC_ROUTE} -graph_family ring_directed -graph_weights outdegree)
dodge_expect_test(NAME app_help_gridcell_route MATCH "-gridcell_route: .*-gridcell_route_mode.*-gridcell_route_comm.*-gridcell_route_iters.*-gridcell_route_electrical.*-gridcell_route_pcc_links.*-gridcell_route_gains.*-gridcell_route_trigger"
         COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_gridcell_route PROPERTIES ENVIRONMENT "${MPI_ENV}")
# mfq (§16.5): MF-Q batteries over 2 passes in the neighbours scope with links failing and masked shares, and in the
# cell scope, at 1-4 ranks (/agents with the actions, states and mean fields, /summary with the final Q, bitwise);
# oracle 10 and more (check_gridcell.py mfq); the scenario file; -help; refusals.
set(GC_MFQ -algorithm mfq -mfq_passes 2 -gridcell_output_q true)
dodge_rank_runs(gridcell_mfq ${GC_SHORT} ${GC_MFQ} ${GC_NB} -gridcell_share_privacy mask -graph_link_failure 0.3)
dodge_rank_runs(gridcell_mfq_cell ${GC_SHORT} ${GC_MFQ} -gridcell_market_scope cell -mfq_backup max)
foreach(v mfq mfq_cell)
  add_test(NAME app_gridcell_${v}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${v}_FILES})
  set_tests_properties(app_gridcell_${v}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${v}_runs)
  add_test(NAME app_gridcell_${v}_oracles COMMAND ${PY} ${GC_CHECK} oracles mfq ${APP_OUT}/gridcell_${v}_np3.h5)
  set_tests_properties(app_gridcell_${v}_oracles PROPERTIES FIXTURES_REQUIRED gridcell_${v}_runs)
endforeach()
dodge_expect_test(NAME app_gridcell_mfq MATCH "OK: gridcell mfq" REJECT "FAIL" COMMAND ${PY} ${GC_CHECK} mfq ${DODGE_APP} ${APP_OUT})
set_tests_properties(app_gridcell_mfq PROPERTIES ENVIRONMENT "${MPI_ENV}")
dodge_expect_test(NAME app_scenario_gridcell_mfq MATCH "status complete" "mfq pass 4/5" "mfq pass 5 cost" COMPLETE ${APP_OUT}/scenario_gridcell_mfq.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/gridcell_mfq.yaml
                 -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/scenario_gridcell_mfq.h5)
set_tests_properties(app_scenario_gridcell_mfq PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_scenario_mfq)
add_test(NAME app_scenario_gridcell_mfq_oracles COMMAND ${PY} ${GC_CHECK} oracles mfq ${APP_OUT}/scenario_gridcell_mfq.h5)
set_tests_properties(app_scenario_gridcell_mfq_oracles PROPERTIES FIXTURES_REQUIRED gridcell_scenario_mfq)
dodge_expect_test(NAME app_help_gridcell_mfq MATCH "-gridcell_output_q: <FALSE.*-mfq_policy <now learn.*-mfq_backup <now boltzmann.*-mfq_passes <now 1 .*-mfq_learning.*-mfq_temperature.*-mfq_bins"
         COMMAND ${DODGE_APP} -problem gridcell -algorithm mfq -help)
set_tests_properties(app_help_gridcell_mfq PROPERTIES ENVIRONMENT "${MPI_ENV}")
set(GC_MFQ_BAD -problem gridcell -algorithm mfq)
dodge_bad_input_exit(gridcell_mfq_option_mmr 75 "-mfq_passes applies to -algorithm mfq only; -algorithm mmr does not learn" -problem gridcell
                     -algorithm mmr -mfq_passes 3)
dodge_bad_input_exit(gridcell_mfq_output_q_pdct 75 "-gridcell_output_q applies to -algorithm mfq with -mfq_policy learn only; -algorithm pdct"
                     -problem gridcell -algorithm pdct -gridcell_output_q true)
dodge_bad_input_exit(gridcell_mfq_output_q_self 75 "-gridcell_output_q applies to -algorithm mfq with -mfq_policy learn only" ${GC_MFQ_BAD}
                     -mfq_policy self -gridcell_output_q true)
dodge_bad_input_exit(gridcell_mfq_self_passes 75 "-mfq_passes 3 with -mfq_policy self" ${GC_MFQ_BAD} -mfq_policy self -mfq_passes 3)
dodge_bad_input_exit(gridcell_mfq_passes 63 "-mfq_passes" ${GC_MFQ_BAD} -mfq_passes 0)
dodge_bad_input_exit(gridcell_mfq_gamma 63 "-mfq_learning: the discount gamma_Q = 1\\.? is not in \\[0, 1\\)" ${GC_MFQ_BAD} -mfq_learning 0.1,1)
dodge_bad_input_exit(gridcell_mfq_eta 63 "-mfq_learning: the learning rate eta_Q = -0.1 is not in \\[0, 1\\]" ${GC_MFQ_BAD} -mfq_learning -0.1,0.9)
dodge_bad_input_exit(gridcell_mfq_learning_count 60 "-mfq_learning needs 2 values" ${GC_MFQ_BAD} -mfq_learning 0.1)
dodge_bad_input_exit(gridcell_mfq_temperature 63 "-mfq_temperature: Tb_0 = 0\\.? and Tb_min = 0\\.01 must be positive" ${GC_MFQ_BAD}
                     -mfq_temperature 0,0.72,0.01)
dodge_bad_input_exit(gridcell_mfq_decay 63 "-mfq_temperature: the decay d_T = 1\\.5 per day is not in \\(0, 1\\]" ${GC_MFQ_BAD}
                     -mfq_temperature 1,1.5,0.01)
dodge_bad_input_exit(gridcell_mfq_bins_order 63 "-mfq_bins '-2,0.5,-0.5,2/0.4,0.7/6,10,16,21': the net-position edges \\[kW\\] must increase strictly"
                     ${GC_MFQ_BAD} -mfq_bins -2,0.5,-0.5,2/0.4,0.7/6,10,16,21)
dodge_bad_input_exit(gridcell_mfq_bins_lists 62 "-mfq_bins '-2,-0.5,0.5,2/0.4,0.7': expected three lists" ${GC_MFQ_BAD} -mfq_bins -2,-0.5,0.5,2/0.4,0.7)
dodge_bad_input_exit(gridcell_mfq_bins_soc 63 "-mfq_bins .*: SoC edge 1.2 is not in \\(0, 1\\)" ${GC_MFQ_BAD} -mfq_bins -2,-0.5,0.5,2/0.4,1.2/6,10,16,21)
dodge_bad_input_exit(gridcell_mfq_bins_number 62 "-mfq_bins .*: 'x' in the period edges \\[h\\] is not a finite number" ${GC_MFQ_BAD}
                     -mfq_bins -2,-0.5,0.5,2/0.4,0.7/6,x,16,21)
dodge_bad_input_exit(gridcell_mfq_dispatch 75 "-algorithm mfq does not run on -problem dispatch" -algorithm mfq)
# Switching graphs (B = 3: a ring, sparse chords, a random graph; tests/data/gridcell_switching) with every module
# that uses the graph: the neighbour-augmented shares, routing on H(t) and mfq's actions on the market edges of
# G(t), with links failing, at 1-4 ranks (/agents and /summary bitwise); the market oracles of the mfq runs.
set(GC_SW ${PROJECT_SOURCE_DIR}/tests/data/gridcell_switching)
dodge_rank_runs(gridcell_switching ${GC_SHORT} -algorithm mfq -mfq_passes 2 -gridcell_output_q true ${GC_ROUTE} ${GC_NB}
                -graph_files ${GC_SW}/g1.txt,${GC_SW}/g2.txt,${GC_SW}/g3.txt -graph_link_failure 0.2)
add_test(NAME app_gridcell_switching_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_switching_FILES})
set_tests_properties(app_gridcell_switching_identical PROPERTIES FIXTURES_REQUIRED gridcell_switching_runs)
add_test(NAME app_gridcell_switching_oracles COMMAND ${PY} ${GC_CHECK} oracles mfq ${APP_OUT}/gridcell_switching_np3.h5)
set_tests_properties(app_gridcell_switching_oracles PROPERTIES FIXTURES_REQUIRED gridcell_switching_runs)
