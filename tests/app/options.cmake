# Option readers (issue 15): integers read as 64 bits never wrap, reals are finite and in their documented
# range, every error names the option and its value; -version; the ranges and exit codes in -help;
# each documented exit code of an input error.
# Included from tests/app/CMakeLists.txt after its own tests: uses its variables and dodge_bad_input().

# Integers that would wrap in a 32-bit PetscInt (4294967309 = 2^32 + 13 used to run 13 agents).
dodge_bad_input_exit(agents_overflow 63 "-agents 4294967309 must be <= 2147483647: it is out of range \\[0, 2147483647\\]"
                -agents 4294967309)
dodge_bad_input(er_sampling_family "-graph_er_sampling applies to -graph_family erdos_renyi and erdos_renyi_directed, not ring"
                -graph_family ring -graph_er_sampling skip)
dodge_bad_input(er_sampling_value "-graph_er_sampling.*random" -graph_family erdos_renyi -graph_er_sampling random)
dodge_bad_input(steps_overflow "-steps 4294967297 must be <= 2147483647" -steps 4294967297)
dodge_bad_input(seed_overflow "-seed 18446744073709551617 must be <= 9223372036854775807" -seed 18446744073709551617)
dodge_bad_input(seed_negative "-seed -1 must be >= 0: it is out of range \\[0, " -seed -1)
dodge_bad_input_exit(agents_not_integer 62 "-agents 12x is not an integer" -agents 12x)
dodge_bad_input(agents_exponent "-agents 1e3 is not an integer" -agents 1e3)
dodge_bad_input(demand_days_overflow "-demand_days 4294967297 must be <= 100000" -problem demand -algorithm doa
                -demand_days 4294967297)
dodge_bad_input(doa_trace_overflow "-doa_trace_iterations 4294967297 must be <= 1000" -problem demand -algorithm doa
                -doa_trace_iterations 4294967297)
dodge_bad_input(doa_kmax_zero "-doa_kmax 0 must be >= 1" -problem demand -algorithm doa -doa_kmax 0)
dodge_bad_input(regression_steps_overflow "-regression_steps 4294967297 must be <= 1000000000" -problem regression
                -regression_steps 4294967297)

# Reals: non-finite values and values outside the documented range, named.
dodge_bad_input(pdct_pa_inf "-pdct_pa inf is not a finite number; give a value in \\[0, inf\\)" -pdct_pa inf)
dodge_bad_input_exit(pdct_pa_nan 63 "-pdct_pa nan is not a finite number" -pdct_scheme custom -pdct_pa nan)
dodge_bad_input(pdct_alpha0_negative "-pdct_alpha0 -1 is outside \\(0, inf\\)" -pdct_alpha0 -1)
dodge_bad_input(dopp_beta0_negative "-dopp_beta0 -0.5 is outside \\[0, inf\\)" -algorithm dopp -dopp_beta0 -0.5)
dodge_bad_input(progress_negative "-progress -1 is outside \\[0, inf\\)" -progress -1)
dodge_bad_input(link_failure_nan "-graph_link_failure nan is not a finite number" -graph_link_failure nan)
dodge_bad_input(dispatch_capacity_inf "-dispatch_capacity inf is not a finite number" -dispatch_capacity inf)
dodge_bad_input(demand_noise_negative "-demand_noise -1 is outside \\[0, inf\\)" -problem demand -algorithm doa
                -demand_noise -1)
dodge_bad_input(doa_delta_nan "-doa_delta nan is not a finite number" -problem demand -algorithm doa -doa_delta nan)
dodge_bad_input(offline_tol_zero "-offline_tol 0 is outside \\(0, inf\\)" -problem demand -algorithm offline -offline_tol 0)

# -version: dodge, git hash and the linked libraries, exit 0, and no run.
dodge_expect_test(NAME app_version
                  MATCH "dodge [0-9]+\\.[0-9]+\\.[0-9]+ \\(git ([0-9a-f]+|unknown)\\)" "PETSc: Petsc Release Version 3\\.[0-9]+"
                        "HDF5: +1\\.[0-9]+\\.[0-9]+" "MPI: +[A-Za-z]"
                  REJECT "Summary after" "problem:"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -version -output_file ${APP_OUT}/version.h5)
