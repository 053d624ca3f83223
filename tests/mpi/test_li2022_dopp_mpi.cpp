// li2022 and dopp on dispatch at 1-4 ranks (algorithms.md §8.2, §8.3, §15.1-3): dopp equals pdct on doubly
// stochastic weights, push-sum weights are column stochastic on directed graphs and dopp tracks Σ_i g_i there,
// li2022 stays feasible and its G matches a brute-force recomputation, and the pdct-vs-li2022 comparison of
// §14 Z3 on the synthetic microgrid, with the measured numbers reported.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "test_errors.hpp"
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

std::string Fixture(const char *name) {
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "graphs" / name).string();
}

using dodge::test::Quietly;

using Run = test::RunObjects;

// The driver's setup order, the algorithm's graph hook included.
PetscErrorCode Build(const char *algorithm, std::int64_t n, std::int64_t T, Run *r) {
  return test::SetupRun("dispatch", algorithm, n, T, r);
}

// One step with every local agent recorded into `fields` (one vector per agent field) and metrics partials.
struct Stepper {
  Run &r;
  std::vector<std::int64_t> all;
  std::vector<std::vector<double>> fields;
  problems::ScalarKernel kernel;
  double messages = 0, bytes = 0;
  explicit Stepper(Run &run) : r(run) {
    const std::int64_t nloc = r.block.local();
    for (std::int64_t i = 0; i < nloc; ++i) all.push_back(i);
    fields.assign(r.algorithm->agent_fields().size(), std::vector<double>(nloc));
  }
  PetscErrorCode Step(std::int64_t t) {
    PetscFunctionBeginUser;
    PetscCall(r.problem->BeginStep(t, &kernel));
    algorithms::StepContext ctx;
    ctx.t = t, ctx.kernel = &kernel;
    r.observer.BeginStep(t, true, false, 0.0, nullptr, false);
    ctx.observer = &r.observer;
    ctx.record_local = &all;
    for (auto &f : fields) ctx.record.push_back(f.data());
    PetscCall(r.algorithm->Step(ctx));
    messages = ctx.messages, bytes = ctx.bytes;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
};

bool Close(double a, double b, double tol = 1e-12) { return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(a)); }

// G from li2022's description ("G = <%.17g>").
double DescribedG(const algorithms::Algorithm &a) {
  const std::string d = a.describe();
  const std::size_t k = d.find("G = ");
  return k == std::string::npos ? NAN : std::strtod(d.c_str() + k + 4, nullptr);
}

}  // namespace

TEST_CASE("dopp equals pdct on doubly stochastic weights (psi = 1)", "[dopp][mpi]") {
  struct Case {
    const char *family, *q, *source;
  };
  for (const Case c : {Case{"switching3", "0", "aemo"}, Case{"switching3", "0.2", "aemo"}, Case{"erdos_renyi", "0.2", "aemo"},
                       Case{"erdos_renyi", "0.2", "synthetic"}}) {
    ScopedOptions opts{{"-graph_family", c.family}, {"-graph_link_failure", c.q}, {"-graph_weights", "metropolis"},
                       {"-dispatch_source", c.source}, {"-pdct_kappa", "n"}, {"-dopp_kappa", "n"}};
    const std::int64_t n = 23, T = 400;
    Run rp, rd;
    REQUIRE(test::all_ranks(Build("pdct", n, T, &rp) == 0));
    REQUIRE(test::all_ranks(Build("dopp", n, T, &rd) == 0));
    REQUIRE(rd.graphs.weights == graph::WeightKind::metropolis);  // the explicit -graph_weights wins
    Stepper sp(rp), sd(rd);
    REQUIRE(sd.fields.size() == 4);
    bool ok = true, msgs = true;
    double worst = 0, worst_psi = 0;
    for (std::int64_t t = 1; t <= T; ++t) {
      REQUIRE(sp.Step(t) == 0);
      REQUIRE(sd.Step(t) == 0);
      for (std::int64_t i = 0; i < rp.block.local(); ++i) {
        for (int f = 0; f < 3; ++f) {
          const double a = sp.fields[f][i], b = sd.fields[f][i];
          worst = std::max(worst, std::fabs(a - b) / std::max(1.0, std::fabs(a)));
          ok = ok && Close(a, b);
        }
        worst_psi = std::max(worst_psi, std::fabs(sd.fields[3][i] - 1.0));
        ok = ok && std::fabs(sd.fields[3][i] - 1.0) <= 1e-12;
      }
      // Same logical messages; dopp sends 3 doubles where pdct sends 2.
      msgs = msgs && sp.messages == sd.messages && sd.bytes == sd.messages * 24 && sp.bytes == sp.messages * 16;
    }
    INFO(c.family << " q = " << c.q << " (" << c.source << "): largest relative difference " << worst << ", max |psi - 1| "
                  << worst_psi);
    REQUIRE(test::all_ranks(ok));
    REQUIRE(test::all_ranks(msgs));
  }
}

