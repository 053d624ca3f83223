// Pure per-home and per-cell kernels of problem `gridcell` (docs/gridcell.md §16): solar geometry and the
// clear-sky model, the cloud chain, the battery, the tariffs, the RLS forecaster and the exact sums' rounding.
// No MPI, PETSc, allocation in the hot paths, or I/O: unit tests call them directly.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"

namespace dodge::problems::gridcell {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kDelta = 0.25;          // Δ [h]
inline constexpr double kGrid = 1073741824.0;   // 2^30: the ExactSum grid (§16.10)

inline double clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }
inline double pos(double v) { return v > 0 ? v : 0.0; }

// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's days_from_civil).
inline std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
inline void CivilFromDays(std::int64_t z, std::int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}
inline bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

struct Site {
  double lat = 34.05, lon = -118.25, utc_offset = -7;  // °N, °E, h
};

// cos θ of the sun at local hour h_local (hours since local midnight of the civil day `local_day`, days since
// 1970-01-01; may exceed 24) — the NOAA forms of Spencer (1971), §16.2.
inline double CosZenith(const Site &s, std::int64_t local_day, double h_local) {
  const double hu = h_local - s.utc_offset;
  const double dshift = std::floor(hu / 24.0);
  const std::int64_t utc_day = local_day + static_cast<std::int64_t>(dshift);
  const double h = hu - 24.0 * dshift;
  std::int64_t y;
  unsigned m, d;
  CivilFromDays(utc_day, &y, &m, &d);
  const double doy = static_cast<double>(utc_day - DaysFromCivil(y, 1, 1) + 1);
  const double Y = IsLeap(y) ? 366.0 : 365.0;
  const double g = 2 * kPi / Y * (doy - 1 + (h - 12) / 24);
  const double eot = 229.18 * (0.000075 + 0.001868 * std::cos(g) - 0.032077 * std::sin(g) - 0.014615 * std::cos(2 * g) -
                               0.040849 * std::sin(2 * g));
  const double decl = 0.006918 - 0.399912 * std::cos(g) + 0.070257 * std::sin(g) - 0.006758 * std::cos(2 * g) +
                      0.000907 * std::sin(2 * g) - 0.002697 * std::cos(3 * g) + 0.00148 * std::sin(3 * g);
  const double omega = kPi / 180 * ((60 * h + eot + 4 * s.lon) / 4 - 180);
  const double phi = s.lat * kPi / 180;
  return std::sin(phi) * std::sin(decl) + std::cos(phi) * std::cos(decl) * std::cos(omega);
}
// Haurwitz clear-sky GHI [W/m²] from cos θ.
inline double GhiClearSky(double cos_theta) {
  return cos_theta > 0 ? 1098.0 * cos_theta * std::exp(-0.059 / cos_theta) : 0.0;
}

// The cloud chain's next state from the previous one and the transition uniform u (§16.2).
inline int CloudNext(const double P[3][3], int prev, double u) {
  double acc = 0;
  for (int j = 0; j < 3; ++j) {
    acc += P[prev][j];
    if (u <= acc) return j;
  }
  return 2;
}

struct Battery {
  double E = 13.5, P = 5, eta_c = 0.9486832980505138, eta_d = 0.9486832980505138, soc_lo = 0.1, soc_hi = 1.0;
  double soc0 = 0.5, c_deg = 0.01;
};
// Charging (b > 0) and discharging (b < 0) limits at SoC [kW, grid side].
inline double BatteryHi(const Battery &b, double soc) {
  return std::max(0.0, std::min(b.P, (b.soc_hi - soc) * b.E / (b.eta_c * kDelta)));
}
inline double BatteryLo(const Battery &b, double soc) {
  return -std::max(0.0, std::min(b.P, (soc - b.soc_lo) * b.E * b.eta_d / kDelta));
}
inline double BatteryNext(const Battery &b, double soc, double p) {
  return clip(soc + kDelta * (b.eta_c * pos(p) - pos(-p) / b.eta_d) / b.E, b.soc_lo, b.soc_hi);
}

// Utility settlement rate C^U(x) [$/h] of a net import x [kW].
inline double Utility(double buy, double sell, double x) { return buy * pos(x) - sell * pos(-x); }

// x on the 2^-30 grid as an integer (the ExactSum term).
inline std::int64_t GridInt(double x) { return std::llround(kGrid * x); }
inline double GridRound(double x) { return static_cast<double>(GridInt(x)) / kGrid; }

