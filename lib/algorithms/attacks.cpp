// Data-poisoning attacks, the robust-residual detector and trimmed mixing (algorithms.md §13.3, gridcell.md
// §16.16 item 4) as one send policy of the graph algorithms.
#include "algorithms/attacks.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/graph_algorithm.hpp"
#include "comm/collectives.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "graph/graph.hpp"
#include "graph/union_rows.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "problems/gridcell_security.hpp"

namespace dodge::algorithms {

namespace attacks {

Robust RobustStats(double *v, int n, double sigma_floor, std::vector<double> &scratch) {
  const auto median = [](double *a, int m) {
    std::sort(a, a + m);
    return m % 2 ? a[m / 2] : 0.5 * (a[m / 2 - 1] + a[m / 2]);
  };
  const double med = median(v, n);
  scratch.resize(n);
  for (int q = 0; q < n; ++q) scratch[q] = std::fabs(v[q] - med);
  const double mad = median(scratch.data(), n);
  return {med, std::max(kMadScale * mad, sigma_floor)};
}

bool ChartStep(const Chart &c, double r, double *state) {
  if (c.kind == Detector::cusum) {
    state[0] = std::max(0.0, state[0] + r - c.k);
    state[1] = std::max(0.0, state[1] - r - c.k);
    return state[0] > c.h || state[1] > c.h;
  }
  state[0] = c.lambda * r + (1.0 - c.lambda) * state[0];
  return std::fabs(state[0]) > c.limit * std::sqrt(c.lambda / (2.0 - c.lambda));
}

double TrimmedMean(double own, const double *v, int n, int F, std::vector<double> &scratch) {
  scratch.assign(v, v + n);
  std::sort(scratch.begin(), scratch.end());
  int below = 0, above = 0;
  for (int q = 0; q < n; ++q) below += scratch[q] < own, above += scratch[q] > own;
  const int lo = std::min(F, below), hi = n - std::min(F, above);
  double sum = own;
  for (int q = lo; q < hi; ++q) sum += scratch[q];
  return sum / static_cast<double>(1 + hi - lo);
}

}  // namespace attacks

namespace {

namespace gc = problems::gridcell;

const char *const kKinds[] = {"scale", "bias", "replay"};
const char *const kDefenses[] = {"none", "detect", "trimmed"};
const char *const kDetectors[] = {"cusum", "ewma"};

// Splits "3,17" into ids, or reads "0.1" as a fraction; false with a reason on anything else.
bool ParseAgents(const std::string &spec, bool *fraction, double *f, std::vector<std::int64_t> *ids, std::string *why) {
  ids->clear();
  *fraction = spec.find('.') != std::string::npos;
  if (*fraction) {
    char *end = nullptr;
    errno = 0;
    *f = std::strtod(spec.c_str(), &end);
    if (errno || end == spec.c_str() || *end || !(*f >= 0 && *f <= 1)) {
      *why = "a fraction (with a decimal point) must be a number in [0, 1]";
      return false;
    }
    return true;
  }
  std::size_t p = 0;
  while (p <= spec.size()) {
    const std::size_t q = std::min(spec.find(',', p), spec.size());
    const std::string tok = spec.substr(p, q - p);
    if (tok.empty() || tok.find_first_not_of("0123456789") != std::string::npos || tok.size() > 18) {
      *why = "expected comma-separated non-negative agent ids or a fraction such as 0.1; bad entry '" + tok + "'";
      return false;
    }
    ids->push_back(std::strtoll(tok.c_str(), nullptr, 10));
    p = q + 1;
  }
  return true;
}

class AttackPolicy final : public SendPolicy {
 public:
  AttackPolicy(const AttackOptions &o, const graph::LocalGraphs &g, const Block &block, int W,
               std::vector<std::int64_t> attackers)
      : o_(o), W_(W), attackers_(std::move(attackers)) {
    chart_ = {o.detector, o.cusum_k, o.cusum_h, o.ewma_lambda, o.ewma_limit};
    edges_.Build(g, block);
    const std::int64_t nloc = block.local(), E = edges_.edges();
    slot_.assign(nloc, -1);
    for (std::int64_t i = 0; i < nloc; ++i)
      if (IsAttacker(block.start + i)) slot_[i] = natt_local_++;
    if (o.kind == AttackKind::replay) hist_.assign(natt_local_ * (o.lag + 1) * W, 0.0);
    if (o.defense == Defense::detect) {
      state_.assign(2 * W * E, 0.0), alarm_.assign(E, 0), flags_.assign(E, 0);
    }
  }
  // §16.8's form of a market family's dual channel (AttackInstallDual): the per-coordinate bias, the detector
  // per coordinate with its floor, σ̂ per (receiver, coordinate) and the charts per (union in-edge, coordinate).
  void SetDual(const problems::DualChannel &c, std::int64_t nloc) {
    dual_ = true, dual_s_ = c.s;
    beta_.assign(c.beta, c.beta + W_);
    dets_.assign(W_, c.det);
    for (int s = 0; s < W_; ++s) dets_[s].floor = c.floor[s];
    if (o_.defense == Defense::detect) {
      state_.clear();
      charts_.assign(static_cast<std::size_t>(W_) * edges_.edges(), gc::EdgeChart{});
      sig_.assign(static_cast<std::size_t>(W_) * nloc, NAN);
    }
  }
  const char *name() const override { return "attack"; }
  bool mixes_rows() const override { return o_.defense != Defense::none; }

