// pev's projection onto X and its coupled per-step optimum (see pev_qp.hpp).
#include "problems/pev_qp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace dodge::problems {

namespace {
inline double Clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }
}  // namespace

// ---------------------------------------------------------------------------------------------------------
// pev projection. In the cumulative sums S_k the projection is min Σ_k φ_k(S_k − S_{k−1}) over the tube
// l_k ≤ S_k ≤ u_k, φ_k(x) = ½(x − z_k)² on [−2, 2]: a chain, solved exactly by dynamic programming on the
// value functions V_k(s) (the least cost of reaching S_k = s). Each V_k is convex; what the DP carries is the
// inverse of its derivative, G_k(w) = argmin_s V_k(s) − w s, a non-decreasing piecewise-linear function of the
// hourly shift w, because inf-convolution adds inverses of derivatives and the tube clips them:
//   H_k(w) = G_{k−1}(w) + clip(z_k + w, −2, 2),   G_k = clip(H_k, l_k, u_k),   G_0 ≡ 0.
// S_24 = G_24(0); backwards, hour k keeps the shift of hour k + 1 unless the tube clipped H_k there, in which
// case w_k solves H_k(w_k) = S_k (the bound), and x_k = clip(z_k + w_k, −2, 2). The jumps of w are the tube
// multipliers (ν_k = w_{k+1} − w_k), the clipping excess the box ones. Every H_k has integer slopes and at
// most 4k − 2 breakpoints (each hour adds two, each clip at most two), so the cost is O(24²) with no iteration.