// Exponentially weighted recursive least squares (§16.3, §13.4) of dimension d with the symmetrization and
// the trace reset guard. theta[d], P[d*d] (row-major), work[2d].
struct Rls {
  int d = 0;
  double lambda = 0.99, p0 = 100, trace_max = 1e6;
  double Predict(const double *theta, const double *phi) const {
    double y = 0;
    for (int k = 0; k < d; ++k) y += theta[k] * phi[k];
    return y;
  }
  void Reset(double *theta, double *P, bool reset_theta) const {
    if (reset_theta) std::fill(theta, theta + d, 0.0);
    std::fill(P, P + d * d, 0.0);
    for (int k = 0; k < d; ++k) P[k * d + k] = p0;
  }
  // One update with regressor phi and target y; returns true when the trace guard reset P.
  bool Update(double *theta, double *P, const double *phi, double y, double *work) const {
    double *Pphi = work;  // P φ
    for (int r = 0; r < d; ++r) {
      double s = 0;
      for (int c = 0; c < d; ++c) s += P[r * d + c] * phi[c];
      Pphi[r] = s;
    }
    double den = lambda;
    for (int r = 0; r < d; ++r) den += phi[r] * Pphi[r];
    const double err = y - Predict(theta, phi);
    for (int r = 0; r < d; ++r) theta[r] += Pphi[r] / den * err;
    // P ← (P − k φᵀP)/λ with k = Pφ/den; φᵀP = (Pᵀφ)ᵀ
    double *phiP = work + d;
    for (int c = 0; c < d; ++c) {
      double s = 0;
      for (int r = 0; r < d; ++r) s += phi[r] * P[r * d + c];
      phiP[c] = s;
    }
    double tr = 0;
    for (int r = 0; r < d; ++r)
      for (int c = 0; c < d; ++c) P[r * d + c] = (P[r * d + c] - Pphi[r] / den * phiP[c]) / lambda;
    for (int r = 0; r < d; ++r)
      for (int c = r + 1; c < d; ++c) {
        const double m = 0.5 * (P[r * d + c] + P[c * d + r]);
        P[r * d + c] = P[c * d + r] = m;
      }
    for (int r = 0; r < d; ++r) tr += P[r * d + r];
    if (tr > trace_max) {
      Reset(theta, P, false);
      return true;
    }
    return false;
  }
};

// The RLS regressor φ (§16.3): [1, y(τ−1..τ−L), ȳ(τ−1..τ−L), sin, cos of the hour, sin, cos of the week].
// lags[0] is y(τ−1), nlags[0] is ȳ(τ−1); nlags = nullptr drops ȳ (own data: dimension L + 5, else 2L + 5).
// w = weekday (Mon = 0) + h_m/24.
inline void Features(int L, const double *lags, double h_m, double w, double *phi, const double *nlags = nullptr) {
  int k = 0;
  phi[k++] = 1.0;
  for (int l = 0; l < L; ++l) phi[k++] = lags[l];
  if (nlags)
    for (int l = 0; l < L; ++l) phi[k++] = nlags[l];
  phi[k++] = std::sin(2 * kPi * h_m / 24), phi[k++] = std::cos(2 * kPi * h_m / 24);
  phi[k++] = std::sin(2 * kPi * w / 7), phi[k++] = std::cos(2 * kPi * w / 7);
}

// Share obfuscation (§16.8). Laplace(0, b) from one uniform u in (0, 1) by the inverse CDF; rng::uniform's
// u < 1 keeps the logarithm finite.
inline double LaplaceFromUniform(double u, double b) {
  const double v = u - 0.5;
  return -b * (v < 0 ? -1.0 : 1.0) * std::log(1.0 - 2.0 * std::fabs(v));
}
// The mask n_i = Σ_{j>i} r_ij − Σ_{j<i} r_ji of home i over its union-graph neighbours nbr[0..deg) (sorted by
// increasing gid, the fixed summation order), r_ij = σ_z·normal(SMASK, a = i·N + j (i < j), b = τ, c = 0):
// every pair's r enters once with + at its lower and once with − at its higher endpoint, so Σ_i n_i = 0
// up to rounding.
inline double ShareMask(std::uint64_t seed, std::int64_t N, std::int64_t i, const std::int64_t *nbr, std::int64_t deg,
                        std::int64_t tau, double sigma) {
  double n = 0;
  for (std::int64_t k = 0; k < deg; ++k) {
    const std::int64_t j = nbr[k], lo = std::min(i, j), hi = std::max(i, j);
    const double r = sigma * rng::normal(seed, rng::SMASK, static_cast<std::uint64_t>(lo * N + hi), static_cast<std::uint64_t>(tau), 0);
    n += j > i ? r : -r;
  }
  return n;
}

}  // namespace dodge::problems::gridcell
