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
#include "algorithms/send_policy.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "graph/graph.hpp"
#include "problems/problem.hpp"

namespace dodge::algorithms {

class GraphAlgorithm : public Algorithm {
 public:
  bool uses_graph() const override { return true; }
  bool supports_vector() const override { return true; }
  std::int64_t mpi_messages() const override { return exchange_ ? exchange_->mpi_messages() : 0; }
  std::int64_t mpi_bytes() const override { return exchange_ ? exchange_->mpi_bytes() : 0; }
  // Checkpoint after step t: x_{t+1}, the exchanged slots, c_t when tracking, and the send policy's state.
  PetscErrorCode SaveState(io::Recorder &ckpt) const override;
  PetscErrorCode LoadState(io::Reader &ckpt) override;
  // Installs what the agents send instead of their stored values (send_policy.hpp); after Setup, before the
  // first step. Null restores the default (send the stored values).
  void SetSendPolicy(std::unique_ptr<SendPolicy> policy);
  const SendPolicy *send_policy() const { return policy_.get(); }
  SendPolicy *send_policy() { return policy_.get(); }
  // The communication graphs the algorithm mixes over (after Setup).
  const graph::LocalGraphs *graphs() const { return graphs_; }
  // Whether slot 1 is a tracker (pdct, dopp), and the exchanged values per agent.
  bool tracks() const { return track_; }
  int exchanged_values() const { return stride_; }
  // The send policy's totals at the end of a completed run (RecordSummary of send_policy.hpp). Collective.
  PetscErrorCode RecordSummary(io::Recorder &rec) const override;

 protected:
  // The state of a graph algorithm per owned agent: x (d), c (m) and its exchanged slots twice (the values of
  // this step and of the next), `slot_values` values per agent (pdct and dopp exchange (μ, ŷ), li2022 μ alone,
  // dopp adds its push-sum weight): what SetupGraph allocates, for state_bytes_per_agent before Setup.
  static double GraphStateBytes(int d, int m, double slot_values) { return 8.0 * (d + m + 2.0 * slot_values); }

  // One exchanged value per agent (per constraint row when per_row, for vector families): its checkpoint
  // name, units, meaning and value at t = 1.
  struct Slot {
    std::string name, units, long_name;
    double initial;
    bool per_row = true;
  };

  // Allocates the state ([owned | ghosts] × slots), the exchange and the row runs. `track`: slot 1 is the
  // tracker y (A1 of pdct); otherwise c_{i,t} is kept in c_ for the dual step. Collective.
  PetscErrorCode SetupGraph(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                            std::vector<Slot> slots, bool track);

  // One round: E2 (and A1 when tracking) with the metric contributions, recording, the exchange of the
  // slots overlapped with the fused reduction, then row(i, mixed, w_ii) for every owned row, where mixed[s] =
  // Σ_j w_ij(t) slot_s(j) in increasing j — the stored value for j = i, the sent view (send_policy.hpp) for
  // every neighbour — and w_ii(t) is the row's self weight. row writes x_[i] and nxt_[kv*i + s]. Then E3.
  // Collective. KV is the number of slots given to SetupGraph.
  template <int KV, class K, class Row>
  PetscErrorCode Round(const K &k, StepContext &ctx, Row &&row);

  int kv() const { return static_cast<int>(slots_.size()); }

  // The same round for vector families (K a vector kernel with d = K::dim, m = K::rows): x_ holds d values per
  // agent, c_ m values, and each agent's exchanged values are its slots in order, m values for a per_row slot
  // and one otherwise (stride() in all). row(i, mixed, w_ii) gets the mixed values in that layout, writes
  // x_[d i ..] and nxt_[stride() i ..]. Collective.
  template <class K, class Row>
  PetscErrorCode RoundVec(const K &k, StepContext &ctx, Row &&row);
  int stride() const { return stride_; }
  // A4 for vector families, in place: x_i ← P_{X_i}(x_i − step·(∇f_i(x_i) + J_i(x_i)ᵀ mu)).
  template <class K>
  static void PrimalStepVec(const K &k, std::int64_t i, double *xi, const double *mu, double step) {
    double v[K::dim];
    k.lagrangian_grad(i, xi, mu, v);
    for (int q = 0; q < K::dim; ++q) xi[q] = xi[q] - step * v[q];
    k.project(i, xi);
  }
  // d_i and m of the problem (1 and 1 for scalar families): agent field widths.
  int dim_ = 1, rows_ = 1;

