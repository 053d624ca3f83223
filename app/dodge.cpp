// dodge — Distributed Online Dispatch for Grid Energy.
//
// Runs a distributed online optimization algorithm on a power-system problem over N agents spread in
// contiguous blocks over the MPI ranks, computes the per-step optimum (oracle) and the metrics of
// algorithms.md §12, and writes everything to one HDF5 file.
//
// Sample runs (each one is a test in tests/app):
//   mpirun -n 2 build/app/dodge                                  # AEMO NSW, pdct S2, switching3, N = 6
//   mpirun -n 4 build/app/dodge -options_file inputs/aemo_qld.yaml
//   mpirun -n 2 build/app/dodge -agents 1000000 -graph_family ring -steps 288 -output_agents first:100
//   build/app/dodge -help                                        # every option, its default and meaning
//   mpirun -n 2 build/app/dodge -log_view                        # PETSc profile with dodge's events
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "comm/errors.hpp"
#include "comm/startup.hpp"
#include "core/options_files.hpp"
#include "io/h5_util.hpp"
#include "driver.hpp"

static const char help[] =
    "dodge: distributed online dispatch for grid energy (README.md; the math is docs/algorithms.md).\n"
    "Options come from -options_file <file.yaml> and the command line (which wins); -help lists dodge's options\n"
    "(-help petsc adds PETSc's generic ones: debugger, malloc, logging, ...);\n"
    "-version prints dodge's version, git hash and the linked PETSc, HDF5 and MPI libraries.\n"
    "Exit codes: 0 finished; 3 checkpointed on SIGTERM/SIGUSR1 (requeue with -restart); otherwise the PETSc error\n"
    "code of the first error, printed on stderr, with no output file claiming complete: 62 wrong option value or\n"
    "setting, 63 value out of range or not finite, 75 incompatible options (e.g. coa on pev), 79 malformed input\n"
    "file, 83 name outside a list option's choices, 86 unknown -problem/-algorithm/-graph_family, 65/66 file\n"
    "missing, not creatable or unreadable, 67 HDF5 write failed, 72 a non-finite value during the run (step and\n"
    "quantity named), 55 out of memory or the memory estimate exceeds what is available (-memory_check false runs\n"
    "anyway), 56 unsupported, 76/77\n"
    "library or internal error; an error seen by some ranks only, or after an HDF5 write failure, ends every rank\n"
    "with MPI_Abort and the same code; a failed run's output says status = failed where it can. See README.md.\n\n";


int main(int argc, char **argv) {
  // -help (or -h) lists dodge's own options: taken off the command line before PetscInitialize, which would
  // print PETSc's banner and its ~60 generic options first, and set again right after it, so that every
  // module's option block prints itself. -help petsc (or -help intro) is PETSc's own help, as it was.
  bool dodge_help = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-help") != 0 && std::strcmp(argv[i], "-h") != 0) continue;
    if (i + 1 < argc && std::strcmp(argv[i + 1], "intro") == 0) continue;
    if (i + 1 < argc && std::strcmp(argv[i + 1], "petsc") == 0) {  // PETSc's -help, without the word
      for (int k = i + 1; k + 1 < argc; ++k) argv[k] = argv[k + 1];
      argv[--argc] = nullptr;
      continue;
    }
    dodge_help = true;
    for (int k = i; k + 1 < argc; ++k) argv[k] = argv[k + 1];
    argv[--argc] = nullptr;
    --i;
  }
  // MPI first, so rank 0 can check the options files before PETSc opens them (a FIFO would block, and PETSc's
  // YAML reader keeps the last of two equal keys silently): one line naming the file, the same code on every
  // rank. PETSc then leaves MPI to us (finalized after PetscFinalize).
  dodge::comm::StartMpi(&argc, &argv);
  if (int code = dodge::comm::CheckOptionsFilesBeforePetsc(argc, argv)) {
    dodge::comm::StopMpi();
    return code;
  }
  dodge::OptionsFilesFirst(argc, argv);  // the command line wins wherever an options file is written
  // dodge's handler before PetscInitialize, so an error PETSc finds while it reads the options files is
  // also one line from rank 0 instead of PETSc's banner from every rank.
  PetscCall(dodge::comm::ErrorHandlerPush());
  if (PetscErrorCode ierr = PetscInitialize(&argc, &argv, nullptr, help)) {
    // PETSc has already finalized MPI or left it initialized; both end with the code on every rank.
    dodge::comm::StopMpi();
    return static_cast<int>(ierr);
  }
  if (dodge_help) {
    PetscCall(PetscOptionsSetValue(nullptr, "-help", nullptr));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", help));
  }
  // On error the message has been printed once and every rank leaves with the error code, whichever ranks
  // raised it (comm/errors.hpp): the files it left open are closed, the output says status = failed.
  dodge::comm::SetErrorCleanup([](const std::string &message) {
    return dodge::io::h5::CloseParkedFiles(PETSC_COMM_WORLD, message);
  });
  int exit_code = 0;
  PetscErrorCode ierr = PETSC_SUCCESS;
  try {
    ierr = dodge::app::Run(&exit_code);
  } catch (const std::bad_alloc &) {
    // An allocation failed on this rank (the memory estimate was overridden or too low, or another process
    // took the memory): one clear line and exit code 55 on every rank, whichever ranks ran out.
    dodge::comm::AbortOutOfMemory("memory allocation failed (std::bad_alloc)");
  } catch (const std::length_error &e) {
    dodge::comm::AbortOutOfMemory((std::string("an array would exceed the largest size this machine can hold (") + e.what() + ")").c_str());
  }
  if (ierr) {
    const int code = dodge::comm::ExitAfterError(ierr);
    dodge::comm::StopMpi();
    return code;
  }
  PetscCall(PetscFinalize());
  dodge::io::h5::LibraryClose();
  dodge::comm::StopMpi();
  return exit_code;  // 3: checkpointed on SIGTERM/SIGUSR1, requeue with -restart
}
