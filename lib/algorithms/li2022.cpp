// `li2022`: the distributed primal–dual online algorithm of [LGWH22], the benchmark of [ZWL25]
// (algorithms.md §8.2), gradient feedback. Agents exchange only μ_i, mix it with doubly stochastic weights and
// take a projected primal step and a regularized dual step on their own constraint value c_{i,t}: no
// constraint tracking, and fixed steps α = 1/(G√T), β = G²α from a global gradient bound G known in advance.
// Feedback: the gradient of f (default), or the two-point bandit estimate of §8.2 from two values of f.
#include <algorithm>
#include <cmath>
#include <variant>

#include "algorithms/graph_algorithm.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {

const char *const kFeedback[] = {"gradient", "bandit"};

// Bandit feedback (§8.2): the direction u, uniform on the unit sphere of R^d (normals of stream BANDIT keyed by
// (agent, step, coordinate), normalized), and the shrunk box c + (1 − δ/r)(X − c) = [lo + δ, hi − δ] for a box
// X = [lo, hi] (each coordinate: c the midpoint, r the half width).
template <int D>
void BanditDirection(std::uint64_t seed, std::int64_t gid, std::int64_t t, double *u) {
  double n2 = 0;
  for (int q = 0; q < D; ++q) {
    u[q] = rng::normal(seed, rng::BANDIT, static_cast<std::uint64_t>(gid), static_cast<std::uint64_t>(t), q);
    n2 += u[q] * u[q];
  }
  const double inv = 1.0 / std::sqrt(n2);
  for (int q = 0; q < D; ++q) u[q] *= inv;
}

