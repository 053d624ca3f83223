// Market families (docs/gridcell.md §16, `gridcell`): homes whose battery and declared net position are set by
// the family before the trade, and whose bills follow from the trade. The trading algorithms (`none`, `mmr`:
// lib/algorithms/market.cpp) clear the declared positions and hand each home's net pool purchase e_i and its
// price to EndStep (settlement). They run on market families only, and market families only with them; no
// per-step oracle of (2.1) applies (the family's own metrics replace Reg/Vio).
#pragma once
#include <cstdint>
#include <vector>

#include "problems/problem.hpp"

namespace dodge::problems {

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
};

}  // namespace dodge::problems
