// Pieces shared by the graph algorithms (algorithms.md §8 "Common"): step-size laws, schemes, initial points.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include "core/petsc_compat.hpp"
#include "core/rng.hpp"

namespace dodge::io {
class Recorder;
}

namespace dodge::algorithms {

// α_t = α0/t^pa, β_t = β0/t^pb, γ_t = γ0/t^pg (γ defaults to α).
struct StepLaws {
  double alpha0 = 1, pa = 0.5, beta0 = 1, pb = 0.2, gamma0 = 1, pg = 0.5;
  std::string scheme = "S2a";
  double alpha(std::int64_t t) const { return alpha0 / std::pow(static_cast<double>(t), pa); }
  double beta(std::int64_t t) const { return beta0 / std::pow(static_cast<double>(t), pb); }
  double gamma(std::int64_t t) const { return gamma0 / std::pow(static_cast<double>(t), pg); }

  // Reads -<prefix>scheme S1|S2|S3|custom and the free laws -<prefix>alpha0 ... -<prefix>pg inside the
  // caller's option block; checks pa, pb, pg >= 0 and γ1 β1 <= 1 (§8.1 setup check).
  PetscErrorCode FromOptions(PetscOptionItems *PetscOptionsObject, const char *prefix);
  // After FromOptions: the problem's default scheme (e.g. "G" on gridcell) when -<prefix>scheme was not given;
  // the free laws given keep their values. Collective (the checks).
  // Both resolve the laws and run the checks; a caller that may take a problem's default (pdct) sets
  // defer_checks before FromOptions, so that laws meant for that scheme are not refused against S2a first.
  PetscErrorCode ApplyDefaultScheme(const char *name);
  PetscErrorCode Check();
  PetscErrorCode Record(io::Recorder &rec, const std::string &group) const;
  bool scheme_given = false, defer_checks = false;

 private:
  PetscErrorCode Resolve(int scheme_idx, bool check);
  int scheme_idx_ = 4;
  std::string prefix_;
  bool given_set_[6] = {};
  double given_[6] = {};
};

enum class Init { Random, Midpoint, Lower };

// Reads -<prefix>init random|midpoint|lower inside the caller's option block.
PetscErrorCode InitFromOptions(PetscOptionItems *PetscOptionsObject, const char *prefix, Init *init);
const char *InitName(Init init);

// Coordinate k of x_{i,1} before projection: lo + (hi − lo) u(INIT, gid, 0, k), the midpoint or lo.
inline double InitialPoint(Init init, std::uint64_t seed, std::int64_t gid, double lo, double hi, int k = 0) {
  switch (init) {
    case Init::Random:
      return lo + (hi - lo) * rng::uniform(seed, rng::INIT, static_cast<std::uint64_t>(gid), 0, static_cast<std::uint64_t>(k));
    case Init::Midpoint: return 0.5 * (lo + hi);
    case Init::Lower: return lo;
  }
  return lo;
}

}  // namespace dodge::algorithms
