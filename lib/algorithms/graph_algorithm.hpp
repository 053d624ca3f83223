// The machinery every graph algorithm shares (pdct, li2022, dopp): state layout, the split-phase halo
// exchange of the mixed values, interior/boundary row runs, link-failure weights, the fused metric pass,
// recording and checkpoints. A derived algorithm supplies its options and the per-row update.
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "algorithms/graph_common.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "graph/graph.hpp"
#include "problems/demand.hpp"
#include "problems/problem.hpp"

namespace dodge::algorithms {

class GraphAlgorithm : public Algorithm {
 public:
  bool uses_graph() const override { return true; }
  std::int64_t mpi_messages() const override { return exchange_ ? exchange_->mpi_messages() : 0; }
  std::int64_t mpi_bytes() const override { return exchange_ ? exchange_->mpi_bytes() : 0; }
  // Checkpoint after step t: x_{t+1}, the exchanged slots, c_t when tracking, and the oracle's x*_t.
  PetscErrorCode SaveState(io::Recorder &ckpt) const override;
  PetscErrorCode LoadState(io::Reader &ckpt) override;

 protected:
  // One exchanged value per agent: its checkpoint name, units, meaning and value at t = 1.
  struct Slot {
    std::string name, units, long_name;
    double initial;
  };

  // Allocates the state ([owned | ghosts] × slots), the exchange and the row runs. `track`: slot 1 is the
  // tracker y (A1 of pdct); otherwise c_{i,t} is kept in c_ for the dual step. Collective.
  PetscErrorCode SetupGraph(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                            std::vector<Slot> slots, bool track);

  // One round: E2 (and A1 when tracking) with the metric contributions, recording, the exchange of the
  // slots overlapped with the fused reduction, then row(i, mixed) for every owned row, where mixed[s] =
  // Σ_j w_ij(t) slot_s(j) in increasing j. row writes x_[i] and nxt_[kv*i + s]. Then E3. Collective.
  // KV is the number of slots given to SetupGraph.
  template <int KV, class K, class Row>
  PetscErrorCode Round(const K &k, StepContext &ctx, Row &&row);

  int kv() const { return static_cast<int>(slots_.size()); }

  // The options, description and recorded parameters shared by the tracking primal-dual algorithms (pdct,
  // dopp): step laws, κ_N and the initial point, read inside the caller's prefixed option block.
  PetscErrorCode TrackingOptions(PetscOptionItems *PetscOptionsObject, const char *prefix);
  std::string TrackingDescribe(const char *what) const;
  PetscErrorCode TrackingRecord(io::Recorder &rec) const;
  StepLaws laws_;
  bool kappa_n_ = false;
  double kappa_ = 1;  // κ_N: 1, or n (set in Setup)
  // Where a row writes the agent's own price estimate of step t (its mixed multiplier), or nullptr when the
  // problem does not ask for prices (demand's average cost C̄, §12). The base hands the previous step's
  // estimates to the problem before E3.
  double *price_out() { return prices_ ? price_next_.data() : nullptr; }

  Init init_ = Init::Random;
  Block block_;
  std::int64_t nloc_ = 0;
  const graph::LocalGraphs *graphs_ = nullptr;
  problems::Problem *problem_ = nullptr;
  std::vector<double> x_, c_, cur_, nxt_, xstar_;

 private:
  using Run = std::pair<std::int64_t, std::int64_t>;  // rows [first, second)

  template <class K, bool Metrics, bool Oracle, bool Track>
  void Pass1(const K &k, StepContext &ctx);
  template <class K>
  void Pass1Dispatch(const K &k, StepContext &ctx);
  // Weights of G(t): the static ones, or (with link failures) recomputed after exchanging surviving degrees.
  PetscErrorCode StepWeights(std::int64_t t, const double **w, double *local_msgs);
  template <int KV, class Row>
  void Rows(const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs, Row &row);

