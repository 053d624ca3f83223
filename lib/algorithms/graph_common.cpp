// Step-size laws, schemes S1–S3 and initial points shared by the graph algorithms (algorithms.md §8).
#include "algorithms/graph_common.hpp"

#include <cstring>

#include "core/options.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {
const char *const kSchemes[] = {"S1", "S2", "S3", "S1a", "S2a", "S3a", "G", "custom"};
constexpr PetscInt kTabled = 7, kDefaultScheme = 4;  // S2a: the default law of every run before issue 14
// Table of §8.1: (α0, pa, β0, pb, γ0, pg), γ0 < 0: γ = α. S1-S3 from the (pa, pb) sweep (docs/results.md,
// "Step-size sweep"), S1a-S3a the former S1-S3; G the gridcell scenario scheme (docs/gridcell.md §16.6: constant
// steps that track the daily cycle, α·L <= 1.5 and γ/c_f = 0.5).
const double kTable[kTabled][6] = {{1, 0.3, 1, 0.3, -1, 0},   {1, 0.3, 1, 0.5, -1, 0}, {1, 0.4, 1, 0.6, -1, 0},
                                   {1, 0.5, 1, 0.1, -1, 0},   {1, 0.5, 1, 0.2, -1, 0}, {0.5, 0.5, 1, 0.2, -1, 0},
                                   {3, 0, 0.05, 0, 0.05, 0}};
const char *const kInits[] = {"random", "midpoint", "lower"};
// Names inside the caller's prefixed block: PETSc prepends the prefix.
std::string opt(const char *, const char *name) { return std::string("-") + name; }
}  // namespace

