# Issue 16: every dodge output file is netCDF-4 with CF metadata. One small run of each family under each
# algorithm it takes (at 2 ranks, with /inputs recorded), then tests/app/check_netcdf.py opens every file
# with ncdump -h, netCDF4-python and xarray (h5netcdf and netcdf4 engines, default time decoding) and
# runs a minimal CF check (UDUNITS units via udunits2, CF time). Included from tests/app/CMakeLists.txt:
# uses DODGE_APP, APP_OUT, PY, MPI_ENV, MPIRUN and dodge_expect_test().
set(NC_FAMILY_dispatch -agents 6 -steps 20)
set(NC_FAMILY_pev -agents 6 -steps 20)
set(NC_FAMILY_regression -agents 6 -steps 20)
set(NC_FAMILY_demand -demand_users 6 -steps 8)
set(NC_FAMILY_ecs -ecs_replicates 2)
set(NC_FAMILY_gridcell -agents 6 -gridcell_days 2 -gridcell_eval_days 1 -steps 20)
set(NC_ALGOS_dispatch pdct li2022 dopp coa doa dpa offline)
set(NC_ALGOS_demand pdct li2022 dopp coa doa dpa offline)
set(NC_ALGOS_pev pdct li2022 dopp offline)
set(NC_ALGOS_regression pdct li2022 dopp offline)
set(NC_ALGOS_ecs optimal optimal_par uniform aca par_ecs)
set(NC_ALGOS_gridcell none mmr)
set(NC_FILES)
foreach(family dispatch demand pev regression ecs gridcell)
  foreach(alg IN LISTS NC_ALGOS_${family})
    set(out ${APP_OUT}/netcdf_${family}_${alg}.h5)
    # gridcell's mmr run also routes (§16.7), so that routing's series, per-home fields and inputs are checked.
    set(extra)
    if(family STREQUAL "gridcell" AND alg STREQUAL "mmr")
      set(extra -gridcell_route true)
    endif()
    dodge_expect_test(NAME app_netcdf_run_${family}_${alg} MATCH "status complete" COMPLETE ${out}
             COMMAND ${MPIRUN} 2 ${DODGE_MPIEXEC_PREFLAGS} ${DODGE_APP} -problem ${family} -algorithm ${alg}
                     ${NC_FAMILY_${family}} ${extra} -progress 0 -output_overwrite -output_file ${out})
    set_tests_properties(app_netcdf_run_${family}_${alg} PROPERTIES ENVIRONMENT "${MPI_ENV}" PROCESSORS 2
                         FIXTURES_SETUP netcdf_runs)
    list(APPEND NC_FILES ${out})
  endforeach()
endforeach()
add_test(NAME app_netcdf_readers COMMAND ${PY} ${CMAKE_CURRENT_SOURCE_DIR}/check_netcdf.py ${NC_FILES})
set_tests_properties(app_netcdf_readers PROPERTIES FIXTURES_REQUIRED netcdf_runs)
