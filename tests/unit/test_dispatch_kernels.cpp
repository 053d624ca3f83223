// Per-agent kernels of `dispatch` and the oracle of algorithms.md §6 on small instances (one rank).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "metrics/metrics.hpp"
#include "oracle/oracle.hpp"
#include "problems/kernels.hpp"
#include "core/rng.hpp"

using namespace dodge;
using problems::DispatchKernel;

TEST_CASE("dispatch kernels match their closed forms", "[kernels]") {
  namespace d = problems::dispatch;
  // f = a x² + (b − π) x + c at a = 0.3, b = 1.2, c = 0.01, π = 0.9, x = 0.7.
  CHECK(d::f(0.3, 1.2, 0.01, 0.9, 0.7) == Approx(0.3 * 0.49 + 0.3 * 0.7 + 0.01).epsilon(1e-15));
  CHECK(d::grad(0.3, 1.2, 0.9, 0.7) == Approx(2 * 0.3 * 0.7 + 0.3).epsilon(1e-15));
  CHECK(d::g(0.5, 0.7) == Approx(-0.2).epsilon(1e-15));
  // Interior best response (π − b + ν)/(2a) and its slope −1/(2a); clipped at both bounds.
  CHECK(d::response(0.25, 1.0, 1.5, 1.2, 0.3) == Approx(1.0).epsilon(1e-15));
  CHECK(d::slope(0.25, 1.0, 1.5, 1.2, 0.3) == Approx(-2.0).epsilon(1e-15));
  CHECK(d::response(0.25, 1.0, 1.5, 0.5, 0.0) == 0.0);
  CHECK(d::slope(0.25, 1.0, 1.5, 0.5, 0.0) == 0.0);
  CHECK(d::response(0.25, 1.0, 1.5, 3.0, 0.0) == 1.5);
  CHECK(d::slope(0.25, 1.0, 1.5, 3.0, 0.0) == 0.0);
}

TEST_CASE("the best response minimizes f + nu g over the box (grid check)", "[kernels]") {
  namespace d = problems::dispatch;
  const double a = 0.37, b = 1.1, c = 0.02, h = 1.5;
  for (double pi : {-0.4, 0.5, 1.3, 2.9})
    for (double nu : {0.0, 0.2, 0.9, 2.5}) {
      const double xr = d::response(a, b, h, pi, nu);
      const double fr = d::f(a, b, c, pi, xr) + nu * d::g(0.4, xr);
      double best = INFINITY;
      for (int k = 0; k <= 15000; ++k) {
        const double x = h * k / 15000.0;
        best = std::min(best, d::f(a, b, c, pi, x) + nu * d::g(0.4, x));
      }
      CHECK(fr <= best + 1e-12);
      CHECK(best - fr <= 1e-8);
    }
}

namespace {
struct Instance {
  std::vector<double> a, b, c, h, inv2a;
  DispatchKernel k() {
    inv2a.clear();
    for (double ai : a) inv2a.push_back(1.0 / (2.0 * ai));
    return DispatchKernel{a.data(), b.data(), c.data(), h.data(), inv2a.data()};
  }
};
Instance make(int n, unsigned seed) {
  Instance in;
  for (int i = 0; i < n; ++i) {
    in.a.push_back(rng::uniform(0.15, 0.45, seed, rng::COEF, i, 0, 0));
    in.b.push_back(rng::uniform(0.8, 1.6, seed, rng::COEF, i, 0, 1));
    in.c.push_back(rng::uniform(0.0, 0.05, seed, rng::COEF, i, 0, 2));
    in.h.push_back(1.5);
  }
  return in;
}
double mu_hi(const DispatchKernel &k, int n) {
  double m = 0;
  for (int i = 0; i < n; ++i) m = std::max(m, k.bracket_hi(i));
  return m;
}
}  // namespace

