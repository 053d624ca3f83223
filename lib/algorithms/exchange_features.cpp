// Event-triggered held copies (§13.1) and private exchanged values (§13.2) as send policies.
#include "algorithms/exchange_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/graph_algorithm.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "graph/graph.hpp"
#include "graph/union_rows.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"

namespace dodge::algorithms {

namespace {

const char *const kPrivacy[] = {"none", "masks", "laplace"};

// One parameter of a feature as /inputs/exchange/<name> (a 1-element array: arrays create their groups).
PetscErrorCode Param(io::Recorder &rec, const char *name, double v) {
  return rec.WriteGlobalArray(std::string("exchange/") + name, &v, 1, "1", std::string("algorithms.md §13 parameter ") + name);
}

// §13.1: each agent keeps its last-sent copy and a version; the copy is renewed when a coordinate moved more
// than c0 + c1 exp(−ρt) from it (t = 1 always). Every neighbour mixes the copy (own term: the true μ_i, the
// sum-preserving held-copy form for y, OwnTerm::HeldCopy). The version travels after the copy (extra()), and
// each receiver keeps, per union in-edge, the version it holds: an active edge carries a message iff they
// differ, so a neighbour cut off at the trigger gets the copy at its next active step. Messages are counted
// where they arrive, per edge.
class TriggerPolicy final : public SendPolicy {
 public:
  TriggerPolicy(const graph::LocalGraphs &g, const Block &block, int W, double c0, double c1, double rho)
      : c0_(c0), c1_(c1), rho_(rho), W_(W) {
    rows_.Build(g, block);
    const std::int64_t nloc = block.local(), E = rows_.edges();
    copy_.assign(W * nloc, 0.0), version_.assign(nloc, 0.0);
    held_.assign(E, 0.0), edge_sent_.assign(E, 0), edge_active_.assign(E, 0);
  }
  const char *name() const override { return "trigger"; }
  int extra() const override { return 1; }
  OwnTerm own_term() const override { return OwnTerm::HeldCopy; }
  bool counts_messages() const override { return true; }

  void Send(std::int64_t t, const Block &block, int W, const double *stored, double *sent) override {
    const double thr = c0_ + c1_ * std::exp(-rho_ * static_cast<double>(t));
    const int sw = W + 1;
    for (std::int64_t i = 0; i < block.local(); ++i) {
      const double *v = stored + W * i;
      double *c = copy_.data() + W * i;
      double dev = 0;
      for (int s = 0; s < W; ++s) dev = std::max(dev, std::fabs(v[s] - c[s]));
      if (t == 1 || version_[i] == 0 || dev > thr) {  // strict '>': c0 = c1 = 0 sends only what changed
        for (int s = 0; s < W; ++s) c[s] = v[s];
        version_[i] += 1;
      }
      for (int s = 0; s < W; ++s) sent[sw * i + s] = c[s];
      sent[sw * i + W] = version_[i];
    }
  }

  double CountSent(std::int64_t, int b, const graph::Mixing &m, const double *w, bool failures, int W,
                   const double *sent) override {
    const int sw = W + 1;
    const std::vector<std::int64_t> &map = rows_.map[b];
    double count = 0;
    const std::int64_t nloc = static_cast<std::int64_t>(m.rowptr.size()) - 1;
    for (std::int64_t i = 0; i < nloc; ++i)
      for (std::int64_t e = m.rowptr[i]; e < m.rowptr[i + 1]; ++e) {
        const std::int64_t u = map[e];
        if (u < 0 || (failures && w[e] == 0.0)) continue;  // the agent itself, or a failed link
        ++edge_active_[u];
        const double ver = sent[sw * m.col[e] + W];
        if (held_[u] != ver) held_[u] = ver, ++edge_sent_[u], count += 1;
      }
    return count;
  }

