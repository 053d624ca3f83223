// The run of one scenario: options → objects → run loop → summary.
#pragma once
#include "core/petsc_compat.hpp"

namespace dodge::app {
// Collective on PETSC_COMM_WORLD. Returns non-zero (after PETSc printed why) on any input or run error;
// *exit_code is the process's exit code otherwise (0, or kExitCheckpointed after a signalled checkpoint).
PetscErrorCode Run(int *exit_code);
}  // namespace dodge::app
