# End-to-end runs of the gridcell family (docs/gridcell.md §16) under none and mmr: rank-count independence at
# 1-4 ranks (/agents and /summary bitwise, /series 1e-12), the §16.14 oracles (market balance, no trading,
# subadditivity, battery, cell scope with ideal forecasts), the scenario files inputs/gridcell_*.yaml, -help and
# bad inputs. Included from tests/app/CMakeLists.txt (uses DODGE_APP, APP_OUT, PY, MPI_ENV, MPIRUN,
# dodge_rank_runs, dodge_bad_input).
set(GC_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/check_gridcell.py)
set(GC_SHORT -problem gridcell -gridcell_days 6 -gridcell_eval_days 2 -agents 37)
foreach(alg none mmr)
  dodge_rank_runs(gridcell_${alg} ${GC_SHORT} -algorithm ${alg})
  add_test(NAME app_gridcell_${alg}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${alg}_FILES})
  set_tests_properties(app_gridcell_${alg}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${alg}_runs)
  add_test(NAME app_gridcell_${alg}_oracles COMMAND ${PY} ${GC_CHECK} oracles ${alg} ${APP_OUT}/gridcell_${alg}_np2.h5)
  set_tests_properties(app_gridcell_${alg}_oracles PROPERTIES FIXTURES_REQUIRED gridcell_${alg}_runs)
endforeach()
# Shares (§16.3, §16.8): the runs above use the default neighbour-augmented RLS (privacy none); laplace and mask
# privacy, and own data, at 1-4 ranks (oracle 7); link failures and masks at 1-4 ranks.
dodge_rank_runs(gridcell_laplace ${GC_SHORT} -algorithm mmr -gridcell_share_privacy laplace -gridcell_share_eps 0.5)
dodge_rank_runs(gridcell_mask ${GC_SHORT} -algorithm mmr -gridcell_share_privacy mask)
dodge_rank_runs(gridcell_own ${GC_SHORT} -algorithm mmr -gridcell_forecast_neighbours false)
dodge_rank_runs(gridcell_linkfail ${GC_SHORT} -algorithm none -gridcell_share_privacy mask -graph_link_failure 0.3)
foreach(v laplace mask own linkfail)
  add_test(NAME app_gridcell_${v}_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_${v}_FILES})
  set_tests_properties(app_gridcell_${v}_identical PROPERTIES FIXTURES_REQUIRED gridcell_${v}_runs)
endforeach()
# Oracle 8: laplace with eps = inf is bitwise none (the default run of gridcell_none).
dodge_expect_test(NAME app_gridcell_laplace_inf MATCH "status complete" COMPLETE ${APP_OUT}/gridcell_laplace_inf.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${GC_SHORT} -algorithm none -gridcell_share_privacy laplace
                 -gridcell_share_eps inf -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/gridcell_laplace_inf.h5)
set_tests_properties(app_gridcell_laplace_inf PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_laplace_inf_run)
add_test(NAME app_gridcell_laplace_inf_identical COMMAND ${PY} ${GC_CHECK} identical ${APP_OUT}/gridcell_none_np1.h5
         ${APP_OUT}/gridcell_laplace_inf.h5)
set_tests_properties(app_gridcell_laplace_inf_identical PROPERTIES FIXTURES_REQUIRED "gridcell_laplace_inf_run;gridcell_none_runs")
# G2 on the default scenario (N = 100, 35 days): the forecast ordering of docs/gridcell.md, sce and pjm.
foreach(src sce pjm)
  add_test(NAME app_gridcell_forecast_${src} COMMAND ${PY} ${GC_CHECK} forecast ${DODGE_APP} ${src} ${APP_OUT})
  set_tests_properties(app_gridcell_forecast_${src} PROPERTIES ENVIRONMENT "${MPI_ENV}")
endforeach()
# PJM and persistence forecasts at 1-4 ranks.
dodge_rank_runs(gridcell_pjm ${GC_SHORT} -algorithm mmr -gridcell_source pjm -gridcell_forecast persistence)
add_test(NAME app_gridcell_pjm_identical COMMAND ${PY} ${GC_CHECK} identical ${gridcell_pjm_FILES})
set_tests_properties(app_gridcell_pjm_identical PROPERTIES FIXTURES_REQUIRED gridcell_pjm_runs)
# Ideal forecasts, cell scope: C_t = C^net_t to the grid rounding and individual rationality (oracle 2).
dodge_expect_test(NAME app_gridcell_ideal MATCH "status complete" COMPLETE ${APP_OUT}/gridcell_ideal.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${GC_SHORT} -algorithm mmr -gridcell_forecast ideal
                 -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/gridcell_ideal.h5)
set_tests_properties(app_gridcell_ideal PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_ideal_run)
add_test(NAME app_gridcell_ideal_oracles COMMAND ${PY} ${GC_CHECK} oracles mmr ${APP_OUT}/gridcell_ideal.h5)
set_tests_properties(app_gridcell_ideal_oracles PROPERTIES FIXTURES_REQUIRED gridcell_ideal_run)
# The scenario files run in full (35 days, 100 homes; under a second each).
foreach(alg none mmr)
  dodge_expect_test(NAME app_scenario_gridcell_${alg} MATCH "status complete" "savings per day" COMPLETE ${APP_OUT}/scenario_gridcell_${alg}.h5
           COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/gridcell_${alg}.yaml
                   -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/scenario_gridcell_${alg}.h5)
  set_tests_properties(app_scenario_gridcell_${alg} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP gridcell_scenario_${alg})
  add_test(NAME app_scenario_gridcell_${alg}_oracles COMMAND ${PY} ${GC_CHECK} oracles ${alg} ${APP_OUT}/scenario_gridcell_${alg}.h5)
  set_tests_properties(app_scenario_gridcell_${alg}_oracles PROPERTIES FIXTURES_REQUIRED gridcell_scenario_${alg})
endforeach()

dodge_expect_test(NAME app_help_gridcell MATCH "-gridcell_source.*-gridcell_market_scope" COMMAND ${DODGE_APP} -help)
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
dodge_bad_input(gridcell_eval "-gridcell_eval_days 9 exceeds the main window -gridcell_days 5" -problem gridcell -algorithm none
                -gridcell_days 5 -gridcell_eval_days 9)
dodge_bad_input(gridcell_warmup "-gridcell_warmup_days 0 gives 0 warm-up steps" -problem gridcell -algorithm none -gridcell_warmup_days 0)
dodge_bad_input(gridcell_scope "-gridcell_market_scope neighbours is not implemented yet" -problem gridcell -algorithm mmr
                -gridcell_market_scope neighbours)
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
                -algorithm none -gridcell_share_privacy mask -gridcell_share_eps 1)
dodge_bad_input(gridcell_share_sigma_mode "-gridcell_share_mask_sigma applies to -gridcell_share_privacy mask only" -problem gridcell
                -algorithm none -gridcell_share_mask_sigma 1)
dodge_bad_input_exit(gridcell_pdct 75 "-algorithm pdct does not run on -problem gridcell" -problem gridcell -algorithm pdct)
dodge_bad_input_exit(gridcell_mmr_on_dispatch 75 "-algorithm mmr does not run on -problem dispatch" -algorithm mmr)
