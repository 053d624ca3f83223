// The scheduling schemes of algorithms.md §11 ([ECS]) as algorithms: `optimal`, `optimal_par`, `uniform`,
// `aca`, `par_ecs`, on any scheduling family (problems/schedule.hpp). One class, the scheme its parameter.
//
// The run plays one sample unit by unit: at unit h the LA coordinator (rank 0's role, §0.6) broadcasts the
// scheme's X^h (aca: ν^h, par_ecs: τ^h, from which every MG derives X^h), each MG takes its share by the
// family's split rule, and Σ_m x_m^h comes back as a reproducible reduction (series X_agents). Messages: one
// broadcast of one double to the M MGs per unit. optimal and optimal_par know the whole sample at the start
// [paper]; aca and par_ecs read d^h only at unit h.
//
// The sweep (-ecs_sigma_list × -ecs_replicates) is computed in Setup, its samples split over the ranks in
// blocks (rank r owns samples [floor(rK/P), floor((r+1)K/P))); each sample is computed whole by one rank with
// the same code as the run, so every number is bitwise identical for any rank count. Per-σ means and 95%
// confidence intervals are computed on every rank from the gathered per-sample metrics in sample order.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>

#include "algorithms/algorithm.hpp"
#include "algorithms/schedule_schemes.hpp"
#include "comm/collectives.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"
#include "io/recorder.hpp"
#include "problems/schedule.hpp"

namespace dodge::algorithms {

namespace {

using schedule::Scheme;

const char *const kTiebreaks[] = {"vertex", "valley"};

// Per-sample metrics gathered from every rank, in this order.
enum SampleCol { COST_PER_KWH, PAR, SHORTFALL, BASE_PAR, PEAK, NCOL };

class Scheduler final : public Algorithm {
 public:
  explicit Scheduler(Scheme s) : scheme_(s) {}
  const char *name() const override { return schedule::SchemeName(scheme_); }
  bool uses_graph() const override { return false; }
  bool schedules() const override { return true; }

