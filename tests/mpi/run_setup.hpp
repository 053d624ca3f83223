// The objects of one run, set up in the driver's order (problem, algorithm, the algorithm's graph hook,
// graphs), for MPI tests that drive algorithms step by step.
#pragma once
#include <cstdint>
#include <memory>

#include "algorithms/algorithm.hpp"
#include "graph/graph.hpp"
#include "mpi_check.hpp"
#include "problems/problem.hpp"

namespace dodge::test {

struct RunObjects {
  std::unique_ptr<problems::Problem> problem;
  std::unique_ptr<algorithms::Algorithm> algorithm;
  graph::LocalGraphs graphs;
  Block block;
  std::int64_t T = 0;
  metrics::Observer observer;  // the run's metrics observer, set up for the family (with the oracle)
};

// Creates `problem` and `algorithm` for n agents and T steps from the options database (seed 1). Collective.
inline PetscErrorCode SetupRun(const char *problem, const char *algorithm, std::int64_t n, std::int64_t T, RunObjects *r) {
  PetscFunctionBeginUser;
  r->block = Block::make(n, world_rank(), world_size());
  r->T = T;
  PetscCall(problems::ProblemCreate(problem, &r->problem));
  PetscCall(algorithms::AlgorithmCreate(algorithm, &r->algorithm));
  PetscCall(r->problem->SetFromOptions());
  PetscCall(r->algorithm->SetFromOptions());
  PetscCall(r->problem->Setup(r->block, 1));
  PetscCall(r->problem->SetSteps(T));
  if (r->algorithm->uses_graph()) {
    graph::Options go;
    PetscCall(graph::GraphOptionsFromDatabase(1, &go));
    r->algorithm->ConfigureGraph(go);
    PetscCall(graph::GraphsBuild(go, r->block, &r->graphs));
  }
  PetscCall(r->algorithm->Setup(r->block, *r->problem, r->algorithm->uses_graph() ? &r->graphs : nullptr, T));
  r->observer.Setup(r->block, r->problem->dim(), r->problem->rows(), r->problem->units().cost_to_dollars, true);
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::test