namespace {
constexpr int kT = kPevHours;
constexpr int kStageCap = 2 * kT * kT;  // Σ_k (4k − 2) breakpoints: stage k (0-based) starts at 2k²
constexpr double kTubeTol = 1e-12;      // box clipping is accepted when the tube holds to this

inline double TubeLower(int k) { return k == kT - 1 ? kPevFinal : 0.0; }

// A non-decreasing piecewise-linear function: v[j] + s[j] (t − w[j]) on [w[j], w[j+1]), v[0] left of w[0],
// s[m−1] = 0. Values are kept monotone, so level crossings are unique.
struct Pwl {
  double *w, *v, *s;
  int m;
};

// Positions in sorted arrays by counting rather than binary search: the arrays are short (~16 points) and a
// branch-free count vectorizes, where a binary search mispredicts about every other step.
inline int CountLe(const double *a, int m, double t) {
  int c = 0;
  for (int j = 0; j < m; ++j) c += a[j] <= t;
  return c;
}
inline int CountLt(const double *a, int m, double t) {
  int c = 0;
  for (int j = 0; j < m; ++j) c += a[j] < t;
  return c;
}

inline double Eval(const Pwl &f, double t) {
  const int j = CountLe(f.w, f.m, t) - 1;
  return j < 0 ? f.v[0] : f.v[j] + f.s[j] * (t - f.w[j]);
}

// The least t with f(t) = level, for level within f's range.
inline double Invert(const Pwl &f, double level) {
  const int j = CountLt(f.v, f.m, level);
  if (j == 0) return f.w[0];
  if (j == f.m) return f.w[f.m - 1];
  const double t = f.s[j - 1] > 0 ? f.w[j - 1] + (level - f.v[j - 1]) / f.s[j - 1] : f.w[j];
  return Clip(t, f.w[j - 1], f.w[j]);
}

// out = clip(f, lo, hi): f's points strictly between the levels, plus the two crossings; at most f.m + 2 points.
inline void ClipPwl(const Pwl &f, double lo, double hi, Pwl &out) {
  const int p = CountLe(f.v, f.m, lo);  // first point above lo
  const int q = CountLt(f.v, f.m, hi);  // first point at or above hi
  int o = 0;
  auto Emit = [&](double w, double v, double s) { out.w[o] = w, out.v[o] = v, out.s[o] = s, ++o; };
  if (p == f.m) {
    Emit(f.w[f.m - 1], lo, 0);
  } else if (q == 0) {
    Emit(f.w[0], hi, 0);
  } else {
    if (p > 0) {
      const double s = f.s[p - 1];
      Emit(s > 0 ? Clip(f.w[p - 1] + (lo - f.v[p - 1]) / s, f.w[p - 1], f.w[p]) : f.w[p], lo, s);
    }
    std::copy(f.w + p, f.w + q, out.w + o), std::copy(f.v + p, f.v + q, out.v + o);
    std::copy(f.s + p, f.s + q, out.s + o);
    o += q - p;
    if (q < f.m) {
      const double w0 = out.w[o - 1], v0 = out.v[o - 1], s0 = out.s[o - 1];
      Emit(s0 > 0 ? Clip(w0 + (hi - v0) / s0, w0, f.w[q]) : f.w[q], hi, 0);
    }
  }
  out.m = o;
}

// out = g + clip(z + ·, −2, 2): g's points with the two kinks a = −2 − z and b = 2 − z merged in, in three
// branch-free runs. Values stay monotone: rounding is monotone, and the kinks' interpolated values are
// clamped between their neighbours'.
inline void AddHour(const Pwl &g, double z, Pwl &out) {
  const double a = -kPevRate - z, b = kPevRate - z;
  const int ia = CountLe(g.w, g.m, a), ib = CountLe(g.w, g.m, b);  // g's points left of each kink
  // g and its right slope at a kink t inserted after g's point j − 1.
  auto At = [&](int j, double t, double *slope) {
    if (j == 0) return *slope = 0, g.v[0];
    *slope = g.s[j - 1];
    return Clip(g.v[j - 1] + g.s[j - 1] * (t - g.w[j - 1]), g.v[j - 1], g.v[j < g.m ? j : g.m - 1]);
  };
  int o = 0;
  for (int j = 0; j < ia; ++j, ++o) out.w[o] = g.w[j], out.v[o] = g.v[j] - kPevRate, out.s[o] = g.s[j];
  double sa, sb;
  const double ga = At(ia, a, &sa);
  out.w[o] = a, out.v[o] = ga - kPevRate, out.s[o] = sa + 1, ++o;
  for (int j = ia; j < ib; ++j, ++o)
    out.w[o] = g.w[j], out.v[o] = g.v[j] + Clip(z + g.w[j], -kPevRate, kPevRate), out.s[o] = g.s[j] + 1;
  const double gb = At(ib, b, &sb);
  out.w[o] = b, out.v[o] = gb + kPevRate, out.s[o] = sb, ++o;
  for (int j = ib; j < g.m; ++j, ++o) out.w[o] = g.w[j], out.v[o] = g.v[j] + kPevRate, out.s[o] = g.s[j];
  out.m = o;
}

// The projection when only the final bound binds: x = clip(z + t, −2, 2) with Σx = target (t > 0 at 8, t < 0
// at 10: the multiplier's sign is right by construction), accepted only if every S_k, k < 24, stays in the
// tube, so an accepted x meets all KKT conditions and is the projection. f(t) = Σ_k clip(z_k + t, −2, 2) is
// continuous, non-decreasing and piecewise linear: Newton steps are exact on the final piece, bisection of
// the bracket [lo, hi] guards the others. False (x overwritten) when the tube fails or 60 steps do not settle.
bool PinFinal(const double *z, double f, double target, double lo, double hi, double *x, double *w) {
  double t = 0;
  for (int it = 0;; ++it) {
    int nfree = 0;
    if (it > 0) {
      f = 0;
      for (int k = 0; k < kT; ++k) {
        const double u = z[k] + t;
        f += Clip(u, -kPevRate, kPevRate), nfree += u > -kPevRate && u < kPevRate;
      }
    } else {
      for (int k = 0; k < kT; ++k) nfree += z[k] > -kPevRate && z[k] < kPevRate;
    }
    if (std::fabs(f - target) <= kTubeTol) break;
    if (it == 60) return false;
    (f < target ? lo : hi) = t;
    const double newton = nfree > 0 ? t + (target - f) / nfree : lo;
    t = lo < newton && newton < hi ? newton : 0.5 * (lo + hi);
  }
  double S = 0;
  for (int k = 0; k < kT; ++k) {
    x[k] = Clip(z[k] + t, -kPevRate, kPevRate), w[k] = t;
    S += x[k];
    if (k + 1 < kT && (S < -kTubeTol || S > kPevCapacity + kTubeTol)) return false;
  }
  return true;
}

// x = P_X(z) and the hourly shifts w (x_k = clip(z_k + w_k, −2, 2)).
void ProjectShift(const double *z, double *x, double *w) {
  double S = 0, zmin = z[0], zmax = z[0];
  bool inside = true;
  for (int k = 0; k < kT; ++k) {
    x[k] = Clip(z[k], -kPevRate, kPevRate);
    S += x[k];
    inside = inside && S >= TubeLower(k) - kTubeTol && S <= kPevCapacity + kTubeTol;
    zmin = std::min(zmin, z[k]), zmax = std::max(zmax, z[k]);
  }
  if (inside) {
    std::fill(w, w + kT, 0.0);
    return;
  }
  // f(t) = 48 at t = 2 − min z and −48 at t = −2 − max z bracket the shift.
  if (S < kPevFinal && PinFinal(z, S, kPevFinal, 0.0, kPevRate - zmin, x, w)) return;
  if (S > kPevCapacity && PinFinal(z, S, kPevCapacity, -kPevRate - zmax, 0.0, x, w)) return;
  double bw[kStageCap], bv[kStageCap], bs[kStageCap], gw[4 * kT], gv[4 * kT], gs[4 * kT];
  auto Stage = [&](int k) { return Pwl{bw + 2 * k * k, bv + 2 * k * k, bs + 2 * k * k, 0}; };
  Pwl H[kT];
  H[0] = Stage(0);
  H[0].w[0] = -kPevRate - z[0], H[0].v[0] = -kPevRate, H[0].s[0] = 1;
  H[0].w[1] = kPevRate - z[0], H[0].v[1] = kPevRate, H[0].s[1] = 0;
  H[0].m = 2;
  Pwl G{gw, gv, gs, 0};
  for (int k = 1; k < kT; ++k) {
    ClipPwl(H[k - 1], TubeLower(k - 1), kPevCapacity, G);
    H[k] = Stage(k);
    AddHour(G, z[k], H[k]);
  }
  double shift = 0;
  for (int k = kT - 1; k >= 0; --k) {
    const double h = Eval(H[k], shift), s = Clip(h, TubeLower(k), kPevCapacity);
    if (h != s) shift = Invert(H[k], s);
    w[k] = shift;
    x[k] = Clip(z[k] + shift, -kPevRate, kPevRate);
  }
}

// Multipliers of the projection from its shifts: box rows from the clipping excess, tube rows from the jumps.
void ShiftMultipliers(const double *z, const double *w, double scale, double *lambda) {
  for (int k = 0; k < kT; ++k) {
    const double u = z[k] + w[k], nu = (k + 1 < kT ? w[k + 1] : 0.0) - w[k];
    lambda[k] = scale * std::max(0.0, u - kPevRate);
    lambda[kT + k] = scale * std::max(0.0, -kPevRate - u);
    lambda[2 * kT + k] = scale * std::max(0.0, nu);
    lambda[3 * kT + k] = scale * std::max(0.0, -nu);
  }
}
}  // namespace

