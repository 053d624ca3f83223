// pdct on dispatch at 1-4 ranks: the tracking invariant, feasibility of the iterates, the multiplier bound
// (algorithms.md §8.1, §15.1-2) and equality with the centralized (3.2)-(3.3) on the complete graph (§15.4).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "comm/exchange.hpp"
#include "graph/graph.hpp"
#include "metrics/metrics.hpp"
#include "mpi_check.hpp"
#include "oracle/oracle.hpp"
#include "problems/problem.hpp"
#include "run_setup.hpp"

using namespace dodge;

namespace {

using test::ScopedOptions;

using Run = test::RunObjects;

PetscErrorCode Build(std::int64_t n, std::int64_t T, Run *r) { return test::SetupRun("dispatch", "pdct", n, T, r); }

}  // namespace

TEST_CASE("pdct tracks the constraint sum and keeps its iterates feasible and bounded", "[pdct][mpi]") {
  for (const char *family : {"switching3", "erdos_renyi", "ring"}) {
    ScopedOptions opts{{"-graph_family", family}, {"-graph_link_failure", "0.2"}, {"-pdct_kappa", "n"}};
    const std::int64_t n = 23, T = 400;
    Run r;
    REQUIRE(Build(n, T, &r) == 0);
    const std::int64_t nloc = r.block.local();
    std::vector<std::int64_t> all(nloc);
    for (std::int64_t i = 0; i < nloc; ++i) all[i] = i;
    std::vector<double> x(nloc), mu(nloc), y(nloc), cprev(nloc);
    bool ok_track = true, ok_box = true, ok_bound = true;
    double worst_track = 0, yhat_max = 0;  // max_{s<=t, j} |ŷ_{j,s}|, rebuilt from y_{s+1} - (c_{s+1} - c_s)
    const double beta0 = 1.0, pb = 0.2, kappa = static_cast<double>(n);
    for (std::int64_t t = 1; t <= T; ++t) {
      problems::ScalarKernel kernel;
      REQUIRE(r.problem->BeginStep(t, &kernel) == 0);
      algorithms::StepContext ctx;
      ctx.t = t, ctx.kernel = &kernel;
      r.observer.BeginStep(t, true, false, 0.0, nullptr, false);
      ctx.observer = &r.observer;
      const metrics::Partials &p = r.observer.partials();
      ctx.record_local = &all;
      ctx.record = {x.data(), mu.data(), y.data()};
      REQUIRE(r.algorithm->Step(ctx) == 0);
      const double sum_y = p.v[metrics::Partials::Y], sum_c = p.v[metrics::Partials::C];
      const double err = std::fabs(sum_y - sum_c), tol = 1e-12 * t * (1 + p.v[metrics::Partials::CABS]);
      worst_track = std::max(worst_track, err / tol);
      ok_track = ok_track && err <= tol;
      const auto &k = std::get<problems::DispatchKernel>(kernel);
      double local_yhat = 0;
      for (std::int64_t i = 0; i < nloc; ++i) {
        ok_box = ok_box && x[i] >= 0 && x[i] <= k.hi(i) && mu[i] >= 0;
        const double c = k.g(i, x[i]);
        if (t >= 2) local_yhat = std::max(local_yhat, std::fabs(y[i] - (c - cprev[i])));  // ŷ_{i,t-1}
        cprev[i] = c;
      }
      // Bound of §8.1 for μ_{i,t} (recorded at t): κ max_{s<=t-1, j} |ŷ_{j,s}| / β_{t-1}.
      if (t >= 2) {
        double m = 0;
        for (std::int64_t i = 0; i < nloc; ++i) m = std::max(m, mu[i]);
        double g[2] = {m, local_yhat};
        REQUIRE(comm::AllreduceMax(PETSC_COMM_WORLD, g, 2) == 0);
        yhat_max = std::max(yhat_max, g[1]);
        const double bound = kappa * yhat_max / (beta0 / std::pow(static_cast<double>(t - 1), pb));
        ok_bound = ok_bound && g[0] <= bound * (1 + 1e-12) + 1e-14;
      }
    }
    INFO(family << ": worst tracking error / tolerance = " << worst_track);
    REQUIRE(test::all_ranks(ok_track));
    REQUIRE(test::all_ranks(ok_box));
    REQUIRE(test::all_ranks(ok_bound));
  }
}

