// The run loop of dodge, in the spirit of PETSc's TSSolve with TSMonitorSet: one object owns the step
//
//   BeginStep (problem) → oracle (the per-step optimum, with -metrics) → algorithm step (with the metrics
//   observer) → EndStep (inside the algorithm, E3) → the /series row → monitors,
//
// and everything a run does besides stepping (writing the output file, checkpoints, progress lines, the
// test-only kill) is a Monitor registered on it, called after every step in the order of registration. The
// driver (app/driver.cpp) reads options, builds the objects, registers monitors, calls Solve and prints the
// summary.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "core/block.hpp"
#include "core/petsc_compat.hpp"
#include "metrics/metrics.hpp"
#include "metrics/observer.hpp"
#include "problems/problem.hpp"

namespace dodge::run {

class Run;

// What a monitor sees after step t (identical on every rank).
struct StepInfo {
  std::int64_t t = 0, T = 0;
  const std::vector<double> *row = nullptr;  // the /series row of step t, in Run::series_columns() order
  double step_seconds = 0;
  bool signalled = false;  // SIGTERM/SIGUSR1 arrived on some rank: checkpoint and stop
};

class Monitor {
 public:
  virtual ~Monitor() = default;
  // Before step t: a monitor that records agent states points the step at its buffers (ctx.record_local,
  // ctx.record). Not collective.
  virtual PetscErrorCode PreStep(std::int64_t t, algorithms::StepContext &ctx) { return PETSC_SUCCESS; }
  // After step t. Setting *stop ends the run after this step (the monitors after this one are not called)
  // with Run::exit_code() = *exit_code. Collective.
  virtual PetscErrorCode PostStep(Run &run, const StepInfo &s, bool *stop, int *exit_code) = 0;
  // Makes everything up to step t durable (before a checkpoint, and when the run stops). Collective.
  virtual PetscErrorCode Sync(std::int64_t t) { return PETSC_SUCCESS; }
};

// The run's own evolving state besides the problem's, the algorithm's and the observer's: what a checkpoint
// adds to theirs.
struct RunState {
  std::int64_t t = 0;  // last step done
  double mu_warm = 0, run_seconds = 0;
  std::int64_t oracle_iters_total = 0, oracle_failures = 0;
  metrics::Tracker::State tracker{};
};

class Run {
 public:
  // The objects of the run, set up (problem->Setup, algorithm->Setup done), T steps, with or without the
  // per-step oracle and metrics. Not collective.
  void Setup(problems::Problem &problem, algorithms::Algorithm &algorithm, const Block &block, std::int64_t T,
             bool metrics);
  // Continue after the checkpointed step st.t (after observer().LoadState and the others').
  void Restore(const RunState &st);
  // Test-only fault injection (-test_nonfinite_at_step): at step t the last rank reports a non-finite state, as
  // its Pass would for an inf or NaN decision, so the check without metrics is exercised end to end.
  void InjectNonfiniteAt(std::int64_t t) { inject_nonfinite_at_ = t; }
  // Monitors are not owned; they must outlive Solve.
  void AddMonitor(Monitor *m) { monitors_.push_back(m); }

  // Steps t = state().t + 1 .. T, or until a monitor stops the run. Collective.
  PetscErrorCode Solve();
  // Calls every monitor's Sync(t). Collective.
  PetscErrorCode SyncMonitors(std::int64_t t);

  // The /series columns: the tracker's, then the problem's, then the algorithm's.
  const std::vector<metrics::SeriesInfo> &series_columns() const { return columns_; }
  RunState state() const;
  bool stopped() const { return stopped_; }
  int exit_code() const { return exit_code_; }
  std::int64_t T() const { return T_; }
  std::int64_t steps_done() const { return t_; }
  bool metrics() const { return metrics_; }
  double run_seconds() const { return run_seconds_; }
  double seconds_since_solve() const;  // wall time since Solve started (for ETAs)
  std::int64_t oracle_iterations() const { return oracle_iters_total_; }
  std::int64_t oracle_failures() const { return oracle_failures_; }
  const problems::Problem &problem() const { return *problem_; }
  const algorithms::Algorithm &algorithm() const { return *algorithm_; }
  const Block &block() const { return block_; }
  metrics::Observer &observer() { return observer_; }
  const metrics::Observer &observer() const { return observer_; }

 private:
  problems::Problem *problem_ = nullptr;
  algorithms::Algorithm *algorithm_ = nullptr;
  Block block_;
  std::int64_t T_ = 0, t_ = 0;
  bool metrics_ = true, vec_ = false, stopped_ = false;
  std::int64_t inject_nonfinite_at_ = 0;
  int exit_code_ = 0;
  int nprob_series_ = 0;
  PetscErrorCode CheckFinite(std::int64_t t, const double *row) const;
  double mu_warm_ = 0, run_seconds_ = 0, solve_start_ = 0;
  std::int64_t oracle_iters_total_ = 0, oracle_failures_ = 0;
  metrics::Observer observer_;
  std::vector<metrics::SeriesInfo> columns_;
  std::vector<double> xstar_;  // vector families: the oracle's x*_{i,t} of the local agents
  std::vector<Monitor *> monitors_;
};

// A progress line on rank 0 every `seconds` and at each tenth of the horizon (so short runs show it too):
// step, Reg/t and Vio/t with the metrics, agent-steps per second and the ETA.
class ProgressMonitor : public Monitor {
 public:
  explicit ProgressMonitor(double seconds);
  PetscErrorCode PostStep(Run &run, const StepInfo &s, bool *stop, int *exit_code) override;

 private:
  double seconds_, last_;
};

// Wall-clock seconds (PetscTime).
double Now();

}  // namespace dodge::run
