// The exchange mechanisms of [WLHQ20] (algorithms.md §13, as corrected by gridcell.md §16.16) as send
// policies of the graph algorithms (send_policy.hpp): event-triggered broadcasting of held copies (§13.1) and
// the privacy of exchanged values by zero-sum pairwise masks or the Laplace mechanism (§13.2). One documented
// option block; every feature off by default, and then no policy is installed, so trajectories are those of
// the plain algorithms bit for bit.
#pragma once
#include <cstdint>
#include <string>

#include "algorithms/algorithm.hpp"
#include "core/petsc_compat.hpp"

namespace dodge::algorithms {

enum class Privacy { none, masks, laplace };

struct ExchangeFeatures {
  // §13.1: trigger when max_s |v_s − ṽ_s| > c0 + c1 exp(−rho t), per coordinate in the family's reference
  // units (the per-unit values of every family here: 1 for μ and y).
  bool trigger = false;
  double c0 = 1e-3, c1 = 0.1, rho = 0.05;
  // §13.2: masks r_ij(t) = σ_m0 φ^(t−1) N(0,1) (stream MASK); Laplace b_t = (Δ/ε) φ^(t−1) (stream DP).
  Privacy privacy = Privacy::none;
  double sigma0 = 1.0, phi = 0.9, epsilon = 1.0, sensitivity = 1.0;
  bool any() const { return trigger || privacy != Privacy::none; }
};

// Reads the block -exchange_trigger, -exchange_trigger_c0/_c1/_rho, -exchange_privacy none|masks|laplace,
// -exchange_privacy_sigma0/_phi/_epsilon/_sensitivity; ranges are checked by the readers (negative thresholds,
// ε <= 0, φ outside (0, 1] fail naming the option), and combinations that §13 excludes fail too
// (triggering with privacy on the one channel). Collective.
PetscErrorCode ExchangeFeaturesRead(ExchangeFeatures *f);

// Installs the policy the features ask for on a set-up graph algorithm, after Setup and before the first step
// (and before the graphs release their setup data). Fails, naming the option, for an algorithm the feature
// does not support (coordinator algorithms, dopp) or a graph it cannot run on (masks on a directed graph).
// Nothing happens when no feature is on. Collective.
PetscErrorCode ExchangeFeaturesInstall(const ExchangeFeatures &f, Algorithm &algorithm, std::uint64_t seed);

// One line for the run's header: the installed policy, or "" when none.
std::string ExchangeFeaturesDescribe(const Algorithm &algorithm);

}  // namespace dodge::algorithms
