// gridcell as a scalar family (docs/gridcell.md §16.6, the §0.5 interface with m = 1): each home decides its net
// pool purchase e_i [kW]; its battery follows the rule b^r_i, so the declared position n̂_i = q̂_i + b^r_i is known
// at E1. Pure closed forms (no MPI, no allocation): the Huber-smoothed utility rate C^U_w, the surrogate
// f_{i,t}(e) = C^U_w(n̂_i − e) + (c_f/2) e², its gradient, the best response e_i(μ) = argmin_{|e|≤ē} f + μ e and
// its slope de_i/dμ. The kernel (problems/kernels.hpp, GridcellKernel) and the unit tests call these.
#pragma once
#include <algorithm>
#include <cmath>

namespace dodge::problems::gridcell_opt {

// The family's constants (-gridcell_opt c_f,w_s,ē) and the step's tariff.
struct Params {
  double cf = 0.1;    // c_f [$/kWh per kW]: the trade friction that makes e(μ) single-valued
  double ws = 1.0;    // w_s [kW]: Huber width of the smoothed hinge
  double emax = 10;   // ē [kW]: X_i = [−ē, ē]
  double ls = 0.05;   // λ_s(t) [$/kWh]
  double lb = 0.25;   // λ_b(t) [$/kWh]
};

inline double clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }

// hub(x) = 0 (x ≤ 0), x²/(2w_s) (0 < x < w_s), x − w_s/2 (x ≥ w_s).
inline double hub(double x, double ws) {
  if (x <= 0.0) return 0.0;
  if (x < ws) return 0.5 * x * x / ws;
  return x - 0.5 * ws;
}
// C^U_w(x) = λ_s x + Λ hub(x), Λ = λ_b − λ_s [$/h].
inline double utility_smooth(const Params &p, double x) { return p.ls * x + (p.lb - p.ls) * hub(x, p.ws); }
// The exact C^U(x) = λ_b [x]_+ − λ_s [−x]_+ (bills).
inline double utility_exact(const Params &p, double x) { return x > 0.0 ? p.lb * x : p.ls * x; }

inline double f(const Params &p, double nhat, double e) { return utility_smooth(p, nhat - e) + 0.5 * p.cf * e * e; }
// ∇f(e) = −λ_s − Λ clip((n̂ − e)/w_s, 0, 1) + c_f e.
inline double grad(const Params &p, double nhat, double e) {
  return -p.ls - (p.lb - p.ls) * clip((nhat - e) / p.ws, 0.0, 1.0) + p.cf * e;
}

// The unclipped minimiser ẽ of f(e) + μe over the reals and its slope dẽ/dμ (the three cases of §16.6).
inline double response_unclipped(const Params &p, double nhat, double mu, double *slope) {
  const double L = p.lb - p.ls;
  if (p.cf * (nhat - p.ws) + mu - p.lb >= 0.0) {  // residual import n̂ − ẽ ≥ w_s
    *slope = -1.0 / p.cf;
    return (p.lb - mu) / p.cf;
  }
  if (p.cf * nhat + mu - p.ls <= 0.0) {  // residual export n̂ − ẽ ≤ 0
    *slope = -1.0 / p.cf;
    return (p.ls - mu) / p.cf;
  }
  const double c = p.cf + L / p.ws;  // on the quadratic piece 0 < n̂ − ẽ < w_s
  *slope = -1.0 / c;
  return (p.ls - mu + L * nhat / p.ws) / c;
}
// e(μ) = clip(ẽ, −ē, ē).
inline double response(const Params &p, double nhat, double mu) {
  double s;
  return clip(response_unclipped(p, nhat, mu, &s), -p.emax, p.emax);
}
// de/dμ: 0 when clipped (the clip's kinks included), else the case's slope.
inline double slope(const Params &p, double nhat, double mu) {
  double s;
  const double u = response_unclipped(p, nhat, mu, &s);
  return (u > -p.emax && u < p.emax) ? s : 0.0;
}

}  // namespace dodge::problems::gridcell_opt
