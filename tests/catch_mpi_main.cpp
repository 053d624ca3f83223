// Catch2 main for dodge's tests: PETSc (and MPI) initialized once, reports only from rank 0, and the
// same exit code on every rank (the worst one), so mpiexec never reports a half-failed test.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include "core/petsc_compat.hpp"

#include <cstdio>

int main(int argc, char **argv) {
  // PETSc must not see Catch2's arguments; Catch2 must not see PETSc's. Tests take no PETSc options.
  int pargc = 1;
  char **pargv = argv;
  if (PetscInitialize(&pargc, &pargv, nullptr, nullptr) != PETSC_SUCCESS) return 1;
  PetscMPIInt rank;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank != 0) {
    // Non-root ranks run every test (collective work) but stay quiet; failures still count below.
    if (!std::freopen("/dev/null", "w", stdout)) return 1;
  }
  int result = Catch::Session().run(argc, argv);
  int worst = 0;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize() != PETSC_SUCCESS) return 1;
  return worst;
}
