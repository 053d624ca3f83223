// Running totals of regret, violation, path length and consensus (algorithms.md §12).
#include "metrics/metrics.hpp"

namespace dodge::metrics {

std::vector<SeriesInfo> Tracker::columns(const std::string &cu, const std::string &xu) {
  return {
      {"F", cu, "sum_i f_{i,t}(x_{i,t}): cost of the decisions played"},
      {"F_star", cu, "sum_i f_{i,t}(x*_{i,t}): cost of the per-step optimum (oracle)"},
      {"regret", cu, "dynamic regret Reg(t) = sum_{s<=t} (F_s - F*_s)"},
      {"regret_avg", cu, "Reg(t)/t"},
      {"regret_dollars", "$", "dynamic regret Reg(t) in dollars"},
      {"constraint", xu, "sum_i g_{i,t}(x_{i,t}) (> 0: the coupled constraint is violated)"},
      {"violation", xu, "Vio(t) = [sum_{s<=t} sum_i g_{i,s}(x_{i,s})]_+"},
      {"violation_avg", xu, "Vio(t)/t"},
      {"violation_plus", xu, "Vio+(t) = sum_{s<=t} [sum_i g_{i,s}(x_{i,s})]_+"},
      {"path_length", xu, "P_t = sum_{s<t} ||x*_{s+1} - x*_s||"},
      {"consensus_mu_max", "per-unit price", "max_i |mu_{i,t} - mean_j mu_{j,t}| (before mixing)"},
      {"consensus_mu_rms", "per-unit price", "sqrt(mean_i (mu_{i,t} - mean_j mu_{j,t})^2)"},
      {"consensus_y_max", xu, "max_i |y_{i,t} - mean_j c_{j,t}| (after A1)"},
      {"consensus_y_rms", xu, "sqrt(mean_i (y_{i,t} - mean_j c_{j,t})^2)"},
      {"mu_mean", "per-unit price", "mean_i mu_{i,t}"},
      {"tracking_error", xu, "|sum_i y_{i,t} - sum_i g_{i,t}(x_{i,t})| (0 up to rounding for trackers)"},
      {"constraint_abs", xu, "sum_i |g_{i,t}(x_{i,t})|: the scale of the constraint sum's rounding"},
      {"F_abs", cu, "sum_i |f_{i,t}(x_{i,t})|: the scale of the rounding of F across rank counts"},
      {"F_star_abs", cu, "sum_i |f_{i,t}(x*_{i,t})|: the scale of the rounding of F_star across rank counts"},
      {"x_sum", xu, "sum_i x_{i,t}"},
      {"oracle_mu", "per-unit price", "multiplier mu*_t of the per-step optimum"},
      {"oracle_iterations", "1", "reductions of the oracle's safeguarded Newton at step t"},
      {"messages", "1", "logical agent-to-agent messages at step t"},
      {"bytes", "B", "payload bytes of those messages (8 per double)"},
      {"step_time", "s", "wall time of step t (I/O excluded)"},
  };
}

void Tracker::finish(std::int64_t t, const Partials &p, double mu_star, int oracle_iters, double messages, double bytes,
                     double step_seconds, double *row) {
  const double *v = p.v;
  const double c = v[Partials::C];
  if (oracle_) reg_ += v[Partials::F] - v[Partials::FSTAR];
  cum_c_ += c;
  vio_plus_ += std::max(0.0, c);
  if (oracle_ && t >= 2) path_ += std::sqrt(v[Partials::PATH_SQ]);
  if (oracle_ && mu_star > 0) binding_++;

  const double mu_mean = v[Partials::MU] / n_, c_mean = c / n_;
  // Two-pass variances (§12): the observer summed the squared deviations from these means.
  const double mu_var = v[Partials::MU_SQ] / n_, y_var = v[Partials::Y_SQ] / n_;
  const double track = std::fabs(v[Partials::Y] - c);
  max_track_rel_ = std::max(max_track_rel_, track / (1.0 + v[Partials::CABS]));

  row[F] = v[Partials::F];
  row[FSTAR] = oracle_ ? v[Partials::FSTAR] : NAN;
  row[REGRET] = oracle_ ? reg_ : NAN;
  row[REGRET_AVG] = oracle_ ? reg_ / static_cast<double>(t) : NAN;
  row[REGRET_DOLLARS] = oracle_ ? reg_ * dollars_ : NAN;
  row[CONSTRAINT] = c;
  row[VIOLATION] = std::max(0.0, cum_c_);
  row[VIOLATION_AVG] = std::max(0.0, cum_c_) / static_cast<double>(t);
  row[VIOLATION_PLUS] = vio_plus_;
  row[PATH_LENGTH] = oracle_ ? path_ : NAN;
  row[CONS_MU_MAX] = std::max(v[Partials::MU_MAX] - mu_mean, mu_mean + v[Partials::MU_NEGMIN]);
  row[CONS_MU_RMS] = std::sqrt(mu_var);
  row[CONS_Y_MAX] = std::max(v[Partials::Y_MAX] - c_mean, c_mean + v[Partials::Y_NEGMIN]);
  row[CONS_Y_RMS] = std::sqrt(y_var);
  row[MU_MEAN] = mu_mean;
  row[TRACKING_ERROR] = track;
  row[CONSTRAINT_ABS] = v[Partials::CABS];
  row[F_ABS] = v[Partials::FABS];
  row[FSTAR_ABS] = oracle_ ? v[Partials::FSTAR_ABS] : NAN;
  row[X_SUM] = v[Partials::X];
  row[ORACLE_MU] = oracle_ ? mu_star : NAN;
  row[ORACLE_ITERS] = oracle_ ? oracle_iters : NAN;
  row[MESSAGES] = messages;
  row[BYTES] = bytes;
  row[STEP_TIME] = step_seconds;
  mu_mean_ = mu_mean, c_mean_ = c_mean;
}

void Tracker::finish_vec(std::int64_t t, const VecPartials &p, double mu_star, int oracle_iters, double messages,
                         double bytes, double step_seconds, double *row) {
  const int m = p.m();
  const double md = static_cast<double>(m);
  if (oracle_) reg_ += p.sum(VecPartials::F) - p.sum(VecPartials::FSTAR);
  if (oracle_ && t >= 2) path_ += std::sqrt(p.sum(VecPartials::PATH_SQ));
  if (oracle_ && mu_star > 0) binding_++;
  double cmax = -INFINITY, pos2 = 0, cons_mu = 0, cons_y = 0, track = 0, mu_all = 0, c_all = 0;
  for (int r = 0; r < m; ++r) {
    const double c = p.c()[r], mu_mean = p.mu()[r] / n_, c_mean = c / n_;
    cmax = std::max(cmax, c);
    pos2 += c > 0 ? c * c : 0.0;
    cum_rows_[r] += c;
    cons_mu = std::max({cons_mu, p.mu_max()[r] - mu_mean, mu_mean + p.mu_negmin()[r]});
    cons_y = std::max({cons_y, p.y_max()[r] - c_mean, c_mean + p.y_negmin()[r]});
    track = std::max(track, std::fabs(p.y()[r] - c));
    mu_all += mu_mean, c_all += c;
    mu_rows_[r] = mu_mean, c_rows_[r] = c_mean;
  }
  cum_c_ += c_all;
  vio_plus_ += std::sqrt(pos2);
  // Two-pass variances summed over rows (§12), as in finish().
  const double mu_var = p.sum(VecPartials::MU_SQ) / n_, y_var = p.sum(VecPartials::Y_SQ) / n_;
  max_track_rel_ = std::max(max_track_rel_, track / (1.0 + p.sum(VecPartials::CABS)));

  row[F] = p.sum(VecPartials::F);
  row[FSTAR] = oracle_ ? p.sum(VecPartials::FSTAR) : NAN;
  row[REGRET] = oracle_ ? reg_ : NAN;
  row[REGRET_AVG] = oracle_ ? reg_ / static_cast<double>(t) : NAN;
  row[REGRET_DOLLARS] = oracle_ ? reg_ * dollars_ : NAN;
  row[CONSTRAINT] = cmax;
  row[VIOLATION] = violation();
  row[VIOLATION_AVG] = violation() / static_cast<double>(t);
  row[VIOLATION_PLUS] = vio_plus_;
  row[PATH_LENGTH] = oracle_ ? path_ : NAN;
  row[CONS_MU_MAX] = cons_mu;
  row[CONS_MU_RMS] = std::sqrt(mu_var);
  row[CONS_Y_MAX] = cons_y;
  row[CONS_Y_RMS] = std::sqrt(y_var);
  row[MU_MEAN] = mu_all / md;
  row[TRACKING_ERROR] = track;
  row[CONSTRAINT_ABS] = p.sum(VecPartials::CABS);
  row[F_ABS] = p.sum(VecPartials::FABS);
  row[FSTAR_ABS] = oracle_ ? p.sum(VecPartials::FSTAR_ABS) : NAN;
  row[X_SUM] = p.sum(VecPartials::X);
  row[ORACLE_MU] = oracle_ ? mu_star : NAN;
  row[ORACLE_ITERS] = oracle_ ? oracle_iters : NAN;
  row[MESSAGES] = messages;
  row[BYTES] = bytes;
  row[STEP_TIME] = step_seconds;
}

}  // namespace dodge::metrics
