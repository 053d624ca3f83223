// Small helpers for reading options inside a module's PetscOptionsBegin/End block: typed, bounded, and
// named in every error (architecture.md §6-§7).
#pragma once
#include <cstdint>
#include <limits>
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge {

// A string option: *value is the default on entry and the result on return (PetscOptionsString leaves its
// buffer untouched when the option is absent, so the buffer must start as the default).
PetscErrorCode OptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             std::string *value);

// An integer option read as 64 bits whatever PetscInt is (PETSc 3.18 with 32-bit PetscInt wraps
// -agents 4294967309 to 13): strict decimal, the whole value, in [lo, hi] (shown in -help). *value is the
// default on entry. A malformed or out-of-range value fails with the option's full name and value.
// Collective on the block's communicator (every rank sees the same database, so all fail together).
PetscErrorCode OptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, std::int64_t lo,
                          std::int64_t hi, std::int64_t *value, PetscBool *set = nullptr);
// The same into a PetscInt: [lo, hi] must lie inside PetscInt's range.
PetscErrorCode OptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, std::int64_t lo,
                          std::int64_t hi, PetscInt *value, PetscBool *set = nullptr);

// A test-only integer option: read and checked like OptionsInt, but not listed by -help (users never need
// it, e.g. -checkpoint_kill_at_step). Collective as OptionsInt.
PetscErrorCode OptionsIntHidden(PetscOptionItems *PetscOptionsObject, const char *name, std::int64_t lo, std::int64_t hi,
                                PetscInt *value, PetscBool *set = nullptr);

// A name among choices[0..n): *index is the default's position on entry and the chosen one on return. An
// unknown name fails (PETSC_ERR_USER, exit code 83) with the option, the value and every choice; -help shows the
// choices. In place of PetscOptionsEList, which in PETSc 3.18 writes past a heap buffer while it builds the
// message for an unknown name (AddressSanitizer, app_bad_bad_scheme). Collective as OptionsInt.
PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             const char *const *choices, int n, PetscInt *index, PetscBool *set = nullptr);

// Range of a real option: [lo, hi], either end open, infinite ends allowed. NaN is always refused; +-inf
// only with inf_ok (an option that documents inf, e.g. "no limit").
struct RealRange {
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false, inf_ok = false;
};
inline constexpr RealRange kAnyFinite{};
inline constexpr RealRange kNonNegative{.lo = 0};
inline constexpr RealRange kPositive{.lo = 0, .lo_open = true};
inline constexpr RealRange kUnit{.lo = 0, .hi = 1};  // [0, 1]
inline constexpr RealRange kOpenUnit{.lo = 0, .hi = 1, .lo_open = true, .hi_open = true};  // (0, 1)

// "[0, 1]", "(0, inf)": the range as -help and the errors print it.
std::string RangeString(const RealRange &r);

// A real option, finite (unless r.inf_ok) and inside r (shown in -help). *value is the default on entry.
// Collective as OptionsInt.
PetscErrorCode OptionsReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const RealRange &r,
                           double *value, PetscBool *set = nullptr);

// Checks a value against r; the error names `opt` (the option's full name, e.g. "-pdct_pa"). Collective.
PetscErrorCode OptionsCheckReal(MPI_Comm comm, const char *opt, double v, const RealRange &r);

// Checks a "lo,hi" pair given to option `opt` (two finite numbers, lo <= hi) and stores it. Collective.
PetscErrorCode OptionsCheckRange(const char *opt, const PetscReal *r, PetscInt nr, double *out);

// A "lo,hi" pair option (two finite numbers, lo <= hi): value[0..2) is the default on entry and the result on
// return; -help shows the whole default pair (PETSc's array option shows only its first entry). Collective.
PetscErrorCode OptionsRealPair(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, double value[2],
                               PetscBool *set = nullptr);

}  // namespace dodge