void PevRows(double A[kPevRows * kPevHours], double b[kPevRows]) {
  std::fill(A, A + kPevRows * kPevHours, 0.0);
  for (int k = 0; k < kT; ++k) {
    A[k * kT + k] = 1, b[k] = kPevRate;
    A[(kT + k) * kT + k] = -1, b[kT + k] = kPevRate;
    for (int j = 0; j <= k; ++j) A[(2 * kT + k) * kT + j] = 1, A[(3 * kT + k) * kT + j] = -1;
    b[2 * kT + k] = kPevCapacity, b[3 * kT + k] = -TubeLower(k);
  }
}

void PevProject(const double z[kPevHours], double x[kPevHours]) {
  double w[kT];
  ProjectShift(z, x, w);
}

void PevProject(const double z[kPevHours], double x[kPevHours], double lambda[kPevRows]) {
  double w[kT];
  ProjectShift(z, x, w);
  ShiftMultipliers(z, w, 1.0, lambda);
}

// ---------------------------------------------------------------------------------------------------------
// pev oracle: dual decomposition. With y = λ⁺ − λ⁻ (only one of each pair is positive at an optimum, since
// the bound 0.35N > 0), the dual D(y) = Σ_i min_{x∈X} [C_iᵀx + (R_i/2)||x||² + yᵀx] − 0.35N ||y||₁ is concave,
// its smooth part has gradient X(y) = Σ_i x_i(y), piecewise linear and Lipschitz with L = Σ_i 1/R_i, and
// the Jacobian −Σ_i J_i/R_i, J_i the Jacobian of the projection on its current piece. On each sign orthant
// D is smooth, so Bertsekas' projected Newton method (SIAM J. Control Optim. 20, 1982) applies with the
// orthant boundary y_k = 0 as the bound: coordinates at (or within ε of) 0 whose gradient pushes into 0 are
// fixed, the others take a Newton step, and an Armijo search runs along the arc that stops sign changes at 0.
// Once the pieces of every projection and the signs of y are right the step is exact, so the iteration ends
// at rounding level; a proximal-gradient step (guaranteed ascent) backs up a failed search.

