// The scheduling schemes of algorithms.md §11 ([ECS]) on the aggregates of a scheduling family
// (problems/schedule.hpp): pure functions of (model, d^1..d^H), no MPI, no allocation beyond their outputs.
// The run (one sample, unit by unit) and the sweep (every replicate) call the same code, so the two agree
// bitwise. The online schemes (aca, par_ecs) are steppers that read d^h only at unit h.
#pragma once
#include <cstdint>
#include <vector>

#include "problems/schedule.hpp"

namespace dodge::algorithms::schedule {

enum class Scheme { Optimal, OptimalPar, Uniform, Aca, ParEcs };
enum class ParTiebreak { Vertex, Valley };

// The LA aggregate X^h of every unit and the scheme's price-like scalar per unit: the water level ν
// (optimal, and optimal_par with valley), the peak z* (optimal_par vertex), ν^h (aca), τ^h (par_ecs), NaN
// (uniform). shortfall = E_tot − Σ_h X^h (signed: negative is an excess), reported, never hidden.
struct Schedule {
  std::vector<double> X, price;
  double shortfall = 0;
  std::int64_t iterations = 0;  // bisection iterations (optimal, optimal_par)
};

// Σ_h clip(level − d^h, X_min, X_max).
double FillSum(const problems::ScheduleModel &m, const double *d, double level);
// Scheme 1: ν with Σ_h clip(ν − d^h, X_min, X_max) = E_tot by bisection on [min d + X_min, max d + X_max]
// to 1e-12·E_tot.
double WaterLevel(const problems::ScheduleModel &m, const double *d, std::int64_t *iterations);
// Scheme 2: z* = min{z >= max_h(d^h + X_min) : FillSum(z) >= E_tot} by bisection.
double MinPeak(const problems::ScheduleModel &m, const double *d, std::int64_t *iterations);

// η_h = 1/h^0.6 and Ē_h = (E_tot − Σ_{τ<h} X^τ)/(H − h + 1) of schemes 4 and 5.
double Eta(std::int64_t h);

// Scheme 4 (ACA-ECS) and 5 (par_ecs, Algorithm 2) as steppers: Next(h, d^h) returns X^h (h = 1..H in
// order) and leaves price() = the multiplier used at unit h (ν^h or τ^h).
class OnlineStepper {
 public:
  OnlineStepper(Scheme scheme, const problems::ScheduleModel &m);
  double Next(std::int64_t h, double d_h);
  double price() const { return used_; }
  double delivered() const { return sum_; }  // Σ_{τ<=h} X^τ

 private:
  Scheme scheme_;
  problems::ScheduleModel m_;
  double p_ = 0, used_ = 0, sum_ = 0;  // ν^h or τ^h (the next unit's), the one used, Σ X
};

// The whole schedule of one sample (the online schemes stepped through h = 1..H).
Schedule Compute(Scheme scheme, ParTiebreak tiebreak, const problems::ScheduleModel &m, const double *d);

// The sample's metrics ([ECS] §V, algorithms.md §12): cost per kWh Σ_h κ(L^h)²/Σ_h L^h and
// PAR max_h L^h / ((1/H)Σ_h L^h), L^h = X^h + d^h; base_par is the PAR of d alone.
struct SampleMetrics {
  double cost = 0, energy = 0, cost_per_kwh = 0, par = 0, peak = 0, base_par = 0;
};
SampleMetrics Evaluate(const problems::ScheduleModel &m, const double *d, const double *X);

const char *SchemeName(Scheme s);

}  // namespace dodge::algorithms::schedule
