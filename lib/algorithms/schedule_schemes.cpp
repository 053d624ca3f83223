// The scheduling schemes of algorithms.md §11 (see schedule_schemes.hpp).
#include "algorithms/schedule_schemes.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dodge::algorithms::schedule {

namespace {
inline double clip(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }
constexpr int kMaxBisect = 400;  // the interval halves each time: far beyond what double precision needs
}  // namespace

const char *SchemeName(Scheme s) {
  switch (s) {
    case Scheme::Optimal: return "optimal";
    case Scheme::OptimalPar: return "optimal_par";
    case Scheme::Uniform: return "uniform";
    case Scheme::Aca: return "aca";
    case Scheme::ParEcs: return "par_ecs";
  }
  return "?";
}

double FillSum(const problems::ScheduleModel &m, const double *d, double level) {
  double s = 0;
  for (std::int64_t h = 0; h < m.H; ++h) s += clip(level - d[h], m.X_min, m.X_max);
  return s;
}

// Both bisections run to the resolution of double precision (until the midpoint equals an end), which meets
// the 1e-12·E_tot tolerance of §11 with room to spare: stopping at the tolerance would leave the last unit of
// the vertex fill up to 1e-12·E_tot away from its neighbours (σ_d = 0 would then miss the 1e-9 oracle).
double WaterLevel(const problems::ScheduleModel &m, const double *d, std::int64_t *iterations) {
  const double dmin = *std::min_element(d, d + m.H), dmax = *std::max_element(d, d + m.H);
  double lo = dmin + m.X_min, hi = dmax + m.X_max;
  std::int64_t it = 0;
  double nu;
  const double slo = FillSum(m, d, lo), shi = FillSum(m, d, hi);
  if (slo >= m.E_tot) nu = lo;
  else if (shi <= m.E_tot) nu = hi;
  else {
    // Invariant: FillSum(lo) < E_tot < FillSum(hi).
    double s_lo = slo, s_hi = shi;
    for (; it < kMaxBisect; ++it) {
      const double mid = 0.5 * (lo + hi);
      if (!(lo < mid && mid < hi)) break;
      const double s = FillSum(m, d, mid);
      if (s == m.E_tot) {
        lo = hi = mid, s_lo = s_hi = s;
        break;
      }
      if (s < m.E_tot) lo = mid, s_lo = s;
      else hi = mid, s_hi = s;
    }
    nu = (m.E_tot - s_lo <= s_hi - m.E_tot) ? lo : hi;
  }
  if (iterations) *iterations = it;
  return nu;
}

double MinPeak(const problems::ScheduleModel &m, const double *d, std::int64_t *iterations) {
  double lo = m.X_min - INFINITY;
  for (std::int64_t h = 0; h < m.H; ++h) lo = std::max(lo, d[h] + m.X_min);
  double hi = *std::max_element(d, d + m.H) + m.X_max;
  std::int64_t it = 0;
  if (FillSum(m, d, lo) >= m.E_tot) hi = lo;
  else
    // Invariant: FillSum(lo) < E_tot <= FillSum(hi): hi ends as the least such z in double precision.
    for (; it < kMaxBisect; ++it) {
      const double mid = 0.5 * (lo + hi);
      if (!(lo < mid && mid < hi)) break;
      (FillSum(m, d, mid) >= m.E_tot ? hi : lo) = mid;
    }
  if (iterations) *iterations = it;
  return hi;
}

double Eta(std::int64_t h) { return 1.0 / std::pow(static_cast<double>(h), 0.6); }

OnlineStepper::OnlineStepper(Scheme scheme, const problems::ScheduleModel &m) : scheme_(scheme), m_(m) {
  // ν^1 = E_tot/H + μ_d (aca); τ^1 = μ_d (par_ecs).
  p_ = scheme == Scheme::Aca ? m.E_tot / static_cast<double>(m.H) + m.mu_d : m.mu_d;
}

double OnlineStepper::Next(std::int64_t h, double d_h) {
  const double Ebar = (m_.E_tot - sum_) / static_cast<double>(m_.H - h + 1);
  used_ = p_;
  double X;
  if (h == m_.H) X = clip(m_.E_tot - sum_, m_.X_min, m_.X_max);  // closure
  else if (scheme_ == Scheme::Aca) X = clip(p_ - d_h, m_.X_min, m_.X_max);
  else X = d_h < p_ ? m_.X_max : m_.X_min;
  p_ = p_ + Eta(h) * (Ebar - X);
  sum_ += X;
  return X;
}

Schedule Compute(Scheme scheme, ParTiebreak tiebreak, const problems::ScheduleModel &m, const double *d) {
  Schedule s;
  const std::int64_t H = m.H;
  s.X.assign(H, 0.0), s.price.assign(H, NAN);
  switch (scheme) {
    case Scheme::Uniform:
      std::fill(s.X.begin(), s.X.end(), m.E_tot / static_cast<double>(H));
      break;
    case Scheme::OptimalPar:
      if (tiebreak == ParTiebreak::Vertex) {
        const double z = MinPeak(m, d, &s.iterations);
        std::vector<std::int64_t> order(H);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return d[a] < d[b]; });
        std::fill(s.X.begin(), s.X.end(), m.X_min);
        double rest = m.E_tot - static_cast<double>(H) * m.X_min;
        for (std::int64_t h : order) {
          if (rest <= 0) break;
          const double room = std::max(0.0, std::min(m.X_max, z - d[h]) - m.X_min);
          const double add = std::min(room, rest);
          s.X[h] = m.X_min + add;
          rest -= add;
        }
        std::fill(s.price.begin(), s.price.end(), z);
        break;
      }
      [[fallthrough]];
    case Scheme::Optimal: {
      const double nu = WaterLevel(m, d, &s.iterations);
      for (std::int64_t h = 0; h < H; ++h) s.X[h] = clip(nu - d[h], m.X_min, m.X_max);
      std::fill(s.price.begin(), s.price.end(), nu);
      break;
    }
    case Scheme::Aca:
    case Scheme::ParEcs: {
      OnlineStepper st(scheme, m);
      for (std::int64_t h = 1; h <= H; ++h) {
        s.X[h - 1] = st.Next(h, d[h - 1]);
        s.price[h - 1] = st.price();
      }
      break;
    }
  }
  double sum = 0;
  for (double x : s.X) sum += x;
  s.shortfall = m.E_tot - sum;
  return s;
}

SampleMetrics Evaluate(const problems::ScheduleModel &m, const double *d, const double *X) {
  SampleMetrics r;
  double dsum = 0, dpeak = 0;
  for (std::int64_t h = 0; h < m.H; ++h) {
    const double L = X[h] + d[h];
    r.cost += m.kappa * L * L, r.energy += L, r.peak = std::max(r.peak, L);
    dsum += d[h], dpeak = std::max(dpeak, d[h]);
  }
  const double H = static_cast<double>(m.H);
  r.cost_per_kwh = r.cost / r.energy;
  r.par = r.peak / (r.energy / H);
  r.base_par = dsum > 0 ? dpeak / (dsum / H) : NAN;
  return r;
}

}  // namespace dodge::algorithms::schedule
