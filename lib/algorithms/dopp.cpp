// `dopp`: push-sum primal–dual with constraint tracking after [YLXJ20] (algorithms.md §8.3). Agents exchange
// (μ_i, y_i, ψ_i) over G(t) with column-stochastic out-degree weights, so directed graphs work: the push-sum
// weight ψ_i corrects the bias of non-doubly-stochastic mixing (λ_i = μ̂_i/ψ_i, ŷ_i/ψ_i). With doubly stochastic
// weights ψ ≡ 1 and dopp is pdct. Round order E1–E3/A1 as pdct, mixing in increasing j, so trajectories are
// bitwise identical for any rank count.
#include <algorithm>
#include <cmath>
#include <variant>

#include "algorithms/graph_algorithm.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {

class Dopp final : public GraphAlgorithm {
 public:
  const char *name() const override { return "dopp"; }
  double state_bytes_per_agent(int d, int m) const override { return GraphStateBytes(d, m, 2.0 * m + 1.0); }  // μ, y, ψ

  PetscErrorCode SetFromOptions() override {
    PetscBool weights_set = PETSC_FALSE;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "dopp_",
                      "Algorithm dopp: push-sum primal-dual with constraint tracking, column-stochastic weights, directed "
                      "graphs allowed (algorithms.md §8.3)",
                      nullptr);
    PetscCall(TrackingOptions(PetscOptionsObject, "dopp_"));
    PetscOptionsEnd();
    // dopp's default weights are out-degree ones; an explicit -graph_weights (read and documented by the graph
    // block) is honoured, e.g. metropolis on an undirected graph, where dopp equals pdct (§15.3).
    PetscCall(PetscOptionsHasName(nullptr, nullptr, "-graph_weights", &weights_set));
    weights_given_ = weights_set == PETSC_TRUE;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  void ConfigureGraph(graph::Options &opts) const override {
    if (opts.weights != "file" && !weights_given_) opts.weights = "outdegree";
    opts.weight_columns = true;  // push-sum needs Σ_i w_ij = 1 for every column j
  }

  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                       std::int64_t) override {
    PetscFunctionBeginUser;
    PetscCheck(graphs, PETSC_COMM_WORLD, PETSC_ERR_ARG_NULL, "dopp needs a communication graph");
    // The failure model moves a failed weight-file entry to its row's self weight: rows stay stochastic but
    // columns do not, and push-sum (and the tracking invariant) needs the columns.
    PetscCheck(!(graphs->weights == graph::WeightKind::file && graphs->link_failure > 0), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "dopp with -graph_weight_file and -graph_link_failure %g: failed entries move to the row's self weight, which "
               "breaks the column sums push-sum needs; use -graph_weights outdegree (recomputed on the surviving graph) or q = 0",
               graphs->link_failure);
    PetscCall(SetKappa(block.n, "dopp_"));
    // Exchanged per agent: (μ_i, y_i, ψ_i) with ψ_{i,1} = 1; after a step the second slot holds ŷ_t.
    PetscCall(SetupGraph(block, problem, graphs,
                         {{"mu", "per-unit price", "mu_{i,t+1}", 0.0}, {"yhat", "per-unit", "yhat_{i,t}", 0.0},
                          {"psi", "1", "push-sum weight psi_{i,t+1}", 1.0, /*per_row=*/false}},
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
            {"mu", "per-unit price", "push-sum multiplier numerator mu_{i,t} before mixing (estimate mu/psi)", rows_},
            {"y", "per-unit", "constraint tracker y_{i,t} after A1 (estimate y/psi)", rows_},
            {"psi", "1", "push-sum weight psi_{i,t} before mixing", 1}};
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override { return TrackingRecord(rec); }

  std::string describe() const override { return TrackingDescribe("dopp (push-sum)"); }

 private:
  // μ̂, ŷ, ψ_{t+1} = Σ_j w_ij (·)_j in increasing j; λ = μ̂/ψ_{t+1}; projected primal step with λ; dual step
  // μ_{t+1} = [μ̂ + γ(κ ŷ/ψ_{t+1} − β μ̂)]_+.
  template <class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx) {
    const double alpha = laws_.alpha(ctx.t), beta = laws_.beta(ctx.t), gamma = laws_.gamma(ctx.t), kappa = kappa_;
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    double *const price = price_out();
    return Round<3>(k, ctx, [&](std::int64_t i, const double *mixed, double /*w_ii*/) {
      const double mh = mixed[0], yh = mixed[1], ph = mixed[2];
      const double lambda = mh / ph;  // ψ > 0: every self weight is positive
      if (price) price[i] = lambda;
      const double xi = x[i];
      const double v = k.grad(i, xi) + k.jac(i, xi) * lambda;
      x[i] = k.project(i, xi - (alpha * k.rho(i)) * v);
      nxt[3 * i] = std::max(0.0, mh + gamma * (kappa * yh / ph - beta * mh));
      nxt[3 * i + 1] = yh;
      nxt[3 * i + 2] = ph;
    });
  }

  // The same round for vector families: λ = μ̂/ψ_{t+1} row by row, one push-sum weight per agent.
  template <class K>
  PetscErrorCode StepVec(const K &k, StepContext &ctx) {
    constexpr int d = K::dim, m = K::rows;
    const double alpha = laws_.alpha(ctx.t), beta = laws_.beta(ctx.t), gamma = laws_.gamma(ctx.t), kappa = kappa_;
    const int W = stride();
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    return RoundVec(k, ctx, [&](std::int64_t i, const double *mixed, double /*w_ii*/) {
      const double *mh = mixed, *yh = mixed + m;
      const double ph = mixed[2 * m];
      double lambda[m];
      for (int r = 0; r < m; ++r) lambda[r] = mh[r] / ph;
      PrimalStepVec(k, i, x + d * i, lambda, alpha * k.rho(i));
      double *nx = nxt + W * i;
      for (int r = 0; r < m; ++r)
        nx[r] = std::max(0.0, mh[r] + gamma * (kappa * yh[r] / ph - beta * mh[r])), nx[m + r] = yh[r];
      nx[2 * m] = ph;
    });
  }

  bool weights_given_ = false;
};

}  // namespace

std::unique_ptr<Algorithm> DoppCreate() { return std::make_unique<Dopp>(); }

}  // namespace dodge::algorithms