TEST_CASE("oracle satisfies the KKT conditions and agrees with bisection", "[oracle]") {
  const int n = 50;
  Instance in = make(n, 3);
  const double H = 1.5 * n;
  int binding = 0, slack = 0;
  for (double pi : {-0.3, 0.4, 0.9, 1.2, 1.8, 3.0})
    for (double dtot : {0.1 * n, 0.5 * n, 0.9 * n, 1.45 * n}) {
      DispatchKernel k = in.k();
      k.pi = pi, k.d = dtot / n;
      oracle::Result newton, bis;
      REQUIRE(oracle::Solve(PETSC_COMM_SELF, k, n, mu_hi(k, n), 0.37, H, &newton) == 0);
      REQUIRE(oracle::SolveBisection(PETSC_COMM_SELF, k, n, mu_hi(k, n), H, &bis) == 0);
      CHECK(newton.converged);
      double gsum = 0, g0 = 0;
      for (int i = 0; i < n; ++i) gsum += k.g(i, k.response(i, newton.mu)), g0 += k.g(i, k.response(i, 0.0));
      CHECK(newton.mu >= 0);
      CHECK(gsum <= 1e-12 * H);
      CHECK(newton.mu * std::fabs(gsum) <= 1e-12 * H * std::max(1.0, newton.mu));
      CHECK(std::fabs(newton.mu - bis.mu) <= 3e-12 * std::max(1.0, newton.mu));
      // Binds iff the unconstrained decisions fall short of the demand.
      CHECK((newton.mu > 0) == (g0 > 0));
      (newton.mu > 0 ? binding : slack)++;
    }
  CHECK(binding > 0);
  CHECK(slack > 0);
}

TEST_CASE("the piecewise-linear dual table equals the per-agent sums; the tabulated oracle equals the loop", "[oracle]") {
  const int n = 2000;
  Instance in = make(n, 5);
  // Heterogeneous capacities, so the upper breakpoints b + 2ah are spread too.
  for (int i = 0; i < n; ++i) in.h[i] = rng::uniform(0.2, 2.0, 5, rng::COEF, i, 0, 3);
  DispatchKernel k = in.k();
  problems::DualTable table;
  table.Build(in.b.data(), in.h.data(), in.inv2a.data(), n);
  REQUIRE(table.size() == n);
  double scale = 0, H = 0, inv_max = 0;
  for (int i = 0; i < n; ++i)
    scale += std::fabs(in.b[i]) * in.inv2a[i] + in.h[i], H += in.h[i], inv_max = std::max(inv_max, in.inv2a[i]);
  // ν below every breakpoint, among them, at breakpoints exactly and above all of them.
  std::vector<double> nus = {-1.0, in.b[7], in.b[11] + 2 * in.a[11] * in.h[11], 10.0};
  for (int s = 0; s < 500; ++s) nus.push_back(rng::uniform(0.5, 6.0, 5, rng::COEF, s, 9, 0));
  for (double nu : nus) {
    double sx, slope, ref = 0, ref_slope = 0;
    table.Eval(nu, &sx, &slope);
    for (int i = 0; i < n; ++i) ref += problems::dispatch::response(in.a[i], in.b[i], in.h[i], nu, 0.0);
    for (int i = 0; i < n; ++i) ref_slope -= k.slope(i, nu - k.pi);  // k.pi = 0: ν = μ
    CHECK(std::fabs(sx - ref) <= 1e-14 * scale);
    // Slopes differ only for agents exactly at a breakpoint (counted on one side or the other).
    CHECK(std::fabs(slope - ref_slope) <= 2 * inv_max + 1e-12 * ref_slope);
  }
  // The oracle through the table and through the agent loop: same μ* to the stopping tolerance.
  int binding = 0;
  for (double pi : {-0.3, 0.9, 1.8})
    for (double dtot : {0.2 * H, 0.6 * H, 0.95 * H}) {
      DispatchKernel kl = k, kt = k;
      kl.pi = kt.pi = pi, kl.d = kt.d = dtot / n;
      kt.table = &table;
      oracle::Result loop, tab;
      REQUIRE(oracle::Solve(PETSC_COMM_SELF, kl, n, mu_hi(kl, n), 0.0, H, &loop) == 0);
      REQUIRE(oracle::Solve(PETSC_COMM_SELF, kt, n, mu_hi(kt, n), 0.0, H, &tab) == 0);
      CHECK(tab.converged);
      CHECK(std::fabs(loop.mu - tab.mu) <= 3e-12 * std::max(1.0, loop.mu));
      double gsum = 0;
      for (int i = 0; i < n; ++i) gsum += kl.g(i, kl.response(i, tab.mu));
      CHECK(gsum <= 1e-12 * H);
      binding += tab.mu > 0;
    }
  CHECK(binding >= 3);
}

