// `pdct`: the primal–dual constraint-tracking algorithm, Algorithm 1 of [ZWL25] (algorithms.md §8.1).
// Agents exchange (μ_i, y_i) over G(t), mix them, take a projected primal step and a regularized dual step,
// and track Σ_i g_i through y_i. Per-round order E1–E3/A1–A5 exactly as the spec writes it, so trajectories
// are bitwise identical for any rank count.
#include <algorithm>
#include <variant>

#include "algorithms/graph_algorithm.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {

class Pdct final : public GraphAlgorithm {
 public:
  const char *name() const override { return "pdct"; }
  bool mixes_duals() const override { return true; }
  double state_bytes_per_agent(int d, int m) const override { return GraphStateBytes(d, m, 2.0 * m); }  // μ, ŷ
  // Doubly stochastic weights: a weight file must pass the column check too.
  void ConfigureGraph(graph::Options &opts) const override { opts.weight_columns = true; }

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "pdct_", "Algorithm pdct: primal-dual constraint tracking (algorithms.md §8.1)",
                      nullptr);
    laws_.defer_checks = true;  // checked in ConfigureFromProblem and Setup, after the problem's default scheme
    PetscCall(TrackingOptions(PetscOptionsObject, "pdct_"));
    PetscOptionsEnd();
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // The problem's scenario scheme (gridcell: G, docs/gridcell.md §16.6) when -pdct_scheme is not given.
  PetscErrorCode ConfigureFromProblem(const problems::Problem &problem) override {
    PetscFunctionBeginUser;
    PetscCall(laws_.ApplyDefaultScheme(problem.default_step_scheme()));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                       std::int64_t) override {
    PetscFunctionBeginUser;
    PetscCheck(!graphs || graphs->weights != graph::WeightKind::outdegree, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "pdct needs doubly stochastic mixing weights, but -graph_weights outdegree gives column-stochastic ones; use "
               "-graph_weights metropolis (undirected graphs), a doubly stochastic -graph_weight_file, or -algorithm dopp");
    PetscCall(laws_.Check());
    PetscCall(SetKappa(block.n, "pdct_"));
    // Exchanged per agent: (μ_i, y_i); after a step the second slot holds ŷ_t, which A1 of the next step needs.
    PetscCall(SetupGraph(block, problem, graphs,
                         {{"mu", "per-unit price", "mu_{i,t+1}", 0.0}, {"yhat", "per-unit", "yhat_{i,t}", 0.0}},
                         /*track=*/true));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Step(StepContext &ctx) override {
    PetscFunctionBeginUser;
    PetscCall(VisitKernel(
        ctx, [&](const auto &k) { return StepWith(k, ctx); }, [&](const auto &k) { return StepVec(k, ctx); }));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::vector<AgentField> agent_fields() const override {
    return {{"x", "per-unit", "decision x_{i,t} played at step t", dim_},
            {"mu", "per-unit price", "multiplier estimate mu_{i,t} before mixing", rows_},
            {"y", "per-unit", "constraint tracker y_{i,t} after A1", rows_}};
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override { return TrackingRecord(rec); }

  std::string describe() const override { return TrackingDescribe("pdct"); }

 private:
  // A3: (μ̂, ŷ) mixed in increasing j; A4: projected primal step; A5: regularized dual step.
  template <class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx) {
    const double alpha = laws_.alpha(ctx.t), beta = laws_.beta(ctx.t), gamma = laws_.gamma(ctx.t), kappa = kappa_;
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    double *const price = price_out();
    return Round<2>(k, ctx, [&](std::int64_t i, const double *mixed, double /*w_ii*/) {
      const double mh = mixed[0], yh = mixed[1];
      if (price) price[i] = mh;
      const double xi = x[i];
      const double v = k.grad(i, xi) + k.jac(i, xi) * mh;
      x[i] = k.project(i, xi - (alpha * k.rho(i)) * v);
      nxt[2 * i] = std::max(0.0, mh + gamma * (kappa * yh - beta * mh));
      nxt[2 * i + 1] = yh;
    });
  }

  // The same round for vector families, row by row of the m constraints: A4 with v = ∇f + Jᵀμ̂.
  template <class K>
  PetscErrorCode StepVec(const K &k, StepContext &ctx) {
    constexpr int d = K::dim, m = K::rows;
    const double alpha = laws_.alpha(ctx.t), beta = laws_.beta(ctx.t), gamma = laws_.gamma(ctx.t), kappa = kappa_;
    const int W = stride();
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    return RoundVec(k, ctx, [&](std::int64_t i, const double *mixed, double /*w_ii*/) {
      const double *mh = mixed, *yh = mixed + m;
      PrimalStepVec(k, i, x + d * i, mh, alpha * k.rho(i));
      double *nx = nxt + W * i;
      for (int r = 0; r < m; ++r) nx[r] = std::max(0.0, mh[r] + gamma * (kappa * yh[r] - beta * mh[r])), nx[m + r] = yh[r];
    });
  }
};

}  // namespace

std::unique_ptr<Algorithm> PdctCreate() { return std::make_unique<Pdct>(); }

}  // namespace dodge::algorithms
