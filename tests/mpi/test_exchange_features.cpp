// The exchange mechanisms of algorithms.md §13 at 1-4 ranks (test oracles §15.1 and §15.15): event-triggered
// sends with c0 = c1 = 0 reproduce untriggered pdct and send no more than it; the tracking invariant holds
// under triggering and under zero-sum masks, with link failures and switching graphs; masks leave the sum of
// the mixed values unchanged while changing each one; the Laplace mechanism makes the tracker drift and
// ε = inf does not.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "algorithms/exchange_features.hpp"
#include "algorithms/graph_algorithm.hpp"
#include "comm/exchange.hpp"
#include "graph/graph.hpp"
#include "metrics/metrics.hpp"
#include "mpi_check.hpp"
#include "problems/problem.hpp"
#include "run_setup.hpp"
#include "test_errors.hpp"

using namespace dodge;

namespace {

using test::ScopedOptions;

// Options chosen at run time, removed afterwards.
struct Opts {
  std::vector<std::pair<std::string, std::string>> kv;
  explicit Opts(std::vector<std::pair<std::string, std::string>> v) : kv(std::move(v)) {
    for (auto &[k, x] : kv) PetscOptionsSetValue(nullptr, k.c_str(), x.c_str());
  }
  ~Opts() {
    for (auto &[k, x] : kv) PetscOptionsClearValue(nullptr, k.c_str());
  }
};

struct Trajectory {
  std::vector<std::vector<double>> fields;  // per step, per agent field (local agents)
  std::vector<double> messages;             // per step (global)
  double worst_track = 0;                   // max_t |Σy − Σc| / (1e-12 t (1 + Σ|c|))
};

// pdct (or `alg`) on `family` for T steps with the features in the options database; the trajectories of the
// local agents, the messages per step and the tracking error relative to §15.1's tolerance.
Trajectory RunWith(const char *family, const char *alg, std::int64_t n, std::int64_t T) {
  Trajectory out;
  test::RunObjects r;
  REQUIRE(test::SetupRun(family, alg, n, T, &r) == 0);
  algorithms::ExchangeFeatures f;
  REQUIRE(algorithms::ExchangeFeaturesRead(&f) == 0);
  REQUIRE(algorithms::ExchangeFeaturesInstall(f, *r.algorithm, 1) == 0);
  const std::int64_t nloc = r.block.local();
  std::vector<std::int64_t> all(nloc);
  for (std::int64_t i = 0; i < nloc; ++i) all[i] = i;
  std::vector<std::vector<double>> fields;
  for (const auto &fl : r.algorithm->agent_fields()) fields.emplace_back(nloc * fl.width);
  for (std::int64_t t = 1; t <= T; ++t) {
    problems::ScalarKernel k;
    problems::VectorKernel kv;
    algorithms::StepContext ctx;
    ctx.t = t;
    if (r.problem->is_vector()) {
      REQUIRE(r.problem->BeginVectorStep(t, &kv) == 0);
      ctx.vkernel = &kv;
    } else {
      REQUIRE(r.problem->BeginStep(t, &k) == 0);
      ctx.kernel = &k;
    }
    r.observer.BeginStep(t, true, false, 0.0, nullptr, false);
    ctx.observer = &r.observer;
    ctx.record_local = &all;
    for (auto &fl : fields) ctx.record.push_back(fl.data());
    REQUIRE(r.algorithm->Step(ctx) == 0);
    for (const auto &fl : fields) out.fields.push_back(fl);
    out.messages.push_back(ctx.messages);
    if (!r.problem->is_vector()) {
      const metrics::Partials &p = r.observer.partials();
      const double err = std::fabs(p.v[metrics::Partials::Y] - p.v[metrics::Partials::C]);
      out.worst_track = std::max(out.worst_track, err / (1e-12 * t * (1 + p.v[metrics::Partials::CABS])));
    }
  }
  return out;
}

double MaxRelDiff(const Trajectory &a, const Trajectory &b) {
  double worst = 0;
  for (std::size_t q = 0; q < a.fields.size(); ++q)
    for (std::size_t i = 0; i < a.fields[q].size(); ++i)
      worst = std::max(worst, std::fabs(a.fields[q][i] - b.fields[q][i]) / std::max(1.0, std::fabs(a.fields[q][i])));
  return worst;
}

}  // namespace

