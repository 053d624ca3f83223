// The one registry of problem families: `-problem <name>`; a new family adds one line here.
#include <functional>
#include <string>
#include <utility>

#include "problems/problem.hpp"

namespace dodge::problems {

std::unique_ptr<Problem> DispatchCreate();
std::unique_ptr<Problem> DemandCreate();
std::unique_ptr<Problem> PevCreate();
std::unique_ptr<Problem> RegressionCreate();
std::unique_ptr<Problem> EcsCreate();
std::unique_ptr<Problem> GridcellCreate();

namespace {
const std::pair<const char *, std::function<std::unique_ptr<Problem>()>> kRegistry[] = {
    {"dispatch", DispatchCreate},
    {"demand", DemandCreate},
    {"pev", PevCreate},
    {"regression", RegressionCreate},
    {"ecs", EcsCreate},
    {"gridcell", GridcellCreate},
};
}  // namespace

std::vector<std::string> ProblemNames() {
  std::vector<std::string> names;
  for (const auto &e : kRegistry) names.emplace_back(e.first);
  return names;
}

PetscErrorCode Problem::BeginVectorStep(std::int64_t, VectorKernel *) {
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_PLIB, "problem %s has scalar decisions: it has no vector kernel", name());
}

PetscErrorCode Problem::SolveFullHorizon(std::int64_t, const oracle::FullHorizonOptions &, FullHorizonSummary *) {
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "%s has uncoupled steps: offline plays its oracle sequence", name());
}

PetscErrorCode Problem::PlayFullHorizon(std::int64_t, const ScalarKernel &, double *, double *) const {
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "%s has uncoupled steps: offline plays its oracle sequence", name());
}

PetscErrorCode Problem::VectorOracle(std::int64_t, const VectorKernel &, double, double *, oracle::Result *) {
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_PLIB, "problem %s has scalar decisions: it has no vector oracle", name());
}

PetscErrorCode ProblemCreate(const std::string &name, std::unique_ptr<Problem> *out) {
  PetscFunctionBeginUser;
  for (const auto &e : kRegistry)
    if (name == e.first) {
      *out = e.second();
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  std::string known;
  for (const auto &n : ProblemNames()) known += (known.empty() ? "" : ", ") + n;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown -problem '%s'; known problems: %s", name.c_str(),
          known.c_str());
}

}  // namespace dodge::problems
