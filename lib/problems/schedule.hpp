// Scheduling families (algorithms.md §5, `ecs`): agents (microgrids) must consume a fixed energy over H units
// within per-unit box limits, next to a non-adjustable (NA) demand d^h. They are not instances of (2.1): the
// scheduling schemes (algorithms.md §11: optimal, optimal_par, uniform, aca, par_ecs) work on the aggregates
// of this interface and hand each agent its share through the family's split rule. No per-step oracle applies
// (the driver runs them without -metrics' regret columns).
#pragma once
#include <cstdint>
#include <vector>

#include "problems/problem.hpp"

namespace dodge::problems {

// The aggregates the schemes need (identical on every rank, bitwise for any rank count).
struct ScheduleModel {
  std::int64_t H = 0;                    // units of the horizon
  double X_min = 0, X_max = 0, E_tot = 0;  // Σ_m x_m^min, Σ_m x_m^max, Σ_m E_m
  double kappa = 1;                      // generation cost C(L) = κ L²
  double mu_d = 0;                       // mean NA demand per unit (the schemes' a-priori knowledge)
};

// One sample of the sweep: NA demand scale sigma (the sample's label; for trace data the day index) and
// replicate r.
struct ScheduleSample {
  double sigma = 0;
  std::int64_t replicate = 0;
};

class ScheduleProblem : public Problem {
 public:
  bool is_schedule() const override { return true; }
  virtual const ScheduleModel &model() const = 0;
  // The NA demand d^1..d^H of sample s into d[0..H). Local and deterministic (the same on every rank).
  virtual void SampleDemand(const ScheduleSample &s, double *d) const = 0;
  // The aggregates of sample s: model() unless the sample sets its own energy (trace data, where E_tot is a
  // share of the day's load). For the played sample it is model() itself. Local.
  virtual ScheduleModel SampleModel(const ScheduleSample &) const { return model(); }
  // The sample the run plays unit by unit (its d^h is revealed at unit h), and the samples of the sweep
  // (-ecs_sigma_list × -ecs_replicates), in sweep order (sigma outer, replicate inner).
  virtual ScheduleSample played() const = 0;
  virtual std::vector<double> sweep_sigmas() const = 0;
  virtual std::int64_t sweep_replicates() const = 0;
  virtual std::string sample_label() const = 0;  // what `sigma` means: "sigma_d" or "day"
  // The split rule: the local agents' x_m for the aggregate X (X_min <= X <= X_max), into x[0..nloc).
  virtual void Split(double X, double *x) const = 0;
  // Σ_m x_m of Split(X) over all agents, bitwise identical for any rank count. Collective.
  virtual PetscErrorCode SplitSum(double X, double *sum) const = 0;
};

}  // namespace dodge::problems
