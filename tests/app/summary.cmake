# The closing summary's units (issue 16): each quantity in its own units, a '$' column only where the costs have a
# dollar scale (AEMO dispatch), MW only with S_b, "/T" rows labelled as means per step and the money per hour
# beside it; and the warning before a run whose /agents recording would exceed -output_warn_gb.
# Included from tests/app/CMakeLists.txt: uses its variables and dodge_expect_test().
set(NUM "[-+0-9.e]+")
dodge_expect_test(NAME app_summary_units_aemo
                  MATCH "Reg\\(T\\)/T, mean per step +${NUM} per-unit \\(C_b \\$/h\\) +${NUM} \\$ \\(${NUM} \\$/h, 0\\.0833333 h per step\\)\n"
                        "Vio\\(T\\)/T, mean per step +${NUM} per-unit \\(S_b MW\\) +${NUM} MW\n"
                        "Vio\\+\\(T\\)/T, mean per step +${NUM} per-unit \\(S_b MW\\) +${NUM} MW\n"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -steps 50 -progress 0 -output_file none)
foreach(case IN ITEMS "synthetic|per-unit|per-unit" "pev|per-unit|per-unit" "regression|per-unit|per-unit"
                      "demand_w2_coa|utility|per-user unit")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 scenario)
  list(GET parts 1 cost)
  list(GET parts 2 x)
  # Per-unit and utility costs are not money: one column, no '$', no MW.
  dodge_expect_test(NAME app_summary_units_${scenario}
                    MATCH "Reg\\(T\\)/T, mean per step +${NUM} ${cost}\n" "Reg\\(T\\) +${NUM} ${cost}\n"
                          "Vio\\(T\\)/T, mean per step +${NUM} ${x}\n"
                    REJECT "(Reg|Vio)[^\n]*(\\$|MW)"
                    COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file ${PROJECT_SOURCE_DIR}/inputs/${scenario}.yaml
                            -steps 5 -progress 0 -output_file none)
  set_tests_properties(app_summary_units_${scenario} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)
endforeach()
set_tests_properties(app_summary_units_aemo PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)

# 6 agents x 300 records x 3 doubles x 8 B = 4.32e-05 GB: warned above a threshold of 1e-5 GB, before the first step;
# not at the default 1 GB, nor with -output_warn_gb 0 (never), nor without a file.
dodge_expect_test(NAME app_output_warn_gb
                  MATCH "dodge: warning: -output_agents all records 6 agents x 300 records x 3 doubles = 4\\.32e-05 GB in [^\n]*warn\\.h5 \\(more than -output_warn_gb 1e-05\\); record fewer agents.*Summary after"
                  COMPLETE ${APP_OUT}/warn.h5
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -steps 300 -progress 0 -output_agents all
                          -output_warn_gb 1e-5 -output_overwrite -output_file ${APP_OUT}/warn.h5)
dodge_expect_test(NAME app_output_warn_gb_default
                  REJECT "warning: -output_agents"
                  COMPLETE ${APP_OUT}/warn_default.h5
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -steps 300 -progress 0 -output_agents all
                          -output_overwrite -output_file ${APP_OUT}/warn_default.h5)
dodge_expect_test(NAME app_output_warn_gb_off
                  REJECT "warning: -output_agents"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -steps 300 -progress 0 -output_agents all
                          -output_warn_gb 0 -output_file none)
dodge_bad_input(output_warn_gb_negative "-output_warn_gb -1 is outside \\[0, inf\\)" -output_warn_gb -1)
set_tests_properties(app_output_warn_gb app_output_warn_gb_default app_output_warn_gb_off PROPERTIES
                     ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)
