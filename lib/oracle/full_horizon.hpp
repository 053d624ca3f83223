// Full-horizon solves (algorithms.md §10): the maximum of a smooth concave objective J over a box [lo, hi]^n
// whose n decisions are spread over the ranks, by PETSc TAO's bound-constrained quasi-Newton methods or by a
// projected gradient with step 1/Lipschitz. Generic: the family supplies J and ∇J (e.g. Prob-OFF of `demand`,
// problems/demand_offline.hpp) and knows nothing of TAO.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/petsc_compat.hpp"

namespace dodge::oracle {

struct BoxObjective {
  // J(P) of the local block P and, when grad is not null, ∇J(P) into grad (same length). Collective on the
  // solve's communicator (every rank calls it the same number of times).
  std::function<PetscErrorCode(const double *P, double *J, double *grad)> evaluate;
  double lo = 0, hi = 0;  // the box, the same for every decision
  double lipschitz = 1;   // Lipschitz constant of ∇J: the projected gradient's inverse step
};

struct FullHorizonOptions {
  std::string method = "bqnls";  // TAO type: bqnls or blmvm; "pg": projected gradient with step 1/Lipschitz
  double tol = 1e-9;             // ||P − clip(P + ∇J(P))||_∞ at which the solve stops
  std::int64_t max_it = 100000;
  bool monitor = false;
};

struct FullHorizonResult {
  double J = 0;       // J at the returned point
  double pg_inf = 0;  // ||P − clip(P + ∇J(P), lo, hi)||_∞ there, checked after the solve
  std::int64_t iterations = 0, evaluations = 0;
  bool converged = false;
  std::string reason;
  double seconds = 0;
};

// Maximizes obj over the box. P holds the start (inside the box) on entry and the local block of the maximizer
// on return; the last call of obj.evaluate is at the returned point. Collective on comm.
PetscErrorCode MaximizeOnBox(MPI_Comm comm, const BoxObjective &obj, const FullHorizonOptions &opts,
                             std::span<double> P, FullHorizonResult *res);

// ||P − clip(P + grad, lo, hi)||_∞ over every rank. Collective on comm.
PetscErrorCode ProjectedGradientInf(MPI_Comm comm, double lo, double hi, std::span<const double> P,
                                    std::span<const double> grad, double *out);

}  // namespace dodge::oracle
