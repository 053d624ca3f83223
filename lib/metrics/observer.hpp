// The one metrics observer of a run (algorithms.md §12). It owns everything the metrics need besides the
// algorithm's own state: the step's partial sums, accumulated in blocks of Partials::kBlock agents so that
// they round the same way whatever block of agents a rank owns; the previous step's optimal decisions
// x*_{i,t−1}, for the path length; the running totals (Tracker); and the step's one fused reduction, which
// also carries the run's control flag (a checkpoint request after SIGTERM/SIGUSR1 on some rank) in a slot of
// its own, apart from the metric sums.
//
// An algorithm calls Pass (scalar families) or PassVec (vector families) once per step, at the point §12
// names: for each local agent in increasing order, the decision played, its constraint value, the
// multiplier before mixing and the tracker after A1. The observer adds f and, with the oracle, f(x*) and the
// change of x*. The consensus RMS is two-pass (§12): Reduce makes the step's fused reduction, then sums the
// squared deviations of each agent's (μ, y) from the reduced means in blocks and reduces those two sums (a
// second, small reduction on steps with metrics). The (μ, y) are read where the algorithm keeps them until
// Reduce (the graph algorithms' exchange buffer: PassKept/PassVecKept and Reduce with a Values view, no copy),
// or else copied by Pass/PassVec (16 B per agent and row). The algorithm calls Reduce, overlapped with its halo
// exchange when it has one. An
// algorithm holds no metric state and checkpoints none: the observer's state is saved once, under
// /state/metrics_xstar.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"
#include "metrics/metrics.hpp"

namespace dodge::io {
class Recorder;
class Reader;
}

namespace dodge::metrics {
// The kernel the metrics (f of the played decisions, the oracle) evaluate: the kernel itself, or the kernel's
// metric_view() where it has one (gridcell, problems/kernels.hpp: the realized positions instead of the declared
// ones). Duck-typed, so the metrics layer names no problem.
template <class K>
decltype(auto) MetricView(const K &k) {
  if constexpr (requires { k.metric_view(); }) return k.metric_view();
  else return (k);
}

class Observer {
 public:
  // The local block, the decision width d and the constraint rows m of the family (1 and 1: scalar); the
  // run's N and cost units for the totals; with_oracle: whether steps with metrics have the per-step optimum.
  void Setup(const Block &block, int dim, int rows, double cost_to_dollars, bool with_oracle);
  bool is_vector() const { return vector_; }

  // Starts step t. metrics: whether this step computes them (else Pass only runs the algorithm's body and
  // Reduce is not called). oracle: whether the step's optimum is known: mu_star its multiplier (scalar
  // families, x*_{i,t} = the best response to it), xstar the local agents' x*_{i,t} ([nloc][dim], vector
  // families). signal: this rank's checkpoint request.
  void BeginStep(std::int64_t t, bool metrics, bool oracle, double mu_star, const double *xstar, bool signal);
  bool metrics() const { return metrics_; }
  bool oracle() const { return oracle_; }
  double mu_star() const { return mu_star_; }
  const double *xstar() const { return xstar_; }

  // Scalar families. body(i, sink) is called for i = 0..nloc−1 in order and calls sink(x, c, mu, y) once:
  // decision played, constraint value g_i(x), multiplier before mixing, tracker after A1.
  template <class K, class Body>
  void Pass(const K &k, std::int64_t nloc, Body &&body) {
    PassScalar<true>(k, nloc, body);
  }
  // The same, for an algorithm that keeps the step's (μ_i, y_i) unchanged until it calls Reduce with a view of them.
  template <class K, class Body>
  void PassKept(const K &k, std::int64_t nloc, Body &&body) {
    PassScalar<false>(k, nloc, body);
  }

  // Vector families (K::dim, K::rows): sink(x, c, mu, y) with d, m, m and m values.
  template <class K, class Body>
  void PassVec(const K &k, std::int64_t nloc, Body &&body) {
    PassVector<true>(k, nloc, body);
  }
  template <class K, class Body>
  void PassVecKept(const K &k, std::int64_t nloc, Body &&body) {
    PassVector<false>(k, nloc, body);
  }

