# End-to-end runs of the ecs family (algorithms.md §5, §11) under its five schemes: bitwise agreement of every
# dataset (per-agent x, /series, the sigma x replicate sweep under /ecs) at 1-4 ranks, the §15.16 oracles on the
# scenario files inputs/ecs_*.yaml (the paper's 9 sigma x 100 replicates, in one job each), -help, and bad
# inputs. Included from tests/app/CMakeLists.txt after its own tests: uses its variables (DODGE_APP, APP_OUT, PY,
# MPI_ENV, MPIRUN) and dodge_bad_input().
set(ECS_SCHEMES optimal optimal_par uniform aca par_ecs)
set(ECS_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/check_ecs.py)
set(ECS_DATA ${PROJECT_SOURCE_DIR}/tests/data/ecs)
# 2500 heterogeneous MGs: rank boundaries fall inside the 1024-id blocks of the reproducible sums.
foreach(scheme IN LISTS ECS_SCHEMES)
  dodge_rank_runs(ecs_${scheme} -problem ecs -algorithm ${scheme} -agents 2500 -ecs_heterogeneity 0.4
                  -ecs_sigma_list 0,20,40 -ecs_replicates 5 -ecs_replicate 2)
  add_test(NAME app_ecs_${scheme}_identical COMMAND ${PY} ${ECS_CHECK} identical ${ecs_${scheme}_FILES})
  set_tests_properties(app_ecs_${scheme}_identical PROPERTIES FIXTURES_REQUIRED ecs_${scheme}_runs)
endforeach()
# The same small scenario under the five schemes (the 2-rank files): the oracles.
set(files)
foreach(scheme IN LISTS ECS_SCHEMES)
  list(APPEND files ${APP_OUT}/ecs_${scheme}_np2.h5)
endforeach()
add_test(NAME app_ecs_oracles_small COMMAND ${PY} ${ECS_CHECK} oracles ${files})
set_tests_properties(app_ecs_oracles_small PROPERTIES FIXTURES_REQUIRED "ecs_optimal_runs;ecs_optimal_par_runs;ecs_uniform_runs;ecs_aca_runs;ecs_par_ecs_runs")

# The scenario files run in full (9 sigma x 100 replicates, about a second each) and use every option they set.
set(files)
foreach(scheme IN LISTS ECS_SCHEMES)
  dodge_expect_test(NAME app_scenario_ecs_${scheme} MATCH "status complete" "sigma_d +40 " COMPLETE ${APP_OUT}/scenario_ecs_${scheme}.h5
           COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/ecs_${scheme}.yaml
                   -progress 0 -output_overwrite -output_file ${APP_OUT}/scenario_ecs_${scheme}.h5)
  set_tests_properties(app_scenario_ecs_${scheme} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP ecs_scenarios)
  list(APPEND files ${APP_OUT}/scenario_ecs_${scheme}.h5)
endforeach()
add_test(NAME app_ecs_oracles_scenarios COMMAND ${PY} ${ECS_CHECK} oracles ${files})
set_tests_properties(app_ecs_oracles_scenarios PROPERTIES FIXTURES_REQUIRED ecs_scenarios)
# MGs from a file (three sizes, one ratio): the run completes.
dodge_expect_test(NAME app_ecs_microgrid_file MATCH "status complete" "3 microgrids from" COMPLETE ${APP_OUT}/ecs_file.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -problem ecs -algorithm aca
                 -ecs_microgrid_file ${ECS_DATA}/microgrids.csv -progress 0 -output_overwrite -output_file ${APP_OUT}/ecs_file.h5)
set_tests_properties(app_ecs_microgrid_file PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)

dodge_expect_test(NAME app_help_ecs MATCH "-ecs_sigma_list.*-ecs_par_tiebreak" COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_ecs PROPERTIES ENVIRONMENT "${MPI_ENV}")

# Bad inputs: a clear message naming the option or file, a non-zero exit, no complete output.
dodge_bad_input(ecs_infeasible "infeasible requirements.*E_tot = 18000.*H X_max = 9000.*-ecs_xmax_factor"
                -problem ecs -algorithm optimal -ecs_xmax_factor 0.5)
dodge_bad_input(ecs_infeasible_min "infeasible requirements.*H X_min = 36000" -problem ecs -algorithm aca -ecs_xmin_frac 2)
dodge_bad_input(ecs_ratios "ratios_differ.csv line 4.*equal ratios" -problem ecs -algorithm uniform
                -ecs_microgrid_file ${ECS_DATA}/ratios_differ.csv)
dodge_bad_input(ecs_file_number "nonnumeric.csv:3: column E" -problem ecs -algorithm uniform
                -ecs_microgrid_file ${ECS_DATA}/nonnumeric.csv)
