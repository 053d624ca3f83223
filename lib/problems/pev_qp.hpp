// pev's own QP pieces (algorithms.md §4, §6): the local set X of cumulative energies, its exact projection, and
// the exact per-step optimum of the coupled problem. The generic dense QP solver they are checked against is
// oracle/qp.hpp; these live with the family because every constant and row below is pev's.
#pragma once
#include <span>

#include "oracle/qp.hpp"

namespace dodge::problems {

// ---- pev (algorithms.md §4): x ∈ R^24 (hourly net charging, per unit)
inline constexpr int kPevHours = 24;
inline constexpr int kPevRows = 96;            // inequality rows of the local set X (PevRows)
inline constexpr double kPevRate = 2.0;        // |x_k| ≤ 2
inline constexpr double kPevCapacity = 10.0;   // S_k = Σ_{τ≤k} x_τ ≤ 10
inline constexpr double kPevFinal = 8.0;       // S_24 ≥ 8 (S_k ≥ 0 for k < 24)
inline constexpr double kPevShare = 0.35;      // coupling |Σ_i x_i(k)| ≤ 0.35 N

// X as 96 rows A x ≤ b (A 96 × 24 row-major), in the order the multipliers of PevProject use:
//   r = k: x_k ≤ 2;  24 + k: −x_k ≤ 2;  48 + k: S_k ≤ 10;  72 + k: −S_k ≤ −l_k (l_k = 0, l_24 = 8).
void PevRows(double A[kPevRows * kPevHours], double b[kPevRows]);

// x = the Euclidean projection of z onto X, exact (KKT residual ~1e-15, rows met to 1e-12), by the first of:
// box clipping, when the cumulative bounds hold for it (~35 ns); one common shift of z when only S_24 binds
// (a 1-D piecewise-linear equation, accepted only if the tube holds; ~0.12 µs); a dynamic program over the
// hours, exact in O(24²) operations with no iteration (~2 µs). Pure (no allocation, I/O, MPI or PETSc; ~30 KB
// of stack) and deterministic (same z, same bits); z must be finite.
void PevProject(const double z[kPevHours], double x[kPevHours]);
// The same x and its multipliers (96, PevRows order): x − z + Aᵀλ = 0, λ ≥ 0, complementary.
void PevProject(const double z[kPevHours], double x[kPevHours], double lambda[kPevRows]);

struct PevOracleResult {
  qp::Status status = qp::Status::converged;
  int iterations = 0;  // Newton iterations on the coupling multipliers
  double kkt = 0;      // PevKktResidual of the stacked problem at the returned point
};

// The per-step optimum of the coupled pev problem (algorithms.md §6)
//   min Σ_i C_iᵀx_i + (R_i/2)||x_i||²  s.t.  x_i ∈ X,  Σ_i x_i ≤ 0.35N·1,  −Σ_i x_i ≤ 0.35N·1,
// by dual decomposition over the coupling rows: x_i(y) = PevProject(−(C_i + y)/R_i) for the net hourly price
// y = λ⁺ − λ⁻, and a projected Newton method on the concave piecewise-quadratic dual in y ∈ R^24 (orthant-wise,
// with Armijo search; exact on the final piece), to a relative coupling residual of 1e-12. Cost is linear in
// N per iteration (3–5 iterations typical, at most 200: then status iteration_limit). The problem is always
// feasible (x_i = 1/3 every hour meets all rows, the coupling strictly), so infeasible is never returned.
// N ≥ 1, C (N × 24 row-major, finite), R (N, > 0) are inputs; x (N × 24), lambda (48: λ⁺ for the rows
// Σx − 0.35N, then λ⁻ for −Σx − 0.35N) and, if not empty, lambda_local (N × 96, each agent's rows in PevRows
// order) are outputs. Allocates O(N); not collective (one rank solves the gathered step). Deterministic.
PevOracleResult PevOracle(int n_agents, std::span<const double> C, std::span<const double> R, std::span<double> x,
                          std::span<double> lambda, std::span<double> lambda_local = {});

// KktResidual of the stacked problem above (agent i's 96 rows at 96i, then the 48 coupling rows), computed
// from the structure in O(N) instead of from a dense matrix. Pure.
double PevKktResidual(int n_agents, std::span<const double> C, std::span<const double> R, std::span<const double> x,
                      std::span<const double> lambda, std::span<const double> lambda_local);


}  // namespace dodge::problems
