// The exact QP solvers of oracle/qp.hpp and problems/pev_qp.hpp: the dense active-set method on hand-solved and
// random problems, the pev projection against that method on its 96 rows, and the pev oracle against the stacked
// dense solve.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "core/rng.hpp"
#include "oracle/qp.hpp"
#include "problems/pev_qp.hpp"

using namespace dodge;

namespace {
constexpr int kT = problems::kPevHours, kRows = problems::kPevRows;

// Owns the arrays a qp::Problem views.
struct Owned {
  int n = 0, m = 0;
  std::vector<double> h, c, A, b;
  qp::Problem view() const { return {n, m, h, c, A, b}; }
};

// The projection of z onto X as a generic QP: min ½||x||² − zᵀx over the 96 rows of X.
Owned ProjectionQp(const double *z) {
  Owned o;
  o.n = kT, o.m = kRows;
  o.h.assign(kT, 1.0), o.c.resize(kT), o.A.resize(kRows * kT), o.b.resize(kRows);
  for (int k = 0; k < kT; ++k) o.c[k] = -z[k];
  problems::PevRows(o.A.data(), o.b.data());
  return o;
}

// The stacked pev step: agent i's rows at 96i (columns 24i..24i+23), then Σ_i x_i ≤ 0.35N and −Σ_i x_i ≤ 0.35N.
Owned StackedQp(int N, const std::vector<double> &C, const std::vector<double> &R) {
  Owned o;
  o.n = kT * N, o.m = kRows * N + 2 * kT;
  o.h.resize(o.n), o.c = C, o.A.assign(static_cast<std::size_t>(o.m) * o.n, 0.0), o.b.resize(o.m);
  double A1[kRows * kT], b1[kRows];
  problems::PevRows(A1, b1);
  for (int i = 0; i < N; ++i) {
    for (int k = 0; k < kT; ++k) o.h[i * kT + k] = R[i];
    for (int r = 0; r < kRows; ++r) {
      o.b[i * kRows + r] = b1[r];
      for (int k = 0; k < kT; ++k) o.A[static_cast<std::size_t>(i * kRows + r) * o.n + i * kT + k] = A1[r * kT + k];
    }
  }
  for (int k = 0; k < kT; ++k) {
    const int up = kRows * N + k, lo = up + kT;
    o.b[up] = o.b[lo] = problems::kPevShare * N;
    for (int i = 0; i < N; ++i) {
      o.A[static_cast<std::size_t>(up) * o.n + i * kT + k] = 1;
      o.A[static_cast<std::size_t>(lo) * o.n + i * kT + k] = -1;
    }
  }
  return o;
}

// Largest violation of X's rows, computed here from the definition of X.
double Violation(const double *x) {
  double v = 0, S = 0;
  for (int k = 0; k < kT; ++k) {
    S += x[k];
    v = std::max({v, std::fabs(x[k]) - 2.0, S - 10.0, (k == kT - 1 ? 8.0 : 0.0) - S});
  }
  return v;
}

double MaxDiff(const double *a, const double *b, int n) {
  double d = 0;
  for (int j = 0; j < n; ++j) d = std::max(d, std::fabs(a[j] - b[j]));
  return d;
}

// Random pev step: C_ik = share·P_k + (1 − share)·U[0,1] with a common hourly price P, R_i ~ U[0.5, 1]. A
// common price (share > 0) makes the agents crowd the same hours, so the coupling binds.
void PevInstance(int N, double share, std::uint64_t seed, std::vector<double> &C, std::vector<double> &R) {
  C.resize(static_cast<std::size_t>(N) * kT), R.resize(N);
  for (int i = 0; i < N; ++i) {
    R[i] = rng::uniform(0.5, 1.0, seed, rng::INSTANCE, i, 0, kT);
    for (int k = 0; k < kT; ++k)
      C[i * kT + k] = share * rng::uniform(seed, rng::INSTANCE, N, 1, k) +
                      (1 - share) * rng::uniform(seed, rng::INSTANCE, i, 0, k);
  }
}
}  // namespace

