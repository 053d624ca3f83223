// Problem `demand` (algorithms.md §3): real-time energy distribution of Wang, Mao and Nelms — N users with
// concave utilities and a proximal term towards their running mean consumption p̂_i, and one provider with
// a quadratic generation cost, coupled by Σ_users p ≤ g. Agents 0..N−1 are the users and agent N the
// provider, so every (2.1) algorithm runs on it. User data come from a real load trace (CAISO, PJM) or a
// synthetic profile and are computed on the fly per step (no N×T storage); the end-of-step hook applies the
// p̂ update (8) and gathers the load metrics of §12 in one fused reduction.

#include <algorithm>
#include <cmath>
#include <cstring>

#include "problems/demand_offline.hpp"
#include "comm/exchange.hpp"
#include "core/rng.hpp"
#include "io/loadtrace.hpp"
#include "io/reader.hpp"
#include "io/cf.hpp"
#include "io/recorder.hpp"
#include "core/options.hpp"
#include "problems/problem.hpp"

namespace dodge::problems {

namespace {

const char *const kPresets[] = {"paper_params", "calibrated", "literal"};
const char *const kScalings[] = {"per_capita", "literal"};
const char *const kSources[] = {"caiso", "pjm", "synthetic"};
const char *const kMultiday[] = {"separate", "consecutive"};
const char *const kNormalize[] = {"window", "file"};
const char *const kVariance[] = {"per_user", "aggregate"};
const char *const kProviderStep[] = {"n", "one"};

constexpr std::int64_t kSlotsPerDay = 96;  // 15-minute slots

// The bundled traces and their named days (§3.5).
struct TraceSource {
  const char *name, *file, *time_column, *value_column, *hot, *typical, *three_days;
};
const TraceSource kTraces[] = {
    {"caiso", "caiso/caiso_historical_2014-08-29_to_2014-10-09.csv", "timestamp", "SCE", "2014-09-15", "2014-10-01",
     "2014-09-16"},
    {"pjm", "pjm/PJME_hourly_2011-08-29_to_2011-10-09.csv", "ds", "y", "2011-09-01", "2011-10-05", "2011-09-13"},
};

// Synthetic profiles of §3.5, h in hours.
double SynthHot(double h) {
  return 0.25 + 0.15 * std::exp(-std::pow((h - 8.0) / 2.0, 2)) + 0.60 * std::exp(-std::pow((h - 17.0) / 3.5, 2));
}
double SynthTypical(double h) {
  return 0.30 + 0.15 * std::exp(-std::pow((h - 8.0) / 2.0, 2)) + 0.35 * std::exp(-std::pow((h - 19.0) / 2.5, 2));
}

// Running totals of the load metrics (§12), identical on every rank; a checkpoint saves them as an array.
struct Totals {
  double steps = 0;
  double sumL = 0, sumL2 = 0, maxL = 0, sumAGL = 0, sumAGL2 = 0, maxAGL = 0;
  double sumU = 0, sumUtr = 0, sumCT = 0, sumCTtr = 0, sumCL = 0;
  double user_cost = 0, trace_cost = 0, price_missing = 0;
  static constexpr int kCount = 15;
  void to(double *v) const {
    const double a[kCount] = {steps,  sumL,  sumL2,   maxL,  sumAGL,    sumAGL2,    maxAGL,       sumU,
                              sumUtr, sumCT, sumCTtr, sumCL, user_cost, trace_cost, price_missing};
    std::copy(a, a + kCount, v);
  }
  void from(const double *v) {
    double *a[kCount] = {&steps,  &sumL,  &sumL2,   &maxL,  &sumAGL,    &sumAGL2,    &maxAGL,       &sumU,
                         &sumUtr, &sumCT, &sumCTtr, &sumCL, &user_cost, &trace_cost, &price_missing};
    for (int k = 0; k < kCount; ++k) *a[k] = v[k];
  }
};

// The quantities of Table I and §12 for the run and for the actual trace (p = d).
struct Summary {
  double T = 0, N = 0;
  double pr = 0, par = 0, par_agl = 0;
  double vbar = 0, varL = 0, ubar = 0, cbar = 0, pbar = 0, ct = 0;
  double vbar_tr = 0, varAGL = 0, ubar_tr = 0, cbar_tr = 0, pbar_tr = 0, ct_tr = 0;
  double J = 0, J_off = NAN, gap = NAN, off_pg = NAN;
  std::int64_t off_iterations = 0;
};

class Demand final : public Problem {
 public:
  const char *name() const override { return "demand"; }
  std::int64_t default_agents() const override { return users_opt_ + 1; }
  // κ_i, the price estimates, ω_i(t), d_i(t), the four running sums, the noise key and its two uniforms.
  double state_bytes_per_agent() const override { return 12.0 * sizeof(double); }

