// Per-agent kernels of the scalar problem families (d_i = 1, m = 1) and the one list of their kernel types.
// Kernels are pure: no MPI, PETSc objects, allocation or I/O. An algorithm visits the variant once per step
// and runs its agent loop templated on the concrete kernel, so no virtual call happens per agent.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <variant>

#include "problems/dual_table.hpp"
#include "problems/gridcell_family.hpp"

namespace dodge::problems {

inline double clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }

// What the coordinator algorithms (coa, doa, dpa; algorithms.md §9) need from a family beyond the per-agent
// kernel: every scalar kernel answers coordinator(n) for its step, n the number of agents. Optional members a
// kernel may add: proximal_free() (the kernel dpa's agents answer with, §9; default: the kernel itself) and
// constraint_sum(nloc, mu) (a faster Σ_i g_i(x_i(μ)) over the local agents; default: the loop over g and
// response).
struct CoordinatorModel {
  double dual_scale = 1;       // Z of (21)
  double messaged = 0;         // agents the coordinator exchanges with per broadcast
  double uplink_doubles = 0;   // doubles each of them sends up to coa's coordinator
  bool restart = false;        // the step restarts the state: λ^0 is redrawn, no warm start
  double delta_default = 0.15, eps_default = 0.2;  // δ and ε when -doa_delta / -doa_eps are not given
};

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
  // The local agents' dual as a piecewise-linear function of π̃_t + μ (problems/dual_table.hpp), or null: the
  // oracle then evaluates h(μ) and its slope in O(log n) instead of a pass over the agents.
  const DualTable *table = nullptr;

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
  // Z = n per capita; each agent sends ã, b̃ − π̃, d̃, h̃ up to coa's coordinator.
  CoordinatorModel coordinator(std::int64_t n) const {
    return {static_cast<double>(n), static_cast<double>(n), 4.0, false, 0.15, 0.2};
  }
  // sup_{x∈X_i} |∇f| + |J| at this step (li2022's G, §8.2): f' is monotone, so the sup sits at an endpoint.
  double grad_bound(std::int64_t i) const { return std::max(std::fabs(grad(i, 0.0)), std::fabs(grad(i, h[i]))) + 1.0; }
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
  CoordinatorModel coordinator(std::int64_t n) const {
    return {static_cast<double>(n), static_cast<double>(n), 4.0, false, 0.15, 0.2};
  }
  double grad_bound(std::int64_t i) const { return std::max(std::fabs(grad(i, 0.0)), std::fabs(grad(i, h[i]))) + 1.0; }
};

// demand (algorithms.md §3): users (local index != prov) with p ∈ [p_min, p_max] and the provider with
// g ∈ [0, g_max]; the coupled constraint Σ_users p − g ≤ 0.
namespace demand {
// U(p, ω) = ω p − p²/8 below p = 4ω and 2ω² beyond (17, continuous at 4ω); U' = ω − p/4 below, 0 beyond.
inline double utility(double p, double w) { return p <= 4.0 * w ? w * p - 0.125 * p * p : 2.0 * w * w; }
inline double dutility(double p, double w) { return p < 4.0 * w ? w - 0.25 * p : 0.0; }
// Unclipped best response argmax_p U(p,ω) − (α/2)(p − p̂)² − μ p and its derivative in μ (§3.3);
// inv_alpha = 1/α (unused when α = 0), r4 = 4/(1 + 4α).
inline double user_unclipped(double w, double phat, double mu, double alpha, double inv_alpha, double r4,
                             double *dpdmu) {
  if (alpha > 0.0 && phat - mu * inv_alpha > 4.0 * w) {
    *dpdmu = -inv_alpha;
    return phat - mu * inv_alpha;
  }
  *dpdmu = -r4;
  return r4 * (w - mu + alpha * phat);
}
}  // namespace demand