  // The options, description and recorded parameters shared by the tracking primal-dual algorithms (pdct,
  // dopp): step laws, κ_N and the initial point, read inside the caller's prefixed option block.
  PetscErrorCode TrackingOptions(PetscOptionItems *PetscOptionsObject, const char *prefix);
  std::string TrackingDescribe(const char *what) const;
  // Sets κ_N for n agents and warns (rank 0, stderr) when κ_N = n with n·α_1·γ_1 above
  // kKappaNStabilityLimit: algorithms.md §8.1, stable only while n·α_t·γ_t stays small. Collective.
  PetscErrorCode SetKappa(std::int64_t n, const char *prefix);
  static constexpr double kKappaNStabilityLimit = 100;
  PetscErrorCode TrackingRecord(io::Recorder &rec) const;
  // The send policy's parameters (/inputs/exchange), if one is installed; TrackingRecord calls it.
  PetscErrorCode RecordPolicy(io::Recorder &rec) const;
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
  std::vector<double> x_, c_, cur_, nxt_;

 private:
  using Run = std::pair<std::int64_t, std::int64_t>;  // rows [first, second)

  template <class K, bool Track>
  void Pass1(const K &k, StepContext &ctx);
  template <class K>
  void Pass1Dispatch(const K &k, StepContext &ctx);
  template <class K, bool Track>
  void Pass1Vec(const K &k, StepContext &ctx);
  template <bool Apart, bool PerEdge, class Row>
  void RowsVec(const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs, Row &row);
  // rows(runs) with the mixing variant the send policy needs: Rows<KV, Apart, PerEdge> (Apart: the sent view
  // is not the stored array; PerEdge: Receive adjusts each edge).
  template <int KV, class Row>
  void MixRows(const graph::Mixing &m, const double *w, const std::vector<Run> &runs, Row &row);
  template <class Row>
  void RowsByPolicy(const graph::Mixing &m, const double *w, const std::vector<Run> &runs, Row &row);
  template <class Row>
  void MixRowsVec(const graph::Mixing &m, const double *w, const std::vector<Run> &runs, Row &row);
  // Weights of G(t): the static ones, or (with link failures) recomputed after exchanging surviving degrees.
  PetscErrorCode StepWeights(std::int64_t t, const double **w, double *local_msgs);
  // The mixing of round ctx.t: the weights of G(t) (graph index *b, weights *w), the halo exchange of W values
  // per agent started, the metrics observer's fused reduction (its messages entry filled first under link
  // failures) while the halo is in flight, and the round's logical traffic into ctx. Collective.
  PetscErrorCode StartMixing(StepContext &ctx, int W, int *b, const double **w);
  // rows(runs) over the interior rows of graph b, the halo completed, then over its boundary rows (timed as
  // local updates); then the state's buffers swap. Collective.
  template <class RunRows>
  PetscErrorCode FinishMixing(int b, RunRows &&rows);
  template <int KV, bool Apart, bool PerEdge, class Row>
  void Rows(const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs, Row &row);
  // The values neighbours read: the stored array (with the ghosts after the owned agents) without a policy,
  // else sent_ ([owned | ghosts] × stride, owned filled by the policy, ghosts by the exchange).
  const double *sent_view() const { return policy_ ? sent_.data() : cur_.data(); }

