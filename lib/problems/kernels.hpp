// Per-agent kernels of the scalar problem families (d_i = 1, m = 1) and the one list of their kernel types.
// Kernels are pure: no MPI, PETSc objects, allocation or I/O. An algorithm visits the variant once per step
// and runs its agent loop templated on the concrete kernel, so no virtual call happens per agent.
#pragma once
#include <algorithm>
#include <cstdint>
#include <variant>

namespace dodge::problems {

inline double clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }

// dispatch (algorithms.md §2.1), per unit: f = a x² + (b − π) x + c, g = d − x, X = [0, h].
namespace dispatch {
inline double f(double a, double b, double c, double pi, double x) { return a * x * x + (b - pi) * x + c; }
inline double grad(double a, double b, double pi, double x) { return 2.0 * a * x + b - pi; }
inline double g(double d, double x) { return d - x; }
// Best response x(ν) = argmin_{x∈[0,h]} f(x) + ν g(x).
inline double response(double a, double b, double h, double pi, double nu) {
  return clip((pi - b + nu) / (2.0 * a), 0.0, h);
}
// d/dν g(x(ν)): −1/(2a) strictly inside the box, 0 at a bound (kinks included).
inline double slope(double a, double b, double h, double pi, double nu) {
  const double u = (pi - b + nu) / (2.0 * a);
  return (u > 0.0 && u < h) ? -1.0 / (2.0 * a) : 0.0;
}
}  // namespace dispatch

// dispatch with time-invariant coefficients and uniform shares (the AEMO scenario): the step only changes
// the scalars π̃_t and d̃_t, so the hot loop reads three coefficients and the capacity per agent.
struct DispatchKernel {
  const double *a, *b, *c, *h;  // local arrays
  const double *inv2a;          // 1/(2a_i): the oracle's many best responses multiply instead of divide
  double pi = 0;                // π̃_t
  double d = 0;                 // d̃_{i,t} = D̃_t s_i, s_i = 1/N

  double f(std::int64_t i, double x) const { return dispatch::f(a[i], b[i], c[i], pi, x); }
  double grad(std::int64_t i, double x) const { return dispatch::grad(a[i], b[i], pi, x); }
  double g(std::int64_t i, double x) const { return dispatch::g(d, x); }
  double jac(std::int64_t, double) const { return -1.0; }
  double project(std::int64_t i, double x) const { return clip(x, 0.0, h[i]); }
  double lo(std::int64_t) const { return 0.0; }
  double hi(std::int64_t i) const { return h[i]; }
  double rho(std::int64_t) const { return 1.0; }
  double range(std::int64_t i) const { return h[i]; }
  // Best response and slope with the precomputed 1/(2a): equal to dispatch::response to rounding.
  double response(std::int64_t i, double nu) const { return clip((pi - b[i] + nu) * inv2a[i], 0.0, h[i]); }
  double slope(std::int64_t i, double nu) const {
    const double u = (pi - b[i] + nu) * inv2a[i];
    return (u > 0.0 && u < h[i]) ? -inv2a[i] : 0.0;
  }
  // Upper bracket of the oracle's multiplier for this agent: all agents at capacity (algorithms.md §6).
  double bracket_hi(std::int64_t i) const { return 2.0 * a[i] * h[i] + b[i] - pi; }
};

// dispatch with per-agent, per-step coefficients (the synthetic microgrid of §2.3): the problem fills the
// step's arrays before the algorithm runs; p is folded into b (b_t − p_t).
struct DispatchTvKernel {
  const double *a, *bp, *c, *d, *h;  // a_{i,t}, b_{i,t} − p_{i,t}, c_{i,t}, d_{i,t}, h_i

  double f(std::int64_t i, double x) const { return dispatch::f(a[i], bp[i], c[i], 0.0, x); }
  double grad(std::int64_t i, double x) const { return dispatch::grad(a[i], bp[i], 0.0, x); }
  double g(std::int64_t i, double x) const { return dispatch::g(d[i], x); }
  double jac(std::int64_t, double) const { return -1.0; }
  double project(std::int64_t i, double x) const { return clip(x, 0.0, h[i]); }
  double lo(std::int64_t) const { return 0.0; }
  double hi(std::int64_t i) const { return h[i]; }
  double rho(std::int64_t) const { return 1.0; }
  double range(std::int64_t i) const { return h[i]; }
  double response(std::int64_t i, double nu) const { return dispatch::response(a[i], bp[i], h[i], 0.0, nu); }
  double slope(std::int64_t i, double nu) const { return dispatch::slope(a[i], bp[i], h[i], 0.0, nu); }
  double bracket_hi(std::int64_t i) const { return 2.0 * a[i] * h[i] + bp[i]; }
};

// The registry of scalar kernel types: a new scalar family adds its kernel here (one line).
using ScalarKernel = std::variant<DispatchKernel, DispatchTvKernel>;

}  // namespace dodge::problems