dodge_bad_input(ecs_file_missing "no_such_mg.csv" -problem ecs -algorithm uniform -ecs_microgrid_file ${ECS_DATA}/no_such_mg.csv)
dodge_bad_input(ecs_file_agents "-agents 4 differs from the 3 microgrids of -ecs_microgrid_file" -problem ecs -algorithm uniform
                -agents 4 -ecs_microgrid_file ${ECS_DATA}/microgrids.csv)
dodge_bad_input(ecs_sigma_list "-ecs_sigma_list '0,5,x' does not parse: 'x'" -problem ecs -algorithm aca -ecs_sigma_list 0,5,x)
dodge_bad_input(ecs_sigma_dots "-ecs_sigma_list '0,...,40' does not parse: '...' needs two numbers" -problem ecs
                -algorithm aca -ecs_sigma_list 0,...,40)
dodge_bad_input(ecs_sigma_step "does not parse: the step of '...' does not reach 42" -problem ecs -algorithm aca
                -ecs_sigma_list 0,5,...,42)
dodge_bad_input(ecs_steps "-steps 100: ecs schedules the whole horizon of -ecs_units 360" -problem ecs -algorithm aca -steps 100)
dodge_bad_input(ecs_microgrids_agents "-agents 7 differs from -ecs_microgrids 5" -problem ecs -algorithm aca -agents 7
                -ecs_microgrids 5)
dodge_bad_input(ecs_tiebreak "ecs_par_tiebreak" -problem ecs -algorithm optimal_par -ecs_par_tiebreak peak)
dodge_bad_input(ecs_tiebreak_unused "never used.*-ecs_par_tiebreak" -problem ecs -algorithm optimal -ecs_par_tiebreak valley)
dodge_bad_input_exit(ecs_pdct 75 "-algorithm pdct does not run on -problem ecs" -problem ecs -algorithm pdct)
dodge_bad_input_exit(ecs_scheme_on_dispatch 75 "-algorithm aca does not run on -problem dispatch" -algorithm aca)

# Real data (algorithms.md §5, issue 11): NA demand = the hourly load of each calendar day of the bundled traces
# (CAISO SCE 2014-08-29..10-09, PJM East 2011-08-29..10-09: 42 days each), H = 24, the flexible energy
# E_tot = f x the day's load on top of it, x in [0, 3 E/H]; the mean over the days of the daily PAR reproduces
# the independently measured reference points to the printed 3 decimals. The runs at 1-4 ranks agree bitwise.
set(ECS_REF_caiso_uniform 1.275 1.250 1.229 1.212)
set(ECS_REF_caiso_optimal 1.275 1.159 1.065 1.006)
set(ECS_REF_pjm_uniform 1.174 1.159 1.145 1.134)
set(ECS_REF_pjm_optimal 1.174 1.068 1.007 1.000)
foreach(src caiso pjm)
  foreach(scheme uniform optimal)
    dodge_rank_runs(ecs_${src}_${scheme} -problem ecs -algorithm ${scheme} -ecs_demand ${src} -ecs_flexible_list 0.1,0.2,0.3
                    -ecs_day 3)
    add_test(NAME app_ecs_${src}_${scheme}_identical COMMAND ${PY} ${ECS_CHECK} identical ${ecs_${src}_${scheme}_FILES})
    add_test(NAME app_ecs_${src}_${scheme}_reference COMMAND ${PY} ${ECS_CHECK} reference ${APP_OUT}/ecs_${src}_${scheme}_np2.h5
             ${ECS_REF_${src}_${scheme}})
    set_tests_properties(app_ecs_${src}_${scheme}_identical app_ecs_${src}_${scheme}_reference PROPERTIES
                         FIXTURES_REQUIRED ecs_${src}_${scheme}_runs)
  endforeach()
endforeach()
dodge_bad_input(ecs_trace_units "-ecs_units 48 is larger than the data window.*24 hourly samples a day" -problem ecs
                -algorithm optimal -ecs_demand caiso -ecs_units 48)
dodge_bad_input(ecs_trace_day "-ecs_day 42 is outside the 42 days" -problem ecs -algorithm optimal -ecs_demand pjm -ecs_day 42)
dodge_bad_input(ecs_trace_sigma "apply to -ecs_demand gaussian" -problem ecs -algorithm optimal -ecs_demand pjm -ecs_sigma_list 0,10)
dodge_bad_input(ecs_trace_missing "no_such_trace.csv" -problem ecs -algorithm optimal -ecs_demand pjm -ecs_trace_file ${ECS_DATA}/no_such_trace.csv)
dodge_bad_input(ecs_trace_gap "gap_trace.csv: hour 5:00 of day 1 of the file is missing" -problem ecs -algorithm optimal -ecs_demand pjm
                -ecs_trace_file ${ECS_DATA}/gap_trace.csv)
