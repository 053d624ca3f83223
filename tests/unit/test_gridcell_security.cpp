// Pure kernels of gridcell's security module (docs/gridcell.md §16.8, §16.14 detection oracle): the attackers'
// draw, the median and MAD, and the per-receiver detector: no alarm and no flag on a noise-free instance, the
// EWMA's alarm exactly when its burn-in of 1/omega_e values ends for a clear bias attacker (and not for a small
// one), alarmed senders leaving V, the |V| minimum, the CUSUM variant, and obfuscation hiding a bias.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "problems/gridcell_security.hpp"

namespace gc = dodge::problems::gridcell;

namespace {

// One receiver with `n` senders: x[k] = base + bias[k] + a deterministic ripple, own = base.
struct Receiver {
  gc::DetectParams p;
  std::vector<gc::EdgeChart> charts;
  std::vector<gc::EdgeChart *> ptr;
  std::vector<double> x, scratch;
  double sigma = std::nan("");
  explicit Receiver(int n) : charts(n), ptr(n), x(n), scratch(n + 1) {
    for (int k = 0; k < n; ++k) ptr[k] = &charts[k];
  }
  int Step(double own, const std::vector<double> &v, const double *obf, int *alarms) {
    x = v;
    return gc::DetectStep(p, own, x.data(), ptr.data(), obf, static_cast<int>(x.size()), &sigma, scratch.data(), alarms);
  }
};

}  // namespace

TEST_CASE("gridcell attackers: the draw is pure in the id and near rho", "[gridcell][security]") {
  int count = 0;
  for (int g = 0; g < 20000; ++g) {
    CHECK(gc::IsAttacker(7, g, 0.05) == gc::IsAttacker(7, g, 0.05));
    count += gc::IsAttacker(7, g, 0.05);
    CHECK_FALSE(gc::IsAttacker(7, g, 0.0));
    CHECK(gc::IsAttacker(7, g, 1.0));
  }
  // 20000 Bernoulli(0.05) draws: mean 1000, std 31; a 5-sigma band.
  CHECK(count > 845);
  CHECK(count < 1155);
  CHECK(gc::PoisonScale(2.0, 0.5, 0.25) == 3.25);
}

TEST_CASE("gridcell detector: median and MAD, odd and even", "[gridcell][security]") {
  double a[5] = {5, 1, 4, 2, 3}, med, mad;
  gc::MedianMad(a, 5, &med, &mad);
  CHECK(med == 3);
  CHECK(mad == 1);  // |x - 3| = 2, 2, 1, 1, 0
  double b[4] = {10, 1, 2, 4};
  gc::MedianMad(b, 4, &med, &mad);
  CHECK(med == 3);    // (2 + 4)/2
  CHECK(mad == 1.5);  // |x - 3| = 7, 2, 1, 1: (1 + 2)/2
}

TEST_CASE("gridcell detector: no alarm and no flag without attackers on a noise-free instance", "[gridcell][security]") {
  for (gc::DetectKind kind : {gc::DetectKind::ewma, gc::DetectKind::cusum}) {
    Receiver r(4);
    r.p.kind = kind;
    int flags = 0, alarms = 0;
    for (int t = 0; t < 5000; ++t) {
      const double v = 1.0 + 0.3 * std::sin(0.01 * t);  // every home sees the same common profile
      int a = 0;
      flags += r.Step(v, {v, v, v, v}, nullptr, &a);
      alarms += a;
    }
    CHECK(flags == 0);
    CHECK(alarms == 0);
    for (const auto &c : r.charts) CHECK(c.seen == 5000);
    CHECK(r.sigma == Approx(r.p.floor).margin(1e-15));  // MAD 0: the floor
  }
}

TEST_CASE("gridcell detector: a bias attacker alarms when the EWMA's burn-in ends", "[gridcell][security]") {
  Receiver r(4);
  r.p.kind = gc::DetectKind::ewma;
  const std::int64_t burn = r.p.burn_in();
  REQUIRE(burn == 192);
  int when = -1;
  for (int t = 1; t <= 1000 && when < 0; ++t) {
    const double v = 1.0, ripple = 0.01 * std::sin(0.7 * t);
    int a = 0;
    r.Step(v, {v + ripple, v - ripple, v + 0.5, v}, nullptr, &a);  // sender 2 adds beta = 0.5 (10 floors)
    if (a) {
      when = t;
      CHECK(a == 1);
    }
  }
  // r = +10 (clipped) from the first step: chi passes h_m = 1 after 21 values, but may alarm only at 192.
  CHECK(when == burn);
  CHECK(r.charts[2].alarmed);
  CHECK_FALSE(r.charts[0].alarmed);
  CHECK_FALSE(r.charts[1].alarmed);
  CHECK_FALSE(r.charts[3].alarmed);
  // The alarmed sender leaves V and its chart stops; with 3 senders + own = 4 values the others still update.
  const std::int64_t seen = r.charts[2].seen, seen0 = r.charts[0].seen;
  int a = 0;
  r.Step(1.0, {1.0, 1.0, 100.0, 1.0}, nullptr, &a);
  CHECK(r.charts[2].seen == seen);
  CHECK(r.charts[0].seen == seen0 + 1);
  CHECK(a == 0);
}