struct DemandKernel {
  const double *omega = nullptr;  // ω_i(t) of the local users (the provider's entry is unused)
  const double *phat = nullptr;   // p̂_i(t−1)
  const double *d = nullptr;      // d_i(t): the actual-trace demand (offline's start point)
  std::int64_t prov = -1;         // local index of the provider (gid N), −1 when another rank owns it
  double alpha = 1, inv_alpha = 1, r4 = 0.8;  // α, 1/α, 4/(1+4α) (set with set_alpha)
  double pmin = 1, pmax = 3, gmax = 0;
  double ca = 0.05, cb = 0, cc = 0;  // cost c1(x) = a x² + b x + c per capita (or C itself when cN = 1)
  double cN = 1;                     // C(g) = cN c1(g/cN): N for per_capita, 1 for literal
  double pk = 0;                     // cN/(2a): the provider's response slope in μ
  double rho_provider = 1;           // ρ_N (provider_step_scale)
  double users = 0;                  // N
  double Z = 1;                      // dual-step scale of the coordinator algorithms (§9)
  double delta_default = 0.15, eps_default = 0.2;  // the preset's δ and ε (§3.2)
  bool restart = false;    // t starts a run or a day whose state restarts (s-DOA): λ^0 is redrawn
  bool aggregate = false;  // Prob-OFF variance_mode aggregate (offline and the optimality gap)

  void set_alpha(double a) {
    alpha = a, inv_alpha = a > 0 ? 1.0 / a : 0.0, r4 = 4.0 / (1.0 + 4.0 * a);
  }
  double cost(double g) const { return ca * g * g / cN + cb * g + cN * cc; }
  double dcost(double g) const { return 2.0 * ca * g / cN + cb; }
  double user_response(std::int64_t i, double mu) const {
    double s;
    return clip(demand::user_unclipped(omega[i], phat[i], mu, alpha, inv_alpha, r4, &s), pmin, pmax);
  }

  double f(std::int64_t i, double x) const {
    if (i == prov) return cost(x);
    const double dx = x - phat[i];
    return -demand::utility(x, omega[i]) + 0.5 * alpha * dx * dx;
  }
  double grad(std::int64_t i, double x) const {
    return i == prov ? dcost(x) : -demand::dutility(x, omega[i]) + alpha * (x - phat[i]);
  }
  double g(std::int64_t i, double x) const { return i == prov ? -x : x; }
  double jac(std::int64_t i, double) const { return i == prov ? -1.0 : 1.0; }
  double lo(std::int64_t i) const { return i == prov ? 0.0 : pmin; }
  double hi(std::int64_t i) const { return i == prov ? gmax : pmax; }
  double project(std::int64_t i, double x) const { return clip(x, lo(i), hi(i)); }
  double rho(std::int64_t i) const { return i == prov ? rho_provider : 1.0; }
  double range(std::int64_t i) const { return i == prov ? gmax : pmax - pmin; }
  double response(std::int64_t i, double mu) const {
    return i == prov ? clip(pk * (mu - cb), 0.0, gmax) : user_response(i, mu);
  }
  double slope(std::int64_t i, double mu) const {
    if (i == prov) {
      const double u = pk * (mu - cb);
      return (u > 0.0 && u < gmax) ? -pk : 0.0;
    }
    double s;
    const double u = demand::user_unclipped(omega[i], phat[i], mu, alpha, inv_alpha, r4, &s);
    return (u > pmin && u < pmax) ? s : 0.0;
  }
  // Users sit at p_min above ω + α p̂, the provider at g_max above C'(g_max) (§6).
  double bracket_hi(std::int64_t i) const { return i == prov ? dcost(gmax) : omega[i] + alpha * phat[i]; }
  // §8.2: users the corner values over p, p̂ ∈ {p_min, p_max}, plus 1; the provider C'(g_max) + 1.
  double grad_bound(std::int64_t i) const {
    if (i == prov) return std::fabs(dcost(gmax)) + 1.0;
    double m = 0;
    for (double p : {pmin, pmax})
      for (double ph : {pmin, pmax}) m = std::max(m, std::fabs(-demand::dutility(p, omega[i]) + alpha * (p - ph)));
    return m + 1.0;
  }
  // §9: the provider is the coordinator itself, so it messages the N users, each sending ω_i(t), p̂_i(t−1).
  CoordinatorModel coordinator(std::int64_t) const { return {Z, users, 2.0, restart, delta_default, eps_default}; }
  // dpa's users answer without the proximal term (α = 0).
  DemandKernel proximal_free() const {
    DemandKernel r = *this;
    r.set_alpha(0.0);
    return r;
  }
  // Σ_i g_i(x_i(μ)): users first in a branch-light loop the compiler can vectorize; the provider (last local
  // agent of the last rank) apart.
  double constraint_sum(std::int64_t nloc, double mu) const {
    double s = 0;
    const std::int64_t nu = prov >= 0 ? prov : nloc;
    const double *__restrict w = omega, *__restrict ph = phat;
    const double a = alpha, ia = inv_alpha, lo = pmin, hi = pmax, r = r4;
    const bool prox = a > 0.0;
    for (std::int64_t i = 0; i < nu; ++i) {
      const double sat = ph[i] - mu * ia;
      const double low = r * (w[i] - mu + a * ph[i]);
      const double p = (prox && sat > 4.0 * w[i]) ? sat : low;
      s += std::min(std::max(p, lo), hi);
    }
    if (prov >= 0) s += g(prov, response(prov, mu));
    return s;
  }
};

