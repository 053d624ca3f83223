// Helpers for reading options inside a module's option block.
#include "core/options.hpp"

#include <cmath>

namespace dodge {

PetscErrorCode OptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             std::string *value) {
  char buf[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buf, value->c_str(), sizeof buf));
  PetscCall(PetscOptionsString(name, help, nullptr, value->c_str(), buf, sizeof buf, nullptr));
  *value = buf;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsCheckRange(const char *opt, const PetscReal *r, PetscInt nr, double *out) {
  PetscFunctionBeginUser;
  PetscCheck(nr == 2 && std::isfinite(r[0]) && std::isfinite(r[1]) && r[0] <= r[1], PETSC_COMM_WORLD,
             PETSC_ERR_ARG_OUTOFRANGE, "%s takes two finite numbers lo,hi with lo <= hi", opt);
  out[0] = r[0], out[1] = r[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge
