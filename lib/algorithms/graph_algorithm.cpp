// Setup, link-failure weights and checkpoints shared by the graph algorithms.
#include "algorithms/graph_algorithm.hpp"

#include <cmath>

#include <cstdio>
#include <cstring>

#include "core/options.hpp"

#include "io/reader.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

PetscErrorCode GraphAlgorithm::SetupGraph(const Block &block, problems::Problem &problem,
                                          const graph::LocalGraphs *graphs, std::vector<Slot> slots, bool track) {
  PetscFunctionBeginUser;
  PetscCheck(graphs, PETSC_COMM_WORLD, PETSC_ERR_ARG_NULL, "%s needs a communication graph", name());
  PetscCheck(slots.size() >= 1 && slots.size() <= 3 && (!track || slots.size() >= 2), PETSC_COMM_WORLD, PETSC_ERR_PLIB,
             "%s: a graph algorithm exchanges 1 to 3 values per agent (2 or more when tracking)", name());
  block_ = block, graphs_ = graphs, problem_ = &problem;
  slots_ = std::move(slots), track_ = track;
  const std::int64_t nloc = block.local(), ng = static_cast<std::int64_t>(graphs->ghosts.size());
  // Vector families: d values of x and m of c per agent, m per per-row slot. Scalar ones: one of each.
  dim_ = problem.dim(), rows_ = problem.rows();
  PetscCheck(!problem.is_vector() || !problem.has_end_step_hook(), PETSC_COMM_WORLD, PETSC_ERR_SUP,
             "%s: vector family %s with an end-of-step hook is not supported", name(), problem.name());
  slot_offset_.clear(), stride_ = 0;
  for (const Slot &s : slots_) slot_offset_.push_back(stride_), stride_ += s.per_row ? rows_ : 1;
  mixed_.assign(stride_, 0.0);
  const int kvals = stride_;
  nloc_ = nloc;
  x_.assign(dim_ * nloc, 0.0), c_.assign(rows_ * nloc, 0.0);
  cur_.assign(kvals * (nloc + ng), 0.0), nxt_.assign(kvals * (nloc + ng), 0.0);
  if (!graphs->ghosts.empty() || block.size > 1)
    PetscCall(comm::Exchange::Create(PETSC_COMM_WORLD, block, graphs->ghosts, &exchange_));
  // Rows that read only owned values are updated while the halo is in flight; runs of consecutive rows keep
  // the hot loop's bookkeeping at two numbers per run. Without overlap (graph::LocalGraphs::overlap) every row
  // is a boundary row: one run, mixed after the halo has arrived (rows are independent: the same results).
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
    const auto nruns = static_cast<std::int64_t>(interior_[b].size() + boundary_[b].size());
    const bool overlap = graphs->overlap == "on" || (graphs->overlap == "auto" && nruns * graph::kOverlapMinRun <= nloc);
    if (!overlap && !interior_[b].empty()) {
      interior_[b].clear(), boundary_[b].clear();
      if (nloc > 0) boundary_[b].emplace_back(0, nloc);
    }
    // Logical messages (§12): one per active directed edge j → i (an undirected edge counts each way).
    std::int64_t edges = m.active_edges_local;
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &edges, 1));
    messages_[b] = static_cast<double>(edges);
  }
  if (graphs->link_failure > 0) deg_.assign(nloc + ng, 0.0);
  // Each row's diagonal entry, so the row update gets w_ii and the mixing reads the agent's own value from
  // its stored state whatever the send policy.
  self_edge_.assign(graphs->B, std::vector<std::int64_t>(nloc, -1));
  for (int b = 0; b < graphs->B; ++b) {
    const graph::Mixing &m = graphs->graphs[b];
    for (std::int64_t i = 0; i < nloc; ++i)
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e)
        if (m.col[e] == i) self_edge_[b][i] = e;
  }
  policy_.reset(), sent_.clear();
  prices_ = problem.wants_step_prices();
  if (prices_) price_prev_.assign(nloc, 0.0), price_next_.assign(nloc, 0.0);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::StepWeights(std::int64_t t, const double **w, double *local_msgs) {
  const int b = graphs_->which(t);
  PetscFunctionBeginUser;
  *w = graphs_->graphs[b].w.data();
  *local_msgs = 0;
  if (graphs_->link_failure > 0) {
    graphs_->surviving_degrees(t, deg_.data());
    for (std::int64_t i = 0; i < nloc_; ++i) *local_msgs += deg_[i];  // surviving (out-)edges of i: its sends
    if (exchange_) {
      PetscCall(exchange_->Begin(std::span<const double>(deg_.data(), nloc_),
                                 std::span<double>(deg_.data() + nloc_, deg_.size() - nloc_), 1));
      PetscCall(exchange_->End());
    }
    wt_.resize(graphs_->graphs[b].w.size());
    graphs_->failure_weights(t, deg_.data(), wt_.data());
    *w = wt_.data();
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::StartMixing(StepContext &ctx, int W, int *b, const double **w) {
  double local_msgs = 0;
  const std::int64_t nloc = nloc_;
  PetscFunctionBeginUser;
  *b = graphs_->which(ctx.t);
  step_t_ = ctx.t;
  PetscCall(StepWeights(ctx.t, w, &local_msgs));
  // What is sent: the stored values themselves, or what the send policy makes of them.
  double *send = cur_.data();
  int sw = W;
  std::size_t total = cur_.size();
  if (policy_) {
    sw = sent_stride_ = W + policy_->extra();
    total = cur_.size() / W * sw;
    sent_.resize(total);
    policy_->Send(ctx.t, block_, W, cur_.data(), sent_.data());
    send = sent_.data();
  }
  if (exchange_)
    PetscCall(exchange_->Begin(std::span<const double>(send, sw * nloc),
                               std::span<double>(send + sw * nloc, total - sw * nloc), sw));
  const bool failures = graphs_->link_failure > 0;
  const bool metrics = ctx.metrics();
  if (metrics) {
    if (failures) ctx.observer->messages() = local_msgs;
    // The pass's (μ_i, y_i), unchanged since Pass1: μ in slot 0; y in slot 1 (trackers) or the constraint values.
    const std::int64_t m = rows_;
    const int yoff = track_ ? (slot_offset_.size() > 1 ? slot_offset_[1] : 1) : 0;
    const metrics::Observer::Values kept{cur_.data(), W, track_ ? cur_.data() + yoff : c_.data(), track_ ? W : m};
    PetscCall(ctx.observer->Reduce(PETSC_COMM_WORLD, &kept));
  }
  ctx.messages = failures ? (metrics ? ctx.observer->messages() : NAN) : messages_[*b];
  ctx.bytes = ctx.messages * W * sizeof(double);
  PetscFunctionReturn(PETSC_SUCCESS);
}

void GraphAlgorithm::SetSendPolicy(std::unique_ptr<SendPolicy> policy) {
  policy_ = std::move(policy);
  sent_stride_ = stride_ + (policy_ ? policy_->extra() : 0);
  sent_.assign(policy_ ? cur_.size() / stride_ * sent_stride_ : 0, 0.0);
}

PetscErrorCode GraphAlgorithm::CountSent(StepContext &ctx, int b, const double *w, int W) {
  PetscFunctionBeginUser;
  if (!policy_ || !policy_->counts_messages()) PetscFunctionReturn(PETSC_SUCCESS);
  double sent = policy_->CountSent(ctx.t, b, graphs_->graphs[b], w, graphs_->link_failure > 0, W, sent_.data());
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &sent, 1));
  ctx.messages = sent;
  ctx.bytes = sent * W * sizeof(double);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::RecordSummary(io::Recorder &rec) const {
  PetscFunctionBeginUser;
  if (policy_) PetscCall(policy_->RecordSummary(rec, block_));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::TrackingOptions(PetscOptionItems *PetscOptionsObject, const char *prefix) {
  static const char *const kappa_names[] = {"one", "n"};
  PetscInt kappa = kappa_n_ ? 1 : 0;
  PetscFunctionBeginUser;
  PetscCall(laws_.FromOptions(PetscOptionsObject, prefix));
  PetscCall(OptionsChoice(PetscOptionsObject, "-kappa", "Dual-step scale kappa_N: one (y estimates the average constraint) or n (the total)", kappa_names, 2, &kappa, nullptr));
  kappa_n_ = kappa == 1;
  PetscCall(InitFromOptions(PetscOptionsObject, prefix, &init_));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::SetKappa(std::int64_t n, const char *prefix) {
  PetscFunctionBeginUser;
  kappa_ = kappa_n_ ? static_cast<double>(n) : 1.0;
  // The steps decrease (pa, pg >= 0), so n·α_t·γ_t is largest at t = 1.
  const double product = static_cast<double>(n) * laws_.alpha(1) * laws_.gamma(1);
  if (kappa_n_ && product > kKappaNStabilityLimit) {
    char msg[512];  // formatted here: PETSc's printf writes 101 as "101."
    std::snprintf(msg, sizeof msg,
                  "dodge: warning: -%skappa n with N = %lld agents gives N*alpha_1*gamma_1 = %g > %g: kappa_N = n is stable "
                  "only while N*alpha_t*gamma_t stays small (algorithms.md §8.1); expect a large regret and oscillating "
                  "multipliers. Use -%skappa one for large N, or smaller -%salpha0 / -%sgamma0.\n",
                  prefix, static_cast<long long>(n), product, kKappaNStabilityLimit, prefix, prefix, prefix);
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "%s", msg));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string GraphAlgorithm::TrackingDescribe(const char *what) const {
  char s[256];
  snprintf(s, sizeof s, "%s, scheme %s (alpha0 %g/t^%g, beta0 %g/t^%g, gamma0 %g/t^%g), kappa_N = %s, init %s", what,
           laws_.scheme.c_str(), laws_.alpha0, laws_.pa, laws_.beta0, laws_.pb, laws_.gamma0, laws_.pg,
           kappa_n_ ? "n" : "1", InitName(init_));
  return s;
}

PetscErrorCode GraphAlgorithm::TrackingRecord(io::Recorder &rec) const {
  const double kappa = kappa_;
  PetscFunctionBeginUser;
  PetscCall(rec.WriteGlobalArray("algorithm/kappa_N", &kappa, 1, "1", "dual-step scale kappa_N"));
  PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string(name())));
  PetscCall(laws_.Record(rec, "/inputs/algorithm"));
  PetscCall(rec.SetAttribute("/inputs/algorithm", "init", std::string(InitName(init_))));
  PetscCall(RecordPolicy(rec));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::RecordPolicy(io::Recorder &rec) const {
  PetscFunctionBeginUser;
  if (policy_) PetscCall(policy_->RecordParameters(rec));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Per-agent arrays are saved flat, agent-major ([n × width], width = d, m or 1), so a restart may use another rank
// count; width-1 arrays keep the agent dimension scale.
PetscErrorCode GraphAlgorithm::SaveState(io::Recorder &ckpt) const {
  const std::int64_t n = block_.n, off = block_.start, nl = nloc_;
  const int W = stride_;
  auto save = [&](const std::string &path, int width, const double *data, const std::string &units,
                  const std::string &long_name) {
    return ckpt.WriteDistributedArray(path, n * width, off * width, nl * width, data, units, long_name,
                                      width == 1 ? "agent" : "");
  };
  PetscFunctionBeginUser;
  PetscCall(save("/state/x", dim_, x_.data(), "per-unit", "x_{i,t+1}"));
  for (std::size_t s = 0; s < slots_.size(); ++s) {
    const int wd = slots_[s].per_row ? rows_ : 1;
    std::vector<double> v(nl * wd);
    for (std::int64_t i = 0; i < nl; ++i)
      for (int r = 0; r < wd; ++r) v[wd * i + r] = cur_[W * i + slot_offset_[s] + r];
    PetscCall(save("/state/" + slots_[s].name, wd, v.data(), slots_[s].units, slots_[s].long_name));
  }
  if (track_) PetscCall(save("/state/cprev", rows_, c_.data(), "per-unit", "g_{i,t}(x_{i,t})"));
  if (prices_)
    PetscCall(save("/state/price", 1, price_prev_.data(), "per-unit price", "price estimate of step t each user pays at t+1"));
  PetscCall(ckpt.SetAttribute("/state", "algorithm", std::string(name())));
  if (policy_) PetscCall(policy_->SaveState(ckpt, block_));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GraphAlgorithm::LoadState(io::Reader &ckpt) {
  const std::int64_t off = block_.start, nl = nloc_, n = block_.n;
  const int W = stride_;
  PetscFunctionBeginUser;
  // Untrusted input: every array has this run's shape and finite values (a forged NaN or inf would otherwise
  // surface steps later as a non-finite metric, far from its cause).
  const auto read = [&](const std::string &path, std::int64_t width, double *into, const char *what) -> PetscErrorCode {
    PetscFunctionBeginUser;
    PetscCall(io::CheckStateShape(ckpt, path, n * width, what));
    PetscCall(ckpt.ReadSlice(path, off * width, nl * width, into));
    PetscCall(io::CheckStateValues(ckpt, path, off * width, into, nl * width, -HUGE_VAL, HUGE_VAL, false, what));
    PetscFunctionReturn(PETSC_SUCCESS);
  };
  PetscCall(read("/state/x", dim_, x_.data(), "the decisions x_i"));
  for (std::size_t s = 0; s < slots_.size(); ++s) {
    const int wd = slots_[s].per_row ? rows_ : 1;
    std::vector<double> v(nl * wd);
    PetscCall(read("/state/" + slots_[s].name, wd, v.data(), "the algorithm's exchanged state"));
    for (std::int64_t i = 0; i < nl; ++i)
      for (int r = 0; r < wd; ++r) cur_[W * i + slot_offset_[s] + r] = v[wd * i + r];
  }
  if (track_) PetscCall(read("/state/cprev", rows_, c_.data(), "g_{i,t}(x_{i,t})"));
  if (prices_) PetscCall(read("/state/price", 1, price_prev_.data(), "the price estimate of step t"));
  if (policy_) PetscCall(policy_->LoadState(ckpt, block_));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SendPolicyTarget(Algorithm &algorithm, const char *opt, const char *why_not_dopp, GraphAlgorithm **target) {
  PetscFunctionBeginUser;
  auto *g = dynamic_cast<GraphAlgorithm *>(&algorithm);
  PetscCheck(g && g->graphs(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s acts on the mixing messages of the graph algorithms pdct and li2022; -algorithm %s does not mix over a "
             "graph",
             opt, algorithm.name());
  PetscCheck(std::strcmp(algorithm.name(), "dopp") != 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s is not supported with -algorithm dopp (%s); use pdct or li2022", opt, why_not_dopp);
  *target = g;
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::algorithms