  PetscErrorCode SaveState(io::Recorder &ckpt, const Block &block) const override {
    const std::int64_t n = block.n, nl = block.local(), E = rows_.edges();
    std::int64_t Eg = E, off = 0;
    PetscFunctionBeginUser;
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &Eg, 1));
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, E, &off));
    PetscCall(ckpt.WriteDistributedArray("/state/exchange_copy", n * W_, block.start * W_, nl * W_, copy_.data(), "per-unit",
                                         "last-sent copy of the exchanged values (algorithms.md §13.1)"));
    PetscCall(ckpt.WriteDistributedArray("/state/exchange_version", n, block.start, nl, version_.data(), "1",
                                         "version of the last-sent copy", "agent"));
    PetscCall(ckpt.WriteDistributedArray("/state/exchange_held", Eg, off, E, held_.data(), "1",
                                         "version each receiver holds, per union in-edge (receiver, sender)"));
    PetscCall(ckpt.WriteDistributedArray("/state/exchange_edge_sent", Eg, off, E, edge_sent_.data(), "1",
                                         "messages sent per union in-edge so far"));
    PetscCall(ckpt.WriteDistributedArray("/state/exchange_edge_active", Eg, off, E, edge_active_.data(), "1",
                                         "steps each union in-edge was active so far"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode LoadState(io::Reader &ckpt, const Block &block) override {
    const std::int64_t nl = block.local(), E = rows_.edges();
    std::int64_t off = 0;
    PetscFunctionBeginUser;
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, E, &off));
    // Untrusted input: shapes; the copies finite; versions (one per send, at most one per step), the held
    // versions and the per-edge counts whole numbers in [0, t], an edge never carrying more messages than
    // the steps it was active.
    std::int64_t t = 0, Eg = E;
    PetscCall(ckpt.GetAttribute("/", "step", &t));
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &Eg, 1));
    const double steps = static_cast<double>(t);
    PetscCall(io::CheckStateShape(ckpt, "/state/exchange_copy", block.n * W_, "W per agent"));
    PetscCall(io::CheckStateShape(ckpt, "/state/exchange_version", block.n, "one per agent"));
    for (const char *p : {"/state/exchange_held", "/state/exchange_edge_sent", "/state/exchange_edge_active"})
      PetscCall(io::CheckStateShape(ckpt, p, Eg, "one per union in-edge"));
    PetscCall(ckpt.ReadSlice("/state/exchange_copy", block.start * W_, nl * W_, copy_.data()));
    PetscCall(ckpt.ReadSlice("/state/exchange_version", block.start, nl, version_.data()));
    PetscCall(ckpt.ReadSlice("/state/exchange_held", off, E, held_.data()));
    PetscCall(ckpt.ReadSlice("/state/exchange_edge_sent", off, E, edge_sent_.data()));
    PetscCall(ckpt.ReadSlice("/state/exchange_edge_active", off, E, edge_active_.data()));
    PetscCall(io::CheckStateValues(ckpt, "/state/exchange_copy", block.start * W_, copy_.data(), nl * W_, -HUGE_VAL, HUGE_VAL, false,
                                   "the last-sent copies"));
    PetscCall(io::CheckStateValues(ckpt, "/state/exchange_version", block.start, version_.data(), nl, 0.0, steps, true,
                                   "versions count the sends, at most one per step"));
    PetscCall(io::CheckStateValues(ckpt, "/state/exchange_held", off, held_.data(), E, 0.0, steps, true, "a version held"));
    std::vector<double> sent(edge_sent_.begin(), edge_sent_.end()), active(edge_active_.begin(), edge_active_.end());
    PetscCall(io::CheckStateValues(ckpt, "/state/exchange_edge_active", off, active.data(), E, 0.0, steps, true,
                                   "steps the edge was active, at most the checkpoint's step"));
    for (std::int64_t u = 0; u < E; ++u) sent[u] = sent[u] <= active[u] ? sent[u] : -1;  // more sent than active: refused
    PetscCall(io::CheckStateValues(ckpt, "/state/exchange_edge_sent", off, sent.data(), E, 0.0, steps, true,
                                   "messages on the edge: at most the steps it was active (shown as -1 when more)"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    PetscCall(Param(rec, "trigger_c0", c0_));
    PetscCall(Param(rec, "trigger_c1", c1_));
    PetscCall(Param(rec, "trigger_rho", rho_));
    PetscCall(rec.SetAttribute("/inputs/exchange", "trigger", std::string("true")));
    PetscCall(rec.SetAttribute("/inputs/exchange", "trigger_units",
                               std::string("per coordinate, per-unit values (reference unit 1 for mu and y)")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // /exchange/edge_{receiver,sender,messages,active}: per directed union edge (receiver-major, then sender,
  // both by global id), the messages sent and the steps it was active (what periodic sending would have
  // sent); the totals and the fraction saved as attributes of /exchange.
  PetscErrorCode RecordSummary(io::Recorder &rec, const Block &block) const override {
    const std::int64_t E = rows_.edges();
    std::int64_t Eg = E, off = 0;
    double tot[2] = {0, 0};
    PetscFunctionBeginUser;
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &Eg, 1));
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, E, &off));
    std::vector<std::int64_t> recv(E);
    for (std::int64_t i = 0; i + 1 < static_cast<std::int64_t>(rows_.ptr.size()); ++i)
      for (std::int64_t u = rows_.ptr[i]; u < rows_.ptr[i + 1]; ++u) recv[u] = block.start + i;
    for (std::int64_t u = 0; u < E; ++u) tot[0] += static_cast<double>(edge_sent_[u]), tot[1] += static_cast<double>(edge_active_[u]);
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, tot, 2));
    PetscCall(rec.WriteDistributedArray("/exchange/edge_receiver", Eg, off, E, recv.data(), "1", "receiving agent i of edge j -> i"));
    PetscCall(rec.WriteDistributedArray("/exchange/edge_sender", Eg, off, E, rows_.gid.data(), "1", "sending agent j of edge j -> i"));
    PetscCall(rec.WriteDistributedArray("/exchange/edge_messages", Eg, off, E, edge_sent_.data(), "1",
                                        "messages sent on the edge over the run (event-triggered, algorithms.md §13.1)"));
    PetscCall(rec.WriteDistributedArray("/exchange/edge_active", Eg, off, E, edge_active_.data(), "1",
                                        "steps the edge was active (messages periodic sending would have sent)"));
    PetscCall(rec.SetAttribute("/exchange", "messages_sent", tot[0]));
    PetscCall(rec.SetAttribute("/exchange", "messages_periodic", tot[1]));
    PetscCall(rec.SetAttribute("/exchange", "messages_saved_fraction", tot[1] > 0 ? 1.0 - tot[0] / tot[1] : 0.0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char s[160];
    snprintf(s, sizeof s, "event-triggered held copies, threshold %g + %g exp(-%g t) per coordinate (algorithms.md §13.1)", c0_,
             c1_, rho_);
    return s;
  }

 private:
  double c0_, c1_, rho_;
  int W_;
  graph::UnionRows rows_;
  std::vector<double> copy_, version_, held_;
  std::vector<std::int64_t> edge_sent_, edge_active_;
};