  // Where an algorithm keeps the step's values until Reduce (after PassKept/PassVecKept): agent i's rows at
  // mu[mu_stride·i + r] and y[y_stride·i + r], r < rows.
  struct Values {
    const double *mu = nullptr;
    std::int64_t mu_stride = 0;
    const double *y = nullptr;
    std::int64_t y_stride = 0;
  };

  // The logical messages of the step, when they are a sum over agents (link failures): set before Reduce.
  double &messages() { return vector_ ? vp_.sum(VecPartials::MSGS) : p_.v[Partials::MSGS]; }

  // The step's one fused reduction: metric sums and maxima, and the control flag in its own slot; then the
  // consensus RMS's second pass over `kept` (after PassKept) or the observer's copy. Collective on comm; only
  // when metrics() (the driver reduces the flag alone otherwise).
  PetscErrorCode Reduce(MPI_Comm comm, const Values *kept = nullptr);

  // After the step: whether any rank asked for a checkpoint, from the step's reduction, or, when the step had
  // none, from a reduction of the flag alone with `latest` (this rank's flag now). Collective on comm. A step
  // without metrics folds into that flag whether any rank saw a non-finite decision, constraint value or
  // multiplier in its Pass (nonfinite() after it, the same on every rank).
  PetscErrorCode Signalled(MPI_Comm comm, bool latest, bool *any);
  bool nonfinite() const { return nonfinite_any_; }
  void MarkNonfinite() { nonfinite_ = NAN; }  // what a Pass does on a non-finite value (fault-injection tests)

  // The reduced partial sums of the step (tests read them).
  const Partials &partials() const { return p_; }
  const VecPartials &vpartials() const { return vp_; }

  // The running totals.
  Tracker &tracker() { return tracker_; }
  const Tracker &tracker() const { return tracker_; }
  // Fills the /series row of step t (NaN for the metrics on steps without them; traffic and time always).
  void Finish(std::int64_t t, int oracle_iters, double messages, double bytes, double step_seconds, double *row);

  // Checkpoint of x*_{i,t} (the totals travel with the driver's state). Collective.
  PetscErrorCode SaveState(io::Recorder &ckpt) const;
  PetscErrorCode LoadState(io::Reader &ckpt);

 private:
  template <bool Copy, class K, class Body>
  void PassScalar(const K &k, std::int64_t nloc, Body &body) {
    copied_ = Copy;
    if (!metrics_) {
      // No metrics: only whether a decision, constraint value or multiplier is inf or NaN (v·0 is 0 for a
      // finite v, NaN otherwise; no sum of finite values can overflow it). Reduced in Signalled.
      double bad = nonfinite_;
      const auto none = [&bad](double x, double c, double mu, double) { bad += x * 0.0 + c * 0.0 + mu * 0.0; };
      for (std::int64_t i = 0; i < nloc; ++i) body(i, none);
      nonfinite_ = bad;
    } else {
      if (Copy) dev_.resize(static_cast<std::size_t>(nloc) * 2);
      if (oracle_) PassWith<true, Copy>(k, nloc, body);
      else PassWith<false, Copy>(k, nloc, body);
    }
  }
  template <bool Copy, class K, class Body>
  void PassVector(const K &k, std::int64_t nloc, Body &body) {
    copied_ = Copy;
    if (!metrics_) {
      constexpr int d = K::dim, m = K::rows;  // the kernel's own sizes (what its algorithm passes)
      double bad = nonfinite_;
      const auto none = [&bad](const double *x, const double *c, const double *mu, const double *) {
        for (int j = 0; j < d; ++j) bad += x[j] * 0.0;
        for (int r = 0; r < m; ++r) bad += c[r] * 0.0 + mu[r] * 0.0;
      };
      for (std::int64_t i = 0; i < nloc; ++i) body(i, none);
      nonfinite_ = bad;
    } else {
      if (Copy) dev_.resize(static_cast<std::size_t>(nloc) * 2 * rows_);
      if (oracle_ && xstar_) PassVecWith<true, Copy>(k, nloc, body);
      else PassVecWith<false, Copy>(k, nloc, body);
    }
  }

