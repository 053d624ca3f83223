// Power routing of the gridcell family (docs/gridcell.md §16.7, module 4): a quasi-static common-bus DC cell,
// every converter (homes and the PCC) a droop source around its scheduled injection behind its feeder, with the
// event-triggered distributed secondary control of Nasirian et al. (IEEE TPEL 30(4), 2015) in the discrete form
// of §16.7: a dynamic average consensus voltage observer with §13.1's sum-preserving held-copy mixing, and a
// current-sharing correction, for K inner iterations per step on H(t) = G(t) plus the PCC's d_p edges.
//
// The pure per-node kernels are here (tests/unit/test_gridcell_routing.cpp); the orchestration (exchanges,
// the one ExactSum per inner iteration, the PCC replicated on every rank, metrics, checkpoint) is Router in
// gridcell_routing.cpp. Routing feeds nothing back into bills, SoC or learning [chosen, §16.7].
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::comm {
class Exchange;
}
namespace dodge::graph {
class LocalGraphs;
}
namespace dodge::io {
class Recorder;
class Reader;
}

namespace dodge::problems::gridcell {

// -gridcell_route* (§16.11).
struct RouteParams {
  bool on = false;        // -gridcell_route (default false: see docs/gridcell.md)
  bool realized = false;  // -gridcell_route_mode scheduled|realized
  bool periodic = false;  // -gridcell_route_comm triggered|periodic (periodic: every copy sent every iteration)
  std::int64_t K = 20;    // -gridcell_route_iters
  // -gridcell_route_electrical: V*, droop fraction, home rating [kW], PCC rating per home [kW], R_i range [Ohm],
  // PCC drop at rated current [V].
  double Vs = 380, droop = 0.02, home_kw = 10, pcc_kw = 3, r_lo = 0.03, r_hi = 0.10, pcc_drop = 1.5;
  std::int64_t dp = 8;                 // -gridcell_route_pcc_links (min(d_p, N) are used)
  double kv = 0.2, kc = 2, zlim = 0.1;  // -gridcell_route_gains: k_v, k_c [V], zeta limit (fraction of V*)
  double c0 = 1e-3, c1 = 0, rho = 0.05;  // -gridcell_route_trigger: c0_r, c1_r, varrho_r
};

// One converter's constants: feeder R, droop r^d, rating I^rat, g = 1/(r^d + R).
struct Converter {
  double rf = 0, rd = 0, irat = 0, g = 0;
};
inline Converter HomeConverter(const RouteParams &p, double rf) {
  Converter c;
  c.rf = rf, c.irat = 1000.0 * p.home_kw / p.Vs, c.rd = p.droop * p.Vs / c.irat, c.g = 1.0 / (c.rd + c.rf);
  return c;
}
inline Converter PccConverter(const RouteParams &p, std::int64_t homes) {
  Converter c;
  c.irat = 1000.0 * static_cast<double>(homes) * p.pcc_kw / p.Vs, c.rd = p.droop * p.Vs / c.irat;
  c.rf = p.pcc_drop / c.irat, c.g = 1.0 / (c.rd + c.rf);
  return c;
}

// The controller state of one node: zeta, the observer v̄, the last v, its last-sent copy (ṽ, ι̃) and version.
struct NodeState {
  double zeta = 0, vbar = 0, vprev = 0, cv = 0, ci = 0, ver = 0;
};

// R1: the droop source voltage V⁰ = V* + ζ + r^d I^sch.
inline double SourceVoltage(const RouteParams &p, const Converter &c, double zeta, double isch) {
  return p.Vs + zeta + c.rd * isch;
}
// The node's term of the V_b numerator, g (V⁰ − V* − r^d ε) [A].
inline double BusTerm(const RouteParams &p, const Converter &c, double v0, double eps) { return c.g * (v0 - p.Vs - c.rd * eps); }
// R3: converter current I = g (V⁰ − V_b + R ε), terminal voltage v = V⁰ − r^d I, per-unit deviation ι.
inline void Solve(const Converter &c, double v0, double vb, double eps, double isch, double *I, double *v, double *iota) {
  *I = c.g * (v0 - vb + c.rf * eps);
  *v = v0 - c.rd * *I;
  *iota = (*I - isch) / c.irat;
}
// R4 (first: the run's first iteration sets v̄ = v^prev = v) and R5: whether the copy is refreshed and sent.
inline bool ObserveAndTrigger(const RouteParams &p, std::int64_t k, bool first, double v, double iota, NodeState *s) {
  if (first) s->vbar = s->vprev = v;
  else s->vbar += v - s->vprev, s->vprev = v;
  const double thr = p.c0 + p.c1 * std::exp(-p.rho * static_cast<double>(k));
  const bool fire = first || p.periodic || std::max(std::fabs(s->vbar - s->cv) / p.Vs, std::fabs(iota - s->ci)) > thr;
  if (fire) s->cv = s->vbar, s->ci = iota, s->ver += 1;
  return fire;
}
// R6 given the mixed differences dv = Σ_j w_ij (ṽ_j − ṽ_i) and di = Σ_j w_ij (ι̃_j − ι̃_i) (increasing j).
inline void Correct(const RouteParams &p, double dv, double di, NodeState *s) {
  s->vbar += dv;
  const double lim = p.zlim * p.Vs;
  s->zeta = std::clamp(s->zeta + p.kv * (p.Vs - s->vbar) + p.kc * di, -lim, lim);
}
// Metropolis weight of an edge of H(t) between nodes of degrees a and b.
inline double Metropolis(double a, double b) { return 1.0 / (1.0 + std::max(a, b)); }

// Per-step routing metrics (§16.9, after iteration K).
struct RouteMetrics {
  double v_bus = 0, v_err = 0, v_maxdev = 0, iota_star = 0, share_err_max = 0, share_err_rms = 0, sched_err = 0, losses = 0,
         pcc_current = 0, pcc_zeta = 0, msgs = 0, msgs_periodic = 0, kcl = 0, vbar_drift = 0;
};

// The routing module of one run. It reads the homes' union-graph neighbours (CSR by home, increasing gid),
// each graph's row entry → union position, and moves values through the gridcell's exchange on the union
// graph's ghosts.
class Router {
 public:
  RouteParams p;
  // per home: converter, controller state (checkpointed), this step's I^sch, ε, I, v, ι
  std::vector<Converter> conv;
  std::vector<double> zeta, vbar, vprev, cv, ci, ver;
  std::vector<double> seen;  // per union in-edge: the version of the sender's copy last received (−1: none)
  NodeState pcc;             // the PCC's state, replicated on every rank
  Converter pconv;
  std::vector<double> I, v, iota;
  RouteMetrics m;
  std::int64_t dp = 0;  // min(d_p, N)

