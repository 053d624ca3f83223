// Helpers for Catch2 tests that run inside MPI: decide on every rank together before asserting.
#pragma once
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::test {

// True on every rank iff `ok` is true on every rank of PETSC_COMM_WORLD. Collective.
inline bool all_ranks(bool ok) {
  int local = ok ? 1 : 0, global = 0;
  MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD);
  return global == 1;
}

// Sets options for one test and removes them afterwards, so tests do not leak settings into each other.
struct ScopedOptions {
  std::vector<std::string> names;
  ScopedOptions(std::initializer_list<std::pair<const char *, const char *>> kv) {
    for (auto &[k, v] : kv) {
      PetscOptionsSetValue(nullptr, k, v);
      names.emplace_back(k);
    }
  }
  ~ScopedOptions() {
    for (auto &k : names) PetscOptionsClearValue(nullptr, k.c_str());
  }
};

inline int world_size() {
  int s;
  MPI_Comm_size(PETSC_COMM_WORLD, &s);
  return s;
}
inline int world_rank() {
  int r;
  MPI_Comm_rank(PETSC_COMM_WORLD, &r);
  return r;
}

}  // namespace dodge::test
