// Per-step metrics of algorithms.md §12: local partial sums gathered in the algorithm's own pass over the
// agents, one fused reduction, then the running totals (regret, violation, path length) on every rank.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::metrics {

// Local contributions of one step. Sums first, maxima after: the layout of comm::AllreduceSumMax.
struct Partials {
  enum Sum { F, FSTAR, C, CABS, Y, MU, MU_SQ, Y_SQ, PATH_SQ, X, MSGS, FABS, FSTAR_ABS, NSUM };
  enum Max { MU_MAX = static_cast<int>(NSUM), MU_NEGMIN, Y_MAX, Y_NEGMIN, NALL };
  static constexpr int kSums = static_cast<int>(NSUM), kMaxes = static_cast<int>(NALL) - static_cast<int>(NSUM);
  // MU_SQ and Y_SQ are not summed by agent(): they are the second pass of the consensus RMS (§12), the
  // squared deviations Σ_i (μ_i − μ̄)² and Σ_i (y_i − c̄)² from the step's reduced means, which the observer
  // adds after the first reduction (a one-pass Σμ² − nμ̄² would cancel to ≈ sqrt(eps)·|μ̄|).
  double v[NALL];

  void reset() {
    std::fill(v, v + NSUM, 0.0);
    std::fill(v + NSUM, v + NALL, -INFINITY);
  }
  // One agent: its cost and constraint value at the decision played, decision, multiplier before mixing,
  // tracker after A1, and (with the oracle) the optimal cost and the change of its optimal decision.
  void agent(double f, double c, double x, double mu, double y) {
    v[F] += f, v[FABS] += std::fabs(f), v[C] += c, v[CABS] += std::fabs(c), v[X] += x;
    v[MU] += mu, v[Y] += y;
    v[MU_MAX] = std::max(v[MU_MAX], mu), v[MU_NEGMIN] = std::max(v[MU_NEGMIN], -mu);
    v[Y_MAX] = std::max(v[Y_MAX], y), v[Y_NEGMIN] = std::max(v[Y_NEGMIN], -y);
  }
  void oracle(double fstar, double dxstar) {
    v[FSTAR] += fstar, v[FSTAR_ABS] += std::fabs(fstar), v[PATH_SQ] += dxstar * dxstar;
  }
  // Adds another partial (a block of agents): summing per block keeps the rounding of a rank's sums at
  // O((block + n/block) eps) instead of O(n eps), so sums agree across rank counts to 1e-12 at any N.
  void merge(const Partials &o) {
    for (int i = 0; i < NSUM; ++i) v[i] += o.v[i];
    for (int i = NSUM; i < NALL; ++i) v[i] = std::max(v[i], o.v[i]);
  }
  static constexpr std::int64_t kBlock = 1024;
};

// The same contributions for vector families (d_i components, m constraint rows): the scalar sums of
// Partials plus the per-row sums of c, μ and y, and per-row maxima (consensus in the ∞-norm over rows, exact
// in one pass). Layout for comm::AllreduceSumMax: [kFixed sums | C[m] | MU[m] | Y[m] || MU_MAX[m] |
// MU_NEGMIN[m] | Y_MAX[m] | Y_NEGMIN[m]].
class VecPartials {
 public:
  enum Sum { F, FSTAR, CABS, X, PATH_SQ, MU_SQ, Y_SQ, MSGS, FABS, FSTAR_ABS, kFixed };
  void init(int m) {
    m_ = m;
    v_.assign(nsum() + nmax(), 0.0);
  }
  int m() const { return m_; }
  int nsum() const { return kFixed + 3 * m_; }
  int nmax() const { return 4 * m_; }
  double *data() { return v_.data(); }
  const double *data() const { return v_.data(); }
  double &sum(int s) { return v_[s]; }
  double sum(int s) const { return v_[s]; }
  const double *c() const { return v_.data() + kFixed; }
  const double *mu() const { return v_.data() + kFixed + m_; }
  const double *y() const { return v_.data() + kFixed + 2 * m_; }
  const double *mu_max() const { return v_.data() + nsum(); }
  const double *mu_negmin() const { return mu_max() + m_; }
  const double *y_max() const { return mu_max() + 2 * m_; }
  const double *y_negmin() const { return mu_max() + 3 * m_; }

  // MU_SQ and Y_SQ: the second pass, summed over rows, as in Partials.
  void reset() {
    std::fill(v_.begin(), v_.begin() + nsum(), 0.0);
    std::fill(v_.begin() + nsum(), v_.end(), -INFINITY);
  }
  // A block accumulator of the same width (allocated once per step, not per agent).
  void reset_like(const VecPartials &o) {
    if (m_ != o.m_) init(o.m_);
    reset();
  }
  void agent(double f, const double *c, const double *x, int d, const double *mu, const double *y) {
    double *cs = v_.data() + kFixed, *ms = cs + m_, *ys = ms + m_;
    double *mx = v_.data() + nsum(), *mn = mx + m_, *yx = mn + m_, *yn = yx + m_;
    v_[F] += f, v_[FABS] += std::fabs(f);
    for (int k = 0; k < d; ++k) v_[X] += x[k];
    for (int r = 0; r < m_; ++r) {
      v_[CABS] += std::fabs(c[r]);
      cs[r] += c[r], ms[r] += mu[r], ys[r] += y[r];
      mx[r] = std::max(mx[r], mu[r]), mn[r] = std::max(mn[r], -mu[r]);
      yx[r] = std::max(yx[r], y[r]), yn[r] = std::max(yn[r], -y[r]);
    }
  }
  void oracle(double fstar, double dxstar_sq) {
    v_[FSTAR] += fstar, v_[FSTAR_ABS] += std::fabs(fstar), v_[PATH_SQ] += dxstar_sq;
  }
  void merge(const VecPartials &o) {
    for (int i = 0; i < nsum(); ++i) v_[i] += o.v_[i];
    for (int i = nsum(); i < nsum() + nmax(); ++i) v_[i] = std::max(v_[i], o.v_[i]);
  }