set_tests_properties(app_version PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2)
# -help shows the ranges, -version and the exit codes.
dodge_expect_test(NAME app_help_ranges
                  MATCH "-agents <now 0 : formerly 0>: .*\\[0, 2147483647\\]" "-pdct_pa <[^>]*>: .*\\x5b0, inf\\)"
                        "-version: .*exit 0" "Exit codes:.*63.*75"
                        "-dispatch_a_range <now 0.15,0.45 : formerly 0.15,0.45>" "-pev_r_range <now 0.5,1 : "
                  REJECT "kill_at_step" "Options for all PETSc programs" "Petsc Release Version" "PetscDevice"
                  COMMAND ${DODGE_APP} -help)
set_tests_properties(app_help_ranges PROPERTIES ENVIRONMENT "${MPI_ENV}")
# dodge's options come first and alone; PETSc's generic ones behind -help petsc (both, dodge's after them).
dodge_expect_test(NAME app_help_order MATCH "^dodge: distributed online dispatch.*\n-+\ndodge run options:"
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -help)
dodge_expect_test(NAME app_help_petsc MATCH "Options for all PETSc programs:.*-malloc_debug.*dodge run options:.*-agents"
                  COMMAND ${DODGE_APP} -help petsc)
set_tests_properties(app_help_order app_help_petsc PROPERTIES ENVIRONMENT "${MPI_ENV}")
# The hidden test option is still read and checked; a pair option takes exactly two numbers.
dodge_bad_input_exit(kill_at_step_negative 63 "-checkpoint_kill_at_step -1 must be >= 0" -checkpoint_kill_at_step -1)
dodge_bad_input_exit(range_three_numbers 63 "-dispatch_a_range takes two finite numbers lo,hi with lo <= hi"
                     -dispatch_a_range 0.1,0.2,0.3)
dodge_bad_input_exit(range_not_number 63 "-pev_c_range takes two finite numbers" -problem pev -pev_c_range 0,x)

# The exit codes README.md and -help document, one input error of each kind.
dodge_bad_input_exit(exit_unused_option 62 "never used.*-dispatch_regoin" -dispatch_regoin QLD)
dodge_bad_input_exit(exit_infeasible 63 "infeasible at step 1 " -dispatch_capacity 0.5)
dodge_bad_input_exit(exit_malformed_csv 79 "nonnumeric.csv:1585:" -dispatch_file ${BAD}/nonnumeric.csv)
dodge_bad_input_exit(exit_list_choice 83 "pdct_scheme" -pdct_scheme S9)
dodge_bad_input_exit(exit_unknown_algorithm 86 "unknown -algorithm 'foo'" -algorithm foo)
dodge_bad_input_exit(exit_missing_file 65 "/nonexistent/PRICE.csv" -dispatch_file /nonexistent/PRICE.csv)

# Errors are one line from rank 0 (issue 15): at 4 ranks the message appears once, with no PETSc banner,
# configure line or per-rank traceback; the same for an error PETSc finds while reading the options file
# (dodge checks the options files before PETSc opens them); an internal code also names where it was raised.
dodge_expect_test(NAME app_error_one_line EXIT 63
                  MATCH "(^|\n)dodge: error: -agents 4294967309 must be <= 2147483647"
                  REJECT "dodge: error:.*dodge: error:" "PETSC ERROR" "Configure options" "Petsc Release Version"
                  COMMAND ${MPIRUN} 4 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 4294967309 -output_file none)
dodge_expect_test(NAME app_error_one_line_options_file EXIT 65
                  MATCH "(^|\n)dodge: error: cannot open '/nonexistent/dodge.yaml': No such file or directory; give the path of an options file"
                  REJECT "dodge: error:.*dodge: error:" "PETSC ERROR" "Configure options"
                  COMMAND ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -options_file /nonexistent/dodge.yaml)