namespace {
// Adds J/R_i for one agent's current piece to Q (24 × 24): on each run of hours between tube pins, the free
// hours (strictly inside the box) move together up to their common shift: I − 11ᵀ/|F| when the run ends
// at a pin (its sum is fixed), I when it runs to hour 24 unpinned.
void AddProjectionJacobian(const double *x, const double *w, double inv_r, double *Q) {
  int free[kT], nf = 0;
  for (int k = 0; k < kT; ++k) {
    if (std::fabs(x[k]) < kPevRate) free[nf++] = k;
    const bool pinned = (k + 1 < kT ? w[k + 1] : 0.0) != w[k];
    if (!pinned && k + 1 < kT) continue;
    for (int a = 0; a < nf; ++a) Q[free[a] * kT + free[a]] += inv_r;
    if (pinned && nf > 0) {
      const double c = inv_r / nf;
      for (int a = 0; a < nf; ++a)
        for (int b = 0; b < nf; ++b) Q[free[a] * kT + free[b]] -= c;
    }
    nf = 0;
  }
}

// Cholesky solve of the n × n SPD system M d = rhs (M overwritten). False if a pivot is not positive.
bool CholeskySolve(double *M, int n, double *rhs) {
  for (int j = 0; j < n; ++j) {
    double s = M[j * n + j];
    for (int k = 0; k < j; ++k) s -= M[j * n + k] * M[j * n + k];
    if (!(s > 0)) return false;
    const double piv = std::sqrt(s);
    M[j * n + j] = piv;
    for (int i = j + 1; i < n; ++i) {
      double t = M[i * n + j];
      for (int k = 0; k < j; ++k) t -= M[i * n + k] * M[j * n + k];
      M[i * n + j] = t / piv;
    }
  }
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < i; ++k) rhs[i] -= M[i * n + k] * rhs[k];
    rhs[i] /= M[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    for (int k = i + 1; k < n; ++k) rhs[i] -= M[k * n + i] * rhs[k];
    rhs[i] /= M[i * n + i];
  }
  return true;
}

// All agents' best responses to the net price y: x, shifts w and the hourly totals X (with Σ|x| in Xabs).
void Respond(int n, const double *C, const double *R, const double *y, double *x, double *w, double *X,
             double *Xabs) {
  std::fill(X, X + kT, 0.0);
  std::fill(Xabs, Xabs + kT, 0.0);
  double z[kT];
  for (int i = 0; i < n; ++i) {
    const double *ci = C + static_cast<std::size_t>(i) * kT;
    double *xi = x + static_cast<std::size_t>(i) * kT;
    for (int k = 0; k < kT; ++k) z[k] = -(ci[k] + y[k]) / R[i];
    ProjectShift(z, xi, w + static_cast<std::size_t>(i) * kT);
    for (int k = 0; k < kT; ++k) X[k] += xi[k], Xabs[k] += std::fabs(xi[k]);
  }
}
}  // namespace

