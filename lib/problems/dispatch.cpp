// Problem `dispatch` (algorithms.md §2): economic dispatch of N generators against a demand and a real-time
// price, in the per-unit form of §2.1, on AEMO data (§2.2) or the synthetic microgrid (§2.3).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "comm/exchange.hpp"
#include "core/rng.hpp"
#include "io/aemo.hpp"
#include "io/gencost.hpp"
#include "io/cf.hpp"
#include "io/recorder.hpp"
#include "core/options.hpp"
#include "problems/problem.hpp"

namespace dodge::problems {

namespace {

const char *const kSources[] = {"aemo", "synthetic"};
const char *const kCoefSources[] = {"random", "csv"};
const char *const kVariation[] = {"decaying", "persistent"};
const char *const kLabels[] = {"end", "start"};

// Accepts NSW, nsw or NSW1.
std::string region_code(const std::string &r) {
  std::string u;
  u.reserve(r.size() + 1);
  for (char ch : r) u.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  if (!u.empty() && u.back() != '1') u.push_back('1');
  return u;
}

class Dispatch final : public Problem {
 public:
  const char *name() const override { return "dispatch"; }
  std::int64_t default_agents() const override { return 6; }
  // a, b, c, h, 1/(2a); the synthetic source's θ_{i,1}, φ_i and the step's coefficients (7 more).
  double state_bytes_per_agent() const override { return sizeof(double) * (source_ == "aemo" ? 5.0 : 12.0); }
  // The tabulated dual of the AEMO source (problems/dual_table.hpp: 6 values per agent).
  double oracle_bytes_per_agent() const override { return source_ == "aemo" && oracle_table_ ? 6.0 * sizeof(double) : 0.0; }

