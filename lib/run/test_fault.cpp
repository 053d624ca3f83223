// Test-only I/O faults (see test_fault.hpp).
#include "run/test_fault.hpp"

#include "comm/errors.hpp"

namespace dodge::run {

namespace {
IoFault g_fault;
}

void IoFaultSet(const IoFault &f) { g_fault = f; }

PetscErrorCode IoFaultCheck(IoFaultIn in, std::int64_t first, std::int64_t last) {
  PetscFunctionBeginUser;
  if (g_fault.rank < 0 || g_fault.rank != comm::WorldRank() || g_fault.in != static_cast<PetscInt>(in))
    PetscFunctionReturn(PETSC_SUCCESS);
  if (in != IoFaultIn::kRestart && (g_fault.step < first || g_fault.step > last)) PetscFunctionReturn(PETSC_SUCCESS);
  static const char *const what[] = {"", "writing the output", "writing the checkpoint", "reading the checkpoint"};
  // Raised on the world communicator by one rank, as an unchecked per-rank failure would be.
  SETERRQ(PETSC_COMM_WORLD, in == IoFaultIn::kRestart ? PETSC_ERR_FILE_READ : PETSC_ERR_FILE_WRITE,
          "HDF5 call failed %s (test fault -test_io_fault_rank %d at step %d)", what[static_cast<int>(in)],
          static_cast<int>(g_fault.rank), static_cast<int>(g_fault.step));
}

}  // namespace dodge::run
