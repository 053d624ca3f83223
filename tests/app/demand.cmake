# End-to-end runs of problem demand (algorithms.md §3) with the coordinator algorithms coa, doa, dpa
# (§9), offline (§10) and pdct; the coordinators on dispatch; cross-rank agreement; every demand scenario
# file; -help; checkpoint/restart; bad inputs. Included from tests/app/CMakeLists.txt after its own tests:
# uses its variables (DODGE_APP, APP_OUT, PY, MPI_ENV, MPIRUN) and dodge_bad_input().

# name -> the run's arguments; each runs at every rank count and the files must agree. Coordinator prices
# come from global sums (equal to rounding across rank counts), so compare_demand_runs.py compares agent
# fields and series to 1e-12 relative; pdct's trajectories are bitwise equal (compare_runs.py).
set(DEMAND_RUNS demand_doa demand_doa_single demand_dpa demand_coa demand_offline demand_doa_pjm demand_doa_synthetic
    demand_doa_separate demand_coa_literal dispatch_doa dispatch_coa dispatch_dpa_synthetic)
set(DEMAND_ARGS_demand_doa -problem demand -algorithm doa -demand_users 37 -demand_offline_reference)
set(DEMAND_ARGS_demand_doa_single -problem demand -algorithm doa -doa_mode single_step -demand_users 29 -demand_day typical)
set(DEMAND_ARGS_demand_dpa -problem demand -algorithm dpa -demand_users 31 -demand_preset calibrated)
set(DEMAND_ARGS_demand_coa -problem demand -algorithm coa -demand_users 41 -demand_variance_mode aggregate)
set(DEMAND_ARGS_demand_offline -problem demand -algorithm offline -demand_users 23 -steps 48)
set(DEMAND_ARGS_demand_doa_pjm -problem demand -algorithm doa -demand_source pjm -demand_day typical -demand_users 19
    -demand_normalize_over file)
set(DEMAND_ARGS_demand_doa_synthetic -problem demand -algorithm doa -demand_source synthetic -demand_days 2 -demand_users 21)
set(DEMAND_ARGS_demand_doa_separate -problem demand -algorithm doa -demand_days 3 -demand_multiday separate -demand_users 15)
set(DEMAND_ARGS_demand_coa_literal -problem demand -algorithm coa -demand_preset literal -demand_users 20)
set(DEMAND_ARGS_dispatch_doa -problem dispatch -algorithm doa -agents 13 -steps 300)
set(DEMAND_ARGS_dispatch_coa -problem dispatch -algorithm coa -agents 13 -steps 300)
set(DEMAND_ARGS_dispatch_dpa_synthetic -problem dispatch -algorithm dpa -dispatch_source synthetic -agents 9 -steps 400)
foreach(run IN LISTS DEMAND_RUNS)
  dodge_rank_runs(${run} ${DEMAND_ARGS_${run}})
  set(files ${${run}_FILES})
  # Prob-OFF stops at a projected-gradient norm of 1e-9, reached along rank-count-dependent paths.
  set(rtol 1e-12)
  if(run STREQUAL "demand_offline")
    set(rtol 1e-8)
  endif()
  add_test(NAME app_${run}_agree COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_demand_runs.py --rtol ${rtol} ${files})
  set_tests_properties(app_${run}_agree PROPERTIES FIXTURES_REQUIRED ${run}_runs)
endforeach()

# pdct on demand: the provider is one more agent of the graph; bitwise identical on every rank count.
set(files)
foreach(np IN LISTS DODGE_TEST_RANKS)
  add_test(NAME app_demand_pdct_np${np}
           COMMAND ${MPIRUN} ${np} ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -problem demand -algorithm pdct -demand_users 30
                   -graph_family erdos_renyi -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/demand_pdct_np${np}.h5)
  set_tests_properties(app_demand_pdct_np${np} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS ${np} FIXTURES_SETUP demand_pdct_runs)
  list(APPEND files ${APP_OUT}/demand_pdct_np${np}.h5)
endforeach()
add_test(NAME app_demand_pdct_identical COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py ${files})
set_tests_properties(app_demand_pdct_identical PROPERTIES FIXTURES_REQUIRED demand_pdct_runs)

