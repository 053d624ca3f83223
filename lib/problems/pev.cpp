// Problem `pev` (algorithms.md §4, Example 1.1 of [ZWL25]): plug-in electric vehicles choose 24-hour net
// charging profiles x_i ∈ R^24 with private time-varying costs f_{i,t} = C_{i,t}ᵀx + (R_{i,t}/2)||x||² under a
// coupled hourly capacity |Σ_i x_i(k)| ≤ 0.35 N, written as m = 48 rows g_i(x) = [x − 0.35·1; −x − 0.35·1],
// and the local set of cumulative energies X_i (PevProject). Data per (agent, step) from the counter RNG:
//   C_{i,t}[k] = U[c_lo, c_hi]   u(INSTANCE, a = gid, b = t, c = k), k < 24      (default U[0,1])
//   R_{i,t}    = U[r_lo, r_hi]   u(INSTANCE, a = gid, b = t, c = 24)             (default U[0.5,1])
// The per-step optimum (§6): rank 0 gathers the step's (C, R) and solves the stacked QP exactly (PevOracle);
// the optimum goes back to the owners.
#include <algorithm>
#include <cmath>
#include <span>

#include "comm/errors.hpp"
#include "comm/exchange.hpp"
#include "core/options.hpp"
#include "core/rng.hpp"
#include "io/recorder.hpp"
#include "oracle/oracle.hpp"
#include "problems/pev_qp.hpp"
#include "problems/vector_problem.hpp"

