// Memory estimate of a run, per rank, before any large allocation (-memory_ block): a run that cannot fit
// is refused at once, naming -agents and the estimate, instead of being OOM-killed minutes into its setup.
// The model (docs/performance.md, "Memory model") is per component: the problem's and the algorithm's
// per-agent state, the graph's CSR rows (bytes per row entry and per graph), the halo, the oracle and metrics
// arrays, the recorder's buffers and the fixed PETSc/MPI/HDF5 baseline.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/petsc_compat.hpp"

namespace dodge::run {

// What the estimate depends on; all known from the options, before the problem, the graphs or the
// algorithm allocate anything.
struct MemoryInputs {
  std::int64_t n = 0;           // agents N
  int ranks = 1;                // MPI ranks of the run
  int dim = 1, rows = 1;        // the problem's decision dimension d and constraint rows m
  double problem_bytes = 0;     // Problem::state_bytes_per_agent (per owned agent)
  double algorithm_bytes = 0;   // Algorithm::state_bytes_per_agent(max(d, 1), max(m, 1)) (per owned agent)
  double oracle_bytes = 0;      // Problem::oracle_bytes_per_agent (per owned agent, with metrics)
  double root_oracle_bytes = 0; // Problem::root_oracle_bytes_per_agent (on rank 0, per agent of the run)
  bool uses_graph = false;
  std::string graph_family;     // -graph_family (when uses_graph)
  bool link_failure = false;    // -graph_link_failure > 0 keeps the edge indices
  bool metrics = true;          // per-step oracle and metrics
  bool output = false;          // an HDF5 output is written
  std::int64_t recorded_agents = 0;  // agents selected by -output_agents on the rank that has the most
  int record_width = 1;              // doubles recorded per selected agent and record (the algorithm's fields)
  std::int64_t steps = 0;            // T (0: unknown)
};

struct MemoryEstimate {
  double bytes = 0;                                        // the largest rank's peak resident memory
  std::vector<std::pair<std::string, double>> parts;       // the components of the stepping peak, in bytes
  double edge_list_bytes = 0;  // a list family's edge lists, alive only while its topology is built
  double build_bytes = 0;      // the peak while they are: baseline, problem, graph rows being filled, edge lists
  std::string Describe() const;                            // "1.23 GiB per rank (state 0.5 GiB + graph ...)"
};

// The model: pure, no MPI. The largest rank holds ceil(N / ranks) agents.
MemoryEstimate EstimateMemory(const MemoryInputs &in);

// The memory this rank may use: the smallest of the cgroup limit (v2 memory.max, v1 memory.limit_in_bytes,
// less what the cgroup already uses) and MemAvailable of /proc/meminfo, divided by the ranks on this node
// (MPI_COMM_TYPE_SHARED), plus what this process already holds. *source says where the number came from.
// Collective on PETSC_COMM_WORLD.
PetscErrorCode MemoryAvailablePerRank(double *bytes, std::string *source);

struct MemoryOptions {
  PetscBool check = PETSC_TRUE;  // -memory_check: refuse a run whose estimate does not fit
};

// Reads the -memory_ block. Collective.
PetscErrorCode MemoryOptionsRead(MemoryOptions *o);

// Refuses (PETSC_ERR_MEM, exit code 55, on every rank together) a run whose estimate exceeds the available
// memory, naming -agents, the estimate and the limit, unless -memory_check false. *available gets the limit
// (0 when unknown) for the banner. Collective.
PetscErrorCode MemoryCheck(const MemoryOptions &o, const MemoryInputs &in, const MemoryEstimate &est, double *available,
                           std::string *source);

// This process's peak resident set (VmHWM of /proc/self/status; getrusage's ru_maxrss where that is missing).
double PeakResidentBytes();

}  // namespace dodge::run