TEST_CASE("dopp's out-degree weights are column stochastic and positive on directed graphs", "[dopp][mpi]") {
  for (const char *family : {"ring_directed", "erdos_renyi_directed"})
    for (const char *q : {"0", "0.3"}) {
      ScopedOptions opts{{"-graph_family", family}, {"-graph_link_failure", q}};
      const std::int64_t n = 17;
      Run r;
      REQUIRE(test::all_ranks(Build("dopp", n, 50, &r) == 0));
      const graph::LocalGraphs &g = r.graphs;
      REQUIRE(g.directed);
      REQUIRE(g.weights == graph::WeightKind::outdegree);
      const std::int64_t nloc = r.block.local(), ng = static_cast<std::int64_t>(g.ghosts.size());
      std::unique_ptr<comm::Exchange> ex;
      REQUIRE(comm::Exchange::Create(PETSC_COMM_WORLD, r.block, g.ghosts, &ex) == 0);
      std::vector<double> deg(nloc + ng), w;
      bool ok = true;
      double worst = 0;
      for (std::int64_t t = 1; t <= 20; ++t) {
        const graph::Mixing &m = g.graphs[g.which(t)];
        g.surviving_degrees(t, deg.data());
        REQUIRE(ex->Begin(std::span<const double>(deg.data(), nloc), std::span<double>(deg.data() + nloc, ng), 1) == 0);
        REQUIRE(ex->End() == 0);
        w.resize(m.w.size());
        g.failure_weights(t, deg.data(), w.data());
        std::vector<double> colsum(n, 0.0);
        for (std::int64_t i = 0; i < nloc; ++i)
          for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
            colsum[m.gid[e]] += w[e];
            const bool up = m.edge[e] < 0 || g.edge_up(m.edge[e], t);
            ok = ok && (up ? w[e] > 0 : w[e] == 0);  // positive on the self entry and every surviving edge
          }
        REQUIRE(comm::AllreduceSum(PETSC_COMM_WORLD, colsum.data(), static_cast<int>(n)) == 0);
        for (double s : colsum) worst = std::max(worst, std::fabs(s - 1.0)), ok = ok && std::fabs(s - 1.0) <= 1e-12;
      }
      INFO(family << " q = " << q << ": max |column sum - 1| = " << worst);
      REQUIRE(test::all_ranks(ok));
    }
}

