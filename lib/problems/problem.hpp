// The problem-family interface (architecture.md §3) and the one registry of families.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/block.hpp"
#include "core/petsc_compat.hpp"
#include "metrics/metrics.hpp"
#include "oracle/full_horizon.hpp"
#include "problems/kernels.hpp"
#include "problems/vector_kernels.hpp"

namespace dodge::io {
class Recorder;
class Reader;
}
namespace dodge::oracle {
struct Result;
}
namespace dodge::graph {
class LocalGraphs;
}

namespace dodge::problems {

// Units and scales used to report costs and to label outputs.
struct Units {
  double cost_to_dollars = 1.0;  // a per-unit cost rate held for one step, in $ (C_b Δh)
  double power_base = 1.0;       // S_b [MW] per per-unit of x
  double hours_per_step = 1.0;   // Δh
  std::string x_units = "per-unit", cost_units = "per-unit";
  // Units of power_base × x and cost_to_dollars × cost in the summary ("MW" and "$" for AEMO data).
  std::string power_units = "per-unit", money_units = "per-unit";
};

// The prices users paid at the step that ends, for a family that bills them (demand's average cost C̄, §12):
// coordinator algorithms set one uniform price, graph algorithms each local agent's own estimate.
struct StepPrices {
  bool uniform_set = false;
  double uniform = 0;
  const double *agent = nullptr;  // one per local agent, valid for the EndStep call only
};

class Problem {
 public:
  virtual ~Problem() = default;
  virtual const char *name() const = 0;
  // Reads the family's documented option block. Collective on PETSC_COMM_WORLD.
  virtual PetscErrorCode SetFromOptions() = 0;
  // Sets the default number of agents when -agents is not given (e.g. N = 6 for the paper's dispatch).
  virtual std::int64_t default_agents() const = 0;
  // Loads data and builds per-agent data of the local block; validates everything (feasibility included)
  // so that bad input fails here, before any output exists. Collective on PETSC_COMM_WORLD.
  virtual PetscErrorCode Setup(const Block &block, std::uint64_t seed) = 0;
  // Called after Setup when the run computes the per-step optimum (-metrics true): a family may refuse, e.g.
  // when its oracle would not fit. Collective.
  virtual PetscErrorCode PrepareOracle() { return PETSC_SUCCESS; }
  // Steps available in the data window (the run may use fewer).
  virtual std::int64_t horizon() const = 0;
  // Restricts the run to steps 1..T (after Setup; T ≤ horizon()).
  virtual PetscErrorCode SetSteps(std::int64_t T) = 0;
  // Prepares step t (1-based) and returns its kernel. Collective on PETSC_COMM_WORLD (may reduce).
  virtual PetscErrorCode BeginStep(std::int64_t t, ScalarKernel *kernel) = 0;
  // Upper bracket of the oracle's multiplier at step t, global (may reduce). Collective.
  virtual PetscErrorCode OracleBracket(std::int64_t t, const ScalarKernel &kernel, double *mu_hi) = 0;
  // Global Σ_i range_i (scale of the constraint, for tolerances).
  virtual double constraint_scale() const = 0;
  // End-of-step hook E3 with the decisions x_{i,t} actually played (local block) and the step's prices, called
  // by every algorithm after its step t. Collective (a family may reduce, e.g. the load of step t). Algorithms
  // keep a copy of x_{i,t} only when has_end_step_hook() is true, so dispatch pays nothing, and keep per-agent
  // prices only when wants_step_prices() is true.
  // The run's per-step optimum (the metrics' oracle, scalar families): mu_star of step t, given before the
  // algorithm's step whenever the oracle ran. A problem that reports the gap of its prices to mu* keeps it.
  virtual void SetStepOptimum(std::int64_t t, double mu_star) {}
  virtual bool has_end_step_hook() const { return false; }
  virtual bool wants_step_prices() const { return false; }
  virtual PetscErrorCode EndStep(std::int64_t t, const double *x, const StepPrices &prices) { return PETSC_SUCCESS; }
  // ---- full horizon (algorithms.md §10), for the `offline` algorithm ----
  // A family whose steps are coupled in time (demand's p̂) solves its full-horizon optimum over steps 1..T
  // before the run (SolveFullHorizon, collective) and then plays it: PlayFullHorizon(t) writes x*_{i,t} of
  // the local agents and the step's price. A family with uncoupled steps answers false, and offline plays the
  // per-step oracle sequence instead.
  virtual bool coupled_in_time() const { return false; }
  struct FullHorizonSummary {
    oracle::FullHorizonResult result;
    std::string problem = "";             // e.g. "Prob-OFF"
    std::int64_t decisions_per_step = 0;  // global
  };
  virtual PetscErrorCode SolveFullHorizon(std::int64_t T, const oracle::FullHorizonOptions &opts,
                                          FullHorizonSummary *summary);
  virtual PetscErrorCode PlayFullHorizon(std::int64_t t, const ScalarKernel &kernel, double *x, double *price) const;
  // ---- vector families (algorithms.md §4): d_i = dim() and m = rows(); scalar families keep 1 and 1 ----
  // A vector family answers BeginVectorStep and VectorOracle instead of BeginStep and OracleBracket (which it
  // refuses), and runs with the graph algorithms only.
  virtual int dim() const { return 1; }
  virtual int rows() const { return 1; }
  bool is_vector() const { return dim() > 1 || rows() > 1; }
  // Bytes the family allocates per owned agent once set up (its coefficients, data columns and state), known
  // from its options before Setup: the problem's part of the memory estimate (run/memory.hpp).
  virtual double state_bytes_per_agent() const = 0;
  // Bytes the per-step oracle and metrics keep per owned agent (-metrics true): a vector family's x*_i; a
  // scalar family's tabulated dual where it has one.
  virtual double oracle_bytes_per_agent() const { return is_vector() ? sizeof(double) * dim() : 0.0; }
  // Bytes rank 0 holds per agent of the whole run while it computes a step's optimum alone (a gathered
  // oracle, -metrics true): 0 for the families whose oracle is distributed.
  virtual double root_oracle_bytes_per_agent() const { return 0.0; }
  // Scheduling families (problems/schedule.hpp, `ecs`): not instances of (2.1); they run only with the
  // scheduling schemes, without the per-step oracle.
  virtual bool is_schedule() const { return false; }
  // Market families (problems/market.hpp, `gridcell`): they run only with the trading algorithms (none, mmr),
  // without the per-step oracle.
  virtual bool is_market() const { return false; }
  // The scenario step scheme pdct takes when -pdct_scheme is not given (algorithms.md §8.1; gridcell: "G",
  // docs/gridcell.md §16.6), or nullptr for pdct's own default.
  virtual const char *default_step_scheme() const { return nullptr; }
  // A family whose agents exchange data on the communication graph (gridcell's shares, docs/gridcell.md
  // §16.3) answers true (after SetFromOptions): the driver then reads the -graph_ options with
  // default_graph_family() as the default family (nullptr: the graph module's own), builds the graph after
  // Setup (so that bad input fails before a large graph is built) and calls SetGraph, where the family
  // finishes its setup (gridcell: its warm-up). The graph outlives the run; its setup data (row gids) are
  // released after the output is created, so a family copies what it needs in SetGraph. The family moves
  // values only through comm::Exchange (architecture.md §3), built from graphs.ghosts. Collective.
  virtual bool uses_graph() const { return false; }
  // The default -graph_family of every graph built on this family, whether the family or the algorithm asks for
  // it (gridcell: watts_strogatz, §16.1); nullptr: the graph module's own.
  virtual const char *default_graph_family() const { return nullptr; }
  virtual PetscErrorCode SetGraph(const graph::LocalGraphs &graphs) { return PETSC_SUCCESS; }
  // Prepares step t and returns its vector kernel. Collective on PETSC_COMM_WORLD.
  virtual PetscErrorCode BeginVectorStep(std::int64_t t, VectorKernel *kernel);
  // The per-step optimum (§6) of step t: x*_{i,t} of the local agents into xstar ([nloc][dim]), with the
  // multiplier (its largest entry for m > 1), the iterations and convergence in *res. mu_warm: the previous
  // step's multiplier. Collective on PETSC_COMM_WORLD.
  virtual PetscErrorCode VectorOracle(std::int64_t t, const VectorKernel &kernel, double mu_warm, double *xstar,
                                      oracle::Result *res);
  virtual const Units &units() const = 0;
  // Time axis value of step t and its units (e.g. hours since the window start).
  virtual double time_of(std::int64_t t) const = 0;
  virtual std::string time_units() const = 0;
  // One-line description for the banner.
  virtual std::string describe() const = 0;
  // Per-step global scalars this family adds to /series (e.g. price and demand), for step t (identical on
  // every rank; values may come from reductions done in BeginStep/EndStep).
  virtual std::vector<metrics::SeriesInfo> series() const { return {}; }
  virtual void series_values(std::int64_t t, double *out) const {}
  // Writes /inputs/problem/*: series used, per-agent coefficients and bounds. Collective.
  virtual PetscErrorCode RecordInputs(io::Recorder &rec) const = 0;
  // Checkpoint of the family's own evolving state (e.g. demand's p̂); none for dispatch. Collective.
  virtual PetscErrorCode SaveState(io::Recorder &) const { return PETSC_SUCCESS; }
  virtual PetscErrorCode LoadState(io::Reader &) { return PETSC_SUCCESS; }
  // Summary lines specific to the family, printed after the driver's (e.g. demand: peak reduction, PAR),
  // and the same numbers as root attributes of the output file. Collective.
  virtual PetscErrorCode View() const { return PETSC_SUCCESS; }
  virtual PetscErrorCode RecordSummary(io::Recorder &) const { return PETSC_SUCCESS; }
};

// The registry: `-problem <name>`. Unknown names fail with the list of known ones.
PetscErrorCode ProblemCreate(const std::string &name, std::unique_ptr<Problem> *out);
std::vector<std::string> ProblemNames();

}  // namespace dodge::problems