TEST_CASE("the active-set QP solver solves hand-checkable problems", "[qp]") {
  std::vector<double> x(2), lam(3);
  SECTION("no rows: x = −c/h") {
    const std::vector<double> h{2.0, 4.0}, c{-1.0, 2.0};
    const auto r = qp::Solve({2, 0, h, c, {}, {}}, x, std::span<double>());
    CHECK(r.status == qp::Status::converged);
    CHECK(x[0] == Approx(0.5).epsilon(1e-15));
    CHECK(x[1] == Approx(-0.5).epsilon(1e-15));
  }
  SECTION("one active bound: min ½x² − 3x s.t. x ≤ 1 gives x = 1, λ = 2") {
    const std::vector<double> h{1.0}, c{-3.0}, A{1.0}, b{1.0};
    const auto r = qp::Solve({1, 1, h, c, A, b}, std::span<double>(x.data(), 1), std::span<double>(lam.data(), 1));
    CHECK(r.status == qp::Status::converged);
    CHECK(x[0] == Approx(1.0).epsilon(1e-14));
    CHECK(lam[0] == Approx(2.0).epsilon(1e-14));
    CHECK(r.kkt <= 1e-14);
  }
  SECTION("weighted: min x1² + ½x2² s.t. x1 + x2 ≥ 3 gives x = (1, 2), λ = 2; the slack row keeps λ = 0") {
    const std::vector<double> h{2.0, 1.0}, c{0.0, 0.0}, A{-1.0, -1.0, 1.0, 0.0}, b{-3.0, 5.0};
    const auto r = qp::Solve({2, 2, h, c, A, b}, x, std::span<double>(lam.data(), 2));
    CHECK(r.status == qp::Status::converged);
    CHECK(x[0] == Approx(1.0).epsilon(1e-14));
    CHECK(x[1] == Approx(2.0).epsilon(1e-14));
    CHECK(lam[0] == Approx(2.0).epsilon(1e-14));
    CHECK(lam[1] == 0.0);
  }
  SECTION("a vertex with a redundant row: min ½||x − (3,3)||² s.t. x1 ≤ 1, x2 ≤ 1, x1 + x2 ≤ 2") {
    const std::vector<double> h{1.0, 1.0}, c{-3.0, -3.0}, A{1, 0, 0, 1, 1, 1}, b{1.0, 1.0, 2.0};
    const qp::Problem p{2, 3, h, c, A, b};
    const auto r = qp::Solve(p, x, lam);
    CHECK(r.status == qp::Status::converged);
    CHECK(x[0] == Approx(1.0).epsilon(1e-14));
    CHECK(x[1] == Approx(1.0).epsilon(1e-14));
    // Multipliers are not unique here (λ1 + λ3 = λ2 + λ3 = 2), the KKT conditions are.
    CHECK(lam[0] + lam[2] == Approx(2.0).epsilon(1e-13));
    CHECK(lam[1] + lam[2] == Approx(2.0).epsilon(1e-13));
    CHECK(qp::KktResidual(p, x, lam) <= 1e-14);
  }
  SECTION("a row violated by 1e-8 at the unconstrained minimum is enforced: x = 1, λ = 1e-8") {
    const std::vector<double> h{1.0}, c{-(1.0 + 1e-8)}, A{1.0}, b{1.0};
    const auto r = qp::Solve({1, 1, h, c, A, b}, std::span<double>(x.data(), 1), std::span<double>(lam.data(), 1));
    CHECK(r.status == qp::Status::converged);
    CHECK(x[0] == Approx(1.0).epsilon(1e-15));
    CHECK(lam[0] == Approx(1e-8).epsilon(1e-6));
  }
  SECTION("infeasible: x ≤ 0 and x ≥ 1") {
    const std::vector<double> h{1.0}, c{0.0}, A{1.0, -1.0}, b{0.0, -1.0};
    const auto r = qp::Solve({1, 2, h, c, A, b}, std::span<double>(x.data(), 1), std::span<double>(lam.data(), 2));
    CHECK(r.status == qp::Status::infeasible);
  }
  SECTION("infeasible: x1 + x2 ≤ 1 with x1, x2 ≥ 1") {
    const std::vector<double> h{1.0, 3.0}, c{0.5, -0.5}, A{1, 1, -1, 0, 0, -1}, b{1.0, -1.0, -1.0};
    const auto r = qp::Solve({2, 3, h, c, A, b}, x, lam);
    CHECK(r.status == qp::Status::infeasible);
  }
  SECTION("infeasible: a row dependent on two active ones in 3-D (rounding must not hide it)") {
    // a1ᵀx ≥ 1, a2ᵀx ≥ 1 and (a1 + a2)ᵀx ≤ 1.5: the last normal lies in the span of the first two.
    const double a1[3] = {0.3, -1.7, 0.9}, a2[3] = {1.1, 0.4, -0.6};
    std::vector<double> h{1.0, 2.0, 0.5}, c{0.1, 0.2, -0.3}, A(9), b{-1.0, -1.0, 1.5}, x3(3);
    for (int j = 0; j < 3; ++j) A[j] = -a1[j], A[3 + j] = -a2[j], A[6 + j] = a1[j] + a2[j];
    const auto r = qp::Solve({3, 3, h, c, A, b}, x3, lam);
    CHECK(r.status == qp::Status::infeasible);
  }
  SECTION("infeasible: a zero row with b < 0") {
    const std::vector<double> h{1.0, 1.0}, c{0.0, 0.0}, A{0, 0}, b{-1e-3};
    const auto r = qp::Solve({2, 1, h, c, A, b}, x, std::span<double>(lam.data(), 1));
    CHECK(r.status == qp::Status::infeasible);
  }
  SECTION("the iteration limit is reported") {
    const std::vector<double> h{1.0, 1.0}, c{-3.0, -3.0}, A{1, 0, 0, 1}, b{1.0, 1.0};
    const auto r = qp::Solve({2, 2, h, c, A, b}, x, std::span<double>(lam.data(), 2), 1);
    CHECK(r.status == qp::Status::iteration_limit);
    CHECK(r.iterations == 1);
  }
}