TEST_CASE("gridcell detector: a bias below the chart's reach never alarms", "[gridcell][security]") {
  Receiver r(4);
  r.p.kind = gc::DetectKind::ewma;
  int alarms = 0;
  for (int t = 1; t <= 3000; ++t) {
    int a = 0;
    r.Step(1.0, {1.0, 1.0, 1.0 + 0.04, 1.0}, nullptr, &a);  // 0.8 floors: chi tends to 0.8 < h_m = 1
    alarms += a;
  }
  CHECK(alarms == 0);
  CHECK(std::fabs(r.charts[2].s[0]) < r.p.h);
  CHECK(r.charts[2].s[0] > 0.75);
}

TEST_CASE("gridcell detector: fewer than the minimum of values changes nothing", "[gridcell][security]") {
  Receiver r(2);  // own + 2 = 3 < 4
  r.p.kind = gc::DetectKind::ewma;
  int a = 0;
  CHECK(r.Step(1.0, {1.0, 50.0}, nullptr, &a) == 0);
  CHECK(a == 0);
  CHECK(std::isnan(r.sigma));
  CHECK(r.charts[0].seen == 0);
  CHECK(r.charts[1].seen == 0);
  r.p.min_values = 3;
  CHECK(r.Step(1.0, {1.0, 50.0}, nullptr, &a) == 1);  // now the step counts: 50 is a flag
  CHECK(r.charts[1].seen == 1);
}

TEST_CASE("gridcell detector: CUSUM alarms at once on a clear bias", "[gridcell][security]") {
  Receiver r(4);
  r.p.kind = gc::DetectKind::cusum;
  int a = 0;
  r.Step(1.0, {1.0, 1.0, 1.5, 1.0}, nullptr, &a);
  // r = 0.5/0.05 = 10 (the floor: MAD 0), G+ = 10 - k = 9.5 > h = 5: an alarm on the first step.
  CHECK(a == 1);
  CHECK(r.charts[2].alarmed);
  CHECK(r.charts[2].s[0] == 9.5);
  CHECK_FALSE(r.charts[0].alarmed);
}

TEST_CASE("gridcell detector: obfuscation raises the scale and hides a bias", "[gridcell][security]") {
  const double obf_clear[4] = {0, 0, 0, 0}, obf_noisy[4] = {2, 2, 2, 2};  // sigma_obf = 2
  int alarmed[2] = {0, 0};
  for (int w = 0; w < 2; ++w) {
    Receiver r(4);
    r.p.kind = gc::DetectKind::ewma;
    for (int t = 1; t <= 1000; ++t) {
      int a = 0;
      r.Step(1.0, {1.0, 1.0, 1.5, 1.0}, w ? obf_noisy : obf_clear, &a);
      alarmed[w] += a;
    }
  }
  CHECK(alarmed[0] == 1);  // clear shares: scale 0.05, r = 10
  CHECK(alarmed[1] == 0);  // scale sqrt(0.05^2 + 4) ~ 2: r = 0.25, chi -> 0.25 < 1
}

TEST_CASE("gridcell detector: the flagged senders are named, and their count is the return value", "[gridcell][security]") {
  Receiver r(5);
  r.p.kind = gc::DetectKind::ewma;
  int a = 0;
  std::vector<char> flagged(5, 7);
  r.x = {1.0, 1.3, 1.0, 0.7, 1.01};
  // Median of {1, 1, 1.3, 1, 0.7, 1.01} is 1, MAD 0: the scale is the floor 0.05, so |r| = 6 for senders 1 and 3
  // (flags), 0.2 for sender 4.
  const int n = gc::DetectStep(r.p, 1.0, r.x.data(), r.ptr.data(), nullptr, 5, &r.sigma, r.scratch.data(), &a, flagged.data());
  CHECK(n == 2);
  CHECK(flagged == std::vector<char>{0, 1, 0, 1, 0});
  // A skipped step (|V| < the minimum) clears the flags too.
  r.p.min_values = 10;
  CHECK(gc::DetectStep(r.p, 1.0, r.x.data(), r.ptr.data(), nullptr, 5, &r.sigma, r.scratch.data(), &a, flagged.data()) == 0);
  CHECK(flagged == std::vector<char>(5, 0));
}