// §13.2 zero-sum pairwise masks: for every pair {i < j} of the union graph both draw r_ij(t) = σ_m(t) N(0,1)
// (stream MASK, a = i n + j, b = t, c = the coordinate), and i sends v_i + n_i, n_i = Σ_{j>i} r_ij − Σ_{j<i} r_ji.
// The own term is masked too (OwnTerm::Sent), so column-stochastic W keeps Σ_i of the mixed values. The draws
// depend only on the pair, the step and the coordinate, never on the partition.
class MaskPolicy final : public SendPolicy {
 public:
  MaskPolicy(const graph::LocalGraphs &g, const Block &block, std::uint64_t seed, double sigma0, double phi)
      : seed_(seed), sigma0_(sigma0), phi_(phi) {
    rows_.Build(g, block);
  }
  const char *name() const override { return "masks"; }
  OwnTerm own_term() const override { return OwnTerm::Sent; }
  void Send(std::int64_t t, const Block &block, int W, const double *stored, double *sent) override {
    const double sigma = sigma0_ * std::pow(phi_, static_cast<double>(t - 1));
    const std::uint64_t n = static_cast<std::uint64_t>(block.n), tt = static_cast<std::uint64_t>(t);
    for (std::int64_t i = 0; i < block.local(); ++i) {
      const std::uint64_t gi = static_cast<std::uint64_t>(block.start + i);
      for (int s = 0; s < W; ++s) {
        double mask = 0;
        for (std::int64_t u = rows_.ptr[i]; u < rows_.ptr[i + 1]; ++u) {
          const std::uint64_t gj = static_cast<std::uint64_t>(rows_.gid[u]);
          const std::uint64_t a = gi < gj ? gi * n + gj : gj * n + gi;
          const double r = sigma * rng::normal(seed_, rng::MASK, a, tt, static_cast<std::uint64_t>(s));
          mask += gj > gi ? r : -r;
        }
        sent[W * i + s] = stored[W * i + s] + mask;
      }
    }
  }
  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    PetscCall(Param(rec, "privacy_sigma0", sigma0_));
    PetscCall(Param(rec, "privacy_phi", phi_));
    PetscCall(rec.SetAttribute("/inputs/exchange", "privacy", std::string("masks")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode RecordSummary(io::Recorder &rec, const Block &) const override {
    PetscFunctionBeginUser;
    const double sigma = sigma0_;
    PetscCall(rec.WriteGlobalArray("/exchange/mask_sigma0", &sigma, 1, "per-unit", "mask scale sigma_m0 of step 1"));
    PetscCall(rec.SetAttribute("/exchange", "privacy", std::string("masks")));
    PetscCall(rec.SetAttribute("/exchange", "privacy_guarantee",
                               std::string("zero-sum pairwise masks hide individual values from single neighbours; network "
                                           "sums stay exact; no differential-privacy budget (algorithms.md §13.2)")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  std::string describe() const override {
    char s[160];
    snprintf(s, sizeof s, "zero-sum pairwise masks, sigma_m(t) = %g * %g^(t-1) (algorithms.md §13.2)", sigma0_, phi_);
    return s;
  }

 private:
  std::uint64_t seed_;
  double sigma0_, phi_;
  graph::UnionRows rows_;
};

// §13.2 Laplace mechanism: i sends v + l, l ~ Laplace(0, b_t) per coordinate (stream DP, a = gid, b = t,
// c = coordinate), b_t = (Δ/ε) φ^(t−1); the own term is true, so Σ_i ŷ_i drifts by Σ_j (1 − w_jj) l_j per
// step, which /series/tracking_error reports. With ε = inf nothing is added.
class LaplacePolicy final : public SendPolicy {
 public:
  LaplacePolicy(std::uint64_t seed, double epsilon, double sensitivity, double phi, int W)
      : seed_(seed), eps_(epsilon), delta_(sensitivity), phi_(phi), W_(W) {}
  const char *name() const override { return "laplace"; }
  void Send(std::int64_t t, const Block &block, int W, const double *stored, double *sent) override {
    const double b = std::isinf(eps_) ? 0.0 : delta_ / eps_ * std::pow(phi_, static_cast<double>(t - 1));
    last_t_ = std::max(last_t_, t);
    for (std::int64_t i = 0; i < block.local(); ++i) {
      const std::uint64_t gid = static_cast<std::uint64_t>(block.start + i);
      for (int s = 0; s < W; ++s) {
        double l = 0;
        if (b > 0) {
          const double v = rng::uniform(seed_, rng::DP, gid, static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(s)) - 0.5;
          l = -b * (v < 0 ? -1.0 : 1.0) * std::log(1.0 - 2.0 * std::fabs(v));
        }
        sent[W * i + s] = stored[W * i + s] + l;
      }
    }
  }
  // Each message coordinate at step t is ε_t-DP with ε_t = Δ/b_t = ε φ^(−(t−1)) for a value of sensitivity Δ;
  // by basic sequential composition an agent's run spends W Σ_{t=1..T} ε_t.
  double Budget(std::int64_t T) const {
    if (std::isinf(eps_)) return std::numeric_limits<double>::infinity();
    double s = 0;
    for (std::int64_t t = 1; t <= T; ++t) s += eps_ / std::pow(phi_, static_cast<double>(t - 1));
    return W_ * s;
  }
  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    PetscCall(Param(rec, "privacy_epsilon", eps_));
    PetscCall(rec.SetAttribute("/inputs/exchange", "privacy", std::string("laplace")));
    PetscCall(Param(rec, "privacy_sensitivity", delta_));
    PetscCall(Param(rec, "privacy_phi", phi_));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode RecordSummary(io::Recorder &rec, const Block &) const override {
    PetscFunctionBeginUser;
    const double budget = Budget(last_t_);
    PetscCall(rec.WriteGlobalArray("/exchange/privacy_budget_total", &budget, 1, "1",
                                   "privacy budget epsilon spent by one agent over the run (basic composition)"));
    PetscCall(rec.SetAttribute("/exchange", "privacy", std::string("laplace")));
    PetscCall(rec.SetAttribute("/exchange", "privacy_epsilon_step1", eps_));
    PetscCall(rec.SetAttribute("/exchange", "privacy_budget_total", budget));
    PetscCall(rec.SetAttribute("/exchange", "privacy_budget_note",
                               std::string("per agent, basic sequential composition over the run's steps and the exchanged "
                                           "coordinates: W sum_t eps phi^-(t-1), for values of sensitivity Delta "
                                           "(-exchange_privacy_sensitivity); inf when eps = inf (no noise)")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  std::string describe() const override {
    char s[200];
    snprintf(s, sizeof s, "Laplace mechanism, b_t = (%g/%g) * %g^(t-1) (algorithms.md §13.2)", delta_, eps_, phi_);
    return s;
  }

 private:
  std::uint64_t seed_;
  double eps_, delta_, phi_;
  int W_;
  std::int64_t last_t_ = 0;
};

}  // namespace

PetscErrorCode ExchangeFeaturesRead(ExchangeFeatures *f) {
  PetscBool trig = f->trigger ? PETSC_TRUE : PETSC_FALSE;
  PetscInt priv = static_cast<PetscInt>(f->privacy);
  PetscBool tset = PETSC_FALSE;
  const RealRange eps_range{.lo = 0, .lo_open = true, .inf_ok = true};
  const RealRange phi_range{.lo = 0, .hi = 1, .lo_open = true};
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr,
                    "Exchange mechanisms of the graph algorithms pdct and li2022 (algorithms.md §13.1-§13.2, gridcell.md "
                    "§16.16); all off by default",
                    nullptr);
  PetscCall(PetscOptionsBool("-exchange_trigger", "Event-triggered broadcasting: send a new copy only when a value moved more "
                             "than c0 + c1 exp(-rho t) from the last one sent (§13.1)",
                             nullptr, trig, &trig, &tset));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_trigger_c0", "Trigger threshold floor c0 (per-unit, per coordinate)",
                        kNonNegative, &f->c0));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_trigger_c1", "Trigger threshold decaying part c1", kNonNegative, &f->c1));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_trigger_rho", "Trigger threshold decay rate rho (per step)",
                        kNonNegative, &f->rho));
  PetscCall(OptionsChoice(PetscOptionsObject, "-exchange_privacy",
                          "Privacy of exchanged values: none, masks (zero-sum pairwise masks) or laplace (Laplace "
                          "mechanism) (§13.2)",
                          kPrivacy, 3, &priv, nullptr));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_privacy_sigma0", "Mask scale sigma_m0 (per-unit)", kNonNegative,
                        &f->sigma0));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_privacy_phi",
                        "Decay phi of the mask scale and of the Laplace scale per step (1: constant)", phi_range, &f->phi));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_privacy_epsilon",
                        "Laplace privacy parameter epsilon of step 1 (inf: no noise)", eps_range, &f->epsilon));
  PetscCall(OptionsReal(PetscOptionsObject, "-exchange_privacy_sensitivity",
                        "Laplace sensitivity Delta of an exchanged value (per-unit): b_1 = Delta/epsilon", kPositive,
                        &f->sensitivity));
  PetscOptionsEnd();
  f->trigger = trig == PETSC_TRUE;
  f->privacy = static_cast<Privacy>(priv);
  PetscCheck(!(f->trigger && f->privacy != Privacy::none), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-exchange_trigger true and -exchange_privacy %s act on the same channel; §13.2 makes them mutually "
             "exclusive there: choose one",
             kPrivacy[priv]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ExchangeFeaturesInstall(const ExchangeFeatures &f, Algorithm &algorithm, std::uint64_t seed) {
  const char *opt = f.trigger ? "-exchange_trigger" : "-exchange_privacy";
  PetscFunctionBeginUser;
  if (!f.any()) PetscFunctionReturn(PETSC_SUCCESS);
  GraphAlgorithm *g = nullptr;
  PetscCall(SendPolicyTarget(algorithm, opt,
                             "algorithms.md §13.1-§13.2: push-sum mixes unnormalized pairs whose held copies or noise "
                             "break its weights",
                             &g));
  const graph::LocalGraphs &graphs = *g->graphs();
  const Block &block = graphs.block;
  const int W = g->exchanged_values();
  std::unique_ptr<SendPolicy> p;
  if (f.trigger) {
    p = std::make_unique<TriggerPolicy>(graphs, block, W, f.c0, f.c1, f.rho);
  } else if (f.privacy == Privacy::masks) {
    PetscCheck(!graphs.directed, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-exchange_privacy masks needs an undirected graph (both ends of a pair draw its mask); %s is directed",
               graphs.description.c_str());
    p = std::make_unique<MaskPolicy>(graphs, block, seed, f.sigma0, f.phi);
  } else {
    p = std::make_unique<LaplacePolicy>(seed, f.epsilon, f.sensitivity, f.phi, W);
  }
  g->SetSendPolicy(std::move(p));
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string ExchangeFeaturesDescribe(const Algorithm &algorithm) {
  const auto *g = dynamic_cast<const GraphAlgorithm *>(&algorithm);
  return g && g->send_policy() ? g->send_policy()->describe() : std::string();
}

}  // namespace dodge::algorithms
