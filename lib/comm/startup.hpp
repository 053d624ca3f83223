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

}  // namespace dodge::comm