TEST_CASE("dopp tracks the constraint sum on directed graphs and keeps its iterates feasible", "[dopp][mpi]") {
  for (const char *family : {"ring_directed", "erdos_renyi_directed"})
    for (const char *q : {"0", "0.2"})
      for (const char *source : {"aemo", "synthetic"}) {
        ScopedOptions opts{{"-graph_family", family}, {"-graph_link_failure", q}, {"-dispatch_source", source}};
        const std::int64_t n = 19, T = 400;
        Run r;
        REQUIRE(test::all_ranks(Build("dopp", n, T, &r) == 0));
        Stepper s(r);
        bool ok_track = true, ok_box = true, ok_msgs = true;
        double worst = 0;
        for (std::int64_t t = 1; t <= T; ++t) {
          REQUIRE(s.Step(t) == 0);
          const auto &p = s.r.observer.partials();
          const double sum_y = p.v[metrics::Partials::Y], sum_c = p.v[metrics::Partials::C];
          const double err = std::fabs(sum_y - sum_c), tol = 1e-12 * t * (1 + p.v[metrics::Partials::CABS]);
          worst = std::max(worst, err / tol);
          ok_track = ok_track && err <= tol;
          problems::ScalarKernel &k = s.kernel;
          std::visit(
              [&](const auto &kk) {
                for (std::int64_t i = 0; i < r.block.local(); ++i) {
                  const double x = s.fields[0][i];
                  ok_box = ok_box && x >= kk.lo(i) && x <= kk.hi(i) && s.fields[1][i] >= 0 && s.fields[3][i] > 0;
                }
              },
              k);
          ok_msgs = ok_msgs && s.bytes == s.messages * 24 && s.messages >= 0;
          if (std::string(q) == "0" && std::string(family) == "ring_directed") ok_msgs = ok_msgs && s.messages == n;
        }
        INFO(family << " q = " << q << " (" << source << "): worst tracking error / tolerance = " << worst);
        REQUIRE(test::all_ranks(ok_track));
        REQUIRE(test::all_ranks(ok_box));
        REQUIRE(test::all_ranks(ok_msgs));
      }
}

TEST_CASE("dopp and li2022 run on a directed edge list with doubly stochastic file weights", "[dopp][li2022][mpi]") {
  const std::string edges = Fixture("directed_cycle5.txt"), weights = Fixture("cycle5_weights.txt");
  ScopedOptions opts{{"-graph_family", "file"}, {"-graph_files", edges.c_str()}, {"-graph_directed", "true"},
                     {"-graph_weight_file", weights.c_str()}};
  for (const char *alg : {"dopp", "li2022"}) {
    Run r;
    REQUIRE(test::all_ranks(Build(alg, 5, 200, &r) == 0));
    REQUIRE(r.graphs.weights == graph::WeightKind::file);
    Stepper s(r);
    bool ok = true;
    for (std::int64_t t = 1; t <= 200; ++t) {
      REQUIRE(s.Step(t) == 0);
      for (std::int64_t i = 0; i < r.block.local(); ++i) ok = ok && s.fields[1][i] >= 0 && std::isfinite(s.fields[0][i]);
      // Doubly stochastic: ψ stays 1 up to rounding.
      if (s.fields.size() == 4)
        for (std::int64_t i = 0; i < r.block.local(); ++i) ok = ok && std::fabs(s.fields[3][i] - 1.0) <= 1e-12;
    }
    INFO(alg);
    REQUIRE(test::all_ranks(ok));
  }
}

TEST_CASE("li2022 rejects weights that are not doubly stochastic", "[li2022][mpi]") {
  {
    // Metropolis on a directed graph: the graph module's message names li2022's way out.
    ScopedOptions opts{{"-graph_family", "ring_directed"}};
    Run r;
    REQUIRE(test::all_ranks(Quietly([&] { return Build("li2022", 7, 10, &r); }) != 0));
  }
  {
    ScopedOptions opts{{"-graph_family", "ring"}, {"-graph_weights", "outdegree"}};
    Run r;
    REQUIRE(test::all_ranks(Quietly([&] { return Build("li2022", 7, 10, &r); }) != 0));
  }
  {
    // Rows sum to 1 but a column does not: li2022 asks the graph module for the column check.
    const std::string edges = Fixture("directed_cycle5.txt"), weights = Fixture("cycle5_weights_rows_only.txt");
    ScopedOptions opts{{"-graph_family", "file"}, {"-graph_files", edges.c_str()}, {"-graph_directed", "true"},
                       {"-graph_weight_file", weights.c_str()}};
    Run r;
    REQUIRE(test::all_ranks(Quietly([&] { return Build("li2022", 5, 10, &r); }) != 0));
  }
  {
    // The same on an undirected ring, where the algorithm's ConfigureGraph asks for the column check.
    const std::string weights = Fixture("ring4_weights_rows_only.txt");
    ScopedOptions opts{{"-graph_family", "ring"}, {"-graph_weight_file", weights.c_str()}};
    Run r;
    REQUIRE(test::all_ranks(Quietly([&] { return Build("li2022", 4, 10, &r); }) != 0));
    Run rp;  // pdct needs doubly stochastic weights as well
    REQUIRE(test::all_ranks(Quietly([&] { return Build("pdct", 4, 10, &rp); }) != 0));
  }
}

