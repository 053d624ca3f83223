// The algorithm interface (set_from_options, setup, step, view in the spirit of PETSc objects) and the one
// registry of algorithms.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"
#include "metrics/metrics.hpp"
#include "metrics/observer.hpp"
#include "problems/kernels.hpp"
#include "problems/vector_kernels.hpp"

namespace dodge {
namespace io {
class Recorder;
class Reader;
}
namespace graph {
class LocalGraphs;
struct Options;
}
namespace problems {
class Problem;
}
}  // namespace dodge

namespace dodge::algorithms {

// What the driver hands to a step and gets back from it.
struct StepContext {
  std::int64_t t = 0;
  const problems::ScalarKernel *kernel = nullptr;
  // Vector families (algorithms.md §4): the step's vector kernel instead of `kernel`.
  const problems::VectorKernel *vkernel = nullptr;
  // The run's metrics observer, begun for step t (null: no metrics). When observer->metrics() the algorithm
  // hands it every agent's contribution in one Pass/PassVec and calls Reduce once before returning; the
  // step's optimum (observer->oracle(): mu_star, and xstar for vector families) comes with it.
  metrics::Observer *observer = nullptr;
  bool metrics() const { return observer && observer->metrics(); }
  bool oracle() const { return observer && observer->oracle(); }
  // Logical messages and payload bytes of this step (global; filled by the algorithm).
  double messages = 0, bytes = 0;
  // Recording: when set, the algorithm copies the state of the selected local agents (local indices in
  // `record_local`) into record[f][k] for each of its agent fields f, at the point of the step §12 names.
  const std::vector<std::int64_t> *record_local = nullptr;
  std::vector<double *> record;
};

// Runs the step on its kernel: scalar(k) for a scalar family's kernel, vector(k) for a vector family's
// (StepContext carries one of the two). Each callable is a generic lambda over the kernel types.
template <class Scalar, class Vector>
PetscErrorCode VisitKernel(const StepContext &ctx, Scalar &&scalar, Vector &&vector) {
  return ctx.vkernel ? std::visit(vector, *ctx.vkernel) : std::visit(scalar, *ctx.kernel);
}

struct AgentField {
  std::string name, units, long_name;
  int width = 1;  // values per agent and record (vector families: d_i for x, m for multipliers)
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  // The run's seed (-seed) for the algorithm's own random streams (e.g. MU0); set by the driver before Setup.
  void SetSeed(std::uint64_t seed) { run_seed_ = seed; }
  std::uint64_t run_seed() const { return run_seed_; }
  virtual const char *name() const = 0;
  virtual bool uses_graph() const = 0;
  // Whether the algorithm runs on vector families (problem dim() or rows() > 1): the graph algorithms do.
  virtual bool supports_vector() const { return false; }
  // Whether the algorithm is a scheduling scheme (algorithms.md §11), which runs on scheduling families only.
  virtual bool schedules() const { return false; }
  // Whether the algorithm is a trading algorithm (docs/gridcell.md §16.5-§16.6), which runs on market families
  // (problems/market.hpp) only.
  virtual bool trades() const { return false; }
  // Whether the algorithm learns across steps with the market family's state (mfq, -mfq_policy learn).
  virtual bool learns() const { return false; }
  // Whether it clears a market of declared positions (mmr, mfq; docs/gridcell.md §16.5): the market channel of
  // §16.8 exists then.
  virtual bool clears() const { return false; }
  // Whether it exchanges multipliers between neighbours (pdct, li2022): the dual channel of §16.8 exists then.
  virtual bool mixes_duals() const { return false; }
  // Bytes per owned agent of the algorithm's own state for a problem with decision dimension d and m
  // constraint rows, known before Setup (the memory estimate, run/memory.hpp; ghost copies are the halo,
  // counted apart). Default: a coordinator's x, c and reply (16d + 8m), or one value for a scheduling or
  // trading algorithm. Graph algorithms count their exchanged slots (graph_algorithm.hpp).
  virtual double state_bytes_per_agent(int d, int m) const { return schedules() || trades() ? 8.0 : 16.0 * d + 8.0 * m; }
  // Reads the algorithm's documented option block. Collective on PETSC_COMM_WORLD.
  virtual PetscErrorCode SetFromOptions() = 0;
  // Reads what the algorithm needs from the problem's parsed options, after both SetFromOptions and before
  // uses_graph() is first asked: mmr's market scope (a -gridcell_ option) decides whether it uses the graph.
  // Collective on PETSC_COMM_WORLD.
  virtual PetscErrorCode ConfigureFromProblem(const problems::Problem &problem) { return PETSC_SUCCESS; }
  // Adjusts the -graph_ options before the graphs are built (after SetFromOptions), for algorithms that need
  // particular weights: dopp asks for column-stochastic out-degree weights. Local; the same on every rank.
  virtual void ConfigureGraph(graph::Options &opts) const {}
  // Collective. `graphs` is null for coordinator algorithms.
  virtual PetscErrorCode Setup(const Block &block, problems::Problem &problem, const graph::LocalGraphs *graphs,
                               std::int64_t T) = 0;
  // After the setup (and after a restart's state is loaded: `restarted`), before step 1 of the recorded run:
  // work that precedes the recorded steps (mfq's unrecorded passes 1..P-1 of -mfq_passes). Collective.
  virtual PetscErrorCode BeforeRun(bool restarted) { return PETSC_SUCCESS; }
  // One step t = 1..T. Collective.
  virtual PetscErrorCode Step(StepContext &ctx) = 0;
  virtual std::vector<AgentField> agent_fields() const = 0;
  // Per-step global scalars the algorithm adds to /series (e.g. a coordinator's price and inner
  // iterations); series_values gives those of the step just taken, identical on every rank.
  virtual std::vector<metrics::SeriesInfo> series() const { return {}; }
  virtual void series_values(double *out) const {}
  // Writes /inputs/algorithm/*: parameters needed to reproduce the run. Collective.
  virtual PetscErrorCode RecordParameters(io::Recorder &rec) const = 0;
  // Writes the algorithm's totals at the end of a completed run (e.g. a send policy's per-edge message
  // counts, algorithms.md §13); nothing by default. Collective.
  virtual PetscErrorCode RecordSummary(io::Recorder &rec) const { return PETSC_SUCCESS; }
  virtual std::string describe() const = 0;
  // Summary lines of the algorithm after the run (printed after the problem's), and the same numbers in the
  // output file (root attributes, or a group of its own). Collective.
  virtual PetscErrorCode View() const { return PETSC_SUCCESS; }
  // Checkpoint: writes the per-agent state needed to resume after step t as global arrays indexed by
  // agent id under /state (so a restart may use another rank count), and reads it back. Collective.
  // The defaults refuse, naming the algorithm, so a run never silently resumes from a partial state.
  virtual PetscErrorCode SaveState(io::Recorder &ckpt) const;
  virtual PetscErrorCode LoadState(io::Reader &ckpt);
  // Exchange-layer counters of this rank (for the scaling model); 0 for algorithms without exchange.
  virtual std::int64_t mpi_messages() const { return 0; }
  virtual std::int64_t mpi_bytes() const { return 0; }

 private:
  std::uint64_t run_seed_ = 1;
};

// The registry: `-algorithm <name>`. Unknown names fail with the list of known ones.
PetscErrorCode AlgorithmCreate(const std::string &name, std::unique_ptr<Algorithm> *out);
std::vector<std::string> AlgorithmNames();

}  // namespace dodge::algorithms
