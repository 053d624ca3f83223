// Exact solver for strictly convex quadratic programs: a dense dual active-set method for small QPs (the
// reference for the pev family's own projection and oracle, problems/pev_qp.hpp; algorithms.md §6).
#pragma once
#include <span>

namespace dodge::qp {

enum class Status { converged, infeasible, iteration_limit };

// min ½ xᵀ diag(h) x + cᵀx  s.t.  A x ≤ b.  h > 0 (n), c (n), A (m × n, row-major), b (m). Views only.
struct Problem {
  int n = 0, m = 0;
  std::span<const double> h, c, A, b;
};

struct Result {
  Status status = Status::converged;
  int iterations = 0;  // active-set changes (constraint additions and removals)
  double kkt = 0;      // KktResidual at the returned point
};

// Scaled KKT residual of (x, λ) for p: the maximum over
//   stationarity   |h_j x_j + c_j + Σ_r A_rj λ_r|  /  max(1, |h_j x_j| + |c_j| + Σ_r |A_rj λ_r|)   per variable j,
//   feasibility    max(0, a_rᵀx − b_r)             /  max(1, Σ_j |A_rj x_j| + |b_r|)               per row r,
//   dual sign      max(0, −λ_r),
//   complementarity λ_r |a_rᵀx − b_r|              /  max(1, λ_r (Σ_j |A_rj x_j| + |b_r|))          per row r,
// i.e. each quantity relative to the sum of the absolute values of the terms it is made of (absolute once
// those are below 1): it measures what rounding can reach, ~1e-16 for an exact solution. Pure.
double KktResidual(const Problem &p, std::span<const double> x, std::span<const double> lambda);

// Solves p exactly by the dual active-set method of Goldfarb and Idnani (1983): from the unconstrained minimum
// it adds the most violated constraint and drops those whose multiplier would turn negative, keeping
// λ ≥ 0, stationarity and complementarity exact at every step, so it stops at the optimum (every row
// satisfied to 1e-12 relative) after finitely many active-set changes, or proves infeasibility (a violated
// row that no change of the active set can satisfy). x (n) and lambda (m) are outputs; max_iterations = 0
// means 5(n + m) + 100. Allocates O(n² + nnz(A)); for problems up to a few thousand variables. Not collective.
Result Solve(const Problem &p, std::span<double> x, std::span<double> lambda, int max_iterations = 0);

}  // namespace dodge::qp
