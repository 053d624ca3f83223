// Problem `ecs` (algorithms.md §5, [ECS]): M microgrids (MGs, the agents, block-owned over the ranks like
// every family) in a local area (LA) must consume E_m over H units within [x_m^min, x_m^max] next to the
// non-adjustable (NA) demand d^h, revealed at unit h; generation cost C(L) = κL², L^h = X^h + d^h.
//
//   MG parameters (any rank can compute any MG's, so boundary blocks of the reproducible sums need no
//   communication):  E_m = Ē (1 + het (2u − 1)), u = u(seed, COEF, a = gid, b = 0, c = 0), Ē = share·μ_d·H/M;
//   x_m^min = f_min E_m/H, x_m^max = f_max E_m/H (every MG then has the same ratio), or the rows of
//   -ecs_microgrid_file (E, x_min, x_max per MG).
//   NA demand of replicate r: d^h = max(0, μ_d + σ_d ξ_{r,h}), ξ_{r,h} = normal(seed, ECS, a = r, b = h, c = 0),
//   shared by every σ_d and scheme.
//   X_min, X_max, E_tot: sums in blocks of 1024 global ids (each block summed in id order by the rank owning
//   its first id), then the block sums in block order: bitwise identical for any rank count.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "core/input_files.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "io/csv.hpp"
#include "io/recorder.hpp"
#include "problems/schedule.hpp"

namespace dodge::problems {

namespace {

constexpr std::int64_t kSumBlock = 1024;
const char *const kDemandSources[] = {"gaussian", "caiso", "pjm"};

// Σ_{gid<n} f(gid) (nv values per gid) bitwise identical for any partition (see the file comment).
template <class F>
PetscErrorCode ReproducibleSum(const Block &b, int nv, F &&f, double *out) {
  PetscFunctionBeginUser;
  const std::int64_t nb = (b.n + kSumBlock - 1) / kSumBlock;
  std::vector<double> blocks(static_cast<std::size_t>(nb * nv), 0.0), v(nv);
  for (std::int64_t k = (b.start + kSumBlock - 1) / kSumBlock; k * kSumBlock < b.end; ++k) {
    double *s = blocks.data() + k * nv;
    for (std::int64_t g = k * kSumBlock; g < std::min(b.n, (k + 1) * kSumBlock); ++g) {
      f(g, v.data());
      for (int j = 0; j < nv; ++j) s[j] += v[j];
    }
  }
  // One owner per block: the others hold exact zeros, so the sum over ranks is exact.
  for (std::int64_t off = 0; off < nb * nv; off += 1 << 26)
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, blocks.data() + off,
                                 static_cast<int>(std::min<std::int64_t>(1 << 26, nb * nv - off))));
  for (int j = 0; j < nv; ++j) out[j] = 0;
  for (std::int64_t k = 0; k < nb; ++k)
    for (int j = 0; j < nv; ++j) out[j] += blocks[k * nv + j];
  PetscFunctionReturn(PETSC_SUCCESS);
}

// "0,5,...,40": numbers separated by commas; "..." continues the step of the two numbers before it up to the
// number after it. Returns false with *why on anything else.
bool ParseSigmaList(const std::string &text, std::vector<double> *out, std::string *why) {
  std::vector<std::string> tok;
  std::stringstream ss(text);
  for (std::string t; std::getline(ss, t, ',');) tok.emplace_back(io::Trim(t));
  out->clear();
  if (text.empty() || tok.empty()) return *why = "is empty", false;
  for (std::size_t k = 0; k < tok.size(); ++k) {
    if (tok[k] == "...") {
      if (out->size() < 2 || k + 1 >= tok.size() || tok[k + 1] == "...")
        return *why = "'...' needs two numbers before it and one after it", false;
      double last;
      std::string w;
      if (!io::ParseFiniteDouble(tok[k + 1], &last, &w)) return *why = "'" + tok[k + 1] + "' " + w, false;
      const double a = (*out)[out->size() - 2], b = out->back(), step = b - a;
      if (!(step > 0) || last < b) return *why = "'...' needs increasing numbers around it", false;
      const double n = std::round((last - b) / step);
      if (std::fabs(b + n * step - last) > 1e-9 * std::max(1.0, std::fabs(last)))
        return *why = "the step of '...' does not reach " + tok[k + 1], false;
      for (double q = 1; q < n; ++q) out->push_back(b + q * step);
      continue;
    }
    double v;
    std::string w;
    if (!io::ParseFiniteDouble(tok[k], &v, &w)) return *why = "'" + tok[k] + "' " + w, false;
    if (v < 0) return *why = "'" + tok[k] + "' is negative", false;
    out->push_back(v);
  }
  if (out->size() > 100000) return *why = "has more than 100000 values", false;
  return true;
}

