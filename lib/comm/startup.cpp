// MPI start and stop for the app (see startup.hpp).
#include "comm/startup.hpp"

#include <mpi.h>

#include <petscsys.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/options_files.hpp"

namespace dodge::comm {

void StartMpi(int *argc, char ***argv) { MPI_Init(argc, argv); }

int CheckOptionsFilesBeforePetsc(int argc, char **argv) {
  int rank = 0, code = 0;
  std::string msg;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0)
    for (const auto &f : OptionsFilesGiven(argc, argv))
      if ((code = OptionsFileCheck(f, &msg)) != 0) break;
  MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (code && rank == 0) std::fprintf(stderr, "dodge: error: %s\n", msg.c_str());
  return code;
}

void StopMpi() {
  int up = 0, down = 0;
  MPI_Initialized(&up);
  MPI_Finalized(&down);
  if (up && !down) MPI_Finalize();
}

void AbortOutOfMemory(const char *what) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr,
               "dodge: error: out of memory on rank %d: %s. The run needs more memory than this machine gives it: use "
               "fewer agents (-agents), more nodes, or check the banner's memory estimate (error code 55)\n",
               rank, what);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, PETSC_ERR_MEM);
  std::_Exit(PETSC_ERR_MEM);
}

}  // namespace dodge::comm
