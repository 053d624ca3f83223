// `dopp`: push-sum primal–dual with constraint tracking after [YLXJ20] (algorithms.md §8.3). Agents exchange
// (μ_i, y_i, ψ_i) over G(t) with column-stochastic out-degree weights, so directed graphs work: the push-sum
// weight ψ_i corrects the bias of non-doubly-stochastic mixing (λ_i = μ̂_i/ψ_i, ŷ_i/ψ_i). With doubly stochastic
// weights ψ ≡ 1 and dopp is pdct. Round order E1–E3/A1 as pdct, mixing in increasing j, so trajectories are
// bitwise identical for any rank count.
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

const char *const kKappa[] = {"one", "n"};
constexpr int kVals = 3;  // (μ, y, ψ) per agent, m = 1

class Dopp final : public Algorithm {
 public:
  const char *name() const override { return "dopp"; }
  bool uses_graph() const override { return true; }

  PetscErrorCode SetFromOptions() override {
    PetscInt kappa = 0;
    PetscBool weights_set = PETSC_FALSE;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "dopp_",
                      "Algorithm dopp: push-sum primal-dual with constraint tracking, column-stochastic weights, directed "
                      "graphs allowed (algorithms.md §8.3)",
                      nullptr);
    PetscCall(laws_.FromOptions(PetscOptionsObject, "dopp_"));
    PetscCall(PetscOptionsEList("-kappa",
                                "Dual-step scale kappa_N: one (y estimates the average constraint) or n (the total)",
                                nullptr, kKappa, 2, kKappa[0], &kappa, nullptr));
    kappa_n_ = kappa == 1;
    PetscCall(InitFromOptions(PetscOptionsObject, "dopp_", &init_));
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
                       std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(graphs, PETSC_COMM_WORLD, PETSC_ERR_ARG_NULL, "dopp needs a communication graph");
    // The failure model moves a failed weight-file entry to its row's self weight: rows stay stochastic but
    // columns do not, and push-sum (and the tracking invariant) needs the columns.
    PetscCheck(!(graphs->weights == graph::WeightKind::file && graphs->link_failure > 0), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "dopp with -graph_weight_file and -graph_link_failure %g: failed entries move to the row's self weight, which "
               "breaks the column sums push-sum needs; use -graph_weights outdegree (recomputed on the surviving graph) or q = 0",
               graphs->link_failure);
    block_ = block;
    graphs_ = graphs;
    problem_ = &problem;
    kappa_ = kappa_n_ ? static_cast<double>(block.n) : 1.0;
    const std::int64_t nloc = block.local(), ng = static_cast<std::int64_t>(graphs->ghosts.size());
    nloc_ = nloc;
    x_.assign(nloc, 0.0), cprev_.assign(nloc, 0.0);
    cur_.assign(kVals * (nloc + ng), 0.0), nxt_.assign(kVals * (nloc + ng), 0.0);
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
      // Directed in-edges j → i (an undirected edge counts once each way): one message each.
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

