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
  enum Sum { F, FSTAR, C, CABS, Y, MU, MU_SQ, Y_SQ, PATH_SQ, X, MSGS, NSUM };
    // SIGNAL carries a checkpoint request (SIGTERM/SIGUSR1 seen on some rank) in the same reduction.
  enum Max { MU_MAX = static_cast<int>(NSUM), MU_NEGMIN, Y_MAX, Y_NEGMIN, SIGNAL, NALL };
  static constexpr int kSums = static_cast<int>(NSUM), kMaxes = static_cast<int>(NALL) - static_cast<int>(NSUM);
  double v[NALL];
  // Shifts (the previous step's means, identical on every rank) keep the variances free of cancellation.
  double mu_shift = 0, y_shift = 0;

  void reset(double mu_shift_, double y_shift_) {
    std::fill(v, v + NSUM, 0.0);
    std::fill(v + NSUM, v + NALL, -INFINITY);
    mu_shift = mu_shift_, y_shift = y_shift_;
  }
  // One agent: its cost and constraint value at the decision played, decision, multiplier before mixing,
  // tracker after A1, and (with the oracle) the optimal cost and the change of its optimal decision.
  void agent(double f, double c, double x, double mu, double y) {
    v[F] += f, v[C] += c, v[CABS] += std::fabs(c), v[X] += x;
    v[MU] += mu, v[MU_SQ] += (mu - mu_shift) * (mu - mu_shift);
    v[Y] += y, v[Y_SQ] += (y - y_shift) * (y - y_shift);
    v[MU_MAX] = std::max(v[MU_MAX], mu), v[MU_NEGMIN] = std::max(v[MU_NEGMIN], -mu);
    v[Y_MAX] = std::max(v[Y_MAX], y), v[Y_NEGMIN] = std::max(v[Y_NEGMIN], -y);
  }
  void oracle(double fstar, double dxstar) { v[FSTAR] += fstar, v[PATH_SQ] += dxstar * dxstar; }
  // Adds another partial (a block of agents): summing per block keeps the rounding of a rank's sums at
  // O((block + n/block) eps) instead of O(n eps), so sums agree across rank counts to 1e-12 at any N.
  void merge(const Partials &o) {
    for (int i = 0; i < NSUM; ++i) v[i] += o.v[i];
    for (int i = NSUM; i < NALL; ++i) v[i] = std::max(v[i], o.v[i]);
  }
  static constexpr std::int64_t kBlock = 1024;
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
    CONS_MU_MAX, CONS_MU_RMS, CONS_Y_MAX, CONS_Y_RMS, MU_MEAN, TRACKING_ERROR, CONSTRAINT_ABS, X_SUM, ORACLE_MU,
    ORACLE_ITERS,
    MESSAGES, BYTES, STEP_TIME, NCOL
  };
  void init(std::int64_t n, double cost_to_dollars, bool with_oracle) {
    n_ = static_cast<double>(n), dollars_ = cost_to_dollars, oracle_ = with_oracle;
  }
  static std::vector<SeriesInfo> columns(const std::string &cost_units, const std::string &x_units);

  // Consumes the reduced partials of step t and fills one row (NCOL values).
  void finish(std::int64_t t, const Partials &p, double mu_star, int oracle_iters, double messages, double bytes,
              double step_seconds, double *row);

  // Everything a checkpoint needs to resume the running totals exactly.
  struct State {
    double reg, cum_c, vio_plus, path, mu_mean, c_mean, max_track_rel, messages, bytes;
    std::int64_t binding;
  };
  State state() const {
    return {reg_, cum_c_, vio_plus_, path_, mu_mean_, c_mean_, max_track_rel_, messages_, bytes_, binding_};
  }
  void restore(const State &s) {
    reg_ = s.reg, cum_c_ = s.cum_c, vio_plus_ = s.vio_plus, path_ = s.path, mu_mean_ = s.mu_mean, c_mean_ = s.c_mean;
    max_track_rel_ = s.max_track_rel, messages_ = s.messages, bytes_ = s.bytes, binding_ = s.binding;
  }

  // Logical traffic of a step; counted whether or not the metrics are on.
  void add_traffic(double messages, double bytes) { messages_ += messages, bytes_ += bytes; }

  double mu_shift() const { return mu_mean_; }
  double y_shift() const { return c_mean_; }
  double regret() const { return reg_; }
  double violation() const { return std::max(0.0, cum_c_); }
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
};

}  // namespace dodge::metrics
