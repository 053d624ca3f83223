// Small helpers for reading options inside a module's PetscOptionsBegin/End block.
#pragma once
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge {

// A string option: *value is the default on entry and the result on return (PetscOptionsString leaves its
// buffer untouched when the option is absent, so the buffer must start as the default).
PetscErrorCode OptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             std::string *value);

// Checks a "lo,hi" pair given to option `opt` (two finite numbers, lo <= hi) and stores it. Collective.
PetscErrorCode OptionsCheckRange(const char *opt, const PetscReal *r, PetscInt nr, double *out);

}  // namespace dodge