TEST_CASE("the active-set QP solver meets KKT on random feasible problems", "[qp]") {
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 2 + trial % 13, m = 1 + (trial * 7) % 40;
    Owned o;
    o.n = n, o.m = m, o.h.resize(n), o.c.resize(n), o.A.resize(m * n), o.b.resize(m);
    std::vector<double> x0(n);
    auto U = [&](double lo, double hi, int b, int c) { return rng::uniform(lo, hi, 3, rng::INSTANCE, trial, b, c); };
    for (int j = 0; j < n; ++j) o.h[j] = U(0.1, 10, 0, j), o.c[j] = U(-5, 5, 1, j), x0[j] = U(-1, 1, 2, j);
    // Rows through or near x0 (every third one exactly through it: degenerate vertices), so x0 is feasible.
    for (int r = 0; r < m; ++r) {
      double ax = 0;
      for (int j = 0; j < n; ++j) o.A[r * n + j] = U(-1, 1, 3 + r, j), ax += o.A[r * n + j] * x0[j];
      o.b[r] = ax + (r % 3 == 0 ? 0.0 : U(0, 0.5, 4, r));
    }
    std::vector<double> x(n), lam(m);
    const auto res = qp::Solve(o.view(), x, lam);
    INFO("trial " << trial << " n " << n << " m " << m);
    REQUIRE(res.status == qp::Status::converged);
    CHECK(res.kkt <= 1e-9);
    CHECK(qp::KktResidual(o.view(), x, lam) == res.kkt);
    // The optimum is no worse than the known feasible point.
    double fx = 0, f0 = 0;
    for (int j = 0; j < n; ++j)
      fx += 0.5 * o.h[j] * x[j] * x[j] + o.c[j] * x[j], f0 += 0.5 * o.h[j] * x0[j] * x0[j] + o.c[j] * x0[j];
    CHECK(fx <= f0 + 1e-12 * (1 + std::fabs(f0)));
  }
}

TEST_CASE("KktResidual detects each violated condition", "[qp]") {
  // min ½x² − 3x s.t. x ≤ 1: the optimum (1, 2) has residual 0; each perturbation shows in its own term.
  const std::vector<double> h{1.0}, c{-3.0}, A{1.0}, b{1.0};
  const qp::Problem p{1, 1, h, c, A, b};
  auto K = [&](double x, double l) {
    return qp::KktResidual(p, std::span<const double>(&x, 1), std::span<const double>(&l, 1));
  };
  CHECK(K(1.0, 2.0) == 0.0);
  CHECK(K(1.0, 2.5) == Approx(0.5 / 6.5));  // stationarity: |1 − 3 + 2.5| / (1 + 3 + 2.5)
  CHECK(K(1.2, 1.8) == Approx(0.2 / 2.2));  // infeasible (0.2 / (1.2 + 1)) and not complementary (the same)
  CHECK(K(0.0, 3.0) == Approx(1.0));        // complementarity: |3 · (0 − 1)| / (3 · (0 + 1))
  CHECK(K(3.0, 0.0) == Approx(0.5));        // infeasible: (3 − 1) / (3 + 1)
  CHECK(K(1.0, -0.5) >= 0.5);               // negative multiplier
}

