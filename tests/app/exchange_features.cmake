# The exchange mechanisms of algorithms.md §13 (issue 12) end to end. Included from tests/app/CMakeLists.txt
# after its own tests: uses its variables, dodge_rank_runs and dodge_bad_input().

# Each feature at every rank count, with link failures: agent trajectories bitwise and series to 1e-12
# (compare_runs.py), /exchange (per-edge message counts, attributes) exactly equal (check_exchange.py).
set(XF_ARGS_xf_trigger -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2 -steps 200 -exchange_trigger true
    -exchange_trigger_c0 0.02)
set(XF_ARGS_xf_trigger_switch -agents 13 -graph_family switching3 -steps 200 -exchange_trigger true -exchange_trigger_c0 0.01)
set(XF_ARGS_xf_trigger_pev -problem pev -pev_steps 60 -agents 11 -graph_family ring -graph_link_failure 0.2 -exchange_trigger true)
set(XF_ARGS_xf_trigger_li2022 -algorithm li2022 -agents 21 -graph_family watts_strogatz -steps 200 -exchange_trigger true)
set(XF_ARGS_xf_masks -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2 -steps 200 -exchange_privacy masks)
set(XF_ARGS_xf_masks_pev -problem pev -pev_steps 60 -agents 11 -graph_family switching3 -exchange_privacy masks)
set(XF_ARGS_xf_laplace -algorithm li2022 -agents 21 -graph_family ring -graph_link_failure 0.2 -steps 200
    -exchange_privacy laplace -exchange_privacy_epsilon 0.5)
foreach(run xf_trigger xf_trigger_switch xf_trigger_pev xf_trigger_li2022 xf_masks xf_masks_pev xf_laplace)
  dodge_rank_runs(${run} ${XF_ARGS_${run}})
  set(files ${${run}_FILES})
  add_test(NAME app_${run}_identical COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py ${files})
  add_test(NAME app_${run}_exchange COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_exchange.py --same ${files})
  set_tests_properties(app_${run}_identical app_${run}_exchange PROPERTIES FIXTURES_REQUIRED ${run}_runs)
endforeach()

# c0 = c1 = 0 against the untriggered run: the same trajectories (compare_runs.py), messages_periodic equal to
# what the untriggered run sent, and no more sent.
dodge_expect_test(NAME app_xf_plain MATCH "status complete" COMPLETE ${APP_OUT}/xf_plain.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2
                 -steps 200 -progress 0 -output_agents all -output_overwrite -output_file ${APP_OUT}/xf_plain.h5)
dodge_expect_test(NAME app_xf_zero MATCH "status complete" COMPLETE ${APP_OUT}/xf_zero.h5
         COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2
                 -steps 200 -progress 0 -output_agents all -output_overwrite -exchange_trigger true -exchange_trigger_c0 0
                 -exchange_trigger_c1 0 -output_file ${APP_OUT}/xf_zero.h5)
set_tests_properties(app_xf_plain app_xf_zero PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 FIXTURES_SETUP xf_zero_runs)
add_test(NAME app_xf_zero_equals_plain COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py ${APP_OUT}/xf_plain.h5
         ${APP_OUT}/xf_zero.h5)
add_test(NAME app_xf_zero_periodic COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_exchange.py --periodic
         ${APP_OUT}/xf_plain.h5 ${APP_OUT}/xf_zero.h5)
set_tests_properties(app_xf_zero_equals_plain app_xf_zero_periodic PROPERTIES FIXTURES_REQUIRED xf_zero_runs)

# Checkpoint/restart with each feature on (crash at 250 after the checkpoint of 200, resume on 2 ranks).
foreach(mode trigger masks laplace)
  dodge_expect_test(NAME app_checkpoint_${mode} MATCH "ok: ${mode}" REJECT "FAIL:"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/checkpoint_test.sh ${DODGE_APP} ${APP_OUT}/checkpoint ${mode})
  set_tests_properties(app_checkpoint_${mode} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 TIMEOUT 300)
endforeach()

# Bad input: each refused before the run, naming the option, with the documented exit code.
dodge_bad_input_exit(xf_c0_negative 63 "-exchange_trigger_c0 -0.1 is outside \\[0, inf\\)" -exchange_trigger true
                     -exchange_trigger_c0 -0.1)
dodge_bad_input_exit(xf_c1_negative 63 "-exchange_trigger_c1 -1 is outside \\[0, inf\\)" -exchange_trigger true
                     -exchange_trigger_c1 -1)
dodge_bad_input_exit(xf_rho_negative 63 "-exchange_trigger_rho -0.05 is outside \\[0, inf\\)" -exchange_trigger true
                     -exchange_trigger_rho -0.05)
dodge_bad_input_exit(xf_c0_nan 63 "-exchange_trigger_c0 nan is not a finite number" -exchange_trigger true -exchange_trigger_c0 nan)
dodge_bad_input_exit(xf_epsilon_zero 63 "-exchange_privacy_epsilon 0 is outside \\(0, inf" -exchange_privacy laplace
                     -exchange_privacy_epsilon 0)
dodge_bad_input_exit(xf_epsilon_negative 63 "-exchange_privacy_epsilon -1 is outside \\(0, inf" -exchange_privacy laplace
                     -exchange_privacy_epsilon -1)
dodge_bad_input_exit(xf_phi_zero 63 "-exchange_privacy_phi 0 is outside \\(0, 1\\]" -exchange_privacy masks -exchange_privacy_phi 0)
dodge_bad_input_exit(xf_phi_large 63 "-exchange_privacy_phi 1.5 is outside \\(0, 1\\]" -exchange_privacy masks -exchange_privacy_phi 1.5)
dodge_bad_input_exit(xf_sigma_negative 63 "-exchange_privacy_sigma0 -1 is outside \\[0, inf\\)" -exchange_privacy masks
                     -exchange_privacy_sigma0 -1)
dodge_bad_input_exit(xf_sensitivity_zero 63 "-exchange_privacy_sensitivity 0 is outside \\(0, inf\\)" -exchange_privacy laplace
                     -exchange_privacy_sensitivity 0)
dodge_bad_input_exit(xf_privacy_unknown 83 "-exchange_privacy noise.*none, masks, laplace" -exchange_privacy noise)
dodge_bad_input_exit(xf_trigger_and_privacy 75 "-exchange_trigger true and -exchange_privacy masks act on the same channel"
                     -exchange_trigger true -exchange_privacy masks)
dodge_bad_input_exit(xf_privacy_dopp 75 "-exchange_privacy is not supported with -algorithm dopp" -algorithm dopp
                     -exchange_privacy masks)
dodge_bad_input_exit(xf_trigger_dopp 75 "-exchange_trigger is not supported with -algorithm dopp" -algorithm dopp
                     -exchange_trigger true)
dodge_bad_input_exit(xf_trigger_coa 62 "options set but never used.*-exchange_trigger" -algorithm coa -exchange_trigger true)
# mmr exchanges market messages (X1-X4), which no send policy acts on.
dodge_bad_input_exit(xf_trigger_mmr 75 "-exchange_trigger acts on the mixing messages of the graph algorithms pdct and li2022; -algorithm mmr does not mix over a graph"
                     -problem gridcell -algorithm mmr -gridcell_days 1 -gridcell_eval_days 1 -exchange_trigger true)