  std::vector<Slot> slots_;
  bool track_ = true;
  problems::DemandPrices *prices_ = nullptr;
  std::vector<double> price_prev_, price_next_;
  std::unique_ptr<comm::Exchange> exchange_;
  std::vector<double> deg_, wt_, played_;
  std::vector<std::vector<Run>> interior_, boundary_;
  std::vector<double> messages_;
};

// ---- templates ------------------------------------------------------------------------------------------

template <class K, bool Metrics, bool Oracle, bool Track>
void GraphAlgorithm::Pass1(const K &k, StepContext &ctx) {
  const std::int64_t nloc = nloc_;
  const int kvals = kv();
  const bool first = ctx.t == 1;
  double *__restrict cur = cur_.data();
  double *__restrict cv = c_.data();
  const double *__restrict x = x_.data();
  double *__restrict xs = xstar_.data();
  const double mu_star = ctx.mu_star;
  // Sums per block of agents in a local accumulator: registers (the arrays cannot alias it), and rounding
  // independent of how many agents a rank owns (metrics::Partials::merge).
  metrics::Partials total;
  if constexpr (Metrics) total = *ctx.partials;
  for (std::int64_t i0 = 0; i0 < nloc; i0 += metrics::Partials::kBlock) {
    const std::int64_t i1 = std::min(nloc, i0 + metrics::Partials::kBlock);
    metrics::Partials acc;
    if constexpr (Metrics) acc.reset(total.mu_shift, total.y_shift);
    for (std::int64_t i = i0; i < i1; ++i) {
      const double xi = x[i];
      const double c = k.g(i, xi);
      double y = c;
      if constexpr (Track) {
        // A1: y = c (t = 1) or ŷ_{t−1} + (c − c_{t−1}); slot 1 holds ŷ_{t−1} on entry.
        y = first ? c : cur[kvals * i + 1] + (c - cv[i]);
        cur[kvals * i + 1] = y;
      }
      cv[i] = c;
      if constexpr (Metrics) {
        acc.agent(k.f(i, xi), c, xi, cur[kvals * i], y);
        if constexpr (Oracle) {
          const double xo = k.response(i, mu_star);
          acc.oracle(k.f(i, xo), first ? 0.0 : xo - xs[i]);
          xs[i] = xo;
        }
      }
    }
    if constexpr (Metrics) total.merge(acc);
  }
  if constexpr (Metrics) *ctx.partials = total;
}

template <class K>
void GraphAlgorithm::Pass1Dispatch(const K &k, StepContext &ctx) {
  const bool m = ctx.partials != nullptr, o = m && ctx.oracle;
  if (track_) {
    if (o) Pass1<K, true, true, true>(k, ctx);
    else if (m) Pass1<K, true, false, true>(k, ctx);
    else Pass1<K, false, false, true>(k, ctx);
  } else {
    if (o) Pass1<K, true, true, false>(k, ctx);
    else if (m) Pass1<K, true, false, false>(k, ctx);
    else Pass1<K, false, false, false>(k, ctx);
  }
}

template <int KV, class Row>
void GraphAlgorithm::Rows(const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs, Row &row) {
  const double *__restrict cur = cur_.data();
  const std::int64_t *__restrict rp = m.rowptr.data();
  const std::int32_t *__restrict col = m.col.data();
  for (const Run &run : runs)
    for (std::int64_t i = run.first; i < run.second; ++i) {
      double mixed[KV] = {};
      for (std::int64_t e = rp[i]; e < rp[i + 1]; ++e) {
        const std::int64_t j = col[e];
        for (int s = 0; s < KV; ++s) mixed[s] += w[e] * cur[KV * j + s];
      }
      row(i, mixed);
    }
}

template <int KV, class K, class Row>
PetscErrorCode GraphAlgorithm::Round(const K &k, StepContext &ctx, Row &&row) {
  const Events *ev;
  const std::int64_t t = ctx.t, nloc = nloc_;
  const int kvals = kv();
  PetscFunctionBeginUser;
  PetscCheck(KV == kvals, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: Round<%d> on %d slots", name(), KV, kvals);
  PetscCall(EventsGet(&ev));
  if (t == 1) {
    for (std::int64_t i = 0; i < nloc; ++i)
      x_[i] = k.project(i, InitialPoint(init_, graphs_->seed, block_.start + i, k.lo(i), k.hi(i)));
    for (std::size_t e = 0; e < cur_.size(); ++e) cur_[e] = slots_[e % kvals].initial;
    if (ctx.oracle) xstar_.assign(nloc, 0.0);
  }

  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  Pass1Dispatch(k, ctx);
  if (ctx.record_local) {
    // Fields: x, the slots, then c when there is no tracker (agent_fields() says so).
    std::size_t q = 0;
    for (std::int64_t i : *ctx.record_local) {
      ctx.record[0][q] = x_[i];
      for (int s = 0; s < kvals; ++s) ctx.record[1 + s][q] = cur_[kvals * i + s];
      if (!track_) ctx.record[1 + kvals][q] = c_[i];
      ++q;
    }
  }
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));

  const int b = graphs_->which(t);
  const double *w = nullptr;
  double local_msgs = 0;
  PetscCall(StepWeights(t, &w, &local_msgs));
  if (exchange_)
    PetscCall(exchange_->Begin(std::span<const double>(cur_.data(), kvals * nloc),
                               std::span<double>(cur_.data() + kvals * nloc, cur_.size() - kvals * nloc), kvals));
  // The fused reduction of the metrics runs while the halo is in flight.
  if (ctx.partials) {
    if (graphs_->link_failure > 0) ctx.partials->v[metrics::Partials::MSGS] = local_msgs;
    PetscCall(comm::AllreduceSumMax(PETSC_COMM_WORLD, ctx.partials->v, metrics::Partials::kSums,
                                    metrics::Partials::kMaxes));
  }
  ctx.messages = graphs_->link_failure > 0 ? (ctx.partials ? ctx.partials->v[metrics::Partials::MSGS] : NAN)
                                           : messages_[b];
  ctx.bytes = ctx.messages * kvals * sizeof(double);

  // E3 needs x_{i,t}, which the primal step overwrites.
  const bool hook = problem_->has_end_step_hook();
  if (hook) played_.assign(x_.begin(), x_.end());
  const graph::Mixing &m = graphs_->graphs[b];
  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  Rows<KV>(m, w, interior_[b], row);
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
  if (exchange_) PetscCall(exchange_->End());
  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  Rows<KV>(m, w, boundary_[b], row);
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
  std::swap(cur_, nxt_);
  if (prices_) prices_->SetAgentPrices(price_prev_.data());  // μ̂_{i,t−1}, 0 at t = 1
  if (hook) PetscCall(problem_->EndStep(t, played_.data()));
  if (prices_) std::swap(price_prev_, price_next_);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::algorithms