  PetscErrorCode SetFromOptions() override {
    PetscInt src = 0, coef = 0, var = 0, label = 0;
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "dispatch_", "Problem dispatch: economic dispatch (algorithms.md §2)", nullptr);
    PetscCall(OptionsChoice(PetscOptionsObject, "-source", "Data source: aemo (real 5-min NEM data) or synthetic (§2.3)", kSources, 2, &src, nullptr));
    source_ = kSources[src];
    PetscCall(OptionsString(PetscOptionsObject, "-region", "AEMO region: NSW, QLD, SA, VIC or TAS", &region_));
    PetscCall(OptionsString(PetscOptionsObject, "-data_dir", "Folder holding PRICE_AND_DEMAND_202407_<REGION>.csv", &data_dir_));
    PetscCall(OptionsString(PetscOptionsObject, "-file", "AEMO CSV file (overrides -dispatch_data_dir and -dispatch_region)", &file_));
    PetscCall(OptionsString(PetscOptionsObject, "-window_start", "First interval start, NEM time (YYYY/MM/DD HH:MM)", &window_start_));
    PetscCall(OptionsString(PetscOptionsObject, "-window_end", "Last interval start, NEM time (YYYY/MM/DD HH:MM)", &window_end_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-settlement_label", "SETTLEMENTDATE marks the interval end (AEMO's convention) or its start", kLabels, 2, &label, nullptr));
    label_is_start_ = label == 1;
    PetscCall(OptionsReal(PetscOptionsObject, "-price_ref", "Reference price pi_ref [$/MWh] of the per-unit scaling",
                          kPositive, &price_ref_));
    PetscCall(OptionsReal(PetscOptionsObject, "-capacity", "Per-unit capacity h of every generator (X_i = [0,h])",
                          kPositive, &capacity_, &capacity_set_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-coef", "Cost coefficients: random (seeded, §2.1) or csv (gencost table)", kCoefSources, 2, &coef, nullptr));
    coef_source_ = kCoefSources[coef];
    PetscCall(OptionsString(PetscOptionsObject, "-coef_file", "Gencost CSV (c2_per_MW2h, c1_per_MWh, c0_per_h, status, Pmax_MW)", &coef_file_));
    PetscCall(OptionsString(PetscOptionsObject, "-coef_case", "Keep only rows of this case (e.g. case118); empty = all", &coef_case_));
    PetscCall(PetscOptionsBool("-capacity_from_csv", "Capacities h_i = Pmax/S_b from the gencost CSV", nullptr,
                               capacity_from_csv_, &capacity_from_csv_, nullptr));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-a_range", "Range of per-unit a_i ~ U[lo,hi] (random coefficients)", a_range_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-b_range", "Range of per-unit b_i ~ U[lo,hi]", b_range_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-c_range", "Range of per-unit c_i ~ U[lo,hi]", c_range_));
    PetscCall(OptionsInt(PetscOptionsObject, "-synthetic_steps", "Horizon T of the synthetic source", 1, 1000000000,
                         &synth_steps_));
    PetscCall(PetscOptionsBool("-oracle_table",
                               "AEMO source: tabulate the oracle's dual as one piecewise-linear function (48 B per agent; "
                               "Newton iterations cost O(log n) instead of a pass over the agents)",
                               nullptr, oracle_table_, &oracle_table_, nullptr));
    PetscCall(OptionsChoice(PetscOptionsObject, "-synthetic_variation", "Synthetic variation r(t): decaying (1/sqrt(t)) or persistent (1)", kVariation, 2, &var, nullptr));
    decaying_ = var == 0;
    PetscOptionsEnd();
    region_ = region_code(region_);
    PetscCheck(price_ref_ > 0 && std::isfinite(price_ref_), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-dispatch_price_ref %g must be a positive number", (double)price_ref_);
    PetscCheck(capacity_ > 0 && std::isfinite(capacity_), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-dispatch_capacity %g must be a positive number", (double)capacity_);
    PetscCheck(a_range_[0] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-dispatch_a_range must be positive (the cost must be strictly convex); got %g", (double)a_range_[0]);
    PetscCheck(coef_source_ != "csv" || !coef_file_.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
               "-dispatch_coef csv needs -dispatch_coef_file <gencost.csv>");
    PetscCheck(!capacity_from_csv_ || coef_source_ == "csv", PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
               "-dispatch_capacity_from_csv needs -dispatch_coef csv");
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, std::uint64_t seed) override {
    PetscFunctionBeginUser;
    block_ = block;
    seed_ = seed;
    const std::int64_t nloc = block.local();
    if (source_ == "aemo") {
      path_ = file_.empty() ? data_dir_ + "/PRICE_AND_DEMAND_202407_" + region_ + ".csv" : file_;
      PetscCall(io::AemoRead(PETSC_COMM_WORLD, path_, window_start_, window_end_, label_is_start_, 0, &aemo_));
      horizon_ = static_cast<std::int64_t>(aemo_.price.size());
      // Per-unit scaling (§2.1): S_b = max_t D_t / N over the data window, C_b = pi_ref S_b, Δh = 5 min.
      units_.power_base = aemo_.window_demand_max / static_cast<double>(block.n);
      units_.hours_per_step = 1.0 / 12.0;
      units_.cost_to_dollars = price_ref_ * units_.power_base * units_.hours_per_step;
      units_.x_units = "per-unit (S_b MW)";
      units_.cost_units = "per-unit (C_b $/h)";
      units_.power_units = "MW", units_.money_units = "$";
    } else {
      horizon_ = synth_steps_;
      units_ = Units{};
      if (!capacity_set_) capacity_ = 6.0;  // X_i = [0, 6] in §2.3
    }
    a_.resize(nloc), b_.resize(nloc), c_.resize(nloc), h_.assign(nloc, capacity_);
    if (coef_source_ == "csv") {
      PetscCheck(source_ == "aemo", PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
                 "-dispatch_coef csv applies to the aemo source only (the synthetic source draws its own coefficients)");
      io::GenCostTable tab;
      PetscCall(io::GenCostRead(PETSC_COMM_WORLD, coef_file_, coef_case_, &tab));
      const double Sb = units_.power_base, Cb = price_ref_ * Sb;
      const std::int64_t K = static_cast<std::int64_t>(tab.c2.size());
      for (std::int64_t i = 0; i < nloc; ++i) {
        const std::int64_t r = (block.start + i) % K;
        a_[i] = tab.c2[r] * Sb * Sb / Cb, b_[i] = tab.c1[r] * Sb / Cb, c_[i] = tab.c0[r] / Cb;
        if (capacity_from_csv_) h_[i] = tab.pmax[r] / Sb;
      }
    } else if (source_ == "aemo") {
      for (std::int64_t i = 0; i < nloc; ++i) {
        const std::uint64_t gid = static_cast<std::uint64_t>(block.start + i);
        a_[i] = rng::uniform(a_range_[0], a_range_[1], seed, rng::COEF, gid, 0, 0);
        b_[i] = rng::uniform(b_range_[0], b_range_[1], seed, rng::COEF, gid, 0, 1);
        c_[i] = rng::uniform(c_range_[0], c_range_[1], seed, rng::COEF, gid, 0, 2);
      }
    } else {
      SetupSynthetic();
    }
    inv2a_.resize(nloc);
    for (std::int64_t i = 0; i < nloc; ++i) inv2a_[i] = 1.0 / (2.0 * a_[i]);
    // Global constants of the kernels: Σ h_i (feasibility, tolerances) and the oracle bracket max_i(2 a h + b).
    double sums[1] = {0}, maxes[1] = {-INFINITY};
    for (std::int64_t i = 0; i < nloc; ++i) sums[0] += h_[i], maxes[0] = std::max(maxes[0], 2.0 * a_[i] * h_[i] + b_[i]);
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, sums, 1));
    PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, maxes, 1));
    capacity_total_ = sums[0], bracket_static_ = maxes[0];
    if (source_ == "aemo") {
      // Infeasible capacity is an input error naming the first step where demand exceeds it (§2.1).
      for (std::int64_t t = 1; t <= horizon_; ++t) {
        const double Dt = aemo_.demand[t - 1] / units_.power_base;
        PetscCheck(Dt <= capacity_total_ * (1 + 1e-15), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                   "dispatch is infeasible at step %" PetscInt64_FMT " (%s, SETTLEMENTDATE %s): demand %g MW exceeds the "
                   "total capacity %g MW; raise -dispatch_capacity or use more agents",
                   t, path_.c_str(), aemo_.settlement[t - 1].c_str(), aemo_.demand[t - 1], capacity_total_ * units_.power_base);
      }
    }
    steps_ = horizon_;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // The AEMO source's coefficients do not change with t: tabulate the oracle's dual once (problems/dual_table.hpp).
  PetscErrorCode PrepareOracle() override {
    PetscFunctionBeginUser;
    if (source_ == "aemo" && oracle_table_) table_.Build(b_.data(), h_.data(), inv2a_.data(), block_.local());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::int64_t horizon() const override { return horizon_; }
  PetscErrorCode SetSteps(std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(T >= 1 && T <= horizon_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-steps %" PetscInt64_FMT " is outside [1, %" PetscInt64_FMT "] (the data window of %s)", T, horizon_,
               source_ == "aemo" ? path_.c_str() : "the synthetic source");
    steps_ = T;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode BeginStep(std::int64_t t, ScalarKernel *kernel) override {
    PetscFunctionBeginUser;
    if (source_ == "aemo") {
      DispatchKernel k{a_.data(), b_.data(), c_.data(), h_.data(), inv2a_.data()};
      k.pi = aemo_.price[t - 1] / price_ref_;
      k.d = aemo_.demand[t - 1] / units_.power_base / static_cast<double>(block_.n);
      if (table_.size() == block_.local() && table_.size() > 0) k.table = &table_;
      *kernel = k;
    } else {
      SyntheticStep(t);
      *kernel = DispatchTvKernel{at_.data(), bpt_.data(), ct_.data(), dt_.data(), h_.data()};
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode OracleBracket(std::int64_t t, const ScalarKernel &kernel, double *mu_hi) override {
    PetscFunctionBeginUser;
    if (source_ == "aemo") {
      *mu_hi = std::max(0.0, bracket_static_ - aemo_.price[t - 1] / price_ref_);
    } else {
      const auto &k = std::get<DispatchTvKernel>(kernel);
      double m = 0.0;
      for (std::int64_t i = 0; i < block_.local(); ++i) m = std::max(m, k.bracket_hi(i));
      PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, &m, 1));
      *mu_hi = m;
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  double constraint_scale() const override { return capacity_total_; }
  const Units &units() const override { return units_; }
  double time_of(std::int64_t t) const override { return static_cast<double>(t - 1) * units_.hours_per_step; }
  std::string time_units() const override {
    // CF time: NEM time is AEST, UTC+10 all year; synthetic runs count steps.
    return source_ == "aemo" ? "hours since " + io::cf::ReferenceTime(window_start_, 10.0) : "step";
  }

  std::string describe() const override {
    char s[512];
    if (source_ == "aemo")
      snprintf(s, sizeof s, "dispatch/aemo %s, %s, T = %lld (window %lld), S_b = %.6g MW, C_b = %.6g $/h, coef %s",
               region_.c_str(), path_.c_str(), (long long)steps_, (long long)horizon_, units_.power_base,
               price_ref_ * units_.power_base, coef_source_.c_str());
    else
      snprintf(s, sizeof s, "dispatch/synthetic (%s variation), T = %lld", decaying_ ? "decaying" : "persistent",
               (long long)steps_);
    return s;
  }

  std::vector<metrics::SeriesInfo> series() const override {
    if (source_ != "aemo") return {};
    return {{"price", "AUD/MWh", "AEMO regional reference price RRP at step t"},
            {"demand", "MW", "AEMO TOTALDEMAND at step t"},
            {"price_pu", "per-unit", "price / pi_ref"},
            {"demand_pu", "per-unit", "demand / S_b (the constraint's right-hand side)"}};
  }
  void series_values(std::int64_t t, double *out) const override {
    if (source_ != "aemo") return;
    out[0] = aemo_.price[t - 1], out[1] = aemo_.demand[t - 1];
    out[2] = aemo_.price[t - 1] / price_ref_, out[3] = aemo_.demand[t - 1] / units_.power_base;
  }

  PetscErrorCode RecordInputs(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    if (source_ == "aemo") {
      std::vector<double> pr(aemo_.price.begin(), aemo_.price.begin() + steps_);
      std::vector<double> de(aemo_.demand.begin(), aemo_.demand.begin() + steps_);
      PetscCall(rec.WriteGlobalArray("problem/price", pr.data(), steps_, "AUD/MWh", "AEMO regional reference price RRP used at each step", "time"));
      PetscCall(rec.WriteGlobalArray("problem/demand", de.data(), steps_, "MW", "AEMO TOTALDEMAND used at each step", "time"));
      PetscCall(rec.SetAttribute("/inputs/problem", "data_file", path_));
      PetscCall(rec.SetAttribute("/inputs/problem", "region", region_));
      PetscCall(rec.SetAttribute("/inputs/problem", "first_settlement", aemo_.settlement.front()));
      PetscCall(rec.SetAttribute("/inputs/problem", "power_base_MW", units_.power_base));
      PetscCall(rec.SetAttribute("/inputs/problem", "price_ref_per_MWh", price_ref_));
      PetscCall(rec.SetAttribute("/inputs/problem", "hours_per_step", units_.hours_per_step));
      PetscCall(rec.WriteDistributedArray("problem/a", n, off, nl, a_.data(), "per-unit", "quadratic cost coefficient a_i", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/b", n, off, nl, b_.data(), "per-unit", "linear cost coefficient b_i", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/c", n, off, nl, c_.data(), "per-unit", "constant cost coefficient c_i", "agent"));
    } else {
      PetscCall(rec.WriteDistributedArray("problem/a1", n, off, nl, a_.data(), "per-unit", "a_{i,1}", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/b1", n, off, nl, b_.data(), "per-unit", "b_{i,1}", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/c1", n, off, nl, c_.data(), "per-unit", "c_{i,1}", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/p1", n, off, nl, p1_.data(), "per-unit", "p_{i,1}", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/d1", n, off, nl, d1_.data(), "per-unit", "d_{i,1}", "agent"));
      PetscCall(rec.WriteDistributedArray("problem/phase", n, off, nl, phase_.data(), "rad", "phase phi_i", "agent"));
      PetscCall(rec.SetAttribute("/inputs/problem", "variation", std::string(decaying_ ? "decaying" : "persistent")));
    }
    PetscCall(rec.WriteDistributedArray("problem/capacity", n, off, nl, h_.data(), "per-unit", "capacity h_i (X_i = [0, h_i])", "agent"));
    PetscCall(rec.SetAttribute("/inputs/problem", "name", std::string("dispatch")));
    PetscCall(rec.SetAttribute("/inputs/problem", "source", source_));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:

  // θ_{i,1} and φ_i of §2.3 (stream SYNTH, b = 1, c = 0..4; φ: b = 0, c = 5).
  void SetupSynthetic() {
    const std::int64_t nloc = block_.local();
    p1_.resize(nloc), d1_.resize(nloc), phase_.resize(nloc);
    at_.resize(nloc), bpt_.resize(nloc), ct_.resize(nloc), dt_.resize(nloc);
    for (std::int64_t i = 0; i < nloc; ++i) {
      const std::uint64_t gid = static_cast<std::uint64_t>(block_.start + i);
      a_[i] = rng::uniform(0.05, 0.15, seed_, rng::SYNTH, gid, 1, 0);
      b_[i] = rng::uniform(1.0, 3.0, seed_, rng::SYNTH, gid, 1, 1);
      c_[i] = rng::uniform(0.0, 1.0, seed_, rng::SYNTH, gid, 1, 2);
      p1_[i] = rng::uniform(1.0, 2.0, seed_, rng::SYNTH, gid, 1, 3);
      d1_[i] = rng::uniform(1.0, 3.0, seed_, rng::SYNTH, gid, 1, 4);
      phase_[i] = rng::uniform(0.0, 2.0 * std::numbers::pi, seed_, rng::SYNTH, gid, 0, 5);
    }
  }

  // θ_{i,t} = θ_{i,1}(1 + A_θ sin(2πt/24 + φ_i) r(t) + 0.05 ξ r(t)), ξ ~ U[−1,1] (SYNTH, b = t, c = θ index).
  void SyntheticStep(std::int64_t t) {
    const double r = decaying_ ? 1.0 / std::sqrt(static_cast<double>(t)) : 1.0;
    const double A[5] = {0.2, 0.2, 0.2, 0.3, 0.3};
    for (std::int64_t i = 0; i < block_.local(); ++i) {
      const std::uint64_t gid = static_cast<std::uint64_t>(block_.start + i);
      double th[5] = {a_[i], b_[i], c_[i], p1_[i], d1_[i]};
      if (t >= 2) {
        const double s = std::sin(2.0 * std::numbers::pi * static_cast<double>(t) / 24.0 + phase_[i]);
        for (int k = 0; k < 5; ++k) {
          const double xi = rng::uniform(-1.0, 1.0, seed_, rng::SYNTH, gid, static_cast<std::uint64_t>(t), k);
          th[k] = th[k] * (1.0 + A[k] * s * r + 0.05 * xi * r);
        }
      }
      at_[i] = th[0], bpt_[i] = th[1] - th[3], ct_[i] = th[2], dt_[i] = th[4];
    }
  }

  // Options.
  std::string source_ = "aemo", region_ = "NSW1", data_dir_ = std::string(DODGE_DATA_DIR) + "/aemo", file_;
  std::string window_start_ = "2024/07/05 00:00", window_end_ = "2024/07/14 23:55";
  bool label_is_start_ = false;
  PetscReal price_ref_ = 100.0, capacity_ = 1.5;
  PetscBool capacity_set_ = PETSC_FALSE, capacity_from_csv_ = PETSC_FALSE;
  std::string coef_source_ = "random", coef_file_, coef_case_;
  double a_range_[2] = {0.15, 0.45}, b_range_[2] = {0.8, 1.6}, c_range_[2] = {0.0, 0.05};
  PetscInt synth_steps_ = 1000;
  bool decaying_ = true;
  // State.
  Block block_;
  std::uint64_t seed_ = 1;
  std::string path_;
  io::AemoSeries aemo_;
  std::int64_t horizon_ = 0, steps_ = 0;
  Units units_;
  std::vector<double> a_, b_, c_, h_;                 // per agent (synthetic: values at t = 1)
  std::vector<double> inv2a_;                         // 1/(2 a_i)
  std::vector<double> p1_, d1_, phase_;               // synthetic only
  std::vector<double> at_, bpt_, ct_, dt_;            // synthetic: step t's coefficients
  double capacity_total_ = 0, bracket_static_ = 0;
  PetscBool oracle_table_ = PETSC_TRUE;
  DualTable table_;  // built by PrepareOracle (AEMO source, -dispatch_oracle_table)
};

}  // namespace

std::unique_ptr<Problem> DispatchCreate() { return std::make_unique<Dispatch>(); }

}  // namespace dodge::problems