TEST_CASE("PevProject agrees with the generic solve on its 96 rows", "[qp]") {
  // Which rows bind at the reference solution: the box alone, the final bound (S_24 = 8 or 10) with the box,
  // or some intermediate S_k: the three ways PevProject can finish (clipping, one shift, the DP).
  int box_only = 0, final_only = 0, intermediate = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    double z[kT], x[kT], lam[kRows];
    // Three kinds of points: uniform on [−3, 3]^24, far outside (scale 50), and near X (a feasible-ish
    // profile plus a small step, as the algorithms produce).
    const int kind = trial % 3;
    for (int k = 0; k < kT; ++k) {
      const double u = rng::uniform(-1, 1, 11, rng::INSTANCE, trial, 0, k);
      z[k] = kind == 0 ? 3 * u : kind == 1 ? 50 * u : 0.35 + 0.3 * u;
    }
    problems::PevProject(z, x, lam);
    const Owned o = ProjectionQp(z);
    std::vector<double> xg(kT), lg(kRows);
    const auto r = qp::Solve(o.view(), xg, lg);
    INFO("trial " << trial);
    REQUIRE(r.status == qp::Status::converged);
    CHECK(r.kkt <= 1e-9);
    CHECK(MaxDiff(x, xg.data(), kT) <= 1e-9);
    CHECK(Violation(x) <= 1e-10);
    CHECK(qp::KktResidual(o.view(), std::span<const double>(x, kT), std::span<const double>(lam, kRows)) <= 1e-9);
    bool mid = false, last = lg[3 * kT - 1] > 1e-9 || lg[4 * kT - 1] > 1e-9;
    for (int k = 0; k + 1 < kT; ++k) mid = mid || lg[2 * kT + k] > 1e-9 || lg[3 * kT + k] > 1e-9;
    intermediate += mid, final_only += last && !mid, box_only += !last && !mid;
    // PevProject without multipliers is the same computation.
    double x2[kT];
    problems::PevProject(z, x2);
    CHECK(std::equal(x, x + kT, x2));
  }
  CHECK(box_only > 100);
  CHECK(final_only > 300);
  CHECK(intermediate > 1000);
}

TEST_CASE("PevProject keeps points of X, is idempotent and deterministic", "[qp]") {
  int inside = 0;
  for (int trial = 0; trial < 500; ++trial) {
    double z[kT], x[kT], xx[kT], again[kT];
    for (int k = 0; k < kT; ++k) z[k] = 0.375 + rng::uniform(-0.25, 0.25, 12, rng::INSTANCE, trial, 0, k);
    if (Violation(z) <= 0) {
      ++inside;
      problems::PevProject(z, x);
      CHECK(std::equal(x, x + kT, z));
    }
    // Idempotence and determinism on a point far from X.
    for (int k = 0; k < kT; ++k) z[k] = rng::uniform(-6, 6, 13, rng::INSTANCE, trial, 0, k);
    problems::PevProject(z, x);
    problems::PevProject(x, xx);
    CHECK(MaxDiff(x, xx, kT) <= 1e-13);
    problems::PevProject(z, again);
    CHECK(std::equal(x, x + kT, again));
  }
  CHECK(inside > 250);
}

TEST_CASE("PevProject at the extremes of X", "[qp]") {
  double z[kT], x[kT];
  // Everything pushed up: S_24 ≤ 10 binds and the equal pulls spread it evenly, x_k = 10/24.
  std::fill(z, z + kT, 50.0);
  problems::PevProject(z, x);
  for (int k = 0; k < kT; ++k) CHECK(x[k] == Approx(10.0 / 24).epsilon(1e-13));
  // Everything pushed down: the least energy S_24 = 8, spread evenly.
  std::fill(z, z + kT, -50.0);
  problems::PevProject(z, x);
  for (int k = 0; k < kT; ++k) CHECK(x[k] == Approx(8.0 / 24).epsilon(1e-13));
  // Discharge wanted early, charge late: S_k ≥ 0 binds early, the rate limit late.
  for (int k = 0; k < kT; ++k) z[k] = k < 12 ? -5.0 : 5.0;
  problems::PevProject(z, x);
  for (int k = 0; k < 12; ++k) CHECK(std::fabs(x[k]) <= 1e-14);
  for (int k = 12; k < kT; ++k) CHECK(x[k] == Approx(10.0 / 12).epsilon(1e-13));
}