  // After the union CSR exists: the converters from the feeder resistances, the PCC, Gsum and Σ I^rat. Collective.
  PetscErrorCode Setup(const Block &block, const graph::LocalGraphs *graphs, comm::Exchange *ex, const std::vector<double> &rfeed,
                       const std::vector<std::int64_t> *nbr_ptr, const std::vector<std::int64_t> *nbr_gid,
                       const std::vector<std::vector<std::int32_t>> *upos);
  // The state of a run's start.
  void Reset();
  // Step t (1-based main step): K inner iterations for the declared positions nhat and (realized mode) the
  // metered ones n [kW]. Collective.
  PetscErrorCode Step(std::int64_t t, const double *nhat, const double *n);
  // The checkpoint's seen versions and PCC state (the per-home arrays go through the family's table).
  PetscErrorCode Save(io::Recorder &ck, std::int64_t off_e, std::int64_t ne) const;
  PetscErrorCode Load(io::Reader &ck, const char *file, std::int64_t off_e, std::int64_t ne);

 private:
  Block block_;
  const graph::LocalGraphs *graphs_ = nullptr;
  comm::Exchange *ex_ = nullptr;
  const std::vector<std::int64_t> *nbr_ptr_ = nullptr, *nbr_gid_ = nullptr;
  const std::vector<std::vector<std::int32_t>> *upos_ = nullptr;
  double gsum_ = 0, iratsum_ = 0;
  bool started_ = false;
  // this step's H(t) rows: active home neighbours (extended column, union position, weight), w_ip
  std::vector<std::int64_t> aptr_;
  std::vector<std::int32_t> acol_, au_;
  std::vector<double> aw_, wp_, deg_, deg_ghost_, isch_, eps_, send_, ghost_;
  std::vector<char> fired_;
};

}  // namespace dodge::problems::gridcell