TEST_CASE("c0 = c1 = 0 triggering reproduces untriggered pdct and sends no more (§15.15)", "[exchange_features][mpi]") {
  for (const char *problem : {"dispatch", "pev"}) {
    for (const char *family : {"switching3", "erdos_renyi"}) {
      const std::int64_t n = 19, T = problem == std::string("pev") ? 60 : 200;
      Trajectory plain, trig;
      {
        ScopedOptions o{{"-graph_family", family}, {"-graph_link_failure", "0.2"}};
        plain = RunWith(problem, "pdct", n, T);
      }
      {
        ScopedOptions o{{"-graph_family", family}, {"-graph_link_failure", "0.2"}, {"-exchange_trigger", "true"},
                        {"-exchange_trigger_c0", "0"}, {"-exchange_trigger_c1", "0"}};
        trig = RunWith(problem, "pdct", n, T);
      }
      INFO(problem << " on " << family);
      REQUIRE(test::all_ranks(MaxRelDiff(plain, trig) <= 1e-12));
      bool fewer = true;
      for (std::int64_t t = 0; t < T; ++t) fewer = fewer && trig.messages[t] <= plain.messages[t] && trig.messages[t] >= 0;
      REQUIRE(fewer);
      // Every directed active edge carries the first copy.
      REQUIRE(trig.messages[0] == plain.messages[0]);
    }
  }
}

TEST_CASE("the tracking invariant holds under triggering and masks, with failures (§15.1)", "[exchange_features][mpi]") {
  for (const char *family : {"switching3", "erdos_renyi", "ring"}) {
    for (int mode = 0; mode < 2; ++mode) {
      ScopedOptions o{{"-graph_family", family}, {"-graph_link_failure", "0.2"}};
      Opts feature(mode == 0 ? std::vector<std::pair<std::string, std::string>>{{"-exchange_trigger", "true"}, {"-exchange_trigger_c0", "0.05"}}
                             : std::vector<std::pair<std::string, std::string>>{{"-exchange_privacy", "masks"}});
      const std::int64_t n = 23, T = 300;
      const Trajectory tr = RunWith("dispatch", "pdct", n, T);
      INFO(family << (mode == 0 ? " trigger" : " masks") << ": worst tracking error / tolerance = " << tr.worst_track);
      REQUIRE(tr.worst_track <= 1.0);
      if (mode == 0) {
        // With c0 = 0.05 some rounds send nothing on some edges: fewer messages than periodic (the first round).
        double sent = 0;
        for (double m : tr.messages) sent += m;
        REQUIRE(sent < tr.messages[0] * T);
      }
    }
  }
}

namespace {

// One exchanged slot per agent: stores v(gid, t), records what it mixed.
class SumProbe final : public algorithms::GraphAlgorithm {
 public:
  const char *name() const override { return "probe"; }
  PetscErrorCode SetFromOptions() override { return PETSC_SUCCESS; }
  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                       std::int64_t) override {
    mixed.assign(block.local(), 0.0);
    return SetupGraph(block, problem, graphs, {{"v", "1", "probe value", 0.0, false}}, false);
  }
  static double V(std::int64_t gid, std::int64_t t) { return std::sin(0.7 * static_cast<double>(gid) + 0.3 * static_cast<double>(t)); }
  PetscErrorCode Step(algorithms::StepContext &ctx) override {
    const auto &k = std::get<problems::DispatchKernel>(*ctx.kernel);
    const std::int64_t t = ctx.t;
    return Round<1>(k, ctx, [&](std::int64_t i, const double *m, double) {
      mixed[i] = m[0];
      nxt_[i] = V(block_.start + i, t);
    });
  }
  std::vector<algorithms::AgentField> agent_fields() const override { return {{"x", "1", "x"}, {"v", "1", "v"}}; }
  PetscErrorCode RecordParameters(io::Recorder &) const override { return PETSC_SUCCESS; }
  std::string describe() const override { return "probe"; }
  std::vector<double> mixed;
};

}  // namespace

