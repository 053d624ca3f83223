// Pure kernels of gridcell's security module (docs/gridcell.md §16.8): who attacks, what an attacker sends,
// and the per-receiver detector (the robust z of §13.3 followed by an EWMA chart, or §13.3's CUSUM). No MPI,
// PETSc or I/O: tests/unit/test_gridcell_security.cpp calls them directly.
//
// The detector of receiver i sees, at each step, the values x_j that arrived from its not-yet-alarmed
// neighbours j and its own x_i. Every quantity it computes depends on the multiset of those values and on the
// order of the neighbours by increasing global id only, so the alarms are the same on any rank count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"

namespace dodge::problems::gridcell {

// A = {i : u(GCATTACK, a = gid) < ρ_A} (§16.8): pure in the id, so every rank knows every home's role.
inline bool IsAttacker(std::uint64_t seed, std::int64_t gid, double rho) {
  return rho > 0 && rng::uniform(seed, rng::GCATTACK, static_cast<std::uint64_t>(gid), 0, 0) < rho;
}

// The poisoned value of the scale attack: v' = (1 + s) v + β.
inline double PoisonScale(double v, double s, double beta) { return (1 + s) * v + beta; }

enum class DetectKind { none, ewma, cusum };

struct DetectParams {
  DetectKind kind = DetectKind::none;
  double nu = 1.0 / 96;      // ν_e: the EWMA weight of the residual scale σ̂_i
  double omega = 1.0 / 192;  // ω_e: the EWMA weight of the chart χ_ij
  double h = 1.0;            // h_m: the chart's decision limit (EWMA)
  double flag = 3.5;         // |r| above it is a flag (counted only)
  int min_values = 4;        // skip the step if |V| < min_values
  double floor = 0.05;       // σ_fl of the channel
  double cusum_k = 0.5, cusum_h = 5;  // §13.3's CUSUM (-gridcell_detect cusum)
  // Values a chart must have seen before it may alarm: 1/ω_e for the EWMA, none for the CUSUM.
  std::int64_t burn_in() const { return kind == DetectKind::ewma ? static_cast<std::int64_t>(std::llround(1.0 / omega)) : 0; }
};

// One (receiver, sender) chart: EWMA χ in s[0] (s[1] unused) or CUSUM G⁺, G⁻; the values seen; alarmed at all.
struct EdgeChart {
  double s[2] = {0, 0};
  std::int64_t seen = 0;
  bool alarmed = false;
};

// Median and MAD of v[0..n), n ≥ 1 (even n: the mean of the two middle values); v is reordered.
inline void MedianMad(double *v, int n, double *med, double *mad) {
  auto middle = [n](double *a) {
    std::sort(a, a + n);
    return n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  };
  const double m = middle(v);
  for (int k = 0; k < n; ++k) v[k] = std::fabs(v[k] - m);
  *med = m, *mad = middle(v);
}

// One step of receiver i's detector (§16.8). own: x_i; x[0..n): the values that arrived from i's neighbours,
// in increasing sender gid, with their charts ch[k] and the senders' obfuscation std sigma_obf[k] (nullptr: 0).
// Alarmed senders are left out of V and their charts do not move. *sigma: σ̂_i, NaN until its first value.
// scratch holds at least n + 1 doubles. Returns the number of flags (|r| > flag); *alarms counts the charts
// that alarmed at this step; flagged (if not nullptr) gets 1 for each k flagged at this step, else 0. A step
// with |V| < min_values changes nothing.
inline int DetectStep(const DetectParams &p, double own, const double *x, EdgeChart *const *ch, const double *sigma_obf,
                      int n, double *sigma, double *scratch, int *alarms, char *flagged = nullptr) {
  *alarms = 0;
  if (flagged) std::fill(flagged, flagged + n, 0);
  if (p.kind == DetectKind::none) return 0;
  int m = 0;
  scratch[m++] = own;
  for (int k = 0; k < n; ++k)
    if (!ch[k]->alarmed) scratch[m++] = x[k];
  if (m < p.min_values) return 0;
  double med, mad;
  MedianMad(scratch, m, &med, &mad);
  const double s_new = std::max(1.4826 * mad, p.floor);
  *sigma = std::isnan(*sigma) ? s_new : (1 - p.nu) * *sigma + p.nu * s_new;
  const std::int64_t burn = p.burn_in();
  int flags = 0;
  for (int k = 0; k < n; ++k) {
    EdgeChart &c = *ch[k];
    if (c.alarmed) continue;
    const double so = sigma_obf ? sigma_obf[k] : 0.0;
    const double scale = std::max(*sigma, std::sqrt(p.floor * p.floor + so * so));
    const double r = std::min(std::max((x[k] - med) / scale, -10.0), 10.0);
    const bool flag = std::fabs(r) > p.flag;
    flags += flag;
    if (flagged) flagged[k] = flag;
    c.seen++;
    bool alarm;
    if (p.kind == DetectKind::ewma) {
      c.s[0] = (1 - p.omega) * c.s[0] + p.omega * r;
      alarm = c.seen >= burn && std::fabs(c.s[0]) > p.h;
    } else {
      c.s[0] = std::max(0.0, c.s[0] + r - p.cusum_k);
      c.s[1] = std::max(0.0, c.s[1] - r - p.cusum_k);
      alarm = c.s[0] > p.cusum_h || c.s[1] > p.cusum_h;
    }
    if (alarm) c.alarmed = true, ++*alarms;
  }
  return flags;
}

}  // namespace dodge::problems::gridcell
