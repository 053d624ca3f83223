// Stored, sent and ghost values apart in the graph algorithms (send_policy.hpp) at 1-4 ranks: a probe
// algorithm sees exactly Σ_j w_ij · (what j sent, as i receives it) + w_ii · (its own stored value), for
// same-rank and cross-rank neighbours alike, with w_ii handed to the row; a policy that sends the stored
// values through the separate sent view leaves pdct's trajectories bitwise unchanged on a scalar and a vector
// family.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "algorithms/graph_algorithm.hpp"
#include "graph/graph.hpp"
#include "mpi_check.hpp"
#include "problems/problem.hpp"
#include "run_setup.hpp"

using namespace dodge;

namespace {

using test::ScopedOptions;

// The value agent gid stores after round t (the probe's state).
double Value(std::int64_t gid, std::int64_t t) { return 1.0 + static_cast<double>(gid) + 0.25 * static_cast<double>(t); }

// One exchanged slot per agent; each row records what it mixed and its self weight, then stores Value(gid, t).
class Probe final : public algorithms::GraphAlgorithm {
 public:
  const char *name() const override { return "probe"; }
  PetscErrorCode SetFromOptions() override { return PETSC_SUCCESS; }
  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                       std::int64_t) override {
    mixed.assign(block.local(), 0.0), wii.assign(block.local(), 0.0);
    return SetupGraph(block, problem, graphs, {{"v", "1", "probe value", 0.0, false}}, false);
  }
  PetscErrorCode Step(algorithms::StepContext &ctx) override {
    const auto &k = std::get<problems::DispatchKernel>(*ctx.kernel);
    const std::int64_t t = ctx.t;
    return Round<1>(k, ctx, [&](std::int64_t i, const double *m, double w_ii) {
      mixed[i] = m[0], wii[i] = w_ii;
      nxt_[i] = Value(block_.start + i, t);
    });
  }
  std::vector<algorithms::AgentField> agent_fields() const override { return {{"x", "1", "x"}, {"v", "1", "v"}}; }
  PetscErrorCode RecordParameters(io::Recorder &) const override { return PETSC_SUCCESS; }
  std::string describe() const override { return "probe"; }
  std::vector<double> mixed, wii;
};

// Sends 2 v + 1 (a broadcast transform).
struct Affine final : algorithms::SendPolicy {
  const char *name() const override { return "affine"; }
  void Send(std::int64_t, const Block &b, int W, const double *stored, double *sent) override {
    for (std::int64_t q = 0; q < W * b.local(); ++q) sent[q] = 2.0 * stored[q] + 1.0;
  }
};
// Sends v; i sees v_j + 1e-3 (gid_i − gid_j) (an antisymmetric per-edge mask).
struct Mask final : algorithms::SendPolicy {
  const char *name() const override { return "mask"; }
  void Send(std::int64_t, const Block &b, int W, const double *stored, double *sent) override {
    for (std::int64_t q = 0; q < W * b.local(); ++q) sent[q] = stored[q];
  }
  bool per_edge() const override { return true; }
  void Receive(std::int64_t, std::int64_t gi, std::int64_t gj, int W, const double *sent_j, double *seen) const override {
    for (int s = 0; s < W; ++s) seen[s] = sent_j[s] + 1e-3 * static_cast<double>(gi - gj);
  }
};
// Sends the stored values unchanged, through the separate sent view.
struct Copy final : algorithms::SendPolicy {
  const char *name() const override { return "copy"; }
  void Send(std::int64_t, const Block &b, int W, const double *stored, double *sent) override {
    for (std::int64_t q = 0; q < W * b.local(); ++q) sent[q] = stored[q];
  }
};

// What a row must mix at round t >= 2 (every agent stored Value(gid, t − 1)), in the mixing's order.
double Expected(const graph::Mixing &m, std::int64_t i, std::int64_t gi, std::int64_t t, const std::string &policy) {
  double s = 0;
  for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
    const std::int64_t gj = m.gid[e];
    double v = Value(gj, t - 1);
    if (gj != gi) {
      if (policy == "affine") v = 2.0 * v + 1.0;
      if (policy == "mask") v = v + 1e-3 * static_cast<double>(gi - gj);
    }
    s += m.w[e] * v;
  }
  return s;
}

}  // namespace