namespace dodge::problems {

namespace {

constexpr int kDim = PevKernel::dim;

class Pev final : public VectorProblem {
 public:
  Pev() : VectorProblem(200) {}
  const char *name() const override { return "pev"; }
  std::int64_t default_agents() const override { return 10; }
  int dim() const override { return kDim; }
  double state_bytes_per_agent() const override { return sizeof(double) * (kDim + 1.0); }  // C_i(t), R_i(t)
  // The gathered C and R, the optimum X, the QP's shifts and trial point (w, xt, wt) and the row multipliers.
  double root_oracle_bytes_per_agent() const override { return sizeof(double) * (kDim + 1.0 + 4.0 * kDim + kPevRows); }
  int rows() const override { return PevKernel::rows; }

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "pev_", "Problem pev: PEV charging with 48 coupled hourly constraints (algorithms.md §4)",
                      nullptr);
    PetscCall(StepsOption(PetscOptionsObject));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-c_range", "Range of the linear cost entries C_{i,t}(k) ~ U[lo,hi]", c_range_));
    PetscCall(OptionsRealPair(PetscOptionsObject, "-r_range", "Range of the quadratic cost R_{i,t} ~ U[lo,hi] (lo > 0)", r_range_));
    PetscCall(OptionsInt(PetscOptionsObject, "-oracle_max_agents",
                         "Largest N for which the per-step optimum (rank 0 solves the stacked QP) is computed; "
                         "larger runs need -metrics false",
                         0, PETSC_MAX_INT, &oracle_max_));
    PetscOptionsEnd();
    PetscCheck(r_range_[0] > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-pev_r_range must be positive (the cost must be strictly convex); got %g", r_range_[0]);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, std::uint64_t seed) override {
    PetscFunctionBeginUser;
    SetupInstance(block, seed);
    const std::int64_t nloc = block.local();
    C_.resize(nloc * kDim), R_.resize(nloc);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // The exact optimum gathers every agent's step on rank 0: refuse before the run if that is too large.
  PetscErrorCode PrepareOracle() override {
    PetscFunctionBeginUser;
    PetscCheck(block_.n <= oracle_max_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "pev with N = %" PetscInt64_FMT " agents: the per-step optimum (rank 0 solves the stacked QP of 24N variables) "
               "is limited to -pev_oracle_max_agents %" PetscInt_FMT "; raise it or run with -metrics false",
               block_.n, oracle_max_);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode BeginVectorStep(std::int64_t t, VectorKernel *kernel) override {
    PetscFunctionBeginUser;
    const std::uint64_t tt = static_cast<std::uint64_t>(t);
    for (std::int64_t i = 0; i < block_.local(); ++i) {
      const std::uint64_t gid = static_cast<std::uint64_t>(block_.start + i);
      for (int k = 0; k < kDim; ++k)
        C_[kDim * i + k] = rng::uniform(c_range_[0], c_range_[1], seed_, rng::INSTANCE, gid, tt, k);
      R_[i] = rng::uniform(r_range_[0], r_range_[1], seed_, rng::INSTANCE, gid, tt, kDim);
    }
    *kernel = PevKernel{C_.data(), R_.data()};
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Rank 0 gathers (C, R), solves the stacked QP exactly (KKT residual ≤ 1e-9) and scatters x*.
  PetscErrorCode VectorOracle(std::int64_t, const VectorKernel &, double, double *xstar, oracle::Result *res) override {
    const Events *ev;
    const int rank = comm::WorldRank();
    PetscFunctionBeginUser;
    PetscCall(EventsGet(&ev));
    PetscCall(PetscLogEventBegin(ev->oracle, 0, 0, 0, 0));
    const std::int64_t nloc = block_.local(), n = block_.n;
    std::vector<double> C, R, X;
    PetscCall(comm::GatherToRoot(PETSC_COMM_WORLD, C_, &C));
    PetscCall(comm::GatherToRoot(PETSC_COMM_WORLD, R_, &R));
    // Largest multiplier, iterations, KKT residual: set on rank 0, shared by a sum (the others add zeros).
    double info[3] = {0, 0, 0};
    if (rank == 0) {
      X.resize(n * kDim);
      std::vector<double> lambda(2 * kDim);
      const PevOracleResult r = PevOracle(static_cast<int>(n), C, R, X, lambda);
      double lmax = 0;
      for (double l : lambda) lmax = std::max(lmax, l);
      info[0] = lmax, info[1] = r.iterations, info[2] = r.status == qp::Status::converged ? r.kkt : INFINITY;
    }
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, info, 3));
    PetscCall(comm::ScatterFromRoot(PETSC_COMM_WORLD, X, std::span<double>(xstar, nloc * kDim)));
    res->mu = info[0];
    res->iterations = static_cast<int>(info[1]);
    res->converged = info[2] <= 1e-9;
    PetscCall(PetscLogEventEnd(ev->oracle, 0, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  double constraint_scale() const override { return static_cast<double>(block_.n) * 4.0 * PevKernel::rows; }

  std::string describe() const override {
    char s[256];
    snprintf(s, sizeof s, "pev (x_i in R^24, m = 48, |sum_i x_i(k)| <= 0.35 N, C ~ U[%g,%g]^24, R ~ U[%g,%g]), T = %lld",
             c_range_[0], c_range_[1], r_range_[0], r_range_[1], (long long)steps_);
    return s;
  }

  PetscErrorCode RecordInputs(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    const double limit = kPevShare * static_cast<double>(block_.n);
    PetscCall(rec.WriteGlobalArray("problem/hourly_limit", &limit, 1, "per-unit", "coupled limit |sum_i x_i(k)| <= 0.35 N"));
    PetscCall(rec.SetAttribute("/inputs/problem", "name", std::string("pev")));
    PetscCall(rec.SetAttribute("/inputs/problem", "c_range", std::to_string(c_range_[0]) + "," + std::to_string(c_range_[1])));
    PetscCall(rec.SetAttribute("/inputs/problem", "r_range", std::to_string(r_range_[0]) + "," + std::to_string(r_range_[1])));
    PetscCall(rec.SetAttribute("/inputs/problem", "local_set",
                               std::string("|x_k| <= 2; 0 <= sum_{tau<=k} x_tau <= 10 (k < 24); 8 <= sum_tau x_tau <= 10")));
    PetscCall(rec.SetAttribute("/inputs/problem", "instance",
                               std::string("C_{i,t}(k) = U(INSTANCE, a = agent, b = step, c = k), R_{i,t}: c = 24")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:
  PetscInt oracle_max_ = 100000;
  double c_range_[2] = {0.0, 1.0}, r_range_[2] = {0.5, 1.0};
  std::vector<double> C_, R_;  // step t's coefficients of the local agents
};

}  // namespace

std::unique_ptr<Problem> PevCreate() { return std::make_unique<Pev>(); }

}  // namespace dodge::problems