# DODGE_ERROR_TRACEBACK=1 gives PETSc's whole report (for a bug report), still from rank 0 alone.
dodge_expect_test(NAME app_error_traceback EXIT 63
                  MATCH "\\[0\\]PETSC ERROR: -agents 4294967309 must be" "\\[0\\]PETSC ERROR: #[12] OptionsInt\\(\\)"
                  REJECT "\\[[123]\\]PETSC ERROR"
                  COMMAND env DODGE_ERROR_TRACEBACK=1 ${MPIRUN} 4 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 4294967309
                          -output_file none)
set_tests_properties(app_error_one_line app_error_one_line_options_file app_error_traceback PROPERTIES ENVIRONMENT "${MPI_ENV}")

# The summary's wall time in parts (issue 15: a 35 s run reported "6.04 s", the steps alone): setup, steps,
# I/O (output with its creation, checkpoints) and the rest add up to the total.
add_test(NAME app_wall_time_parts
         COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_wall_time.py --io --
                 ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 2000 -graph_family ring -steps 600 -progress 0
                 -checkpoint_every 200 -output_overwrite -output_file ${APP_OUT}/wall_time.h5)
add_test(NAME app_wall_time_parts_no_output
         COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_wall_time.py --
                 ${MPIRUN} 3 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -agents 2000 -graph_family ring -steps 600 -progress 0
                 -output_file none)
set_tests_properties(app_wall_time_parts app_wall_time_parts_no_output PROPERTIES ENVIRONMENT "${MPI_ENV}")

# A run whose state or metrics become non-finite fails at that step naming the quantity (72) and its output is
# never marked complete (issue 15: capacities of 1e308 ran to a 'complete' file of NaN).
dodge_bad_input_exit(nonfinite_capacity 72 "step 1: the cost F\\(t\\) = sum_i f_i\\(x_i\\) is inf, not finite"
                     -dispatch_capacity 1e308 -steps 20)
# Without metrics (no cost is computed, so the capacities above run to finite states): the state check, fed by
# the test-only fault -test_nonfinite_at_step on the last rank, ends every rank at that step at 1-4 ranks.
foreach(np 1 2 3 4)
  add_test(NAME app_bad_nonfinite_no_metrics_np${np}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.sh
                   "step 7: some agent's decision x, constraint value or multiplier mu is inf or NaN"
                   ${APP_OUT}/bad_nonfinite_no_metrics_np${np}.h5 --exit 72 --
                   ${MPIRUN} ${np} ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -progress 0 -steps 20 -metrics false
                   -test_nonfinite_at_step 7 -output_file ${APP_OUT}/bad_nonfinite_no_metrics_np${np}.h5)
  set_tests_properties(app_bad_nonfinite_no_metrics_np${np} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS ${np} TIMEOUT 60)
endforeach()
dodge_bad_input_exit(nonfinite_synthetic 72 "step [0-9]+: .* is (inf|-inf|nan|-nan), not finite" -dispatch_source synthetic
                     -dispatch_capacity 1e200 -steps 20)

# The command line wins over an options file wherever the file is named: before the fix, options written
# before -options_file were overridden by the file (PETSc inserts a file where it stands), so this run
# recorded 1000 steps to the file's out/synthetic.h5.
dodge_expect_test(NAME app_options_command_line_wins
                  MATCH "Summary after T = 7 steps" "${APP_OUT}/cmdline_wins.h5 \\(status complete\\)"
                  COMPLETE ${APP_OUT}/cmdline_wins.h5
                  COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -steps 7 -output_overwrite
                          -output_file ${APP_OUT}/cmdline_wins.h5 -progress 0 -options_file ${CMAKE_SOURCE_DIR}/inputs/synthetic.yaml)
# The memory estimate refuses a run that cannot fit, before any large allocation, naming -agents (exit 55).
dodge_bad_input_exit(memory_too_many_agents 55 "-agents 500000000 needs an estimated [0-9.]+ GiB per rank.*-memory_check false" -agents 500000000)
