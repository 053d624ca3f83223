// gridcell's scalar family (docs/gridcell.md §16.6, oracle 6): the closed-form best response against a numeric
// minimiser of f(e) + μe on [−ē, ē], the slope against central differences, the gradient against f, and the
// kernel's metric view, over many random points of all three cases and at the clip.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "metrics/observer.hpp"
#include "problems/gridcell_family.hpp"
#include "problems/kernels.hpp"

using namespace dodge::problems;
namespace go = gridcell_opt;

namespace {
// Golden-section minimiser of the strictly convex f(e) + μe on [lo, hi] to 1e-13 kW.
double Minimise(const go::Params &p, double nhat, double mu) {
  double a = -p.emax, b = p.emax;
  const double r = (std::sqrt(5.0) - 1) / 2;
  auto F = [&](double e) { return go::f(p, nhat, e) + mu * e; };
  double c = b - r * (b - a), d = a + r * (b - a), fc = F(c), fd = F(d);
  while (b - a > 1e-13) {
    if (fc < fd) b = d, d = c, fd = fc, c = b - r * (b - a), fc = F(c);
    else a = c, c = d, fc = fd, d = a + r * (b - a), fd = F(d);
  }
  return 0.5 * (a + b);
}
// Which case of §16.6 the unclipped response falls in: 0 residual import >= w_s, 1 export, 2 quadratic.
int Case(const go::Params &p, double nhat, double mu) {
  if (p.cf * (nhat - p.ws) + mu - p.lb >= 0) return 0;
  if (p.cf * nhat + mu - p.ls <= 0) return 1;
  return 2;
}
}  // namespace

TEST_CASE("gridcell: hub and the smoothed utility", "[gridcell][kernels]") {
  CHECK(go::hub(-1.0, 1.0) == 0.0);
  CHECK(go::hub(0.5, 1.0) == Approx(0.125).epsilon(1e-15));
  CHECK(go::hub(3.0, 1.0) == Approx(2.5).epsilon(1e-15));
  go::Params p;
  p.ls = 0.05, p.lb = 0.45;
  // C^U_w → C^U as w_s → 0, and C^U_w <= C^U (the smoothing lowers the hinge).
  for (double x : {-3.0, -0.2, 0.0, 0.3, 0.9, 2.0, 7.0}) {
    CHECK(go::utility_smooth(p, x) <= go::utility_exact(p, x) + 1e-15);
    go::Params q = p;
    q.ws = 1e-9;
    CHECK(go::utility_smooth(q, x) == Approx(go::utility_exact(p, x)).margin(1e-9));
  }
}

TEST_CASE("gridcell: best response, slope and gradient over random points", "[gridcell][kernels]") {
  std::mt19937_64 gen(13);
  std::uniform_real_distribution<double> U(0, 1);
  int seen[3] = {0, 0, 0}, clipped = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    go::Params p;
    p.cf = 0.02 + 0.3 * U(gen), p.ws = 0.1 + 2 * U(gen), p.emax = 1 + 12 * U(gen);
    p.ls = 0.4 * U(gen), p.lb = p.ls + 0.5 * U(gen);
    const double nhat = -12 + 24 * U(gen), mu = -0.3 + 1.2 * U(gen);
    const double e = go::response(p, nhat, mu);
    double su;
    const double u = go::response_unclipped(p, nhat, mu, &su);
    seen[Case(p, nhat, mu)]++;
    if (std::fabs(u) >= p.emax) clipped++;
    // Optimal: matches the numeric minimiser, and the first-order condition holds in the interior.
    const double en = Minimise(p, nhat, mu);
    REQUIRE(e == Approx(en).margin(1e-6));
    if (std::fabs(e) < p.emax) REQUIRE(go::grad(p, nhat, e) + mu == Approx(0).margin(1e-12));
    // The gradient is f's derivative (central differences; f is C^1).
    const double h = 1e-6, x = -p.emax + 2 * p.emax * U(gen);
    REQUIRE(go::grad(p, nhat, x) == Approx((go::f(p, nhat, x + h) - go::f(p, nhat, x - h)) / (2 * h)).margin(1e-7));
    // The slope is de/dμ away from the kinks (the case boundaries and the clip).
    const double dm = 1e-7;
    if (Case(p, nhat, mu - dm) == Case(p, nhat, mu + dm) &&
        (std::fabs(go::response_unclipped(p, nhat, mu - dm, &su)) < p.emax) ==
            (std::fabs(go::response_unclipped(p, nhat, mu + dm, &su)) < p.emax)) {
      const double fd = (go::response(p, nhat, mu + dm) - go::response(p, nhat, mu - dm)) / (2 * dm);
      REQUIRE(go::slope(p, nhat, mu) == Approx(fd).margin(1e-6 / p.cf));
    }
    // Non-increasing and continuous in μ.
    REQUIRE(go::response(p, nhat, mu + 1e-3) <= e + 1e-15);
    REQUIRE(std::fabs(go::response(p, nhat, mu + 1e-9) - e) <= 1e-9 / p.cf * (1 + 1e-6) + 1e-12);  // 1/c_f-Lipschitz
    // §16.6: e(λ_s) >= 0 and e(λ_b) <= 0.
    REQUIRE(go::response(p, nhat, p.ls) >= -1e-15);
    REQUIRE(go::response(p, nhat, p.lb) <= 1e-15);
  }
  // Every case and the clip were exercised.
  CHECK(seen[0] > 100);
  CHECK(seen[1] > 100);
  CHECK(seen[2] > 100);
  CHECK(clipped > 100);
}

TEST_CASE("gridcell: the slope at the clip is 0 and the kernel reads the right positions", "[gridcell][kernels]") {
  go::Params p;  // c_f 0.1, w_s 1, ē 10
  p.ls = 0.05, p.lb = 0.25;
  // μ far below λ_s: ẽ = (λ_s − μ)/c_f or (λ_b − μ)/c_f exceeds ē, clipped.
  CHECK(go::response(p, 0.0, -2.0) == 10.0);
  CHECK(go::slope(p, 0.0, -2.0) == 0.0);
  CHECK(go::response(p, 0.0, 3.0) == -10.0);
  CHECK(go::slope(p, 0.0, 3.0) == 0.0);
  // Case 3 in closed form: n̂ = 0.5, μ = 0.1: ẽ = (0.05 − 0.1 + 0.2·0.5)/(0.1 + 0.2) = 1/6.
  CHECK(go::response(p, 0.5, 0.1) == Approx(0.05 / 0.3).epsilon(1e-14));
  CHECK(go::slope(p, 0.5, 0.1) == Approx(-1 / 0.3).epsilon(1e-14));
  const double nhat[2] = {0.5, -2.0}, nreal[2] = {1.5, -1.0};
  GridcellKernel k;
  k.n = nhat, k.n_metric = nreal, k.p = p, k.homes = 2;
  CHECK(k.response(0, 0.1) == go::response(p, 0.5, 0.1));
  CHECK(k.g(0, 0.3) == 0.3);
  CHECK(k.range(0) == 20.0);
  CHECK(k.bracket_hi(0) == 0.25);
  const GridcellKernel m = dodge::metrics::MetricView(k);
  CHECK(m.f(1, 0.2) == go::f(p, -1.0, 0.2));
  CHECK(m.response(0, 0.1) == go::response(p, 1.5, 0.1));
  // Other kernels are their own metric view (same object).
  DispatchKernel dk{};
  CHECK(&dodge::metrics::MetricView(dk) == &dk);
}
