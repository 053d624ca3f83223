// Router: module 4 of the gridcell family (docs/gridcell.md §16.7). Per step, K inner iterations of R1-R6 on
// H(t), the active edges of G(t) among the homes plus the PCC's edges {p, j}, j < d_p (never failing), with
// Metropolis weights on H(t). Determinism (§16.10): every home's arithmetic reads only its own values, its
// neighbours' exchanged copies (exact), integer degrees and exact int64 sums, so ζ, v̄, v and ι are bitwise
// identical on any rank count. The PCC is replicated on every rank: its inputs are the exact V_b sum and the
// copies of homes 0..d_p−1, which ride in the same int64 reduction as bit patterns (one non-zero term per slot,
// so the sum is that term exactly). Its R6 of iteration k is therefore applied at the start of iteration k + 1
// (before its R1), and that of the last iteration in the step's metrics reduction: one reduction per inner
// iteration and one per step.
#include "problems/gridcell_routing.hpp"

#include <bit>
#include <cstdio>

#include "comm/collectives.hpp"
#include "comm/exchange.hpp"
#include "graph/graph.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "problems/gridcell_model.hpp"

namespace dodge::problems::gridcell {

namespace {
std::int64_t Bits(double x) { return std::bit_cast<std::int64_t>(x + 0.0); }  // + 0.0: no −0 (rank-count neutral)
double FromBits(std::int64_t b) { return std::bit_cast<double>(b); }
}  // namespace

PetscErrorCode Router::Setup(const Block &block, const graph::LocalGraphs *graphs, comm::Exchange *ex, const std::vector<double> &rfeed,
                             const std::vector<std::int64_t> *nbr_ptr, const std::vector<std::int64_t> *nbr_gid,
                             const std::vector<std::vector<std::int32_t>> *upos) {
  PetscFunctionBeginUser;
  block_ = block, graphs_ = graphs, ex_ = ex, nbr_ptr_ = nbr_ptr, nbr_gid_ = nbr_gid, upos_ = upos;
  const std::int64_t nl = block.local(), N = block.n;
  dp = std::min<std::int64_t>(p.dp, N);
  conv.resize(nl);
  std::int64_t s[2] = {0, 0};
  for (std::int64_t i = 0; i < nl; ++i) {
    conv[i] = HomeConverter(p, rfeed[i]);
    s[0] += GridInt(conv[i].g), s[1] += GridInt(conv[i].irat);
  }
  PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, s, 2));
  pconv = PccConverter(p, N);
  gsum_ = static_cast<double>(s[0] + GridInt(pconv.g)) / kGrid;
  iratsum_ = static_cast<double>(s[1] + GridInt(pconv.irat)) / kGrid;
  for (auto *a : {&I, &v, &iota, &deg_, &isch_, &eps_, &wp_}) a->assign(nl, 0.0);
  send_.assign(3 * nl, 0.0), ghost_.assign(3 * graphs->ghosts.size(), 0.0), deg_ghost_.assign(graphs->ghosts.size(), 0.0);
  fired_.assign(nl, 0);
  Reset();
  PetscFunctionReturn(PETSC_SUCCESS);
}

void Router::Reset() {
  const std::int64_t nl = block_.local();
  for (auto *a : {&zeta, &vbar, &vprev, &cv, &ci, &ver}) a->assign(nl, 0.0);
  seen.assign(nbr_gid_ ? nbr_gid_->size() : 0, -1.0);
  pcc = NodeState{};
  started_ = false;
}

