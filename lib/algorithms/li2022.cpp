// `li2022`: the distributed primal–dual online algorithm of [LGWH22], the benchmark of [ZWL25]
// (algorithms.md §8.2), gradient feedback. Agents exchange only μ_i, mix it with doubly stochastic weights and
// take a projected primal step and a regularized dual step on their own constraint value c_{i,t}: no
// constraint tracking, and fixed steps α = 1/(G√T), β = G²α from a global gradient bound G known in advance.
// The bandit variant of §8.2 (optional in the spec) is not implemented.
#include <algorithm>
#include <cmath>
#include <variant>

#include "algorithms/graph_algorithm.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {

class Li2022 final : public GraphAlgorithm {
 public:
  const char *name() const override { return "li2022"; }

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "li2022_",
                      "Algorithm li2022: distributed online primal-dual of Li et al. 2022, fixed steps from the gradient "
                      "bound G (algorithms.md §8.2)",
                      nullptr);
    PetscCall(InitFromOptions(PetscOptionsObject, "li2022_", &init_));
    PetscOptionsEnd();
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // li2022 needs doubly stochastic weights: a weight file must pass the column check as well as the row check.
  void ConfigureGraph(graph::Options &opts) const override { opts.weight_columns = true; }

  // Collective. Computes G by visiting every step of the run once (problem.BeginStep(t), which may reduce, on
  // every rank together): O(N T / P) kernel evaluations per rank, once, before the run. BeginStep must depend on
  // t only (a family whose step t depends on the trajectory, e.g. demand's p̂, bounds that in grad_bound).
  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                       std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(graphs, PETSC_COMM_WORLD, PETSC_ERR_ARG_NULL, "li2022 needs a communication graph");
    PetscCheck(graphs->weights != graph::WeightKind::outdegree, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "li2022 needs doubly stochastic mixing weights, but -graph_weights outdegree gives column-stochastic ones; use "
               "-graph_weights metropolis (undirected graphs) or a doubly stochastic -graph_weight_file");
    PetscCheck(T >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "li2022 needs at least one step (T = %lld)",
               static_cast<long long>(T));
    const std::int64_t nloc = block.local();
    // G = max over agents and steps run of sup_{x∈X_i} |∇f_{i,t}| + |J_{i,t}| (§8.2), reduced once.
    double G = 0.0;
    for (std::int64_t t = 1; t <= T; ++t) {
      problems::ScalarKernel kernel;
      PetscCall(problem.BeginStep(t, &kernel));
      std::visit(
          [&](const auto &k) {
            for (std::int64_t i = 0; i < nloc; ++i) G = std::max(G, k.grad_bound(i));
          },
          kernel);
    }
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &G, 1));
    PetscCheck(std::isfinite(G) && G > 0, PETSC_COMM_WORLD, PETSC_ERR_FP,
               "li2022: the gradient bound G = %g is not a positive finite number; check the problem data", G);
    G_ = G;
    alpha_ = 1.0 / (G * std::sqrt(static_cast<double>(T)));
    beta_ = G * G * alpha_;

    // Exchanged per agent: μ_i only; c_{i,t} stays local for the dual step.
    PetscCall(SetupGraph(block, problem, graphs, {{"mu", "per-unit price", "mu_{i,t+1}", 0.0}}, /*track=*/false));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Step(StepContext &ctx) override {
    PetscFunctionBeginUser;
    PetscCall(std::visit([&](const auto &k) { return StepWith(k, ctx); }, *ctx.kernel));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // li2022 has no tracker; "y" is the constraint value c_{i,t} its dual step uses in place of pdct's ŷ, so the
  // fields (and the tracking/consensus series) line up with pdct's for comparison.
  std::vector<AgentField> agent_fields() const override {
    return {{"x", "per-unit", "decision x_{i,t} played at step t"},
            {"mu", "per-unit price", "multiplier estimate mu_{i,t} before mixing"},
            {"y", "per-unit", "local constraint value c_{i,t} = g_{i,t}(x_{i,t}) used by the dual step (li2022 has no tracker)"}};
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double G = G_, alpha = alpha_, beta = beta_;
    PetscCall(rec.WriteGlobalArray("algorithm/G", &G, 1, "1", "gradient bound G = max_{i,t} sup_X |grad f| + |J|"));
    PetscCall(rec.WriteGlobalArray("algorithm/alpha", &alpha, 1, "1", "fixed step alpha = 1/(G sqrt(T))"));
    PetscCall(rec.WriteGlobalArray("algorithm/beta", &beta, 1, "1", "fixed dual regularization beta = G^2 alpha"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string("li2022")));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "init", std::string(InitName(init_))));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char s[256];
    snprintf(s, sizeof s, "li2022 (gradient feedback), G = %.17g, alpha = 1/(G sqrt(T)) = %.6g, beta = G^2 alpha = %.6g, init %s",
             G_, alpha_, beta_, InitName(init_));
    return s;
  }

 private:
  // μ̂ = Σ_j w_ij μ_j in increasing j; projected primal step with μ̂; μ_{t+1} = [μ̂ + α(c − βμ̂)]_+.
  template <class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx) {
    const double alpha = alpha_, beta = beta_;
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    double *const price = price_out();
    const double *__restrict cv = c_.data();
    return Round<1>(k, ctx, [&](std::int64_t i, const double *mixed) {
      const double mh = mixed[0];
      if (price) price[i] = mh;
      const double xi = x[i];
      const double v = k.grad(i, xi) + k.jac(i, xi) * mh;
      x[i] = k.project(i, xi - (alpha * k.rho(i)) * v);
      nxt[i] = std::max(0.0, mh + alpha * (cv[i] - beta * mh));
    });
  }

  double G_ = 0, alpha_ = 0, beta_ = 0;
};

}  // namespace

std::unique_ptr<Algorithm> Li2022Create() { return std::make_unique<Li2022>(); }

}  // namespace dodge::algorithms
