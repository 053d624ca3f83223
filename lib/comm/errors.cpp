// dodge's PETSc error handler: collective errors print once and return everywhere; local ones abort.
#include "comm/errors.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dodge::comm {

namespace {
bool g_local = false;

// Codes of bad input or environment, whose message says everything (README's exit-code table): for them
// one line. Others (PETSC_ERR_LIB, _PLIB, _MEM, ... : a bug or the machine) also name where they were raised.
bool InputCode(PetscErrorCode n) {
  switch (n) {
    case PETSC_ERR_ARG_WRONG: case PETSC_ERR_ARG_OUTOFRANGE: case PETSC_ERR_ARG_INCOMP: case PETSC_ERR_FILE_UNEXPECTED:
    case PETSC_ERR_ARG_UNKNOWN_TYPE: case PETSC_ERR_FILE_OPEN: case PETSC_ERR_FILE_READ: case PETSC_ERR_FILE_WRITE:
    case PETSC_ERR_USER_INPUT: case PETSC_ERR_ARG_NULL: case PETSC_ERR_ARG_SIZ: case PETSC_ERR_ARG_BADPTR:
    case PETSC_ERR_NOT_CONVERGED: case PETSC_ERR_FP:
      return true;
    default:
      return n == PETSC_ERR_USER;  // 83: a name outside a list option's choices (OptionsChoice)
  }
}

PetscErrorCode Handler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                       PetscErrorType p, const char *mess, void *ctx) {
  int size = 1, rank = 0, world = 1;
  if (p == PETSC_ERROR_INITIAL) {
    MPI_Comm_size(comm, &size);
    g_local = size == 1;
  }
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &world);
  // DODGE_ERROR_TRACEBACK=1: PETSc's own report (banner, configure line, call stack) for a bug report.
  if (const char *tb = std::getenv("DODGE_ERROR_TRACEBACK"); tb && *tb && std::strcmp(tb, "0") != 0) {
    if (rank == 0 || g_local) return PetscTraceBackErrorHandler(PETSC_COMM_SELF, line, fun, file, n, p, mess, ctx);
    return n;
  }
  // One line, once: only for the error as first raised (not for each frame it travels up through), only on
  // rank 0 for a collective error (every rank raised the same one), on the raising rank for a local one.
  if (p != PETSC_ERROR_INITIAL || !(rank == 0 || g_local)) return n;
  const char *text = nullptr;
  PetscErrorMessage(n, &text, nullptr);
  const bool has_message = mess && *mess && std::strcmp(mess, " ") != 0;
  char who[32] = "";
  if (g_local && world > 1) std::snprintf(who, sizeof who, " (rank %d alone)", rank);
  std::fprintf(stderr, "dodge: error%s: %s", who, has_message ? mess : (text ? text : "unknown error"));
  if (!InputCode(n))
    std::fprintf(stderr, " [%s, PETSc error %d, in %s() at %s:%d; DODGE_ERROR_TRACEBACK=1 prints the whole trace]",
                 text ? text : "", static_cast<int>(n), fun ? fun : "?", file ? file : "?", line);
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
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
