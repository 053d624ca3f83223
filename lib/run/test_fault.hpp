// Test-only I/O faults (hidden options -test_io_fault_rank, -test_io_fault_at_step, -test_io_fault_in): one rank
// fails one write or read as a failing disk would, raised on PETSC_COMM_WORLD by that rank alone, so the tests
// can show that such an error ends every rank (comm/errors.hpp) instead of leaving the others in a collective.
#pragma once
#include <cstdint>

#include "core/petsc_compat.hpp"

namespace dodge::run {

enum class IoFaultIn { kOutput = 1, kCheckpoint = 2, kRestart = 3 };

struct IoFault {
  PetscInt rank = -1;  // -1: no fault
  PetscInt step = 0;   // the output flush or checkpoint holding this step (the restart read ignores it)
  PetscInt in = 1;     // IoFaultIn
};

void IoFaultSet(const IoFault &f);

// Fails on the fault's rank alone (PETSC_ERR_FILE_WRITE, or _READ for the restart read) when the fault is set for
// `in` and step `step` lies in [first, last]. Not collective.
PetscErrorCode IoFaultCheck(IoFaultIn in, std::int64_t first, std::int64_t last);

}  // namespace dodge::run