PetscErrorCode StepLaws::FromOptions(PetscOptionItems *PetscOptionsObject, const char *prefix) {
  PetscInt scheme_idx = kDefaultScheme;
  PetscBool set, scheme_set = PETSC_FALSE;
  PetscFunctionBeginUser;
  prefix_ = prefix;
  PetscCall(OptionsChoice(PetscOptionsObject, opt(prefix, "scheme").c_str(),
                          "Step-size scheme of Fig. 2: S1, S2, S3 (chosen from the sweep of §8.1), S1a, S2a, S3a (the "
                          "former S1-S3; S2a is the default), G (the gridcell scheme, its default there) or custom (free laws below)",
                          kSchemes, 8, &scheme_idx, &scheme_set));
  scheme_given = scheme_set == PETSC_TRUE;
  // Finite and in range, named in the error ("-pdct_pa inf is not a finite number"); remembered, so that a
  // problem's default scheme (ApplyDefaultScheme) keeps the laws the user gave.
  auto real = [&](const char *name, const char *help, const RealRange &r, int slot) -> PetscErrorCode {
    PetscFunctionBeginUser;
    double v = 0;
    PetscCall(OptionsReal(PetscOptionsObject, opt(prefix, name).c_str(), help, r, &v, &set));
    given_set_[slot] = set == PETSC_TRUE, given_[slot] = v;
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  PetscCall(real("alpha0", "Primal step alpha_t = alpha0 / t^pa", kPositive, 0));
  PetscCall(real("pa", "Primal step decay exponent pa", kNonNegative, 1));
  PetscCall(real("beta0", "Dual regularization beta_t = beta0 / t^pb", kNonNegative, 2));
  PetscCall(real("pb", "Dual regularization decay exponent pb", kNonNegative, 3));
  PetscCall(real("gamma0", "Dual step gamma_t = gamma0 / t^pg (default: gamma = alpha, or the scheme's)", kPositive, 4));
  PetscCall(real("pg", "Dual step decay exponent pg (default: pa, or the scheme's)", kNonNegative, 5));
  scheme_idx_ = static_cast<int>(scheme_idx);
  PetscCall(Resolve(scheme_idx_, !defer_checks));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A problem's default scheme (Problem::default_step_scheme), taken when -<prefix>scheme is not given.
PetscErrorCode StepLaws::ApplyDefaultScheme(const char *name) {
  PetscFunctionBeginUser;
  if (!scheme_given && name) {
    int k = 0;
    while (k < kTabled && std::strcmp(kSchemes[k], name) != 0) ++k;
    PetscCheck(k < kTabled, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "unknown default step scheme %s", name);
    scheme_idx_ = k;
  }
  PetscCall(Resolve(scheme_idx_, true));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StepLaws::Check() {
  PetscFunctionBeginUser;
  PetscCall(Resolve(scheme_idx_, true));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StepLaws::Resolve(int scheme_idx, bool check) {
  PetscFunctionBeginUser;
  const char *prefix = prefix_.c_str();
  scheme = kSchemes[scheme_idx];
  alpha0 = 1, pa = 0.5, beta0 = 1, pb = 0.2;  // custom's starting values (the StepLaws defaults)
  double sg0 = -1, spg = 0;
  if (scheme_idx < kTabled) {
    const double *r = kTable[scheme_idx];
    alpha0 = r[0], pa = r[1], beta0 = r[2], pb = r[3], sg0 = r[4], spg = r[5];
  }
  double *const target[4] = {&alpha0, &pa, &beta0, &pb};
  bool custom_set = false;
  for (int k = 0; k < 4; ++k)
    if (given_set_[k]) *target[k] = given_[k], custom_set = true;
  // γ follows α unless either γ law is given or the scheme has its own.
  const bool gamma_set = given_set_[4] || given_set_[5];
  if (gamma_set) {
    gamma0 = given_set_[4] ? given_[4] : (sg0 > 0 ? sg0 : alpha0);
    pg = given_set_[5] ? given_[5] : (sg0 > 0 ? spg : pa);
    custom_set = true;
  } else if (sg0 > 0) {
    gamma0 = sg0, pg = spg;
  } else {
    gamma0 = alpha0, pg = pa;
  }
  if (custom_set && scheme_idx < kTabled) scheme = scheme + "+custom";
  if (!check) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(alpha0 > 0 && beta0 >= 0 && gamma0 > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: alpha0 (%g) and gamma0 (%g) must be positive and beta0 (%g) non-negative", prefix, alpha0, gamma0, beta0);
  PetscCheck(pa >= 0 && pb >= 0 && pg >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: the step exponents pa = %g, pb = %g, pg = %g must be >= 0 (algorithms.md §8.1)", prefix, pa, pb, pg);
  PetscCheck(gamma0 * beta0 <= 1.0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: gamma_1 beta_1 = %g > 1; the dual update needs gamma_t beta_t <= 1 (lower gamma0 or beta0)", prefix,
             gamma0 * beta0);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StepLaws::Record(io::Recorder &rec, const std::string &group) const {
  PetscFunctionBeginUser;
  PetscCall(rec.SetAttribute(group, "scheme", scheme));
  PetscCall(rec.SetAttribute(group, "alpha0", alpha0));
  PetscCall(rec.SetAttribute(group, "pa", pa));
  PetscCall(rec.SetAttribute(group, "beta0", beta0));
  PetscCall(rec.SetAttribute(group, "pb", pb));
  PetscCall(rec.SetAttribute(group, "gamma0", gamma0));
  PetscCall(rec.SetAttribute(group, "pg", pg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode InitFromOptions(PetscOptionItems *PetscOptionsObject, const char *prefix, Init *init) {
  PetscInt idx = static_cast<PetscInt>(*init);
  PetscFunctionBeginUser;
  PetscCall(OptionsChoice(PetscOptionsObject, opt(prefix, "init").c_str(), "Initial decision x_{i,1}: random, midpoint or lower", kInits, 3, &idx, nullptr));
  *init = static_cast<Init>(idx);
  PetscFunctionReturn(PETSC_SUCCESS);
}

const char *InitName(Init init) { return kInits[static_cast<int>(init)]; }

}  // namespace dodge::algorithms