  std::vector<Slot> slots_;
  std::vector<int> slot_offset_;  // first value of each slot within an agent's stride
  int stride_ = 1;
  metrics::VecPartials block_acc_;
  std::vector<double> mixed_;
  bool track_ = true;
  bool prices_ = false;  // the problem bills each agent its own price (problems::StepPrices)
  std::vector<double> price_prev_, price_next_;
  std::unique_ptr<comm::Exchange> exchange_;
  std::unique_ptr<SendPolicy> policy_;
  std::vector<double> sent_;
  int sent_stride_ = 1;  // values per agent in sent_: the stride and the policy's extra() ones
  // With a policy that counts its messages: the round's count (after the halo completed), summed over ranks.
  PetscErrorCode CountSent(StepContext &ctx, int b, const double *w, int W);
  std::vector<std::vector<std::int64_t>> self_edge_;  // per graph: each owned row's diagonal entry (−1: none)
  std::int64_t step_t_ = 0;                           // the round being mixed (for the policy)
  std::vector<double> deg_, wt_, played_;
  std::vector<std::vector<Run>> interior_, boundary_;
  std::vector<double> messages_;
};

// ---- templates ------------------------------------------------------------------------------------------

// The step's first pass: the tracker update A1 and, through the metrics observer, every agent's metric
// contribution at the point §12 names.
template <class K, bool Track>
void GraphAlgorithm::Pass1(const K &k, StepContext &ctx) {
  const int kvals = kv();
  const bool first = ctx.t == 1;
  double *__restrict cur = cur_.data();
  double *__restrict cv = c_.data();
  const double *__restrict x = x_.data();
  const auto body = [&](std::int64_t i, auto &&sink) {
    const double xi = x[i];
    const double c = k.g(i, xi);
    double y = c;
    if constexpr (Track) {
      // A1: y = c (t = 1) or ŷ_{t−1} + (c − c_{t−1}); slot 1 holds ŷ_{t−1} on entry.
      y = first ? c : cur[kvals * i + 1] + (c - cv[i]);
      cur[kvals * i + 1] = y;
    }
    cv[i] = c;
    sink(xi, c, cur[kvals * i], y);
  };
  // The pass values stay in cur_ (μ: slot 0, y: slot 1 or c_) until StartMixing's Reduce reads them.
  if (ctx.observer) ctx.observer->PassKept(k, nloc_, body);
  else
    for (std::int64_t i = 0; i < nloc_; ++i) body(i, [](double, double, double, double) {});
}

template <class K>
void GraphAlgorithm::Pass1Dispatch(const K &k, StepContext &ctx) {
  if (track_) Pass1<K, true>(k, ctx);
  else Pass1<K, false>(k, ctx);
}

// Software prefetch of the neighbours' values kPrefetchRows rows ahead, on graphs whose rows reach far in
// memory (graph::Mixing::prefetch: random families). Performance only: the loads and sums are unchanged.
// "Ahead" counts rows in the order the runs visit them, across runs: on several ranks a random graph's rows
// split into interior and boundary runs of a few rows each, and a prefetch confined to its run would never fire.
inline constexpr std::int64_t kPrefetchRows = 16;

// The row `ahead` rows after the current one in a list of runs [first, second) (each non-empty).
class RowCursor {
 public:
  RowCursor(const std::vector<std::pair<std::int64_t, std::int64_t>> &runs, std::int64_t ahead)
      : run_(runs.data()), last_(runs.data() + runs.size()) {
    if (run_ < last_) row_ = run_->first, end_ = run_->second;
    for (std::int64_t k = 0; k < ahead; ++k) Next();
  }
  bool valid() const { return run_ < last_; }
  std::int64_t row() const { return row_; }
  void Next() {
    if (valid() && ++row_ == end_ && ++run_ < last_) row_ = run_->first, end_ = run_->second;
  }

