# End-to-end runs of the vector families pev (x_i in R^24, 48 coupled rows) and regression (x_i in R^5, one
# quadratic row) under pdct, li2022, dopp and offline (the oracle sequence) (algorithms.md §4): cross-rank
# agreement of the [record, agent, width] trajectories, the scenario files, -help, and bad inputs. Included
# from tests/app/CMakeLists.txt after its own tests: uses its variables (DODGE_APP, APP_OUT, PY, MPI_ENV,
# MPIRUN) and dodge_bad_input().

# name -> the run's arguments; each runs at every rank count and the files must agree (compare_runs.py:
# agent trajectories bitwise, series to 1e-12).
set(VEC_RUNS pev_pdct pev_li2022 pev_dopp_directed pev_offline regression_pdct regression_li2022 regression_li2022_bandit
    regression_dopp_directed regression_binding)
set(VEC_ARGS_pev_pdct -problem pev -algorithm pdct -agents 17 -graph_family erdos_renyi -graph_link_failure 0.2 -steps 80)
set(VEC_ARGS_pev_li2022 -problem pev -algorithm li2022 -agents 13 -graph_family switching3 -steps 80)
set(VEC_ARGS_pev_dopp_directed -problem pev -algorithm dopp -agents 15 -graph_family erdos_renyi_directed -steps 80)
set(VEC_ARGS_pev_offline -problem pev -algorithm offline -agents 13 -steps 40)
set(VEC_ARGS_regression_pdct -options_file ${PROJECT_SOURCE_DIR}/inputs/regression.yaml -agents 17
    -graph_family erdos_renyi -graph_link_failure 0.2 -steps 300)
set(VEC_ARGS_regression_li2022 -problem regression -algorithm li2022 -agents 13 -graph_family switching3 -steps 300)
set(VEC_ARGS_regression_li2022_bandit -problem regression -algorithm li2022 -li2022_feedback bandit -agents 13
    -graph_family switching3 -steps 300)
# The binding scenario (the multiplier is active at about half the steps) at every rank count.
set(VEC_ARGS_regression_binding -options_file ${PROJECT_SOURCE_DIR}/inputs/regression_binding.yaml -steps 300)
set(VEC_ARGS_regression_dopp_directed -problem regression -algorithm dopp -agents 15 -graph_family ring_directed -steps 300)
foreach(run IN LISTS VEC_RUNS)
  dodge_rank_runs(${run} ${VEC_ARGS_${run}})
  set(files ${${run}_FILES})
  add_test(NAME app_${run}_identical COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py ${files})
  set_tests_properties(app_${run}_identical PROPERTIES FIXTURES_REQUIRED ${run}_runs)
endforeach()

# The scenario files run in full (they are small) and use every option they set; the files hold vector fields.
foreach(scenario pev pev_li2022 regression regression_li2022 regression_binding)
  dodge_expect_test(NAME app_scenario_${scenario} MATCH "status complete" COMPLETE ${APP_OUT}/scenario_${scenario}.h5
           COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/${scenario}.yaml
                   -progress 0 -output_file ${APP_OUT}/scenario_${scenario}.h5)
  set_tests_properties(app_scenario_${scenario} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2
                       FIXTURES_SETUP vector_scenarios)
endforeach()
add_test(NAME app_vector_files COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_vector_files.py ${APP_OUT}/scenario_pev.h5
         ${APP_OUT}/scenario_pev_li2022.h5 ${APP_OUT}/scenario_regression.h5 ${APP_OUT}/scenario_regression_li2022.h5)
set_tests_properties(app_vector_files PROPERTIES FIXTURES_REQUIRED vector_scenarios)
# The binding regression scenario binds at 40-70 % of its steps and pdct's multipliers respond (issue 14).
add_test(NAME app_regression_binding COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_binding.py
         ${APP_OUT}/scenario_regression_binding.h5)
set_tests_properties(app_regression_binding PROPERTIES FIXTURES_REQUIRED vector_scenarios)

dodge_expect_test(NAME app_help_vector MATCH "-pev_oracle_max_agents.*-regression_noise" COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_vector PROPERTIES ENVIRONMENT "${MPI_ENV}")

# Bad inputs: the coordinator algorithms on vector families (refused with exit 75, PETSC_ERR_ARG_INCOMP, as
# tests/neutral/compare_binaries.py and tests/reference rely on), an oracle too large to gather, bad instance options.
dodge_bad_input_exit(coa_on_pev 75 "-algorithm coa does not run on -problem pev \\(vector decisions: d = 24, m = 48\\)"
                -problem pev -algorithm coa)
dodge_bad_input_exit(doa_on_regression 75 "-algorithm doa does not run on -problem regression" -problem regression
                -algorithm doa)
dodge_bad_input(pev_oracle_cap "pev with N = 20 agents: the per-step optimum.*-pev_oracle_max_agents 10.*-metrics false"
                -problem pev -agents 20 -pev_oracle_max_agents 10)
dodge_bad_input(pev_r_range "-pev_r_range must be positive" -problem pev -pev_r_range 0,1)
dodge_bad_input(pev_steps "-steps 300 is outside \\[1, 200\\] \\(-pev_steps\\)" -problem pev -steps 300)
dodge_bad_input(regression_steps "-regression_steps 0 must be >= 1" -problem regression -regression_steps 0)
dodge_bad_input(regression_noise "-regression_noise -1.? must be a finite number >= 0" -problem regression -regression_noise -1)
