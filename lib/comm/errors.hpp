// How dodge fails on several ranks: one message, every rank exits with the error code, never a hang.
#pragma once
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge::comm {

// Installs dodge's error handler (after MPI_Init, before PetscInitialize; every rank together: it also makes
// the private communicator the error agreement below uses). The first error a rank raises is kept; it is
// printed at once by rank 0 when raised on a communicator of more than one rank (every rank is expected to
// raise the same one), by the raising rank when raised on one rank alone, and otherwise when ExitAfterError
// finds that the other ranks did not fail with it.
PetscErrorCode ErrorHandlerPush();

// True if the error being returned was raised on a communicator of one rank.
bool ErrorIsLocal();

// The first error message this rank raised ("" if none).
const std::string &FirstErrorMessage();

// Collective clean-up run by ExitAfterError once every rank is known to be in the error path (so collective
// closes cannot hang): e.g. writing status = failed into the output and closing the HDF5 files an error left
// open (io/h5_util.hpp). `message` is rank 0's error message, the same on every rank. Returns false when MPI
// cannot be finalized safely (an HDF5 file could not be closed): the job then ends with MPI_Abort and the code.
using ErrorCleanup = bool (*)(const std::string &message);
void SetErrorCleanup(ErrorCleanup cleanup);

// Ends the job after an error, from every rank that has one; never hangs:
//  - every rank waits up to kErrorAgreeSeconds for the other ranks to reach ExitAfterError too (a
//    non-blocking barrier on the private communicator);
//  - all there: the clean-up above runs, then PetscFinalize; every rank returns rank 0's error code (or, if the
//    clean-up failed, MPI_Abort with it);
//  - not all there within the time (an error on some ranks only, whatever communicator it was raised on: the
//    others wait in a collective call that will never complete): the rank prints its message (if not yet
//    printed) naming itself and calls MPI_Abort with the code, which ends every rank (mpirun's exit code is
//    then the error code).
// A watchdog started with the first error also ends the rank (the code as exit status) should the error path
// itself block for kErrorWatchdogSeconds. Returns the process exit code.
int ExitAfterError(PetscErrorCode ierr);
constexpr double kErrorAgreeSeconds = 5.0;
constexpr unsigned kErrorWatchdogSeconds = 30;

// Rank and size of PETSC_COMM_WORLD.
int WorldRank();
int WorldSize();

}  // namespace dodge::comm