  PetscErrorCode SetFromOptions() override {
    PetscInt preset = 0, scaling = 0, src = 0, multiday = 0, norm = 0, var = 0, pstep = 0;
    PetscBool scaling_set, a_set;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "demand_",
                      "Problem demand: real-time energy distribution of Wang, Mao, Nelms (algorithms.md §3)", nullptr);
    PetscCall(OptionsInt(PetscOptionsObject, "-users", "Number of users N when -agents is not given (agents = N users + 1 provider)",
                         1, PETSC_MAX_INT - 1, &users_opt_, &users_set_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-preset", "Parameter preset (§3.2): paper_params, calibrated (COA >> DPA ordering) or literal", kPresets, 3, &preset, nullptr));
    preset_ = kPresets[preset];
    PetscCall(OptionsChoice(PetscOptionsObject, "-cost_scaling", "Provider cost: per_capita C_N(g) = N c1(g/N) or literal C(g) (overrides the preset)", kScalings, 2, &scaling, &scaling_set));
    // Finite here (the readers name the option); signs and orderings are checked below with their reasons.
    PetscCall(OptionsReal(PetscOptionsObject, "-a", "Quadratic cost coefficient a > 0 (overrides the preset)", kAnyFinite, &a_,
                          &a_set));
    PetscCall(OptionsReal(PetscOptionsObject, "-b", "Linear cost coefficient b", kNonNegative, &b_));
    PetscCall(OptionsReal(PetscOptionsObject, "-c", "Constant cost coefficient c", kNonNegative, &c_));
    PetscCall(OptionsReal(PetscOptionsObject, "-alpha", "Proximal weight alpha of the users' consumption smoothing (8)",
                          kNonNegative, &alpha_));
    PetscCall(OptionsReal(PetscOptionsObject, "-p_min", "Lower consumption bound 0 <= p_min < p_max", kAnyFinite, &pmin_));
    PetscCall(OptionsReal(PetscOptionsObject, "-p_max", "Upper consumption bound p_max", kAnyFinite, &pmax_));
    PetscCall(OptionsReal(PetscOptionsObject, "-g_max_per_user",
                          "Generation capacity per user: g_max = N times this, >= p_min (default p_max)", kAnyFinite,
                          &gmax_per_user_, &gmax_set_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-source", "User load data: caiso (SCE 2014), pjm (PJM East 2011) or synthetic profiles (§3.5)", kSources, 3, &src, nullptr));
    source_ = kSources[src];
    PetscCall(OptionsString(PetscOptionsObject, "-day",
                  "First day: hot, typical or YYYY-MM-DD (default: hot; the 3-day window when -demand_days > 1)",
                  &day_));
    PetscCall(OptionsInt(PetscOptionsObject, "-days", "Days D simulated (T = 96 D slots of 15 minutes)", 1, 100000, &days_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-multiday", "Multi-day state: separate (s-DOA, restart daily) or consecutive (c-DOA)", kMultiday, 2, &multiday, nullptr));
    separate_ = multiday == 0;
    PetscCall(PetscOptionsBool("-counter_restart",
                               "Consecutive days: restart the counter t of alpha/(t+alpha) every day", nullptr,
                               counter_restart_, &counter_restart_, nullptr));
    PetscCall(OptionsChoice(PetscOptionsObject, "-normalize_over", "Normalize the load over the simulated window or the whole file", kNormalize, 2, &norm, nullptr));
    normalize_file_ = norm == 1;
    PetscCall(OptionsString(PetscOptionsObject, "-data_dir", "Folder holding caiso/ and pjm/", &data_dir_));
    PetscCall(OptionsString(PetscOptionsObject, "-file", "Hourly load CSV (overrides -demand_data_dir)", &file_));
    PetscCall(
        OptionsString(PetscOptionsObject, "-column", "Load column of the CSV (default SCE for caiso, y for pjm)", &column_));
    PetscCall(OptionsString(PetscOptionsObject, "-time_column",
                  "Timestamp column of the CSV (default timestamp for caiso, ds for pjm)", &time_column_));
    PetscCall(OptionsReal(PetscOptionsObject, "-noise", "Standard deviation sigma_n of the users' demand noise", kNonNegative,
                          &noise_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-kappa_range", "Range of the users' scale kappa_i ~ U[lo,hi]", kappa_range_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-omega_range", "Clip range of omega_i(t) = d_i(t)/4, inside (0,1)",
                              omega_range_));
    PetscCall(OptionsReal(PetscOptionsObject, "-omega", "Fixed omega for every user and slot, in (0,1) (0: from the load data)",
                          kAnyFinite, &omega_fixed_, &omega_fixed_set_));
    PetscCall(OptionsInt(PetscOptionsObject, "-replicate", "Users are k copies of N/k base users (same data, same initial p-hat)",
                         1, PETSC_MAX_INT, &replicate_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-variance_mode", "Prob-OFF variance term: per_user or aggregate (§3.4)", kVariance, 2, &var, nullptr));
    aggregate_ = var == 1;
    PetscCall(OptionsChoice(PetscOptionsObject, "-provider_step_scale", "Primal step multiplier rho_N of the provider: n (N) or one (1)", kProviderStep, 2, &pstep, nullptr));
    provider_step_n_ = pstep == 0;
    PetscCall(PetscOptionsBool("-offline_reference",
                               "Solve Prob-OFF on the same instance and report the optimality gap", nullptr,
                               offline_reference_, &offline_reference_, nullptr));
    PetscOptionsEnd();

    // Presets (§3.2): (cost scaling, a, δ, ε); explicit options override.
    const double preset_a[3] = {0.05, 0.0175, 0.05}, preset_delta[3] = {0.15, 0.05, 0.15};
    if (!a_set) a_ = preset_a[preset];
    per_capita_ = scaling_set ? scaling == 0 : preset != 2;
    // ε is a price difference: 0.2 as printed in literal price units, 0.2/N_paper = 0.01 per capita (§3.2).
    delta_default_ = preset_delta[preset], eps_default_ = per_capita_ ? 0.01 : 0.2;
    if (!gmax_set_) gmax_per_user_ = pmax_;
    PetscCheck(std::isfinite(pmin_) && std::isfinite(pmax_) && pmin_ >= 0 && pmin_ < pmax_, PETSC_COMM_WORLD,
               PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_p_min %g and -demand_p_max %g must satisfy 0 <= p_min < p_max (p_min > p_max is not a "
               "consumption range)",
               (double)pmin_, (double)pmax_);
    PetscCheck(std::isfinite(a_) && a_ > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_a %g must be positive (the generation cost must be strictly convex)", (double)a_);
    PetscCheck(std::isfinite(b_) && b_ >= 0 && std::isfinite(c_) && c_ >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_b %g and -demand_c %g must be non-negative", (double)b_, (double)c_);
    PetscCheck(std::isfinite(alpha_) && alpha_ >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_alpha %g must be >= 0", (double)alpha_);
    PetscCheck(omega_range_[0] > 0 && omega_range_[1] < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_omega_range %g,%g must lie inside (0,1): the utility parameter omega is in (0,1) (§3.1)",
               omega_range_[0], omega_range_[1]);
    PetscCheck(!omega_fixed_set_ || (omega_fixed_ > 0 && omega_fixed_ < 1), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_omega %g is outside (0,1): the utility parameter omega must satisfy 0 < omega < 1 (§3.1)",
               (double)omega_fixed_);
    PetscCheck(std::isfinite(noise_) && noise_ >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_noise %g must be >= 0", (double)noise_);
    PetscCheck(kappa_range_[0] >= 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_kappa_range must be non-negative");
    PetscCheck(std::isfinite(gmax_per_user_) && gmax_per_user_ >= pmin_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_g_max_per_user %g is below p_min %g: the provider cannot serve even the minimum consumption "
               "(infeasible); raise it to at least p_min",
               (double)gmax_per_user_, (double)pmin_);
    PetscCheck(!offline_reference_ || gmax_per_user_ >= pmax_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-demand_offline_reference needs g_max >= N p_max (§10), but -demand_g_max_per_user %g < p_max %g",
               (double)gmax_per_user_, (double)pmax_);
    PetscCheck(source_ != "synthetic" || !normalize_file_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-demand_normalize_over file needs a load trace; the synthetic profiles are already normalized");
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, std::uint64_t seed) override {
    PetscFunctionBeginUser;
    block_ = block;
    seed_ = seed;
    PetscCheck(block.n >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "demand needs at least one user and the provider: -agents %" PetscInt64_FMT " < 2", block.n);
    N_ = block.n - 1;
    PetscCheck(!users_set_ || users_opt_ == N_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-demand_users %" PetscInt_FMT " disagrees with -agents %" PetscInt64_FMT
               " (agents = users + 1 provider); give only one of them",
               users_opt_, block.n);
    PetscCheck(N_ % replicate_ == 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-demand_replicate %" PetscInt_FMT " must divide the number of users N = %" PetscInt64_FMT, replicate_,
               N_);
    base_users_ = N_ / replicate_;
    gmax_ = gmax_per_user_ * static_cast<double>(N_);
    prov_ = block.owns(N_) ? N_ - block.start : -1;
    users_local_ = prov_ >= 0 ? prov_ : block.local();
    PetscCall(SetupProfile());
    H_ = static_cast<std::int64_t>(profile_.size());
    steps_ = H_;

    const std::int64_t nl = block.local();
    kappa_.assign(nl, 0.0), phat_.assign(nl, 0.0), phat0_.assign(nl, 0.0);
    omega_t_.assign(nl, 0.5), d_t_.assign(nl, pmin_);
    sp_.assign(nl, 0.0), sp2_.assign(nl, 0.0), sd_.assign(nl, 0.0), sd2_.assign(nl, 0.0);
    noise_key_.assign(users_local_, 0), noise_u1_.assign(users_local_, 0.5), noise_u2_.assign(users_local_, 0.5);
    const std::uint64_t m2 = rng::mix(rng::mix(seed_ ^ rng::kGolden) ^ (rng::NOISE + rng::kGolden));
    for (std::int64_t i = 0; i < users_local_; ++i) {
      kappa_[i] = rng::uniform(kappa_range_[0], kappa_range_[1], seed_, rng::KAPPA, Base(i), 0, 0);
      noise_key_[i] = rng::mix(m2 ^ (Base(i) + rng::kGolden));
    }
    DrawPhat(1);
    std::copy(phat_.begin(), phat_.end(), phat0_.begin());
    if (prov_ >= 0) kappa_[prov_] = NAN, phat0_[prov_] = NAN;
    filled_t_ = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::int64_t horizon() const override { return H_; }
  PetscErrorCode SetSteps(std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(T >= 1 && T <= H_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-steps %" PetscInt64_FMT " is outside [1, %" PetscInt64_FMT "] (%" PetscInt_FMT
               " day(s) of 96 slots; raise -demand_days)",
               T, H_, days_);
    steps_ = T;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode BeginStep(std::int64_t t, ScalarKernel *kernel) override {
    PetscFunctionBeginUser;
    PetscCheck(t >= 1 && t <= H_, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "demand: step %" PetscInt64_FMT " outside [1, %" PetscInt64_FMT "]", t, H_);
    if (filled_t_ != t) {
      FillStep(t, omega_t_.data(), d_t_.data());
      filled_t_ = t;
    }
    DemandKernel k;
    k.omega = omega_t_.data(), k.phat = phat_.data(), k.d = d_t_.data();
    k.prov = prov_;
    k.set_alpha(alpha_);
    k.pmin = pmin_, k.pmax = pmax_, k.gmax = gmax_;
    k.ca = a_, k.cb = b_, k.cc = c_;
    k.cN = per_capita_ ? static_cast<double>(N_) : 1.0;
    k.pk = k.cN / (2.0 * a_);
    k.rho_provider = provider_step_n_ ? static_cast<double>(N_) : 1.0;
    k.users = static_cast<double>(N_);
    k.Z = per_capita_ ? static_cast<double>(N_) : 1.0;
    k.delta_default = delta_default_, k.eps_default = eps_default_;
    k.restart = t == 1 || (separate_ && (t - 1) % kSlotsPerDay == 0);
    k.aggregate = aggregate_;
    *kernel = k;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // μ_hi = max(max_i(ω_i + α p̂_i), C'(g_max)): users at p_min, the provider at g_max (§6). One Allreduce(max).
  PetscErrorCode OracleBracket(std::int64_t, const ScalarKernel &kernel, double *mu_hi) override {
    PetscFunctionBeginUser;
    const auto &k = std::get<DemandKernel>(kernel);
    double m = k.dcost(gmax_);
    for (std::int64_t i = 0; i < users_local_; ++i) m = std::max(m, k.bracket_hi(i));
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &m, 1));
    *mu_hi = m;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  double constraint_scale() const override { return static_cast<double>(N_) * (pmax_ - pmin_) + gmax_; }

  bool has_end_step_hook() const override { return true; }
  bool wants_step_prices() const override { return true; }

  // Prob-OFF (§10): visits every step once to collect ω and d (N×T/P values per rank) and solves.
  bool coupled_in_time() const override { return true; }
  PetscErrorCode SolveFullHorizon(std::int64_t T, const oracle::FullHorizonOptions &opts,
                                  FullHorizonSummary *summary) override {
    PetscFunctionBeginUser;
    ScalarKernel k1;
    PetscCall(BeginStep(1, &k1));
    const auto &k = std::get<DemandKernel>(k1);
    PetscCheck(k.gmax >= k.users * k.pmax * (1 - 1e-15), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "offline on demand needs g_max >= N p_max (algorithms.md §10): g_max = %g < %g = N p_max; raise "
               "-demand_g_max_per_user to at least p_max",
               k.gmax, k.users * k.pmax);
    DemandOfflineInstance in;
    const std::int64_t nu = k.prov >= 0 ? k.prov : block_.local();
    in.users_local = nu, in.users = static_cast<std::int64_t>(k.users), in.T = T;
    in.alpha = k.alpha, in.pmin = k.pmin, in.pmax = k.pmax, in.ca = k.ca, in.cb = k.cb, in.cc = k.cc, in.cN = k.cN;
    in.aggregate = k.aggregate;
    in.omega.resize(nu * T), in.d.resize(nu * T);
    for (std::int64_t t = 1; t <= T; ++t) {
      ScalarKernel kt;
      PetscCall(BeginStep(t, &kt));
      const auto &kd = std::get<DemandKernel>(kt);
      for (std::int64_t i = 0; i < nu; ++i) in.omega[i * T + t - 1] = kd.omega[i], in.d[i * T + t - 1] = kd.d[i];
    }
    PetscCall(DemandOfflineSolve(PETSC_COMM_WORLD, in, opts, &plan_));
    plan_T_ = T, plan_users_local_ = nu;
    summary->result = plan_;
    summary->problem = "Prob-OFF";
    summary->decisions_per_step = in.users;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // Users play P*_i(t), the provider min(L(t), g_max), at the price C'(L(t)).
  PetscErrorCode PlayFullHorizon(std::int64_t t, const ScalarKernel &kernel, double *x, double *price) const override {
    PetscFunctionBeginUser;
    PetscCheck(plan_T_ > 0 && t >= 1 && t <= plan_T_, PETSC_COMM_WORLD, PETSC_ERR_ORDER,
               "offline: step %lld outside the solved horizon %lld", (long long)t, (long long)plan_T_);
    const auto &k = std::get<DemandKernel>(kernel);
    const std::int64_t T = plan_T_, nu = plan_users_local_;
    const double L = plan_.L[t - 1];
    for (std::int64_t i = 0; i < nu; ++i) x[i] = plan_.P[i * T + t - 1];
    if (k.prov >= 0) x[k.prov] = std::min(L, k.gmax);
    *price = k.dcost(L);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // (8) with the decisions played, the load metrics of step t in one fused reduction, and the daily restart
  // of s-DOA.
  PetscErrorCode EndStep(std::int64_t t, const double *x, const StepPrices &prices) override {
    const bool price_set = prices.uniform_set;
    const double price = prices.uniform, *agent_price = prices.agent;
    PetscFunctionBeginUser;
    if (filled_t_ != t) {
      FillStep(t, omega_t_.data(), d_t_.data());
      filled_t_ = t;
    }
    const std::int64_t day_slot = (t - 1) % kSlotsPerDay + 1;
    const double tau = (separate_ || counter_restart_) ? static_cast<double>(day_slot) : static_cast<double>(t);
    const double gain = alpha_ > 0 ? alpha_ / (tau + alpha_) : 0.0;
    double v[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // L, AGL, Σ U(p), Σ U(d), g, Σ p̂, Σ price_i p_i, Σ price_i
    double *__restrict ph = phat_.data(), *__restrict sp = sp_.data(), *__restrict sp2 = sp2_.data();
    double *__restrict sd = sd_.data(), *__restrict sd2 = sd2_.data();
    const double *__restrict w = omega_t_.data(), *__restrict dd = d_t_.data();
    double L = 0, A = 0, U = 0, Ut = 0, P = 0, PC = 0, PS = 0;
    if (agent_price)
      for (std::int64_t i = 0; i < users_local_; ++i) PC += agent_price[i] * x[i], PS += agent_price[i];
    for (std::int64_t i = 0; i < users_local_; ++i) {
      const double p = x[i], d = dd[i];
      L += p, A += d;
      U += demand::utility(p, w[i]), Ut += demand::utility(d, w[i]);
      sp[i] += p, sp2[i] += p * p, sd[i] += d, sd2[i] += d * d;
      ph[i] += gain * (p - ph[i]);
      P += ph[i];
    }
    v[0] = L, v[1] = A, v[2] = U, v[3] = Ut, v[5] = P, v[6] = PC, v[7] = PS;
    if (prov_ >= 0) v[4] = x[prov_];
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, v, 8));
    const double Lg = v[0], AGL = v[1], g = v[4], gdel = std::max(g, Lg);
    const double cN = per_capita_ ? static_cast<double>(N_) : 1.0;
    auto cost = [&](double q) { return a_ * q * q / cN + b_ * q + cN * c_; };
    auto dcost = [&](double q) { return 2.0 * a_ * q / cN + b_; };
    Totals &s = tot_;
    s.steps += 1;
    s.sumL += Lg, s.sumL2 += Lg * Lg, s.maxL = s.steps == 1 ? Lg : std::max(s.maxL, Lg);
    s.sumAGL += AGL, s.sumAGL2 += AGL * AGL, s.maxAGL = s.steps == 1 ? AGL : std::max(s.maxAGL, AGL);
    s.sumU += v[2], s.sumUtr += v[3];
    s.sumCT += cost(gdel), s.sumCTtr += cost(AGL), s.sumCL += cost(Lg);
    if (price_set)
      s.user_cost += price * Lg;
    else if (agent_price)
      s.user_cost += v[6];  // each user pays its own multiplier estimate (graph algorithms, §12)
    else
      s.price_missing = 1;
    s.trace_cost += dcost(AGL) * AGL;
    last_[0] = Lg, last_[1] = AGL, last_[2] = g, last_[3] = gdel, last_[4] = v[2], last_[5] = cost(gdel);
    last_[6] = s.maxL, last_[7] = v[5] / static_cast<double>(N_), last_[8] = profile_[t - 1];
    last_[9] = price_set ? price : (agent_price ? v[7] / static_cast<double>(N_) : NAN);
    // s-DOA: the next day starts from a fresh p̂_i(0) (PHAT0, b = day) and counter 1.
    if (separate_ && day_slot == kSlotsPerDay && t < H_) DrawPhat(t / kSlotsPerDay + 1);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  const Units &units() const override { return units_; }
  double time_of(std::int64_t t) const override { return 0.25 * static_cast<double>(t - 1); }
  // CF time from the trace's first day (the data's local clock, written without a UTC offset); the
  // synthetic day has no date, so its axis is hours from its start.
  std::string time_units() const override {
    const std::string ref = io::cf::ReferenceTime(first_day_, 0.0);
    return ref.empty() ? "h" : "hours since " + ref.substr(0, 19);
  }

  std::string describe() const override {
    char s[512];
    snprintf(
        s, sizeof s,
        "demand/%s %s, %lld day(s) from %s (%s), N = %lld users + 1 provider, T = %lld, preset %s (%s, a = %g, b = %g, "
        "c = %g), alpha = %g, P = [%g, %g], g_max = %g N%s",
        source_.c_str(), source_ == "synthetic" ? "" : (trace_.column + " " + trace_.file).c_str(), (long long)days_,
        first_day_.c_str(), day_label_.c_str(), (long long)N_, (long long)steps_, preset_.c_str(),
        per_capita_ ? "per_capita" : "literal", a_, b_, c_, alpha_, pmin_, pmax_, gmax_per_user_,
        days_ > 1 ? (separate_ ? ", separate days (s-DOA)" : ", consecutive days (c-DOA)") : "");
    return s;
  }

  std::vector<metrics::SeriesInfo> series() const override {
    return {{"load", "per-user unit", "L(t) = sum_i p_i(t): grid load of the users"},
            {"agl", "per-user unit", "AGL(t) = sum_i d_i(t): actual grid load of the trace"},
            {"generation", "per-user unit", "g(t): the provider's decision"},
            {"generation_delivered", "per-user unit", "g_del(t) = max(g(t), L(t))"},
            {"utility", "utility", "sum_i U(p_i(t), omega_i(t))"},
            {"provision_cost", "utility", "C_N(g_del(t))"},
            {"load_peak", "per-user unit", "max_{s<=t} L(s)"},
            {"phat_mean", "per-user unit", "mean_i p-hat_i(t) after the update (8)"},
            {"profile", "1", "normalized load profile s(t)"},
            {"user_price", "utility/unit", "price lambda(t) users paid (coordinator algorithms; NaN otherwise)"}};
  }
  void series_values(std::int64_t, double *out) const override { std::copy(last_, last_ + 10, out); }

  PetscErrorCode RecordInputs(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    std::vector<double> prof(profile_.begin(), profile_.begin() + steps_);
    PetscCall(
        rec.WriteGlobalArray("problem/profile", prof.data(), steps_, "1", "normalized load profile s(t)", "time"));
    if (source_ != "synthetic")
      PetscCall(rec.WriteGlobalArray("problem/hourly_load", trace_.hourly.data(),
                                     static_cast<std::int64_t>(trace_.hourly.size()), "MW",
                                     "trace samples at clock hours 0..24 D of the window"));
    PetscCall(rec.WriteDistributedArray("problem/kappa", n, off, nl, kappa_.data(), "1",
                                        "user scale kappa_i (NaN: provider)", "agent"));
    PetscCall(rec.WriteDistributedArray("problem/phat0", n, off, nl, phat0_.data(), "per-user unit",
                                        "p-hat_i(0) of the first day (NaN: provider)", "agent"));
    const std::string g = "/inputs/problem";
    PetscCall(rec.SetAttribute(g, "name", std::string("demand")));
    PetscCall(rec.SetAttribute(g, "source", source_));
    PetscCall(rec.SetAttribute(g, "first_day", first_day_));
    PetscCall(rec.SetAttribute(g, "day", day_label_));
    PetscCall(rec.SetAttribute(g, "days", static_cast<std::int64_t>(days_)));
    if (source_ != "synthetic") {
      PetscCall(rec.SetAttribute(g, "data_file", trace_.file));
      PetscCall(rec.SetAttribute(g, "column", trace_.column));
      PetscCall(rec.SetAttribute(g, "normalize_min_MW", norm_min_));
      PetscCall(rec.SetAttribute(g, "normalize_max_MW", norm_max_));
    }
    PetscCall(rec.SetAttribute(g, "normalize_over", std::string(normalize_file_ ? "file" : "window")));
    PetscCall(rec.SetAttribute(g, "preset", preset_));
    PetscCall(rec.SetAttribute(g, "cost_scaling", std::string(per_capita_ ? "per_capita" : "literal")));
    PetscCall(rec.SetAttribute(g, "a", a_));
    PetscCall(rec.SetAttribute(g, "b", b_));
    PetscCall(rec.SetAttribute(g, "c", c_));
    PetscCall(rec.SetAttribute(g, "alpha", alpha_));
    PetscCall(rec.SetAttribute(g, "p_min", pmin_));
    PetscCall(rec.SetAttribute(g, "p_max", pmax_));
    PetscCall(rec.SetAttribute(g, "g_max", gmax_));
    PetscCall(rec.SetAttribute(g, "users", N_));
    PetscCall(rec.SetAttribute(g, "replicate", static_cast<std::int64_t>(replicate_)));
    PetscCall(rec.SetAttribute(g, "noise", noise_));
    PetscCall(rec.SetAttribute(g, "omega_fixed", omega_fixed_set_ ? static_cast<double>(omega_fixed_) : NAN));
    PetscCall(rec.SetAttribute(g, "multiday", std::string(separate_ ? "separate" : "consecutive")));
    PetscCall(rec.SetAttribute(g, "variance_mode", std::string(aggregate_ ? "aggregate" : "per_user")));
    PetscCall(rec.SetAttribute(g, "provider_step_scale", provider_step_n_ ? static_cast<double>(N_) : 1.0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode SaveState(io::Recorder &ck) const override {
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    double tv[Totals::kCount];
    PetscFunctionBeginUser;
    PetscCall(ck.WriteDistributedArray("/state/demand_phat", n, off, nl, phat_.data(), "per-user unit", "p-hat_i(t)",
                                       "agent"));
    PetscCall(ck.WriteDistributedArray("/state/demand_sum_p", n, off, nl, sp_.data(), "per-user unit", "sum_s p_i(s)",
                                       "agent"));
    PetscCall(
        ck.WriteDistributedArray("/state/demand_sum_p2", n, off, nl, sp2_.data(), "1", "sum_s p_i(s)^2", "agent"));
    PetscCall(ck.WriteDistributedArray("/state/demand_sum_d", n, off, nl, sd_.data(), "per-user unit", "sum_s d_i(s)",
                                       "agent"));
    PetscCall(
        ck.WriteDistributedArray("/state/demand_sum_d2", n, off, nl, sd2_.data(), "1", "sum_s d_i(s)^2", "agent"));
    tot_.to(tv);
    PetscCall(
        ck.WriteGlobalArray("/state/demand_totals", tv, Totals::kCount, "mixed", "running totals of the load metrics"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode LoadState(io::Reader &ck) override {
    const std::int64_t off = block_.start, nl = block_.local();
    std::vector<double> tv;
    PetscFunctionBeginUser;
    PetscCall(ck.ReadSlice("/state/demand_phat", off, nl, phat_.data()));
    PetscCall(ck.ReadSlice("/state/demand_sum_p", off, nl, sp_.data()));
    PetscCall(ck.ReadSlice("/state/demand_sum_p2", off, nl, sp2_.data()));
    PetscCall(ck.ReadSlice("/state/demand_sum_d", off, nl, sd_.data()));
    PetscCall(ck.ReadSlice("/state/demand_sum_d2", off, nl, sd2_.data()));
    PetscCall(ck.ReadAll("/state/demand_totals", &tv));
    PetscCheck(tv.size() == Totals::kCount, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint /state/demand_totals has %zu values, expected %d (written by another dodge version?)",
               tv.size(), Totals::kCount);
    tot_.from(tv.data());
    if (prov_ >= 0) phat_[prov_] = 0;
    filled_t_ = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode View() const override {
    Summary s;
    PetscFunctionBeginUser;
    PetscCall(Summarize(&s));
    auto line = [](const char *what, double run, double trace) {
      return PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6g %14.6g\n", what, run, trace);
    };
    PetscCall(
        PetscPrintf(PETSC_COMM_WORLD, "  demand: %-20s %14s %14s\n",
                    (std::to_string(N_) + " users, " + std::to_string(static_cast<long long>(s.T)) + " slots").c_str(),
                    "run", "trace (p = d)"));
    PetscCall(line("peak reduction PR [%]", s.pr, 0.0));
    PetscCall(line("PAR max L / mean L", s.par, s.par_agl));
    PetscCall(line("V-bar (mean user variance)", s.vbar, s.vbar_tr));
    PetscCall(line("Var_t(L)/N", s.varL / s.N, s.varAGL / s.N));
    PetscCall(line("U-bar (utility per user)", s.ubar, s.ubar_tr));
    PetscCall(line("C-bar (cost per user)", s.cbar, s.cbar_tr));
    PetscCall(line("P-bar (peak per user)", s.pbar, s.pbar_tr));
    PetscCall(line("C_T (provisioning cost)", s.ct, s.ct_tr));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.9g\n", "J (Prob-OFF objective)", s.J));
    if (offline_reference_)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "  %-28s %14.9g (gap %.3e; offline ||proj. grad||_inf %.2e, %lld iterations)\n",
                            "J_OFF* (offline reference)", s.J_off, s.gap, s.off_pg, (long long)s.off_iterations));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode RecordSummary(io::Recorder &rec) const override {
    Summary s;
    PetscFunctionBeginUser;
    PetscCall(Summarize(&s));
    const std::pair<const char *, double> v[] = {{"demand_peak_reduction_pct", s.pr},
                                                 {"demand_par", s.par},
                                                 {"demand_par_agl", s.par_agl},
                                                 {"demand_vbar", s.vbar},
                                                 {"demand_var_load", s.varL},
                                                 {"demand_var_load_per_user", s.varL / s.N},
                                                 {"demand_ubar", s.ubar},
                                                 {"demand_cbar", s.cbar},
                                                 {"demand_pbar", s.pbar},
                                                 {"demand_total_cost", s.ct},
                                                 {"demand_trace_vbar", s.vbar_tr},
                                                 {"demand_trace_var_load", s.varAGL},
                                                 {"demand_trace_ubar", s.ubar_tr},
                                                 {"demand_trace_cbar", s.cbar_tr},
                                                 {"demand_trace_pbar", s.pbar_tr},
                                                 {"demand_trace_total_cost", s.ct_tr},
                                                 {"demand_J", s.J},
                                                 {"demand_J_offline", s.J_off},
                                                 {"demand_optimality_gap", s.gap},
                                                 {"demand_offline_pg_inf", s.off_pg}};
    for (const auto &[k, x] : v) PetscCall(rec.SetAttribute("/", k, x));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:

  // The user whose data (κ, ξ, p̂(0)) local user i uses: itself, or its base user under -demand_replicate.
  std::uint64_t Base(std::int64_t i) const { return static_cast<std::uint64_t>((block_.start + i) % base_users_); }

  void DrawPhat(std::int64_t day) {
    for (std::int64_t i = 0; i < users_local_; ++i)
      phat_[i] = rng::uniform(pmin_, pmax_, seed_, rng::PHAT0, Base(i), static_cast<std::uint64_t>(day), 0);
    if (prov_ >= 0) phat_[prov_] = 0;
  }

  // d_i(t) and ω_i(t) of the local users (§3.5): κ_i (KAPPA) and ξ_i(t) ~ N(0,1) (NOISE, b = t). ξ is
  // rng::normal(seed, NOISE, base_i, t, 0) bit for bit; the key chain's step-independent prefix is cached per
  // user (noise_key_), so a step costs three mixes per user instead of ten, in a loop that vectorizes.
  void FillStep(std::int64_t t, double *omega, double *d) const {
    const double st = profile_[t - 1], span = pmax_ - pmin_;
    const std::int64_t nu = users_local_;
    double *__restrict u1 = noise_u1_.data(), *__restrict u2 = noise_u2_.data();
    const std::uint64_t *__restrict pk = noise_key_.data();
    const std::uint64_t tb = static_cast<std::uint64_t>(t) + rng::kGolden;
    if (noise_ > 0)
      for (std::int64_t i = 0; i < nu; ++i) {
        const std::uint64_t kb = rng::mix(pk[i] ^ tb);
        u1[i] = (static_cast<double>(rng::mix(kb ^ rng::kGolden) >> 11) + 0.5) * 0x1p-53;
        u2[i] = (static_cast<double>(rng::mix(kb ^ (1 + rng::kGolden)) >> 11) + 0.5) * 0x1p-53;
      }
    for (std::int64_t i = 0; i < nu; ++i) {
      const double xi = noise_ > 0 ? std::sqrt(-2.0 * std::log(u1[i])) * std::cos(2.0 * M_PI * u2[i]) : 0.0;
      const double di = clip(pmin_ + span * kappa_[i] * st + noise_ * xi, pmin_, pmax_);
      d[i] = di;
      omega[i] = omega_fixed_set_ ? omega_fixed_ : clip(0.25 * di, omega_range_[0], omega_range_[1]);
    }
  }

  // s(t), t = 1..96 D, from the trace (or the synthetic profile), normalized as §3.5 says.
  PetscErrorCode SetupProfile() {
    PetscFunctionBeginUser;
    units_ = Units{};
    units_.hours_per_step = 0.25;
    units_.x_units = "per-user unit";
    units_.cost_units = "utility";
    units_.power_units = "per-user unit", units_.money_units = "utility";
    std::string day = day_;
    if (source_ == "synthetic") {
      if (day.empty()) day = "hot";
      PetscCheck(day == "hot" || day == "typical", PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
                 "-demand_day %s: the synthetic source has the profiles hot and typical only (dates need "
                 "-demand_source caiso or pjm)",
                 day.c_str());
      day_label_ = day, first_day_ = "day 1";
      profile_.resize(kSlotsPerDay * days_);
      for (std::int64_t t = 1; t <= kSlotsPerDay * days_; ++t) {
        const double h = 24.0 * (static_cast<double>((t - 1) % kSlotsPerDay) + 0.5) / kSlotsPerDay;
        profile_[t - 1] = day == "hot" ? SynthHot(h) : SynthTypical(h);
      }
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    const TraceSource &src = source_ == "caiso" ? kTraces[0] : kTraces[1];
    if (day.empty()) day = days_ > 1 ? "three_days" : "hot";
    day_label_ = day;
    if (day == "hot")
      first_day_ = src.hot;
    else if (day == "typical")
      first_day_ = src.typical;
    else if (day == "three_days")
      first_day_ = src.three_days;
    else
      first_day_ = day, day_label_ = "date";
    const std::string root = data_dir_.empty() ? std::string(DODGE_DATA_DIR) : data_dir_;
    const std::string path = file_.empty() ? root + "/" + src.file : file_;
    PetscCall(io::LoadTraceRead(PETSC_COMM_WORLD, path, time_column_.empty() ? src.time_column : time_column_,
                                column_.empty() ? src.value_column : column_, first_day_, days_, &trace_));
    profile_ = io::LoadTraceSlots(trace_.hourly, 4);
    double lo = profile_[0], hi = profile_[0];
    for (double v : profile_) lo = std::min(lo, v), hi = std::max(hi, v);
    if (normalize_file_) lo = trace_.file_min, hi = trace_.file_max;
    PetscCheck(hi > lo, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "%s: the load of column %s is constant (%g MW) over the %s; it cannot be normalized (§3.5)",
               path.c_str(), trace_.column.c_str(), lo, normalize_file_ ? "file" : "window");
    norm_min_ = lo, norm_max_ = hi;
    for (double &v : profile_) v = (v - lo) / (hi - lo);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // The §12 summary (collective: reduces the per-user variances; solves Prob-OFF once when asked).
  PetscErrorCode Summarize(Summary *out) const {
    Summary s;
    PetscFunctionBeginUser;
    const Totals &q = tot_;
    const double T = std::max(q.steps, 1.0), N = static_cast<double>(N_);
    double v[2] = {0, 0};
    for (std::int64_t i = 0; i < users_local_; ++i) {
      const double mp = sp_[i] / T, md = sd_[i] / T;
      v[0] += std::max(0.0, sp2_[i] / T - mp * mp);
      v[1] += std::max(0.0, sd2_[i] / T - md * md);
    }
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, v, 2));
    s.T = q.steps, s.N = N;
    const double meanL = q.sumL / T, meanA = q.sumAGL / T;
    s.pr = 100.0 * (q.maxAGL - q.maxL) / q.maxAGL;
    s.par = q.maxL / meanL, s.par_agl = q.maxAGL / meanA;
    s.vbar = v[0] / N, s.vbar_tr = v[1] / N;
    s.varL = std::max(0.0, q.sumL2 / T - meanL * meanL), s.varAGL = std::max(0.0, q.sumAGL2 / T - meanA * meanA);
    s.ubar = q.sumU / N, s.ubar_tr = q.sumUtr / N;
    s.cbar = q.price_missing > 0 ? NAN : q.user_cost / N, s.cbar_tr = q.trace_cost / N;
    s.pbar = q.maxL / N, s.pbar_tr = q.maxAGL / N;
    s.ct = q.sumCT, s.ct_tr = q.sumCTtr;
    // J of §10 on the decisions played.
    const double Z = per_capita_ ? N : 1.0;
    s.J = q.sumU - q.sumCL - (aggregate_ ? alpha_ / (2.0 * Z) * q.steps * s.varL : 0.5 * alpha_ * q.steps * v[0]);
    if (offline_reference_) {
      if (!offline_solved_) PetscCall(SolveReference());
      s.J_off = offline_J_, s.off_pg = offline_pg_, s.off_iterations = offline_its_;
      s.gap = (s.J_off - s.J) / std::fabs(s.J_off);
    }
    *out = s;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode SolveReference() const {
    PetscFunctionBeginUser;
    DemandOfflineInstance inst;
    const std::int64_t T = static_cast<std::int64_t>(tot_.steps);
    inst.users_local = users_local_, inst.users = N_, inst.T = T;
    inst.alpha = alpha_, inst.pmin = pmin_, inst.pmax = pmax_;
    inst.ca = a_, inst.cb = b_, inst.cc = c_, inst.cN = per_capita_ ? static_cast<double>(N_) : 1.0;
    inst.aggregate = aggregate_;
    inst.omega.resize(users_local_ * T), inst.d.resize(users_local_ * T);
    std::vector<double> w(block_.local()), d(block_.local());
    for (std::int64_t t = 1; t <= T; ++t) {
      FillStep(t, w.data(), d.data());
      for (std::int64_t i = 0; i < users_local_; ++i) inst.omega[i * T + t - 1] = w[i], inst.d[i * T + t - 1] = d[i];
    }
    DemandOfflineResult res;
    PetscCall(DemandOfflineSolve(PETSC_COMM_WORLD, inst, DemandOfflineOptions{}, &res));
    offline_J_ = res.J, offline_pg_ = res.pg_inf, offline_its_ = res.iterations, offline_solved_ = true;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Options.
  PetscInt users_opt_ = 20;
  PetscBool users_set_ = PETSC_FALSE;
  std::string preset_ = "paper_params";
  bool per_capita_ = true;
  PetscReal a_ = 0.05, b_ = 0, c_ = 0, alpha_ = 1, pmin_ = 1, pmax_ = 3, gmax_per_user_ = 3;
  PetscBool gmax_set_ = PETSC_FALSE;
  double delta_default_ = 0.15, eps_default_ = 0.01;
  std::string source_ = "caiso", day_, data_dir_, file_, column_, time_column_;
  PetscInt days_ = 1;
  bool separate_ = false;
  PetscBool counter_restart_ = PETSC_FALSE;
  bool normalize_file_ = false;
  PetscReal noise_ = 0.1, omega_fixed_ = 0;
  PetscBool omega_fixed_set_ = PETSC_FALSE;
  double kappa_range_[2] = {0.8, 1.2}, omega_range_[2] = {0.01, 0.99};
  PetscInt replicate_ = 1;
  bool aggregate_ = false, provider_step_n_ = true;
  PetscBool offline_reference_ = PETSC_FALSE;
  // Data.
  Block block_;
  std::uint64_t seed_ = 1;
  std::int64_t N_ = 0, base_users_ = 1, prov_ = -1, users_local_ = 0, H_ = 0, steps_ = 0;
  double gmax_ = 0;
  io::LoadTrace trace_;
  std::string first_day_, day_label_;
  double norm_min_ = 0, norm_max_ = 1;
  std::vector<double> profile_;
  Units units_;
  std::vector<double> kappa_, phat_, phat0_, omega_t_, d_t_;
  std::vector<std::uint64_t> noise_key_;             // NOISE key chain after (seed, stream, base user)
  mutable std::vector<double> noise_u1_, noise_u2_;  // the step's two uniforms per user (scratch)
  std::int64_t filled_t_ = 0;
  // Metrics.
  std::vector<double> sp_, sp2_, sd_, sd2_;
  Totals tot_;
  double last_[10] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  DemandOfflineResult plan_;  // SolveFullHorizon's P* and L
  std::int64_t plan_T_ = 0, plan_users_local_ = 0;
  mutable bool offline_solved_ = false;
  mutable double offline_J_ = NAN, offline_pg_ = NAN;
  mutable std::int64_t offline_its_ = 0;
};

}  // namespace

std::unique_ptr<Problem> DemandCreate() { return std::make_unique<Demand>(); }

}  // namespace dodge::problems
