// The trading algorithms of the market families (problems/market.hpp; docs/gridcell.md §16.5-§16.6):
//   none: every home trades with the utility only (e_i = 0): the shadow no-trading baseline B1 played for real;
//   mmr:  mid-market-rate clearing without learning (the batteries follow the family's rule) of the offers
//         s_i = [−n̂_i]_+ and bids d_i = [n̂_i]_+ on the 2^-30 kW grid, at P_m = (λ_b + λ_s)/2, in one of two
//         scopes (-gridcell_market_scope):
//         neighbours (default): R_m rounds (-gridcell_match_rounds, default 2) of X1-X4 on the market edges of
//           G(t), the -graph_ graph (default watts_strogatz here), every value moved by the exchange layer
//           (market_clearing.hpp): z_{j→i} = (s_j·d_i)/max(D_j, S_i), sold_i = Σ z_{i→·}, bought_i = Σ z_{·→i}.
//           Market edges are the active edges of G(t): no detection exists yet, so no alarm removes one (the
//           hook is NeighbourClearing::MarketEdges). On the complete graph this is the cell scope;
//         cell: S and D the ExactSums (int64, one reduction) of the offers and bids, sold_i = s_i min(1, D/S),
//           bought_i = d_i min(1, S/D) — the community MMR of Long et al. (IEEE PES GM 2017) and Zhou, Wu, Long
//           (Appl. Energy 222, 2018).
//         e_i = bought_i − sold_i, π_i = P_m.
//   mfq:  mmr's clearing with mean-field Q-learning batteries (§16.5; -mfq_* below): every battery home plays
//         a_i(t) ∈ {sell, idle, buy} from its Q_i (the problem's state, problems/gridcell_mfq.hpp), the actions
//         ride X1 of round 1 (neighbours) or the clearing's exact reduction (cell: the counts N⁺, N⁻, N^B minus
//         the home's own), and each home's mean field mf_i(t) goes back to the problem. -mfq_policy self plays
//         the rule (a = 1) and learns nothing: that is mmr, bitwise. -mfq_passes P runs passes 1..P−1 unrecorded
//         before the recorded run (BeforeRun), on identical data, Q carried over.
// Each home's trade depends only on the declared positions and the graph (neighbours) or the two exact sums
// (cell), never on the rank placement, so every per-home trajectory is bitwise identical on any rank count.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>
#include <string>

#include "algorithms/algorithm.hpp"
#include "algorithms/market_clearing.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "core/options.hpp"
#include "graph/graph.hpp"
#include "io/recorder.hpp"
#include "problems/gridcell_model.hpp"
#include "problems/market.hpp"