PevOracleResult PevOracle(int n_agents, std::span<const double> C, std::span<const double> R, std::span<double> x,
                          std::span<double> lambda, std::span<double> lambda_local) {
  constexpr int kMaxNewton = 200, kMaxHalvings = 60;
  constexpr double kStop = 1e-12, kArmijo = 1e-4, kEpsBar = 1e-3, kRound = 1e-14;
  const int n = n_agents;
  const double B = kPevShare * n;
  const std::size_t nk = static_cast<std::size_t>(n) * kT;
  std::vector<double> w(nk), xt(nk), wt(nk);
  double L = 0;
  for (int i = 0; i < n; ++i) L += 1.0 / R[i];
  double y[kT] = {}, yt[kT], X[kT], Xabs[kT], Xt[kT], Xtabs[kT], p[kT], dir[kT], Q[kT * kT], M[kT * kT], rhs[kT];
  int sigma[kT], freeidx[kT];
  bool fixed[kT];
  Respond(n, C.data(), R.data(), y, x.data(), w.data(), X, Xabs);

  PevOracleResult res;
  for (;;) {
    // Minimum-norm ascent direction of D (the pseudo-gradient); zero exactly at the optimum.
    double worst = 0;
    for (int k = 0; k < kT; ++k) {
      if (y[k] > 0) p[k] = X[k] - B;
      else if (y[k] < 0) p[k] = X[k] + B;
      else p[k] = X[k] > B ? X[k] - B : (X[k] < -B ? X[k] + B : 0.0);
      worst = std::max(worst, std::fabs(p[k]) / std::max(1.0, Xabs[k] + B));
    }
    if (worst <= kStop) break;
    if (res.iterations == kMaxNewton) {
      res.status = qp::Status::iteration_limit;
      break;
    }
    ++res.iterations;
    // ε-active set: coordinates at 0 that stay there, and those within ε of 0 heading for it (moved to 0).
    double eps = 0;
    for (int k = 0; k < kT; ++k) {
      const double v = y[k] + X[k] / L, prox = std::copysign(std::max(0.0, std::fabs(v) - B / L), v);
      eps = std::max(eps, std::fabs(prox - y[k]));
    }
    eps = std::min(eps, kEpsBar);
    int nf = 0;
    for (int k = 0; k < kT; ++k) {
      sigma[k] = y[k] > 0 ? 1 : (y[k] < 0 ? -1 : (p[k] > 0 ? 1 : (p[k] < 0 ? -1 : 0)));
      fixed[k] = sigma[k] == 0 || (std::fabs(y[k]) <= eps && p[k] * y[k] < 0);
      dir[k] = fixed[k] ? -y[k] : 0.0;
      if (!fixed[k]) freeidx[nf++] = k;
    }
    // Newton on the free coordinates: X_F(y + d) ≈ X_F − (Q d)_F = σ_F B, Q = Σ_i J_i/R_i (PSD), with a
    // 1e-10 relative diagonal shift for hours no agent can move (Q_kk = 0).
    std::fill(Q, Q + kT * kT, 0.0);
    for (int i = 0; i < n; ++i)
      AddProjectionJacobian(x.data() + static_cast<std::size_t>(i) * kT, w.data() + static_cast<std::size_t>(i) * kT,
                            1.0 / R[i], Q);
    double qmax = 0;
    for (int k = 0; k < kT; ++k) qmax = std::max(qmax, Q[k * kT + k]);
    const double shift = 1e-10 * std::max(1.0, qmax);
    auto NewtonFree = [&](bool cross) {
      for (int a = 0; a < nf; ++a) {
        const int ka = freeidx[a];
        rhs[a] = p[ka];
        if (cross)
          for (int k = 0; k < kT; ++k)
            if (fixed[k]) rhs[a] -= Q[ka * kT + k] * dir[k];
        for (int b = 0; b < nf; ++b) M[a * nf + b] = Q[ka * kT + freeidx[b]] + (a == b ? shift : 0.0);
      }
      // Q is PSD and the shift keeps pivots near 1e-10 qmax or above; should rounding still break the
      // factorization, a gradient step keeps the iteration going instead of producing NaNs.
      if (!CholeskySolve(M, nf, rhs))
        for (int a = 0; a < nf; ++a) rhs[a] = p[freeidx[a]] / L;
      double slope = 0;
      for (int a = 0; a < nf; ++a) dir[freeidx[a]] = rhs[a], slope += p[freeidx[a]] * rhs[a];
      return slope;
    };
    double slope_free = NewtonFree(true);
    if (!(slope_free > 0)) slope_free = NewtonFree(false);  // drop the fixed coordinates' coupling
    // Armijo along the projection arc, with ΔD summed from differences (no cancellation of D itself) and
    // accepted up to its rounding error.
    bool accepted = false;
    double t = 1;
    for (int halving = 0; halving <= kMaxHalvings && !accepted; ++halving, t *= 0.5) {
      double pred = t * slope_free;
      for (int k = 0; k < kT; ++k) {
        yt[k] = y[k] + t * dir[k];
        if (sigma[k] != 0 && sigma[k] * yt[k] < 0) yt[k] = 0;
        if (fixed[k]) pred += p[k] * (yt[k] - y[k]);
      }
      Respond(n, C.data(), R.data(), yt, xt.data(), wt.data(), Xt, Xtabs);
      double dD = 0, err = 0;
      for (int i = 0; i < n; ++i) {
        const std::size_t o = static_cast<std::size_t>(i) * kT;
        for (int k = 0; k < kT; ++k) {
          const double term = (C[o + k] + yt[k] + 0.5 * R[i] * (xt[o + k] + x[o + k])) * (xt[o + k] - x[o + k]);
          dD += term, err += std::fabs(term);
        }
      }
      for (int k = 0; k < kT; ++k) {
        const double term = (yt[k] - y[k]) * X[k] - B * (std::fabs(yt[k]) - std::fabs(y[k]));
        dD += term, err += std::fabs((yt[k] - y[k]) * X[k]) + B * (std::fabs(yt[k]) + std::fabs(y[k]));
      }
      accepted = dD >= kArmijo * pred - kRound * err;
    }
    if (!accepted) {
      // Proximal gradient with step 1/L: D increases by at least (L/2)||Δy||².
      for (int k = 0; k < kT; ++k) {
        const double v = y[k] + X[k] / L;
        yt[k] = std::copysign(std::max(0.0, std::fabs(v) - B / L), v);
      }
      Respond(n, C.data(), R.data(), yt, xt.data(), wt.data(), Xt, Xtabs);
    }
    std::copy(yt, yt + kT, y);
    std::copy(Xt, Xt + kT, X);
    std::copy(Xtabs, Xtabs + kT, Xabs);
    std::copy(xt.begin(), xt.end(), x.begin());
    w.swap(wt);
  }

  for (int k = 0; k < kT; ++k) lambda[k] = std::max(0.0, y[k]), lambda[kT + k] = std::max(0.0, -y[k]);
  std::vector<double> local(lambda_local.empty() ? static_cast<std::size_t>(n) * kPevRows : 0);
  std::span<double> ll = lambda_local.empty() ? std::span<double>(local) : lambda_local;
  double z[kT];
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < kT; ++k) z[k] = -(C[static_cast<std::size_t>(i) * kT + k] + y[k]) / R[i];
    ShiftMultipliers(z, w.data() + static_cast<std::size_t>(i) * kT, R[i],
                     ll.data() + static_cast<std::size_t>(i) * kPevRows);
  }
  res.kkt = PevKktResidual(n, C, R, x, lambda, ll);
  return res;
}