TEST_CASE("zero-sum masks keep the sum of the mixed values and change each one (§15.15)", "[exchange_features][mpi]") {
  for (const char *family : {"erdos_renyi", "switching3", "ring"}) {
    ScopedOptions o{{"-graph_family", family}, {"-graph_link_failure", "0.3"}, {"-exchange_privacy", "masks"},
                    {"-exchange_privacy_phi", "1"}};
    const std::int64_t n = 31, T = 6;
    test::RunObjects r;
    r.block = Block::make(n, test::world_rank(), test::world_size());
    REQUIRE(problems::ProblemCreate("dispatch", &r.problem) == 0);
    REQUIRE(r.problem->SetFromOptions() == 0);
    REQUIRE(r.problem->Setup(r.block, 1) == 0);
    REQUIRE(r.problem->SetSteps(T) == 0);
    graph::Options go;
    REQUIRE(graph::GraphOptionsFromDatabase(1, &go) == 0);
    REQUIRE(graph::GraphsBuild(go, r.block, &r.graphs) == 0);
    SumProbe probe;
    REQUIRE(probe.Setup(r.block, *r.problem, &r.graphs, T) == 0);
    algorithms::ExchangeFeatures f;
    REQUIRE(algorithms::ExchangeFeaturesRead(&f) == 0);
    REQUIRE(algorithms::ExchangeFeaturesInstall(f, probe, 1) == 0);
    double worst = 0, moved = 0;
    for (std::int64_t t = 1; t <= T; ++t) {
      problems::ScalarKernel kernel;
      REQUIRE(r.problem->BeginStep(t, &kernel) == 0);
      algorithms::StepContext ctx;
      ctx.t = t, ctx.kernel = &kernel;
      REQUIRE(probe.Step(ctx) == 0);
      if (t == 1) continue;
      // Σ_i mixed_i against Σ_j v_j(t − 1) (column-stochastic W(t)), and how far the mixes moved from the
      // unmasked ones (each agent's estimate carries noise).
      double s[3] = {0, 0, 0};
      const graph::Mixing &m = r.graphs.graphs[r.graphs.which(t)];
      for (std::int64_t i = 0; i < r.block.local(); ++i) {
        s[0] += probe.mixed[i];
        s[1] += SumProbe::V(r.block.start + i, t - 1);
        (void)m;
      }
      REQUIRE(comm::AllreduceSum(PETSC_COMM_WORLD, s, 2) == 0);
      worst = std::max(worst, std::fabs(s[0] - s[1]) / (1.0 + std::fabs(s[1])));
      double local_moved = 0;
      for (std::int64_t i = 0; i < r.block.local(); ++i)
        local_moved = std::max(local_moved, std::fabs(probe.mixed[i] - SumProbe::V(r.block.start + i, t - 1)));
      REQUIRE(comm::AllreduceMax(PETSC_COMM_WORLD, &local_moved, 1) == 0);
      moved = std::max(moved, local_moved);
    }
    INFO(family << ": worst |sum mixed - sum v| / (1 + |sum v|) = " << worst << ", largest change " << moved);
    REQUIRE(worst <= 1e-12);
    REQUIRE(moved > 0.1);  // σ_m = 1: the masks are there
  }
}

TEST_CASE("the Laplace mechanism makes the tracker drift; epsilon = inf adds nothing", "[exchange_features][mpi]") {
  const std::int64_t n = 17, T = 100;
  Trajectory plain, inf, noisy;
  {
    ScopedOptions o{{"-graph_family", "erdos_renyi"}};
    plain = RunWith("dispatch", "pdct", n, T);
  }
  {
    ScopedOptions o{{"-graph_family", "erdos_renyi"}, {"-exchange_privacy", "laplace"}, {"-exchange_privacy_epsilon", "inf"}};
    inf = RunWith("dispatch", "pdct", n, T);
  }
  {
    ScopedOptions o{{"-graph_family", "erdos_renyi"}, {"-exchange_privacy", "laplace"}, {"-exchange_privacy_epsilon", "1"}};
    noisy = RunWith("dispatch", "pdct", n, T);
  }
  REQUIRE(test::all_ranks(MaxRelDiff(plain, inf) == 0.0));
  REQUIRE(inf.worst_track <= 1.0);
  REQUIRE(noisy.worst_track > 1e6);  // Σ_j (1 − w_jj) l_j per step: far beyond rounding
}

TEST_CASE("features refuse what they do not support", "[exchange_features][mpi]") {
  {
    ScopedOptions o{{"-graph_family", "erdos_renyi"}, {"-exchange_privacy", "masks"}};
    test::RunObjects r;
    REQUIRE(test::SetupRun("regression", "dopp", 11, 10, &r) == 0);
    algorithms::ExchangeFeatures f;
    REQUIRE(algorithms::ExchangeFeaturesRead(&f) == 0);
    const test::Raised e = test::Capture([&] { return algorithms::ExchangeFeaturesInstall(f, *r.algorithm, 1); });
    REQUIRE(e.code == PETSC_ERR_ARG_INCOMP);
    REQUIRE(e.message.find("-exchange_privacy is not supported with -algorithm dopp") != std::string::npos);
  }
  {
    ScopedOptions o{{"-exchange_trigger", "true"}, {"-exchange_privacy", "laplace"}};
    algorithms::ExchangeFeatures f;
    const test::Raised e = test::Capture([&] { return algorithms::ExchangeFeaturesRead(&f); });
    REQUIRE(e.code == PETSC_ERR_ARG_INCOMP);
    REQUIRE(e.message.find("-exchange_trigger true and -exchange_privacy laplace") != std::string::npos);
  }
}