TEST_CASE("li2022 keeps its iterates feasible and its G equals a brute-force bound", "[li2022][mpi]") {
  struct Case {
    const char *family, *q, *source;
    std::int64_t n, T;
  };
  for (const Case c : {Case{"switching3", "0", "aemo", 23, 600}, Case{"ring", "0.2", "aemo", 23, 600},
                       Case{"switching3", "0", "synthetic", 6, 1000}, Case{"erdos_renyi", "0.2", "synthetic", 11, 500}}) {
    ScopedOptions opts{{"-graph_family", c.family}, {"-graph_link_failure", c.q}, {"-dispatch_source", c.source}};
    Run r;
    REQUIRE(test::all_ranks(Build("li2022", c.n, c.T, &r) == 0));
    const double G = DescribedG(*r.algorithm);
    Stepper s(r);
    REQUIRE(s.fields.size() == 3);
    // Brute force: |∇f| + |J| on a grid of 1001 points of every X_i (endpoints included), every step.
    double Gbf = 0;
    bool ok = true, ok_msgs = true;
    for (std::int64_t t = 1; t <= c.T; ++t) {
      REQUIRE(s.Step(t) == 0);
      std::visit(
          [&](const auto &k) {
            for (std::int64_t i = 0; i < r.block.local(); ++i) {
              const double lo = k.lo(i), hi = k.hi(i);
              for (int q = 0; q <= 1000; ++q) {
                const double x = q == 1000 ? hi : lo + (hi - lo) * (q / 1000.0);
                Gbf = std::max(Gbf, std::fabs(k.grad(i, x)) + std::fabs(k.jac(i, x)));
              }
              const double x = s.fields[0][i];
              ok = ok && x >= lo && x <= hi && s.fields[1][i] >= 0 && s.fields[2][i] == k.g(i, x);  // y = c_{i,t}
            }
          },
          s.kernel);
      ok_msgs = ok_msgs && s.bytes == s.messages * 8;
    }
    REQUIRE(comm::AllreduceMax(PETSC_COMM_WORLD, &Gbf, 1) == 0);
    INFO(c.family << " q = " << c.q << " (" << c.source << "): G = " << G << ", brute force " << Gbf);
    REQUIRE(test::all_ranks(ok));
    REQUIRE(test::all_ranks(ok_msgs));
    REQUIRE(std::isfinite(G));
    REQUIRE(std::fabs(G - Gbf) <= 1e-12 * G);
  }
}