TEST_CASE("PevOracle matches the stacked active-set solve", "[qp]") {
  for (const auto &[N, share, seed] : {std::tuple{10, 0.6, 1}, std::tuple{10, 0.0, 2}, std::tuple{37, 0.6, 3},
                                       std::tuple{37, 0.3, 4}}) {
    std::vector<double> C, R;
    PevInstance(N, share, seed, C, R);
    std::vector<double> x(N * kT), lam(2 * kT), local(N * kRows);
    const auto res = problems::PevOracle(N, C, R, x, lam, local);
    INFO("N " << N << " share " << share << " iterations " << res.iterations);
    REQUIRE(res.status == qp::Status::converged);
    CHECK(res.kkt <= 1e-9);
    // The coupling binds in these instances (otherwise this would not test it).
    CHECK(*std::max_element(lam.begin(), lam.end()) > 1e-3);
    // KKT of the stacked problem from the dense matrix: all multipliers, the local ones included.
    const Owned o = StackedQp(N, C, R);
    std::vector<double> all(local);
    all.insert(all.end(), lam.begin(), lam.end());
    const double kkt_dense = qp::KktResidual(o.view(), x, all);
    CHECK(kkt_dense <= 1e-9);
    CHECK(problems::PevKktResidual(N, C, R, x, lam, local) == Approx(kkt_dense).margin(1e-15));
    // Coupling multipliers: non-negative, complementary, and one of each pair zero.
    for (int k = 0; k < kT; ++k) {
      double X = 0;
      for (int i = 0; i < N; ++i) X += x[i * kT + k];
      CHECK(lam[k] >= 0);
      CHECK(lam[kT + k] >= 0);
      CHECK(lam[k] * lam[kT + k] == 0);
      CHECK(std::fabs(X) <= 0.35 * N * (1 + 1e-12));
      CHECK(lam[k] * (0.35 * N - X) <= 1e-9 * N);
      CHECK(lam[kT + k] * (0.35 * N + X) <= 1e-9 * N);
    }
    // The dense solver reaches the same optimum (strict convexity: x* is unique).
    std::vector<double> xg(o.n), lg(o.m);
    const auto rg = qp::Solve(o.view(), xg, lg);
    REQUIRE(rg.status == qp::Status::converged);
    CHECK(rg.kkt <= 1e-9);
    CHECK(MaxDiff(x.data(), xg.data(), o.n) <= 1e-8);
  }
}

TEST_CASE("PevKktResidual equals the dense residual away from the optimum", "[qp]") {
  const int N = 6;
  std::vector<double> C, R;
  PevInstance(N, 0.5, 9, C, R);
  std::vector<double> x0(N * kT), lam0(2 * kT), local0(N * kRows);
  problems::PevOracle(N, C, R, x0, lam0, local0);
  const Owned o = StackedQp(N, C, R);
  auto U = [](double lo, double hi, std::size_t j, int what) {
    return rng::uniform(lo, hi, 9, rng::INSTANCE, j, what, 0);
  };
  // Each perturbation of the optimum exposes other terms: the costs alone (stationarity only: x and λ stay
  // optimal for the old data), x alone, the multipliers alone, everything.
  for (int what = 0; what < 4; ++what) {
    Owned p = o;
    std::vector<double> x(x0), lam(lam0), local(local0), Cp(C), Rp(R);
    if (what == 0) {
      for (std::size_t j = 0; j < Cp.size(); j += 7) Cp[j] += U(-1e-3, 1e-3, j, 1);
      for (int i = 0; i < N; ++i) Rp[i] *= 1 + U(-1e-4, 1e-4, i, 2);
      p.c = Cp;
      for (int i = 0; i < N; ++i) std::fill(p.h.begin() + i * kT, p.h.begin() + (i + 1) * kT, Rp[i]);
    }
    if (what == 1 || what == 3)
      for (std::size_t j = 0; j < x.size(); ++j) x[j] += U(-0.3, 0.3, j, 3);
    if (what == 2 || what == 3) {
      for (std::size_t j = 0; j < local.size(); ++j) local[j] += U(-0.1, 0.2, j, 4);
      for (std::size_t j = 0; j < lam.size(); ++j) lam[j] += U(-0.1, 0.2, j, 5);
    }
    std::vector<double> all(local);
    all.insert(all.end(), lam.begin(), lam.end());
    const double dense = qp::KktResidual(p.view(), x, all);
    INFO("perturbation " << what);
    CHECK(dense > 1e-6);
    CHECK(problems::PevKktResidual(N, Cp, Rp, x, lam, local) == Approx(dense).epsilon(1e-12));
  }
}

