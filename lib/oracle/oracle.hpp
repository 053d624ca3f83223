// The per-step exact optimum of (2.1) for m = 1 families (algorithms.md §6): the root of the dual
// derivative h(μ) = Σ_i g_i(x_i(μ)) by safeguarded Newton, warm-started from the previous step.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <variant>

#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "metrics/metrics.hpp"

namespace dodge::oracle {

struct Result {
  double mu = 0;       // μ*_t
  int iterations = 0;  // reductions after the one at μ = 0
  bool converged = true;
};

// h and its slope from a kernel's piecewise-linear table, when it has one (dispatch with time-invariant
// coefficients): returns false when the agent loop must run instead. Pure.
template <class K>
inline bool TableDual(const K &k, std::int64_t nloc, double mu, double *h, double *s) {
  if constexpr (requires { k.table; }) {
    if (!k.table || k.table->size() != nloc) return false;
    double sx, slope;
    k.table->Eval(k.pi + mu, &sx, &slope);
    *h = static_cast<double>(nloc) * k.d - sx;  // Σ_i (d̃ − x_i(μ))
    *s = -slope;
    return true;
  }
  return false;
}

// Local sums of h(μ) and its slope over the local block. Pure.
template <class K>
inline void LocalDual(const K &k, std::int64_t nloc, double mu, double *h, double *s) {
  if (TableDual(k, nloc, mu, h, s)) return;
  // Block sums: rounding independent of the block size a rank owns (see metrics::Partials::merge).
  double hs = 0, ss = 0;
  for (std::int64_t i0 = 0; i0 < nloc; i0 += metrics::Partials::kBlock) {
    const std::int64_t i1 = std::min(nloc, i0 + metrics::Partials::kBlock);
    double hb = 0, sb = 0;
    for (std::int64_t i = i0; i < i1; ++i) {
      hb += k.g(i, k.response(i, mu));
      sb += k.slope(i, mu);
    }
    hs += hb, ss += sb;
  }
  *h = hs, *s = ss;
}

// (h, s) at μ = 0 and at μ in one pass: out = {h(0), s(0), h(μ), s(μ)}. Pure.
template <class K>
inline void LocalDual2(const K &k, std::int64_t nloc, double mu, double *out) {
  if (TableDual(k, nloc, 0.0, &out[0], &out[1]) && TableDual(k, nloc, mu, &out[2], &out[3])) return;
  double h0 = 0, s0 = 0, h1 = 0, s1 = 0;
  for (std::int64_t i0 = 0; i0 < nloc; i0 += metrics::Partials::kBlock) {
    const std::int64_t i1 = std::min(nloc, i0 + metrics::Partials::kBlock);
    double a = 0, b = 0, c = 0, d = 0;
    for (std::int64_t i = i0; i < i1; ++i) {
      a += k.g(i, k.response(i, 0.0));
      b += k.slope(i, 0.0);
      c += k.g(i, k.response(i, mu));
      d += k.slope(i, mu);
    }
    h0 += a, s0 += b, h1 += c, s1 += d;
  }
  out[0] = h0, out[1] = s0, out[2] = h1, out[3] = s1;
}

// A kernel with a member exact_scale (gridcell, docs/gridcell.md §16.6) asks for exact sums: every agent's g and
// slope rounded to the grid 1/exact_scale and summed in int64 (one MPI_INT64_T reduction), so that h(μ), its slope
// and hence μ* and the decisions of coa are bitwise the same on any rank count. The kernel keeps
// N·max|value|·exact_scale below 2^62. Collective: nmu points μ_0.. into out = {h(μ_0), s(μ_0), h(μ_1), ...}.
template <class K>
inline PetscErrorCode ExactDual(MPI_Comm comm, const K &k, std::int64_t nloc, const double *mus, int nmu, double *out) {
  std::int64_t v[4] = {0, 0, 0, 0};
  PetscFunctionBeginUser;
  const double S = k.exact_scale;
  for (int j = 0; j < nmu; ++j)
    for (std::int64_t i = 0; i < nloc; ++i) {
      v[2 * j] += std::llround(k.g(i, k.response(i, mus[j])) * S);
      v[2 * j + 1] += std::llround(k.slope(i, mus[j]) * S);
    }
  PetscCall(comm::AllreduceSumInt(comm, v, 2 * nmu));
  for (int j = 0; j < 2 * nmu; ++j) out[j] = static_cast<double>(v[j]) / S;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Solves step t. mu_hi: a bracket with h(mu_hi) ≤ 0 (the problem guarantees it at setup); H = Σ_i range_i.
// Collective on comm: every iteration is one fused reduction of (h, s).
template <class K>
PetscErrorCode Solve(MPI_Comm comm, const K &k, std::int64_t nloc, double mu_hi, double mu_warm, double H,
                     Result *res) {
  double hs[4];
  constexpr bool exact = requires { k.exact_scale; };
  PetscFunctionBeginUser;
  *res = Result{};
  double lo = 0, hi = mu_hi;
  double mu = (lo < mu_warm && mu_warm < hi) ? mu_warm : 0.5 * (lo + hi);
  // h(0) decides whether the constraint binds; the first Newton point is evaluated in the same pass and
  // the same reduction, so a warm-started step costs one pass less than the textbook order.
  if constexpr (exact) {
    const double mus[2] = {0.0, mu};
    PetscCall(ExactDual(comm, k, nloc, mus, 2, hs));
  } else {
    LocalDual2(k, nloc, mu, hs);
    PetscCall(comm::AllreduceSum(comm, hs, 4));
  }
  if (hs[0] <= 0) PetscFunctionReturn(PETSC_SUCCESS);  // constraint slack at μ = 0
  hs[0] = hs[2], hs[1] = hs[3];
  for (int it = 1; it <= 100; ++it) {
    if (it > 1) {
      if constexpr (exact) {
        PetscCall(ExactDual(comm, k, nloc, &mu, 1, hs));
      } else {
        LocalDual(k, nloc, mu, &hs[0], &hs[1]);
        PetscCall(comm::AllreduceSum(comm, hs, 2));
      }
    }
    res->iterations = it;
    const double h = hs[0], s = hs[1];
    if (h > 0) lo = mu;
    else hi = mu;
    if (std::fabs(h) <= 1e-12 * H || hi - lo <= 1e-12 * std::fmax(1.0, mu)) {
      res->mu = mu;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    const double newton = mu - h / s;
    mu = (s < 0 && lo < newton && newton < hi) ? newton : 0.5 * (lo + hi);
  }
  res->mu = mu;
  res->converged = false;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Bisection only (s ignored): the reference the tests compare Newton with (§15.5).
template <class K>
PetscErrorCode SolveBisection(MPI_Comm comm, const K &k, std::int64_t nloc, double mu_hi, double H, Result *res) {
  double hs[2];
  PetscFunctionBeginUser;
  *res = Result{};
  LocalDual(k, nloc, 0.0, &hs[0], &hs[1]);
  PetscCall(comm::AllreduceSum(comm, hs, 2));
  if (hs[0] <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  double lo = 0, hi = mu_hi, mu = 0.5 * (lo + hi);
  for (int it = 1; it <= 400; ++it) {
    LocalDual(k, nloc, mu, &hs[0], &hs[1]);
    PetscCall(comm::AllreduceSum(comm, hs, 2));
    res->iterations = it;
    if (hs[0] > 0) lo = mu;
    else hi = mu;
    if (std::fabs(hs[0]) <= 1e-12 * H || hi - lo <= 1e-12 * std::fmax(1.0, mu)) break;
    mu = 0.5 * (lo + hi);
  }
  res->mu = mu;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Local h(μ) = Σ_i g_i(x_i(μ)) of an m = 1 vector family; x ([nloc][dim]) holds the warm starts on entry and
// the best responses x_i(μ) on return. Block sums as LocalDual. Pure.
template <class K>
inline double LocalDualVector(const K &k, std::int64_t nloc, double mu, double *x) {
  double hs = 0;
  for (std::int64_t i0 = 0; i0 < nloc; i0 += metrics::Partials::kBlock) {
    const std::int64_t i1 = std::min(nloc, i0 + metrics::Partials::kBlock);
    double hb = 0;
    for (std::int64_t i = i0; i < i1; ++i) {
      k.response(i, mu, x + K::dim * i);
      hb += k.g1(i, x + K::dim * i);
    }
    hs += hb;
  }
  return hs;
}

// m = 1 families with vector decisions and no closed-form slope (regression): §6 with s = 0, i.e. bisection,
// the upper bracket found by doubling μ from 1 until h ≤ 0 (at most 64 times; then *bracket_failed is set
// and the caller reports the step as infeasible). xstar ([nloc][dim]) receives x_i(μ*), and holds the warm
// starts of the best responses on entry (the previous step's optimum). Collective: one reduction per
// evaluation of h.
template <class K>
PetscErrorCode SolveVectorBisection(MPI_Comm comm, const K &k, std::int64_t nloc, double mu_warm, double H,
                                    double *xstar, Result *res, bool *bracket_failed) {
  double h;
  PetscFunctionBeginUser;
  *res = Result{};
  *bracket_failed = false;
  h = LocalDualVector(k, nloc, 0.0, xstar);
  PetscCall(comm::AllreduceSum(comm, &h, 1));
  if (h <= 0) PetscFunctionReturn(PETSC_SUCCESS);  // constraint slack at μ = 0; xstar = x(0)
  double lo = 0, hi = 1;
  for (int d = 0;; ++d) {
    h = LocalDualVector(k, nloc, hi, xstar);
    PetscCall(comm::AllreduceSum(comm, &h, 1));
    if (h <= 0) break;
    if (d == 64) {
      *bracket_failed = true;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    lo = hi, hi *= 2;
  }
  double mu = (lo < mu_warm && mu_warm < hi) ? mu_warm : 0.5 * (lo + hi);
  for (int it = 1;; ++it) {
    h = LocalDualVector(k, nloc, mu, xstar);
    PetscCall(comm::AllreduceSum(comm, &h, 1));
    res->iterations = it;
    if (h > 0) lo = mu;
    else hi = mu;
    if (std::fabs(h) <= 1e-12 * H) break;
    if (hi - lo <= 1e-12 * std::fmax(1.0, mu)) {
      // Stopped by the bracket's width on the infeasible side: return the feasible end, so that
      // Σ_i g_i(x*) ≤ 0 as §15.5 asks.
      if (h > 0) {
        mu = hi;
        h = LocalDualVector(k, nloc, mu, xstar);
        PetscCall(comm::AllreduceSum(comm, &h, 1));
      }
      break;
    }
    if (it == 200) {
      res->converged = false;  // xstar holds x(mu) of the last iterate
      break;
    }
    mu = 0.5 * (lo + hi);
  }
  res->mu = mu;
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Variant front end (e.g. problems::ScalarKernel): one visit per step, the agent loops stay templated.
template <class KernelVariant>
inline PetscErrorCode SolveStep(MPI_Comm comm, const KernelVariant &kernel, std::int64_t nloc, double mu_hi,
                                double mu_warm, double H, Result *res) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->oracle, 0, 0, 0, 0));
  PetscCall(std::visit([&](const auto &k) { return Solve(comm, k, nloc, mu_hi, mu_warm, H, res); }, kernel));
  PetscCall(PetscLogEventEnd(ev->oracle, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::oracle