namespace {

// Reg(t)/t, Vio(t)/t and Vio⁺(t)/t at the given steps of one run with the oracle, as the driver computes them.
PetscErrorCode RunWithMetrics(const char *algorithm, std::int64_t n, std::int64_t T, const std::vector<std::int64_t> &at,
                              std::vector<double> *reg, std::vector<double> *vio, std::vector<double> *vio_plus) {
  Run r;
  PetscFunctionBeginUser;
  PetscCall(Build(algorithm, n, T, &r));
  metrics::Observer &observer = r.observer;
  std::vector<double> row(metrics::Tracker::NCOL);
  double mu_warm = 0;
  reg->clear(), vio->clear(), vio_plus->clear();
  for (std::int64_t t = 1; t <= T; ++t) {
    problems::ScalarKernel kernel;
    PetscCall(r.problem->BeginStep(t, &kernel));
    double mu_hi;
    PetscCall(r.problem->OracleBracket(t, kernel, &mu_hi));
    oracle::Result orc;
    PetscCall(oracle::SolveStep(PETSC_COMM_WORLD, kernel, r.block.local(), mu_hi, mu_warm, r.problem->constraint_scale(), &orc));
    mu_warm = orc.mu;
    observer.BeginStep(t, true, true, orc.mu, nullptr, false);
    algorithms::StepContext ctx;
    ctx.t = t, ctx.kernel = &kernel, ctx.observer = &observer;
    PetscCall(r.algorithm->Step(ctx));
    observer.Finish(t, orc.iterations, ctx.messages, ctx.bytes, 0.0, row.data());
    for (std::int64_t s : at)
      if (s == t) {
        reg->push_back(row[metrics::Tracker::REGRET_AVG]), vio->push_back(row[metrics::Tracker::VIOLATION_AVG]);
        vio_plus->push_back(row[metrics::Tracker::VIOLATION_PLUS] / static_cast<double>(t));
      }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

TEST_CASE("pdct S2a (the former S2) versus li2022 on the synthetic microgrid (Fig. 3 of [ZWL25])", "[li2022][mpi]") {
  // §14 Z3: N = 6, T = 1000, switching3, pdct scheme S2a (the former S2) with kappa_N = n; li2022 with its own fixed steps.
  // Nothing is tuned for either side. Measured (seed 1, identical at 1-4 ranks):
  //            Reg(t)/t  t=100 / t=1000    Vio(t)/t  t=100 / t=1000    Vio+(t)/t  t=100 / t=1000
  //   pdct       0.539   / -0.0382           0       / 0.138             0.525    / 0.214
  //   li2022     4.21    /  0.846            1.41    / 0.732             1.46     / 1.23
  // The paper's claim (pdct better in regret and violation) holds at T = 1000. pdct's Vio(t)/t is not
  // decreasing over this window: early slack steps cancel the later violation at t = 100 (Vio = [Σ]_+), and
  // from t ≈ 200 it settles at the dual-regularization floor of order n β_t μ*/κ_N (§8.1), which decays
  // only like t^-0.2; its Vio+(t)/t, which allows no cancellation, does decrease. Asserted: what holds.
  ScopedOptions opts{{"-dispatch_source", "synthetic"}, {"-dispatch_synthetic_steps", "1000"}, {"-graph_family", "switching3"},
                     {"-pdct_scheme", "S2a"}, {"-pdct_kappa", "n"}};
  const std::int64_t n = 6, T = 1000;
  const std::vector<std::int64_t> at = {100, 1000};
  std::vector<double> rp, vp, pp, rl, vl, pl;
  REQUIRE(test::all_ranks(RunWithMetrics("pdct", n, T, at, &rp, &vp, &pp) == 0));
  REQUIRE(test::all_ranks(RunWithMetrics("li2022", n, T, at, &rl, &vl, &pl) == 0));
  REQUIRE(rp.size() == 2);
  REQUIRE(rl.size() == 2);
  INFO("pdct:   Reg(t)/t = " << rp[0] << " (t = 100), " << rp[1] << " (t = 1000); Vio(t)/t = " << vp[0] << ", " << vp[1]
                             << "; Vio+(t)/t = " << pp[0] << ", " << pp[1]);
  INFO("li2022: Reg(t)/t = " << rl[0] << " (t = 100), " << rl[1] << " (t = 1000); Vio(t)/t = " << vl[0] << ", " << vl[1]
                             << "; Vio+(t)/t = " << pl[0] << ", " << pl[1]);
  // The paper's ordering at T = 1000 (regret also in magnitude, since pdct's is negative).
  CHECK(rp[1] < rl[1]);
  CHECK(std::fabs(rp[1]) < std::fabs(rl[1]));
  CHECK(vp[1] < vl[1]);
  CHECK(pp[1] < pl[1]);
  // Sublinear trends from t = 100 to t = 1000, where they hold (see above for pdct's Vio).
  CHECK(rp[1] < rp[0]);
  CHECK(rl[1] < rl[0]);
  CHECK(vl[1] < vl[0]);
  CHECK(pp[1] < pp[0]);
  CHECK(pl[1] < pl[0]);
}