  std::vector<AgentField> agent_fields() const override {
    return {{"x", "per-unit", "decision x_{i,t} played at step t"},
            {"mu", "per-unit price", "push-sum multiplier numerator mu_{i,t} before mixing (estimate mu/psi)"},
            {"y", "per-unit", "constraint tracker y_{i,t} after A1 (estimate y/psi)"},
            {"psi", "1", "push-sum weight psi_{i,t} before mixing"}};
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double kappa = kappa_;
    PetscCall(rec.WriteGlobalArray("algorithm/kappa_N", &kappa, 1, "1", "dual-step scale kappa_N"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string("dopp")));
    PetscCall(laws_.Record(rec, "/inputs/algorithm"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "init", std::string(InitName(init_))));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Checkpoint after step t: x_{t+1}, μ_{t+1}, ŷ_t, ψ_{t+1}, c_t (and the oracle's x*_t).
  PetscErrorCode SaveState(io::Recorder &ckpt) const override {
    const std::int64_t n = block_.n, off = block_.start, nl = nloc_;
    std::vector<double> mu(nl), yhat(nl), psi(nl);
    PetscFunctionBeginUser;
    for (std::int64_t i = 0; i < nl; ++i) mu[i] = cur_[kVals * i], yhat[i] = cur_[kVals * i + 1], psi[i] = cur_[kVals * i + 2];
    PetscCall(ckpt.WriteDistributedArray("/state/x", n, off, nl, x_.data(), "per-unit", "x_{i,t+1}", "agent"));
    PetscCall(ckpt.WriteDistributedArray("/state/mu", n, off, nl, mu.data(), "per-unit price", "mu_{i,t+1}", "agent"));
    PetscCall(ckpt.WriteDistributedArray("/state/yhat", n, off, nl, yhat.data(), "per-unit", "yhat_{i,t}", "agent"));
    PetscCall(ckpt.WriteDistributedArray("/state/psi", n, off, nl, psi.data(), "1", "push-sum weight psi_{i,t+1}", "agent"));
    PetscCall(ckpt.WriteDistributedArray("/state/cprev", n, off, nl, cprev_.data(), "per-unit", "g_{i,t}(x_{i,t})", "agent"));
    const bool has_xstar = !xstar_.empty();
    PetscCall(ckpt.SetAttribute("/state", "dopp_has_xstar", static_cast<std::int64_t>(has_xstar)));
    if (has_xstar)
      PetscCall(ckpt.WriteDistributedArray("/state/xstar", n, off, nl, xstar_.data(), "per-unit", "oracle x*_{i,t}", "agent"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode LoadState(io::Reader &ckpt) override {
    const std::int64_t off = block_.start, nl = nloc_;
    std::vector<double> mu(nl), yhat(nl), psi(nl);
    std::int64_t has_xstar = 0;
    PetscFunctionBeginUser;
    PetscCall(ckpt.ReadSlice("/state/x", off, nl, x_.data()));
    PetscCall(ckpt.ReadSlice("/state/mu", off, nl, mu.data()));
    PetscCall(ckpt.ReadSlice("/state/yhat", off, nl, yhat.data()));
    PetscCall(ckpt.ReadSlice("/state/psi", off, nl, psi.data()));
    PetscCall(ckpt.ReadSlice("/state/cprev", off, nl, cprev_.data()));
    for (std::int64_t i = 0; i < nl; ++i) cur_[kVals * i] = mu[i], cur_[kVals * i + 1] = yhat[i], cur_[kVals * i + 2] = psi[i];
    PetscCall(ckpt.GetAttribute("/state", "dopp_has_xstar", &has_xstar));
    if (has_xstar) {
      xstar_.resize(nl);
      PetscCall(ckpt.ReadSlice("/state/xstar", off, nl, xstar_.data()));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char s[256];
    snprintf(s, sizeof s, "dopp (push-sum), scheme %s (alpha0 %g/t^%g, beta0 %g/t^%g, gamma0 %g/t^%g), kappa_N = %s, init %s",
             laws_.scheme.c_str(), laws_.alpha0, laws_.pa, laws_.beta0, laws_.pb, laws_.gamma0, laws_.pg,
             kappa_n_ ? "n" : "1", InitName(init_));
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
      for (std::size_t e = 0; e < cur_.size(); e += kVals) cur_[e] = 0.0, cur_[e + 1] = 0.0, cur_[e + 2] = 1.0;  // μ = 0, ψ = 1
      if (ctx.oracle) xstar_.assign(nloc, 0.0);
    }

    // E2, A1 and the metric contributions: one pass over the local block.
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    if (ctx.partials && ctx.oracle) Pass1<K, true, true>(k, ctx);
    else if (ctx.partials) Pass1<K, true, false>(k, ctx);
    else Pass1<K, false, false>(k, ctx);
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) {
        for (int f = 0; f < kVals; ++f) ctx.record[1 + f][q] = cur_[kVals * i + f];
        ctx.record[0][q] = x_[i];
        ++q;
      }
    }
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));

    // Send (μ_i, y_i, ψ_i); with link failures the surviving out-degrees go first (the weights need them).
    const int b = graphs_->which(t);
    const double *w = graphs_->graphs[b].w.data();
    double local_msgs = 0;
    if (graphs_->link_failure > 0) {
      graphs_->surviving_degrees(t, deg_.data());
      for (std::int64_t i = 0; i < nloc; ++i) local_msgs += deg_[i];  // surviving out-edges of i: its sends
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
      PetscCall(exchange_->Begin(std::span<const double>(cur_.data(), kVals * nloc),
                                 std::span<double>(cur_.data() + kVals * nloc, cur_.size() - kVals * nloc), kVals));
    if (ctx.partials) {
      if (graphs_->link_failure > 0) ctx.partials->v[metrics::Partials::MSGS] = local_msgs;
      PetscCall(comm::AllreduceSumMax(PETSC_COMM_WORLD, ctx.partials->v, metrics::Partials::kSums,
                                      metrics::Partials::kMaxes));
    }
    ctx.messages = graphs_->link_failure > 0 ? (ctx.partials ? ctx.partials->v[metrics::Partials::MSGS] : NAN)
                                             : messages_[b];
    ctx.bytes = ctx.messages * kVals * sizeof(double);  // 2m + 1 doubles per message

    // E3 needs x_{i,t}, which the primal step overwrites.
    const bool hook = problem_->has_end_step_hook();
    if (hook) played_.assign(x_.begin(), x_.end());
    const double alpha = laws_.alpha(t), beta = laws_.beta(t), gamma = laws_.gamma(t);
    const graph::Mixing &m = graphs_->graphs[b];
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    Pass2(k, m, w, interior_[b], alpha, beta, gamma);
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    if (exchange_) PetscCall(exchange_->End());
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    Pass2(k, m, w, boundary_[b], alpha, beta, gamma);
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    std::swap(cur_, nxt_);
    if (hook) PetscCall(problem_->EndStep(t, played_.data()));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // E2: c = g(x); A1: y = c (t = 1) or ŷ_{t−1} + (c − c_{t−1}); cur_ holds (μ_t, ŷ_{t−1}, ψ_t) on entry.
  template <class K, bool Metrics, bool Oracle>
  void Pass1(const K &k, StepContext &ctx) {
    const std::int64_t nloc = nloc_;
    const bool first = ctx.t == 1;
    double *__restrict cur = cur_.data();
    double *__restrict cprev = cprev_.data();
    const double *__restrict x = x_.data();
    double *__restrict xs = xstar_.data();
    metrics::Partials acc;
    if constexpr (Metrics) acc = *ctx.partials;
    const double mu_star = ctx.mu_star;
    for (std::int64_t i = 0; i < nloc; ++i) {
      const double xi = x[i];
      const double c = k.g(i, xi);
      const double y = first ? c : cur[kVals * i + 1] + (c - cprev[i]);
      cur[kVals * i + 1] = y;
      cprev[i] = c;
      if constexpr (Metrics) {
        acc.agent(k.f(i, xi), c, xi, cur[kVals * i], y);
        if constexpr (Oracle) {
          const double xo = k.response(i, mu_star);
          acc.oracle(k.f(i, xo), first ? 0.0 : xo - xs[i]);
          xs[i] = xo;
        }
      }
    }
    if constexpr (Metrics) *ctx.partials = acc;
  }

  // μ̂, ŷ, ψ_{t+1} = Σ_j w_ij (·)_j in increasing j; λ = μ̂/ψ_{t+1}; projected primal step with λ; dual step
  // μ_{t+1} = [μ̂ + γ(κ ŷ/ψ_{t+1} − β μ̂)]_+. Writes x_{t+1} and (μ_{t+1}, ŷ_t, ψ_{t+1}) into nxt_.
  template <class K>
  void Pass2(const K &k, const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs,
             double alpha, double beta, double gamma) {
    const double *__restrict cur = cur_.data();
    double *__restrict nxt = nxt_.data();
    double *__restrict x = x_.data();
    const std::int64_t *__restrict rp = m.rowptr.data();
    const std::int32_t *__restrict col = m.col.data();
    const double kappa = kappa_;
    for (const Run &run : runs)
      for (std::int64_t i = run.first; i < run.second; ++i) {
        double mh = 0.0, yh = 0.0, ph = 0.0;
        for (std::int64_t e = rp[i]; e < rp[i + 1]; ++e) {
          const std::int64_t j = col[e];
          mh += w[e] * cur[kVals * j];
          yh += w[e] * cur[kVals * j + 1];
          ph += w[e] * cur[kVals * j + 2];
        }
        const double lambda = mh / ph;  // ψ > 0: every self weight is positive
        const double xi = x[i];
        const double v = k.grad(i, xi) + k.jac(i, xi) * lambda;
        x[i] = k.project(i, xi - (alpha * k.rho(i)) * v);
        nxt[kVals * i] = std::max(0.0, mh + gamma * (kappa * yh / ph - beta * mh));
        nxt[kVals * i + 1] = yh;
        nxt[kVals * i + 2] = ph;
      }
  }

  StepLaws laws_;
  bool kappa_n_ = false, weights_given_ = false;
  double kappa_ = 1;
  Init init_ = Init::Random;
  Block block_;
  std::int64_t nloc_ = 0;
  const graph::LocalGraphs *graphs_ = nullptr;
  problems::Problem *problem_ = nullptr;
  std::unique_ptr<comm::Exchange> exchange_;
  std::vector<double> x_, cprev_, cur_, nxt_, xstar_, deg_, wt_, played_;
  std::vector<std::vector<Run>> interior_, boundary_;
  std::vector<double> messages_;
};

}  // namespace

std::unique_ptr<Algorithm> DoppCreate() { return std::make_unique<Dopp>(); }

}  // namespace dodge::algorithms
