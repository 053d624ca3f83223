// How dodge fails on several ranks: one message, every rank exits with the error code, no 10-second stall.
#pragma once
#include "core/petsc_compat.hpp"

namespace dodge::comm {

// Installs dodge's error handler (after PetscInitialize). A collective error (raised on a communicator of
// more than one rank, as every input error is) is printed by rank 0 only and returned on every rank, so all
// ranks finalize together. An error raised on one rank alone is printed by that rank and marked local.
PetscErrorCode ErrorHandlerPush();

// True if the error being returned was raised on one rank alone: the caller must abort the job, since the
// other ranks may be waiting in a collective call.
bool ErrorIsLocal();

// Ends the job after an error: PetscFinalize and the error code for a collective error, MPI_Abort for a
// local one. Returns the process exit code.
int ExitAfterError(PetscErrorCode ierr);

// Rank and size of PETSC_COMM_WORLD.
int WorldRank();
int WorldSize();

}  // namespace dodge::comm
