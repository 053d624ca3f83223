// Pure kernels of gridcell's MF-Q learning (docs/gridcell.md §16.5): the state bins at and around their edges,
// the exact integer mean field against ā = (N⁺ − N⁻)/N^B with the thresholds ∓1/3, the temperature schedule, the
// Boltzmann policy and the action draw, and the update's fixed point.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "problems/gridcell_mfq.hpp"

namespace gc = dodge::problems::gridcell;

TEST_CASE("gridcell mfq: states cover 0..74 once each, edges count as reached", "[gridcell][mfq]") {
  const gc::MfqParams p;
  // A value at an edge is in the upper bin (#{θ : x >= θ}).
  CHECK(gc::Bin(p.net, -2.0) == 1);
  CHECK(gc::Bin(p.net, std::nextafter(-2.0, -3.0)) == 0);
  CHECK(gc::Bin(p.net, 2.0) == 4);
  CHECK(gc::Bin(p.soc, 0.7) == 2);
  CHECK(gc::Bin(p.period, 5.75) == 0);
  CHECK(gc::Bin(p.period, 6.0) == 1);
  CHECK(gc::Bin(p.period, 21.0) == 4);
  const double q[5] = {-3, -1, 0, 1, 3}, soc[3] = {0.2, 0.5, 0.9}, h[5] = {1, 7, 12, 18, 23};
  std::set<int> seen;
  for (double x : q)
    for (double s : soc)
      for (double hr : h) {
        const int st = gc::MfqState(p, x, s, hr);
        CHECK(st >= 0);
        CHECK(st < gc::kMfqStates);
        seen.insert(st);
      }
  CHECK(seen.size() == 75u);
  CHECK(gc::MfqState(p, 3, 0.9, 23) == 74);
  CHECK(gc::MfqState(p, -3, 0.2, 1) == 0);
  CHECK(gc::QIndex(74, 2, 2) == gc::kMfqQ - 1);
}

TEST_CASE("gridcell mfq: the integer mean field is the thresholded mean action", "[gridcell][mfq]") {
  CHECK(gc::MeanField(0, 0, 0) == 1);  // no battery neighbour
  for (int nb = 1; nb <= 12; ++nb)
    for (int np = 0; np <= nb; ++np)
      for (int nm = 0; np + nm <= nb; ++nm) {
        // The real-valued rule away from the thresholds (at them the integer form is the strict one).
        const double abar = static_cast<double>(np - nm) / nb;
        const int want = 3 * (np - nm) < -nb ? 0 : (3 * (np - nm) > nb ? 2 : 1);
        CHECK(gc::MeanField(np, nm, nb) == want);
        if (std::fabs(std::fabs(abar) - 1.0 / 3.0) > 1e-9) CHECK(gc::MeanField(np, nm, nb) == (abar < -1.0 / 3 ? 0 : (abar > 1.0 / 3 ? 2 : 1)));
      }
  CHECK(gc::MeanField(1, 0, 3) == 1);  // ā = 1/3 exactly: not above
  CHECK(gc::MeanField(2, 0, 5) == 2);
}

TEST_CASE("gridcell mfq: the temperature decays per day to its floor", "[gridcell][mfq]") {
  const gc::MfqParams p;
  CHECK(gc::Temperature(p, 0) == 1.0);
  CHECK(gc::Temperature(p, 95) == 1.0);
  CHECK(gc::Temperature(p, 96) == Approx(0.72).epsilon(1e-15));
  CHECK(gc::Temperature(p, 96 * 3 + 5) == Approx(0.72 * 0.72 * 0.72).epsilon(1e-15));
  CHECK(gc::Temperature(p, 96 * 40) == 0.01);  // 0.72^40 < 0.01
}

TEST_CASE("gridcell mfq: Boltzmann policy, draw and backup", "[gridcell][mfq]") {
  const double q[3] = {-1.0, -0.5, -2.0};
  double pi[3];
  gc::Boltzmann(q, 0.5, pi);
  const double z = std::exp(-1.0) + 1.0 + std::exp(-3.0);
  CHECK(pi[0] == Approx(std::exp(-1.0) / z).epsilon(1e-14));
  CHECK(pi[1] == Approx(1.0 / z).epsilon(1e-14));
  CHECK(pi[0] + pi[1] + pi[2] == Approx(1.0).epsilon(1e-15));
  // A huge temperature is uniform, a tiny one greedy, and huge Q differences neither overflow nor give NaN.
  gc::Boltzmann(q, 1e12, pi);
  CHECK(pi[2] == Approx(1.0 / 3).epsilon(1e-9));
  gc::Boltzmann(q, 1e-6, pi);
  CHECK(pi[1] == 1.0);
  const double wide[3] = {-1e300, 0.0, 1e300};
  gc::Boltzmann(wide, 0.01, pi);
  CHECK(pi[2] == 1.0);
  CHECK(pi[0] == 0.0);
  // a = min{a : u <= Σ_{a' <= a} π(a')}; 2 when rounding leaves u above the last sum.
  const double pu[3] = {0.2, 0.3, 0.5};
  CHECK(gc::Act(pu, 0.0) == 0);
  CHECK(gc::Act(pu, 0.2) == 0);
  CHECK(gc::Act(pu, 0.2000001) == 1);
  CHECK(gc::Act(pu, 0.5) == 1);
  CHECK(gc::Act(pu, 0.75) == 2);
  const double pl[3] = {0.2, 0.3, 0.4999};
  CHECK(gc::Act(pl, 0.99995) == 2);
  // Backups: the policy's expectation lies between min and max Q, and max is the max.
  const double v = gc::Backup(q, 0.5, false);
  CHECK(v > -2.0);
  CHECK(v < -0.5);
  CHECK(gc::Backup(q, 0.5, true) == -0.5);
  // The update's fixed point is r + γ v; η = 0 leaves q, η = 1 replaces it.
  CHECK(gc::QUpdate(3.0, 0.0, -1.0, 0.9, 2.0) == 3.0);
  CHECK(gc::QUpdate(3.0, 1.0, -1.0, 0.9, 2.0) == Approx(0.8).epsilon(1e-15));
  double x = 0;
  for (int k = 0; k < 2000; ++k) x = gc::QUpdate(x, 0.1, -1.0, 0.5, x);  // v = x: fixed point r / (1 − γ)
  CHECK(x == Approx(-2.0).epsilon(1e-12));
}
