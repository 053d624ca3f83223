// The coordinator algorithms coa, doa and dpa (algorithms.md §9) share one step: the coordinator (rank 0's
// role; the price is computed identically on every rank from reduced sums) sets a scalar price μ, every agent
// answers with its best response x_i(μ), and the step plays x_i(price). They differ in how the price is
// found: coa solves the step exactly (the oracle of §6), doa iterates the dual step (21), dpa does the same
// with the users' proximal weight α = 0. Each inner iteration is one pass over the local agents and one
// reduction; the step ends with one pass that plays the decisions and fills the metrics, and one fused
// reduction of them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"

namespace dodge::algorithms {

enum class CoordinatorKind { coa, doa, dpa };

struct CoordinatorOptions {
  bool single_step = false;  // doa mode single_step ([WMN13c]): K_max = 1, no stop test
  double delta = 0.15, eps = 0.2;
  PetscBool delta_set = PETSC_FALSE, eps_set = PETSC_FALSE;  // unset: the problem's preset (demand §3.2)
  PetscInt kmax = 500;
  PetscBool warm_start = PETSC_TRUE;
  PetscInt trace = 0;  // λ^0..λ^{trace−1} of every step as series lambda_iter_k (δ study, W1)
};

// Reads -<prefix>delta, eps, kmax, warm_start and trace_iterations inside the caller's option block and
// checks them (collective).
PetscErrorCode CoordinatorOptionsRead(PetscOptionItems *PetscOptionsObject, const char *prefix, CoordinatorOptions *o);

class Coordinator : public Algorithm {
 public:
  explicit Coordinator(CoordinatorKind kind) : kind_(kind) {}
  bool uses_graph() const override { return false; }
  // Collective: visits step 1 once to resolve δ and ε from the problem's preset.
  PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                       std::int64_t T) override;
  PetscErrorCode Step(StepContext &ctx) override;
  std::vector<AgentField> agent_fields() const override;
  std::vector<metrics::SeriesInfo> series() const override;
  void series_values(double *out) const override;
  PetscErrorCode RecordParameters(io::Recorder &rec) const override;
  std::string describe() const override;
  PetscErrorCode SaveState(io::Recorder &ckpt) const override;
  PetscErrorCode LoadState(io::Reader &ckpt) override;

  // The price played at the last step, μ_final (the next step's warm start) and the inner iterations.
  double price() const { return price_; }
  double lambda_final() const { return lambda_; }
  std::int64_t inner_iterations() const { return iters_; }

 protected:
  CoordinatorKind kind_;
  CoordinatorOptions opt_;

 private:
  template <class K>
  PetscErrorCode StepWith(const K &k, StepContext &ctx);
  template <class K>
  void Play(const K &k, const K &kr, double price, StepContext &ctx);

  Block block_;
  problems::Problem *problem_ = nullptr;
  std::int64_t T_ = 0;
  std::uint64_t seed_ = 1;
  double delta_ = 0.15, eps_ = 0.2;  // resolved
  std::string family_;
  std::vector<double> x_;
  double price_ = NAN, lambda_ = 0;
  std::int64_t iters_ = 0;
  bool converged_ = true;
  std::int64_t not_converged_ = 0;
  std::vector<double> trace_;
};

}  // namespace dodge::algorithms