TEST_CASE("graph mixing reads every neighbour from the sent view and the agent itself from its stored value",
          "[exchange][mpi]") {
  for (const std::string policy : {"none", "affine", "mask"}) {
    ScopedOptions o{{"-graph_family", "erdos_renyi"}};
    const std::int64_t n = 37, T = 4;
    test::RunObjects r;
    r.block = Block::make(n, test::world_rank(), test::world_size());
    REQUIRE(problems::ProblemCreate("dispatch", &r.problem) == 0);
    REQUIRE(r.problem->SetFromOptions() == 0);
    REQUIRE(r.problem->Setup(r.block, 1) == 0);
    REQUIRE(r.problem->SetSteps(T) == 0);
    graph::Options go;
    REQUIRE(graph::GraphOptionsFromDatabase(1, &go) == 0);
    REQUIRE(graph::GraphsBuild(go, r.block, &r.graphs) == 0);
    Probe probe;
    REQUIRE(probe.Setup(r.block, *r.problem, &r.graphs, T) == 0);
    if (policy == "affine") probe.SetSendPolicy(std::make_unique<Affine>());
    if (policy == "mask") probe.SetSendPolicy(std::make_unique<Mask>());
    bool ok = true, crossed = false;
    double worst = 0;
    for (std::int64_t t = 1; t <= T; ++t) {
      problems::ScalarKernel kernel;
      REQUIRE(r.problem->BeginStep(t, &kernel) == 0);
      algorithms::StepContext ctx;
      ctx.t = t, ctx.kernel = &kernel;
      REQUIRE(probe.Step(ctx) == 0);
      if (t == 1) continue;
      const graph::Mixing &m = r.graphs.graphs[r.graphs.which(t)];
      for (std::int64_t i = 0; i < r.block.local(); ++i) {
        const std::int64_t gi = r.block.start + i;
        const double want = Expected(m, i, gi, t, policy);
        double self = 0;
        for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
          if (m.gid[e] == gi) self = m.w[e];
          crossed = crossed || !r.block.owns(m.gid[e]);
        }
        worst = std::max(worst, std::fabs(probe.mixed[i] - want) / std::fabs(want));
        ok = ok && std::fabs(probe.mixed[i] - want) <= 1e-15 * std::fabs(want) && probe.wii[i] == self && self > 0;
      }
    }
    INFO(policy << ": worst relative error " << worst);
    REQUIRE(test::all_ranks(ok));
    // On more than one rank some rows read ghosts, so both paths were checked.
    const bool none_crossed = test::all_ranks(!crossed);
    if (test::world_size() > 1) REQUIRE(!none_crossed);
  }
}

TEST_CASE("a send policy that sends the stored values leaves pdct bitwise unchanged", "[exchange][mpi]") {
  for (const char *family : {"dispatch", "pev"}) {
    ScopedOptions o{{"-graph_family", "erdos_renyi"}};
    const std::int64_t n = 19, T = 30;
    std::vector<std::vector<double>> traj[2];
    for (int with = 0; with < 2; ++with) {
      test::RunObjects r;
      REQUIRE(test::SetupRun(family, "pdct", n, T, &r) == 0);
      auto *g = dynamic_cast<algorithms::GraphAlgorithm *>(r.algorithm.get());
      REQUIRE(g != nullptr);
      if (with) g->SetSendPolicy(std::make_unique<Copy>());
      const std::int64_t nloc = r.block.local();
      std::vector<std::int64_t> all(nloc);
      for (std::int64_t i = 0; i < nloc; ++i) all[i] = i;
      std::vector<std::vector<double>> fields;
      for (const auto &f : r.algorithm->agent_fields()) fields.emplace_back(nloc * f.width);
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
        ctx.record_local = &all;
        for (auto &f : fields) ctx.record.push_back(f.data());
        REQUIRE(r.algorithm->Step(ctx) == 0);
        for (const auto &f : fields) traj[with].push_back(f);
      }
    }
    bool same = traj[0].size() == traj[1].size();
    for (std::size_t q = 0; same && q < traj[0].size(); ++q) same = traj[0][q] == traj[1][q];
    INFO(family);
    REQUIRE(test::all_ranks(same));
  }
}
