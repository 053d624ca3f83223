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
// Each home's trade depends only on the declared positions and the graph (neighbours) or the two exact sums
// (cell), never on the rank placement, so every per-home trajectory is bitwise identical on any rank count.
#include <algorithm>
#include <cmath>
#include <vector>
#include <string>

#include "algorithms/algorithm.hpp"
#include "algorithms/market_clearing.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "graph/graph.hpp"
#include "io/recorder.hpp"
#include "problems/gridcell_model.hpp"
#include "problems/market.hpp"

namespace dodge::algorithms {

namespace {

namespace gc = problems::gridcell;

class Market final : public Algorithm {
 public:
  explicit Market(bool clear) : clear_(clear) {}
  const char *name() const override { return clear_ ? "mmr" : "none"; }
  // mmr in the neighbours scope only; known after ConfigureFromProblem (the driver asks after it).
  bool uses_graph() const override { return neighbours_; }
  bool trades() const override { return true; }
  PetscErrorCode SetFromOptions() override { return PETSC_SUCCESS; }
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

  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs, std::int64_t) override {
    PetscFunctionBeginUser;
    prob_ = dynamic_cast<problems::MarketProblem *>(&problem);
    PetscCheck(prob_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-algorithm %s runs on market problems (gridcell) only", name());
    block_ = block;
    e_.assign(block.local(), 0.0);
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

  PetscErrorCode Step(StepContext &ctx) override {
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
      PetscCall(nb_.Clear(ctx.t, s_.data(), d_.data(), sold_.data(), bought_.data(), &msgs_, &bytes_));
      for (std::int64_t i = 0; i < nl; ++i) e_[i] = bought_[i] - sold_[i];
      ctx.messages = msgs_, ctx.bytes = bytes_;
    } else if (clear_) {
      const double *nh = prob_->declared();
      std::vector<std::int64_t> sd(2, 0);
      for (std::int64_t i = 0; i < nl; ++i) sd[0] += gc::GridInt(gc::pos(-nh[i])), sd[1] += gc::GridInt(gc::pos(nh[i]));
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, sd.data(), 2));
      const double S = static_cast<double>(sd[0]) / gc::kGrid, D = static_cast<double>(sd[1]) / gc::kGrid;
      const double fs = S > 0 ? std::min(1.0, D / S) : 0.0, fd = D > 0 ? std::min(1.0, S / D) : 0.0;
      for (std::int64_t i = 0; i < nl; ++i) {
        const double s = gc::GridRound(gc::pos(-nh[i])), d = gc::GridRound(gc::pos(nh[i]));
        sold_[i] = s * fs, bought_[i] = d * fd;
        e_[i] = d * fd - s * fs;
      }
      S_ = S, D_ = D;
      // §12: each home sends (s_i, d_i) to the pool and receives (S, D).
      msgs_ = 2.0 * static_cast<double>(block_.n), bytes_ = 16.0 * static_cast<double>(block_.n);
      ctx.messages = msgs_, ctx.bytes = bytes_;
    }
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    PetscCall(prob_->EndStep(ctx.t, e_.data(), {true, pm, nullptr}));
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
    PetscCall(rec.WriteGlobalArray("algorithm/clears", &clears, 1, "1", "1 if the algorithm clears a market (mmr), 0 for none"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string(name())));
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
    if (!neighbours_) return "mmr (mid-market-rate clearing of the declared positions, cell scope, rule batteries)";
    return "mmr (mid-market-rate clearing of the declared positions, neighbours scope on " + graph_ + ", R_m = " +
           std::to_string(rounds_) + " rounds, rule batteries)";
  }

 private:
  bool clear_;
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

std::unique_ptr<Algorithm> NoneCreate() { return std::make_unique<Market>(false); }
std::unique_ptr<Algorithm> MmrCreate() { return std::make_unique<Market>(true); }

}  // namespace dodge::algorithms
