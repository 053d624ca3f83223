# The sample runs in the header comment of app/dodge.cpp, each run exactly as written there: mpirun -n P and
# build/app/dodge become ${MPIRUN} P (with --oversubscribe) and the built binary; each runs in its own directory
# holding a link `inputs` to the repository's inputs/, so relative paths and the default output file
# (out/dodge.h5, or the scenario's out/aemo_qld.h5) resolve as for a user at the repository root. Each must
# exit 0 with a complete file of the expected shape (check_sample.py). All run in seconds here (the 10^6-agent
# ring in ~13 s on 2 ranks), so none is shortened. `build/app/dodge -help` is app_help (CMakeLists.txt).
# Included from tests/app/CMakeLists.txt: uses its variables (DODGE_APP, APP_OUT, PY, MPI_ENV, MPIRUN).
set(SAMPLES ${APP_OUT}/samples)

# dodge_sample(name ranks "check_sample.py options" [MATCH regex...] ARGS dodge options...): the run in
# ${SAMPLES}/<name>, its output file <name>_FILE relative to that directory, then its file check.
function(dodge_sample name ranks output)
  cmake_parse_arguments(S "" "" "CHECK;MATCH;ARGS" ${ARGN})
  set(dir ${SAMPLES}/${name})
  file(MAKE_DIRECTORY ${dir})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/inputs ${dir}/inputs SYMBOLIC)
  dodge_expect_test(NAME app_sample_${name} MATCH "status complete" ${S_MATCH} COMPLETE ${dir}/${output}
                    COMMAND ${MPIRUN} ${ranks} ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} ${S_ARGS})
  set_tests_properties(app_sample_${name} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS ${ranks} TIMEOUT 120
                       WORKING_DIRECTORY ${dir} FIXTURES_SETUP sample_${name})
  add_test(NAME app_sample_${name}_file COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_sample.py ${dir}/${output} ${S_CHECK})
  set_tests_properties(app_sample_${name}_file PROPERTIES FIXTURES_REQUIRED sample_${name})
endfunction()

# mpirun -n 2 build/app/dodge: AEMO NSW, pdct S2, switching3, N = 6, the whole 10-day window.
dodge_sample(default 2 out/dodge.h5
  CHECK --ranks 2 --agents 6 --steps 2880 --recorded 6 --describes NSW1 --describes "scheme S2" --graphs 3)
# mpirun -n 4 build/app/dodge -options_file inputs/aemo_qld.yaml: QLD, every agent recorded, kappa_N = n.
dodge_sample(qld 4 out/aemo_qld.h5 ARGS -options_file inputs/aemo_qld.yaml
  CHECK --ranks 4 --agents 6 --steps 2880 --recorded 6 --describes QLD1 --describes "kappa_N = n" --graphs 3)
# mpirun -n 2 build/app/dodge -agents 1000000 -graph_family ring -steps 288 -output_agents first:100
dodge_sample(million_ring 2 out/dodge.h5 ARGS -agents 1000000 -graph_family ring -steps 288 -output_agents first:100
  CHECK --ranks 2 --agents 1000000 --steps 288 --recorded 100 --graphs 1)
# mpirun -n 2 build/app/dodge -log_view: the default run plus PETSc's profile with dodge's stages and events.
dodge_sample(log_view 2 out/dodge.h5 ARGS -log_view
  MATCH "Dodge setup" "Dodge run" "Dodge output" "DodgeExchange" "DodgeReduce" "DodgeOracle" "DodgeH5Write"
  CHECK --ranks 2 --agents 6 --steps 2880 --recorded 6 --describes NSW1 --graphs 3)