namespace dodge::algorithms {

namespace {

namespace gc = problems::gridcell;

// The -mfq_ options (§16.11), refused by none and mmr.
const char *const kMfqOptions[] = {"-mfq_policy", "-mfq_backup", "-mfq_passes", "-mfq_learning", "-mfq_temperature", "-mfq_bins"};
const char *const kMfqPolicies[] = {"learn", "self"};
const char *const kMfqBackups[] = {"boltzmann", "max"};

// "x,x,x,x;x,x;x,x,x,x" into the three edge lists of -mfq_bins (each strictly increasing). '/' separates the lists
// as ';' does (no quoting in a shell or a CMake list).
PetscErrorCode ParseBins(const std::string &text, gc::MfqParams *p) {
  PetscFunctionBeginUser;
  double *dst[3] = {p->net, p->soc, p->period};
  const int want[3] = {4, 2, 4};
  const char *what[3] = {"net-position edges [kW]", "SoC edges", "period edges [h]"};
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == ';' || c == '/') parts.emplace_back();
    else parts.back() += c;
  }
  PetscCheck(parts.size() == 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "-mfq_bins '%s': expected three lists separated by ';' or '/' (4 net-position edges; 2 SoC edges; 4 period edges), got %zu",
             text.c_str(), parts.size());
  for (int g = 0; g < 3; ++g) {
    std::vector<double> v;
    std::string cur;
    for (std::size_t k = 0; k <= parts[g].size(); ++k) {
      if (k == parts[g].size() || parts[g][k] == ',') {
        char *end = nullptr;
        const double x = std::strtod(cur.c_str(), &end);
        PetscCheck(!cur.empty() && end && *end == '\0' && std::isfinite(x), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
                   "-mfq_bins '%s': '%s' in the %s is not a finite number", text.c_str(), cur.c_str(), what[g]);
        v.push_back(x), cur.clear();
      } else if (parts[g][k] != ' ') {
        cur += parts[g][k];
      }
    }
    PetscCheck(static_cast<int>(v.size()) == want[g], PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ,
               "-mfq_bins '%s': the %s need %d values, got %zu", text.c_str(), what[g], want[g], v.size());
    for (int k = 0; k < want[g]; ++k) {
      PetscCheck(k == 0 || v[k] > v[k - 1], PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_bins '%s': the %s must increase strictly (%g after %g)", text.c_str(), what[g], v[k], v[k - 1]);
      PetscCheck(g != 1 || (v[k] > 0 && v[k] < 1), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_bins '%s': SoC edge %g is not in (0, 1)", text.c_str(), v[k]);
      PetscCheck(g != 2 || (v[k] > 0 && v[k] < 24), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_bins '%s': period edge %g h is not in (0, 24)", text.c_str(), v[k]);
      dst[g][k] = v[k];
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

class Market final : public Algorithm {
 public:
  enum Mode { NONE, MMR, MFQ };
  explicit Market(Mode mode) : mode_(mode), clear_(mode != NONE) {}
  const char *name() const override { return mode_ == NONE ? "none" : (mode_ == MMR ? "mmr" : "mfq"); }
  bool learns() const override { return mfq_.learn; }
  // Q_i (675 doubles) and the last state, action and mean field, beside mmr's value.
  double state_bytes_per_agent(int, int) const override { return mfq_.learn ? 8.0 * (gc::kMfqQ + 5) : 8.0; }
  // mmr in the neighbours scope only; known after ConfigureFromProblem (the driver asks after it).
  bool uses_graph() const override { return neighbours_; }
  bool trades() const override { return true; }
  bool clears() const override { return clear_; }
  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    if (mode_ != MFQ) {
      for (const char *o : kMfqOptions) {
        PetscBool set = PETSC_FALSE;
        PetscCall(PetscOptionsHasName(nullptr, nullptr, o, &set));
        PetscCheck(!set, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "%s applies to -algorithm mfq only; -algorithm %s does not learn", o,
                   name());
      }
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    PetscInt policy = 0, backup = 0, passes = 1;
    PetscReal lr[2] = {mfq_.eta, mfq_.gamma}, temp[3] = {mfq_.tb0, mfq_.dT, mfq_.tbmin};
    PetscInt nlr = 2, ntemp = 3;
    PetscBool lr_set = PETSC_FALSE, temp_set = PETSC_FALSE;
    std::string bins;
    PetscOptionsBegin(PETSC_COMM_WORLD, "mfq_", "Algorithm mfq: mean-field Q-learning batteries with mid-market-rate clearing (docs/gridcell.md §16.5)", nullptr);
    PetscCall(OptionsChoice(PetscOptionsObject, "-policy", "learn (Boltzmann MF-Q) or self (a = 1, the rule batteries: mmr bitwise)",
                            kMfqPolicies, 2, &policy, nullptr));
    PetscCall(OptionsChoice(PetscOptionsObject, "-backup", "Backup value of the update: boltzmann (the policy's expectation) or max",
                            kMfqBackups, 2, &backup, nullptr));
    PetscCall(OptionsInt(PetscOptionsObject, "-passes", "Passes P over identical data; passes 1..P-1 learn unrecorded, the last is the run", 1,
                         1000, &passes));
    PetscCall(PetscOptionsRealArray("-learning", "eta_Q,gamma_Q: learning rate in [0, 1] and discount in [0, 1) (default 0.1,0.98)", "", lr,
                                    &nlr, &lr_set));
    PetscCall(PetscOptionsRealArray("-temperature", "Tb_0,d_T,Tb_min: temperature [$] at the start, decay per day in (0, 1], floor [$] > 0 "
                                    "(default 1,0.72,0.01)", "", temp, &ntemp, &temp_set));
    PetscCall(OptionsString(PetscOptionsObject, "-bins", "State bins: 4 net-position edges [kW]; 2 SoC edges; 4 period edges [h] "
                            "(lists separated by ; or /, default -2,-0.5,0.5,2;0.4,0.7;6,10,16,21)", &bins));
    PetscOptionsEnd();
    if (lr_set) {
      PetscCheck(nlr == 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-mfq_learning needs 2 values (eta_Q, gamma_Q), got %d", (int)nlr);
      PetscCheck(std::isfinite(lr[0]) && lr[0] >= 0 && lr[0] <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_learning: the learning rate eta_Q = %g is not in [0, 1]", (double)lr[0]);
      PetscCheck(std::isfinite(lr[1]) && lr[1] >= 0 && lr[1] < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_learning: the discount gamma_Q = %g is not in [0, 1) (Q must stay bounded)", (double)lr[1]);
    }
    if (temp_set) {
      PetscCheck(ntemp == 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "-mfq_temperature needs 3 values (Tb_0, d_T, Tb_min), got %d", (int)ntemp);
      PetscCheck(std::isfinite(temp[0]) && temp[0] > 0 && std::isfinite(temp[2]) && temp[2] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_temperature: Tb_0 = %g and Tb_min = %g must be positive and finite", (double)temp[0], (double)temp[2]);
      PetscCheck(std::isfinite(temp[1]) && temp[1] > 0 && temp[1] <= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-mfq_temperature: the decay d_T = %g per day is not in (0, 1]", (double)temp[1]);
    }
    if (!bins.empty()) PetscCall(ParseBins(bins, &mfq_));
    mfq_.learn = policy == 0, mfq_.backup_max = backup == 1, mfq_.passes = static_cast<int>(passes);
    mfq_.eta = lr[0], mfq_.gamma = lr[1], mfq_.tb0 = temp[0], mfq_.dT = temp[1], mfq_.tbmin = temp[2];
    PetscCheck(mfq_.learn || mfq_.passes == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-mfq_passes %d with -mfq_policy self: the rule batteries learn nothing, so every pass would be the same run", mfq_.passes);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode ConfigureFromProblem(const problems::Problem &problem) override {
    PetscFunctionBeginUser;
    const auto *mp = dynamic_cast<const problems::MarketProblem *>(&problem);
    if (!mp) PetscFunctionReturn(PETSC_SUCCESS);  // refused later: trading algorithms run on market families only
    neighbours_ = clear_ && !mp->cell_scope();
    rounds_ = mp->match_rounds();
    if (clear_ && !neighbours_) {
      // The cell-wide pool uses no graph and one round: a graph or a round count would be ignored silently.
      for (const char *o : {"-graph_family", "-graph_files", "-graph_link_failure", "-gridcell_match_rounds"}) {
        PetscBool set = PETSC_FALSE;
        PetscCall(PetscOptionsHasName(nullptr, nullptr, o, &set));
        PetscCheck(!set, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                   "%s has no effect with -gridcell_market_scope cell (the cell-wide pool clears in one round without a "
                   "graph); drop it or use -gridcell_market_scope neighbours",
                   o);
      }
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs, std::int64_t T) override {
    PetscFunctionBeginUser;
    T_ = T;
    prob_ = dynamic_cast<problems::MarketProblem *>(&problem);
    PetscCheck(prob_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-algorithm %s runs on market problems (gridcell) only", name());
    block_ = block;
    e_.assign(block.local(), 0.0);
    if (mfq_.learn) PetscCall(prob_->SetupLearning(mfq_));  // before the fields are asked: it adds its own
    mf_.assign(mfq_.learn ? block.local() : 0, 1);
    nfields_ = static_cast<int>(prob_->home_fields().size());
    vals_.assign(nfields_, 0.0);
    PetscCheck(neighbours_ == (clear_ && !prob_->cell_scope()), PETSC_COMM_WORLD, PETSC_ERR_PLIB,
               "%s: Setup before ConfigureFromProblem", name());
    if (clear_) sold_.assign(block.local(), 0.0), bought_.assign(block.local(), 0.0);
    if (neighbours_) {
      PetscCheck(graphs, PETSC_COMM_WORLD, PETSC_ERR_ARG_NULL, "mmr with -gridcell_market_scope neighbours needs a graph");
      s_.assign(block.local(), 0.0), d_.assign(block.local(), 0.0);
      PetscCall(nb_.Setup(PETSC_COMM_WORLD, block, *graphs, rounds_));
      graph_ = graphs->description;
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // -mfq_passes: passes 1..P-1 run here, unrecorded, each from the start of the data; the last is the run.
  PetscErrorCode BeforeRun(bool restarted) override {
    PetscFunctionBeginUser;
    if (!mfq_.learn || mfq_.passes == 1 || restarted) PetscFunctionReturn(PETSC_SUCCESS);
    const std::int64_t T = T_;
    for (int p = 1; p < mfq_.passes; ++p) {
      const auto t0 = std::chrono::steady_clock::now();
      for (std::int64_t t = 1; t <= T; ++t) {
        PetscCall(prob_->BeginStep(t, nullptr));
        PetscCall(Clear(t));
      }
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  mfq pass %d/%d: community cost %.6f over %lld steps (%.1f s, unrecorded)\n", p, mfq_.passes,
                            prob_->pass_cost(), (long long)T,
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
      PetscCall(prob_->NewPass(p + 1));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Step(StepContext &ctx) override {
    PetscFunctionBeginUser;
    PetscCall(Clear(ctx.t));
    ctx.messages = msgs_, ctx.bytes = bytes_;
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) {
        ctx.record[0][q] = e_[i];
        const int o = clear_ ? 3 : 1;
        if (clear_) ctx.record[1][q] = sold_[i], ctx.record[2][q] = bought_[i];
        prob_->home_values(i, vals_.data());
        for (int f = 0; f < nfields_; ++f) ctx.record[o + f][q] = vals_[f];
        ++q;
      }
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // The clearing of step t (after the problem's BeginStep) and the settlement.
  PetscErrorCode Clear(std::int64_t t) {
    PetscFunctionBeginUser;
    const Events *ev = nullptr;
    PetscCall(EventsGet(&ev));
    // The clearing (with its message rounds) under DodgeLocalUpd; the settlement is the problem's (GcSettle).
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    const std::int64_t nl = block_.local();
    const double pm = prob_->mid_market_rate();
    if (neighbours_) {
      const double *nh = prob_->declared();
      for (std::int64_t i = 0; i < nl; ++i) s_[i] = gc::GridRound(gc::pos(-nh[i])), d_[i] = gc::GridRound(gc::pos(nh[i]));
      const double *act = prob_->actions();
      std::int64_t cut_version = 0;
      const std::vector<std::int64_t> *cut = prob_->market_cut(&cut_version);
      PetscCall(nb_.Clear(t, s_.data(), d_.data(), sold_.data(), bought_.data(), &msgs_, &bytes_, act, act ? mf_.data() : nullptr, cut,
                          cut_version));
      for (std::int64_t i = 0; i < nl; ++i) e_[i] = bought_[i] - sold_[i];
      if (act)
        for (std::int64_t i = 0; i < nl; ++i) prob_->SetMeanField(i, mf_[i]);
    } else if (clear_) {
      const double *nh = prob_->declared();
      const double *act = prob_->actions();
      // With actions: the counts (N⁺, N⁻, N^B) of the battery homes' actions ride the same exact reduction.
      std::vector<std::int64_t> sd(act ? 5 : 2, 0);
      for (std::int64_t i = 0; i < nl; ++i) sd[0] += gc::GridInt(gc::pos(-nh[i])), sd[1] += gc::GridInt(gc::pos(nh[i]));
      if (act)
        for (std::int64_t i = 0; i < nl; ++i) sd[2] += act[i] == 2, sd[3] += act[i] == 0, sd[4] += act[i] >= 0;
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, sd.data(), static_cast<int>(sd.size())));
      if (act)
        for (std::int64_t i = 0; i < nl; ++i)
          prob_->SetMeanField(i, gc::MeanField(sd[2] - (act[i] == 2), sd[3] - (act[i] == 0), sd[4] - (act[i] >= 0)));
      const double S = static_cast<double>(sd[0]) / gc::kGrid, D = static_cast<double>(sd[1]) / gc::kGrid;
      const double fs = S > 0 ? std::min(1.0, D / S) : 0.0, fd = D > 0 ? std::min(1.0, S / D) : 0.0;
      for (std::int64_t i = 0; i < nl; ++i) {
        const double s = gc::GridRound(gc::pos(-nh[i])), d = gc::GridRound(gc::pos(nh[i]));
        sold_[i] = s * fs, bought_[i] = d * fd;
        e_[i] = d * fd - s * fs;
      }
      S_ = S, D_ = D;
      // §12: each home sends (s_i, d_i) to the pool and receives (S, D); a learning home also its action and
      // (N⁺, N⁻, N^B) back (3 more 8-byte values).
      msgs_ = 2.0 * static_cast<double>(block_.n), bytes_ = (act ? 40.0 : 16.0) * static_cast<double>(block_.n);
    }
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    PetscCall(prob_->EndStep(t, e_.data(), {true, pm, nullptr}));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::vector<AgentField> agent_fields() const override {
    std::vector<AgentField> f = {{"trade", "kW", "net pool purchase e_i = bought_i - sold_i"}};
    if (clear_) {
      f.push_back({"sold", "kW", "energy sold to the market sold_i (sum over rounds and edges of z_{i->j})"});
      f.push_back({"bought", "kW", "energy bought from the market bought_i (sum over rounds and edges of z_{j->i})"});
    }
    for (const auto &h : prob_ ? prob_->home_fields() : std::vector<metrics::SeriesInfo>{})
      f.push_back({h.name, h.units, h.long_name});
    return f;
  }
  std::vector<metrics::SeriesInfo> series() const override {
    if (!clear_) return {};
    std::vector<metrics::SeriesInfo> v = {{"msgs_market", "1", "logical market messages of the step (§12)"},
                                          {"bytes_market", "B", "payload bytes of the market messages"}};
    if (!neighbours_) {
      v.push_back({"offers_exact", "kW", "S = ExactSum of the offers (cell scope)"});
      v.push_back({"bids_exact", "kW", "D = ExactSum of the bids"});
    }
    return v;
  }
  void series_values(double *out) const override {
    if (!clear_) return;
    out[0] = msgs_, out[1] = bytes_;
    if (!neighbours_) out[2] = S_, out[3] = D_;
  }
  std::int64_t mpi_messages() const override { return neighbours_ ? nb_.mpi_messages() : 0; }
  std::int64_t mpi_bytes() const override { return neighbours_ ? nb_.mpi_bytes() : 0; }
  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double clears = clear_ ? 1.0 : 0.0;
    PetscCall(rec.WriteGlobalArray("algorithm/clears", &clears, 1, "1", "1 if the algorithm clears a market (mmr, mfq), 0 for none"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string(name())));
    if (mode_ == MFQ) {
      const gc::MfqParams &p = mfq_;
      PetscCall(rec.SetAttribute("/inputs/algorithm", "mfq_policy", std::string(p.learn ? "learn" : "self")));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "mfq_backup", std::string(p.backup_max ? "max" : "boltzmann")));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "mfq_passes", static_cast<std::int64_t>(p.passes)));
      const double v[15] = {p.eta, p.gamma, p.tb0, p.dT, p.tbmin, p.net[0], p.net[1], p.net[2], p.net[3], p.soc[0], p.soc[1],
                            p.period[0], p.period[1], p.period[2], p.period[3]};
      PetscCall(rec.WriteGlobalArray("algorithm/mfq_parameters", v, 15, "mixed",
                                     "eta_Q, gamma_Q, Tb_0 [$], d_T, Tb_min [$], 4 net edges [kW], 2 SoC edges, 4 period edges [h]"));
    }
    if (clear_) {
      PetscCall(rec.SetAttribute("/inputs/algorithm", "market_scope", std::string(neighbours_ ? "neighbours" : "cell")));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "match_rounds", static_cast<std::int64_t>(neighbours_ ? rounds_ : 1)));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // Checkpoint: e_ and the exact sums S, D are recomputed by every step before anything reads them, so the
  // algorithm carries nothing across steps yet; the problem saves the homes (gridcell.cpp). State added to
  // the market (the neighbours scope) is saved and checked here.
  PetscErrorCode SaveState(io::Recorder &) const override { return PETSC_SUCCESS; }
  PetscErrorCode LoadState(io::Reader &) override { return PETSC_SUCCESS; }
  std::string describe() const override {
    if (!clear_) return "none (no trading: every home settles with the utility)";
    if (mfq_.learn) {
      char b[256];
      std::snprintf(b, sizeof b, "mfq (MF-Q batteries: eta_Q = %g, gamma_Q = %g, Tb = %g x %g/day >= %g, %s backup, %d pass%s) with ", mfq_.eta,
                    mfq_.gamma, mfq_.tb0, mfq_.dT, mfq_.tbmin, mfq_.backup_max ? "max" : "Boltzmann", mfq_.passes, mfq_.passes > 1 ? "es" : "");
      return b + Describe();
    }
    return Describe();
  }
  std::string Describe() const {
    const std::string bat = mfq_.learn ? "" : ", rule batteries";
    if (!neighbours_) return "mmr (mid-market-rate clearing of the declared positions, cell scope" + bat + ")";
    return "mmr (mid-market-rate clearing of the declared positions, neighbours scope on " + graph_ + ", R_m = " +
           std::to_string(rounds_) + " rounds" + bat + ")";
  }

 private:
  Mode mode_;
  bool clear_;
  gc::MfqParams mfq_;        // -mfq_* (mfq only; learn false: mmr)
  std::vector<int> mf_;      // the step's mean field per local home (neighbours scope)
  std::int64_t T_ = 0;       // the run's steps (one pass)
  Block block_;
  problems::MarketProblem *prob_ = nullptr;
  std::vector<double> e_, vals_;
  int nfields_ = 0;
  double S_ = 0, D_ = 0, msgs_ = 0, bytes_ = 0;
  // Neighbours scope.
  bool neighbours_ = false;
  int rounds_ = 2;
  NeighbourClearing nb_;
  std::string graph_;
  std::vector<double> s_, d_, sold_, bought_;
};

}  // namespace

std::unique_ptr<Algorithm> NoneCreate() { return std::make_unique<Market>(Market::NONE); }
std::unique_ptr<Algorithm> MmrCreate() { return std::make_unique<Market>(Market::MMR); }
std::unique_ptr<Algorithm> MfqCreate() { return std::make_unique<Market>(Market::MFQ); }

}  // namespace dodge::algorithms
