// `offline`: the full-horizon optimum (algorithms.md §10). On dispatch (and every family whose steps are
// uncoupled) it plays the oracle sequence; on demand it solves Prob-OFF over all N×T decisions with PETSc TAO
// before the run and then plays P*(t), so the driver's per-step metrics apply unchanged.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <variant>

#include "algorithms/algorithm.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "oracle/oracle.hpp"
#include "oracle/full_horizon.hpp"
#include "problems/problem.hpp"

namespace dodge::algorithms {

namespace {

const char *const kMethods[] = {"bqnls", "blmvm", "pg"};

class Offline final : public Algorithm {
 public:
  const char *name() const override { return "offline"; }
  bool uses_graph() const override { return false; }

  PetscErrorCode SetFromOptions() override {
    PetscInt method = 0, maxit = static_cast<PetscInt>(opts_.max_it);
    double tol = opts_.tol;
    PetscBool monitor = PETSC_FALSE;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "offline_",
                      "Algorithm offline: full-horizon optimum (Prob-OFF with PETSc TAO on demand; algorithms.md §10)",
                      nullptr);
    PetscCall(OptionsChoice(PetscOptionsObject, "-method", "Prob-OFF solver: TAO bqnls, TAO blmvm, or pg (projected gradient, step 1/Lipschitz)", kMethods, 3, &method, nullptr));
    PetscCall(OptionsReal(PetscOptionsObject, "-tol", "Stop when ||P - clip(P + grad J)||_inf <= tol", kPositive, &tol));
    PetscCall(OptionsInt(PetscOptionsObject, "-max_it", "Maximum solver iterations", 1, PETSC_MAX_INT, &maxit));
    PetscCall(PetscOptionsBool("-monitor", "Print the solver's progress", nullptr, monitor, &monitor, nullptr));
    PetscOptionsEnd();
    PetscCheck(tol > 0 && std::isfinite(tol), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-offline_tol %g must be positive", (double)tol);
    PetscCheck(maxit >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-offline_max_it %" PetscInt_FMT " must be >= 1",
               maxit);
    opts_.method = kMethods[method], opts_.tol = tol, opts_.max_it = maxit, opts_.monitor = monitor;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Collective. A family whose steps are coupled in time (demand) solves its full horizon here.
  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *,
                       std::int64_t T) override {
    PetscFunctionBeginUser;
    block_ = block, problem_ = &problem, T_ = T;
    // Vector families (pev, regression): the oracle sequence with d values per agent.
    dim_ = problem.dim(), rows_ = problem.rows();
    x_.assign(block.local() * dim_, 0.0);
    if (problem.is_vector()) PetscFunctionReturn(PETSC_SUCCESS);
    coupled_ = problem.coupled_in_time();
    if (!coupled_) PetscFunctionReturn(PETSC_SUCCESS);
    problems::Problem::FullHorizonSummary sum;
    PetscCall(problem.SolveFullHorizon(T, opts_, &sum));
    res_ = sum.result;
    PetscCall(PetscPrintf(
        PETSC_COMM_WORLD,
        "  offline:   %s over %lld x %lld decisions with %s: J* = %.12g, ||P - clip(P + grad J)||_inf = %.3e, "
        "%lld iterations, %lld evaluations, %.3f s (%s)\n",
        sum.problem.c_str(), (long long)sum.decisions_per_step, (long long)T, opts_.method.c_str(), res_.J, res_.pg_inf, (long long)res_.iterations,
        (long long)res_.evaluations, res_.seconds, res_.reason.c_str()));
    if (!res_.converged)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "WARNING: offline did not reach ||projected gradient||_inf <= %g (got %.3e)\n", opts_.tol,
                            res_.pg_inf));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Step(StepContext &ctx) override {
    PetscFunctionBeginUser;
    PetscCall(VisitKernel(
        ctx, [&](const auto &k) { return StepWith(k, ctx); }, [&](const auto &k) { return StepVec(k, ctx); }));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  bool supports_vector() const override { return true; }

  std::vector<AgentField> agent_fields() const override {
    return {{"x", "per-unit", "decision x_{i,t} played at step t (the full-horizon optimum)", dim_},
            {"mu", "per-unit price", "price of step t: C'(L(t)) (demand) or the oracle's mu* (its largest entry for m > 1)"},
            {"y", "per-unit", "constraint value g_{i,t}(x_{i,t})", rows_}};
  }
  std::vector<metrics::SeriesInfo> series() const override {
    return {{"lambda", "per-unit price", "price of step t: C'(L(t)) on demand, mu* elsewhere"}};
  }
  void series_values(double *out) const override { out[0] = price_; }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double tol = opts_.tol;
    PetscCall(rec.WriteGlobalArray("algorithm/tol", &tol, 1, "1", "stop at ||P - clip(P + grad J)||_inf <= tol"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string("offline")));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "method", coupled_ ? opts_.method : std::string("oracle sequence")));
    if (coupled_) {
      PetscCall(rec.SetAttribute("/inputs/algorithm", "J_offline", res_.J));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "projected_gradient_inf", res_.pg_inf));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "iterations", res_.iterations));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "evaluations", res_.evaluations));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "solve_seconds", res_.seconds));
      PetscCall(rec.SetAttribute("/inputs/algorithm", "converged_reason", res_.reason));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char tol[32];
    snprintf(tol, sizeof tol, "%g", opts_.tol);
    return coupled_ ? "offline (Prob-OFF, " + opts_.method + ", tol " + tol + ")"
                   : std::string("offline (the oracle sequence: steps are uncoupled)");
  }

  // Checkpoint: Setup solves Prob-OFF again on restart (deterministic for a given rank count), so only the
  // oracle's warm start is state (the metrics observer keeps the previous x* of the path length).
  PetscErrorCode SaveState(io::Recorder &ckpt) const override {
    PetscFunctionBeginUser;
    PetscCall(ckpt.WriteGlobalArray("/state/offline_warm", &warm_, 1, "per-unit price", "oracle warm start"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode LoadState(io::Reader &ckpt) override {
    std::vector<double> w;
    PetscFunctionBeginUser;
    PetscCall(ckpt.ReadAll("/state/offline_warm", &w));
    PetscCheck(w.size() == 1, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "checkpoint /state/offline_warm has %zu values, expected 1",
               w.size());
    PetscCall(io::CheckStateValues(ckpt, "/state/offline_warm", 0, w.data(), 1, -HUGE_VAL, HUGE_VAL, false, "the oracle's warm start"));
    warm_ = w[0];
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:
  template <class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx) {
    const std::int64_t t = ctx.t, nloc = block_.local();
    PetscFunctionBeginUser;
    if (coupled_) {
      PetscCall(problem_->PlayFullHorizon(t, *ctx.kernel, x_.data(), &price_));
    } else {
      // The per-step oracle sequence, in hindsight: of the metrics' f (metrics::MetricView; gridcell: the
      // realized positions, docs/gridcell.md §16.6), as the driver's oracle solves it.
      const auto &km = metrics::MetricView(k);
      double mu = ctx.oracle() ? ctx.observer->mu_star() : 0.0;
      if (!ctx.oracle()) {
        double hi;
        oracle::Result r;
        PetscCall(problem_->OracleBracket(t, *ctx.kernel, &hi));
        PetscCall(oracle::Solve(PETSC_COMM_WORLD, km, nloc, hi, warm_, problem_->constraint_scale(), &r));
        mu = r.mu;
      }
      warm_ = mu, price_ = mu;
      for (std::int64_t i = 0; i < nloc; ++i) x_[i] = km.response(i, mu);
    }
    if (ctx.metrics()) {
      ctx.observer->Pass(k, nloc, [&](std::int64_t i, auto &&sink) {
        const double c = k.g(i, x_[i]);
        sink(x_[i], c, price_, c);
      });
      PetscCall(ctx.observer->Reduce(PETSC_COMM_WORLD));
    }
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) {
        ctx.record[0][q] = x_[i], ctx.record[1][q] = price_, ctx.record[2][q] = k.g(i, x_[i]);
        ++q;
      }
    }
    ctx.messages = 0, ctx.bytes = 0;  // a centralized solve: no agent messages are modelled
    if (problem_->has_end_step_hook()) PetscCall(problem_->EndStep(t, x_.data(), {true, price_, nullptr}));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Vector families: x_t = x*_t from the driver's oracle (or the problem's, when the metrics are off).
  template <class K>
  PetscErrorCode StepVec(const K &k, StepContext &ctx) {
    constexpr int d = K::dim, m = K::rows;
    const std::int64_t t = ctx.t, nloc = block_.local();
    PetscFunctionBeginUser;
    if (ctx.oracle() && ctx.observer->xstar()) {
      std::copy_n(ctx.observer->xstar(), nloc * d, x_.data());
      price_ = ctx.observer->mu_star();
    } else {
      oracle::Result r;
      PetscCall(problem_->VectorOracle(t, *ctx.vkernel, warm_, x_.data(), &r));
      price_ = r.mu;
    }
    warm_ = price_;
    if (ctx.metrics()) {
      const std::vector<double> prices(m, price_);
      ctx.observer->PassVec(k, nloc, [&](std::int64_t i, auto &&sink) {
        const double *xi = x_.data() + d * i;
        double c[m];
        k.g(i, xi, c);
        sink(xi, static_cast<const double *>(c), prices.data(), static_cast<const double *>(c));
      });
      PetscCall(ctx.observer->Reduce(PETSC_COMM_WORLD));
    }
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) {
        std::copy_n(x_.data() + d * i, d, ctx.record[0] + d * q);
        ctx.record[1][q] = price_;
        k.g(i, x_.data() + d * i, ctx.record[2] + m * q);
        ++q;
      }
    }
    ctx.messages = 0, ctx.bytes = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  int dim_ = 1, rows_ = 1;
  oracle::FullHorizonOptions opts_;
  Block block_;
  problems::Problem *problem_ = nullptr;
  std::int64_t T_ = 0;
  bool coupled_ = false;  // the problem's steps are coupled in time: play its full-horizon optimum
  oracle::FullHorizonResult res_;
  double price_ = NAN, warm_ = 0;
  std::vector<double> x_;
};

}  // namespace

std::unique_ptr<Algorithm> OfflineCreate() { return std::make_unique<Offline>(); }

}  // namespace dodge::algorithms