  // Honest agents send their stored values; attackers from -attack_start on their poisoned ones.
  void Send(std::int64_t t, const Block &block, int W, const double *stored, double *sent) override {
    const std::int64_t L1 = o_.lag + 1;
    last_t_ = std::max(last_t_, t);
    for (std::int64_t i = 0; i < block.local(); ++i) {
      const double *v = stored + W * i;
      double *out = sent + W * i;
      const std::int64_t a = slot_[i];
      const double *replayed = v;
      if (a >= 0 && o_.kind == AttackKind::replay) {
        // The ring holds v_{t−L} .. v_{t−1}; v_{t−L} sits where v_t goes.
        double *ring = hist_.data() + a * L1 * W;
        if (t - o_.lag >= 1) {
          std::copy_n(ring + ((t + 1) % L1) * W, W, out);
          replayed = out;
        }
        std::copy_n(v, W, ring + (t % L1) * W);
      }
      if (a < 0 || t < o_.start) {
        std::copy_n(v, W, out);
        continue;
      }
      for (int s = 0; s < W; ++s) {
        switch (o_.kind) {
          case AttackKind::scale: out[s] = dual_ ? gc::PoisonScale(v[s], dual_s_, beta_[s]) : (1.0 + o_.scale) * v[s]; break;
          case AttackKind::bias: out[s] = v[s] + o_.bias; break;
          case AttackKind::replay: out[s] = replayed[s]; break;
        }
      }
    }
  }

  void MixRow(std::int64_t t, int b, std::int64_t i, const graph::Mixing &m, const double *w, const double *sent, int sw,
              const double *own, int W, double *mixed) override {
    const std::vector<std::int64_t> &map = edges_.map[b];
    const std::int64_t e0 = m.rowptr[i], e1 = m.rowptr[i + 1];
    if (o_.defense == Defense::trimmed) {
      for (int s = 0; s < W; ++s) {
        vals_.clear();
        for (std::int64_t e = e0; e < e1; ++e)
          if (map[e] >= 0 && w[e] > 0) vals_.push_back(sent[sw * m.col[e] + s]);
        mixed[s] = attacks::TrimmedMean(own[s], vals_.data(), static_cast<int>(vals_.size()),
                                        static_cast<int>(o_.trim), scratch_);
      }
      return;
    }
    // Detect: the robust residual of every active, not yet alarmed in-neighbour against the median of those
    // and the agent's own value, per coordinate; an edge alarms when any coordinate's chart does. Before
    // -defense_start nothing is watched (an algorithm's start-up transient is not an attack).
    newly_.clear();
    // §16.8's form: per coordinate, the values of the active, not yet alarmed in-neighbours (in entry order, by
    // global id) through the family's detector kernel; σ̂ per (receiver, coordinate).
    for (int s = 0; s < W && dual_; ++s) {
      dx_.clear(), dch_.clear(), du_.clear();
      for (std::int64_t e = e0; e < e1; ++e) {
        const std::int64_t u = map[e];
        if (u < 0 || w[e] <= 0 || alarm_[u] != 0) continue;
        dx_.push_back(sent[sw * m.col[e] + s]), dch_.push_back(&charts_[W * u + s]), du_.push_back(u);
      }
      const int n = static_cast<int>(dx_.size());
      dscratch_.resize(n + 1), dflag_.resize(n);
      int alarms = 0;
      gc::DetectStep(dets_[s], own[s], dx_.data(), dch_.data(), nullptr, n, &sig_[W * i + s], dscratch_.data(), &alarms,
                     dflag_.data());
      for (int k = 0; k < n; ++k) {
        if (dflag_[k]) flagged_.push_back(du_[k]);
        if (dch_[k]->alarmed) newly_.push_back(du_[k]);
      }
    }
    for (int s = 0; s < W && !dual_ && t >= o_.detect_start; ++s) {
      vals_.assign(1, own[s]);
      for (std::int64_t e = e0; e < e1; ++e)
        if (map[e] >= 0 && w[e] > 0 && alarm_[map[e]] == 0) vals_.push_back(sent[sw * m.col[e] + s]);
      if (static_cast<int>(vals_.size()) < attacks::kMinValues) continue;
      const attacks::Robust st = attacks::RobustStats(vals_.data(), static_cast<int>(vals_.size()), o_.sigma_floor, scratch_);
      for (std::int64_t e = e0; e < e1; ++e) {
        const std::int64_t u = map[e];
        if (u < 0 || w[e] <= 0 || alarm_[u] != 0) continue;
        const double r = (sent[sw * m.col[e] + s] - st.median) / st.scale;
        if (std::fabs(r) > o_.flag) flagged_.push_back(u);
        if (attacks::ChartStep(chart_, r, state_.data() + 2 * (W * u + s))) newly_.push_back(u);
      }
    }
    for (std::int64_t u : newly_) {
      alarm_[u] = t;
      for (int s = 0; s < W && dual_; ++s) charts_[W * u + s].alarmed = true;
    }
    std::sort(flagged_.begin(), flagged_.end());
    flagged_.erase(std::unique(flagged_.begin(), flagged_.end()), flagged_.end());
    for (std::int64_t u : flagged_) ++flags_[u];
    flagged_.clear();
    // The mix in entry order (global ids), an alarmed neighbour's weight on the agent's own value: with no
    // alarm this is the plain mix bit for bit.
    for (int s = 0; s < W; ++s) mixed[s] = 0.0;
    for (std::int64_t e = e0; e < e1; ++e) {
      const std::int64_t u = map[e];
      const double *v = (u < 0 || alarm_[u] != 0) ? own : sent + sw * m.col[e];
      for (int s = 0; s < W; ++s) mixed[s] += w[e] * v[s];
    }
  }

