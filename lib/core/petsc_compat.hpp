// Small shims so dodge reads like current PETSc while building against Debian 12's PETSc 3.18.
#pragma once
#include <petscsys.h>

#ifndef PETSC_SUCCESS
  #define PETSC_SUCCESS 0
#endif
