// Prob-OFF of `demand` (algorithms.md §3.4, §10): the full-horizon optimum over N×T decisions. The instance and
// J with its gradient are the family's; the bound-constrained solve is the oracle's (oracle/full_horizon.hpp).
// Used by the `offline` algorithm and by problem `demand` for the optimality gap (-demand_offline_reference).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"
#include "oracle/full_horizon.hpp"

namespace dodge::problems {

// One instance: the local users (a contiguous block of the user ids) over steps 1..T.
struct DemandOfflineInstance {
  std::int64_t users_local = 0, users = 0, T = 0;  // local users, N, horizon
  double alpha = 1, pmin = 1, pmax = 3;
  double ca = 0.05, cb = 0, cc = 0, cN = 1;  // C_N(g) = cN c1(g/cN) (cN = N per_capita, 1 literal)
  bool aggregate = false;                    // variance_mode aggregate: (α/(2Z)) Σ_t (L − L̄)², Z = cN
  std::vector<double> omega, d;              // ω_i(t), d_i(t), user-major: [i T + (t − 1)]
};

using DemandOfflineOptions = oracle::FullHorizonOptions;

struct DemandOfflineResult : oracle::FullHorizonResult {  // J is J(P*) of §10
  std::vector<double> P;  // local block of P*, user-major like the instance
  std::vector<double> L;  // L(t) = Σ_i P*_i(t), t = 1..T (every rank)
};

// Solves the instance from P = d (clipped to the box). Collective on comm (every rank holds its users' block of
// the same instance).
PetscErrorCode DemandOfflineSolve(MPI_Comm comm, const DemandOfflineInstance &inst, const DemandOfflineOptions &opts,
                                  DemandOfflineResult *res);

// J(P) and the projected-gradient norm of a given local block P (user-major). Collective on comm.
PetscErrorCode DemandOfflineEvaluate(MPI_Comm comm, const DemandOfflineInstance &inst, const double *P, double *J,
                                     double *pg_inf);

// Lipschitz constant of ∇J (§10), the fallback projected gradient's inverse step.
double DemandOfflineLipschitz(const DemandOfflineInstance &inst);

}  // namespace dodge::problems
