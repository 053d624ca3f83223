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
dodge_bad_input_exit(gridcell_pdct 75 "-algorithm pdct does not run on -problem gridcell" -problem gridcell -algorithm pdct)
dodge_bad_input_exit(gridcell_mmr_on_dispatch 75 "-algorithm mmr does not run on -problem dispatch" -algorithm mmr)

# Checkpoint/restart (§16.10, §16.14 item 14): killed after a checkpoint and resumed on another rank count
# (before and inside the evaluation window), none and mmr, rls and persistence forecasts, like the
# uninterrupted run (/agents, /summary bitwise; /series, summary attributes 1e-12); altered checkpoints refused.
set(GC_CKPT ${CMAKE_CURRENT_SOURCE_DIR}/gridcell_checkpoint_test.sh)
foreach(case none:rls:1:2:350 mmr:rls:3:2:450 none:persistence:4:1:250 mmr:persistence:1:3:520)
  string(REGEX MATCH "^[a-z]+:[a-z]+" tag "${case}")
  string(REPLACE ":" "_" tag "${tag}")
  dodge_expect_test(NAME app_gridcell_checkpoint_${tag} MATCH "ok: gridcell checkpoint ${case}" REJECT "FAIL"
           COMMAND ${GC_CKPT} ${DODGE_APP} ${APP_OUT}/gridcell_checkpoint ${case})
  set_tests_properties(app_gridcell_checkpoint_${tag} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 4 TIMEOUT 300)
endforeach()
foreach(case hostile_values hostile_counts)
  dodge_expect_test(NAME app_gridcell_checkpoint_${case} MATCH "ok: gridcell ${case} checkpoints" REJECT "FAIL"
           COMMAND ${GC_CKPT} ${DODGE_APP} ${APP_OUT}/gridcell_checkpoint ${case})
  set_tests_properties(app_gridcell_checkpoint_${case} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 TIMEOUT 300)
endforeach()
