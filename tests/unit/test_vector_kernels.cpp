// Per-agent kernels of the vector families (algorithms.md §4): gradients of the Lagrangian against central
// differences, the regression best response against an independent projected-gradient solve and its KKT
// conditions, range and gradient bounds against sampling (one rank).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/rng.hpp"
#include "problems/vector_kernels.hpp"

using namespace dodge;
using problems::PevKernel;
using problems::RegressionKernel;
namespace reg = problems::regression;

namespace {

// One regression agent's data drawn like the problem does (values differ; the kernel only sees arrays).
struct RegData {
  std::vector<double> A, b, e, h;
  explicit RegData(std::uint64_t trial, double bscale = 1.0) : A(40), b(8), e(5), h(1) {
    for (int c = 0; c < 40; ++c) A[c] = rng::normal(11, rng::INSTANCE, trial, 1, c);
    for (int q = 0; q < 8; ++q) b[q] = bscale * rng::normal(11, rng::INSTANCE, trial, 1, 40 + q);
    for (int k = 0; k < 5; ++k) e[k] = rng::uniform(-0.5, 0.5, 11, rng::INSTANCE, trial, 1, 96 + k);
    h[0] = rng::uniform(0.5, 1.0, 11, rng::INSTANCE, trial, 1, 101);
  }
  RegressionKernel kernel() const { return RegressionKernel{A.data(), b.data(), e.data(), h.data()}; }
};

// ½||Ax − b||² + μ(0.1||x||² + eᵀx), evaluated directly.
double RegObjective(const RegData &d, double mu, const double *x) {
  double s = 0;
  for (int q = 0; q < 8; ++q) {
    double r = -d.b[q];
    for (int k = 0; k < 5; ++k) r += d.A[5 * q + k] * x[k];
    s += 0.5 * r * r;
  }
  for (int k = 0; k < 5; ++k) s += mu * (0.1 * x[k] * x[k] + d.e[k] * x[k]);
  return s;
}

}  // namespace

TEST_CASE("pev kernel: f, g and the Lagrangian gradient match their definitions", "[vector][kernels]") {
  std::vector<double> C(24), R(1);
  for (int k = 0; k < 24; ++k) C[k] = rng::uniform(0, 1, 3, rng::INSTANCE, 0, 1, k);
  R[0] = 0.73;
  const PevKernel k{C.data(), R.data()};
  double x[24], mu[48];
  for (int q = 0; q < 24; ++q) x[q] = rng::uniform(-2, 2, 3, rng::INSTANCE, 1, 1, q);
  for (int r = 0; r < 48; ++r) mu[r] = rng::uniform(0, 3, 3, rng::INSTANCE, 2, 1, r);
  double g[48];
  k.g(0, x, g);
  for (int q = 0; q < 24; ++q) {
    CHECK(g[q] == x[q] - 0.35);
    CHECK(g[24 + q] == -x[q] - 0.35);
  }
  // v = ∇_x (f + μᵀg) by central differences (f + μᵀg is quadratic: differences are exact to rounding).
  auto L = [&](const double *z) {
    double gz[48], s = k.f(0, z);
    k.g(0, z, gz);
    for (int r = 0; r < 48; ++r) s += mu[r] * gz[r];
    return s;
  };
  double v[24];
  k.lagrangian_grad(0, x, mu, v);
  for (int q = 0; q < 24; ++q) {
    double xp[24], xm[24];
    std::copy_n(x, 24, xp), std::copy_n(x, 24, xm);
    xp[q] += 1e-4, xm[q] -= 1e-4;
    CHECK(v[q] == Approx((L(xp) - L(xm)) / 2e-4).epsilon(1e-8).margin(1e-8));
  }
  // grad_bound ≥ ||∇f|| + ||J|| at points of X (projected random points).
  for (int s = 0; s < 200; ++s) {
    double z[24], mu0[48] = {}, gf[24];
    for (int q = 0; q < 24; ++q) z[q] = rng::uniform(-4, 4, 3, rng::INSTANCE, 10 + s, 1, q);
    k.project(0, z);
    k.lagrangian_grad(0, z, mu0, gf);
    double n2 = 0;
    for (double gq : gf) n2 += gq * gq;
    CHECK(std::sqrt(n2) + std::sqrt(2.0) <= k.grad_bound(0));
  }
}

