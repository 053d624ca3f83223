// Calling a PETSc function whose error a test expects: Capture keeps the initial error's code and message
// instead of printing them; Quietly only keeps PETSc from printing. One copy for every test file.
#pragma once
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge::test {

struct Raised {
  PetscErrorCode rc = PETSC_SUCCESS;    // what the call returned
  PetscErrorCode code = PETSC_SUCCESS;  // code of the initial error
  std::string message;
};

inline PetscErrorCode CaptureHandler(MPI_Comm, int, const char *, const char *, PetscErrorCode n, PetscErrorType p,
                                     const char *mess, void *ctx) {
  auto *r = static_cast<Raised *>(ctx);
  if (p == PETSC_ERROR_INITIAL) {
    r->code = n;
    r->message = mess ? mess : "";
  }
  return n;
}

inline Raised Capture(const std::function<PetscErrorCode()> &call) {
  Raised r;
  REQUIRE(PetscPushErrorHandler(CaptureHandler, &r) == PETSC_SUCCESS);
  r.rc = call();
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);
  return r;
}

template <class F>
PetscErrorCode Quietly(F f) {
  PetscPushErrorHandler(PetscReturnErrorHandler, nullptr);
  const PetscErrorCode code = f();
  PetscPopErrorHandler();
  return code;
}

}  // namespace dodge::test
