# The attacks and defences of algorithms.md §13.3 (issue 12, docs/exchange.md) end to end. Included from
# tests/app/CMakeLists.txt after exchange_features.cmake: uses its variables, dodge_rank_runs and
# dodge_bad_input_exit().

# Attacks and defences at every rank count, with link failures, switching and small-world graphs and a vector
# family: agent trajectories bitwise and series to 1e-12 (compare_runs.py), /attack (per-attacker rates and
# delays, per-edge alarm steps and flags, attributes) exactly equal and self-consistent (check_attack.py).
set(ATK_ARGS_atk_bias_detect -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2 -steps 200 -attack_agents 3,17
    -attack_start 50 -defense detect)
set(ATK_ARGS_atk_replay_ewma -agents 21 -graph_family watts_strogatz -steps 200 -attack_agents 0.1 -attack_kind replay
    -attack_lag 15 -attack_start 60 -defense detect -defense_detector ewma)
set(ATK_ARGS_atk_scale_trimmed -algorithm li2022 -agents 21 -graph_family watts_strogatz -graph_link_failure 0.1 -steps 200
    -attack_agents 0.1 -attack_kind scale -defense trimmed)
set(ATK_ARGS_atk_switch_detect -agents 30 -graph_family switching3 -steps 200 -attack_agents 0.1 -defense detect)
set(ATK_ARGS_atk_pev_detect -problem pev -pev_steps 60 -agents 11 -graph_family erdos_renyi -graph_link_failure 0.2
    -attack_agents 4 -attack_start 20 -defense detect)
foreach(run atk_bias_detect atk_replay_ewma atk_scale_trimmed atk_switch_detect atk_pev_detect)
  dodge_rank_runs(${run} ${ATK_ARGS_${run}})
  set(files ${${run}_FILES})
  add_test(NAME app_${run}_identical COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py ${files})
  add_test(NAME app_${run}_attack COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_attack.py --same ${files})
  set_tests_properties(app_${run}_identical app_${run}_attack PROPERTIES FIXTURES_REQUIRED ${run}_runs)
endforeach()
# A bias attacker (β = 1 per-unit, CUSUM defaults) is alarmed by every receiver within 2 steps of its start.
list(GET atk_bias_detect_FILES 0 atk_bias_np1)
add_test(NAME app_atk_bias_detect_delay COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_attack.py --max-delay 2 ${atk_bias_np1})
set_tests_properties(app_atk_bias_detect_delay PROPERTIES FIXTURES_REQUIRED atk_bias_detect_runs)

# The detector without attackers on the noise-free instance: no alarm, with CUSUM and with EWMA, and then the
# trajectories are those of the undefended run bit for bit.
dodge_expect_test(NAME app_atk_plain MATCH "status complete" COMPLETE ${APP_OUT}/atk_plain.h5
         COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2
                 -steps 300 -progress 0 -output_agents all -output_overwrite -output_file ${APP_OUT}/atk_plain.h5)
# EWMA at the default sigma_floor 0.2 raises one alarm (of 316 edges) at step 2 on this instance, in the
# initial transient of the trackers (docs/exchange.md): its no-alarm run states sigma_floor 0.3.
set(ATK_CLEAN_ewma -defense_sigma_floor 0.3)
foreach(det cusum ewma)
  dodge_expect_test(NAME app_atk_clean_${det} MATCH "status complete" COMPLETE ${APP_OUT}/atk_clean_${det}.h5
           COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2
                   -steps 300 -progress 0 -output_agents all -output_overwrite -defense detect -defense_detector ${det}
                   ${ATK_CLEAN_${det}}
                   -output_file ${APP_OUT}/atk_clean_${det}.h5)
  add_test(NAME app_atk_clean_${det}_no_alarms COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_attack.py --no-alarms
           ${APP_OUT}/atk_clean_${det}.h5)
  add_test(NAME app_atk_clean_${det}_equals_plain COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py
           ${APP_OUT}/atk_plain.h5 ${APP_OUT}/atk_clean_${det}.h5)
  set_tests_properties(app_atk_clean_${det}_no_alarms app_atk_clean_${det}_equals_plain PROPERTIES FIXTURES_REQUIRED atk_clean_runs)
  set_tests_properties(app_atk_clean_${det} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 FIXTURES_SETUP atk_clean_runs)
endforeach()
set_tests_properties(app_atk_plain PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2 FIXTURES_SETUP atk_clean_runs)
# -defense_start 10 instead: EWMA at its default sigma_floor watches from step 10, after the transient, and raises no
# alarm, so the run is the undefended one bit for bit (the run above without it alarms once, at step 2).
dodge_expect_test(NAME app_atk_clean_ewma_start MATCH "status complete" COMPLETE ${APP_OUT}/atk_clean_ewma_start.h5
         COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 40 -graph_family erdos_renyi -graph_link_failure 0.2
                 -steps 300 -progress 0 -output_agents all -output_overwrite -defense detect -defense_detector ewma
                 -defense_start 10 -output_file ${APP_OUT}/atk_clean_ewma_start.h5)
set_tests_properties(app_atk_clean_ewma_start PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 FIXTURES_SETUP atk_clean_start_run)
add_test(NAME app_atk_clean_ewma_start_no_alarms COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_attack.py --no-alarms
         ${APP_OUT}/atk_clean_ewma_start.h5)
add_test(NAME app_atk_clean_ewma_start_equals_plain COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/compare_runs.py
         ${APP_OUT}/atk_plain.h5 ${APP_OUT}/atk_clean_ewma_start.h5)
set_tests_properties(app_atk_clean_ewma_start_no_alarms app_atk_clean_ewma_start_equals_plain PROPERTIES
                     FIXTURES_REQUIRED "atk_clean_start_run;atk_clean_runs")
dodge_bad_input_exit(atk_start_without_detect 75 "-defense_start 10 applies to -defense detect only \\(the defence is none\\)"
                     -defense_start 10)

# Checkpoint/restart with a replay attacker and the detector on (alarms before and after the checkpoint).
dodge_expect_test(NAME app_checkpoint_attack MATCH "ok: attack" REJECT "FAIL:"
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/checkpoint_test.sh ${DODGE_APP} ${APP_OUT}/checkpoint attack)
set_tests_properties(app_checkpoint_attack PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 3 TIMEOUT 300)

# Bad input: each refused before the run, naming the option, with the documented exit code.
dodge_bad_input_exit(atk_cusum_h_negative 63 "-defense_cusum_h -1 is outside \\[0, inf\\)" -defense detect -defense_cusum_h -1)
dodge_bad_input_exit(atk_cusum_k_negative 63 "-defense_cusum_k -0.5 is outside \\[0, inf\\)" -defense detect -defense_cusum_k -0.5)
dodge_bad_input_exit(atk_flag_negative 63 "-defense_flag -3.5 is outside \\[0, inf\\)" -defense detect -defense_flag -3.5)
dodge_bad_input_exit(atk_ewma_lambda_zero 63 "-defense_ewma_lambda 0 is outside \\(0, 1\\]" -defense detect -defense_detector ewma
                     -defense_ewma_lambda 0)
dodge_bad_input_exit(atk_ewma_limit_negative 63 "-defense_ewma_limit -3 is outside \\[0, inf\\)" -defense detect
                     -defense_ewma_limit -3)
dodge_bad_input_exit(atk_sigma_floor_zero 63 "-defense_sigma_floor 0 is outside \\(0, inf\\)" -defense detect -defense_sigma_floor 0)
dodge_bad_input_exit(atk_id_range 63 "-attack_agents: agent id 99 is out of range \\[0, 40\\)" -agents 40 -attack_agents 3,99)
dodge_bad_input_exit(atk_fraction_range 62 "-attack_agents 1.5: a fraction.*\\[0, 1\\]" -attack_agents 1.5)
dodge_bad_input_exit(atk_agents_malformed 62 "-attack_agents 3,x: expected comma-separated.*bad entry 'x'" -attack_agents 3,x)
dodge_bad_input_exit(atk_kind_unknown 83 "-attack_kind noise is not one of its choices: scale, bias, replay" -attack_agents 1
                     -attack_kind noise)
dodge_bad_input_exit(atk_lag_zero 63 "-attack_lag" -attack_agents 1 -attack_kind replay -attack_lag 0)
dodge_bad_input_exit(atk_trim_too_large 75 "-defense_trim 2 needs every agent to have at least 2F\\+1 = 5 in-neighbours.*smallest in-degree is 2"
                     -graph_family ring -defense trimmed -defense_trim 2)
dodge_bad_input_exit(atk_trim_switching 75 "-defense_trim 1 needs.*smallest in-degree is 0" -agents 13 -graph_family switching3
                     -defense trimmed)
dodge_bad_input_exit(atk_trim_zero 63 "-defense_trim 0: trimmed mixing needs F >= 1" -defense trimmed -defense_trim 0)
dodge_bad_input_exit(atk_dopp 75 "-attack_agents is not supported with -algorithm dopp" -algorithm dopp -attack_agents 1)
dodge_bad_input_exit(atk_with_trigger 75 "-defense cannot be combined with -exchange_trigger or -exchange_privacy" -exchange_trigger true
                     -defense detect)
dodge_bad_input_exit(atk_coa 62 "options set but never used.*-attack_agents" -algorithm coa -attack_agents 1)
dodge_bad_input_exit(atk_mmr 75 "-attack_agents acts on the mixing messages of the graph algorithms pdct and li2022; -algorithm mmr does not mix over a graph"
                     -problem gridcell -algorithm mmr -gridcell_days 1 -gridcell_eval_days 1 -attack_agents 1)
