// Problem `regression` (algorithms.md §4, Example 1.2 of [ZWL25]): online linear regression with a
// time-varying nonlinear coupled constraint. Node i keeps its own copy x_i ∈ [−2,2]^5 (the paper's x is common;
// consensus would need equality coupling, out of scope [chosen]) and sees f_{i,t} = ½||A_{i,t}x − b_{i,t}||²
// with b = A x° + σζ, and g_{i,t} = 0.1||x||² + e_{i,t}ᵀx − h_{i,t}; Σ_i g_{i,t} ≤ 0 couples the nodes (m = 1).
// Data come from the counter RNG (stream INSTANCE) per (agent, step), so nothing is stored per step beyond the
// step's own arrays and every rank count sees the same instance:
//   x°_k       = U[−1,1]      u(INSTANCE, a = 0, b = 0, c = k)          (b = 0 is not a step)
//   A_{i,t}[q][k] ~ N(0,1)    normal(INSTANCE, gid, t, c = 5q + k)       (uniforms 2c, 2c+1 < 80)
//   ζ_{i,t}[q] ~ N(0,1)       normal(INSTANCE, gid, t, c = 40 + q)       (uniforms 80..95)
//   e_{i,t}[k] = U[−0.5,0.5]  u(INSTANCE, gid, t, c = 96 + k)
//   h_{i,t}    = U[0.5,1]     u(INSTANCE, gid, t, c = 101)
#include <algorithm>
#include <cmath>

#include "comm/exchange.hpp"
#include "core/rng.hpp"
#include "io/recorder.hpp"
#include "oracle/oracle.hpp"
#include "problems/vector_problem.hpp"

namespace dodge::problems {

namespace {

using regression::kDim;
using regression::kObs;

class Regression final : public VectorProblem {
 public:
  Regression() : VectorProblem(1000) {}
  const char *name() const override { return "regression"; }
  std::int64_t default_agents() const override { return 10; }
  int dim() const override { return kDim; }
  // Observations A_i, targets b_i, the noise e_i and the bound h_i.
  double state_bytes_per_agent() const override { return sizeof(double) * (kObs * kDim + kObs + kDim + 1.0); }
  int rows() const override { return 1; }

  PetscErrorCode SetFromOptions() override {
    PetscFunctionBeginUser;
    PetscOptionsBegin(PETSC_COMM_WORLD, "regression_",
                      "Problem regression: online linear regression with a coupled quadratic constraint (algorithms.md §4)",
                      nullptr);
    PetscCall(StepsOption(PetscOptionsObject));
    PetscCall(OptionsReal(PetscOptionsObject, "-noise", "Noise scale sigma >= 0 of b = A x_true + sigma zeta", kAnyFinite, &noise_));
    PetscOptionsEnd();
    PetscCheck(noise_ >= 0 && std::isfinite(noise_), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-regression_noise %g must be a finite number >= 0", (double)noise_);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode Setup(const Block &block, std::uint64_t seed) override {
    PetscFunctionBeginUser;
    SetupInstance(block, seed);
    for (int k = 0; k < kDim; ++k) xtrue_[k] = rng::uniform(-1.0, 1.0, seed, rng::INSTANCE, 0, 0, k);
    const std::int64_t nloc = block.local();
    A_.resize(nloc * kObs * kDim), b_.resize(nloc * kObs), e_.resize(nloc * kDim), h_.resize(nloc);
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  PetscErrorCode BeginVectorStep(std::int64_t t, VectorKernel *kernel) override {
    PetscFunctionBeginUser;
    const std::uint64_t tt = static_cast<std::uint64_t>(t);
    for (std::int64_t i = 0; i < block_.local(); ++i) {
      const std::uint64_t gid = static_cast<std::uint64_t>(block_.start + i);
      double *A = &A_[kObs * kDim * i], *b = &b_[kObs * i], *e = &e_[kDim * i];
      for (int q = 0; q < kObs; ++q) {
        double s = 0;
        for (int k = 0; k < kDim; ++k) {
          A[kDim * q + k] = rng::normal(seed_, rng::INSTANCE, gid, tt, kDim * q + k);
          s += A[kDim * q + k] * xtrue_[k];
        }
        b[q] = s + noise_ * rng::normal(seed_, rng::INSTANCE, gid, tt, kObs * kDim + q);
      }
      for (int k = 0; k < kDim; ++k) e[k] = rng::uniform(-0.5, 0.5, seed_, rng::INSTANCE, gid, tt, 96 + k);
      h_[i] = rng::uniform(0.5, 1.0, seed_, rng::INSTANCE, gid, tt, 101);
    }
    *kernel = RegressionKernel{A_.data(), b_.data(), e_.data(), h_.data()};
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // §6 for an m = 1 family without slope: bisection on h(μ), bracket by doubling from 1.
  PetscErrorCode VectorOracle(std::int64_t t, const VectorKernel &kernel, double mu_warm, double *xstar,
                              oracle::Result *res) override {
    const Events *ev;
    PetscFunctionBeginUser;
    PetscCall(EventsGet(&ev));
    PetscCall(PetscLogEventBegin(ev->oracle, 0, 0, 0, 0));
    const auto &k = std::get<RegressionKernel>(kernel);
    const std::int64_t nloc = block_.local();
    double H = 0;
    for (std::int64_t i = 0; i < nloc; ++i) H += k.range(i);
    PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &H, 1));
    bool bracket_failed;
    PetscCall(oracle::SolveVectorBisection(PETSC_COMM_WORLD, k, nloc, mu_warm, H, xstar, res, &bracket_failed));
    PetscCheck(!bracket_failed, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "regression is infeasible at step %" PetscInt64_FMT ": sum_i g_i(x_i(mu)) > 0 up to mu = 2^64", t);
    PetscCall(PetscLogEventEnd(ev->oracle, 0, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  // Only used for tolerances by scalar callers; the vector oracle computes the step's own scale.
  double constraint_scale() const override { return static_cast<double>(block_.n); }

  std::string describe() const override {
    char s[256];
    snprintf(s, sizeof s, "regression (own x_i in [-2,2]^5, A_{i,t} 8x5 ~ N(0,1), noise %g, g = 0.1|x|^2 + e'x - h), T = %lld",
             (double)noise_, (long long)steps_);
    return s;
  }

  PetscErrorCode RecordInputs(io::Recorder &rec) const override {
    PetscFunctionBeginUser;
    PetscCall(rec.WriteGlobalArray("problem/x_true", xtrue_, kDim, "1", "x° of b = A x° + sigma zeta"));
    PetscCall(rec.SetAttribute("/inputs/problem", "name", std::string("regression")));
    PetscCall(rec.SetAttribute("/inputs/problem", "noise", (double)noise_));
    PetscCall(rec.SetAttribute("/inputs/problem", "instance",
                               std::string("A, zeta ~ N(0,1), e ~ U[-0.5,0.5]^5, h ~ U[0.5,1] from stream INSTANCE "
                                           "(a = agent, b = step); regression.cpp documents the entries")));
    PetscFunctionReturn(PETSC_SUCCESS);
  }

 private:
  PetscReal noise_ = 0.1;
  double xtrue_[kDim] = {};
  std::vector<double> A_, b_, e_, h_;  // step t's data of the local agents
};

}  // namespace

std::unique_ptr<Problem> RegressionCreate() { return std::make_unique<Regression>(); }

}  // namespace dodge::problems