  template <bool Oracle, bool Copy, class K, class Body>
  void PassWith(const K &k, std::int64_t nloc, Body &body) {
    const bool first = t_ == 1;
    double *__restrict xs = xprev_.data();
    double *__restrict dv = dev_.data();
    const double mu_star = mu_star_;
    const auto &km = MetricView(k);  // the metrics' f (gridcell: realized positions); k itself elsewhere
    Partials total = p_;  // a local accumulator: registers (the arrays cannot alias it)
    for (std::int64_t i0 = 0; i0 < nloc; i0 += Partials::kBlock) {
      const std::int64_t i1 = std::min(nloc, i0 + Partials::kBlock);
      Partials acc;
      acc.reset();
      for (std::int64_t i = i0; i < i1; ++i)
        body(i, [&](double x, double c, double mu, double y) {
          acc.agent(km.f(i, x), c, x, mu, y);
          if constexpr (Copy) dv[2 * i] = mu, dv[2 * i + 1] = y;
          if constexpr (Oracle) {
            const double xo = km.response(i, mu_star);
            acc.oracle(km.f(i, xo), first ? 0.0 : xo - xs[i]);
            xs[i] = xo;
          }
        });
      total.merge(acc);
    }
    p_ = total;
  }

  template <bool Oracle, bool Copy, class K, class Body>
  void PassVecWith(const K &k, std::int64_t nloc, Body &body) {
    constexpr int d = K::dim;
    const int m = rows_;
    const bool first = t_ == 1;
    double *__restrict xs = xprev_.data();
    double *__restrict dv = dev_.data();
    for (std::int64_t i0 = 0; i0 < nloc; i0 += Partials::kBlock) {
      const std::int64_t i1 = std::min(nloc, i0 + Partials::kBlock);
      block_acc_.reset_like(vp_);
      for (std::int64_t i = i0; i < i1; ++i)
        body(i, [&](const double *x, const double *c, const double *mu, const double *y) {
          block_acc_.agent(k.f(i, x), c, x, d, mu, y);
          if constexpr (Copy) {
            double *di = dv + 2 * m * i;
            for (int r = 0; r < m; ++r) di[r] = mu[r], di[m + r] = y[r];
          }
          if constexpr (Oracle) {
            const double *xo = xstar_ + d * i;
            double *xp = xs + d * i, dx2 = 0;
            for (int q = 0; q < d; ++q) dx2 += (xo[q] - xp[q]) * (xo[q] - xp[q]), xp[q] = xo[q];
            block_acc_.oracle(k.f(i, xo), first ? 0.0 : dx2);
          }
        });
      vp_.merge(block_acc_);
    }
  }

  Block block_;
  int dim_ = 1, rows_ = 1;
  bool vector_ = false, with_oracle_ = true;
  std::int64_t t_ = 0;
  bool metrics_ = false, oracle_ = false, reduced_ = false;
  double mu_star_ = 0, signal_ = 0;
  double nonfinite_ = 0;         // this rank's Pass without metrics: 0, or NaN after a non-finite value
  bool nonfinite_any_ = false;   // any rank's, after Signalled
  const double *xstar_ = nullptr;
  // The second pass of the consensus RMS: Σ_i (μ_i − μ̄)² and Σ_i (y_i − c̄)² in blocks, summed over rows.
  void Deviations(const Values &v, const double *mu_mean, const double *c_mean, double *mu_sq, double *y_sq) const;

  std::vector<double> xprev_;  // x*_{i,t−1} of the local agents ([nloc][dim])
  std::vector<double> dev_;    // Pass's copy of the step's (μ_i, y_i) ([nloc][2 rows]: μ rows, then y rows)
  bool copied_ = true;         // this step's values are in dev_ (Pass), not kept by the algorithm (PassKept)
  bool xprev_valid_ = false;   // an oracle step has run (or been restored)
  Partials p_;
  VecPartials vp_, block_acc_;
  std::vector<double> buf_;  // the reduction: [sums | maxima | control flag]
  std::vector<double> mean_rows_;  // vector families: the step's row means of μ, then of c
  Tracker tracker_;
};

}  // namespace dodge::metrics