  PetscErrorCode SetFromOptions() override {
    PetscInt tb = 0;
    PetscFunctionBeginUser;
    if (scheme_ == Scheme::OptimalPar) {
      PetscOptionsBegin(PETSC_COMM_WORLD, "ecs_",
                        "Algorithm optimal_par: minimum peak (algorithms.md §11.2); the optimum is not unique", nullptr);
      PetscCall(OptionsChoice(PetscOptionsObject, "-par_tiebreak",
                              "Which minimum-peak schedule: vertex (fill the lowest-demand units first) or valley "
                              "(the valley-filling schedule of optimal)",
                              kTiebreaks, 2, &tb, nullptr));
      PetscOptionsEnd();
      tiebreak_ = tb == 0 ? schedule::ParTiebreak::Vertex : schedule::ParTiebreak::Valley;
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *,
                       std::int64_t T) override {
    PetscFunctionBeginUser;
    prob_ = dynamic_cast<problems::ScheduleProblem *>(&problem);
    PetscCheck(prob_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "-algorithm %s runs on scheduling problems (ecs) only",
               name());
    block_ = block;
    const problems::ScheduleModel &m = prob_->model();
    PetscCheck(T == m.H, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "%s schedules all %lld units, not %lld", name(),
               (long long)m.H, (long long)T);
    d_.resize(m.H);
    prob_->SampleDemand(prob_->played(), d_.data());
    // The offline schemes know the whole sample; the online ones are stepped unit by unit in Step.
    if (scheme_ != Scheme::Aca && scheme_ != Scheme::ParEcs) plan_ = schedule::Compute(scheme_, tiebreak_, m, d_.data());
    else stepper_ = std::make_unique<schedule::OnlineStepper>(scheme_, m);
    X_.assign(m.H, NAN), price_.assign(m.H, NAN);
    x_.assign(block.local(), 0.0);
    PetscCall(Sweep());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Step(StepContext &ctx) override {
    PetscFunctionBeginUser;
    const std::int64_t h = ctx.t;
    double X, p;
    if (stepper_) {
      X = stepper_->Next(h, d_[h - 1]);
      p = stepper_->price();
    } else {
      X = plan_.X[h - 1], p = plan_.price[h - 1];
    }
    X_[h - 1] = X, price_[h - 1] = p, last_h_ = h;
    prob_->Split(X, x_.data());
    PetscCall(prob_->SplitSum(X, &Xagents_));
    if (ctx.record_local) {
      std::size_t q = 0;
      for (std::int64_t i : *ctx.record_local) ctx.record[0][q++] = x_[i];
    }
    ctx.messages = static_cast<double>(block_.n), ctx.bytes = 8.0 * static_cast<double>(block_.n);
    if (prob_->has_end_step_hook()) PetscCall(prob_->EndStep(h, x_.data(), {true, p, nullptr}));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::vector<AgentField> agent_fields() const override {
    return {{"x", "kWh", "consumption x_m^h of microgrid m at unit h (the split of X^h)"}};
  }
  std::vector<metrics::SeriesInfo> series() const override {
    return {{"X", "kWh", "LA consumption X^h decided by the scheme"},
            {"L", "kWh", "total load L^h = X^h + d^h"},
            {"price", "kWh", PriceMeaning()},
            {"X_agents", "kWh", "sum over the microgrids of their shares x_m^h (reproducible reduction)"}};
  }
  void series_values(double *out) const override {
    const std::int64_t h = last_h_;  // the step just taken
    out[0] = X_[h - 1], out[1] = X_[h - 1] + d_[h - 1], out[2] = price_[h - 1], out[3] = Xagents_;
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double eta_exponent = 0.6;
    PetscCall(rec.WriteGlobalArray("algorithm/eta_exponent", &eta_exponent, 1, "1",
                                   "eta_h = 1/h^eta_exponent of aca and par_ecs (unused by the other schemes)"));
    PetscCall(rec.SetAttribute("/inputs/algorithm", "name", std::string(name())));
    if (scheme_ == Scheme::OptimalPar)
      PetscCall(rec.SetAttribute("/inputs/algorithm", "par_tiebreak", std::string(kTiebreaks[TiebreakIndex()])));
    if (scheme_ == Scheme::Aca || scheme_ == Scheme::ParEcs)
      PetscCall(rec.SetAttribute("/inputs/algorithm", "eta", std::string("1/h^0.6")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  std::string describe() const override {
    std::string s = std::string(name()) + " (" + SchemeDescription() + ")";
    if (scheme_ == Scheme::OptimalPar) s += ", par_tiebreak " + std::string(kTiebreaks[TiebreakIndex()]);
    return s;
  }

  PetscErrorCode View() const override {
    const auto r = PlayedMetrics();
    PetscFunctionBeginUser;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6f (played sample: sigma_d %g, replicate %lld)\n",
                          "cost per kWh", r.cost_per_kwh, prob_->played().sigma, (long long)prob_->played().replicate));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6f (NA demand alone %.6f)\n", "PAR", r.par, r.base_par));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e kWh (E_tot - sum_h X^h)\n", "shortfall", Shortfall()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  sweep: %zu x %lld samples (%s x replicates), means with 95%% CI:\n",
                          sigmas_.size(), (long long)R_, prob_->sample_label().c_str()));
    for (std::size_t s = 0; s < sigmas_.size(); ++s)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "    %s %8g  cost/kWh %12.6f +- %.2e  PAR %.6f +- %.2e  max |shortfall| %.3e\n",
                            prob_->sample_label().c_str(), sigmas_[s], mean_[s][COST_PER_KWH], ci_[s][COST_PER_KWH],
                            mean_[s][PAR], ci_[s][PAR], maxshort_[s]));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode RecordSummary(io::Recorder &rec) const override {
    const auto r = PlayedMetrics();
    PetscFunctionBeginUser;
    PetscCall(rec.SetAttribute("/", "ecs_cost_per_kwh", r.cost_per_kwh));
    PetscCall(rec.SetAttribute("/", "ecs_par", r.par));
    PetscCall(rec.SetAttribute("/", "ecs_base_par", r.base_par));
    PetscCall(rec.SetAttribute("/", "ecs_shortfall", Shortfall()));
    // The sweep: /ecs/samples/* one row per sample (sigma outer, replicate inner), /ecs/summary/* one per sigma.
    const problems::ScheduleModel &m = prob_->model();
    const std::int64_t K = K_, H = m.H, off = sblock_.start, nl = sblock_.local();
    PetscCall(rec.WriteDistributedTable("/ecs/samples/X", K, off, nl, static_cast<int>(H), sX_.data(), "kWh",
                                        "X^h of every sample [sample, unit]"));
    PetscCall(rec.WriteDistributedTable("/ecs/samples/d", K, off, nl, static_cast<int>(H), sd_.data(), "kWh",
                                        "NA demand d^h of every sample [sample, unit]"));
    PetscCall(rec.WriteDistributedTable("/ecs/samples/price", K, off, nl, static_cast<int>(H), sp_.data(), "kWh",
                                        PriceMeaning() + " [sample, unit]"));
    std::vector<double> col(K), sig(K), rep(K);
    for (std::int64_t k = 0; k < K; ++k) sig[k] = sigmas_[k / R_], rep[k] = static_cast<double>(k % R_);
    PetscCall(rec.WriteGlobalArray("/ecs/samples/sigma", sig.data(), K, "kWh", prob_->sample_label() + " of each sample"));
    PetscCall(rec.WriteGlobalArray("/ecs/samples/replicate", rep.data(), K, "1", "replicate r of each sample"));
    const char *names[NCOL] = {"cost_per_kwh", "par", "shortfall", "base_par", "peak"};
    const char *units[NCOL] = {"per-unit/kWh", "1", "kWh", "1", "kWh"};
    const char *longs[NCOL] = {"cost per kWh sum_h kappa L^2 / sum_h L", "PAR max_h L / mean_h L",
                               "E_tot - sum_h X^h (signed)", "PAR of the NA demand alone", "peak load max_h L"};
    const std::int64_t S = static_cast<std::int64_t>(sigmas_.size());
    for (int c = 0; c < NCOL; ++c) {
      for (std::int64_t k = 0; k < K; ++k) col[k] = all_[k * NCOL + c];
      PetscCall(rec.WriteGlobalArray(std::string("/ecs/samples/") + names[c], col.data(), K, units[c], longs[c]));
      std::vector<double> mu(S), ci(S);
      for (std::int64_t s = 0; s < S; ++s) mu[s] = mean_[s][c], ci[s] = ci_[s][c];
      PetscCall(rec.WriteGlobalArray(std::string("/ecs/summary/") + names[c] + "_mean", mu.data(), S, units[c],
                                     std::string("mean over replicates of ") + longs[c]));
      PetscCall(rec.WriteGlobalArray(std::string("/ecs/summary/") + names[c] + "_ci95", ci.data(), S, units[c],
                                     "half-width of the 95% confidence interval of the mean, 1.96 s/sqrt(R) (NaN for R = 1)"));
    }
    PetscCall(rec.WriteGlobalArray("/ecs/summary/sigma", sigmas_.data(), S, "kWh", prob_->sample_label() + " values"));
    PetscCall(rec.SetAttribute("/ecs", "scheme", std::string(name())));
    PetscCall(rec.SetAttribute("/ecs", "replicates", R_));
    PetscCall(rec.SetAttribute("/ecs", "units", H));
    PetscCall(rec.SetAttribute("/ecs", "sample_label", prob_->sample_label()));
    PetscCall(rec.SetAttribute("/ecs", "E_tot", m.E_tot));
    PetscCall(rec.SetAttribute("/ecs", "X_min", m.X_min));
    PetscCall(rec.SetAttribute("/ecs", "X_max", m.X_max));
    PetscCall(rec.SetAttribute("/ecs", "kappa", m.kappa));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:
  int TiebreakIndex() const { return tiebreak_ == schedule::ParTiebreak::Vertex ? 0 : 1; }
  std::string PriceMeaning() const {
    switch (scheme_) {
      case Scheme::Optimal: return "water level nu of valley filling";
      case Scheme::OptimalPar:
        return tiebreak_ == schedule::ParTiebreak::Vertex ? "minimum peak z*" : "water level nu of valley filling";
      case Scheme::Uniform: return "none (NaN)";
      case Scheme::Aca: return "multiplier estimate nu^h broadcast at unit h (lambda^h = 2 kappa nu^h)";
      case Scheme::ParEcs: return "threshold tau^h of Algorithm 2 at unit h";
    }
    return "";
  }
  std::string SchemeDescription() const {
    switch (scheme_) {
      case Scheme::Optimal: return "valley filling, NA sample known";
      case Scheme::OptimalPar: return "minimum peak, NA sample known";
      case Scheme::Uniform: return "x_m^h = E_m/H";
      case Scheme::Aca: return "ACA-ECS, stochastic approximation, eta_h = 1/h^0.6";
      case Scheme::ParEcs: return "Algorithm 2, threshold tau^h, eta_h = 1/h^0.6";
    }
    return "";
  }
  double Shortfall() const {
    double s = 0;
    for (double x : X_) s += x;
    return prob_->model().E_tot - s;
  }
  schedule::SampleMetrics PlayedMetrics() const { return schedule::Evaluate(prob_->model(), d_.data(), X_.data()); }

  PetscErrorCode Sweep() {
    PetscFunctionBeginUser;
    const problems::ScheduleModel &m = prob_->model();
    sigmas_ = prob_->sweep_sigmas(), R_ = prob_->sweep_replicates();
    const std::int64_t S = static_cast<std::int64_t>(sigmas_.size()), H = m.H;
    K_ = S * R_;
    PetscCheck(K_ * H <= (std::int64_t{1} << 31), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "ecs sweep of %lld samples x %lld units is too large (at most 2^31 values)", (long long)K_, (long long)H);
    sblock_ = Block::make(K_, block_.rank, block_.size);
    const std::int64_t nl = sblock_.local();
    sX_.assign(nl * H, 0.0), sd_.assign(nl * H, 0.0), sp_.assign(nl * H, 0.0);
    all_.assign(K_ * NCOL, 0.0);
    for (std::int64_t q = 0; q < nl; ++q) {
      const std::int64_t k = sblock_.start + q;
      const problems::ScheduleSample smp{sigmas_[k / R_], k % R_};
      double *d = sd_.data() + q * H;
      prob_->SampleDemand(smp, d);
      const problems::ScheduleModel ms = prob_->SampleModel(smp);
      const schedule::Schedule sc = schedule::Compute(scheme_, tiebreak_, ms, d);
      std::copy(sc.X.begin(), sc.X.end(), sX_.data() + q * H);
      std::copy(sc.price.begin(), sc.price.end(), sp_.data() + q * H);
      const schedule::SampleMetrics r = schedule::Evaluate(ms, d, sc.X.data());
      double *row = all_.data() + k * NCOL;
      row[COST_PER_KWH] = r.cost_per_kwh, row[PAR] = r.par, row[SHORTFALL] = sc.shortfall, row[BASE_PAR] = r.base_par;
      row[PEAK] = r.peak;
    }
    // Each sample's row is filled on one rank only: the sum over the ranks is exact.
    for (std::int64_t off = 0; off < K_ * NCOL; off += 1 << 26)
      PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, all_.data() + off,
                                   static_cast<int>(std::min<std::int64_t>(1 << 26, K_ * NCOL - off))));
    mean_.assign(S, {}), ci_.assign(S, {}), maxshort_.assign(S, 0.0);
    for (std::int64_t s = 0; s < S; ++s)
      for (int c = 0; c < NCOL; ++c) {
        double mu = 0, v = 0;
        for (std::int64_t r = 0; r < R_; ++r) mu += all_[(s * R_ + r) * NCOL + c];
        mu /= static_cast<double>(R_);
        for (std::int64_t r = 0; r < R_; ++r) {
          const double e = all_[(s * R_ + r) * NCOL + c] - mu;
          v += e * e;
          if (c == SHORTFALL) maxshort_[s] = std::max(maxshort_[s], std::fabs(all_[(s * R_ + r) * NCOL + c]));
        }
        mean_[s][c] = mu;
        ci_[s][c] = R_ > 1 ? 1.96 * std::sqrt(v / static_cast<double>(R_ - 1)) / std::sqrt(static_cast<double>(R_)) : NAN;
      }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  Scheme scheme_;
  schedule::ParTiebreak tiebreak_ = schedule::ParTiebreak::Vertex;
  problems::ScheduleProblem *prob_ = nullptr;
  Block block_, sblock_;
  std::vector<double> d_, X_, price_, x_;
  double Xagents_ = NAN;
  std::int64_t last_h_ = 0;
  schedule::Schedule plan_;
  std::unique_ptr<schedule::OnlineStepper> stepper_;
  // Sweep.
  std::vector<double> sigmas_;
  std::int64_t R_ = 1, K_ = 0;
  std::vector<double> sX_, sd_, sp_, all_;
  std::vector<std::array<double, NCOL>> mean_, ci_;
  std::vector<double> maxshort_;
};

}  // namespace

std::unique_ptr<Algorithm> OptimalCreate() { return std::make_unique<Scheduler>(Scheme::Optimal); }
std::unique_ptr<Algorithm> OptimalParCreate() { return std::make_unique<Scheduler>(Scheme::OptimalPar); }
std::unique_ptr<Algorithm> UniformCreate() { return std::make_unique<Scheduler>(Scheme::Uniform); }
std::unique_ptr<Algorithm> AcaCreate() { return std::make_unique<Scheduler>(Scheme::Aca); }
std::unique_ptr<Algorithm> ParEcsCreate() { return std::make_unique<Scheduler>(Scheme::ParEcs); }

}  // namespace dodge::algorithms
