// The trading algorithms of the market families (problems/market.hpp; docs/gridcell.md §16.5-§16.6):
//   none: every home trades with the utility only (e_i = 0): the shadow no-trading baseline B1 played for real;
//   mmr:  mid-market-rate clearing without learning (the batteries follow the family's rule), cell scope:
//         offers s_i = [−n̂_i]_+ and bids d_i = [n̂_i]_+ on the 2^-30 kW grid, S and D their ExactSums (int64, one
//         reduction), sold_i = s_i min(1, D/S), bought_i = d_i min(1, S/D) at P_m = (λ_b + λ_s)/2 — the community
//         MMR of Long et al. (IEEE PES GM 2017) and Zhou, Wu, Long (Appl. Energy 222, 2018).
// Each home's trade depends only on its own declared position and the two exact sums, so every per-home
// trajectory is bitwise identical on any rank count.
#include <cmath>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "comm/exchange.hpp"
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
  bool uses_graph() const override { return false; }
  bool trades() const override { return true; }
  PetscErrorCode SetFromOptions() override { return PETSC_SUCCESS; }

  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *, std::int64_t) override {
    PetscFunctionBeginUser;
    prob_ = dynamic_cast<problems::MarketProblem *>(&problem);
    PetscCheck(prob_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-algorithm %s runs on market problems (gridcell) only", name());
    block_ = block;
    e_.assign(block.local(), 0.0);
    nfields_ = static_cast<int>(prob_->home_fields().size());
    vals_.assign(nfields_, 0.0);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Step(StepContext &ctx) override {
    PetscFunctionBeginUser;
    const std::int64_t nl = block_.local();
    const double pm = prob_->mid_market_rate();
    if (clear_) {
      const double *nh = prob_->declared();
      std::vector<std::int64_t> sd(2, 0);
      for (std::int64_t i = 0; i < nl; ++i) sd[0] += gc::GridInt(gc::pos(-nh[i])), sd[1] += gc::GridInt(gc::pos(nh[i]));
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, sd.data(), 2));
      const double S = static_cast<double>(sd[0]) / gc::kGrid, D = static_cast<double>(sd[1]) / gc::kGrid;
      const double fs = S > 0 ? std::min(1.0, D / S) : 0.0, fd = D > 0 ? std::min(1.0, S / D) : 0.0;
      for (std::int64_t i = 0; i < nl; ++i) {
        const double s = gc::GridRound(gc::pos(-nh[i])), d = gc::GridRound(gc::pos(nh[i]));
        e_[i] = d * fd - s * fs;
      }
      S_ = S, D_ = D;
      ctx.messages = 2.0 * static_cast<double>(block_.n), ctx.bytes = 16.0 * static_cast<double>(block_.n);
    }
    PetscCall(prob_->EndStep(ctx.t, e_.data(), {true, pm, nullptr}));
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) {
        ctx.record[0][q] = e_[i];
        prob_->home_values(i, vals_.data());
        for (int f = 0; f < nfields_; ++f) ctx.record[1 + f][q] = vals_[f];
        ++q;
      }
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::vector<AgentField> agent_fields() const override {
    std::vector<AgentField> f = {{"trade", "kW", "net pool purchase e_i = bought_i - sold_i"}};
    for (const auto &h : prob_ ? prob_->home_fields() : std::vector<metrics::SeriesInfo>{})
      f.push_back({h.name, h.units, h.long_name});
    return f;
  }
  std::vector<metrics::SeriesInfo> series() const override {
    if (!clear_) return {};
    return {{"offers_exact", "kW", "S = ExactSum of the offers (cell scope)"}, {"bids_exact", "kW", "D = ExactSum of the bids"}};
  }
  void series_values(double *out) const override {
    if (clear_) out[0] = S_, out[1] = D_;
  }
  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double clears = clear_ ? 1.0 : 0.0;
    PetscCall(rec.WriteGlobalArray("algorithm/clears", &clears, 1, "1", "1 if the algorithm clears a market (mmr), 0 for none"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string(name())));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // Checkpoint: e_ and the exact sums S, D are recomputed by every step before anything reads them, so the
  // algorithm carries nothing across steps yet; the problem saves the homes (gridcell.cpp). State added to
  // the market (the neighbours scope) is saved and checked here.
  PetscErrorCode SaveState(io::Recorder &) const override { return PETSC_SUCCESS; }
  PetscErrorCode LoadState(io::Reader &) override { return PETSC_SUCCESS; }
  std::string describe() const override {
    return clear_ ? "mmr (mid-market-rate clearing of the declared positions, cell scope, rule batteries)"
                  : "none (no trading: every home settles with the utility)";
  }

 private:
  bool clear_;
  Block block_;
  problems::MarketProblem *prob_ = nullptr;
  std::vector<double> e_, vals_;
  int nfields_ = 0;
  double S_ = 0, D_ = 0;
};

}  // namespace

std::unique_ptr<Algorithm> NoneCreate() { return std::make_unique<Market>(false); }
std::unique_ptr<Algorithm> MmrCreate() { return std::make_unique<Market>(true); }

}  // namespace dodge::algorithms