# Every demand scenario file runs (the large one with fewer users) and uses every option it sets.
file(GLOB demand_scenarios ${PROJECT_SOURCE_DIR}/inputs/demand_*.yaml)
foreach(path IN LISTS demand_scenarios)
  get_filename_component(scenario ${path} NAME_WE)
  set(extra)
  if(scenario STREQUAL "demand_large")
    set(extra -demand_users 5000)
  endif()
  dodge_expect_test(NAME app_scenario_${scenario} MATCH "status complete" COMPLETE ${APP_OUT}/scenario_${scenario}.h5
           COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${path} ${extra} -steps 96 -progress 0
                   -output_file ${APP_OUT}/scenario_${scenario}.h5)
  set_tests_properties(app_scenario_${scenario} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)
endforeach()
# The optimality gap is reported and positive for an online run.
dodge_expect_test(NAME app_demand_gap MATCH "J_OFF\\* \\(offline reference\\) +[0-9.]+ \\(gap [0-9]\\.[0-9]+e-0[1-4]"
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -problem demand -algorithm coa
         -demand_offline_reference -progress 0 -output_file none)
set_tests_properties(app_demand_gap PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)

dodge_expect_test(NAME app_help_demand
  MATCH "-demand_preset.*-doa_delta.*-offline_method|-doa_delta.*-offline_method.*-demand_preset|-offline_method.*-demand_preset.*-doa_delta|-demand_preset.*-offline_method.*-doa_delta"
  COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_demand PROPERTIES ENVIRONMENT "${MPI_ENV}")

# Checkpoint/restart of doa on demand over two separate days: killed on 3 ranks after a checkpoint,
# resumed on 2, equal to an uninterrupted run.
dodge_expect_test(NAME app_demand_checkpoint MATCH "ok: demand checkpoint" REJECT "FAIL:"
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/demand_checkpoint_test.sh ${DODGE_APP} ${APP_OUT}/demand_checkpoint)
set_tests_properties(app_demand_checkpoint PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 TIMEOUT 300)

# Bad inputs of demand: each fails before the run with a message naming the problem.
dodge_bad_input(demand_omega "-demand_omega 1.5.*outside \\(0,1\\)" -problem demand -algorithm doa -demand_omega 1.5)
dodge_bad_input(demand_omega_range "-demand_omega_range.*inside \\(0,1\\)" -problem demand -algorithm doa -demand_omega_range 0.1,1.2)
dodge_bad_input(demand_pmin_pmax "p_min > p_max" -problem demand -algorithm doa -demand_p_min 3 -demand_p_max 2)
dodge_bad_input(demand_offline_gmax "offline on demand needs g_max >= N p_max" -problem demand -algorithm offline
                -demand_g_max_per_user 2)
dodge_bad_input(demand_reference_gmax "offline_reference needs g_max >= N p_max" -problem demand -algorithm coa
                -demand_offline_reference -demand_g_max_per_user 2)
dodge_bad_input(demand_missing_day "the requested day 2014-12-25 is not in the file.*covers 2014/08/29" -problem demand
                -algorithm doa -demand_day 2014-12-25)
dodge_bad_input(demand_pjm_missing_day "PJME.*2012-01-01 is not in the file" -problem demand -algorithm doa -demand_source pjm
                -demand_day 2012-01-01)
dodge_bad_input(demand_window_end "no row at 2014/10/10 00:00" -problem demand -algorithm doa -demand_day 2014-10-08 -demand_days 2)
dodge_bad_input(demand_bad_date "not a valid date" -problem demand -algorithm doa -demand_day 2014-02-30)
dodge_bad_input(demand_missing_file "/nonexistent/load.csv" -problem demand -algorithm doa -demand_file /nonexistent/load.csv)
dodge_bad_input(demand_bad_column "SCF" -problem demand -algorithm doa -demand_column SCF)
dodge_bad_input(demand_preset "demand_preset.*paper_params" -problem demand -algorithm doa -demand_preset papers)
dodge_bad_input(demand_users_agents "disagrees with -agents" -problem demand -algorithm doa -demand_users 10 -agents 5)
dodge_bad_input(demand_unused_doa_option "never used.*-dpa_delta" -problem demand -algorithm doa -dpa_delta 0.1)
dodge_bad_input(demand_doa_delta "-doa_delta.*must be a positive" -problem demand -algorithm doa -doa_delta -1)
dodge_bad_input(demand_steps "-steps 200 is outside \\[1, 96\\]" -problem demand -algorithm doa -steps 200)
