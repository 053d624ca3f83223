// Per-agent kernels of the vector problem families (algorithms.md §4): `pev` (d_i = 24, m = 48) and `regression`
// (d_i = 5, m = 1), and the one list of their kernel types. Pure like the scalar kernels (kernels.hpp): no MPI,
// PETSc objects, allocation or I/O. Decisions are d consecutive doubles per agent, constraint values and
// multipliers m consecutive doubles. The graph algorithms visit the variant once per step and run their
// agent loops templated on the concrete kernel; the scalar fast path never sees these types.
//
// Every vector kernel provides, for local agent i:
//   dim, rows                 d_i and m (compile-time constants of the family)
//   box                       whether X_i is the box [lo, hi] (li2022's bandit feedback needs one)
//   f(i, x)                   f_{i,t}(x)
//   g(i, x, out)              g_{i,t}(x) ∈ R^m
//   lagrangian_grad(i, x, mu, v)   v = ∇f_{i,t}(x) + J_{i,t}(x)ᵀ mu
//   project(i, x)             x ← P_{X_i}(x), in place
//   lo(i, k), hi(i, k)        the bounding box of X_i (the random initial point)
//   rho(i)                    primal step multiplier ρ_i
//   range(i)                  Σ over rows of sup − inf of g_{i,t} over X_i (the constraint scale)
//   grad_bound(i)             sup_{x∈X_i} ||∇f_{i,t}|| + ||J_{i,t}|| (li2022's G, §8.2)
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <variant>

#include "problems/pev_qp.hpp"

namespace dodge::problems {

// pev (Example 1.1 of [ZWL25], §4): f = Cᵀx + (R/2)||x||², g(x) = [x − s·1; −x − s·1] with s = kPevShare = 0.35 (so
// Σ_i g_i ≤ 0 ⇔ |Σ_i x_i(k)| ≤ 0.35 N every hour), X = {|x_k| ≤ 2, 0 ≤ S_k ≤ 10 (k < 24), 8 ≤ S_24 ≤ 10}.
struct PevKernel {
  static constexpr int dim = 24, rows = 48;
  static constexpr bool box = false;  // X_i is not a box (li2022's bandit feedback needs one)
  const double *C = nullptr;               // C_{i,t}, [nloc][24]
  const double *R = nullptr;               // R_{i,t}, [nloc]

