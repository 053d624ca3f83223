// dodge's PETSc error handler: collective errors print once and return everywhere; local ones abort.
#include "comm/errors.hpp"

namespace dodge::comm {

namespace {
bool g_local = false;

PetscErrorCode Handler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                       PetscErrorType p, const char *mess, void *ctx) {
  int size = 1, rank = 0;
  if (p == PETSC_ERROR_INITIAL) {
    MPI_Comm_size(comm, &size);
    g_local = size == 1;
  }
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  // PETSc's traceback handler makes non-root ranks of a collective error sleep and abort; instead only
  // rank 0 (or the one rank of a local error) prints, and everyone returns the code.
  if (rank == 0 || g_local)
    return PetscTraceBackErrorHandler(PETSC_COMM_SELF, line, fun, file, n, p, mess, ctx);
  return n;
}
}  // namespace

PetscErrorCode ErrorHandlerPush() { return PetscPushErrorHandler(Handler, nullptr); }

bool ErrorIsLocal() { return g_local; }

int ExitAfterError(PetscErrorCode ierr) {
  int world = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &world);
  if (g_local && world > 1) MPI_Abort(PETSC_COMM_WORLD, static_cast<int>(ierr));
  PetscFinalize();
  return static_cast<int>(ierr);
}

int WorldRank() {
  int r = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &r);
  return r;
}

int WorldSize() {
  int s = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &s);
  return s;
}

}  // namespace dodge::comm
