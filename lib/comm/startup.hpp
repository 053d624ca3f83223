// The start and end of MPI around PETSc for the app (app/ makes no MPI call of its own, architecture.md).
#pragma once

namespace dodge::comm {

// MPI_Init: before PETSc, so rank 0 can check the options files before PETSc opens them.
void StartMpi(int *argc, char ***argv);

// Rank 0 checks every options file of the command line (core/options_files.hpp); every rank returns its verdict
// (0, or the exit code), and rank 0 prints the one message. MPI only: before PetscInitialize.
int CheckOptionsFilesBeforePetsc(int argc, char **argv);

// MPI_Finalize if MPI is up and not finalized (PETSc leaves MPI to dodge; after a failed PetscInitialize it may
// have finalized it already).
void StopMpi();

// Out of memory on this rank: the other ranks may be waiting in a collective call, so the job ends through
// MPI_Abort with PETSC_ERR_MEM (exit code 55) and one line naming the rank and `what`, instead of
// std::terminate's abort (signal 6).
[[noreturn]] void AbortOutOfMemory(const char *what);

}  // namespace dodge::comm
