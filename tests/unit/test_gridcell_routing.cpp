// Pure kernels of gridcell's routing module (docs/gridcell.md §16.7): the converters' constants from the spec's
// electrical defaults, the star-network solution against an independent nodal solve (KCL at the bus and at every
// node, the droop law), the trigger's strictness and forced first broadcast, the anti-windup clip, and the
// observer's sum preservation under symmetric Metropolis mixing of held copies.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "problems/gridcell_routing.hpp"

namespace gc = dodge::problems::gridcell;

TEST_CASE("gridcell routing: converter constants follow §16.7's electrical defaults", "[gridcell][routing]") {
  const gc::RouteParams p;
  const gc::Converter h = gc::HomeConverter(p, 0.05);
  CHECK(h.irat == Approx(10000.0 / 380.0).epsilon(1e-15));
  // 2 % of V* at rated current.
  CHECK(h.rd * h.irat == Approx(0.02 * 380.0).epsilon(1e-15));
  CHECK(h.g == Approx(1.0 / (h.rd + 0.05)).epsilon(1e-15));
  const gc::Converter c = gc::PccConverter(p, 100);
  CHECK(c.irat == Approx(100 * 3000.0 / 380.0).epsilon(1e-15));
  CHECK(c.rf * c.irat == Approx(1.5).epsilon(1e-15));  // the PCC drop at rating
  CHECK(c.rd * c.irat == Approx(0.02 * 380.0).epsilon(1e-15));
}

TEST_CASE("gridcell routing: the star solution satisfies KCL and the droop law", "[gridcell][routing]") {
  const gc::RouteParams p;
  // Three homes and the PCC with schedules summing to 0, zeta and a realized deviation at two homes.
  std::vector<gc::Converter> c = {gc::HomeConverter(p, 0.03), gc::HomeConverter(p, 0.07), gc::HomeConverter(p, 0.1),
                                  gc::PccConverter(p, 3)};
  const std::vector<double> isch = {3.1, -5.2, 1.4, 0.7}, zeta = {0.4, -0.3, 1.1, -0.2}, eps = {0.8, 0, -0.3, 0};
  double num = 0, gsum = 0;
  std::vector<double> v0(4);
  for (int i = 0; i < 4; ++i) {
    v0[i] = gc::SourceVoltage(p, c[i], zeta[i], isch[i]);
    num += gc::BusTerm(p, c[i], v0[i], eps[i]), gsum += c[i].g;
  }
  const double vb = p.Vs + num / gsum;
  double sum_i = 0, sum_eps = 0;
  for (int i = 0; i < 4; ++i) {
    double I, v, iota;
    gc::Solve(c[i], v0[i], vb, eps[i], isch[i], &I, &v, &iota);
    // Droop: v = V* + zeta - r^d (I - I^sch). Node KCL: the feeder carries I - eps from v to the bus.
    CHECK(v == Approx(p.Vs + zeta[i] - c[i].rd * (I - isch[i])).epsilon(1e-14));
    CHECK((v - vb) / c[i].rf == Approx(I - eps[i]).epsilon(1e-12));
    CHECK(iota == Approx((I - isch[i]) / c[i].irat).epsilon(1e-14));
    sum_i += I, sum_eps += eps[i];
  }
  CHECK(std::fabs(sum_i - sum_eps) <= 1e-12);  // bus KCL
}

TEST_CASE("gridcell routing: the trigger is strict, forced first, and always fires when periodic", "[gridcell][routing]") {
  gc::RouteParams p;
  p.c0 = 0, p.c1 = 0;
  gc::NodeState s;
  CHECK(gc::ObserveAndTrigger(p, 0, true, 380.0, 0.01, &s));  // first: v̄ = v^prev = v, forced send
  CHECK(s.vbar == 380.0);
  CHECK(s.cv == 380.0);
  CHECK(s.ci == 0.01);
  CHECK(s.ver == 1);
  CHECK_FALSE(gc::ObserveAndTrigger(p, 1, false, 380.0, 0.01, &s));  // nothing moved: no send at c0 = 0
  CHECK(s.ver == 1);
  CHECK(gc::ObserveAndTrigger(p, 2, false, 380.0, 0.0100001, &s));  // any move sends at c0 = 0
  CHECK(s.ver == 2);
  p.c0 = 1e-3;
  CHECK_FALSE(gc::ObserveAndTrigger(p, 3, false, 380.0, 0.0105, &s));  // |d iota| = 5e-4 <= 1e-3
  CHECK(gc::ObserveAndTrigger(p, 4, false, 380.5, 0.0105, &s));        // v̄ moved by 0.5/380 > 1e-3
  CHECK(s.cv == 380.5);
  p.periodic = true;
  CHECK(gc::ObserveAndTrigger(p, 5, false, 380.5, 0.0105, &s));
  CHECK(s.ver == 4);
}

TEST_CASE("gridcell routing: zeta is clipped to its limit", "[gridcell][routing]") {
  const gc::RouteParams p;
  gc::NodeState s;
  s.vbar = 0;  // a huge voltage error
  gc::Correct(p, 0, 0, &s);
  CHECK(s.zeta == 0.1 * 380.0);
  s.vbar = 1000;
  s.zeta = 0;
  gc::Correct(p, 0, 0, &s);
  CHECK(s.zeta == -0.1 * 380.0);
}

TEST_CASE("gridcell routing: held-copy mixing keeps sum vbar = sum v", "[gridcell][routing]") {
  const gc::RouteParams p;
  // A path 0 - 1 - 2 with Metropolis weights and stale copies: R6 changes every v̄ but not their sum.
  const std::vector<double> deg = {1, 2, 1}, cv = {379.2, 380.9, 381.3}, ci = {0.01, -0.02, 0.005};
  std::vector<gc::NodeState> s(3);
  const double vb0[3] = {379.0, 381.0, 381.0};
  double before = 0;
  for (int i = 0; i < 3; ++i) s[i].vbar = vb0[i], s[i].cv = cv[i], s[i].ci = ci[i], before += vb0[i];
  const int nb[3][2] = {{1, -1}, {0, 2}, {1, -1}};
  double after = 0;
  std::vector<gc::NodeState> out = s;
  for (int i = 0; i < 3; ++i) {
    double dv = 0, di = 0;
    for (int q = 0; q < 2; ++q) {
      const int j = nb[i][q];
      if (j < 0) continue;
      const double w = gc::Metropolis(deg[i], deg[j]);
      dv += w * (cv[j] - cv[i]), di += w * (ci[j] - ci[i]);
    }
    gc::Correct(p, dv, di, &out[i]);
    after += out[i].vbar;
  }
  CHECK(std::fabs(after - before) <= 1e-12 * before);
  CHECK(out[0].vbar != s[0].vbar);
}
