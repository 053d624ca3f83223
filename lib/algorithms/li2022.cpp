// `li2022`: the distributed primal–dual online algorithm of [LGWH22], the benchmark of [ZWL25]
// (algorithms.md §8.2), gradient feedback. Agents exchange only μ_i, mix it with doubly stochastic weights and
// take a projected primal step and a regularized dual step on their own constraint value c_{i,t}: no
// constraint tracking, and fixed steps α = 1/(G√T), β = G²α from a global gradient bound G known in advance.
// The bandit variant of §8.2 (optional in the spec) is not implemented.
#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

#include "algorithms/algorithm.hpp"
#include "algorithms/graph_common.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "graph/graph.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "problems/problem.hpp"

namespace dodge::algorithms {

namespace {

class Li2022 final : public Algorithm {
 public:
  const char *name() const override { return "li2022"; }
  bool uses_graph() const override { return true; }

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
    block_ = block;
    graphs_ = graphs;
    problem_ = &problem;
    T_ = T;
    const std::int64_t nloc = block.local(), ng = static_cast<std::int64_t>(graphs->ghosts.size());
    nloc_ = nloc;

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

    x_.assign(nloc, 0.0), c_.assign(nloc, 0.0);
    cur_.assign(nloc + ng, 0.0), nxt_.assign(nloc + ng, 0.0);
    if (!graphs->ghosts.empty() || block.size > 1)
      PetscCall(comm::Exchange::Create(PETSC_COMM_WORLD, block, graphs->ghosts, &exchange_));
    // Rows that read only owned values can be updated while the halo is in flight.
    interior_.assign(graphs->B, {}), boundary_.assign(graphs->B, {});
    messages_.assign(graphs->B, 0.0);
    for (int b = 0; b < graphs->B; ++b) {
      const graph::Mixing &m = graphs->graphs[b];
      for (std::int64_t i = 0; i < nloc; ++i) {
        bool inner = true;
        for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) inner = inner && m.col[e] < nloc;
        auto &runs = inner ? interior_[b] : boundary_[b];
        if (!runs.empty() && runs.back().second == i) runs.back().second = i + 1;
        else runs.emplace_back(i, i + 1);
      }
      std::int64_t edges = m.active_edges_local;
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &edges, 1));
      messages_[b] = static_cast<double>(edges);
    }
    if (graphs->link_failure > 0) deg_.assign(nloc + ng, 0.0);
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

  // Checkpoint after step t: x_{t+1}, μ_{t+1} (and the oracle's x*_t). G, α and β are recomputed by Setup.
  PetscErrorCode SaveState(io::Recorder &ckpt) const override {
    const std::int64_t n = block_.n, off = block_.start, nl = nloc_;
    PetscFunctionBeginUser;
    PetscCall(ckpt.WriteDistributedArray("/state/x", n, off, nl, x_.data(), "per-unit", "x_{i,t+1}", "agent"));
    PetscCall(ckpt.WriteDistributedArray("/state/mu", n, off, nl, cur_.data(), "per-unit price", "mu_{i,t+1}", "agent"));
    const bool has_xstar = !xstar_.empty();
    PetscCall(ckpt.SetAttribute("/state", "li2022_has_xstar", static_cast<std::int64_t>(has_xstar)));
    if (has_xstar)
      PetscCall(ckpt.WriteDistributedArray("/state/xstar", n, off, nl, xstar_.data(), "per-unit", "oracle x*_{i,t}", "agent"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode LoadState(io::Reader &ckpt) override {
    const std::int64_t off = block_.start, nl = nloc_;
    std::int64_t has_xstar = 0;
    PetscFunctionBeginUser;
    PetscCall(ckpt.ReadSlice("/state/x", off, nl, x_.data()));
    PetscCall(ckpt.ReadSlice("/state/mu", off, nl, cur_.data()));
    PetscCall(ckpt.GetAttribute("/state", "li2022_has_xstar", &has_xstar));
    if (has_xstar) {
      xstar_.resize(nl);
      PetscCall(ckpt.ReadSlice("/state/xstar", off, nl, xstar_.data()));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char s[256];
    snprintf(s, sizeof s, "li2022 (gradient feedback), G = %.17g, alpha = 1/(G sqrt(T)) = %.6g, beta = G^2 alpha = %.6g, init %s",
             G_, alpha_, beta_, InitName(init_));
    return s;
  }
  std::int64_t mpi_messages() const override { return exchange_ ? exchange_->mpi_messages() : 0; }
  std::int64_t mpi_bytes() const override { return exchange_ ? exchange_->mpi_bytes() : 0; }

 private:
  using Run = std::pair<std::int64_t, std::int64_t>;  // rows [first, second)

  template <class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx) {
    const Events *ev;
    const std::int64_t t = ctx.t, nloc = nloc_;
    PetscFunctionBeginUser;
    PetscCall(EventsGet(&ev));
    if (t == 1) {
      for (std::int64_t i = 0; i < nloc; ++i)
        x_[i] = k.project(i, InitialPoint(init_, graphs_->seed, block_.start + i, k.lo(i), k.hi(i)));
      std::fill(cur_.begin(), cur_.end(), 0.0);  // μ_{i,1} = 0
      if (ctx.oracle) xstar_.assign(nloc, 0.0);
    }

    // E2 and the metric contributions: one pass over the local block.
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    if (ctx.partials && ctx.oracle) Pass1<K, true, true>(k, ctx);
    else if (ctx.partials) Pass1<K, true, false>(k, ctx);
    else Pass1<K, false, false>(k, ctx);
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) {
        ctx.record[0][q] = x_[i], ctx.record[1][q] = cur_[i], ctx.record[2][q] = c_[i];
        ++q;
      }
    }
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));

    // Send μ_i; with link failures the surviving degrees go first (the weights need them).
    const int b = graphs_->which(t);
    const double *w = graphs_->graphs[b].w.data();
    double local_msgs = 0;
    if (graphs_->link_failure > 0) {
      graphs_->surviving_degrees(t, deg_.data());
      for (std::int64_t i = 0; i < nloc; ++i) local_msgs += deg_[i];  // surviving (out-)edges of i: its sends
      if (exchange_) {
        PetscCall(exchange_->Begin(std::span<const double>(deg_.data(), nloc),
                                   std::span<double>(deg_.data() + nloc, deg_.size() - nloc), 1));
        PetscCall(exchange_->End());
      }
      wt_.resize(graphs_->graphs[b].w.size());
      graphs_->failure_weights(t, deg_.data(), wt_.data());
      w = wt_.data();
    }
    if (exchange_)
      PetscCall(exchange_->Begin(std::span<const double>(cur_.data(), nloc),
                                 std::span<double>(cur_.data() + nloc, cur_.size() - nloc), 1));
    if (ctx.partials) {
      if (graphs_->link_failure > 0) ctx.partials->v[metrics::Partials::MSGS] = local_msgs;
      PetscCall(comm::AllreduceSumMax(PETSC_COMM_WORLD, ctx.partials->v, metrics::Partials::kSums,
                                      metrics::Partials::kMaxes));
    }
    ctx.messages = graphs_->link_failure > 0 ? (ctx.partials ? ctx.partials->v[metrics::Partials::MSGS] : NAN)
                                             : messages_[b];
    ctx.bytes = ctx.messages * 1 * sizeof(double);  // m = 1 double per message

    // E3 needs x_{i,t}, which the primal step overwrites.
    const bool hook = problem_->has_end_step_hook();
    if (hook) played_.assign(x_.begin(), x_.end());
    const graph::Mixing &m = graphs_->graphs[b];
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    Pass2(k, m, w, interior_[b]);
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    if (exchange_) PetscCall(exchange_->End());
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    Pass2(k, m, w, boundary_[b]);
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    std::swap(cur_, nxt_);
    if (hook) PetscCall(problem_->EndStep(t, played_.data()));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // E2: c_{i,t} = g(x_{i,t}), kept for the dual step; metrics as pdct's, with c in the tracker's place.
  template <class K, bool Metrics, bool Oracle>
  void Pass1(const K &k, StepContext &ctx) {
    const std::int64_t nloc = nloc_;
    const bool first = ctx.t == 1;
    const double *__restrict mu = cur_.data();
    double *__restrict cv = c_.data();
    const double *__restrict x = x_.data();
    double *__restrict xs = xstar_.data();
    metrics::Partials acc;
    if constexpr (Metrics) acc = *ctx.partials;
    const double mu_star = ctx.mu_star;
    for (std::int64_t i = 0; i < nloc; ++i) {
      const double xi = x[i];
      const double c = k.g(i, xi);
      cv[i] = c;
      if constexpr (Metrics) {
        acc.agent(k.f(i, xi), c, xi, mu[i], c);
        if constexpr (Oracle) {
          const double xo = k.response(i, mu_star);
          acc.oracle(k.f(i, xo), first ? 0.0 : xo - xs[i]);
          xs[i] = xo;
        }
      }
    }
    if constexpr (Metrics) *ctx.partials = acc;
  }

  // μ̂ = Σ_j w_ij μ_j in increasing j; projected primal step with μ̂; μ_{t+1} = [μ̂ + α(c − βμ̂)]_+.
  template <class K>
  void Pass2(const K &k, const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs) {
    const double *__restrict cur = cur_.data();
    const double *__restrict cv = c_.data();
    double *__restrict nxt = nxt_.data();
    double *__restrict x = x_.data();
    const std::int64_t *__restrict rp = m.rowptr.data();
    const std::int32_t *__restrict col = m.col.data();
    const double alpha = alpha_, beta = beta_;
    for (const Run &run : runs)
      for (std::int64_t i = run.first; i < run.second; ++i) {
        double mh = 0.0;
        for (std::int64_t e = rp[i]; e < rp[i + 1]; ++e) mh += w[e] * cur[col[e]];
        const double xi = x[i];
        const double v = k.grad(i, xi) + k.jac(i, xi) * mh;
        x[i] = k.project(i, xi - (alpha * k.rho(i)) * v);
        nxt[i] = std::max(0.0, mh + alpha * (cv[i] - beta * mh));
      }
  }

  Init init_ = Init::Random;
  double G_ = 0, alpha_ = 0, beta_ = 0;
  Block block_;
  std::int64_t nloc_ = 0, T_ = 0;
  const graph::LocalGraphs *graphs_ = nullptr;
  problems::Problem *problem_ = nullptr;
  std::unique_ptr<comm::Exchange> exchange_;
  std::vector<double> x_, c_, cur_, nxt_, xstar_, deg_, wt_, played_;
  std::vector<std::vector<Run>> interior_, boundary_;
  std::vector<double> messages_;
};

}  // namespace

std::unique_ptr<Algorithm> Li2022Create() { return std::make_unique<Li2022>(); }

}  // namespace dodge::algorithms
