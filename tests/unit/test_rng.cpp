// The counter-based generator of algorithms.md §0.6.
#include <catch2/catch.hpp>

#include "core/block.hpp"
#include "core/rng.hpp"

using namespace dodge;

TEST_CASE("splitmix finalizer matches its reference values", "[rng]") {
  // mix(0) = 0 and mix(G) equals the first output of splitmix64 seeded with 0 (a published constant).
  CHECK(rng::mix(0) == 0);
  CHECK(rng::mix(rng::kGolden) == 0xE220A8397B1DCDAFULL);
}

TEST_CASE("uniform lies in (0,1] and depends on every key field", "[rng]") {
  double u = rng::uniform(7, rng::COEF, 3, 0, 1);
  CHECK(u > 0.0);
  CHECK(u <= 1.0);
  CHECK(rng::uniform(7, rng::COEF, 3, 0, 1) == u);
  CHECK(rng::uniform(8, rng::COEF, 3, 0, 1) != u);
  CHECK(rng::uniform(7, rng::INIT, 3, 0, 1) != u);
  CHECK(rng::uniform(7, rng::COEF, 4, 0, 1) != u);
  CHECK(rng::uniform(7, rng::COEF, 3, 1, 1) != u);
  CHECK(rng::uniform(7, rng::COEF, 3, 0, 2) != u);
}

TEST_CASE("uniform and normal have the right moments", "[rng]") {
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    double u = rng::uniform(1, rng::NOISE, i, 5, 0);
    double z = rng::normal(1, rng::NOISE, i, 5, 0);
    su += u, su2 += u * u, sn += z, sn2 += z * z;
  }
  CHECK(su / n == Approx(0.5).margin(0.005));
  CHECK(su2 / n - (su / n) * (su / n) == Approx(1.0 / 12).margin(0.002));
  CHECK(sn / n == Approx(0.0).margin(0.01));
  CHECK(sn2 / n == Approx(1.0).margin(0.01));
}

TEST_CASE("block partition covers every id once", "[core]") {
  for (std::int64_t n : {1, 6, 7, 100, 1001}) {
    for (int P = 1; P <= 5; ++P) {
      std::int64_t next = 0;
      for (int r = 0; r < P; ++r) {
        Block b = Block::make(n, r, P);
        CHECK(b.start == next);
        next = b.end;
        for (std::int64_t g = b.start; g < b.end; ++g) CHECK(b.owner(g) == r);
      }
      CHECK(next == n);
    }
  }
}
