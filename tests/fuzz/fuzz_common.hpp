// Shared plumbing of dodge's libFuzzer harnesses (tests/fuzz/README.md): PETSc and MPI started once on one
// rank, errors returned quietly instead of printed, and the fuzzer's bytes written to a file, because every
// reader takes a path (the readers read on rank 0 of a communicator; the harnesses call them on
// PETSC_COMM_SELF, the same code path a 1-rank run takes).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge::fuzz {

// A PETSc error is an answer, not a finding: only crashes, sanitizer reports, hangs and broken
// post-conditions (FUZZ_CHECK) are.
inline PetscErrorCode Quiet(MPI_Comm, int, const char *, const char *, PetscErrorCode n, PetscErrorType, const char *, void *) {
  return n;
}

inline void Start() {
  static bool started = false;
  if (started) return;
  started = true;
  // No PETSc signal handler: AddressSanitizer and libFuzzer report the crash themselves.
  if (PetscInitializeNoArguments() != PETSC_SUCCESS) std::abort();
  PetscPopSignalHandler();
  PetscPushErrorHandler(Quiet, nullptr);
}

// The input as a file: one per process, rewritten for each input.
inline const std::string &WriteInput(const std::uint8_t *data, std::size_t size) {
  static const std::string path = [] {
    const char *dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/dodge_fuzz_" + std::to_string(getpid()) + ".txt";
  }();
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

// With DODGE_FUZZ_VERBOSE set (e.g. `DODGE_FUZZ_VERBOSE=1 build-fuzz/tests/fuzz/fuzz_aemo file.csv`), whether each
// read accepted the input, so one can see which seeds reach the success path.
inline PetscErrorCode Verdict(const char *what, PetscErrorCode code) {
  if (std::getenv("DODGE_FUZZ_VERBOSE")) std::fprintf(stderr, "%s: %s (%d)\n", what, code ? "refused" : "accepted", static_cast<int>(code));
  return code;
}

}  // namespace dodge::fuzz

// A post-condition a successful read promises (its header's documentation); a violation is a finding.
#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: post-condition failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