  PetscErrorCode SaveState(io::Recorder &ckpt, const Block &block) const override {
    PetscFunctionBeginUser;
    if (o_.kind == AttackKind::replay) {  // collective: every rank, attackers or not
      std::int64_t n = natt_local_, off = 0;
      const std::int64_t rec = (o_.lag + 1) * W_;
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &n, 1));
      PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, natt_local_, &off));
      PetscCall(ckpt.WriteDistributedArray("/state/attack_history", n * rec, off * rec, natt_local_ * rec, hist_.data(),
                                           "per-unit", "replay attack: the attackers' last L+1 stored values (ring)"));
    }
    if (o_.defense == Defense::detect) {
      const std::int64_t E = edges_.edges();
      std::int64_t Eg = E, off = 0;
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &Eg, 1));
      PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, E, &off));
      if (dual_) {
        std::vector<double> chart(2 * W_ * E);
        std::vector<std::int64_t> seen(W_ * E);
        for (std::int64_t q = 0; q < W_ * E; ++q)
          chart[2 * q] = charts_[q].s[0], chart[2 * q + 1] = charts_[q].s[1], seen[q] = charts_[q].seen;
        PetscCall(ckpt.WriteDistributedArray("/state/attack_chart", 2 * W_ * Eg, 2 * W_ * off, 2 * W_ * E, chart.data(), "1",
                                             "detector chart state per (receiver, sender, coordinate)"));
        PetscCall(ckpt.WriteDistributedArray("/state/attack_seen", W_ * Eg, W_ * off, W_ * E, seen.data(), "1",
                                             "values each chart has seen (the burn-in, docs/gridcell.md §16.8)"));
        PetscCall(ckpt.WriteDistributedArray("/state/attack_sigma", W_ * block.n, W_ * block.start, W_ * block.local(), sig_.data(),
                                             "per coordinate", "residual scale sigma_hat per (receiver, coordinate); NaN: none yet"));
      } else {
        PetscCall(ckpt.WriteDistributedArray("/state/attack_chart", 2 * W_ * Eg, 2 * W_ * off, 2 * W_ * E, state_.data(), "1",
                                             "detector chart state per (receiver, sender, coordinate)"));
      }
      PetscCall(ckpt.WriteDistributedArray("/state/attack_alarm", Eg, off, E, alarm_.data(), "step",
                                           "step of the alarm per union in-edge (0: none)"));
      PetscCall(ckpt.WriteDistributedArray("/state/attack_flags", Eg, off, E, flags_.data(), "1",
                                           "steps flagged per union in-edge"));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  // Untrusted input: shapes; the replay rings finite; the charts finite (CUSUM sums non-negative); alarm steps and flag counts whole numbers in [0, t] of the checkpoint's step t.
  PetscErrorCode LoadState(io::Reader &ckpt, const Block &block) override {
    std::int64_t t = 0;
    PetscFunctionBeginUser;
    PetscCall(ckpt.GetAttribute("/", "step", &t));
    const double steps = static_cast<double>(t);
    if (o_.kind == AttackKind::replay) {  // collective: every rank, attackers or not
      std::int64_t off = 0, n = natt_local_;
      const std::int64_t rec = (o_.lag + 1) * W_;
      PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, natt_local_, &off));
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &n, 1));
      const char *what = "replay attack: the attackers' last L+1 stored values";
      PetscCall(io::CheckStateShape(ckpt, "/state/attack_history", n * rec, what));
      PetscCall(ckpt.ReadSlice("/state/attack_history", off * rec, natt_local_ * rec, hist_.data()));
      PetscCall(io::CheckStateValues(ckpt, "/state/attack_history", off * rec, hist_.data(), natt_local_ * rec, -HUGE_VAL, HUGE_VAL,
                                     false, what));
    }
    if (o_.defense == Defense::detect) {
      const std::int64_t E = edges_.edges();
      std::int64_t off = 0, Eg = E;
      PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, E, &off));
      PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &Eg, 1));
      PetscCall(io::CheckStateShape(ckpt, "/state/attack_chart", 2 * W_ * Eg, "2 per union in-edge and coordinate"));
      PetscCall(io::CheckStateShape(ckpt, "/state/attack_alarm", Eg, "one per union in-edge"));
      PetscCall(io::CheckStateShape(ckpt, "/state/attack_flags", Eg, "one per union in-edge"));
      PetscCall(ckpt.ReadSlice("/state/attack_alarm", off, E, alarm_.data()));
      PetscCall(ckpt.ReadSlice("/state/attack_flags", off, E, flags_.data()));
      if (dual_) {
        PetscCall(LoadDual(ckpt, block, off, Eg, steps));
      } else {
        PetscCall(ckpt.ReadSlice("/state/attack_chart", 2 * W_ * off, 2 * W_ * E, state_.data()));
        const bool cusum = o_.detector == Detector::cusum;
        PetscCall(io::CheckStateValues(ckpt, "/state/attack_chart", 2 * W_ * off, state_.data(), 2 * W_ * E, cusum ? 0.0 : -HUGE_VAL,
                                       HUGE_VAL, false, cusum ? "the CUSUM sums G+, G- are non-negative" : "the EWMA chart"));
      }
      std::vector<double> a(alarm_.begin(), alarm_.end()), f(flags_.begin(), flags_.end());
      PetscCall(io::CheckStateValues(ckpt, "/state/attack_alarm", off, a.data(), E, 0.0, steps, true,
                                     "the step of the alarm, 0 for none, at most the checkpoint's step"));
      PetscCall(io::CheckStateValues(ckpt, "/state/attack_flags", off, f.data(), E, 0.0, steps, true,
                                     "steps flagged, at most the checkpoint's step"));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // §16.8's detector state: the charts (EWMA χ within the residual clip ±10, CUSUM sums non-negative), the
  // values seen (whole, at most the step), σ̂ (NaN before its first value, else positive); an alarmed edge's
  // charts are alarmed on every coordinate.
  PetscErrorCode LoadDual(io::Reader &ckpt, const Block &block, std::int64_t off, std::int64_t Eg, double steps) {
    const std::int64_t E = edges_.edges();
    std::vector<double> chart(2 * W_ * E), seen(W_ * E);
    PetscFunctionBeginUser;
    PetscCall(io::CheckStateShape(ckpt, "/state/attack_seen", W_ * Eg, "one per union in-edge and coordinate"));
    PetscCall(io::CheckStateShape(ckpt, "/state/attack_sigma", W_ * block.n, "one per agent and coordinate"));
    PetscCall(ckpt.ReadSlice("/state/attack_chart", 2 * W_ * off, 2 * W_ * E, chart.data()));
    std::vector<std::int64_t> seen_i(W_ * E);
    PetscCall(ckpt.ReadSlice("/state/attack_seen", W_ * off, W_ * E, seen_i.data()));
    for (std::int64_t q = 0; q < W_ * E; ++q) seen[q] = static_cast<double>(seen_i[q]);
    PetscCall(ckpt.ReadSlice("/state/attack_sigma", W_ * block.start, W_ * block.local(), sig_.data()));
    const bool cusum = dets_[0].kind == gc::DetectKind::cusum;
    PetscCall(io::CheckStateValues(ckpt, "/state/attack_chart", 2 * W_ * off, chart.data(), 2 * W_ * E, cusum ? 0.0 : -10.0,
                                   cusum ? HUGE_VAL : 10.0, false,
                                   cusum ? "the CUSUM sums G+, G- are non-negative" : "the EWMA chart of residuals clipped to [-10, 10]"));
    PetscCall(io::CheckStateValues(ckpt, "/state/attack_seen", W_ * off, seen.data(), W_ * E, 0.0, steps, true,
                                   "values seen, at most the checkpoint's step"));
    std::vector<double> sig(sig_);
    for (double &v : sig) v = std::isnan(v) ? 1.0 : v;  // NaN: no value yet (allowed)
    PetscCall(io::CheckStateValues(ckpt, "/state/attack_sigma", W_ * block.start, sig.data(), W_ * block.local(), 1e-300, HUGE_VAL,
                                   false, "the residual scale is positive (NaN: no value yet)"));
    for (std::int64_t q = 0; q < W_ * E; ++q) {
      charts_[q].s[0] = chart[2 * q], charts_[q].s[1] = chart[2 * q + 1];
      charts_[q].seen = static_cast<std::int64_t>(seen[q]), charts_[q].alarmed = alarm_[q / W_] != 0;
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode RecordParameters(io::Recorder &rec) const override {
    const auto param = [&](const char *name, double v, const char *units) {
      return rec.WriteGlobalArray(std::string("attack/") + name, &v, 1, units, std::string("algorithms.md §13.3 parameter ") + name);
    };
    PetscFunctionBeginUser;
    std::vector<double> ids(attackers_.begin(), attackers_.end());
    PetscCall(rec.WriteGlobalArray("attack/attackers", ids.data(), static_cast<std::int64_t>(ids.size()), "1",
                                   "global ids of the attacking agents"));
    PetscCall(param("scale", o_.scale, "1"));
    PetscCall(param("bias", o_.bias, "per-unit"));
    PetscCall(param("lag", static_cast<double>(o_.lag), "steps"));
    PetscCall(param("start", static_cast<double>(o_.start), "step"));
    PetscCall(param("trim", static_cast<double>(o_.trim), "1"));
    PetscCall(param("flag", o_.flag, "1"));
    PetscCall(param("cusum_k", o_.cusum_k, "1"));
    PetscCall(param("cusum_h", o_.cusum_h, "1"));
    PetscCall(param("ewma_lambda", o_.ewma_lambda, "1"));
    PetscCall(param("ewma_limit", o_.ewma_limit, "1"));
    PetscCall(param("sigma_floor", o_.sigma_floor, "per-unit"));
    PetscCall(param("detect_start", static_cast<double>(o_.detect_start), "step"));
    PetscCall(rec.SetAttribute("/inputs/attack", "kind", std::string(kKinds[static_cast<int>(o_.kind)])));
    PetscCall(rec.SetAttribute("/inputs/attack", "defense", std::string(kDefenses[static_cast<int>(o_.defense)])));
    PetscCall(rec.SetAttribute("/inputs/attack", "detector", detector_name()));
    if (dual_) {
      PetscCall(rec.SetAttribute("/inputs/attack", "form", std::string("gridcell dual channel (docs/gridcell.md §16.8)")));
      PetscCall(rec.WriteGlobalArray("attack/beta", beta_.data(), W_, "per coordinate", "bias per exchanged coordinate (mu [$/kWh], y [kW])"));
      std::vector<double> fl(W_);
      for (int s = 0; s < W_; ++s) fl[s] = dets_[s].floor;
      PetscCall(rec.WriteGlobalArray("attack/sigma_floors", fl.data(), W_, "per coordinate", "sigma_fl per exchanged coordinate"));
      PetscCall(param("nu", dets_[0].nu, "1"));
      PetscCall(param("omega", dets_[0].omega, "1"));
      PetscCall(param("h", dets_[0].h, "1"));
      PetscCall(param("min_values", static_cast<double>(dets_[0].min_values), "1"));
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // /attack: per attacker (in id order) its detection rate, first alarm and delay; per union in-edge
  // (receiver-major, then sender, both by global id) the alarm step and flags; the alarms raised per step;
  // the overall detection and false-alarm rates as attributes.
  PetscErrorCode RecordSummary(io::Recorder &rec, const Block &block) const override {
    const std::int64_t A = static_cast<std::int64_t>(attackers_.size());
    std::vector<double> ids(attackers_.begin(), attackers_.end());
    PetscFunctionBeginUser;
    PetscCall(rec.WriteGlobalArray("/attack/attacker", ids.data(), A, "1", "global id of each attacking agent"));
    PetscCall(rec.SetAttribute("/attack", "attackers", A));
    PetscCall(rec.SetAttribute("/attack", "kind", std::string(kKinds[static_cast<int>(o_.kind)])));
    PetscCall(rec.SetAttribute("/attack", "defense", std::string(kDefenses[static_cast<int>(o_.defense)])));
    if (o_.defense != Defense::detect) PetscFunctionReturn(PETSC_SUCCESS);
    PetscCall(rec.SetAttribute("/attack", "detector", detector_name()));
    const std::int64_t E = edges_.edges();
    std::int64_t Eg = E, off = 0, T = last_t_;
    PetscCall(comm::AllreduceSumInt(PETSC_COMM_WORLD, &Eg, 1));
    PetscCall(comm::ExscanInt(PETSC_COMM_WORLD, E, &off));
    PetscCall(comm::AllreduceMaxInt(PETSC_COMM_WORLD, &T, 1));
    // Per attacker: in-edges it sends on, how many alarmed, and −(first alarm step); then the honest totals
    // and the per-step alarm counts.
    std::vector<double> sums(2 * A + 2 + T, 0.0), first(A, -std::numeric_limits<double>::infinity());
    std::vector<std::int64_t> recv(E);
    for (std::int64_t i = 0; i + 1 < static_cast<std::int64_t>(edges_.ptr.size()); ++i)
      for (std::int64_t u = edges_.ptr[i]; u < edges_.ptr[i + 1]; ++u) {
        recv[u] = block.start + i;
        const auto it = std::lower_bound(attackers_.begin(), attackers_.end(), edges_.gid[u]);
        const bool bad = it != attackers_.end() && *it == edges_.gid[u];
        const std::int64_t a = it - attackers_.begin();
        if (bad) {
          sums[a] += 1, sums[A + a] += alarm_[u] != 0;
          if (alarm_[u] != 0) first[a] = std::max(first[a], -static_cast<double>(alarm_[u]));
        } else {
          sums[2 * A] += 1, sums[2 * A + 1] += alarm_[u] != 0;
        }
        if (alarm_[u] >= 1 && alarm_[u] <= T) sums[2 * A + 2 + alarm_[u] - 1] += 1;
      }
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, sums.data(), static_cast<int>(sums.size())));
    if (A) PetscCall(comm::AllreduceMax(PETSC_COMM_WORLD, first.data(), static_cast<int>(A)));
    std::vector<double> rate(A), step(A), delay(A);
    double hit = 0, tot = 0;
    for (std::int64_t a = 0; a < A; ++a) {
      rate[a] = sums[a] > 0 ? sums[A + a] / sums[a] : NAN;
      step[a] = std::isinf(first[a]) ? NAN : -first[a];
      delay[a] = std::isnan(step[a]) ? NAN : step[a] - static_cast<double>(o_.start);
      hit += sums[A + a], tot += sums[a];
    }
    PetscCall(rec.WriteGlobalArray("/attack/detection_rate", rate.data(), A, "1",
                                   "fraction of the attacker's receivers (union out-edges) that raised an alarm on it"));
    PetscCall(rec.WriteGlobalArray("/attack/first_alarm_step", step.data(), A, "step",
                                   "first step any receiver alarmed on the attacker (NaN: never)"));
    PetscCall(rec.WriteGlobalArray("/attack/delay", delay.data(), A, "steps",
                                   "first alarm step minus -attack_start (0: alarmed on the first poisoned step; NaN: never)"));
    PetscCall(rec.WriteGlobalArray("/attack/alarms_per_step", sums.data() + 2 * A + 2, T, "1",
                                   "alarms raised at each step t = 1..T over all receivers"));
    PetscCall(rec.WriteDistributedArray("/attack/edge_receiver", Eg, off, E, recv.data(), "1", "receiving agent i of edge j -> i"));
    PetscCall(rec.WriteDistributedArray("/attack/edge_sender", Eg, off, E, edges_.gid.data(), "1", "sending agent j of edge j -> i"));
    PetscCall(rec.WriteDistributedArray("/attack/edge_alarm_step", Eg, off, E, alarm_.data(), "step",
                                        "step at which i alarmed on j and excluded it (0: never)"));
    PetscCall(rec.WriteDistributedArray("/attack/edge_flags", Eg, off, E, flags_.data(), "1",
                                        "steps on which some coordinate of j's value had |r| > -defense_flag at i"));
    PetscCall(rec.SetAttribute("/attack", "detection_rate", tot > 0 ? hit / tot : NAN));
    PetscCall(rec.SetAttribute("/attack", "detection_rate_units", std::string("alarmed attacker in-edges / attacker in-edges")));
    PetscCall(rec.SetAttribute("/attack", "false_alarm_rate", sums[2 * A] > 0 ? sums[2 * A + 1] / sums[2 * A] : 0.0));
    PetscCall(rec.SetAttribute("/attack", "false_alarm_rate_units", std::string("alarmed honest in-edges / honest in-edges")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::string describe() const override {
    char s[320];
    const char *kind = kKinds[static_cast<int>(o_.kind)];
    int k = snprintf(s, sizeof s, "%zu attacker%s (%s", attackers_.size(), attackers_.size() == 1 ? "" : "s", kind);
    if (o_.kind == AttackKind::scale) k += snprintf(s + k, sizeof s - k, " s = %g", o_.scale);
    if (o_.kind == AttackKind::scale && dual_ && W_ > 1) k += snprintf(s + k, sizeof s - k, " beta = %g/%g", beta_[0], beta_[1]);
    if (o_.kind == AttackKind::scale && dual_ && W_ == 1) k += snprintf(s + k, sizeof s - k, " beta = %g", beta_[0]);
    if (o_.kind == AttackKind::bias) k += snprintf(s + k, sizeof s - k, " beta = %g", o_.bias);
    if (o_.kind == AttackKind::replay) k += snprintf(s + k, sizeof s - k, " L = %lld", static_cast<long long>(o_.lag));
    k += snprintf(s + k, sizeof s - k, " from step %lld), defense %s", static_cast<long long>(o_.start),
                  kDefenses[static_cast<int>(o_.defense)]);
    if (o_.defense == Defense::detect && dual_)
      snprintf(s + k, sizeof s - k, " (%s, floors %s, burn-in %lld) (gridcell.md §16.8, dual channel)", detector_name().c_str(),
               floors().c_str(), static_cast<long long>(dets_[0].burn_in()));
    else if (o_.defense == Defense::detect)
      snprintf(s + k, sizeof s - k, " (%s, sigma_floor %g, from step %lld) (algorithms.md §13.3)",
               kDetectors[static_cast<int>(o_.detector)], o_.sigma_floor, static_cast<long long>(o_.detect_start));
    else if (o_.defense == Defense::trimmed)
      snprintf(s + k, sizeof s - k, " F = %lld (algorithms.md §13.3)", static_cast<long long>(o_.trim));
    return s;
  }

 private:
  // The dual channel's floors per coordinate, "0.01/0.1" (μ/y) or "0.01" (μ alone).
  std::string floors() const {
    std::string out;
    char v[32];
    for (int c = 0; c < W_; ++c) snprintf(v, sizeof v, "%s%g", c ? "/" : "", dets_[c].floor), out += v;
    return out;
  }
  std::string detector_name() const {
    if (dual_) return dets_[0].kind == gc::DetectKind::cusum ? "cusum (§16.8)" : "ewma (§16.8)";
    return kDetectors[static_cast<int>(o_.detector)];
  }
  bool IsAttacker(std::int64_t gid) const { return std::binary_search(attackers_.begin(), attackers_.end(), gid); }

  AttackOptions o_;
  attacks::Chart chart_;
  int W_;
  std::vector<std::int64_t> attackers_;
  graph::UnionRows edges_;
  std::vector<std::int64_t> slot_;  // per owned agent: its index among the local attackers (−1: honest)
  std::int64_t natt_local_ = 0, last_t_ = 0;
  std::vector<double> hist_, state_;
  std::vector<std::int64_t> alarm_, flags_;
  std::vector<double> vals_, scratch_;
  std::vector<std::int64_t> newly_, flagged_;
  // §16.8's form (SetDual)
  bool dual_ = false;
  double dual_s_ = 0;
  std::vector<double> beta_, sig_, dx_, dscratch_;
  std::vector<gc::DetectParams> dets_;
  std::vector<gc::EdgeChart> charts_;
  std::vector<gc::EdgeChart *> dch_;
  std::vector<std::int64_t> du_;
  std::vector<char> dflag_;
};

}  // namespace

bool AttackAgents(const std::string &spec, std::int64_t n, std::uint64_t seed, std::vector<std::int64_t> *ids,
                  std::string *why) {
  bool fraction = false;
  double f = 0;
  ids->clear();
  if (spec.empty()) return true;
  if (!ParseAgents(spec, &fraction, &f, ids, why)) {
    *why = "-attack_agents " + spec + ": " + *why;
    return false;
  }
  if (fraction) {
    const std::int64_t count = std::llround(f * static_cast<double>(n));
    std::vector<std::pair<double, std::int64_t>> u(n);
    for (std::int64_t g = 0; g < n; ++g) u[g] = {rng::uniform(seed, rng::ATTACK, static_cast<std::uint64_t>(g), 0, 0), g};
    std::nth_element(u.begin(), u.begin() + count, u.end());
    for (std::int64_t q = 0; q < count; ++q) ids->push_back(u[q].second);
  }
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  if (!ids->empty() && ids->back() >= n) {
    *why = "-attack_agents: agent id " + std::to_string(ids->back()) + " is out of range [0, " + std::to_string(n) + ")";
    return false;
  }
  return true;
}

PetscErrorCode AttackOptionsRead(AttackOptions *o) {
  PetscInt kind = static_cast<PetscInt>(o->kind), def = static_cast<PetscInt>(o->defense),
           det = static_cast<PetscInt>(o->detector);
  const RealRange lambda_range{.lo = 0, .hi = 1, .lo_open = true};
  PetscFunctionBeginUser;
  PetscBool start_set = PETSC_FALSE;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr,
                    "Data-poisoning attacks and defences of the graph algorithms pdct and li2022 (algorithms.md §13.3, "
                    "gridcell.md §16.16 item 4); all off by default",
                    nullptr);
  PetscCall(OptionsString(PetscOptionsObject, "-attack_agents",
                          "Attacking agents: comma-separated global ids, or a fraction with a decimal point (0.1) chosen by "
                          "the ATTACK stream; empty: no attack",
                          &o->agents));
  PetscCall(OptionsChoice(PetscOptionsObject, "-attack_kind",
                          "What attackers send: scale ((1+s) v), bias (v + beta) or replay (v from L steps earlier)", kKinds,
                          3, &kind, nullptr));
  PetscCall(OptionsReal(PetscOptionsObject, "-attack_scale", "Scale attack s: send (1+s) v", kAnyFinite, &o->scale));
  PetscCall(OptionsReal(PetscOptionsObject, "-attack_bias", "Bias attack beta: send v + beta (per-unit)", kAnyFinite, &o->bias));
  PetscCall(OptionsInt(PetscOptionsObject, "-attack_lag", "Replay attack lag L (steps)", 1, 100000, &o->lag));
  PetscCall(OptionsInt(PetscOptionsObject, "-attack_start", "First poisoned step", 1, std::numeric_limits<std::int32_t>::max(),
                       &o->start));
  PetscCall(OptionsChoice(PetscOptionsObject, "-defense",
                          "Receivers' defence: none, detect (robust residuals, CUSUM or EWMA, exclude alarmed neighbours) "
                          "or trimmed (LeBlanc et al. trimmed mean)",
                          kDefenses, 3, &def, nullptr));
  PetscCall(OptionsInt(PetscOptionsObject, "-defense_trim", "Trimmed mixing F: values dropped above and below (needs in-degree >= 2F+1)",
                       0, 100000, &o->trim));
  PetscCall(OptionsChoice(PetscOptionsObject, "-defense_detector", "Detector chart: cusum (near-white residuals) or ewma",
                          kDetectors, 2, &det, nullptr));
  PetscCall(OptionsReal(PetscOptionsObject, "-defense_flag", "Flag threshold on |r| (counted, not an alarm)", kNonNegative, &o->flag));
  PetscCall(OptionsReal(PetscOptionsObject, "-defense_cusum_k", "CUSUM allowance k", kNonNegative, &o->cusum_k));
  PetscCall(OptionsReal(PetscOptionsObject, "-defense_cusum_h", "CUSUM decision limit h", kNonNegative, &o->cusum_h));
  PetscCall(OptionsReal(PetscOptionsObject, "-defense_ewma_lambda", "EWMA smoothing lambda in (0, 1]", lambda_range,
                        &o->ewma_lambda));
  PetscCall(OptionsReal(PetscOptionsObject, "-defense_ewma_limit",
                        "EWMA control-limit width L: alarm if |z| > L sqrt(lambda/(2-lambda))", kNonNegative, &o->ewma_limit));
  PetscCall(OptionsReal(PetscOptionsObject, "-defense_sigma_floor", "Floor of the residual scale max(1.4826 MAD, sigma_floor) (per-unit)",
                        kPositive, &o->sigma_floor));
  PetscCall(OptionsInt(PetscOptionsObject, "-defense_start",
                       "First step the detector watches (skip an algorithm's start-up transient; default 1: from the start)", 1,
                       std::numeric_limits<std::int32_t>::max(), &o->detect_start, &start_set));
  PetscOptionsEnd();
  o->kind = static_cast<AttackKind>(kind), o->defense = static_cast<Defense>(def), o->detector = static_cast<Detector>(det);
  if (!o->agents.empty()) {
    bool fraction;
    double f;
    std::vector<std::int64_t> ids;
    std::string why;
    PetscCheck(ParseAgents(o->agents, &fraction, &f, &ids, &why), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
               "-attack_agents %s: %s", o->agents.c_str(), why.c_str());
  }
  PetscCheck(!start_set || o->defense == Defense::detect, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-defense_start %lld applies to -defense detect only (the defence is %s)", static_cast<long long>(o->detect_start),
             kDefenses[static_cast<int>(o->defense)]);
  PetscCheck(o->defense != Defense::trimmed || o->trim >= 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-defense_trim %lld: trimmed mixing needs F >= 1", static_cast<long long>(o->trim));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AttackInstall(const AttackOptions &o, Algorithm &algorithm, std::uint64_t seed) {
  const char *opt = o.agents.empty() ? "-defense" : "-attack_agents";
  PetscFunctionBeginUser;
  if (!o.any()) PetscFunctionReturn(PETSC_SUCCESS);
  GraphAlgorithm *g = nullptr;
  PetscCall(SendPolicyTarget(algorithm, opt,
                             "algorithms.md §13.3: push-sum mixes unnormalized pairs, whose values the robust statistics "
                             "cannot compare",
                             &g));
  PetscCheck(!g->send_policy(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s cannot be combined with -exchange_trigger or -exchange_privacy (%s is installed): one send policy per run",
             opt, g->send_policy()->name());
  const graph::LocalGraphs &graphs = *g->graphs();
  const Block &block = graphs.block;
  std::vector<std::int64_t> ids;
  std::string why;
  // The same on every rank, so all fail together.
  PetscCheck(AttackAgents(o.agents, block.n, seed, &ids, &why), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "%s",
             why.c_str());
  if (o.defense == Defense::trimmed) {
    // The necessary condition of (2F+1)-robustness: every agent has >= 2F+1 in-neighbours in every graph.
    std::int64_t worst[1] = {-std::numeric_limits<std::int64_t>::max()};  // −(the smallest in-degree)
    for (int b = 0; b < graphs.B; ++b) {
      const graph::Mixing &m = graphs.graphs[b];
      for (std::int64_t i = 0; i < block.local(); ++i) {
        const std::int64_t deg = m.rowptr[i + 1] - m.rowptr[i] - 1;  // the self entry excluded
        worst[0] = std::max(worst[0], -deg);
      }
    }
    PetscCall(comm::AllreduceMaxInt(PETSC_COMM_WORLD, worst, 1));
    PetscCheck(-worst[0] >= 2 * o.trim + 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "-defense_trim %lld needs every agent to have at least 2F+1 = %lld in-neighbours in every graph of the "
               "sequence (the necessary condition of (2F+1)-robustness, LeBlanc et al. 2013); on %s the smallest "
               "in-degree is %lld",
               static_cast<long long>(o.trim), static_cast<long long>(2 * o.trim + 1), graphs.description.c_str(),
               static_cast<long long>(-worst[0]));
  }
  g->SetSendPolicy(std::make_unique<AttackPolicy>(o, graphs, block, g->exchanged_values(), std::move(ids)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AttackInstallDual(const problems::DualChannel &c, Algorithm &algorithm) {
  const char *opt = c.attack ? "-gridcell_attack_fraction" : "-gridcell_detect";
  PetscFunctionBeginUser;
  if (!c.on()) PetscFunctionReturn(PETSC_SUCCESS);
  GraphAlgorithm *g = nullptr;
  PetscCall(SendPolicyTarget(algorithm, opt, "docs/gridcell.md §16.8: the dual channel is pdct's and li2022's (mu, y)", &g));
  PetscCheck(!g->send_policy(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s on the dual channel (docs/gridcell.md §16.8) cannot be combined with %s (%s is installed): one send policy per "
             "run; leave the dual channel out with -gridcell_%s_channels data,market",
             opt, std::string(g->send_policy()->name()) == "attack" ? "-attack_agents/-defense" : "-exchange_trigger or -exchange_privacy",
             g->send_policy()->name(), c.attack ? "attack" : "detect");
  const int W = g->exchanged_values();
  // pdct exchanges (mu, y), li2022 mu alone; a vector family would exchange m of each (gridcell is scalar).
  PetscCheck(W == 1 + (g->tracks() ? 1 : 0), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s: the dual channel needs a scalar constraint (mu and, for pdct, y); -algorithm %s exchanges %d values", opt,
             algorithm.name(), W);
  const graph::LocalGraphs &graphs = *g->graphs();
  AttackOptions o;
  o.agents = c.attackers.empty() ? "" : "family";
  o.kind = c.replay ? AttackKind::replay : AttackKind::scale;
  o.scale = c.s, o.bias = 0, o.lag = c.lag, o.start = c.start;
  o.defense = c.detect ? Defense::detect : Defense::none;
  o.flag = c.det.flag;
  auto policy = std::make_unique<AttackPolicy>(o, graphs, graphs.block, W, c.attackers);
  policy->SetDual(c, graphs.block.local());
  g->SetSendPolicy(std::move(policy));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::algorithms
