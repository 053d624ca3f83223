// Exact QP solver: Goldfarb–Idnani for small dense problems.
#include "oracle/qp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace dodge::qp {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
inline double Clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }
}  // namespace

double KktResidual(const Problem &p, std::span<const double> x, std::span<const double> lambda) {
  const int n = p.n, m = p.m;
  std::vector<double> g(n), gs(n);  // stationarity residual and the sum of its terms' magnitudes
  for (int j = 0; j < n; ++j) {
    g[j] = p.h[j] * x[j] + p.c[j];
    gs[j] = std::fabs(p.h[j] * x[j]) + std::fabs(p.c[j]);
  }
  double res = 0;
  for (int r = 0; r < m; ++r) {
    const double *a = p.A.data() + static_cast<std::size_t>(r) * n, l = lambda[r];
    double ax = 0, axs = 0;
    for (int j = 0; j < n; ++j) {
      ax += a[j] * x[j], axs += std::fabs(a[j] * x[j]);
      if (l != 0) g[j] += a[j] * l, gs[j] += std::fabs(a[j] * l);
    }
    const double s = ax - p.b[r], scale = axs + std::fabs(p.b[r]);
    res = std::max({res, std::max(0.0, s) / std::max(1.0, scale), std::max(0.0, -l),
                    std::fabs(l * s) / std::max(1.0, std::fabs(l) * scale)});
  }
  for (int j = 0; j < n; ++j) res = std::max(res, std::fabs(g[j]) / std::max(1.0, gs[j]));
  return res;
}

// ---------------------------------------------------------------------------------------------------------
// Goldfarb–Idnani (Math. Programming 27, 1983), in the notation of the paper with n_r = −a_r (rows a_rᵀx ≤ b_r
// read as n_rᵀx ≥ −b_r). With G = diag(h) = LLᵀ and the active normals N: J = L⁻ᵀQ, JᵀN = [R; 0], so
// z = J₂J₂ᵀn_p is the primal step (the reduced inverse Hessian applied to the new normal) and r = R⁻¹J₁ᵀn_p
// the dual one. Adding and dropping constraints update J and R by Givens rotations, O(n²) each.

namespace {
// Violation scans cost nnz(A), not m n: the stacked pev rows are a few percent dense.
struct SparseRows {
  std::vector<int> start, col;
  std::vector<double> val, norm;
  SparseRows(const Problem &p) : start(p.m + 1, 0), norm(p.m, 0.0) {
    for (int r = 0; r < p.m; ++r) {
      const double *a = p.A.data() + static_cast<std::size_t>(r) * p.n;
      for (int j = 0; j < p.n; ++j)
        if (a[j] != 0) col.push_back(j), val.push_back(a[j]), norm[r] += a[j] * a[j];
      start[r + 1] = static_cast<int>(col.size());
      norm[r] = std::sqrt(norm[r]);
    }
  }
};

// Rotates columns a and b of the column-major n × n matrix J by (c, s): a ← c a + s b, b ← −s a + c b.
inline void RotateColumns(double *J, int n, int a, int b, double c, double s) {
  double *ja = J + static_cast<std::size_t>(a) * n, *jb = J + static_cast<std::size_t>(b) * n;
  for (int k = 0; k < n; ++k) {
    const double u = ja[k], v = jb[k];
    ja[k] = c * u + s * v, jb[k] = -s * u + c * v;
  }
}
}  // namespace

