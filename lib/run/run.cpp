// The run loop (see run.hpp).
#include "run/run.hpp"

#include <cmath>
#include <cstdio>

#include "comm/errors.hpp"
#include "core/events.hpp"
#include "oracle/oracle.hpp"
#include "run/checkpoint.hpp"

namespace dodge::run {

double Now() {
  PetscLogDouble t;
  PetscTime(&t);
  return t;
}

void Run::Setup(problems::Problem &problem, algorithms::Algorithm &algorithm, const Block &block, std::int64_t T,
                bool metrics) {
  problem_ = &problem, algorithm_ = &algorithm, block_ = block, T_ = T, metrics_ = metrics;
  vec_ = problem.is_vector();
  t_ = 0, stopped_ = false, exit_code_ = 0;
  observer_.Setup(block, problem.dim(), problem.rows(), problem.units().cost_to_dollars, metrics);
  columns_ = metrics::Tracker::columns(problem.units().cost_units, problem.units().x_units);
  const auto ps = problem.series();
  nprob_series_ = static_cast<int>(ps.size());
  columns_.insert(columns_.end(), ps.begin(), ps.end());
  for (const auto &c : algorithm.series()) columns_.push_back(c);
  if (vec_ && metrics) xstar_.assign(block.local() * problem.dim(), 0.0);
}

void Run::Restore(const RunState &st) {
  t_ = st.t, mu_warm_ = st.mu_warm, run_seconds_ = st.run_seconds;
  oracle_iters_total_ = st.oracle_iters_total, oracle_failures_ = st.oracle_failures;
  observer_.tracker().restore(st.tracker);
}

RunState Run::state() const {
  return {t_, mu_warm_, run_seconds_, oracle_iters_total_, oracle_failures_, observer_.tracker().state()};
}

double Run::seconds_since_solve() const { return Now() - solve_start_; }

PetscErrorCode Run::SyncMonitors(std::int64_t t) {
  PetscFunctionBeginUser;
  for (Monitor *m : monitors_) PetscCall(m->Sync(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A non-finite value among the step's reduced metrics means some agent's state, cost or the oracle overflowed
// or became NaN: the run fails at that step, naming the quantity, and is never marked complete. The values are
// the fused reduction's results, the same on every rank, so every rank fails together; nothing more is reduced.
PetscErrorCode Run::CheckFinite(std::int64_t t, const double *row) const {
  using metrics::Tracker;
  struct Quantity { int col; const char *what; bool oracle; };
  static const Quantity kChecked[] = {
      {Tracker::F, "the cost F(t) = sum_i f_i(x_i)", false},
      {Tracker::X_SUM, "the sum of the decisions x", false},
      {Tracker::CONSTRAINT, "the constraint sum sum_i g_i(x_i)", false},
      {Tracker::CONSTRAINT_ABS, "sum_i |g_i(x_i)|", false},
      {Tracker::MU_MEAN, "the mean multiplier mu", false},
      {Tracker::FSTAR, "the oracle cost F*(t)", true},
      {Tracker::REGRET, "the cumulative regret", true},
      {Tracker::PATH_LENGTH, "the path length of the optimum", true}};
  PetscFunctionBeginUser;
  for (const Quantity &q : kChecked) {
    if (q.oracle && std::isnan(row[Tracker::ORACLE_MU]) && std::isnan(row[Tracker::FSTAR])) continue;  // no oracle
    if (std::isfinite(row[q.col])) continue;
    char value[32];  // formatted here: PETSc's printf writes inf as "inf."
    std::snprintf(value, sizeof value, "%g", row[q.col]);
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_FP,
            "step %" PetscInt64_FMT ": %s is %s, not finite: the state or the data overflowed (check capacities, prices, "
            "demands and step sizes); the run stops here and its output is not marked complete",
            t, q.what, value);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Run::Solve() {
  const Events *ev;
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogStagePush(ev->stage_run));
  const int ncol = metrics::Tracker::NCOL;
  std::vector<double> row(columns_.size());
  solve_start_ = Now();
  for (std::int64_t t = t_ + 1; t <= T_ && !stopped_; ++t) {
    const double ts = Now();
    problems::ScalarKernel kernel;
    problems::VectorKernel vkernel;
    if (vec_) PetscCall(problem_->BeginVectorStep(t, &vkernel));
    else PetscCall(problem_->BeginStep(t, &kernel));
    algorithms::StepContext ctx;
    ctx.t = t;
    if (vec_) ctx.vkernel = &vkernel;
    else ctx.kernel = &kernel;
    ctx.observer = &observer_;
    oracle::Result orc;
    if (metrics_) {
      if (vec_) {
        PetscCall(problem_->VectorOracle(t, vkernel, mu_warm_, xstar_.data(), &orc));
      } else {
        double mu_hi;
        PetscCall(problem_->OracleBracket(t, kernel, &mu_hi));
        // The oracle of the metrics' f (metrics::MetricView: gridcell's realized positions).
        const problems::ScalarKernel okernel =
            std::visit([](const auto &k) { return problems::ScalarKernel(metrics::MetricView(k)); }, kernel);
        PetscCall(oracle::SolveStep(PETSC_COMM_WORLD, okernel, block_.local(), mu_hi, mu_warm_,
                                    problem_->constraint_scale(), &orc));
      }
      mu_warm_ = orc.mu;
      if (!vec_) problem_->SetStepOptimum(t, orc.mu);
      oracle_iters_total_ += orc.iterations;
      if (!orc.converged) {
        oracle_failures_++;
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "WARNING: oracle did not converge at step %" PetscInt64_FMT "\n", t));
      }
    }
    observer_.BeginStep(t, metrics_, metrics_, orc.mu, vec_ && metrics_ ? xstar_.data() : nullptr, SignalRequested());
    for (Monitor *m : monitors_) PetscCall(m->PreStep(t, ctx));
    PetscCall(algorithm_->Step(ctx));
    const double step_seconds = Now() - ts;
    run_seconds_ += step_seconds;
    observer_.Finish(t, orc.iterations, ctx.messages, ctx.bytes, step_seconds, row.data());
    if (metrics_) PetscCall(CheckFinite(t, row.data()));
    if (columns_.size() > static_cast<std::size_t>(ncol)) {
      problem_->series_values(t, row.data() + ncol);
      algorithm_->series_values(row.data() + ncol + nprob_series_);
    }
    t_ = t;
    // A signal seen on any rank reaches all of them through the step's fused reduction (or one of its own).
    StepInfo info;
    info.t = t, info.T = T_, info.row = &row, info.step_seconds = step_seconds;
    if (t == inject_nonfinite_at_ && comm::WorldRank() == comm::WorldSize() - 1) observer_.MarkNonfinite();
    PetscCall(observer_.Signalled(PETSC_COMM_WORLD, SignalRequested(), &info.signalled));
    // Without metrics the fused reduction is not there: the flag's reduction carried the state check.
    PetscCheck(!observer_.nonfinite(), PETSC_COMM_WORLD, PETSC_ERR_FP,
               "step %" PetscInt64_FMT ": some agent's decision x, constraint value or multiplier mu is inf or NaN: the "
               "state or the data overflowed (check capacities, prices, demands and step sizes); the run stops here "
               "and its output is not marked complete",
               t);
    for (Monitor *m : monitors_) {
      if (stopped_) break;
      bool stop = false;
      int code = 0;
      PetscCall(m->PostStep(*this, info, &stop, &code));
      if (stop) stopped_ = true, exit_code_ = code;
    }
  }
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

ProgressMonitor::ProgressMonitor(double seconds) : seconds_(seconds), last_(Now()) {}

PetscErrorCode ProgressMonitor::PostStep(Run &run, const StepInfo &s, bool *, int *) {
  PetscFunctionBeginUser;
  const std::int64_t t = s.t, T = s.T;
  const bool tenth = (10 * t) / T != (10 * (t - 1)) / T;
  if (seconds_ > 0 && comm::WorldRank() == 0 && (tenth || Now() - last_ >= seconds_)) {
    last_ = Now();
    const double rate = static_cast<double>(run.block().n) * t / run.run_seconds();
    const double eta = run.seconds_since_solve() / t * (T - t);
    const metrics::Tracker &tr = run.observer().tracker();
    if (run.metrics())
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  step %" PetscInt64_FMT "/%" PetscInt64_FMT " (%4.1f%%)  Reg/t %.4e  Vio/t %.4e  %.3e agent-steps/s  ETA %.0f s\n",
                            t, T, 100.0 * t / T, tr.regret() / t, tr.violation() / t, rate, eta));
    else
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  step %" PetscInt64_FMT "/%" PetscInt64_FMT " (%4.1f%%)  %.3e agent-steps/s  ETA %.0f s\n",
                            t, T, 100.0 * t / T, rate, eta));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::run
