// What the vector families (pev, regression; algorithms.md §4) share: a generated instance over a horizon of
// -<name>_steps steps with a plain step axis, per-unit units, and the scalar interface refused (they answer
// BeginVectorStep and VectorOracle instead).
#pragma once
#include <string>

#include "core/options.hpp"
#include "problems/problem.hpp"

namespace dodge::problems {

class VectorProblem : public Problem {
 public:
  std::int64_t horizon() const override { return horizon_; }
  PetscErrorCode SetSteps(std::int64_t T) override {
    PetscFunctionBeginUser;
    PetscCheck(T >= 1 && T <= horizon_, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
               "-steps %" PetscInt64_FMT " is outside [1, %" PetscInt64_FMT "] (-%s_steps)", T, horizon_, name());
    steps_ = T;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscErrorCode BeginStep(std::int64_t, ScalarKernel *) override {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s has vector decisions: use BeginVectorStep", name());
  }
  PetscErrorCode OracleBracket(std::int64_t, const ScalarKernel &, double *) override {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s has vector decisions: use VectorOracle", name());
  }
  const Units &units() const override { return units_; }
  double time_of(std::int64_t t) const override { return static_cast<double>(t - 1); }
  std::string time_units() const override { return "step"; }

 protected:
  // Reads -<name>_steps inside the family's option block, in [1, kMaxInstanceSteps] (the reader names it).
  PetscErrorCode StepsOption(PetscOptionItems *PetscOptionsObject) {
    PetscFunctionBeginUser;
    PetscCall(OptionsInt(PetscOptionsObject, "-steps", "Horizon T of the instance", 1, kMaxInstanceSteps, &steps_opt_));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  static constexpr std::int64_t kMaxInstanceSteps = 1000000000;
  // Setup's common part: the block, the seed and the horizon.
  void SetupInstance(const Block &block, std::uint64_t seed) {
    block_ = block, seed_ = seed;
    horizon_ = steps_ = steps_opt_;
  }

  explicit VectorProblem(PetscInt default_steps) : steps_opt_(default_steps) {}
  PetscInt steps_opt_;
  Block block_;
  std::uint64_t seed_ = 1;
  std::int64_t horizon_ = 0, steps_ = 0;
  Units units_;
};

}  // namespace dodge::problems