class Ecs final : public ScheduleProblem {
 public:
  const char *name() const override { return "ecs"; }
  std::int64_t default_agents() const override { return file_.empty() ? microgrids_ : file_E_.size(); }
  double state_bytes_per_agent() const override { return 3.0 * sizeof(double); }  // E_m, x_m^min, x_m^max

  PetscErrorCode SetFromOptions() override {
    std::string sigmas = "";
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "ecs_",
                      "Problem ecs: energy-consumption scheduling of connected microgrids under NA demand uncertainty "
                      "(algorithms.md §5; schemes optimal, optimal_par, uniform, aca, par_ecs)",
                      nullptr);
    PetscCall(OptionsInt(PetscOptionsObject, "-microgrids", "Microgrids M (the agents; -agents overrides)", 1,
                         PETSC_MAX_INT, &microgrids_, &microgrids_set_));
    PetscCall(OptionsInt(PetscOptionsObject, "-units", "Units H of the horizon (trace data: 24, the hours of a day)", 2,
                         10000000, &H_, &units_set_));
    PetscCall(OptionsReal(PetscOptionsObject, "-kappa", "Generation cost C(L) = kappa L^2", kPositive, &kappa_));
    PetscCall(OptionsReal(PetscOptionsObject, "-mu_d", "Mean NA demand mu_d per unit [kWh]", kPositive, &mu_d_));
    PetscCall(OptionsReal(PetscOptionsObject, "-sigma_d", "NA demand standard deviation sigma_d of the sample the run plays [kWh]",
                          kNonNegative, &sigma_d_, &sigma_d_set_));
    PetscCall(OptionsInt(PetscOptionsObject, "-replicate", "Replicate r of the sample the run plays (stream ECS, a = r)", 0,
                         100000000, &replicate_));
    PetscCall(OptionsString(PetscOptionsObject, "-sigma_list",
                            "Sweep: sigma_d values, e.g. 0,5,...,40 ('...' continues the step; default: -ecs_sigma_d)",
                            &sigmas));
    PetscCall(OptionsInt(PetscOptionsObject, "-replicates", "Sweep: replicates R per sigma_d (split over the ranks)", 1,
                         10000000, &replicates_, &replicates_set_));
    PetscCall(OptionsReal(PetscOptionsObject, "-la_share", "LA energy E_tot = la_share mu_d H (0.5: LA mean is half the NA mean)",
                          kPositive, &la_share_));
    PetscCall(OptionsReal(PetscOptionsObject, "-xmin_frac", "x_m^min = xmin_frac E_m/H", kNonNegative, &xmin_frac_));
    PetscCall(OptionsReal(PetscOptionsObject, "-xmax_factor", "x_m^max = xmax_factor E_m/H", kPositive, &xmax_factor_));
    PetscCall(OptionsReal(PetscOptionsObject, "-heterogeneity", "E_m = E (1 + het (2u - 1)), u uniform per MG (stream COEF)",
                          RealRange{.lo = 0, .hi = 1, .hi_open = true}, &het_));
    PetscCall(OptionsChoice(PetscOptionsObject, "-demand",
                            "NA demand: gaussian draws (the paper's), or the hourly load of a real trace per day: caiso "
                            "(SCE 2014) or pjm (PJM East 2011), H = 24 units a day",
                            kDemandSources, 3, &source_, nullptr));
    PetscCall(OptionsString(PetscOptionsObject, "-trace_file", "Trace CSV instead of the bundled one (with -ecs_demand caiso|pjm)", &trace_file_));
    PetscCall(OptionsString(PetscOptionsObject, "-trace_column", "Load column of the trace (default SCE for caiso, y for pjm)", &trace_column_));
    PetscCall(OptionsString(PetscOptionsObject, "-flexible_list",
                            "Trace sweep: flexible shares f (E_tot = f x the day's load), e.g. 0.1,0.2,0.3 (default: -ecs_flexible_share)",
                            &flex_text_));
    PetscCall(OptionsReal(PetscOptionsObject, "-flexible_share", "Trace: flexible share f of the played sample", kPositive, &flex_));
    PetscCall(OptionsInt(PetscOptionsObject, "-day", "Trace: day of the window the run plays (0-based)", 0, 100000, &day_));
    PetscCall(OptionsString(PetscOptionsObject, "-microgrid_file",
                            "CSV with columns E, x_min, x_max, one row per MG (replaces the generated MGs)", &file_));
    PetscOptionsEnd();
    if (source_ != 0) {
      std::string why;
      PetscCheck(sigmas.empty() && sigma_d_set_ == PETSC_FALSE && replicates_set_ == PETSC_FALSE, PETSC_COMM_WORLD,
                 PETSC_ERR_ARG_INCOMP,
                 "-ecs_sigma_list, -ecs_sigma_d and -ecs_replicates apply to -ecs_demand gaussian; trace data sweep "
                 "-ecs_flexible_list over every day of the window");
      if (!flex_text_.empty())
        PetscCheck(ParseSigmaList(flex_text_, &sigma_list_, &why), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
                   "-ecs_flexible_list '%s' does not parse: %s", flex_text_.c_str(), why.c_str());
      else
        sigma_list_ = {flex_};
      PetscCall(ReadTrace());
      if (!units_set_) H_ = 24;
      PetscCheck(H_ <= 24, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-ecs_units %lld is larger than the data window: %s has 24 hourly samples a day", (long long)H_,
                 trace_path_.c_str());
      PetscCheck(day_ < days_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
                 "-ecs_day %lld is outside the %lld days of %s", (long long)day_, (long long)days_, trace_path_.c_str());
      replicates_ = days_;
    } else if (!sigmas.empty()) {
      std::string why;
      PetscCheck(ParseSigmaList(sigmas, &sigma_list_, &why), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
                 "-ecs_sigma_list '%s' does not parse: %s", sigmas.c_str(), why.c_str());
    } else {
      sigma_list_ = {sigma_d_};
    }
    if (!file_.empty()) PetscCall(ReadMicrogridFile());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, std::uint64_t seed) override {
    PetscFunctionBeginUser;
    block_ = block, seed_ = seed;
    const std::int64_t n = block.n;
    if (!file_.empty())
      PetscCheck(n == static_cast<std::int64_t>(file_E_.size()), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                 "-agents %lld differs from the %zu microgrids of -ecs_microgrid_file %s", (long long)n, file_E_.size(),
                 file_.c_str());
    else
      PetscCheck(!microgrids_set_ || n == microgrids_, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
                 "-agents %lld differs from -ecs_microgrids %lld", (long long)n, (long long)microgrids_);
    if (source_ != 0) {
      // Trace data: E_tot = f x the played day's load, mu_d the mean hourly load of the window [chosen].
      double sum = 0, all = 0;
      for (std::int64_t h = 0; h < H_; ++h) sum += trace_[day_ * 24 + h];
      for (double v : trace_) all += v;
      mu_d_ = all / static_cast<double>(trace_.size());
      Ebar_ = flex_ * sum / static_cast<double>(n);
    } else {
      Ebar_ = la_share_ * mu_d_ * static_cast<double>(H_) / static_cast<double>(n);
    }
    const std::int64_t nl = block.local();
    lo_.resize(nl), hi_.resize(nl), E_.resize(nl);
    for (std::int64_t i = 0; i < nl; ++i) Params(block.start + i, &E_[i], &lo_[i], &hi_[i]);
    double agg[3] = {0, 0, 0};
    PetscCall(ReproducibleSum(
        block, 3,
        [&](std::int64_t g, double *v) { Params(g, &v[0], &v[1], &v[2]); }, agg));
    model_.H = H_, model_.E_tot = agg[0], model_.X_min = agg[1], model_.X_max = agg[2];
    model_.kappa = kappa_, model_.mu_d = mu_d_;
    const double Hd = static_cast<double>(H_);
    PetscCheck(Hd * model_.X_min <= model_.E_tot && model_.E_tot <= Hd * model_.X_max, PETSC_COMM_WORLD,
               PETSC_ERR_ARG_OUTOFRANGE,
               "ecs: infeasible requirements: need H X_min <= E_tot <= H X_max, got H X_min = %.10g, E_tot = %.10g, "
               "H X_max = %.10g (H = %lld; check %s)",
               Hd * model_.X_min, model_.E_tot, Hd * model_.X_max, (long long)H_,
               file_.empty() ? "-ecs_xmin_frac and -ecs_xmax_factor" : file_.c_str());
    // The split rule is exact only when every MG has the ratio (E_m − H x_m^min)/(x_m^max − x_m^min) of MG 0.
    double E0, l0, h0;
    Params(0, &E0, &l0, &h0);
    const double r0 = (E0 - Hd * l0) / (h0 - l0);
    std::string bad;
    for (std::int64_t i = 0; i < nl && bad.empty(); ++i) {
      const double r = (E_[i] - Hd * lo_[i]) / (hi_[i] - lo_[i]);
      if (std::fabs(r - r0) > 1e-9 * std::max(1.0, std::fabs(r0))) {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "ecs: microgrid %lld%s has the ratio (E_m - H x_m^min)/(x_m^max - x_m^min) = %.10g but microgrid 0 "
                      "has %.10g: the split rule x_m = x_m^min + (X - X_min)(x_m^max - x_m^min)/(X_max - X_min) needs "
                      "equal ratios (algorithms.md §5)",
                      (long long)(block.start + i), file_.empty() ? "" : (" (" + file_ + " line " + std::to_string(file_line_[block.start + i]) + ")").c_str(), r, r0);
        bad = buf;
      }
    }
    std::string first;
    PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, bad, &first));
    PetscCheck(first.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP, "%s", first.c_str());
    played_d_.resize(H_);
    SampleDemand(played(), played_d_.data());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::int64_t horizon() const override { return H_; }
  PetscErrorCode SetSteps(std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(T == H_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-steps %lld: ecs schedules the whole horizon of -ecs_units %lld units (set -ecs_units instead)",
               (long long)T, (long long)H_);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode BeginStep(std::int64_t t, ScalarKernel *) override {
    PetscFunctionBeginUser;
    unit_ = t;  // d^t is revealed
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode OracleBracket(std::int64_t, const ScalarKernel &, double *) override {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "ecs has no per-step optimum of (2.1)");
  }
  double constraint_scale() const override { return model_.E_tot; }

  const ScheduleModel &model() const override { return model_; }
  void SampleDemand(const ScheduleSample &s, double *d) const override {
    if (source_ != 0) {
      std::copy_n(trace_.data() + s.replicate * 24, H_, d);
      return;
    }
    for (std::int64_t h = 1; h <= H_; ++h)
      d[h - 1] = std::max(0.0, mu_d_ + s.sigma * rng::normal(seed_, rng::ECS, static_cast<std::uint64_t>(s.replicate),
                                                              static_cast<std::uint64_t>(h), 0));
  }
  ScheduleSample played() const override { return source_ != 0 ? ScheduleSample{flex_, day_} : ScheduleSample{sigma_d_, replicate_}; }
  // Trace data: E_tot = f x the day's load; box limits and split follow the MG parameters' proportions.
  ScheduleModel SampleModel(const ScheduleSample &s) const override {
    const ScheduleSample p = played();
    if (source_ == 0 || (s.sigma == p.sigma && s.replicate == p.replicate)) return model_;
    ScheduleModel m = model_;
    double sum = 0;
    for (std::int64_t h = 0; h < H_; ++h) sum += trace_[s.replicate * 24 + h];
    const double scale = s.sigma * sum / model_.E_tot;
    m.E_tot = s.sigma * sum, m.X_min = model_.X_min * scale, m.X_max = model_.X_max * scale;
    return m;
  }
  std::vector<double> sweep_sigmas() const override { return sigma_list_; }
  std::int64_t sweep_replicates() const override { return replicates_; }
  std::string sample_label() const override { return source_ != 0 ? "flexible_share" : "sigma_d"; }
  void Split(double X, double *x) const override {
    const double theta = (X - model_.X_min) / (model_.X_max - model_.X_min);
    for (std::size_t i = 0; i < lo_.size(); ++i) x[i] = lo_[i] + theta * (hi_[i] - lo_[i]);
  }
  PetscErrorCode SplitSum(double X, double *sum) const override {
    PetscFunctionBeginUser;
    const double theta = (X - model_.X_min) / (model_.X_max - model_.X_min);
    PetscCall(ReproducibleSum(
        block_, 1,
        [&](std::int64_t g, double *v) {
          double E, lo, hi;
          Params(g, &E, &lo, &hi);
          v[0] = lo + theta * (hi - lo);
        },
        sum));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  const Units &units() const override { return units_; }
  double time_of(std::int64_t t) const override { return static_cast<double>(t); }
  std::string time_units() const override { return "unit"; }
  std::string describe() const override {
    char buf[512];
    if (source_ != 0) {
      std::snprintf(buf, sizeof buf,
                    "ecs: %lld microgrids, NA demand = hourly %s load of %s (%lld days from %s), day %lld, H = %lld, "
                    "flexible share %g: E_tot = %.6g, X in [%.6g, %.6g]; sweep %zu shares x %lld days",
                    (long long)block_.n, trace_col_used_.c_str(), trace_path_.c_str(), (long long)days_,
                    first_day_.c_str(), (long long)day_, (long long)H_, flex_, model_.E_tot, model_.X_min, model_.X_max,
                    sigma_list_.size(), (long long)days_);
      return buf;
    }
    std::snprintf(buf, sizeof buf,
                  "ecs: %lld microgrids%s, H = %lld units, kappa = %g, NA demand N(%g, %g^2) replicate %lld; "
                  "E_tot = %.6g, X in [%.6g, %.6g]; sweep %zu sigma x %lld replicates",
                  (long long)block_.n, file_.empty() ? "" : (" from " + file_).c_str(), (long long)H_, kappa_, mu_d_,
                  sigma_d_, (long long)replicate_, model_.E_tot, model_.X_min, model_.X_max, sigma_list_.size(),
                  (long long)replicates_);
    return buf;
  }
  std::vector<metrics::SeriesInfo> series() const override {
    return {{"d", "kWh", "NA demand d^h of the played sample, revealed at unit h"}};
  }
  void series_values(std::int64_t t, double *out) const override { out[0] = played_d_[t - 1]; }

  PetscErrorCode RecordInputs(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const std::int64_t n = block_.n, off = block_.start, nl = block_.local();
    PetscCall(rec.WriteDistributedArray("problem/E", n, off, nl, E_.data(), "kWh", "energy requirement E_m", "agent"));
    PetscCall(rec.WriteDistributedArray("problem/x_min", n, off, nl, lo_.data(), "kWh", "x_m^min per unit", "agent"));
    PetscCall(rec.WriteDistributedArray("problem/x_max", n, off, nl, hi_.data(), "kWh", "x_m^max per unit", "agent"));
    PetscCall(rec.WriteGlobalArray("problem/d", played_d_.data(), H_, "kWh", "NA demand d^h of the played sample", "time"));
    PetscCall(rec.WriteGlobalArray("problem/sigma_list", sigma_list_.data(), static_cast<std::int64_t>(sigma_list_.size()),
                                   "kWh", "sigma_d values of the sweep"));
    const char *g = "/inputs/problem";
    PetscCall(rec.SetAttribute(g, "name", std::string("ecs")));
    PetscCall(rec.SetAttribute(g, "H", H_));
    PetscCall(rec.SetAttribute(g, "kappa", kappa_));
    PetscCall(rec.SetAttribute(g, "mu_d", mu_d_));
    PetscCall(rec.SetAttribute(g, "sigma_d", sigma_d_));
    PetscCall(rec.SetAttribute(g, "replicate", replicate_));
    PetscCall(rec.SetAttribute(g, "replicates", replicates_));
    PetscCall(rec.SetAttribute(g, "E_tot", model_.E_tot));
    PetscCall(rec.SetAttribute(g, "X_min", model_.X_min));
    PetscCall(rec.SetAttribute(g, "X_max", model_.X_max));
    PetscCall(rec.SetAttribute(g, "la_share", la_share_));
    PetscCall(rec.SetAttribute(g, "source", std::string(kDemandSources[source_])));
    if (source_ != 0) {
      PetscCall(rec.SetAttribute(g, "trace_file", trace_path_));
      PetscCall(rec.SetAttribute(g, "trace_column", trace_col_used_));
      PetscCall(rec.SetAttribute(g, "first_day", first_day_));
      PetscCall(rec.SetAttribute(g, "days", days_));
      PetscCall(rec.SetAttribute(g, "day", day_));
      PetscCall(rec.SetAttribute(g, "flexible_share", flex_));
    }
    if (!file_.empty()) PetscCall(rec.SetAttribute(g, "microgrid_file", file_));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:
  void Params(std::int64_t g, double *E, double *lo, double *hi) const {
    if (!file_.empty()) {
      *E = file_E_[g], *lo = file_lo_[g], *hi = file_hi_[g];
      return;
    }
    const double u = het_ > 0 ? rng::uniform(seed_, rng::COEF, static_cast<std::uint64_t>(g), 0, 0) : 0.5;
    *E = Ebar_ * (1.0 + het_ * (2.0 * u - 1.0));
    const double unit = *E / static_cast<double>(H_);
    *lo = xmin_frac_ * unit, *hi = xmax_factor_ * unit;
  }

  // The trace's hourly load, grouped by calendar day: every day from the file's first to its last must have its
  // 24 hours 00:00..23:00 (rows in any order, PJM's run backwards); rank 0 reads, every rank fails together.
  PetscErrorCode ReadTrace() {
    PetscFunctionBeginUser;
    const bool caiso = source_ == 1;
    trace_path_ = trace_file_.empty() ? std::string(DODGE_DATA_DIR) + (caiso ? "/caiso/caiso_historical_2014-08-29_to_2014-10-09.csv"
                                                                             : "/pjm/PJME_hourly_2011-08-29_to_2011-10-09.csv")
                                      : trace_file_;
    trace_col_used_ = trace_column_.empty() ? (caiso ? "SCE" : "y") : trace_column_;
    const std::string tcol = caiso ? "timestamp" : "ds";
    std::vector<double> vals;
    std::vector<std::int64_t> meta(2, 0);  // first day (days since 1970), days
    io::ReadFailure fail;
    if (comm::WorldRank() == 0) {
      if (!trace_file_.empty()) RegisterInputFile(trace_file_, "-ecs_trace_file");
      io::CsvFile csv;
      fail = io::CsvRead(trace_path_, &csv);
      std::vector<std::size_t> col;
      if (!fail.failed()) fail = io::CsvRequireColumns(csv, {tcol, trace_col_used_}, &col);
      std::vector<std::pair<std::int64_t, double>> rows;
      for (const auto &row : csv.rows) {
        if (fail.failed()) break;
        std::int64_t minutes;
        double v;
        std::string why;
        if (!io::ParseTimestamp(row.fields[col[0]], &minutes, &why))
          fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, io::CsvWhere(csv, row.line, tcol) + why);
        else if (!io::ParseFiniteDouble(row.fields[col[1]], &v, &why) || v < 0)
          fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, io::CsvWhere(csv, row.line, trace_col_used_) +
                                                                      (why.empty() ? "is negative" : why));
        else if (minutes % 60 != 0)
          fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, io::CsvWhere(csv, row.line, tcol) + "is not on the hour");
        else
          rows.emplace_back(minutes / 60, v);
      }
      if (!fail.failed() && rows.empty()) fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, trace_path_ + ": no rows");
      if (!fail.failed()) {
        std::sort(rows.begin(), rows.end());
        const std::int64_t h0 = rows.front().first - rows.front().first % 24;
        const std::int64_t h1 = rows.back().first - rows.back().first % 24 + 24;  // one past the last day
        std::vector<double> hourly(h1 - h0, -1.0);
        for (std::size_t k = 0; k < rows.size() && !fail.failed(); ++k) {
          if (k && rows[k].first == rows[k - 1].first)
            fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, trace_path_ + ": duplicate hour " +
                                                                        std::to_string(rows[k].first % 24) + ":00 on day " +
                                                                        std::to_string((rows[k].first - h0) / 24) + " of the file");
          hourly[rows[k].first - h0] = rows[k].second;
        }
        for (std::size_t k = 0; k < hourly.size() && !fail.failed(); ++k)
          if (hourly[k] < 0)
            fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                                         trace_path_ + ": hour " + std::to_string(k % 24) + ":00 of day " +
                                             std::to_string(k / 24) + " of the file is missing: every day needs its 24 hours");
        vals = hourly, meta[0] = h0 / 24, meta[1] = (h1 - h0) / 24;
      }
    }
    PetscCall(io::RaiseCollective(PETSC_COMM_WORLD, fail));
    PetscCall(comm::BcastVector(PETSC_COMM_WORLD, &vals));
    PetscCall(comm::BcastVector(PETSC_COMM_WORLD, &meta));
    trace_ = vals, days_ = meta[1];
    const std::int64_t z = meta[0] + 719468, era = z / 146097, doe = z - era * 146097;  // civil date of day meta[0]
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", (long long)(yoe + era * 400 + (mm <= 2)), (long long)mm, (long long)dd);
    first_day_ = buf;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Rank 0 reads the file, every rank gets its rows (they are few: one per MG), failing together.
  PetscErrorCode ReadMicrogridFile() {
    PetscFunctionBeginUser;
    std::vector<double> vals;
    std::vector<std::int64_t> lines;
    io::ReadFailure fail;
    if (comm::WorldRank() == 0) {
      RegisterInputFile(file_, "-ecs_microgrid_file");
      io::CsvFile csv;
      fail = io::CsvRead(file_, &csv);
      std::vector<std::size_t> col;
      if (!fail.failed()) fail = io::CsvRequireColumns(csv, {"E", "x_min", "x_max"}, &col);
      if (!fail.failed() && csv.rows.empty())
        fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, file_ + ": no microgrid rows");
      for (const auto &row : csv.rows) {
        if (fail.failed()) break;
        double v[3];
        const char *names[3] = {"E", "x_min", "x_max"};
        for (int k = 0; k < 3 && !fail.failed(); ++k) {
          std::string why;
          if (!io::ParseFiniteDouble(row.fields[col[k]], &v[k], &why))
            fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, io::CsvWhere(csv, row.line, names[k]) + why);
        }
        if (!fail.failed() && !(v[2] > v[1]))
          fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED,
                                       io::CsvWhere(csv, row.line, "x_max") + "x_max must exceed x_min");
        if (!fail.failed() && v[0] < 0)
          fail = io::ReadFailure::Make(PETSC_ERR_FILE_UNEXPECTED, io::CsvWhere(csv, row.line, "E") + "E must be >= 0");
        vals.insert(vals.end(), v, v + 3);
        lines.push_back(row.line);
      }
    }
    PetscCall(io::RaiseCollective(PETSC_COMM_WORLD, fail));
    PetscCall(comm::BcastVector(PETSC_COMM_WORLD, &vals));
    PetscCall(comm::BcastVector(PETSC_COMM_WORLD, &lines));
    const std::size_t M = vals.size() / 3;
    file_E_.resize(M), file_lo_.resize(M), file_hi_.resize(M), file_line_ = lines;
    for (std::size_t m = 0; m < M; ++m) file_E_[m] = vals[3 * m], file_lo_[m] = vals[3 * m + 1], file_hi_[m] = vals[3 * m + 2];
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscInt source_ = 0;  // kDemandSources
  std::string trace_file_, trace_column_, trace_path_, trace_col_used_, flex_text_, first_day_;
  double flex_ = 0.1;
  std::int64_t day_ = 0, days_ = 0;
  std::vector<double> trace_;  // hourly load, 24 per day of the window
  PetscBool sigma_d_set_ = PETSC_FALSE, replicates_set_ = PETSC_FALSE, units_set_ = PETSC_FALSE;
  std::int64_t microgrids_ = 5, H_ = 360, replicate_ = 0, replicates_ = 1, unit_ = 0;
  PetscBool microgrids_set_ = PETSC_FALSE;
  double kappa_ = 1, mu_d_ = 100, sigma_d_ = 20, la_share_ = 0.5, xmin_frac_ = 0, xmax_factor_ = 3, het_ = 0;
  double Ebar_ = 0;
  std::string file_;
  std::vector<double> file_E_, file_lo_, file_hi_;
  std::vector<std::int64_t> file_line_;
  std::vector<double> sigma_list_;
  Block block_;
  std::uint64_t seed_ = 1;
  std::vector<double> E_, lo_, hi_, played_d_;
  ScheduleModel model_;
  Units units_{1.0, 1.0, 1.0, "kWh", "kWh^2 (kappa L^2)", "kWh", "per-unit"};
};

}  // namespace

std::unique_ptr<Problem> EcsCreate() { return std::make_unique<Ecs>(); }

}  // namespace dodge::problems
