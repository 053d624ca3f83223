// Data-poisoning attacks and the defences against them (algorithms.md §13.3 as amended by gridcell.md §16.16
// item 4) on the graph algorithms pdct and li2022, as one send policy (send_policy.hpp): configured agents
// send poisoned values while their stored state stays honest; every receiver either mixes plainly, runs a
// robust-residual detector per (receiver, sender, coordinate) and excludes alarmed neighbours, or mixes by the
// trimmed mean of LeBlanc et al. (IEEE JSAC 31(4), 2013). One documented option block; everything off by
// default, and then no policy is installed, so trajectories are those of the plain algorithms bit for bit.
//
// The detector and the trimming are pure per-agent kernels (namespace attacks below), unit-tested alone.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "core/petsc_compat.hpp"
#include "problems/market.hpp"

namespace dodge::algorithms {

enum class AttackKind { scale, bias, replay };
enum class Defense { none, detect, trimmed };
enum class Detector { cusum, ewma };

struct AttackOptions {
  // -attack_agents: "" (no attack), comma-separated global ids ("3,17"), or a fraction f in [0, 1] written
  // with a decimal point ("0.1": the round(f n) agents with the smallest u(ATTACK, a = gid, b = 0, c = 0),
  // ties by id, so the choice never depends on the partition).
  std::string agents;
  AttackKind kind = AttackKind::bias;
  double scale = 0.5;      // scale: send (1 + s) v
  double bias = 1.0;       // bias: send v + β (per-unit, every coordinate)
  std::int64_t lag = 10;   // replay: send v_{t−L} (the current value while t ≤ L)
  std::int64_t start = 1;  // first poisoned step
  Defense defense = Defense::none;
  std::int64_t trim = 1;  // F of trimmed mixing
  Detector detector = Detector::cusum;
  double flag = 3.5;                  // |r| above it is a flag (counted, not an alarm)
  double cusum_k = 0.5, cusum_h = 5;  // two-sided CUSUM (Page 1954): allowance k, decision limit h
  double ewma_lambda = 0.2, ewma_limit = 3;  // EWMA chart: alarm if |z| > L sqrt(λ/(2 − λ))
  double sigma_floor = 0.2;  // floor of the residual scale max(1.4826 MAD, σ_floor), per-unit (docs/exchange.md)
  std::int64_t detect_start = 1;  // first step the detector watches (before it: no statistics, no flags, no alarms)
  bool any() const { return !agents.empty() || defense != Defense::none; }
};

// Reads the block -attack_agents, -attack_kind scale|bias|replay, -attack_scale, -attack_bias, -attack_lag,
// -attack_start, -defense none|detect|trimmed, -defense_trim, -defense_detector cusum|ewma, -defense_flag,
// -defense_cusum_k, -defense_cusum_h, -defense_ewma_lambda, -defense_ewma_limit, -defense_sigma_floor,
// -defense_start.
// Ranges are checked by the readers (negative thresholds fail naming the option), and a malformed
// -attack_agents too. Collective.
PetscErrorCode AttackOptionsRead(AttackOptions *o);

// Installs the policy on a set-up graph algorithm (after Setup, before the first step and before the graphs
// release their setup data). Fails naming the option for: an id outside [0, n), an algorithm without a
// graph or dopp, another send policy already installed (-exchange_trigger / -exchange_privacy), and
// -defense trimmed on a graph where some agent has fewer than 2F + 1 in-neighbours in some graph of the
// sequence. Nothing happens when nothing is on. Collective.
PetscErrorCode AttackInstall(const AttackOptions &o, Algorithm &algorithm, std::uint64_t seed);

// Installs the dual channel of a market family in §16.8's form (docs/gridcell.md; problems/market.hpp): the
// family's attackers send (1 + s) v + β per coordinate (μ, then pdct's y) or replay v of `lag` steps earlier
// from step `start`, and every receiver runs §16.8's detector per coordinate (robust z on a smoothed residual
// scale σ̂_i with the coordinate's floor, the EWMA chart with its burn-in, or §13.3's CUSUM) and sets w_ij = 0
// (the weight to w_ii) for an alarmed neighbour. Fails naming -gridcell_attack_fraction / -gridcell_detect when
// another send policy is installed (the generic -attack_agents/-defense, -exchange_trigger, -exchange_privacy).
// Nothing happens when the channel is off. Collective.
PetscErrorCode AttackInstallDual(const problems::DualChannel &c, Algorithm &algorithm);

// The attacking agents (sorted global ids) of -attack_agents over n agents; false with a message naming the
// option on a malformed spec or an id outside [0, n). Pure (no MPI), identical on every rank.
bool AttackAgents(const std::string &spec, std::int64_t n, std::uint64_t seed, std::vector<std::int64_t> *ids,
                  std::string *why);

namespace attacks {

// The minimum number of values (the receiver's own and its active in-neighbours') for the robust statistics
// (gridcell.md §16.16 4(c)); with fewer the detector does not update on that step.
inline constexpr int kMinValues = 4;
// 1.4826 MAD estimates σ for normal data.
inline constexpr double kMadScale = 1.4826;

// Median and residual scale max(1.4826 MAD, σ_floor) of v[0..n), n ≥ 1; v is reordered (sorted).
struct Robust {
  double median, scale;
};
Robust RobustStats(double *v, int n, double sigma_floor, std::vector<double> &scratch);

// One step of a detector chart on residual r. state[0..2): CUSUM G⁺, G⁻ (start 0; alarm if either > h) or
// EWMA z, unused (start 0; alarm if |z| > L sqrt(λ/(2 − λ))). Returns whether it alarms.
struct Chart {
  Detector kind = Detector::cusum;
  double k = 0.5, h = 5, lambda = 0.2, limit = 3;
};
bool ChartStep(const Chart &c, double r, double *state);

// The trimmed mean of LeBlanc et al.: of the n neighbour values v, drop the F largest of those above own and
// the F smallest of those below it (all of them when fewer), and average own and the rest with equal
// weights. Summed own first, then the kept values in increasing order, so the result depends only on the
// multiset of values, never on their order (nor on which ranks the neighbours live).
double TrimmedMean(double own, const double *v, int n, int F, std::vector<double> &scratch);

}  // namespace attacks

}  // namespace dodge::algorithms