PetscErrorCode Router::Step(std::int64_t t, const double *nhat, const double *n) {
  PetscFunctionBeginUser;
  const std::int64_t nl = block_.local(), N = block_.n, off = block_.start;
  const int B = graphs_->B, b = static_cast<int>(((t - 1) % B + B) % B);
  const graph::Mixing &mg = graphs_->graphs[b];
  const std::vector<std::int32_t> &up = (*upos_)[b];
  // H(t): the active home neighbours of each home, its degree (the PCC edge included), the weights.
  aptr_.assign(1, 0), acol_.clear(), au_.clear();
  for (std::int64_t i = 0; i < nl; ++i) {
    for (std::int64_t e = mg.rowptr[i]; e < mg.rowptr[i + 1]; ++e) {
      if (up[e] < 0 || !(graphs_->link_failure <= 0 || graphs_->edge_up(mg.edge[e], t))) continue;
      acol_.push_back(mg.col[e]), au_.push_back(up[e]);
    }
    aptr_.push_back(static_cast<std::int64_t>(acol_.size()));
    deg_[i] = static_cast<double>(aptr_[i + 1] - aptr_[i]) + (off + i < dp ? 1.0 : 0.0);
  }
  PetscCall(ex_->Begin(deg_, deg_ghost_, 1));
  PetscCall(ex_->End());
  aw_.resize(acol_.size());
  for (std::int64_t i = 0; i < nl; ++i) {
    for (std::int64_t e = aptr_[i]; e < aptr_[i + 1]; ++e) {
      const std::int32_t c = acol_[e];
      aw_[e] = Metropolis(deg_[i], c < nl ? deg_[c] : deg_ghost_[c - nl]);
    }
    wp_[i] = off + i < dp ? Metropolis(deg_[i], static_cast<double>(dp)) : 0.0;
    isch_[i] = -1000.0 * nhat[i] / p.Vs;
    eps_[i] = p.realized ? 1000.0 * (n[i] - nhat[i]) / p.Vs : 0.0;
  }
  // One int64 reduction per iteration: [0] the homes' V_b numerator, [1] Σ I^sch, [2] Σ ε, [3, 3 + d_p) the
  // degrees of homes 0..d_p−1 (k = 0), then their copies (ṽ, ι̃) of iteration k − 1 as bit patterns (k ≥ 1).
  const int nred = static_cast<int>(3 + 3 * dp);
  std::vector<std::int64_t> red(nred);
  std::vector<double> wpj(dp), copies(2 * dp);
  double ipsch = 0, epsum = 0, vb = p.Vs, Ip = 0, vp = 0, iotap = 0;
  double msgs = 0;
  auto pcc_correct = [&]() {
    double dv = 0, di = 0;
    for (std::int64_t j = 0; j < dp; ++j) dv += wpj[j] * (copies[2 * j] - pcc.cv), di += wpj[j] * (copies[2 * j + 1] - pcc.ci);
    Correct(p, dv, di, &pcc);
  };
  for (std::int64_t k = 0; k < p.K; ++k) {
    std::fill(red.begin(), red.end(), 0);
    for (std::int64_t i = 0; i < nl; ++i) red[0] += GridInt(BusTerm(p, conv[i], SourceVoltage(p, conv[i], zeta[i], isch_[i]), eps_[i]));
    if (k == 0) {
      for (std::int64_t i = 0; i < nl; ++i) {
        red[1] += GridInt(isch_[i]), red[2] += GridInt(eps_[i]);
        if (off + i < dp) red[3 + off + i] = static_cast<std::int64_t>(deg_[i]);
      }
    } else {
      for (std::int64_t i = 0; i < nl && off + i < dp; ++i) red[3 + dp + 2 * (off + i)] = Bits(cv[i]), red[4 + dp + 2 * (off + i)] = Bits(ci[i]);
    }
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, red.data(), nred));
    if (k == 0) {
      ipsch = -static_cast<double>(red[1]) / kGrid, epsum = static_cast<double>(red[2]) / kGrid;
      for (std::int64_t j = 0; j < dp; ++j) wpj[j] = Metropolis(static_cast<double>(dp), static_cast<double>(red[3 + j]));
    } else {
      for (std::int64_t j = 0; j < 2 * dp; ++j) copies[j] = FromBits(red[3 + dp + j]);
      pcc_correct();  // the PCC's R6 of iteration k − 1
    }
    // R1-R2: V_b from the exact numerator (the PCC's term added on every rank) and the exact Gsum.
    const double v0p = SourceVoltage(p, pconv, pcc.zeta, ipsch);
    const double num = static_cast<double>(red[0] + GridInt(BusTerm(p, pconv, v0p, 0.0))) / kGrid;
    vb = p.Vs + num / gsum_;
    // R3-R5.
    const bool first = !started_ && k == 0;
    for (std::int64_t i = 0; i < nl; ++i) {
      Solve(conv[i], SourceVoltage(p, conv[i], zeta[i], isch_[i]), vb, eps_[i], isch_[i], &I[i], &v[i], &iota[i]);
      NodeState s{zeta[i], vbar[i], vprev[i], cv[i], ci[i], ver[i]};
      fired_[i] = ObserveAndTrigger(p, k, first, v[i], iota[i], &s);
      vbar[i] = s.vbar, vprev[i] = s.vprev, cv[i] = s.cv, ci[i] = s.ci, ver[i] = s.ver;
      send_[3 * i] = cv[i], send_[3 * i + 1] = ci[i], send_[3 * i + 2] = ver[i];
    }
    Solve(pconv, v0p, vb, 0.0, ipsch, &Ip, &vp, &iotap);
    const bool pfired = ObserveAndTrigger(p, k, first, vp, iotap, &pcc);
    started_ = true;
    // The copies travel on the union graph's ghosts; a message counts where the receiver's version differs.
    PetscCall(ex_->Begin(send_, ghost_, 3));
    PetscCall(ex_->End());
    // R6 (increasing neighbour gid; the PCC, gid N, last).
    for (std::int64_t i = 0; i < nl; ++i) {
      double dv = 0, di = 0;
      for (std::int64_t e = aptr_[i]; e < aptr_[i + 1]; ++e) {
        const std::int32_t c = acol_[e];
        const double *cj = c < nl ? &send_[3 * c] : &ghost_[3 * (c - nl)];
        dv += aw_[e] * (cj[0] - cv[i]), di += aw_[e] * (cj[1] - ci[i]);
        if (seen[au_[e]] != cj[2]) msgs += 1, seen[au_[e]] = cj[2];
      }
      if (off + i < dp) {
        dv += wp_[i] * (pcc.cv - cv[i]), di += wp_[i] * (pcc.ci - ci[i]);
        msgs += (pfired ? 1 : 0) + (fired_[i] ? 1 : 0);  // p -> i and i -> p (the PCC edges never fail)
      }
      NodeState s{zeta[i], vbar[i], vprev[i], cv[i], ci[i], ver[i]};
      Correct(p, dv, di, &s);
      zeta[i] = s.zeta, vbar[i] = s.vbar;
    }
  }
  // The step's metrics (§16.9, after iteration K) and the PCC's last R6 in one reduction.
  const double istar = epsum / iratsum_;
  enum { M_V, M_IE2, M_SCHED, M_LOSS, M_I, M_ABSI, M_VBAR, M_ABSV, M_MSGS, M_DEG, M_NSUM };
  const int nsum = static_cast<int>(M_NSUM + 2 * dp);
  std::vector<double> s(nsum + 2, 0.0);
  for (std::int64_t i = 0; i < nl; ++i) {
    const double de = iota[i] - istar;
    s[M_V] += v[i], s[M_IE2] += de * de, s[M_SCHED] += std::fabs(I[i] - isch_[i] - istar * conv[i].irat);
    s[M_LOSS] += conv[i].rf * (I[i] - eps_[i]) * (I[i] - eps_[i]), s[M_I] += I[i], s[M_ABSI] += std::fabs(I[i]);
    s[M_VBAR] += vbar[i], s[M_ABSV] += std::fabs(v[i]), s[M_DEG] += deg_[i];
    s[nsum] = std::max(s[nsum], std::fabs(v[i] - p.Vs) / p.Vs), s[nsum + 1] = std::max(s[nsum + 1], std::fabs(de));
    if (off + i < dp) s[M_NSUM + 2 * (off + i)] = cv[i] + 0.0, s[M_NSUM + 2 * (off + i) + 1] = ci[i] + 0.0;
  }
  s[M_MSGS] = msgs;
  PetscCall(comm::AllreduceSumMax(PETSC_COMM_WORLD, s.data(), nsum, 2));
  for (std::int64_t j = 0; j < 2 * dp; ++j) copies[j] = s[M_NSUM + j];
  pcc_correct();
  const double nodes = static_cast<double>(N + 1), dpe = iotap - istar;
  m.v_bus = vb, m.iota_star = istar;
  m.v_err = std::fabs((s[M_V] + vp) / nodes - p.Vs);
  m.v_maxdev = std::max(s[nsum], std::fabs(vp - p.Vs) / p.Vs);
  m.share_err_max = std::max(s[nsum + 1], std::fabs(dpe));
  m.share_err_rms = std::sqrt((s[M_IE2] + dpe * dpe) / nodes);
  m.sched_err = s[M_SCHED] / static_cast<double>(N);
  m.losses = s[M_LOSS] + pconv.rf * Ip * Ip;
  m.pcc_current = Ip, m.pcc_zeta = pcc.zeta;
  m.msgs = s[M_MSGS], m.msgs_periodic = static_cast<double>(p.K) * (s[M_DEG] + static_cast<double>(dp));
  const double absi = s[M_ABSI] + std::fabs(Ip);
  m.kcl = absi > 0 ? std::fabs(s[M_I] + Ip - epsum) / absi : 0.0;
  m.vbar_drift = std::fabs(s[M_VBAR] + pcc.vbar - (s[M_V] + vp)) / (s[M_ABSV] + std::fabs(vp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Router::Save(io::Recorder &ck, std::int64_t off_e, std::int64_t ne) const {
  PetscFunctionBeginUser;
  const std::int64_t nloc_e = static_cast<std::int64_t>(seen.size());
  PetscCall(ck.WriteDistributedArray("/state/gridcell_route_seen", ne, off_e, nloc_e, seen.data(), "1",
                                     "routing: version of the neighbour's copy last received, per union-graph in-edge (home, then "
                                     "neighbour gid; -1: none)"));
  PetscCall(ck.WriteDistributedArray("/state/gridcell_route_seen_gid", ne, off_e, nloc_e, nbr_gid_->data(), "1",
                                     "the neighbour of each entry of gridcell_route_seen"));
  const double st[6] = {pcc.zeta, pcc.vbar, pcc.vprev, pcc.cv, pcc.ci, pcc.ver};
  PetscCall(ck.WriteGlobalArray("/state/gridcell_route_pcc", st, 6, "mixed", "routing: the PCC's zeta [V], vbar [V], v_prev [V], copy v [V], "
                                                                              "copy iota [1], version"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode Router::Load(io::Reader &ck, const char *file, std::int64_t off_e, std::int64_t ne) {
  PetscFunctionBeginUser;
  for (const char *path : {"/state/gridcell_route_seen", "/state/gridcell_route_seen_gid"}) {
    std::vector<std::int64_t> dims;
    PetscCall(ck.Shape(path, &dims));
    PetscCheck(dims.size() == 1 && dims[0] == ne, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
               "checkpoint %s: dataset %s has %zu dimension(s) of length %lld, expected one of %lld (the union graph's in-edges); it "
               "is damaged or not this run's, and is not resumed",
               file, path, dims.size(), (long long)(dims.empty() ? 0 : dims[0]), (long long)ne);
  }
  const std::int64_t nl = block_.local(), nloc_e = static_cast<std::int64_t>(nbr_gid_->size());
  std::vector<std::int64_t> gid(nloc_e);
  std::vector<double> sv(nloc_e);
  PetscCall(ck.ReadSlice("/state/gridcell_route_seen_gid", off_e, nloc_e, gid.data()));
  PetscCall(ck.ReadSlice("/state/gridcell_route_seen", off_e, nloc_e, sv.data()));
  std::string bad, what;
  for (std::int64_t i = 0; i < nl && bad.empty(); ++i)
    for (std::int64_t u = (*nbr_ptr_)[i]; u < (*nbr_ptr_)[i + 1] && bad.empty(); ++u) {
      char msg[256];
      const long long g = block_.start + i;
      if (gid[u] != (*nbr_gid_)[u]) {
        std::snprintf(msg, sizeof msg, "home %lld neighbour entry %lld is home %lld, but this run's graph has home %lld there", g,
                      (long long)(u - (*nbr_ptr_)[i]), (long long)gid[u], (long long)(*nbr_gid_)[u]);
        bad = msg, what = "/state/gridcell_route_seen_gid";
      } else if (!(std::isfinite(sv[u]) && sv[u] >= -1 && sv[u] == std::floor(sv[u]) && sv[u] < 9007199254740992.0)) {
        std::snprintf(msg, sizeof msg, "home %lld has version %.17g of home %lld's copy, not a whole number >= -1", g, sv[u], (long long)gid[u]);
        bad = msg, what = "/state/gridcell_route_seen";
      }
    }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, bad, &bad));
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, what, &what));
  PetscCheck(bad.empty(), PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset %s: %s; it is damaged or not this run's, and is not resumed", file, what.c_str(), bad.c_str());
  std::vector<double> st;
  PetscCall(ck.ReadAll("/state/gridcell_route_pcc", &st));
  PetscCheck(st.size() == 6, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset /state/gridcell_route_pcc has %zu values, expected 6; it is damaged or not this run's, and is not "
             "resumed",
             file, st.size());
  const double lim = p.zlim * p.Vs;
  bool ok = true;
  for (double x : st) ok = ok && std::isfinite(x);
  ok = ok && std::fabs(st[0]) <= lim && st[5] >= 0 && st[5] == std::floor(st[5]);
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: dataset /state/gridcell_route_pcc holds zeta = %.17g, vbar = %.17g, v_prev = %.17g, copy %.17g, %.17g, "
             "version %.17g: each must be finite, |zeta| <= %g V and the version a whole number >= 0; it is damaged or not this run's, "
             "and is not resumed",
             file, st[0], st[1], st[2], st[3], st[4], st[5], lim);
  seen = std::move(sv);
  pcc = NodeState{st[0], st[1], st[2], st[3], st[4], st[5]};
  started_ = true;
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::problems::gridcell