TEST_CASE("regression kernel: the Lagrangian gradient, range and G bound", "[vector][kernels]") {
  for (std::uint64_t trial = 0; trial < 20; ++trial) {
    const RegData d(trial);
    const RegressionKernel k = d.kernel();
    double x[5], mu = rng::uniform(0, 2, 5, rng::INSTANCE, trial, 0, 0);
    for (int q = 0; q < 5; ++q) x[q] = rng::uniform(-2, 2, 5, rng::INSTANCE, trial, 0, 1 + q);
    double v[5];
    k.lagrangian_grad(0, x, &mu, v);
    for (int q = 0; q < 5; ++q) {
      double xp[5], xm[5];
      std::copy_n(x, 5, xp), std::copy_n(x, 5, xm);
      xp[q] += 1e-4, xm[q] -= 1e-4;
      const double fd = (k.f(0, xp) + mu * k.g1(0, xp) - k.f(0, xm) - mu * k.g1(0, xm)) / 2e-4;
      CHECK(v[q] == Approx(fd).epsilon(1e-8).margin(1e-8));
    }
    // range = sup − inf of g over the box: a grid that contains the minimizer's coordinates and the vertices.
    double sup = 0, inf = 0;
    for (int q = 0; q < 5; ++q) {
      double lo = INFINITY, hi = -INFINITY;
      std::vector<double> pts = {-2.0, 2.0, std::clamp(-5.0 * d.e[q], -2.0, 2.0)};
      for (int j = 0; j <= 400; ++j) pts.push_back(-2.0 + j * 0.01);
      for (double p : pts) {
        const double val = 0.1 * p * p + d.e[q] * p;
        lo = std::min(lo, val), hi = std::max(hi, val);
      }
      sup += hi, inf += lo;
    }
    CHECK(k.range(0) == Approx(sup - inf).epsilon(1e-12));
    // G ≥ ||∇f|| + ||J|| anywhere in the box, attained at some vertex.
    for (int s = 0; s < 100; ++s) {
      double z[5], gf[5], zero = 0;
      for (int q = 0; q < 5; ++q) z[q] = rng::uniform(-2, 2, 5, rng::INSTANCE, trial, 1 + s, q);
      k.lagrangian_grad(0, z, &zero, gf);
      double n2 = 0, j2 = 0;
      for (int q = 0; q < 5; ++q) n2 += gf[q] * gf[q], j2 += (0.2 * z[q] + d.e[q]) * (0.2 * z[q] + d.e[q]);
      CHECK(std::sqrt(n2) + std::sqrt(j2) <= k.grad_bound(0) * (1 + 1e-14));
    }
  }
}

TEST_CASE("regression best response: exact box-QP minimizer, independent of the warm start", "[vector][kernels]") {
  int at_bound = 0;
  for (std::uint64_t trial = 0; trial < 300; ++trial) {
    // Large b pushes the unconstrained minimizer outside the box, so bounds are active in many trials.
    const RegData d(trial, trial % 2 ? 6.0 : 1.0);
    const double mu = trial % 3 == 0 ? 0.0 : rng::uniform(0, 5, 7, rng::INSTANCE, trial, 0, 0);
    double x[5] = {0, 0, 0, 0, 0}, xw[5] = {2, -2, 2, -2, 2};
    reg::best_response(d.A.data(), d.b.data(), d.e.data(), mu, x);
    reg::best_response(d.A.data(), d.b.data(), d.e.data(), mu, xw);
    // KKT: the gradient vanishes on free coordinates and points outward on those at a bound.
    RegressionKernel k = d.kernel();
    double v[5];
    k.lagrangian_grad(0, x, &mu, v);
    bool kkt = true;
    for (int q = 0; q < 5; ++q) {
      if (x[q] <= -2.0) kkt = kkt && v[q] >= -1e-12, ++at_bound;
      else if (x[q] >= 2.0) kkt = kkt && v[q] <= 1e-12, ++at_bound;
      else kkt = kkt && std::fabs(v[q]) <= 1e-10;
    }
    CHECK(kkt);
    for (int q = 0; q < 5; ++q) CHECK(std::fabs(x[q] - xw[q]) <= 1e-12);
    // An independent solve: projected gradient with step 1/L (L = trace bound of the Hessian), long.
    double L = 0.2 * mu;
    for (double a : d.A) L += a * a;
    double z[5] = {0, 0, 0, 0, 0};
    for (int it = 0; it < 200000; ++it) {
      double gz[5];
      k.lagrangian_grad(0, z, &mu, gz);
      for (int q = 0; q < 5; ++q) z[q] = std::clamp(z[q] - gz[q] / L, -2.0, 2.0);
    }
    CHECK(RegObjective(d, mu, x) <= RegObjective(d, mu, z) + 1e-12 * (1 + std::fabs(RegObjective(d, mu, z))));
    for (int q = 0; q < 5; ++q) CHECK(std::fabs(x[q] - z[q]) <= 1e-6);
  }
  CHECK(at_bound > 50);  // the bound-active path is exercised
}