 private:
  const std::pair<std::int64_t, std::int64_t> *run_, *last_;  // the current run; one past the last
  std::int64_t row_ = 0, end_ = 0;
};

// Prefetch the first line of every in-neighbour's record (stride values per agent) of row r.
inline void PrefetchRow(const std::int64_t *__restrict rp, const std::int32_t *__restrict col,
                        const double *__restrict from, int stride, std::int64_t r) {
  for (std::int64_t e = rp[r]; e < rp[r + 1]; ++e) __builtin_prefetch(from + static_cast<std::int64_t>(stride) * col[e]);
}

// Row i of a run ending at run_end is being mixed: prefetch the row kPrefetchRows ahead. With one run (one
// rank) the plain in-run lookahead (the cursor's bookkeeping costs ~5 % there); with several, the cursor's.
inline void PrefetchAhead(bool one_run, std::int64_t i, std::int64_t run_end, RowCursor &ahead,
                          const std::int64_t *__restrict rp, const std::int32_t *__restrict col,
                          const double *__restrict from, int stride) {
  if (one_run) {
    if (i + kPrefetchRows < run_end) PrefetchRow(rp, col, from, stride, i + kPrefetchRows);
  } else if (ahead.valid()) {
    PrefetchRow(rp, col, from, stride, ahead.row()), ahead.Next();
  }
}

template <int KV, bool Apart, bool PerEdge, class Row>
void GraphAlgorithm::Rows(const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs, Row &row) {
  const double *__restrict cur = cur_.data();
  const double *__restrict sent = sent_view();
  const std::int64_t *__restrict rp = m.rowptr.data();
  const std::int32_t *__restrict col = m.col.data();
  const std::int64_t *__restrict self = self_edge_[graphs_->which(step_t_)].data();
  // With a policy: sent records of sw values (KV and the policy's extra ones), the own term as it says.
  const int sw = Apart ? sent_stride_ : KV;
  const OwnTerm own = Apart ? policy_->own_term() : OwnTerm::Stored;
  const int held_from = (Apart && own == OwnTerm::HeldCopy && track_) ? 1 : KV;  // the tracker slot, if any
  const double *__restrict from = Apart ? sent : cur;  // where the neighbours' values are read
  RowCursor ahead(runs, kPrefetchRows);
  const bool one_run = runs.size() == 1;
  for (const Run &run : runs)
    for (std::int64_t i = run.first; i < run.second; ++i) {
      if (m.prefetch) PrefetchAhead(one_run, i, run.second, ahead, rp, col, from, sw);
      double mixed[KV] = {};
      [[maybe_unused]] double woff = 0;
      for (std::int64_t e = rp[i]; e < rp[i + 1]; ++e) {
        const std::int64_t j = col[e];
        if constexpr (!Apart) {
          for (int s = 0; s < KV; ++s) mixed[s] += w[e] * cur[KV * j + s];
        } else if (j == i) {
          const double *o = own == OwnTerm::Sent ? sent + sw * j : cur + KV * j;
          for (int s = 0; s < KV; ++s) mixed[s] += w[e] * o[s];
        } else if constexpr (PerEdge) {
          double seen[KV];
          policy_->Receive(step_t_, block_.start + i, m.gid[e], KV, sent + sw * j, seen);
          for (int s = 0; s < KV; ++s) mixed[s] += w[e] * seen[s];
          woff += w[e];
        } else {
          for (int s = 0; s < KV; ++s) mixed[s] += w[e] * sent[sw * j + s];
          woff += w[e];
        }
      }
      if constexpr (Apart)
        for (int s = held_from; s < KV; ++s) mixed[s] += woff * (cur[KV * i + s] - sent[sw * i + s]);
      row(i, static_cast<const double *>(mixed), self[i] >= 0 ? w[self[i]] : 0.0);
    }
}

// The rows of a policy that mixes them itself (SendPolicy::mixes_rows: the defences of algorithms.md §13.3).
template <class Row>
void GraphAlgorithm::RowsByPolicy(const graph::Mixing &m, const double *w, const std::vector<Run> &runs, Row &row) {
  const int W = stride_, b = graphs_->which(step_t_);
  const std::int64_t *self = self_edge_[b].data();
  double *mixed = mixed_.data();
  for (const Run &run : runs)
    for (std::int64_t i = run.first; i < run.second; ++i) {
      policy_->MixRow(step_t_, b, i, m, w, sent_.data(), sent_stride_, cur_.data() + W * i, W, mixed);
      row(i, static_cast<const double *>(mixed), self[i] >= 0 ? w[self[i]] : 0.0);
    }
}

template <int KV, class Row>
void GraphAlgorithm::MixRows(const graph::Mixing &m, const double *w, const std::vector<Run> &runs, Row &row) {
  if (!policy_) Rows<KV, false, false>(m, w, runs, row);
  else if (policy_->mixes_rows()) RowsByPolicy(m, w, runs, row);
  else if (policy_->per_edge()) Rows<KV, true, true>(m, w, runs, row);
  else Rows<KV, true, false>(m, w, runs, row);
}

template <class Row>
void GraphAlgorithm::MixRowsVec(const graph::Mixing &m, const double *w, const std::vector<Run> &runs, Row &row) {
  if (!policy_) RowsVec<false, false>(m, w, runs, row);
  else if (policy_->mixes_rows()) RowsByPolicy(m, w, runs, row);
  else if (policy_->per_edge()) RowsVec<true, true>(m, w, runs, row);
  else RowsVec<true, false>(m, w, runs, row);
}

template <class RunRows>
PetscErrorCode GraphAlgorithm::FinishMixing(int b, RunRows &&rows) {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  rows(interior_[b]);
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
  if (exchange_) PetscCall(exchange_->End());
  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  rows(boundary_[b]);
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
  std::swap(cur_, nxt_);
  PetscFunctionReturn(PETSC_SUCCESS);
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

  int b;
  const double *w;
  PetscCall(StartMixing(ctx, kvals, &b, &w));
  // E3 needs x_{i,t}, which the primal step overwrites.
  const bool hook = problem_->has_end_step_hook();
  if (hook) played_.assign(x_.begin(), x_.end());
  PetscCall(FinishMixing(b, [&](const std::vector<Run> &runs) { MixRows<KV>(graphs_->graphs[b], w, runs, row); }));
  PetscCall(CountSent(ctx, b, w, kvals));
  // The price each agent pays is its estimate μ̂_{i,t−1} (0 at t = 1).
  if (hook) PetscCall(problem_->EndStep(t, played_.data(), {false, 0.0, prices_ ? price_prev_.data() : nullptr}));
  if (prices_) std::swap(price_prev_, price_next_);
  PetscFunctionReturn(PETSC_SUCCESS);
}

template <class K, bool Track>
void GraphAlgorithm::Pass1Vec(const K &k, StepContext &ctx) {
  constexpr int d = K::dim, m = K::rows;
  const int W = stride_, ys = Track ? slot_offset_[1] : 0;
  const bool first = ctx.t == 1;
  double *__restrict cur = cur_.data();
  double *__restrict cv = c_.data();
  const double *__restrict x = x_.data();
  const auto body = [&](std::int64_t i, auto &&sink) {
    const double *xi = x + d * i;
    double c[m];
    k.g(i, xi, c);
    double *cprev = cv + m * i, *y = cur + W * i + ys;
    if constexpr (Track)
      for (int r = 0; r < m; ++r) y[r] = first ? c[r] : y[r] + (c[r] - cprev[r]);  // A1 per row
    for (int r = 0; r < m; ++r) cprev[r] = c[r];
    sink(xi, static_cast<const double *>(c), static_cast<const double *>(cur + W * i),
         static_cast<const double *>(Track ? y : c));
  };
  if (ctx.observer) ctx.observer->PassVecKept(k, nloc_, body);
  else
    for (std::int64_t i = 0; i < nloc_; ++i)
      body(i, [](const double *, const double *, const double *, const double *) {});
}

template <bool Apart, bool PerEdge, class Row>
void GraphAlgorithm::RowsVec(const graph::Mixing &m, const double *__restrict w, const std::vector<Run> &runs, Row &row) {
  const double *__restrict cur = cur_.data();
  const double *__restrict sent = sent_view();
  const std::int64_t *__restrict rp = m.rowptr.data();
  const std::int32_t *__restrict col = m.col.data();
  const std::int64_t *__restrict self = self_edge_[graphs_->which(step_t_)].data();
  const int W = stride_;
  const int sw = Apart ? sent_stride_ : W;
  const OwnTerm own = Apart ? policy_->own_term() : OwnTerm::Stored;
  const int held_from = (Apart && own == OwnTerm::HeldCopy && track_) ? slot_offset_[1] : W;
  const int held_to = (Apart && own == OwnTerm::HeldCopy && track_) ? slot_offset_[1] + rows_ : W;
  double *__restrict mixed = mixed_.data();
  std::vector<double> seen(PerEdge ? W : 0);
  const double *__restrict from = Apart ? sent : cur;  // where the neighbours' values are read (first line only)
  RowCursor ahead(runs, kPrefetchRows);
  const bool one_run = runs.size() == 1;
  for (const Run &run : runs)
    for (std::int64_t i = run.first; i < run.second; ++i) {
      if (m.prefetch) PrefetchAhead(one_run, i, run.second, ahead, rp, col, from, sw);
      for (int s = 0; s < W; ++s) mixed[s] = 0.0;
      [[maybe_unused]] double woff = 0;
      for (std::int64_t e = rp[i]; e < rp[i + 1]; ++e) {
        const std::int64_t j = col[e];
        const double *cj = (!Apart || (j == i && own != OwnTerm::Sent)) ? cur + W * j : sent + sw * j;
        if constexpr (PerEdge) {
          if (j != i) {
            policy_->Receive(step_t_, block_.start + i, m.gid[e], W, cj, seen.data());
            cj = seen.data();
          }
        }
        if (j != i) woff += w[e];
        for (int s = 0; s < W; ++s) mixed[s] += w[e] * cj[s];
      }
      if constexpr (Apart)
        for (int s = held_from; s < held_to; ++s) mixed[s] += woff * (cur[W * i + s] - sent[sw * i + s]);
      row(i, static_cast<const double *>(mixed), self[i] >= 0 ? w[self[i]] : 0.0);
    }
}

template <class K, class Row>
PetscErrorCode GraphAlgorithm::RoundVec(const K &k, StepContext &ctx, Row &&row) {
  constexpr int d = K::dim, m = K::rows;
  const Events *ev;
  const std::int64_t t = ctx.t, nloc = nloc_;
  const int W = stride_;
  PetscFunctionBeginUser;
  PetscCheck(d == dim_ && m == rows_, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: vector kernel %dx%d on state %dx%d", name(), d, m,
             dim_, rows_);
  PetscCall(EventsGet(&ev));
  if (t == 1) {
    for (std::int64_t i = 0; i < nloc; ++i) {
      double *xi = x_.data() + d * i;
      for (int q = 0; q < d; ++q) xi[q] = InitialPoint(init_, graphs_->seed, block_.start + i, k.lo(i, q), k.hi(i, q), q);
      k.project(i, xi);
    }
    const std::int64_t nall = static_cast<std::int64_t>(cur_.size()) / W;
    for (std::int64_t i = 0; i < nall; ++i)
      for (std::size_t s = 0; s < slots_.size(); ++s)
        for (int r = 0; r < (slots_[s].per_row ? m : 1); ++r) cur_[W * i + slot_offset_[s] + r] = slots_[s].initial;
  }

  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  if (track_) Pass1Vec<K, true>(k, ctx);
  else Pass1Vec<K, false>(k, ctx);
  if (ctx.record_local) {
    // Fields: x (d values), the slots (their widths), then c (m values) when there is no tracker.
    std::size_t q = 0;
    for (std::int64_t i : *ctx.record_local) {
      std::copy_n(x_.data() + d * i, d, ctx.record[0] + d * q);
      for (std::size_t s = 0; s < slots_.size(); ++s) {
        const int wd = slots_[s].per_row ? m : 1;
        std::copy_n(cur_.data() + W * i + slot_offset_[s], wd, ctx.record[1 + s] + wd * q);
      }
      if (!track_) std::copy_n(c_.data() + m * i, m, ctx.record[1 + slots_.size()] + m * q);
      ++q;
    }
  }
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));

  int b;
  const double *w;
  PetscCall(StartMixing(ctx, W, &b, &w));
  PetscCall(FinishMixing(b, [&](const std::vector<Run> &runs) { MixRowsVec(graphs_->graphs[b], w, runs, row); }));
  PetscCall(CountSent(ctx, b, w, W));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The graph algorithm whose mixing messages a send policy (-exchange_trigger, -exchange_privacy, -attack_agents,
// -defense) would act on, or a clear error naming `opt`: the algorithm must mix over a graph (pdct, li2022; not
// the coordinator algorithms, and not mmr, whose messages are a market clearing), and not be dopp (`why_not_dopp`
// says why, citing algorithms.md).
PetscErrorCode SendPolicyTarget(Algorithm &algorithm, const char *opt, const char *why_not_dopp, GraphAlgorithm **target);

}  // namespace dodge::algorithms