TEST_CASE("oracle equals a brute-force solve on three generators", "[oracle]") {
  Instance in = make(3, 11);
  for (double dtot : {0.5, 2.0, 3.9})
    for (double pi : {0.3, 1.0}) {
      DispatchKernel k = in.k();
      k.pi = pi, k.d = dtot / 3;
      oracle::Result r;
      REQUIRE(oracle::Solve(PETSC_COMM_SELF, k, 3, mu_hi(k, 3), 0.0, 4.5, &r) == 0);
      double fo = 0;
      for (int i = 0; i < 3; ++i) fo += k.f(i, k.response(i, r.mu));
      // Grid over (x0, x1); x2 is the best feasible completion (f is convex in x2).
      const int G = 1500;
      double best = INFINITY;
      for (int p = 0; p <= G; ++p)
        for (int q = 0; q <= G; ++q) {
          const double x0 = 1.5 * p / G, x1 = 1.5 * q / G, need = dtot - x0 - x1;
          if (need > 1.5) continue;
          const double x2 = problems::clip(std::max(need, k.response(2, 0.0)), 0.0, 1.5);
          best = std::min(best, k.f(0, x0) + k.f(1, x1) + k.f(2, x2));
        }
      CHECK(fo <= best + 1e-12);
      CHECK(best - fo <= 5e-5);
    }
}

TEST_CASE("tracker accumulates regret, violation and consensus as §12 defines them", "[metrics]") {
  metrics::Tracker tr;
  tr.init(2, 10.0, true);
  metrics::Partials p;
  double row[metrics::Tracker::NCOL];
  // Step 1: agents (f, c, x, mu, y) = (1, 0.5, ., 0.2, 0.5), (2, -0.2, ., 0.6, -0.1); F* = 2.5.
  p.reset();
  p.agent(1.0, 0.5, 0.3, 0.2, 0.5);
  p.agent(2.0, -0.2, 0.4, 0.6, -0.1);
  p.oracle(2.5, 0.0);
  // The observer's second pass: deviations from μ̄ = 0.4 and c̄ = 0.15.
  p.v[metrics::Partials::MU_SQ] = 0.2 * 0.2 + 0.2 * 0.2;
  p.v[metrics::Partials::Y_SQ] = 0.35 * 0.35 + 0.25 * 0.25;
  tr.finish(1, p, 0.7, 3, 4, 64, 0.01, row);
  CHECK(row[metrics::Tracker::REGRET] == Approx(0.5));
  CHECK(row[metrics::Tracker::REGRET_DOLLARS] == Approx(5.0));
  CHECK(row[metrics::Tracker::CONSTRAINT] == Approx(0.3));
  CHECK(row[metrics::Tracker::VIOLATION] == Approx(0.3));
  CHECK(row[metrics::Tracker::CONS_MU_MAX] == Approx(0.2));
  CHECK(row[metrics::Tracker::CONS_MU_RMS] == Approx(0.2));
  CHECK(row[metrics::Tracker::CONS_Y_MAX] == Approx(0.35));   // c̄ = 0.15: |0.5 − 0.15|, |−0.1 − 0.15|
  CHECK(row[metrics::Tracker::CONS_Y_RMS] == Approx(std::sqrt((0.35 * 0.35 + 0.25 * 0.25) / 2)));
  CHECK(row[metrics::Tracker::TRACKING_ERROR] == Approx(0.1));
  // Step 2: a slack step cancels in Vio but not in Vio+.
  p.reset();
  p.agent(1.0, -0.4, 0.3, 0.4, -0.4);
  p.agent(1.0, -0.1, 0.3, 0.4, -0.1);
  p.oracle(1.5, 0.3);
  p.v[metrics::Partials::MU_SQ] = 0.0;
  tr.finish(2, p, 0.0, 1, 4, 64, 0.01, row);
  CHECK(row[metrics::Tracker::REGRET] == Approx(1.0));
  CHECK(row[metrics::Tracker::VIOLATION] == Approx(0.0).margin(1e-15));
  CHECK(row[metrics::Tracker::VIOLATION_PLUS] == Approx(0.3));
  CHECK(row[metrics::Tracker::PATH_LENGTH] == Approx(0.3));
  CHECK(row[metrics::Tracker::CONS_MU_RMS] == Approx(0.0).margin(1e-15));
  CHECK(tr.binding_steps() == 1);
}
