// Mean-field Q-learning of the battery homes (docs/gridcell.md §16.5, `-algorithm mfq`): the pure per-home
// kernels. The problem owns Q_i and the per-home learning state (it owns SoC, q̂ and the bills the learning reads);
// the algorithm owns the options (-mfq_*, MfqParams), the clearing and the mean field of the neighbours' actions,
// which ride the first market message (X1 of round 1).
//
//   state   s = (3·n-bin + S-bin)·5 + period ∈ 0..74   (n-bin from q̂_i(t), S-bin from SoC_i(t), period from h_s)
//   mean field mf ∈ {0, 1, 2} from the counts (N⁺, N⁻, N^B) of the battery neighbours' actions (exact integers)
//   Q_i[s][mf][a], a ∈ {0 sell, 1 idle, 2 buy}: 675 doubles, index (s·3 + mf)·3 + a
//   act     π(a | s, mf) ∝ exp((Q − max Q)/Tb), a = min{a : u ≤ Σ_{a'≤a} π(a')} (2 if none: rounding)
//   update  Q[s][mf][a] ← (1 − η_Q)·Q + η_Q·(r + γ_Q·v),  v = Σ_a π(a | s', mf)·Q[s'][mf][a]  (or max_a Q)
//   Tb(ctr) = max(Tb_min, Tb_0·d_T^⌊ctr/96⌋)
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dodge::problems::gridcell {

constexpr int kMfqStates = 75, kMfqFields = 3, kMfqActions = 3;
constexpr int kMfqQ = kMfqStates * kMfqFields * kMfqActions;  // 675

// -mfq_* (the algorithm reads them; the problem learns with them).
struct MfqParams {
  bool learn = false;        // mfq with -mfq_policy learn (self: mmr's rule batteries, nothing learned)
  bool backup_max = false;   // -mfq_backup max: v = max_a Q (default boltzmann: the policy's expectation)
  int passes = 1;            // -mfq_passes P
  double eta = 0.1, gamma = 0.98;             // -mfq_learning η_Q, γ_Q
  double tb0 = 1.0, dT = 0.72, tbmin = 0.01;  // -mfq_temperature Tb_0 [$], d_T per day, Tb_min [$]
  double net[4] = {-2, -0.5, 0.5, 2};         // -mfq_bins: q̂ edges [kW]
  double soc[2] = {0.4, 0.7};                 //            SoC edges
  double period[4] = {6, 10, 16, 21};         //            period edges [h]
};

// #{θ ∈ edges : x ≥ θ}.
template <int n>
inline int Bin(const double (&edges)[n], double x) {
  int c = 0;
  for (double e : edges) c += x >= e ? 1 : 0;
  return c;
}
inline int MfqState(const MfqParams &p, double qhat, double soc, double hour) {
  return (3 * Bin(p.net, qhat) + Bin(p.soc, soc)) * 5 + Bin(p.period, hour);
}
// The exact integer form of ā ≶ ∓1/3 with ā = (N⁺ − N⁻)/N^B: 0 if 3(N⁺ − N⁻) < −N^B, 2 if > N^B, else 1
// (N^B = 0 gives 1).
inline int MeanField(std::int64_t nplus, std::int64_t nminus, std::int64_t nb) {
  const std::int64_t x = 3 * (nplus - nminus);
  return x < -nb ? 0 : (x > nb ? 2 : 1);
}
inline double Temperature(const MfqParams &p, std::int64_t ctr) {
  return std::max(p.tbmin, p.tb0 * std::pow(p.dT, static_cast<double>(ctr / 96)));
}
inline int QIndex(int s, int mf, int a) { return (s * kMfqFields + mf) * kMfqActions + a; }
// The Boltzmann policy over the three entries q[0..2] at temperature tb > 0 (finite q: every term in (0, 1]).
inline void Boltzmann(const double *q, double tb, double pi[3]) {
  const double m = std::max({q[0], q[1], q[2]});
  double z = 0;
  for (int a = 0; a < 3; ++a) pi[a] = std::exp((q[a] - m) / tb), z += pi[a];
  for (int a = 0; a < 3; ++a) pi[a] /= z;
}
inline int Act(const double pi[3], double u) {
  double c = 0;
  for (int a = 0; a < 3; ++a) {
    c += pi[a];
    if (u <= c) return a;
  }
  return 2;
}
// The backup value v of the entries q[0..2] of s' (Boltzmann expectation at tb, or the max).
inline double Backup(const double *q, double tb, bool use_max) {
  if (use_max) return std::max({q[0], q[1], q[2]});
  double pi[3];
  Boltzmann(q, tb, pi);
  return pi[0] * q[0] + pi[1] * q[1] + pi[2] * q[2];
}
inline double QUpdate(double q, double eta, double reward, double gamma, double v) {
  return (1.0 - eta) * q + eta * (reward + gamma * v);
}

}  // namespace dodge::problems::gridcell