// gridcell as a scalar family (docs/gridcell.md §16.6): x_i = e_i, the net pool purchase [kW]; f = C^U_w(n̂_i − e)
// + (c_f/2)e², g = e, X_i = [−ē, ē]. The algorithms decide on the declared positions n̂ (forecasts); the metrics
// and the oracle evaluate metric_view(), whose positions are the realized n_i = ℓ_i − pv_i + b^r_i
// (-gridcell_oracle realized, the default) or n̂ again (forecast).
struct GridcellKernel {
  const double *n = nullptr;         // n̂_i(t) of the local homes (the decisions' surrogate)
  const double *n_metric = nullptr;  // the positions of the metrics' f (realized n_i or n̂_i)
  gridcell_opt::Params p;
  double homes = 0;                  // N
  // The oracle's exact sums (oracle/oracle.hpp, ExactDual): values on the grid 1/exact_scale, chosen by the
  // family so that N·max(ē, 1/c_f)·exact_scale < 2^62 (2^40 for N = 100 and the defaults).
  double exact_scale = 1099511627776.0;

  double f(std::int64_t i, double x) const { return gridcell_opt::f(p, n[i], x); }
  double grad(std::int64_t i, double x) const { return gridcell_opt::grad(p, n[i], x); }
  double g(std::int64_t, double x) const { return x; }
  double jac(std::int64_t, double) const { return 1.0; }
  double project(std::int64_t, double x) const { return clip(x, -p.emax, p.emax); }
  double lo(std::int64_t) const { return -p.emax; }
  double hi(std::int64_t) const { return p.emax; }
  double rho(std::int64_t) const { return 1.0; }
  double range(std::int64_t) const { return 2.0 * p.emax; }
  double response(std::int64_t i, double mu) const { return gridcell_opt::response(p, n[i], mu); }
  double slope(std::int64_t i, double mu) const { return gridcell_opt::slope(p, n[i], mu); }
  // Every e_i(λ_b) ≤ 0 (§16.6): the oracle's multiplier lies below λ_b.
  double bracket_hi(std::int64_t) const { return p.lb; }
  // §8.2: ∇f is monotone, so its sup over X_i sits at an endpoint; |J| = 1.
  double grad_bound(std::int64_t i) const {
    return std::max(std::fabs(grad(i, -p.emax)), std::fabs(grad(i, p.emax))) + 1.0;
  }
  // Z = N as dispatch; each home sends n̂_i up to coa's coordinator.
  CoordinatorModel coordinator(std::int64_t nn) const {
    return {static_cast<double>(nn), static_cast<double>(nn), 1.0, false, 0.15, 0.2};
  }
  GridcellKernel metric_view() const {
    GridcellKernel r = *this;
    if (n_metric) r.n = n_metric;
    return r;
  }
};

// The registry of scalar kernel types: a new scalar family adds its kernel here (one line).
using ScalarKernel = std::variant<DispatchKernel, DispatchTvKernel, DemandKernel, GridcellKernel>;

}  // namespace dodge::problems