double PevKktResidual(int n_agents, std::span<const double> C, std::span<const double> R, std::span<const double> x,
                      std::span<const double> lambda, std::span<const double> lambda_local) {
  const double B = kPevShare * n_agents;
  double res = 0;
  // One row: value a_rᵀx − b_r, magnitude Σ|a_rj x_j| + |b_r|, multiplier l.
  auto Row = [&](double s, double scale, double l) {
    res = std::max({res, std::max(0.0, s) / std::max(1.0, scale), std::max(0.0, -l),
                    std::fabs(l * s) / std::max(1.0, std::fabs(l) * scale)});
  };
  double X[kT] = {}, Xabs[kT] = {};
  for (int i = 0; i < n_agents; ++i) {
    const std::size_t o = static_cast<std::size_t>(i) * kT;
    const double *xi = x.data() + o, *li = lambda_local.data() + static_cast<std::size_t>(i) * kPevRows;
    double S = 0, Sabs = 0;
    for (int k = 0; k < kT; ++k) {
      S += xi[k], Sabs += std::fabs(xi[k]);
      X[k] += xi[k], Xabs[k] += std::fabs(xi[k]);
      Row(xi[k] - kPevRate, std::fabs(xi[k]) + kPevRate, li[k]);
      Row(-xi[k] - kPevRate, std::fabs(xi[k]) + kPevRate, li[kT + k]);
      Row(S - kPevCapacity, Sabs + kPevCapacity, li[2 * kT + k]);
      Row(TubeLower(k) - S, Sabs + TubeLower(k), li[3 * kT + k]);
    }
    // Stationarity of x_ik: the tube rows of hours m ≥ k contain x_ik, so their multipliers enter as suffix sums.
    double tube = 0, tube_abs = 0;
    for (int k = kT - 1; k >= 0; --k) {
      tube += li[2 * kT + k] - li[3 * kT + k], tube_abs += std::fabs(li[2 * kT + k]) + std::fabs(li[3 * kT + k]);
      const double rx = R[i] * xi[k];
      const double g = rx + C[o + k] + lambda[k] - lambda[kT + k] + li[k] - li[kT + k] + tube;
      const double gs = std::fabs(rx) + std::fabs(C[o + k]) + std::fabs(lambda[k]) + std::fabs(lambda[kT + k]) +
                        std::fabs(li[k]) + std::fabs(li[kT + k]) + tube_abs;
      res = std::max(res, std::fabs(g) / std::max(1.0, gs));
    }
  }
  for (int k = 0; k < kT; ++k) {
    Row(X[k] - B, Xabs[k] + B, lambda[k]);
    Row(-X[k] - B, Xabs[k] + B, lambda[kT + k]);
  }
  return res;
}

}  // namespace dodge::problems
