// Counter-based random numbers keyed by (seed, stream, a, b, c) (algorithms.md §0.6): the value for an
// agent never depends on the rank count or on the order of evaluation.
#pragma once
#include <cmath>
#include <cstdint>

namespace dodge::rng {

// Stream ids of algorithms.md §0.6; unused key fields are 0.
enum Stream : std::uint64_t {
  COEF = 1,   // a = gid, c = coefficient index
  INIT = 2,   // a = gid, c = coordinate
  PHAT0 = 3,  // a = gid, b = day
  MU0 = 4,    // b = t
  KAPPA = 5,  // a = gid
  NOISE = 6,  // a = gid, b = t
  LINK = 7,   // a = union edge index, b = t
  GRAPH = 8,  // a = attempt, b = pair
  SYNTH = 9,  // a = gid, b = t, c = coefficient
  ECS = 10,
  MASK = 11,
  DP = 12,
  BANDIT = 13,
  INSTANCE = 14,
  ATTACK = 15,
  HOME = 16,      // gridcell (docs/gridcell.md §16.10): a = gid, c = coefficient
  LOAD = 17,      // a = gid, b = τ
  CLOUD = 18,     // b = τ, c = 0 transition, 1 within-bin
  MFQ = 19,       // a = gid, b = ctr
  SHARE = 20,     // a = gid, b = τ
  SMASK = 21,     // a = i·N + j, b = τ
  GCATTACK = 22,  // a = gid
};

inline constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t mix(std::uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ULL;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z;
}

constexpr std::uint64_t key(std::uint64_t seed, std::uint64_t s, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  return mix(mix(mix(mix(mix(seed ^ kGolden) ^ (s + kGolden)) ^ (a + kGolden)) ^ (b + kGolden)) ^ (c + kGolden));
}

// u in (0, 1], double precision.
inline double uniform(std::uint64_t seed, std::uint64_t s, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  return (static_cast<double>(key(seed, s, a, b, c) >> 11) + 0.5) * 0x1p-53;
}

// U[lo, hi] = lo + (hi - lo) u.
inline double uniform(double lo, double hi, std::uint64_t seed, std::uint64_t s, std::uint64_t a, std::uint64_t b,
                      std::uint64_t c) {
  return lo + (hi - lo) * uniform(seed, s, a, b, c);
}

// Box-Muller from the two uniforms with c' = 2c and 2c + 1.
inline double normal(std::uint64_t seed, std::uint64_t s, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  const double u1 = uniform(seed, s, a, b, 2 * c), u2 = uniform(seed, s, a, b, 2 * c + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace dodge::rng
