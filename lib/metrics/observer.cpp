// The metrics observer's setup, fused reduction, totals and checkpoint (see observer.hpp).
#include "metrics/observer.hpp"

#include <cmath>

#include "comm/exchange.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"

namespace dodge::metrics {

void Observer::Setup(const Block &block, int dim, int rows, double cost_to_dollars, bool with_oracle) {
  block_ = block, dim_ = dim, rows_ = rows;
  vector_ = dim > 1 || rows > 1;
  with_oracle_ = with_oracle;
  tracker_.init(block.n, cost_to_dollars, with_oracle);
  if (vector_) {
    vp_.init(rows);
    tracker_.init_rows(rows);
  }
  xprev_.assign(block.local() * dim, 0.0);
  xprev_valid_ = false;
}

void Observer::BeginStep(std::int64_t t, bool metrics, bool oracle, double mu_star, const double *xstar, bool signal) {
  t_ = t, metrics_ = metrics, oracle_ = metrics && oracle, mu_star_ = mu_star, xstar_ = xstar;
  signal_ = signal ? 1.0 : 0.0;
  reduced_ = false;
  nonfinite_ = 0, nonfinite_any_ = false;
  if (!metrics_) return;
  if (vector_)
    vp_.reset();
  else
    p_.reset();
  if (oracle_) xprev_valid_ = true;
}

PetscErrorCode Observer::Reduce(MPI_Comm comm, const Values *kept) {
  PetscFunctionBeginUser;
  PetscCheck(metrics_ && !reduced_, PETSC_COMM_SELF, PETSC_ERR_ORDER,
             "metrics observer: Reduce called %s", metrics_ ? "twice in one step" : "on a step without metrics");
  PetscCheck(copied_ == !kept, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "metrics observer: %s", copied_ ? "Reduce got kept values after Pass (which copies them)"
                                             : "PassKept needs Reduce with the kept values");
  double *v = vector_ ? vp_.data() : p_.v;
  const int nsum = vector_ ? vp_.nsum() : Partials::kSums, nmax = vector_ ? vp_.nmax() : Partials::kMaxes;
  buf_.resize(nsum + nmax + 1);
  std::copy(v, v + nsum, buf_.begin());
  std::copy(v + nsum, v + nsum + nmax, buf_.begin() + nsum);
  buf_[nsum + nmax] = signal_;  // the control flag: a maximum of its own
  PetscCall(comm::AllreduceSumMax(comm, buf_.data(), nsum, nmax + 1));
  std::copy(buf_.begin(), buf_.begin() + nsum + nmax, v);
  signal_ = buf_[nsum + nmax];

  // The second pass (§12): deviations from the means just reduced, identical on every rank.
  const double n = static_cast<double>(block_.n);
  double sq[2];
  const int w = 2 * rows_;
  const Values copy{dev_.data(), w, dev_.data() + rows_, w};
  const Values &src = kept ? *kept : copy;
  if (vector_) {
    const int m = rows_;
    mean_rows_.resize(2 * m);
    for (int r = 0; r < m; ++r) mean_rows_[r] = vp_.mu()[r] / n, mean_rows_[m + r] = vp_.c()[r] / n;
    Deviations(src, mean_rows_.data(), mean_rows_.data() + m, &sq[0], &sq[1]);
  } else {
    const double mu_mean = p_.v[Partials::MU] / n, c_mean = p_.v[Partials::C] / n;
    Deviations(src, &mu_mean, &c_mean, &sq[0], &sq[1]);
  }
  PetscCall(comm::AllreduceSum(comm, sq, 2));
  if (vector_)
    vp_.sum(VecPartials::MU_SQ) = sq[0], vp_.sum(VecPartials::Y_SQ) = sq[1];
  else
    p_.v[Partials::MU_SQ] = sq[0], p_.v[Partials::Y_SQ] = sq[1];
  reduced_ = true;
  PetscFunctionReturn(PETSC_SUCCESS);
}

void Observer::Deviations(const Values &v, const double *mu_mean, const double *c_mean, double *mu_sq,
                          double *y_sq) const {
  const int m = rows_;
  const std::int64_t nloc = block_.local(), ms = v.mu_stride, ys = v.y_stride;
  const double *__restrict mu = v.mu;
  const double *__restrict y = v.y;
  double tm = 0, ty = 0;
  for (std::int64_t i0 = 0; i0 < nloc; i0 += Partials::kBlock) {
    const std::int64_t i1 = std::min(nloc, i0 + Partials::kBlock);
    double bm = 0, by = 0;
    if (m == 1) {
      const double a = mu_mean[0], b = c_mean[0];
      for (std::int64_t i = i0; i < i1; ++i) {
        const double dm = mu[ms * i] - a, dy = y[ys * i] - b;
        bm += dm * dm, by += dy * dy;
      }
    } else {
      for (std::int64_t i = i0; i < i1; ++i)
        for (int r = 0; r < m; ++r) {
          const double dm = mu[ms * i + r] - mu_mean[r], dy = y[ys * i + r] - c_mean[r];
          bm += dm * dm, by += dy * dy;
        }
    }
    tm += bm, ty += by;
  }
  *mu_sq = tm, *y_sq = ty;
}

PetscErrorCode Observer::Signalled(MPI_Comm comm, bool latest, bool *any) {
  PetscFunctionBeginUser;
  PetscCheck(!metrics_ || reduced_, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "metrics observer: the step computed metrics but its algorithm never called Reduce");
  if (!reduced_) {
    // 1: a checkpoint was asked for; 2 (or more): a non-finite value was seen; the maximum over the ranks.
    signal_ = (latest ? 1.0 : 0.0) + (nonfinite_ == 0 ? 0.0 : 2.0);
    PetscCall(comm::AllreduceMax(comm, &signal_, 1));
    nonfinite_any_ = signal_ >= 2;
    if (nonfinite_any_) signal_ = 0;  // the run fails at this step: no checkpoint of a non-finite state
  }
  *any = signal_ > 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

void Observer::Finish(std::int64_t t, int oracle_iters, double messages, double bytes, double step_seconds, double *row) {
  tracker_.add_traffic(messages, bytes);
  if (metrics_ && vector_)
    tracker_.finish_vec(t, vp_, mu_star_, oracle_iters, messages, bytes, step_seconds, row);
  else if (metrics_)
    tracker_.finish(t, p_, mu_star_, oracle_iters, messages, bytes, step_seconds, row);
  else {
    std::fill(row, row + Tracker::NCOL, NAN);
    row[Tracker::MESSAGES] = messages, row[Tracker::BYTES] = bytes;
    row[Tracker::STEP_TIME] = step_seconds;
  }
}

PetscErrorCode Observer::SaveState(io::Recorder &ckpt) const {
  PetscFunctionBeginUser;
  PetscCall(ckpt.SetAttribute("/state", "metrics_has_xstar", static_cast<std::int64_t>(xprev_valid_ ? 1 : 0)));
  if (xprev_valid_)
    PetscCall(ckpt.WriteDistributedArray("/state/metrics_xstar", block_.n * dim_, block_.start * dim_,
                                         block_.local() * dim_, xprev_.data(), "per-unit",
                                         "oracle x*_{i,t} of the last step (the path length's previous point)",
                                         dim_ == 1 ? "agent" : ""));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Observer::LoadState(io::Reader &ckpt) {
  bool has_attr = false;
  std::int64_t has = 0;
  PetscFunctionBeginUser;
  PetscCall(ckpt.HasAttribute("/state", "metrics_has_xstar", &has_attr));
  PetscCheck(has_attr, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint lacks /state attribute metrics_has_xstar: it was written by an older dodge, whose checkpoints "
             "this version cannot resume; start the run afresh");
  PetscCall(ckpt.GetAttribute("/state", "metrics_has_xstar", &has));
  xprev_valid_ = has != 0;
  if (xprev_valid_)
    PetscCall(ckpt.ReadSlice("/state/metrics_xstar", block_.start * dim_, block_.local() * dim_, xprev_.data()));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::metrics