class Li2022 final : public GraphAlgorithm {
 public:
  const char *name() const override { return "li2022"; }
  bool mixes_duals() const override { return true; }
  double state_bytes_per_agent(int d, int m) const override { return GraphStateBytes(d, m, m); }  // μ

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "li2022_",
                      "Algorithm li2022: distributed online primal-dual of Li et al. 2022, fixed steps from the gradient "
                      "bound G (algorithms.md §8.2)",
                      nullptr);
    PetscCall(InitFromOptions(PetscOptionsObject, "li2022_", &init_));
    PetscInt fb = bandit_ ? 1 : 0;
    PetscCall(OptionsChoice(PetscOptionsObject, "-feedback", "gradient (of f) or bandit (two-point estimate from f at x +- delta u, delta = T^(-1/4), "
                                "steps projected onto the shrunk box)", kFeedback, 2, &fb, nullptr));
    bandit_ = fb == 1;
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
    double G = 0.0, rmin = INFINITY;
    bool box = true;
    auto bound = [&](const auto &k) {
      for (std::int64_t i = 0; i < nloc; ++i) G = std::max(G, k.grad_bound(i));
      // Bandit feedback needs box local sets wider than 2δ: the smallest half width over agents and coordinates.
      using K = std::decay_t<decltype(k)>;
      if constexpr (requires { K::dim; }) {
        box = box && K::box;
        for (std::int64_t i = 0; i < nloc; ++i)
          for (int q = 0; q < K::dim; ++q) rmin = std::min(rmin, 0.5 * (k.hi(i, q) - k.lo(i, q)));
      } else {
        for (std::int64_t i = 0; i < nloc; ++i) rmin = std::min(rmin, 0.5 * (k.hi(i) - k.lo(i)));
      }
    };
    for (std::int64_t t = 1; t <= T; ++t) {
      if (problem.is_vector()) {
        problems::VectorKernel kernel;
        PetscCall(problem.BeginVectorStep(t, &kernel));
        std::visit(bound, kernel);
      } else {
        problems::ScalarKernel kernel;
        PetscCall(problem.BeginStep(t, &kernel));
        std::visit(bound, kernel);
      }
    }
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &G, 1));
    if (bandit_) {
      double neg_r = -rmin;
      PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &neg_r, 1));
      delta_ = std::pow(static_cast<double>(T), -0.25);
      PetscCheck(box, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                 "-li2022_feedback bandit needs box local sets X_i (it projects onto the shrunk box); %s's are not boxes",
                 problem.name());
      PetscCheck(delta_ < -neg_r, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-li2022_feedback bandit: delta = T^(-1/4) = %g is not below the smallest half width %g of the local "
                 "boxes, so the shrunk box is empty; run more steps",
                 delta_, -neg_r);
    }
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
    PetscCall(VisitKernel(
        ctx, [&](const auto &k) { return bandit_ ? StepWith<true>(k, ctx) : StepWith<false>(k, ctx); },
        [&](const auto &k) { return bandit_ ? StepVec<true>(k, ctx) : StepVec<false>(k, ctx); }));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // li2022 has no tracker; "y" is the constraint value c_{i,t} its dual step uses in place of pdct's ŷ, so the
  // fields (and the tracking/consensus series) line up with pdct's for comparison.
  std::vector<AgentField> agent_fields() const override {
    return {{"x", "per-unit", "decision x_{i,t} played at step t", dim_},
            {"mu", "per-unit price", "multiplier estimate mu_{i,t} before mixing", rows_},
            {"y", "per-unit", "local constraint value c_{i,t} = g_{i,t}(x_{i,t}) used by the dual step (li2022 has no tracker)",
             rows_}};
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double G = G_, alpha = alpha_, beta = beta_;
    PetscCall(rec.WriteGlobalArray("algorithm/G", &G, 1, "1", "gradient bound G = max_{i,t} sup_X |grad f| + |J|"));
    PetscCall(rec.WriteGlobalArray("algorithm/alpha", &alpha, 1, "1", "fixed step alpha = 1/(G sqrt(T))"));
    PetscCall(rec.WriteGlobalArray("algorithm/beta", &beta, 1, "1", "fixed dual regularization beta = G^2 alpha"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string("li2022")));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "init", std::string(InitName(init_))));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "feedback", std::string(kFeedback[bandit_ ? 1 : 0])));
    if (bandit_) PetscCall(rec.SetAttribute("/inputs/algorithm", "bandit_delta", delta_));
    PetscCall(RecordPolicy(rec));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char s[256];
    char fb[64] = "gradient feedback";
    if (bandit_) snprintf(fb, sizeof fb, "bandit feedback, delta = %.6g", delta_);
    snprintf(s, sizeof s, "li2022 (%s), G = %.17g, alpha = 1/(G sqrt(T)) = %.6g, beta = G^2 alpha = %.6g, init %s", fb,
             G_, alpha_, beta_, InitName(init_));
    return s;
  }

 private:
  // μ̂ = Σ_j w_ij μ_j in increasing j; projected primal step with μ̂; μ_{t+1} = [μ̂ + α(c − βμ̂)]_+. Bandit: ∇f
  // replaced by (1/(2δ))(f(x + δu) − f(x − δu))u with u = ±1, the step projected onto [lo + δ, hi − δ].
  template <bool Bandit, class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx) {
    const double alpha = alpha_, beta = beta_, delta = delta_;
    const std::int64_t t = ctx.t, start = block_.start;
    const std::uint64_t seed = run_seed();
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    double *const price = price_out();
    const double *__restrict cv = c_.data();
    return Round<1>(k, ctx, [&](std::int64_t i, const double *mixed, double /*w_ii*/) {
      const double mh = mixed[0];
      if (price) price[i] = mh;
      const double xi = x[i];
      if constexpr (Bandit) {
        double u;
        BanditDirection<1>(seed, start + i, t, &u);
        const double est = (k.f(i, xi + delta * u) - k.f(i, xi - delta * u)) / (2.0 * delta) * u;
        const double v = est + k.jac(i, xi) * mh;
        x[i] = std::clamp(xi - (alpha * k.rho(i)) * v, k.lo(i) + delta, k.hi(i) - delta);
      } else {
        const double v = k.grad(i, xi) + k.jac(i, xi) * mh;
        x[i] = k.project(i, xi - (alpha * k.rho(i)) * v);
      }
      nxt[i] = std::max(0.0, mh + alpha * (cv[i] - beta * mh));
    });
  }

  // The same round for vector families: μ_{t+1} = [μ̂ + α(c − βμ̂)]_+ row by row. Bandit (box families): ∇f
  // replaced by (d/(2δ))(f(x + δu) − f(x − δu))u, Jᵀμ̂ kept, the step projected onto the shrunk box.
  template <bool Bandit, class K>
  PetscErrorCode StepVec(const K &k, StepContext &ctx) {
    constexpr int d = K::dim, m = K::rows;
    const double alpha = alpha_, beta = beta_, delta = delta_;
    const std::int64_t t = ctx.t, start = block_.start;
    const std::uint64_t seed = run_seed();
    double *__restrict x = x_.data();
    double *__restrict nxt = nxt_.data();
    const double *__restrict cv = c_.data();
    return RoundVec(k, ctx, [&](std::int64_t i, const double *mixed, double /*w_ii*/) {
      double *xi = x + d * i;
      const double step = alpha * k.rho(i);
      if constexpr (Bandit) {
        if constexpr (K::box) {
          double v[d];
          k.lagrangian_grad(i, xi, mixed, v);
          // v − ∇f = Jᵀμ̂; then the estimate in place of ∇f.
          double g0[d], u[d], xp[d], xm[d];
          const double zero[m] = {};
          k.lagrangian_grad(i, xi, zero, g0);
          BanditDirection<d>(seed, start + i, t, u);
          for (int q = 0; q < d; ++q) xp[q] = xi[q] + delta * u[q], xm[q] = xi[q] - delta * u[q];
          const double scale = d / (2.0 * delta) * (k.f(i, xp) - k.f(i, xm));
          for (int q = 0; q < d; ++q)
            xi[q] = std::clamp(xi[q] - step * (v[q] - g0[q] + scale * u[q]), k.lo(i, q) + delta, k.hi(i, q) - delta);
        }
      } else {
        PrimalStepVec(k, i, xi, mixed, step);
      }
      for (int r = 0; r < m; ++r) nxt[m * i + r] = std::max(0.0, mixed[r] + alpha * (cv[m * i + r] - beta * mixed[r]));
    });
  }

  double G_ = 0, alpha_ = 0, beta_ = 0, delta_ = 0;
  bool bandit_ = false;
};

}  // namespace

std::unique_ptr<Algorithm> Li2022Create() { return std::make_unique<Li2022>(); }

}  // namespace dodge::algorithms