TEST_CASE("pdct on the complete graph with kappa_N = n equals the centralized primal-dual (3.2)-(3.3)",
          "[pdct][mpi]") {
  ScopedOptions opts{{"-graph_family", "complete"}, {"-pdct_kappa", "n"}, {"-pdct_init", "random"}};
  const std::int64_t n = 12, T = 300;
  Run r;
  REQUIRE(Build(n, T, &r) == 0);
  const std::int64_t nloc = r.block.local();
  std::vector<std::int64_t> all(nloc);
  for (std::int64_t i = 0; i < nloc; ++i) all[i] = i;
  std::vector<double> x(nloc), mu(nloc), y(nloc), xr(nloc);
  double mur = 0, worst = 0, mur_max = 0, x_moved = 0;
  bool ok = true;
  for (std::int64_t t = 1; t <= T; ++t) {
    problems::ScalarKernel kernel;
    REQUIRE(r.problem->BeginStep(t, &kernel) == 0);
    algorithms::StepContext ctx;
    ctx.t = t, ctx.kernel = &kernel;
    ctx.record_local = &all;
    ctx.record = {x.data(), mu.data(), y.data()};
    REQUIRE(r.algorithm->Step(ctx) == 0);
    const auto &k = std::get<problems::DispatchKernel>(kernel);
    if (t == 1) xr = x;  // same initial point
    for (std::int64_t i = 0; i < nloc; ++i) {
      worst = std::max({worst, std::fabs(x[i] - xr[i]), std::fabs(mu[i] - mur)});
      ok = ok && std::fabs(x[i] - xr[i]) <= 1e-12 * std::max(1.0, std::fabs(xr[i])) &&
           std::fabs(mu[i] - mur) <= 1e-12 * std::max(1.0, mur);
    }
    // Centralized step with the global Σ_i g_i(x_{i,t}) (S2: α = γ = 1/√t, β = 1/t^0.2).
    const double alpha = 1 / std::sqrt(static_cast<double>(t)), beta = 1 / std::pow(static_cast<double>(t), 0.2);
    double gsum = 0;
    for (std::int64_t i = 0; i < nloc; ++i) gsum += k.g(i, xr[i]);
    REQUIRE(comm::AllreduceSum(PETSC_COMM_WORLD, &gsum, 1) == 0);
    for (std::int64_t i = 0; i < nloc; ++i) xr[i] = k.project(i, xr[i] - alpha * (k.grad(i, xr[i]) + k.jac(i, xr[i]) * mur));
    mur = std::max(0.0, mur + alpha * (gsum - beta * mur));
    mur_max = std::max(mur_max, mur);
    if (t > 1)
      for (std::int64_t i = 0; i < nloc; ++i) x_moved = std::max(x_moved, std::fabs(x[i] - x[0]));
  }
  INFO("largest difference from the centralized iteration: " << worst);
  REQUIRE(test::all_ranks(ok));
  // The comparison exercised both updates: the centralized multiplier left 0 (the dual step and the
  // constraint coupling were compared, not only a clipped zero) and the decisions were not all equal.
  INFO("largest centralized multiplier: " << mur_max << ", spread of x: " << x_moved);
  REQUIRE(mur_max > 0);
  REQUIRE(test::all_ranks(x_moved > 0));
}

// Without metrics there is no fused reduction: a Pass notes whether a decision, constraint value or multiplier
// was inf or NaN, and the signal flag's reduction tells every rank (the run then fails, issue 15). Huge finite
// values are not flagged (no sum of them can overflow the check).
TEST_CASE("without metrics a non-finite state on one rank is seen on every rank", "[observer][mpi]") {
  const std::int64_t n = 13, T = 10;
  Run r;
  REQUIRE(Build(n, T, &r) == 0);
  const std::int64_t nloc = r.block.local();
  const bool last = test::world_rank() == test::world_size() - 1;
  for (std::int64_t t = 1; t <= 4; ++t) {  // the algorithm's own steps: nothing is flagged
    problems::ScalarKernel kernel;
    REQUIRE(r.problem->BeginStep(t, &kernel) == 0);
    algorithms::StepContext ctx;
    ctx.t = t, ctx.kernel = &kernel;
    r.observer.BeginStep(t, false, false, 0.0, nullptr, false);
    ctx.observer = &r.observer;
    REQUIRE(r.algorithm->Step(ctx) == 0);
    bool sig = true;
    REQUIRE(r.observer.Signalled(PETSC_COMM_WORLD, false, &sig) == 0);
    CHECK(!sig);
    CHECK(!r.observer.nonfinite());
  }
  struct Case { double x, c, mu; bool flagged; };
  for (const Case &cs : {Case{NAN, 0, 0, true}, Case{0, INFINITY, 0, true}, Case{0, 0, -INFINITY, true},
                         Case{1e308, -1e308, 1e308, false}}) {
    for (bool signal : {false, true}) {
      const std::int64_t t = 5;
      problems::ScalarKernel kernel;
      REQUIRE(r.problem->BeginStep(t, &kernel) == 0);
      r.observer.BeginStep(t, false, false, 0.0, nullptr, false);
      r.observer.Pass(std::get<problems::DispatchKernel>(kernel), nloc, [&](std::int64_t i, auto &&sink) {
        if (last && i == nloc - 1) sink(cs.x, cs.c, cs.mu, 0.0);
        else sink(0.5, 0.1, 0.2, 0.3);
      });
      bool sig = false;
      REQUIRE(r.observer.Signalled(PETSC_COMM_WORLD, signal && test::world_rank() == 0, &sig) == 0);
      INFO("x " << cs.x << " c " << cs.c << " mu " << cs.mu << " signal " << signal);
      CHECK(r.observer.nonfinite() == cs.flagged);
      CHECK(sig == (signal && !cs.flagged));  // a failing step is never checkpointed
    }
  }
}
