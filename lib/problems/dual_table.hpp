// The oracle's dual function for dispatch with time-invariant coefficients (the AEMO source) as one
// piecewise-linear function of a single scalar, so that each Newton iteration of the oracle costs O(log n)
// instead of a pass over the agents (algorithms.md §6; docs/performance.md, "oracle").
//
// With ν = π̃_t + μ, agent i's best response is x_i = clip((ν − b_i)/(2a_i), 0, h_i), whose breakpoints
// l_i = b_i and u_i = b_i + 2a_i h_i do not depend on t. Then
//   Σ_i x_i = ν (A_L(ν) − A_U(ν)) − (B_L(ν) − B_U(ν)),   d/dν Σ_i x_i = A_L(ν) − A_U(ν),
// with A_L = Σ_{l_i<ν} 1/(2a_i), B_L = Σ_{l_i<ν} b_i/(2a_i), A_U = Σ_{u_i<ν} 1/(2a_i), B_U = Σ_{u_i<ν} u_i/(2a_i)
// (an agent above u_i contributes (ν − b_i)/(2a_i) − (ν − u_i)/(2a_i) = h_i). Prefix sums over the sorted
// breakpoints give these in two binary searches. The prefix sums are compensated (Kahan), so every stored
// value is within a few ulps of its exact sum and the evaluation agrees with the per-agent sum to about
// 1e-15 relative to Σ_i b_i/(2a_i): far inside the oracle's 1e-12·Σ h_i stopping tolerance. Pure (no MPI):
// each rank tabulates its own agents and the oracle reduces the local values as before.
#pragma once
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace dodge::problems {

class DualTable {
 public:
  // Tabulates agents 0..n−1 with breakpoints b_i and b_i + 2a_i h_i (inv2a_i = 1/(2a_i)). Sorting: O(n log n).
  void Build(const double *b, const double *h, const double *inv2a, std::int64_t n) {
    n_ = n;
    Side(b, h, inv2a, n, false, &lo_, &lo_a_, &lo_b_);
    Side(b, h, inv2a, n, true, &up_, &up_a_, &up_b_);
  }
  bool empty() const { return n_ == 0 && lo_.empty(); }
  std::int64_t size() const { return n_; }
  // Σ_i x_i(ν) and its slope Σ_i dx_i/dν over the tabulated agents.
  void Eval(double nu, double *sum_x, double *slope) const {
    const std::size_t kl = std::lower_bound(lo_.begin(), lo_.end(), nu) - lo_.begin();
    const std::size_t ku = std::lower_bound(up_.begin(), up_.end(), nu) - up_.begin();
    const double A = lo_a_[kl] - up_a_[ku];
    *sum_x = nu * A - (lo_b_[kl] - up_b_[ku]);
    *slope = A;
  }
  // Bytes held (for the memory report).
  std::size_t bytes() const { return 8 * (lo_.size() + lo_a_.size() + lo_b_.size() + up_.size() + up_a_.size() + up_b_.size()); }

 private:
  // Sorted breakpoints (l_i, or u_i when upper) and the compensated prefix sums of 1/(2a_i) and
  // breakpoint/(2a_i) before each position (n + 1 entries).
  static void Side(const double *b, const double *h, const double *inv2a, std::int64_t n, bool upper,
                   std::vector<double> *pts, std::vector<double> *pa, std::vector<double> *pb) {
    std::vector<std::int64_t> order(n);
    std::vector<double> key(n);
    for (std::int64_t i = 0; i < n; ++i) key[i] = upper ? b[i] + h[i] / inv2a[i] : b[i];
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t p, std::int64_t q) { return key[p] < key[q]; });
    pts->resize(n), pa->assign(n + 1, 0.0), pb->assign(n + 1, 0.0);
    double sa = 0, ca = 0, sb = 0, cb = 0;  // Kahan sums and their compensations
    auto add = [](double &s, double &c, double v) {
      const double y = v - c, t = s + y;
      c = (t - s) - y, s = t;
    };
    for (std::int64_t k = 0; k < n; ++k) {
      const std::int64_t i = order[k];
      (*pts)[k] = key[i];
      add(sa, ca, inv2a[i]);
      add(sb, cb, key[i] * inv2a[i]);
      (*pa)[k + 1] = sa, (*pb)[k + 1] = sb;
    }
  }

  std::int64_t n_ = 0;
  std::vector<double> lo_, lo_a_, lo_b_, up_, up_a_, up_b_;
};

}  // namespace dodge::problems
