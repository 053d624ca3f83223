// Market families (docs/gridcell.md §16, `gridcell`): homes whose battery and declared net position are set by
// the family before the trade, and whose bills follow from the trade. The trading algorithms (`none`, `mmr`:
// lib/algorithms/market.cpp) clear the declared positions and hand each home's net pool purchase e_i and its
// price to EndStep (settlement). They run on market families only, and market families only with them; no
// per-step oracle of (2.1) applies (the family's own metrics replace Reg/Vio).
#pragma once
#include <cstdint>
#include <vector>

#include "problems/gridcell_mfq.hpp"
#include "problems/gridcell_security.hpp"
#include "problems/problem.hpp"

namespace dodge::problems {

// The dual channel of §16.8 as the family configures it: pdct's and li2022's exchanged multiplier μ (and pdct's
// tracker y) poisoned by the family's attackers and watched by its detector. The generic send policy of
// lib/algorithms/attacks.cpp carries it out (AttackInstallDual); the family only says what.
struct DualChannel {
  bool attack = false, detect = false;
  std::vector<std::int64_t> attackers;  // sorted global ids (§16.8's A, every attacker, not only the local ones)
  bool replay = false;                  // replay v of `lag` steps earlier; else v' = (1 + s) v + β
  double s = 0, beta[2] = {0.1, 1.0};   // β per coordinate: μ [$/kWh], y [kW]
  std::int64_t lag = 96, start = 1;     // the replay lag and t_A (steps of the algorithm = main steps)
  gridcell::DetectParams det;           // the chart; det.floor is unused (floor[] per coordinate)
  double floor[2] = {0.01, 0.1};        // σ_fl of μ [$/kWh] and y [kW]
  bool on() const { return attack || detect; }
};

class MarketProblem : public Problem {
 public:
  bool is_market() const override { return true; }
  bool has_end_step_hook() const override { return true; }
  bool wants_step_prices() const override { return true; }
  // After BeginStep(t): the local homes' declared net positions n̂_i = q̂_i + b_i [kW] (nloc values).
  virtual const double *declared() const = 0;
  // The step's mid-market rate P_m(t) [$/kWh] (identical on every rank).
  virtual double mid_market_rate() const = 0;
  // Whether the market is the cell-wide pool (`-gridcell_market_scope cell`).
  virtual bool cell_scope() const = 0;
  // R_m, the matching rounds of the neighbours scope (`-gridcell_match_rounds`, >= 1).
  virtual int match_rounds() const = 0;
  // The family's per-home fields of /agents and their values for local home i after EndStep(t).
  virtual std::vector<metrics::SeriesInfo> home_fields() const = 0;
  virtual void home_values(std::int64_t i, double *out) const = 0;
  // Local home i's net pool purchase e_i(t) after EndStep(t) (its /agents `trade` under a generic algorithm).
  virtual double traded(std::int64_t i) const = 0;
  // The pool price π_i(t) it paid on e_i (its /agents `pool_price` under a generic algorithm, §16.6).
  virtual double pool_price(std::int64_t i) const = 0;
  // Whether the family is also a scalar family of (2.1) (§0.5), so that the generic algorithms run on it
  // (gridcell, §16.6: x_i = e_i), with the per-step oracle and the metrics of §12.
  virtual bool opt_family() const { return false; }
  // The first option given that only the generic algorithms use (e.g. "-gridcell_opt"), or nullptr: the
  // trading algorithms refuse it (§16.11).
  virtual const char *opt_option_given() const { return nullptr; }

  // The market channel of §16.8 exists when the algorithm clears a market (mmr, mfq), the dual channel when it
  // exchanges multipliers (pdct, li2022). The driver tells the family before SetGraph, so that it can refuse
  // channel options the algorithm cannot honour.
  virtual PetscErrorCode SetMarketChannel(bool /*clears*/, bool /*duals*/) { return PETSC_SUCCESS; }
  // After SetMarketChannel: the dual channel's attack and detector, or nullptr when neither is on.
  virtual const DualChannel *dual_channel() const { return nullptr; }
  // After EndStep(t - 1): the undirected edges cut from the market by alarms (§16.8; sorted (min gid, max gid)
  // pairs, flattened, the same on every rank), or nullptr; *version changes whenever the set grows.
  virtual const std::vector<std::int64_t> *market_cut(std::int64_t *version) const {
    *version = 0;
    return nullptr;
  }

  // Learning (`mfq` with -mfq_policy learn, docs/gridcell.md §16.5): the family owns Q_i and the per-home
  // learning state; the algorithm hands its options over in its Setup, before the first step.
  virtual PetscErrorCode SetupLearning(const gridcell::MfqParams &) {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "this market family does not learn (-algorithm mfq)");
  }
  // After BeginStep(t) while learning: the local homes' actions a_i(t) in {0, 1, 2}, -1 without a battery
  // (nullptr when not learning).
  virtual const double *actions() const { return nullptr; }
  // After the clearing of step t: the mean field mf_i(t) in {0, 1, 2} of local home i (§16.5).
  virtual void SetMeanField(std::int64_t, int) {}
  // -mfq_passes: pass `pass` (2..P) starts. The finished pass's costs are kept; every state but Q_i (and the
  // temperature's counter, which follows from the pass) returns to where the run started. Collective.
  virtual PetscErrorCode NewPass(int) { return PETSC_SUCCESS; }
  // The community cost of the current pass so far (for the progress line of the unrecorded passes).
  virtual double pass_cost() const { return 0; }
  // The first option given that only a learning mfq uses (e.g. "-gridcell_output_q"), or nullptr: the other
  // algorithms refuse it.
  virtual const char *learning_option_given() const { return nullptr; }
};

}  // namespace dodge::problems
