# Files that are not what they seem (issue 15): every data reader and the options files refuse a FIFO (which
# would block forever), a character device (/dev/zero, which never ends) and a directory, naming the path and
# what it is; options files with YAML PETSc would misread are refused naming the file and line, before PETSc
# parses them. Included from tests/app/CMakeLists.txt (uses BAD, dodge_bad_input_exit, MPIRUN, MPI_ENV).
set(NOT_REGULAR "not a regular file; give the path of")
dodge_bad_input_exit(fifo_aemo 65 "no_writer.fifo' is a FIFO .* ${NOT_REGULAR} a CSV file" -dispatch_file ${BAD}/no_writer.fifo)
dodge_bad_input_exit(dev_zero_aemo 65 "'/dev/zero' is a character device, ${NOT_REGULAR} a CSV file" -dispatch_file /dev/zero)
dodge_bad_input_exit(directory_aemo 65 "a_directory.csv' is a directory, ${NOT_REGULAR} a CSV file" -dispatch_file ${BAD}/a_directory.csv)
dodge_bad_input_exit(fifo_gencost 65 "no_writer.fifo' is a FIFO" -dispatch_coef csv -dispatch_coef_file ${BAD}/no_writer.fifo)
dodge_bad_input_exit(dev_zero_loadtrace 65 "'/dev/zero' is a character device" -problem demand -algorithm doa -demand_file /dev/zero)
dodge_bad_input_exit(fifo_edges 65 "no_writer.fifo' is a FIFO .* ${NOT_REGULAR} an edge list" -graph_family file
                     -graph_files ${BAD}/no_writer.fifo)
dodge_bad_input_exit(dev_zero_edges 65 "'/dev/zero' is a character device, ${NOT_REGULAR} an edge list" -graph_family file
                     -graph_files /dev/zero)
dodge_bad_input_exit(directory_edges 65 "a_directory.csv' is a directory, ${NOT_REGULAR} an edge list" -graph_family file
                     -graph_files ${BAD}/a_directory.csv)
dodge_bad_input_exit(dev_zero_weights 65 "'/dev/zero' is a character device, ${NOT_REGULAR} a weight file" -graph_family file
                     -graph_files ${BAD}/ring6.txt -graph_weight_file /dev/zero)
dodge_bad_input_exit(fifo_options 65 "no_writer.fifo' is a FIFO .* ${NOT_REGULAR} an options file \\(-options_file\\)"
                     -options_file ${BAD}/no_writer.fifo)
dodge_bad_input_exit(directory_options 65 "a_directory.csv' is a directory, ${NOT_REGULAR} an options file"
                     -options_file_yaml ${BAD}/a_directory.csv)
dodge_bad_input_exit(yaml_dup_key 79 "dup_key.yaml:3: 'agents' is given twice \\(first on line 1\\)" -options_file ${BAD}/dup_key.yaml)
dodge_bad_input_exit(yaml_dup_nested 79 "dup_nested.yaml:4: 'pdct: scheme' is given twice \\(first on line 2\\)"
                     -options_file ${BAD}/dup_nested.yaml)
dodge_bad_input_exit(yaml_two_docs 79 "two_docs.yaml:2: a second YAML document" -options_file ${BAD}/two_docs.yaml)
dodge_bad_input_exit(yaml_syntax 79 "unclosed.yaml:3: YAML syntax error: did not find expected .,. or .\\]. \\(while parsing a flow sequence on line 2\\)"
                     -options_file ${BAD}/unclosed.yaml)
dodge_bad_input_exit(yaml_tab 79 "tab_indent.yaml:2: a tab in the indentation" -options_file ${BAD}/tab_indent.yaml)
dodge_bad_input_exit(yaml_top_list 79 "top_list.yaml:1: the top level is a list" -options_file ${BAD}/top_list.yaml)
dodge_bad_input_exit(yaml_binary 79 "binary.yaml:2: binary content \\(byte 0x01\\)" -options_file ${BAD}/binary.yaml)
dodge_bad_input_exit(options_binary 79 "binary_options.txt:2: binary content \\(byte 0x00\\)" -options_file ${BAD}/binary_options.txt)
# An options file named in PETSC_OPTIONS is checked too, and protected by the output policy like one on the
# command line.
add_test(NAME app_bad_yaml_dup_key_petsc_options
         COMMAND env PETSC_OPTIONS=-options_file\ ${BAD}/dup_key.yaml
                 ${CMAKE_CURRENT_SOURCE_DIR}/expect_fail.sh "dup_key.yaml:3: 'agents' is given twice" ${APP_OUT}/bad_pov.h5 --exit 79 --
                 ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -progress 0 -output_file ${APP_OUT}/bad_pov.h5)
set_tests_properties(app_bad_yaml_dup_key_petsc_options PROPERTIES ENVIRONMENT "${MPI_ENV}" FIXTURES_REQUIRED bad_inputs)
add_test(NAME app_policy_petsc_options_file
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/petsc_options_policy_test.sh ${DODGE_APP} ${APP_OUT}/petsc_options_policy
                 ${PROJECT_SOURCE_DIR}/inputs/synthetic.yaml)
set_tests_properties(app_policy_petsc_options_file PROPERTIES ENVIRONMENT "${MPI_ENV}")
# Every scenario file of inputs/ passes the check: tests/unit/test_options_files.cpp.
