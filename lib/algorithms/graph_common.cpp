// Step-size laws, schemes S1–S3 and initial points shared by the graph algorithms (algorithms.md §8).
#include "algorithms/graph_common.hpp"

#include <cstring>

#include "core/options.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {
const char *const kSchemes[] = {"S1", "S2", "S3", "S1a", "S2a", "S3a", "custom"};
constexpr PetscInt kTabled = 6, kDefaultScheme = 4;  // S2a: the default law of every run before issue 14
const char *const kInits[] = {"random", "midpoint", "lower"};
// Names inside the caller's prefixed block: PETSc prepends the prefix.
std::string opt(const char *, const char *name) { return std::string("-") + name; }
}  // namespace

PetscErrorCode StepLaws::FromOptions(PetscOptionItems *PetscOptionsObject, const char *prefix) {
  PetscInt scheme_idx = kDefaultScheme;
  PetscBool set;
  PetscFunctionBeginUser;
  PetscCall(OptionsChoice(PetscOptionsObject, opt(prefix, "scheme").c_str(),
                          "Step-size scheme of Fig. 2: S1, S2, S3 (chosen from the sweep of §8.1), S1a, S2a, S3a (the "
                          "former S1-S3; S2a is the default) or custom (free laws below)",
                          kSchemes, 7, &scheme_idx, nullptr));
  scheme = kSchemes[scheme_idx];
  // Table of §8.1: (α0, pa, β0, pb); γ = α. S1-S3 from the (pa, pb) sweep (docs/results.md, "Step-size sweep"),
  // S1a-S3a the former S1-S3.
  const double table[kTabled][4] = {{1, 0.3, 1, 0.3}, {1, 0.3, 1, 0.5}, {1, 0.4, 1, 0.6},
                                    {1, 0.5, 1, 0.1}, {1, 0.5, 1, 0.2}, {0.5, 0.5, 1, 0.2}};
  if (scheme_idx < kTabled)
    alpha0 = table[scheme_idx][0], pa = table[scheme_idx][1], beta0 = table[scheme_idx][2], pb = table[scheme_idx][3];
  double v;
  bool custom_set = false;
  // Finite and in range, named in the error ("-pdct_pa inf is not a finite number").
  auto real = [&](const char *name, const char *help, const RealRange &r, double *target) -> PetscErrorCode {
    PetscFunctionBeginUser;
    v = *target;
    PetscCall(OptionsReal(PetscOptionsObject, opt(prefix, name).c_str(), help, r, &v, &set));
    if (set) *target = v, custom_set = true;
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  PetscCall(real("alpha0", "Primal step alpha_t = alpha0 / t^pa", kPositive, &alpha0));
  PetscCall(real("pa", "Primal step decay exponent pa", kNonNegative, &pa));
  PetscCall(real("beta0", "Dual regularization beta_t = beta0 / t^pb", kNonNegative, &beta0));
  PetscCall(real("pb", "Dual regularization decay exponent pb", kNonNegative, &pb));
  // γ follows α unless either γ law is given.
  double g0 = alpha0, p = pa;
  bool before = custom_set;
  custom_set = false;
  PetscCall(real("gamma0", "Dual step gamma_t = gamma0 / t^pg (default: gamma = alpha)", kPositive, &g0));
  PetscCall(real("pg", "Dual step decay exponent pg (default: pa)", kNonNegative, &p));
  const bool gamma_set = custom_set;
  custom_set = custom_set || before;
  gamma0 = g0, pg = p;
  if (!gamma_set) gamma0 = alpha0, pg = pa;
  if (custom_set && scheme_idx < kTabled) scheme = scheme + "+custom";
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
