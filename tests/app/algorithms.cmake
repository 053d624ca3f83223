# End-to-end runs of the graph algorithms li2022 (algorithms.md §8.2) and dopp (§8.3): cross-rank agreement
# of agent trajectories, their scenario files, -help, and bad inputs. Included from tests/app/CMakeLists.txt
# after its own tests: uses its variables (DODGE_APP, APP_OUT, PY, MPI_ENV, MPIRUN) and dodge_bad_input().
set(GRAPH_DATA ${PROJECT_SOURCE_DIR}/tests/data/graphs)

# name -> the run's arguments; each runs at every rank count and the files must agree (compare_runs.py:
# agent trajectories bitwise, series to 1e-12).
set(ALG_RUNS li2022_aemo li2022_failures li2022_directed_file li2022_bandit dopp_aemo dopp_directed dopp_ring_directed
    dopp_directed_file pdct_er_skip dopp_er_skip_directed)
set(ALG_ARGS_li2022_aemo -algorithm li2022 -agents 13 -graph_family switching3 -steps 300)
set(ALG_ARGS_li2022_failures -options_file ${PROJECT_SOURCE_DIR}/inputs/synthetic_li2022.yaml -agents 9
    -graph_family erdos_renyi -graph_link_failure 0.3 -steps 400)
set(ALG_ARGS_li2022_directed_file -algorithm li2022 -agents 5 -graph_family file -graph_files ${GRAPH_DATA}/directed_cycle5.txt
    -graph_directed -graph_weight_file ${GRAPH_DATA}/cycle5_weights.txt -steps 300)
set(ALG_ARGS_li2022_bandit -options_file ${PROJECT_SOURCE_DIR}/inputs/synthetic_li2022.yaml -li2022_feedback bandit
    -agents 9 -graph_family erdos_renyi -steps 400)
set(ALG_ARGS_dopp_aemo -algorithm dopp -agents 13 -graph_family switching3 -dopp_kappa n -steps 300)
set(ALG_ARGS_dopp_directed -algorithm dopp -agents 40 -graph_family erdos_renyi_directed -graph_link_failure 0.3 -steps 200)
set(ALG_ARGS_dopp_ring_directed -options_file ${PROJECT_SOURCE_DIR}/inputs/synthetic_dopp_directed.yaml -agents 9
    -graph_family ring_directed -steps 400)
set(ALG_ARGS_dopp_directed_file -algorithm dopp -agents 5 -graph_family file -graph_files ${GRAPH_DATA}/directed_cycle5.txt
    -graph_directed -dopp_kappa n -steps 300)
# erdos_renyi sampled by geometric skips (-graph_er_sampling skip): the graph, hence every trajectory, must not
# depend on the rank count (the draws are keyed by row).
set(ALG_ARGS_pdct_er_skip -algorithm pdct -agents 3000 -graph_family erdos_renyi -graph_er_sampling skip -steps 30)
set(ALG_ARGS_dopp_er_skip_directed -algorithm dopp -agents 300 -graph_family erdos_renyi_directed -graph_er_sampling skip
    -graph_link_failure 0.2 -steps 30)
foreach(run IN LISTS ALG_RUNS)
  dodge_rank_runs(${run} ${ALG_ARGS_${run}})
  set(files ${${run}_FILES})
  add_test(NAME app_${run}_identical COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py ${files})
  set_tests_properties(app_${run}_identical PROPERTIES FIXTURES_REQUIRED ${run}_runs)
endforeach()

# The scenario files run (short horizon) and use every option they set.
foreach(scenario aemo_nsw_li2022 aemo_qld_li2022 aemo_sa_li2022 aemo_vic_li2022 aemo_tas_li2022 synthetic_li2022
                 synthetic_dopp_directed)
  dodge_expect_test(NAME app_scenario_${scenario} MATCH "status complete" COMPLETE ${APP_OUT}/scenario_${scenario}.h5
           COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/${scenario}.yaml
                   -steps 288 -progress 0 -output_file ${APP_OUT}/scenario_${scenario}.h5)
  set_tests_properties(app_scenario_${scenario} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3)
endforeach()

# li2022's bandit feedback follows its recurrence exactly (a quadratic f makes the two-point estimate the
# gradient) with the steps projected onto the shrunk box; and it refuses local sets that are not boxes.
add_test(NAME app_li2022_bandit_run
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -algorithm li2022 -li2022_feedback bandit -agents 2
                 -graph_family complete -steps 500 -output_agents all -progress 0 -output_overwrite -output_file ${APP_OUT}/li2022_bandit2.h5)
set_tests_properties(app_li2022_bandit_run PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP bandit_run)
dodge_expect_test(NAME app_li2022_bandit_recurrence MATCH "^ok$"
                  COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_bandit.py ${APP_OUT}/li2022_bandit2.h5)