Result Solve(const Problem &p, std::span<double> x, std::span<double> lambda, int max_iterations) {
  // A row counts as satisfied at 1e-12 of its terms' magnitude (KktResidual's scale); a new normal counts as
  // dependent on the active ones when its component outside their span is below 1e-13 of its length.
  constexpr double kFeasTol = 1e-12, kDependentSq = 1e-26;
  const int n = p.n, m = p.m;
  if (max_iterations <= 0) max_iterations = 5 * (n + m) + 100;
  const SparseRows rows(p);
  // J and R column-major: rotations touch two contiguous columns.
  std::vector<double> J(static_cast<std::size_t>(n) * n, 0.0), R(static_cast<std::size_t>(n) * n, 0.0);
  std::vector<double> d(n), z(n), r(n), u(n + 1);
  std::vector<int> active(n);
  std::vector<char> is_active(m, 0);
  auto Rij = [&](int i, int j) -> double & { return R[static_cast<std::size_t>(j) * n + i]; };
  for (int j = 0; j < n; ++j) {
    J[static_cast<std::size_t>(j) * n + j] = 1.0 / std::sqrt(p.h[j]);
    x[j] = -p.c[j] / p.h[j];
  }
  auto RowValue = [&](int row, double *abs_sum) {
    double ax = 0, axs = 0;
    for (int e = rows.start[row]; e < rows.start[row + 1]; ++e) {
      const double t = rows.val[e] * x[rows.col[e]];
      ax += t, axs += std::fabs(t);
    }
    if (abs_sum) *abs_sum = axs + std::fabs(p.b[row]);
    return ax - p.b[row];
  };
  // Drops the active constraint at position l: R loses column l, Givens rotations on rows l.. restore its
  // triangle, and the same rotations on J's columns keep JᵀN = [R; 0].
  auto Drop = [&](int q, int l) {
    is_active[active[l]] = 0;
    for (int i = l; i + 1 < q; ++i) active[i] = active[i + 1];
    for (int i = l; i < q; ++i) u[i] = u[i + 1];  // u[q], the candidate's multiplier, moves down too
    for (int j = l; j < q - 1; ++j)
      for (int i = 0; i <= j + 1; ++i) Rij(i, j) = Rij(i, j + 1);
    for (int i = 0; i < q; ++i) Rij(i, q - 1) = 0;
    for (int j = l; j < q - 1; ++j) {
      const double a = Rij(j, j), b = Rij(j + 1, j), hyp = std::sqrt(a * a + b * b);
      if (hyp == 0) continue;
      const double c = a / hyp, s = b / hyp;
      Rij(j, j) = hyp, Rij(j + 1, j) = 0;
      for (int k = j + 1; k < q - 1; ++k) {
        const double v = Rij(j, k), w = Rij(j + 1, k);
        Rij(j, k) = c * v + s * w, Rij(j + 1, k) = -s * v + c * w;
      }
      RotateColumns(J.data(), n, j, j + 1, c, s);
    }
  };

  Result res;
  int q = 0;
  auto Run = [&]() -> Status {
    for (;;) {
      // Step 1: the most violated row (by distance to its hyperplane; a violated zero row first, it proves
      // infeasibility below); none left means optimal.
      int np = -1;
      double worst = 0;
      for (int row = 0; row < m; ++row) {
        if (is_active[row]) continue;
        double scale;
        const double v = RowValue(row, &scale);
        const double dist = rows.norm[row] > 0 ? v / rows.norm[row] : kInf;
        if (v > kFeasTol * std::max(1.0, scale) && dist > worst) worst = dist, np = row;
      }
      if (np < 0) return Status::converged;
      u[q] = 0;
      // Step 2: move x and the multipliers until row np is active, dropping rows whose multiplier reaches 0.
      for (;;) {
        if (res.iterations >= max_iterations) return Status::iteration_limit;
        for (int j = 0; j < n; ++j) {
          const double *jc = J.data() + static_cast<std::size_t>(j) * n;
          double s = 0;
          for (int e = rows.start[np]; e < rows.start[np + 1]; ++e) s -= jc[rows.col[e]] * rows.val[e];
          d[j] = s;
        }
        double dd = 0, d2 = 0;
        for (int j = 0; j < n; ++j) dd += d[j] * d[j];
        for (int j = q; j < n; ++j) d2 += d[j] * d[j];
        std::fill(z.begin(), z.end(), 0.0);
        for (int j = q; j < n; ++j) {
          const double *jc = J.data() + static_cast<std::size_t>(j) * n;
          for (int k = 0; k < n; ++k) z[k] += d[j] * jc[k];
        }
        for (int i = q - 1; i >= 0; --i) {
          double s = d[i];
          for (int k = i + 1; k < q; ++k) s -= Rij(i, k) * r[k];
          r[i] = s / Rij(i, i);
        }
        // Partial step: the largest dual step keeping every active multiplier ≥ 0 (t1, dropping row l);
        // full step: the primal step that makes row np active (t2 = violation / n_pᵀz, n_pᵀz = ||J₂ᵀn_p||²).
        int l = -1;
        double t1 = kInf, t2 = kInf;
        for (int i = 0; i < q; ++i)
          if (r[i] > 0 && u[i] / r[i] < t1) t1 = u[i] / r[i], l = i;
        if (d2 > kDependentSq * dd) t2 = std::max(0.0, RowValue(np, nullptr)) / d2;
        // n_p depends on active normals none of which can be released: no x satisfies them all.
        if (t1 == kInf && t2 == kInf) return Status::infeasible;
        ++res.iterations;
        const double t = std::min(t1, t2);
        if (t2 < kInf)
          for (int k = 0; k < n; ++k) x[k] += t * z[k];
        for (int i = 0; i < q; ++i) u[i] -= t * r[i];
        u[q] += t;
        if (t2 <= t1) {
          // Add np: rotate d's tail into position q (J's columns with it); R's new column is d[0..q].
          for (int j = n - 1; j > q; --j) {
            if (d[j] == 0) continue;
            const double a = d[j - 1], b = d[j], hyp = std::sqrt(a * a + b * b);
            d[j - 1] = hyp, d[j] = 0;
            RotateColumns(J.data(), n, j - 1, j, a / hyp, b / hyp);
          }
          for (int i = 0; i <= q; ++i) Rij(i, q) = d[i];
          active[q] = np, is_active[np] = 1;
          ++q;
          break;
        }
        Drop(q, l);
        --q;
      }
    }
  };
  res.status = Run();
  std::fill(lambda.begin(), lambda.end(), 0.0);
  for (int i = 0; i < q; ++i) lambda[active[i]] = u[i];
  res.kkt = KktResidual(p, x, lambda);
  return res;
}

}  // namespace dodge::qp