  double f(std::int64_t i, const double *x) const {
    const double *c = C + dim * i;
    double lin = 0, sq = 0;
    for (int k = 0; k < dim; ++k) lin += c[k] * x[k], sq += x[k] * x[k];
    return lin + 0.5 * R[i] * sq;
  }
  void g(std::int64_t, const double *x, double *out) const {
    for (int k = 0; k < dim; ++k) out[k] = x[k] - kPevShare, out[dim + k] = -x[k] - kPevShare;
  }
  // ∇f = C + R x; Jᵀμ = μ⁺ − μ⁻ (J = [I; −I]).
  void lagrangian_grad(std::int64_t i, const double *x, const double *mu, double *v) const {
    const double *c = C + dim * i;
    const double r = R[i];
    for (int k = 0; k < dim; ++k) v[k] = c[k] + r * x[k] + (mu[k] - mu[dim + k]);
  }
  void project(std::int64_t, double *x) const {
    double z[dim];
    std::copy_n(x, dim, z);
    PevProject(z, x);
  }
  double lo(std::int64_t, int) const { return -2.0; }
  double hi(std::int64_t, int) const { return 2.0; }
  double rho(std::int64_t) const { return 1.0; }
  // Each row x_k − s (and −x_k − s) spans [−2 − s, 2 − s] over X: range 4.
  double range(std::int64_t) const { return rows * 4.0; }
  // ||C|| + 2R√24 + √2 (§8.2 [chosen]): ||∇f|| ≤ ||C|| + R||x|| with ||x|| ≤ 2√24, and ||J|| = √2.
  double grad_bound(std::int64_t i) const {
    const double *c = C + dim * i;
    double s = 0;
    for (int k = 0; k < dim; ++k) s += c[k] * c[k];
    return std::sqrt(s) + 2.0 * R[i] * std::sqrt(24.0) + std::sqrt(2.0);
  }
};

// regression (Example 1.2 of [ZWL25], §4): each node keeps its own copy x ∈ [−2,2]^5 with
// f = ½||A x − b||² (A ∈ R^{8×5}) and the coupled quadratic constraint g = 0.1||x||² + eᵀx − h.
namespace regression {
inline constexpr int kDim = 5, kObs = 8;
inline constexpr double kBox = 2.0;

// Dense 5×5 Cholesky solve of H x = r on the rows/columns where `use` is set (others: x = 0). Returns false
// when H restricted to them is not positive definite (cannot happen for the strongly convex H below).
inline bool solve_free(const double H[kDim][kDim], const bool use[kDim], const double *r, double *x) {
  int idx[kDim], nf = 0;
  for (int k = 0; k < kDim; ++k)
    if (use[k]) idx[nf++] = k;
  double L[kDim][kDim] = {}, z[kDim];
  for (int a = 0; a < nf; ++a) {
    for (int b = 0; b <= a; ++b) {
      double s = H[idx[a]][idx[b]];
      for (int c = 0; c < b; ++c) s -= L[a][c] * L[b][c];
      if (a == b) {
        if (!(s > 0)) return false;
        L[a][a] = std::sqrt(s);
      } else {
        L[a][b] = s / L[b][b];
      }
    }
  }
  for (int a = 0; a < nf; ++a) {
    double s = r[idx[a]];
    for (int c = 0; c < a; ++c) s -= L[a][c] * z[c];
    z[a] = s / L[a][a];
  }
  for (int a = nf - 1; a >= 0; --a) {
    double s = z[a];
    for (int c = a + 1; c < nf; ++c) s -= L[c][a] * z[c];
    z[a] = s / L[a][a];
  }
  for (int k = 0; k < kDim; ++k) x[k] = 0;
  for (int a = 0; a < nf; ++a) x[idx[a]] = z[a];
  return true;
}

// The best response x(μ) = argmin_{x∈[−2,2]^5} ½||Ax − b||² + μ(0.1||x||² + eᵀx), μ ≥ 0: a strongly convex box
// QP with Hessian H = AᵀA + 0.2μI, solved by projected Newton (Bertsekas): Newton steps on the coordinates not
// held at a bound by the gradient, Armijo backtracking along the projection arc when a step hits a bound (a full
// step that does not is the face's exact minimizer and is taken as it is). It stops once a full,
// unclipped Newton step has been taken on a face and the held set is unchanged after it: the iterate is then
// the exact minimizer (to rounding) of the face, which the sign test on the held coordinates shows to be the
// optimum. A looser stop on the projected-gradient norm alone (the spec's 1e-13) leaves x off by
// |pg|/λ_min(H), which reached 3e-10 in h(μ) for ill-conditioned A and broke the oracle's bisection. Fallbacks:
// the projected gradient at most 1e-15 times the gradient's scale, no representable progress, or 100
// iterations. Deterministic. `x` holds the warm start; returns the iterations used.
inline int best_response(const double *A, const double *b, const double *e, double mu, double *x) {
  double H[kDim][kDim], r[kDim];
  double scale_r = 0, hmax = 0;
  for (int p = 0; p < kDim; ++p) {
    double s = 0;
    for (int q = 0; q < kObs; ++q) s += A[kDim * q + p] * b[q];
    r[p] = -s + mu * e[p];  // gradient of the objective at x = 0
    scale_r += s * s;
    for (int c = 0; c < kDim; ++c) {
      double h = 0;
      for (int q = 0; q < kObs; ++q) h += A[kDim * q + p] * A[kDim * q + c];
      H[p][c] = h + (p == c ? 0.2 * mu : 0.0);
      hmax = std::max(hmax, std::fabs(H[p][c]));
    }
  }
  double scale_e = 0;
  for (int p = 0; p < kDim; ++p) scale_e += e[p] * e[p];
  const double tol = 1e-15 * (1.0 + std::sqrt(scale_r) + mu * std::sqrt(scale_e) + hmax * 2.0 * std::sqrt(5.0));
  auto objective = [&](const double *v) {
    double s = 0;
    for (int p = 0; p < kDim; ++p) {
      double hv = 0;
      for (int c = 0; c < kDim; ++c) hv += H[p][c] * v[c];
      s += v[p] * (0.5 * hv + r[p]);
    }
    return s;
  };
  for (int p = 0; p < kDim; ++p) x[p] = std::clamp(x[p], -kBox, kBox);
  bool exact_face = false, held_before[kDim] = {};
  int it = 0;
  for (; it < 100; ++it) {
    double grad[kDim], pg2 = 0;
    bool free[kDim], same_held = true;
    for (int p = 0; p < kDim; ++p) {
      double s = r[p];
      for (int c = 0; c < kDim; ++c) s += H[p][c] * x[c];
      grad[p] = s;
      const bool held = (x[p] <= -kBox && s > 0) || (x[p] >= kBox && s < 0);
      same_held = same_held && held == held_before[p];
      held_before[p] = held;
      free[p] = !held;
      if (!held) pg2 += s * s;
    }
    if ((exact_face && same_held) || std::sqrt(pg2) <= tol) break;
    double dir[kDim], neg[kDim];
    for (int p = 0; p < kDim; ++p) neg[p] = -grad[p];
    if (!solve_free(H, free, neg, dir))
      for (int p = 0; p < kDim; ++p) dir[p] = free[p] ? neg[p] : 0.0;
    const double f0 = objective(x);
    double step = 1.0, trial[kDim];
    bool clipped = false;
    for (int ls = 0; ls < 60; ++ls, step *= 0.5) {
      double decrease = 0;
      clipped = false;
      for (int p = 0; p < kDim; ++p) {
        const double v = x[p] + step * dir[p];
        trial[p] = std::clamp(v, -kBox, kBox);
        clipped = clipped || trial[p] != v;
        decrease += grad[p] * (trial[p] - x[p]);
      }
      // A full step that hits no bound is the exact minimizer of the face: take it without the Armijo test,
      // which near the optimum compares objective values that differ below their rounding. Otherwise
      // Armijo, allowing the objective's rounding.
      if (step == 1.0 && !clipped) break;
      if (objective(trial) <= f0 + 1e-4 * decrease + 1e-15 * (1.0 + std::fabs(f0))) break;
    }
    exact_face = step == 1.0 && !clipped;
    bool moved = false;
    for (int p = 0; p < kDim; ++p) moved = moved || trial[p] != x[p], x[p] = trial[p];
    if (!moved) break;  // no representable progress: x is optimal to rounding
  }
  return it;
}
}  // namespace regression

struct RegressionKernel {
  static constexpr int dim = regression::kDim, rows = 1;
  static constexpr bool box = true;  // X_i = [−2,2]^5
  const double *A = nullptr;  // A_{i,t}, [nloc][8][5]
  const double *b = nullptr;  // b_{i,t}, [nloc][8]
  const double *e = nullptr;  // e_{i,t}, [nloc][5]
  const double *h = nullptr;  // h_{i,t}, [nloc]

