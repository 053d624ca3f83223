// The run of one scenario: options → objects → run loop → summary.
#pragma once
#include "core/petsc_compat.hpp"

namespace dodge::app {
// Collective on PETSC_COMM_WORLD. Returns non-zero (after PETSc printed why) on any input or run error.
PetscErrorCode Run();
}  // namespace dodge::app
