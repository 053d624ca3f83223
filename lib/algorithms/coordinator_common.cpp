// The shared step of the coordinator algorithms coa, doa and dpa (algorithms.md §9).
#include "algorithms/coordinator_common.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "oracle/oracle.hpp"
#include "problems/problem.hpp"

namespace dodge::algorithms {

namespace {

// The kernel dpa's agents answer with (§9), and Σ_i g_i(x_i(μ)) over the local agents: the one pass of an
// inner iteration. Both are the kernel's own when it has them (problems/kernels.hpp, CoordinatorModel).
template <class K>
K ResponseKernel(const K &k, CoordinatorKind kind) {
  if constexpr (requires { k.proximal_free(); })
    if (kind == CoordinatorKind::dpa) return k.proximal_free();
  return k;
}

template <class K>
double LocalConstraintSum(const K &k, std::int64_t nloc, double mu) {
  if constexpr (requires { k.constraint_sum(nloc, mu); }) {
    return k.constraint_sum(nloc, mu);
  } else {
    double s = 0;
    for (std::int64_t i = 0; i < nloc; ++i) s += k.g(i, k.response(i, mu));
    return s;
  }
}

}  // namespace

PetscErrorCode CoordinatorOptionsRead(PetscOptionItems *PetscOptionsObject, const char *prefix, CoordinatorOptions *o) {
  double v;
  PetscFunctionBeginUser;
  // Finite here (the reader names the option); the sign is checked below with the reason.
  v = o->delta;
  PetscCall(OptionsReal(PetscOptionsObject, "-delta", "Dual step size delta > 0 of (21) (default: the problem's preset, 0.15 elsewhere)",
                        kAnyFinite, &v, &o->delta_set));
  o->delta = v;
  v = o->eps;
  PetscCall(OptionsReal(PetscOptionsObject, "-eps", "Stop the inner loop when |mu^{k+1} - mu^k| < eps >= 0 (default: the problem's preset; demand per_capita 0.01, literal and other problems 0.2)",
                        kAnyFinite, &v, &o->eps_set));
  o->eps = v;
  PetscCall(OptionsInt(PetscOptionsObject, "-kmax", "Maximum inner iterations K_max per step", 1, PETSC_MAX_INT, &o->kmax));
  PetscCall(PetscOptionsBool("-warm_start", "Start each step from the previous step's final price (enhanced DOA)",
                             nullptr, o->warm_start, &o->warm_start, nullptr));
  PetscCall(OptionsInt(PetscOptionsObject, "-trace_iterations", "Record lambda^k, k < this, of every step as series lambda_iter_k",
                       0, 1000, &o->trace));
  PetscCheck(!o->delta_set || (std::isfinite(o->delta) && o->delta > 0), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-%sdelta %g must be a positive number", prefix, o->delta);
  PetscCheck(!o->eps_set || (std::isfinite(o->eps) && o->eps >= 0), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-%seps %g must be >= 0", prefix, o->eps);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Coordinator::Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *,
                                  std::int64_t T) {
  PetscFunctionBeginUser;
  block_ = block;
  problem_ = &problem;
  T_ = T;
  family_ = problem.name();
  // λ^0 ~ U(0,1) from stream MU0 uses the run's seed.
  seed_ = run_seed();
  problems::ScalarKernel k1;
  PetscCall(problem.BeginStep(1, &k1));
  std::visit(
      [&](const auto &k) {
        const problems::CoordinatorModel m = k.coordinator(block.n);
        delta_ = m.delta_default, eps_ = m.eps_default;
      },
      k1);
  if (opt_.delta_set) delta_ = opt_.delta;
  if (opt_.eps_set) eps_ = opt_.eps;
  x_.assign(block.local(), 0.0);
  lambda_ = 0, price_ = NAN, iters_ = 0, not_converged_ = 0;
  trace_.assign(opt_.trace, NAN);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Coordinator::Step(StepContext &ctx) {
  PetscFunctionBeginUser;
  PetscCall(std::visit([&](const auto &k) { return StepWith(k, ctx); }, *ctx.kernel));
  PetscFunctionReturn(PETSC_SUCCESS);
}

template <class K>
PetscErrorCode Coordinator::StepWith(const K &k, StepContext &ctx) {
  const Events *ev;
  const std::int64_t t = ctx.t, nloc = block_.local();
  PetscFunctionBeginUser;
  PetscCall(EventsGet(&ev));
  const problems::CoordinatorModel model = k.coordinator(block_.n);
  const double messaged = model.messaged;
  const K kr = ResponseKernel(k, kind_);
  std::fill(trace_.begin(), trace_.end(), NAN);
  if (kind_ == CoordinatorKind::coa) {
    // The exact per-step optimum: the driver's oracle when metrics are on (the same solve), else our own. A
    // kernel with a metric view (gridcell: the oracle of the realized positions) is solved on its own f here:
    // coa clears the declared positions (docs/gridcell.md §16.6).
    constexpr bool own_f = requires { k.metric_view(); };
    const bool driver = ctx.oracle() && !own_f;
    double mu = driver ? ctx.observer->mu_star() : 0.0;
    if (!driver) {
      double hi;
      oracle::Result res;
      PetscCall(problem_->OracleBracket(t, *ctx.kernel, &hi));
      PetscCall(oracle::Solve(PETSC_COMM_WORLD, k, nloc, hi, lambda_, problem_->constraint_scale(), &res));
      mu = res.mu;
      converged_ = res.converged;
    } else
      converged_ = true;
    price_ = lambda_ = mu, iters_ = 1;
    if (!trace_.empty()) trace_[0] = mu;
    ctx.messages = 2.0 * messaged;
    ctx.bytes = messaged * (model.uplink_doubles + 1.0) * sizeof(double);
  } else {
    const double Z = model.dual_scale;
    double mu = (t == 1 || model.restart || !opt_.warm_start)
                    ? rng::uniform(seed_, rng::MU0, 0, static_cast<std::uint64_t>(t), 0)
                    : lambda_;
    const std::int64_t kmax = opt_.single_step ? 1 : opt_.kmax;
    double next = mu;
    std::int64_t kfinal = 0;
    converged_ = opt_.single_step;
    PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
    for (std::int64_t it = 0; it < kmax; ++it) {
      if (it < static_cast<std::int64_t>(trace_.size())) trace_[it] = mu;
      double S = LocalConstraintSum(kr, nloc, mu);
      PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &S, 1));
      next = std::max(0.0, mu + delta_ * S / Z);
      kfinal = it;
      if (!opt_.single_step && std::fabs(next - mu) < eps_) {
        converged_ = true;
        break;
      }
      if (it + 1 < kmax) mu = next;
    }
    PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
    price_ = mu, lambda_ = next, iters_ = kfinal + 1;
    if (!converged_) not_converged_++;
    ctx.messages = 2.0 * messaged * static_cast<double>(iters_);
    ctx.bytes = ctx.messages * sizeof(double);
  }

  // Play x_i(price) and hand every agent's metric contributions to the observer; one fused reduction.
  PetscCall(PetscLogEventBegin(ev->local_update, 0, 0, 0, 0));
  Play(k, kr, price_, ctx);
  PetscCall(PetscLogEventEnd(ev->local_update, 0, 0, 0, 0));
  if (ctx.metrics()) PetscCall(ctx.observer->Reduce(PETSC_COMM_WORLD));
  if (ctx.record_local) {
    std::size_t q = 0;
    for (std::int64_t i : *ctx.record_local) {
      ctx.record[0][q] = x_[i], ctx.record[1][q] = price_, ctx.record[2][q] = k.g(i, x_[i]);
      ++q;
    }
  }
  if (problem_->has_end_step_hook()) PetscCall(problem_->EndStep(t, x_.data(), {true, price_, nullptr}));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// x_{i,t} = x_i(price) from the response kernel kr; costs and constraints from the problem's kernel k (dpa's
// users answer without the proximal term, but the regret is measured on the problem's f). Every agent holds
// the broadcast price: μ consensus is exact; y is the agent's own c (no tracker).
template <class K>
void Coordinator::Play(const K &k, const K &kr, double price, StepContext &ctx) {
  double *__restrict x = x_.data();
  const auto body = [&](std::int64_t i, auto &&sink) {
    const double xi = kr.response(i, price);
    x[i] = xi;
    const double c = k.g(i, xi);
    sink(xi, c, price, c);
  };
  if (ctx.observer) ctx.observer->Pass(k, block_.local(), body);
  else
    for (std::int64_t i = 0; i < block_.local(); ++i) x[i] = kr.response(i, price);
}

std::vector<AgentField> Coordinator::agent_fields() const {
  return {{"x", "per-unit", "decision x_{i,t} played at step t"},
          {"mu", "per-unit price", "price broadcast by the coordinator (the same for every agent)"},
          {"y", "per-unit", "constraint value g_{i,t}(x_{i,t}) (coordinator algorithms have no tracker)"}};
}

std::vector<metrics::SeriesInfo> Coordinator::series() const {
  std::vector<metrics::SeriesInfo> s = {
      {"lambda", "per-unit price", "price lambda(t) played: mu^K (doa, dpa) or mu* (coa)"},
      {"lambda_final", "per-unit price", "mu^{K+1}, the next step's warm start"},
      {"inner_iterations", "1", "coordinator broadcasts at step t (K + 1; 1 for coa)"},
      {"inner_converged", "1", "1 if the inner loop met the eps test (or coa's solve converged), else 0"}};
  for (PetscInt k = 0; k < opt_.trace; ++k) {
    char name[32];
    snprintf(name, sizeof name, "lambda_iter_%03d", static_cast<int>(k));
    s.push_back({name, "per-unit price", "inner iterate lambda^k of step t (NaN after the loop stopped)"});
  }
  return s;
}

void Coordinator::series_values(double *out) const {
  out[0] = price_, out[1] = lambda_, out[2] = static_cast<double>(iters_), out[3] = converged_ ? 1.0 : 0.0;
  std::copy(trace_.begin(), trace_.end(), out + 4);
}

PetscErrorCode Coordinator::RecordParameters(io::Recorder &rec) const {
  PetscFunctionBeginUser;
  const double kmax = static_cast<double>(opt_.kmax);
  PetscCall(rec.WriteGlobalArray("algorithm/delta", &delta_, 1, "1", "dual step size delta of (21)"));
  PetscCall(rec.WriteGlobalArray("algorithm/eps", &eps_, 1, "per-unit price", "inner-loop stop threshold epsilon"));
  PetscCall(rec.WriteGlobalArray("algorithm/kmax", &kmax, 1, "1", "maximum inner iterations K_max"));
  PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string(name())));
  PetscCall(
      rec.SetAttribute("/inputs/algorithm", "mode", std::string(opt_.single_step ? "single_step" : "inner_loop")));
  PetscCall(rec.SetAttribute("/inputs/algorithm", "warm_start", static_cast<std::int64_t>(opt_.warm_start ? 1 : 0)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string Coordinator::describe() const {
  char s[256];
  if (kind_ == CoordinatorKind::coa)
    snprintf(s, sizeof s, "coa (exact per-step solve, safeguarded Newton of §6)");
  else
    snprintf(s, sizeof s, "%s %s, delta = %g, eps = %g, K_max = %lld, warm start %s%s", name(),
             opt_.single_step ? "single_step" : "inner_loop", delta_, eps_,
             static_cast<long long>(opt_.single_step ? 1 : opt_.kmax), opt_.warm_start ? "on" : "off",
             kind_ == CoordinatorKind::dpa ? ", users without smoothing (alpha = 0)" : "");
  return s;
}

PetscErrorCode Coordinator::SaveState(io::Recorder &ckpt) const {
  PetscFunctionBeginUser;
  const double st[3] = {lambda_, price_, static_cast<double>(not_converged_)};
  PetscCall(
      ckpt.WriteGlobalArray("/state/coordinator", st, 3, "per-unit price", "lambda_final, price, steps not converged"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Coordinator::LoadState(io::Reader &ckpt) {
  std::vector<double> st;
  PetscFunctionBeginUser;
  PetscCall(ckpt.ReadAll("/state/coordinator", &st));
  PetscCheck(st.size() == 3, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint /state/coordinator has %zu values, expected 3", st.size());
  std::int64_t t = 0;
  PetscCall(ckpt.GetAttribute("/", "step", &t));
  // Untrusted input: finite prices, and a whole count of unconverged steps up to the checkpoint's step.
  PetscCall(io::CheckStateValues(ckpt, "/state/coordinator", 0, st.data(), 2, -HUGE_VAL, HUGE_VAL, false, "lambda_final, price"));
  PetscCall(io::CheckStateValues(ckpt, "/state/coordinator", 2, st.data() + 2, 1, 0.0, static_cast<double>(t), true,
                                 "steps not converged, at most the checkpoint's step"));
  lambda_ = st[0], price_ = st[1], not_converged_ = static_cast<std::int64_t>(st[2]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::algorithms