TEST_CASE("PevOracle converges on hard instances", "[qp]") {
  // Few agents, identical or widely spread prices, large and negative costs: full Newton steps alone cycle
  // on many of these; the line search must bring every one to the optimum.
  for (int trial = 0; trial < 200; ++trial) {
    const int N = 1 + trial % 17;
    const double share = (trial % 5) * 0.25, scale = trial % 3 == 0 ? 5.0 : 1.0, offset = trial % 7 == 0 ? 2.0 : 0.0;
    std::vector<double> C(N * kT), R(N), x(N * kT), lam(2 * kT);
    for (int i = 0; i < N; ++i) {
      R[i] = rng::uniform(0.5, 1.0, 77, rng::INSTANCE, trial, i, 99);
      for (int k = 0; k < kT; ++k)
        C[i * kT + k] = scale * (share * rng::uniform(77, rng::INSTANCE, trial, 1000, k) +
                                 (1 - share) * rng::uniform(77, rng::INSTANCE, trial, i, k) - offset);
    }
    const auto res = problems::PevOracle(N, C, R, x, lam);
    INFO("trial " << trial << " N " << N << " iterations " << res.iterations);
    CHECK(res.status == qp::Status::converged);
    CHECK(res.kkt <= 1e-9);
  }
}

TEST_CASE("PevOracle leaves a slack coupling alone", "[qp]") {
  // Flat prices: each agent alone charges the least energy evenly, x_i ≈ 1/3 < 0.35 every hour.
  const int N = 10;
  std::vector<double> C(N * kT), R(N), x(N * kT), lam(2 * kT);
  for (int i = 0; i < N; ++i) {
    R[i] = rng::uniform(0.5, 1.0, 21, rng::INSTANCE, i, 0, kT);
    const double base = rng::uniform(21, rng::INSTANCE, i, 1, 0);
    for (int k = 0; k < kT; ++k) C[i * kT + k] = base + rng::uniform(0, 0.005, 21, rng::INSTANCE, i, 0, k);
  }
  // Each agent's own optimum, and a check that together they meet the coupling.
  std::vector<double> own(N * kT);
  for (int i = 0; i < N; ++i) {
    double z[kT];
    for (int k = 0; k < kT; ++k) z[k] = -C[i * kT + k] / R[i];
    problems::PevProject(z, &own[i * kT]);
  }
  for (int k = 0; k < kT; ++k) {
    double X = 0;
    for (int i = 0; i < N; ++i) X += own[i * kT + k];
    REQUIRE(std::fabs(X) < 0.35 * N);
  }
  const auto res = problems::PevOracle(N, C, R, x, lam);
  CHECK(res.status == qp::Status::converged);
  CHECK(res.iterations == 0);
  CHECK(res.kkt <= 1e-9);
  CHECK(std::all_of(lam.begin(), lam.end(), [](double l) { return l == 0.0; }));
  CHECK(std::equal(x.begin(), x.end(), own.begin()));
}

TEST_CASE("PevOracle scales to many agents with an exact answer", "[qp]") {
  const int N = 1000;
  std::vector<double> C, R;
  PevInstance(N, 0.5, 31, C, R);
  std::vector<double> x(N * kT), lam(2 * kT), x2(N * kT), lam2(2 * kT);
  const auto res = problems::PevOracle(N, C, R, x, lam);
  INFO("iterations " << res.iterations);
  REQUIRE(res.status == qp::Status::converged);
  CHECK(res.kkt <= 1e-9);
  CHECK(*std::max_element(lam.begin(), lam.end()) > 1e-3);
  // Deterministic: the same input gives the same bits.
  problems::PevOracle(N, C, R, x2, lam2);
  CHECK(x == x2);
  CHECK(lam == lam2);
}