 private:
  int m_ = 0;
  std::vector<double> v_;
};

// Names, units and meanings of the /series datasets the tracker produces, in column order.
struct SeriesInfo {
  std::string name, units, long_name;
};

// Running totals of a run; identical on every rank (fed with reduced values).
class Tracker {
 public:
  enum Col {
    F, FSTAR, REGRET, REGRET_AVG, REGRET_DOLLARS, CONSTRAINT, VIOLATION, VIOLATION_AVG, VIOLATION_PLUS, PATH_LENGTH,
    CONS_MU_MAX, CONS_MU_RMS, CONS_Y_MAX, CONS_Y_RMS, MU_MEAN, TRACKING_ERROR, CONSTRAINT_ABS, F_ABS, FSTAR_ABS, X_SUM,
    ORACLE_MU, ORACLE_ITERS,
    MESSAGES, BYTES, STEP_TIME, NCOL
  };
  void init(std::int64_t n, double cost_to_dollars, bool with_oracle) {
    n_ = static_cast<double>(n), dollars_ = cost_to_dollars, oracle_ = with_oracle;
  }
  static std::vector<SeriesInfo> columns(const std::string &cost_units, const std::string &x_units);

  // Vector families: the same columns from VecPartials. With m rows, constraint is max_r (Σ_i g_i)_r (> 0 iff
  // some row is violated), Vio(t) = ||[Σ_s Σ_i g_{i,s}]_+||, Vio+ adds ||[Σ_i g_{i,t}]_+|| (2-norms, §12);
  // consensus_*_max use the ∞-norm over rows, *_rms the 2-norm; mu_mean and x_sum average/sum all entries;
  // tracking_error is the largest row error.
  void init_rows(int m) {
    cum_rows_.assign(m, 0.0), mu_rows_.assign(m, 0.0), c_rows_.assign(m, 0.0);
  }
  void finish_vec(std::int64_t t, const VecPartials &p, double mu_star, int oracle_iters, double messages, double bytes,
                  double step_seconds, double *row);

  // Consumes the reduced partials of step t and fills one row (NCOL values).
  void finish(std::int64_t t, const Partials &p, double mu_star, int oracle_iters, double messages, double bytes,
              double step_seconds, double *row);

  // Everything a checkpoint needs to resume the running totals exactly.
  // rows: vector families' per-row totals and last means [cum | mu | c] (3m values; empty for scalar ones).
  struct State {
    double reg, cum_c, vio_plus, path, mu_mean, c_mean, max_track_rel, messages, bytes;
    std::int64_t binding;
    std::vector<double> rows;
  };
  State state() const {
    std::vector<double> rows(cum_rows_);
    rows.insert(rows.end(), mu_rows_.begin(), mu_rows_.end());
    rows.insert(rows.end(), c_rows_.begin(), c_rows_.end());
    return {reg_, cum_c_, vio_plus_, path_, mu_mean_, c_mean_, max_track_rel_, messages_, bytes_, binding_, rows};
  }
  void restore(const State &s) {
    reg_ = s.reg, cum_c_ = s.cum_c, vio_plus_ = s.vio_plus, path_ = s.path, mu_mean_ = s.mu_mean, c_mean_ = s.c_mean;
    max_track_rel_ = s.max_track_rel, messages_ = s.messages, bytes_ = s.bytes, binding_ = s.binding;
    const std::size_t m = s.rows.size() / 3;
    cum_rows_.assign(s.rows.begin(), s.rows.begin() + m);
    mu_rows_.assign(s.rows.begin() + m, s.rows.begin() + 2 * m);
    c_rows_.assign(s.rows.begin() + 2 * m, s.rows.end());
  }

  // Logical traffic of a step; counted whether or not the metrics are on.
  void add_traffic(double messages, double bytes) { messages_ += messages, bytes_ += bytes; }

  double regret() const { return reg_; }
  double violation() const {
    if (cum_rows_.empty()) return std::max(0.0, cum_c_);
    double s = 0;
    for (double c : cum_rows_) s += c > 0 ? c * c : 0.0;
    return std::sqrt(s);
  }
  double violation_plus() const { return vio_plus_; }
  double path_length() const { return path_; }
  std::int64_t binding_steps() const { return binding_; }
  double max_tracking_error_rel() const { return max_track_rel_; }
  double messages() const { return messages_; }
  double bytes() const { return bytes_; }

 private:
  double n_ = 1, dollars_ = 1;
  bool oracle_ = true;
  double reg_ = 0, cum_c_ = 0, vio_plus_ = 0, path_ = 0, mu_mean_ = 0, c_mean_ = 0, max_track_rel_ = 0;
  double messages_ = 0, bytes_ = 0;
  std::int64_t binding_ = 0;
  std::vector<double> cum_rows_, mu_rows_, c_rows_;  // vector families: per-row totals and last means
};

}  // namespace dodge::metrics
