// The pure kernels of the attacks and defences (algorithms.md §13.3, lib/algorithms/attacks.hpp): trimmed
// mixing against hand computations on tiny neighbourhoods, the robust statistics, the CUSUM and EWMA charts
// step by step, and the selection of attackers by id list or fraction.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "algorithms/attacks.hpp"
#include "core/rng.hpp"

using namespace dodge::algorithms;

TEST_CASE("trimmed mean drops the F largest above and the F smallest below the own value", "[attacks]") {
  std::vector<double> scratch;
  // Own 1; neighbours 5, -3, 2, 0, 1.5. F = 1: drop 5 (largest above) and -3 (smallest below); the rest
  // {1, 2, 0, 1.5} averaged equally: 4.5 / 4.
  const double v[] = {5, -3, 2, 0, 1.5};
  CHECK(attacks::TrimmedMean(1.0, v, 5, 1, scratch) == 4.5 / 4);
  // F = 2: above {5, 2, 1.5} drops 5 and 2; below {-3, 0} drops both: {1, 1.5} -> 1.25.
  CHECK(attacks::TrimmedMean(1.0, v, 5, 2, scratch) == 1.25);
  // All neighbours above the own value: only F of them dropped, none below.
  const double up[] = {3, 4, 10};
  CHECK(attacks::TrimmedMean(2.0, up, 3, 1, scratch) == (2.0 + 3 + 4) / 3);
  // Values equal to the own one are never dropped.
  const double eq[] = {2, 2, 9};
  CHECK(attacks::TrimmedMean(2.0, eq, 3, 1, scratch) == 2.0);
  // F = 0: the plain equal-weight average; and the result does not depend on the order of the neighbours.
  CHECK(attacks::TrimmedMean(1.0, v, 5, 0, scratch) == (1.0 + (-3 + 0 + 1.5 + 2 + 5)) / 6);
  const double w[] = {1.5, 0, 2, -3, 5};
  CHECK(attacks::TrimmedMean(1.0, w, 5, 1, scratch) == attacks::TrimmedMean(1.0, v, 5, 1, scratch));
  // One outlier among five honest values equal to the own one is removed entirely with F = 1.
  const double one_bad[] = {0.3, 0.3, 100, 0.3};
  CHECK(attacks::TrimmedMean(0.3, one_bad, 4, 1, scratch) == 0.3);
}

TEST_CASE("robust statistics: median and floored 1.4826 MAD", "[attacks]") {
  std::vector<double> scratch;
  double v[] = {4, 1, 3, 2, 100};  // median 3, |v - 3| = {1, 2, 0, 1, 97} -> MAD 1
  const attacks::Robust r = attacks::RobustStats(v, 5, 0.1, scratch);
  CHECK(r.median == 3);
  CHECK(r.scale == attacks::kMadScale * 1);
  double e[] = {1, 2, 3, 4};  // even count: median 2.5; deviations {1.5, .5, .5, 1.5} -> MAD 1
  const attacks::Robust q = attacks::RobustStats(e, 4, 0.1, scratch);
  CHECK(q.median == 2.5);
  CHECK(q.scale == attacks::kMadScale);
  double c[] = {7, 7, 7, 7};  // no spread: the floor
  CHECK(attacks::RobustStats(c, 4, 0.2, scratch).scale == 0.2);
}

TEST_CASE("CUSUM and EWMA charts by hand", "[attacks]") {
  attacks::Chart cusum;  // k 0.5, h 5
  double st[2] = {0, 0};
  // r = 3 per step: G+ = 2.5, 5.0 (not > 5), 7.5 -> alarm on the third step; G- stays 0.
  CHECK_FALSE(attacks::ChartStep(cusum, 3, st));
  CHECK(st[0] == 2.5);
  CHECK_FALSE(attacks::ChartStep(cusum, 3, st));
  CHECK(st[0] == 5.0);
  CHECK(attacks::ChartStep(cusum, 3, st));
  CHECK(st[1] == 0);
  // Negative residuals drive G-; residuals within ±k never accumulate.
  double s2[2] = {0, 0};
  for (int q = 0; q < 100; ++q) CHECK_FALSE(attacks::ChartStep(cusum, q % 2 ? 0.5 : -0.5, s2));
  CHECK(s2[0] == 0);
  CHECK(s2[1] == 0);
  CHECK_FALSE(attacks::ChartStep(cusum, -4, s2));
  CHECK(s2[1] == 3.5);
  CHECK(attacks::ChartStep(cusum, -2.5, s2));  // G- = 3.5 + 2.5 - 0.5 = 5.5
  attacks::Chart ewma;
  ewma.kind = Detector::ewma;  // λ 0.2, L 3: limit 3 sqrt(0.2/1.8) = 1
  double z[2] = {0, 0};
  CHECK_FALSE(attacks::ChartStep(ewma, 2, z));  // z = 0.4
  CHECK(z[0] == Approx(0.4).epsilon(0));
  CHECK_FALSE(attacks::ChartStep(ewma, 2, z));  // 0.72
  CHECK_FALSE(attacks::ChartStep(ewma, 2, z));  // 0.976
  CHECK(attacks::ChartStep(ewma, 2, z));        // 1.1808 > 1
  CHECK(z[0] == Approx(1.1808));
}

TEST_CASE("attackers by id list or by fraction through the ATTACK stream", "[attacks]") {
  std::vector<std::int64_t> ids;
  std::string why;
  REQUIRE(AttackAgents("17,3,3", 40, 1, &ids, &why));
  CHECK(ids == std::vector<std::int64_t>{3, 17});
  REQUIRE(AttackAgents("", 40, 1, &ids, &why));
  CHECK(ids.empty());
  CHECK_FALSE(AttackAgents("3,40", 40, 1, &ids, &why));
  CHECK(why.find("-attack_agents: agent id 40 is out of range [0, 40)") != std::string::npos);
  CHECK_FALSE(AttackAgents("3,,4", 40, 1, &ids, &why));
  CHECK(why.find("-attack_agents") != std::string::npos);
  CHECK_FALSE(AttackAgents("-1", 40, 1, &ids, &why));
  CHECK_FALSE(AttackAgents("1.5", 40, 1, &ids, &why));
  CHECK(why.find("[0, 1]") != std::string::npos);
  // A fraction: round(f n) agents, those with the smallest u(ATTACK, gid).
  REQUIRE(AttackAgents("0.1", 200, 7, &ids, &why));
  REQUIRE(ids.size() == 20);
  double worst_in = 0, best_out = 1;
  for (std::int64_t g = 0; g < 200; ++g) {
    const double u = dodge::rng::uniform(7, dodge::rng::ATTACK, g, 0, 0);
    const bool in = std::binary_search(ids.begin(), ids.end(), g);
    if (in) worst_in = std::max(worst_in, u);
    else best_out = std::min(best_out, u);
  }
  CHECK(worst_in < best_out);
  std::vector<std::int64_t> other;
  REQUIRE(AttackAgents("0.1", 200, 8, &other, &why));
  CHECK(other != ids);  // another seed, another choice
  REQUIRE(AttackAgents("0.0", 200, 7, &other, &why));
  CHECK(other.empty());
  REQUIRE(AttackAgents("1.0", 5, 7, &other, &why));
  CHECK(other == std::vector<std::int64_t>{0, 1, 2, 3, 4});
}