set_tests_properties(app_li2022_bandit_recurrence PROPERTIES FIXTURES_REQUIRED bandit_run)
dodge_bad_input(li2022_bandit_pev "-li2022_feedback bandit needs box local sets X_i.*pev" -problem pev -algorithm li2022
                -li2022_feedback bandit)
dodge_bad_input(li2022_bandit_short "delta = T\\^\\(-1/4\\) = 0.840896 is not below the smallest half width 0.75"
                -algorithm li2022 -li2022_feedback bandit -steps 2)

dodge_expect_test(NAME app_help_algorithms MATCH "-li2022_feedback.*-dopp_scheme|-dopp_scheme.*-li2022_feedback"
                  COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_algorithms PROPERTIES ENVIRONMENT "${MPI_ENV}")

# Bad inputs: doubly stochastic algorithms on directed graphs, wrong weights, and dopp's weight-file limit.
set(DIRECTED_MSG "directed and Metropolis weights need an undirected graph: pdct and li2022 need a doubly stochastic weight file")
dodge_bad_input(pdct_directed "ring_directed graph is ${DIRECTED_MSG}" -algorithm pdct -graph_family ring_directed)
dodge_bad_input(li2022_directed "ring_directed graph is ${DIRECTED_MSG}" -algorithm li2022 -graph_family ring_directed)
dodge_bad_input(li2022_outdegree "li2022 needs doubly stochastic mixing weights.*-graph_weights outdegree" -algorithm li2022
                -graph_weights outdegree)
dodge_bad_input(li2022_weight_columns "cycle5_weights_rows_only.txt': column 0 sums to" -algorithm li2022 -agents 5
                -graph_family file -graph_files ${GRAPH_DATA}/directed_cycle5.txt -graph_directed
                -graph_weight_file ${GRAPH_DATA}/cycle5_weights_rows_only.txt)
# On an undirected graph only li2022's graph hook asks for the column check (pdct accepts this file).
dodge_bad_input(li2022_weight_columns_undirected "ring4_weights_rows_only.txt': column 1 sums to" -algorithm li2022 -agents 4
                -graph_family ring -graph_weight_file ${GRAPH_DATA}/ring4_weights_rows_only.txt)
dodge_bad_input(dopp_metropolis_directed "ring_directed graph is ${DIRECTED_MSG}.*dopp uses -graph_weights outdegree"
                -algorithm dopp -graph_family ring_directed -graph_weights metropolis)
dodge_bad_input(dopp_file_failures "dopp with -graph_weight_file and -graph_link_failure" -algorithm dopp -agents 5
                -graph_family file -graph_files ${GRAPH_DATA}/directed_cycle5.txt -graph_directed
                -graph_weight_file ${GRAPH_DATA}/cycle5_weights.txt -graph_link_failure 0.1)
dodge_bad_input(dopp_scheme "dopp_scheme" -algorithm dopp -dopp_scheme S9)
dodge_bad_input(li2022_unused_pdct_option "never used.*-pdct_kappa" -algorithm li2022 -pdct_kappa n)

# κ_N = n at large N (issue 15): one warning from rank 0 naming the option, the product and §8.1; none at the
# limit (N·α_1·γ_1 = 100) or with κ_N = 1; dopp the same with its prefix.
dodge_expect_test(NAME app_kappa_n_warning
                  MATCH "dodge: warning: -pdct_kappa n with N = 1000 agents gives N\\*alpha_1\\*gamma_1 = 1000 > 100.*§8\\.1.*-pdct_kappa one"
                  REJECT "warning.*warning"
                  COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -pdct_kappa n -agents 1000 -graph_family ring -steps 5
                          -progress 0 -output_file none)
dodge_expect_test(NAME app_kappa_n_warning_dopp MATCH "dodge: warning: -dopp_kappa n with N = 500 agents gives N\\*alpha_1\\*gamma_1 = 125 > 100"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -algorithm dopp -dopp_kappa n -dopp_scheme S3a
                          -agents 500 -graph_family ring_directed -graph_weights outdegree -steps 5 -progress 0 -output_file none)
dodge_expect_test(NAME app_kappa_n_no_warning REJECT "warning"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -pdct_kappa n -agents 100 -graph_family ring -steps 5
                          -progress 0 -output_file none)
dodge_expect_test(NAME app_kappa_one_no_warning REJECT "warning"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 1000 -graph_family ring -steps 5
                          -progress 0 -output_file none)
set_tests_properties(app_kappa_n_warning app_kappa_n_warning_dopp app_kappa_n_no_warning app_kappa_one_no_warning
                     PROPERTIES ENVIRONMENT "${MPI_ENV}")