  double f(std::int64_t i, const double *x) const {
    const double *a = A + regression::kObs * dim * i, *bi = b + regression::kObs * i;
    double s = 0;
    for (int q = 0; q < regression::kObs; ++q) {
      double r = -bi[q];
      for (int k = 0; k < dim; ++k) r += a[dim * q + k] * x[k];
      s += r * r;
    }
    return 0.5 * s;
  }
  double g1(std::int64_t i, const double *x) const {
    const double *ei = e + dim * i;
    double s = 0;
    for (int k = 0; k < dim; ++k) s += 0.1 * x[k] * x[k] + ei[k] * x[k];
    return s - h[i];
  }
  void g(std::int64_t i, const double *x, double *out) const { out[0] = g1(i, x); }
  // ∇f = Aᵀ(Ax − b); J = (0.2x + e)ᵀ.
  void lagrangian_grad(std::int64_t i, const double *x, const double *mu, double *v) const {
    const double *a = A + regression::kObs * dim * i, *bi = b + regression::kObs * i, *ei = e + dim * i;
    for (int k = 0; k < dim; ++k) v[k] = mu[0] * (0.2 * x[k] + ei[k]);
    for (int q = 0; q < regression::kObs; ++q) {
      double r = -bi[q];
      for (int k = 0; k < dim; ++k) r += a[dim * q + k] * x[k];
      for (int k = 0; k < dim; ++k) v[k] += a[dim * q + k] * r;
    }
  }
  void project(std::int64_t, double *x) const {
    for (int k = 0; k < dim; ++k) x[k] = std::clamp(x[k], -regression::kBox, regression::kBox);
  }
  double lo(std::int64_t, int) const { return -regression::kBox; }
  double hi(std::int64_t, int) const { return regression::kBox; }
  double rho(std::int64_t) const { return 1.0; }
  // sup − inf of g over the box, per coordinate: 0.1x² + e x peaks at a vertex and bottoms at clip(−5e).
  double range(std::int64_t i) const {
    const double *ei = e + dim * i;
    double r = 0;
    for (int k = 0; k < dim; ++k) {
      const double z = std::clamp(-5.0 * ei[k], -regression::kBox, regression::kBox);
      r += (0.4 + 2.0 * std::fabs(ei[k])) - (0.1 * z * z + ei[k] * z);
    }
    return r;
  }
  // ||∇f|| and ||J|| are convex in x, so their sum peaks at a vertex of the box (§8.2): the 32 vertices.
  double grad_bound(std::int64_t i) const {
    const double *a = A + regression::kObs * dim * i, *bi = b + regression::kObs * i, *ei = e + dim * i;
    double best = 0;
    for (int v = 0; v < (1 << dim); ++v) {
      double x[dim], gf[dim] = {}, jn = 0, gn = 0;
      for (int k = 0; k < dim; ++k) x[k] = (v >> k & 1) ? regression::kBox : -regression::kBox;
      for (int q = 0; q < regression::kObs; ++q) {
        double r = -bi[q];
        for (int k = 0; k < dim; ++k) r += a[dim * q + k] * x[k];
        for (int k = 0; k < dim; ++k) gf[k] += a[dim * q + k] * r;
      }
      for (int k = 0; k < dim; ++k) gn += gf[k] * gf[k], jn += (0.2 * x[k] + ei[k]) * (0.2 * x[k] + ei[k]);
      best = std::max(best, std::sqrt(gn) + std::sqrt(jn));
    }
    return best;
  }
  // Best response x_i(μ) (m = 1, §6; no closed-form slope: the oracle bisects). `x` holds the warm start.
  void response(std::int64_t i, double mu, double *x) const {
    regression::best_response(A + regression::kObs * dim * i, b + regression::kObs * i, e + dim * i, mu, x);
  }
};

// The registry of vector kernel types: a new vector family adds its kernel here (one line).
using VectorKernel = std::variant<PevKernel, RegressionKernel>;

}  // namespace dodge::problems
