// Prob-OFF of `demand` (algorithms.md §3.4, §10): the full-horizon optimum over N×T decisions, solved with a
// bound-constrained quasi-Newton method of PETSc TAO on a Vec distributed by users. Used by the `offline`
// algorithm and by problem `demand` for the optimality gap (-demand_offline_reference).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::algorithms {

// One instance: the local users (a contiguous block of the user ids) over steps 1..T.
struct DemandOfflineInstance {
  std::int64_t users_local = 0, users = 0, T = 0;  // local users, N, horizon
  double alpha = 1, pmin = 1, pmax = 3;
  double ca = 0.05, cb = 0, cc = 0, cN = 1;  // C_N(g) = cN c1(g/cN) (cN = N per_capita, 1 literal)
  bool aggregate = false;                    // variance_mode aggregate: (α/(2Z)) Σ_t (L − L̄)², Z = cN
  std::vector<double> omega, d;              // ω_i(t), d_i(t), user-major: [i T + (t − 1)]
};

struct DemandOfflineOptions {
  std::string method = "bqnls";  // TAO type: bqnls or blmvm; "pg": projected gradient with step 1/Lipschitz
  double tol = 1e-9;             // ||P − clip(P + ∇J(P))||_∞ at which the solve stops
  std::int64_t max_it = 100000;
  bool monitor = false;
};

struct DemandOfflineResult {
  double J = 0;       // J(P*) of §10
  double pg_inf = 0;  // ||P* − clip(P* + ∇J(P*), p_min, p_max)||_∞, checked after the solve
  std::int64_t iterations = 0, evaluations = 0;
  bool converged = false;
  std::string reason;
  double seconds = 0;
  std::vector<double> P;  // local block of P*, user-major like the instance
  std::vector<double> L;  // L(t) = Σ_i P*_i(t), t = 1..T (every rank)
};

// Solves the instance. Collective on comm (every rank holds its users' block of the same instance).
PetscErrorCode DemandOfflineSolve(MPI_Comm comm, const DemandOfflineInstance &inst, const DemandOfflineOptions &opts,
                                  DemandOfflineResult *res);

// J(P) and the projected-gradient norm of a given local block P (user-major). Collective on comm.
PetscErrorCode DemandOfflineEvaluate(MPI_Comm comm, const DemandOfflineInstance &inst, const double *P, double *J,
                                     double *pg_inf);

// Lipschitz constant of ∇J (§10), the fallback projected gradient's inverse step.
double DemandOfflineLipschitz(const DemandOfflineInstance &inst);

}  // namespace dodge::algorithms
