// The dodge run: one documented option block, object setup (all input validation happens here, before
// any output exists), the step loop with progress, the HDF5 output and the closing summary.
#include "driver.hpp"

#include <sys/resource.h>

#include <csignal>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "algorithms/algorithm.hpp"
#include "algorithms/attacks.hpp"
#include "algorithms/exchange_features.hpp"
#include "comm/collectives.hpp"
#include "comm/errors.hpp"
#include "core/options.hpp"
#include "comm/exchange.hpp"
#include "core/events.hpp"
#include "graph/graph.hpp"
#include "io/h5_util.hpp"
#include "io/reader.hpp"
#include "io/recorder.hpp"
#include "metrics/metrics.hpp"
#include "oracle/oracle.hpp"
#include "problems/market.hpp"
#include "problems/problem.hpp"
#include "run/checkpoint.hpp"
#include "run/memory.hpp"
#include "run/output.hpp"
#include "run/path_policy.hpp"
#include "run/run.hpp"
#include "run/test_fault.hpp"

namespace dodge::app {

namespace {

struct RunOptions {
  std::string problem = "dispatch", algorithm = "pdct";
  std::int64_t agents = 0, steps = 0, seed = 1;
  PetscBool metrics = PETSC_TRUE;
  double progress = 2.0;
  PetscBool slurm_check = PETSC_TRUE;
  PetscBool version = PETSC_FALSE;
  PetscInt nonfinite_at = 0;  // test-only: a non-finite state injected at this step (0: never)
  run::IoFault io_fault;      // test-only: one rank's I/O fails (run/test_fault.hpp)
};

// Ranges of the run's integer options, read as 64 bits so that nothing wraps (PetscInt is 32 bits here).
// Agent ids index PetscSF graphs (PetscInt), so N <= PETSC_MAX_INT; T likewise; the seed takes any
// non-negative 64-bit value.
constexpr std::int64_t kMaxAgents = PETSC_MAX_INT, kMaxSteps = PETSC_MAX_INT,
                       kMaxSeed = std::numeric_limits<std::int64_t>::max();

// The run's own options: -problem, -algorithm, -agents, -steps, -seed, -metrics, -progress (-output_* are
// the output monitor's, run/output.hpp).
PetscErrorCode RunOptionsRead(RunOptions *o) {
  std::string probs, algs;
  PetscFunctionBeginUser;
  for (const auto &n : problems::ProblemNames()) probs += (probs.empty() ? "" : ", ") + n;
  for (const auto &n : algorithms::AlgorithmNames()) algs += (algs.empty() ? "" : ", ") + n;
  const std::string ph = "Problem family (" + probs + ")", ah = "Algorithm (" + algs + ")";
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "dodge run options", nullptr);
  PetscCall(OptionsString(PetscOptionsObject, "-problem", ph.c_str(), &o->problem));
  PetscCall(OptionsString(PetscOptionsObject, "-algorithm", ah.c_str(), &o->algorithm));
  PetscCall(OptionsInt(PetscOptionsObject, "-agents", "Number of agents N (0: the problem's default, 6 for dispatch)", 0,
                       kMaxAgents, &o->agents));
  PetscCall(OptionsInt(PetscOptionsObject, "-steps", "Steps T to run (0: the whole data window)", 0, kMaxSteps, &o->steps));
  PetscCall(OptionsInt(PetscOptionsObject, "-seed", "Seed of every random stream (algorithms.md §0.6)", 0, kMaxSeed, &o->seed));
  PetscCall(PetscOptionsBool("-metrics", "Compute the per-step oracle and the metrics of §12 (off: benchmark mode)",
                             nullptr, o->metrics, &o->metrics, nullptr));
  PetscCall(OptionsReal(PetscOptionsObject, "-progress", "Seconds between progress lines on rank 0 (0: none)", kNonNegative,
                        &o->progress));
  PetscCall(PetscOptionsBool("-slurm_check", "Under SLURM, require the MPI rank count to equal SLURM_NTASKS", nullptr,
                             o->slurm_check, &o->slurm_check, nullptr));
  PetscCall(PetscOptionsBool("-version", "Print dodge's version, git hash and the PETSc, HDF5 and MPI libraries, and exit 0",
                             nullptr, o->version, &o->version, nullptr));
  // Test only (hidden from -help): the last rank reports a non-finite state at this step (-metrics false).
  PetscCall(OptionsIntHidden(PetscOptionsObject, "-test_nonfinite_at_step", 0, kMaxSteps, &o->nonfinite_at));
  // Test only (hidden): rank R fails the output write (in 1), checkpoint write (2) or checkpoint read (3) at step S.
  PetscCall(OptionsIntHidden(PetscOptionsObject, "-test_io_fault_rank", -1, PETSC_MAX_INT, &o->io_fault.rank));
  PetscCall(OptionsIntHidden(PetscOptionsObject, "-test_io_fault_at_step", 0, kMaxSteps, &o->io_fault.step));
  PetscCall(OptionsIntHidden(PetscOptionsObject, "-test_io_fault_in", 1, 3, &o->io_fault.in));
  PetscOptionsEnd();
  // Ranges are checked by the readers, on every rank together, naming the option.
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Every option set must be used: a typo must not silently run the default.
PetscErrorCode CheckAllOptionsUsed() {
  PetscInt N;
  char **names, **values;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(nullptr, &N, &names, &values));
  std::string unused;
  for (PetscInt i = 0; i < N; ++i) {
    const std::string nm = names[i];
    // PETSc's own run-time options are consumed by PETSc itself (profiling, debugging, option files).
    static const char *const petsc_own[] = {"log_view", "options_left", "malloc", "malloc_debug", "malloc_dump",
                                            "options_file", "options_file_yaml", "help", "info", "on_error_abort",
                                            "start_in_debugger", "debugger", "no_signal_handler", "fp_trap",
                                            "log_trace", "memory_view", "options_view", "log_all", "objects_dump",
                                            "check_pointer_intensity", "malloc_test", "version", "log_summary"};
    bool own = false;
    for (const char *p : petsc_own) own = own || nm == p;
    if (!own) unused += " -" + nm + (values[i] ? std::string(" ") + values[i] : std::string());
  }
  PetscCall(PetscOptionsLeftRestore(nullptr, &N, &names, &values));
  PetscCheck(unused.empty(), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "options set but never used (misspelled, or not for this problem/algorithm):%s; see dodge -help",
             unused.c_str());
  PetscFunctionReturn(PETSC_SUCCESS);
}

// A random id for a new run (rank 0's, on every rank): the output file and its checkpoints carry it, so a
// restart continues only its own run's file.
PetscErrorCode NewRunId(std::string *id) {
  std::string mine;
  PetscFunctionBeginUser;
  if (comm::WorldRank() == 0) {
    std::random_device rd;
    char buf[33];
    std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
    mine = buf;
  }
  PetscCall(comm::FirstMessage(PETSC_COMM_WORLD, mine, id));
  PetscFunctionReturn(PETSC_SUCCESS);
}

std::string now_iso() {
  char buf[64];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// -version: dodge and the libraries it runs with (the linked ones, which may differ from the headers').
PetscErrorCode PrintVersion() {
  char petsc[256];
  PetscFunctionBeginUser;
  PetscCall(PetscGetVersion(petsc, sizeof petsc));
  for (std::size_t k = std::strlen(petsc); k > 0 && petsc[k - 1] == ' '; --k) petsc[k - 1] = '\0';
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "dodge %s (git %s)\n  PETSc: %s\n  HDF5:  %s\n  MPI:   %s\n", DODGE_VERSION,
                        DODGE_GIT_HASH, petsc, io::h5::LibraryVersion().c_str(), comm::MpiLibraryVersion().c_str()));
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

PetscErrorCode Run(int *exit_code) {
  const Events *ev;
  PetscMPIInt size, rank;
  RunOptions ro;
  PetscBool help = PETSC_FALSE;
  PetscFunctionBeginUser;
  const double t_start = run::Now();  // the summary's wall time: setup, steps, I/O and the rest, on rank 0
  double t_io_setup = 0;              // reading a checkpoint, creating the output (with /inputs)
  size = comm::WorldSize(), rank = comm::WorldRank();
  PetscCall(EventsGet(&ev));
  PetscCall(PetscLogStagePush(ev->stage_setup));
  PetscCall(PetscOptionsHasHelp(nullptr, &help));
  PetscCall(RunOptionsRead(&ro));
  run::IoFaultSet(ro.io_fault);
  if (ro.version && !help) {  // with -help, the version is in PETSc's banner and every option is listed
    PetscCall(PrintVersion());
    PetscCall(PetscLogStagePop());
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  run::OutputOptions oo;
  PetscCall(run::OutputOptionsRead(&oo));
  *exit_code = 0;
  // From here on SIGTERM/SIGUSR1 only request a checkpoint (at the end of the current step).
  run::InstallSignalHandlers();
  run::CheckpointOptions ck;
  PetscCall(run::CheckpointOptionsRead(oo.file, &ck));
  run::MemoryOptions mo;
  PetscCall(run::MemoryOptionsRead(&mo));

  // -help lists every module's block, whatever is selected.
  if (help) {
    for (const auto &n : problems::ProblemNames()) {
      std::unique_ptr<problems::Problem> p;
      PetscCall(problems::ProblemCreate(n, &p));
      PetscCall(p->SetFromOptions());
    }
    for (const auto &n : algorithms::AlgorithmNames()) {
      std::unique_ptr<algorithms::Algorithm> a;
      PetscCall(algorithms::AlgorithmCreate(n, &a));
      PetscCall(a->SetFromOptions());
    }
    graph::Options go;
    PetscCall(graph::GraphOptionsFromDatabase(ro.seed, &go));
    comm::ExchangeOptions xo;
    PetscCall(comm::ExchangeOptionsRead(PETSC_COMM_WORLD, &xo));
    algorithms::ExchangeFeatures xf;
    PetscCall(algorithms::ExchangeFeaturesRead(&xf));
    algorithms::AttackOptions ao;
    PetscCall(algorithms::AttackOptionsRead(&ao));
    PetscCall(PetscLogStagePop());
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  std::unique_ptr<problems::Problem> problem;
  std::unique_ptr<algorithms::Algorithm> algorithm;
  PetscCall(problems::ProblemCreate(ro.problem, &problem));
  PetscCall(algorithms::AlgorithmCreate(ro.algorithm, &algorithm));
  PetscCall(problem->SetFromOptions());
  PetscCall(algorithm->SetFromOptions());
  // Before uses_graph() is asked: mmr uses the graph in the neighbours market scope only (a problem option).
  PetscCall(algorithm->ConfigureFromProblem(*problem));
  graph::Options gopts;
  // The graph is built when the algorithm or the problem asks (gridcell's shares, docs/gridcell.md §16.3: one
  // graph G(t) carries every exchange of a step). Whoever asks, the problem's default family applies (gridcell:
  // watts_strogatz, §16.1), unless -graph_family or -graph_files says otherwise.
  const bool graph_needed = algorithm->uses_graph() || problem->uses_graph();
  if (graph_needed) PetscCall(graph::GraphOptionsFromDatabase(ro.seed, &gopts, problem->default_graph_family()));
  if (algorithm->uses_graph()) algorithm->ConfigureGraph(gopts);  // e.g. dopp: out-degree weights
  comm::ExchangeOptions xopts;  // checked here; the algorithm's (problem's) exchange reads the same block again
  if (graph_needed) PetscCall(comm::ExchangeOptionsRead(PETSC_COMM_WORLD, &xopts));
  algorithms::ExchangeFeatures features;  // §13's mechanisms; checked against the algorithm after its Setup
  if (algorithm->uses_graph()) PetscCall(algorithms::ExchangeFeaturesRead(&features));
  algorithms::AttackOptions attack;  // §13.3's attacks and defences, likewise
  if (algorithm->uses_graph()) PetscCall(algorithms::AttackOptionsRead(&attack));
  PetscCall(CheckAllOptionsUsed());
  // An MPI launched without SLURM's process-manager support starts N one-rank runs that would all write
  // the same file: refuse that loudly.
  if (const char *ntasks = std::getenv("SLURM_NTASKS"); ntasks && ro.slurm_check) {
    const long want = std::strtol(ntasks, nullptr, 10);
    PetscCheck(want == size, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
               "running under SLURM with SLURM_NTASKS = %s but MPI has %d rank%s: the launcher does not see the "
               "allocation (use srun --mpi=pmix, or an mpirun built with SLURM support); -slurm_check false disables "
               "this check",
               ntasks, size, size > 1 ? "s" : "");
  }
  std::string fingerprint;
  PetscCall(run::ScenarioFingerprint(&fingerprint));

  const std::int64_t n = ro.agents ? ro.agents : problem->default_agents();
  const Block block = Block::make(n, rank, size);
  const std::uint64_t seed = static_cast<std::uint64_t>(ro.seed);
  std::vector<std::int64_t> selected;
  PetscCall(run::SelectAgents(oo.agent_selection, block, &selected));  // checked even when nothing is written
  // The memory this run will need, before anything large is allocated: refused now if it cannot fit
  // (run/memory.hpp), rather than OOM-killed in the middle of the setup.
  run::MemoryInputs mem_in;
  mem_in.n = n, mem_in.ranks = size;
  mem_in.dim = problem->dim(), mem_in.rows = problem->rows();
  mem_in.problem_bytes = problem->state_bytes_per_agent();
  mem_in.oracle_bytes = problem->oracle_bytes_per_agent();
  mem_in.root_oracle_bytes = problem->root_oracle_bytes_per_agent();
  mem_in.uses_graph = graph_needed;
  mem_in.algorithm_bytes = algorithm->state_bytes_per_agent(std::max(problem->dim(), 1), std::max(problem->rows(), 1));
  mem_in.graph_family = gopts.family, mem_in.link_failure = gopts.link_failure > 0;
  // A market family that is also a scalar family (gridcell, docs/gridcell.md §16.6) has the per-step oracle with
  // the generic algorithms; with the trading algorithms (none, mmr) it has none.
  const auto *market = dynamic_cast<const problems::MarketProblem *>(problem.get());
  const bool market_opt = market && market->opt_family() && !algorithm->trades();
  mem_in.metrics = ro.metrics == PETSC_TRUE && !problem->is_schedule() && (!problem->is_market() || market_opt);
  mem_in.output = oo.writes(), mem_in.steps = ro.steps;
  {
    std::int64_t nsel = static_cast<std::int64_t>(selected.size());
    PetscCall(comm::AllreduceMaxInt(PETSC_COMM_WORLD, &nsel, 1));
    mem_in.recorded_agents = nsel;
    // Before the setup a field's width is not known yet (d for x, m for a multiplier): the larger of the two.
    mem_in.record_width = static_cast<int>(algorithm->agent_fields().size()) * std::max(problem->dim(), problem->rows());
    // A market family under a generic algorithm adds trade, pool_price and its homes' fields (run/output.cpp).
    if (market_opt) mem_in.record_width += 2 + static_cast<int>(market->home_fields().size());
  }
  const run::MemoryEstimate mem_est = run::EstimateMemory(mem_in);
  double mem_avail = 0;
  std::string mem_source;
  PetscCall(run::MemoryCheck(mo, mem_in, mem_est, &mem_avail, &mem_source));
  // What the output path rules can decide before any input is read, decided now (the rest after the setup).
  const bool write = oo.writes();
  const run::PathPolicy policy{oo.file, write, ck.file, ck.restart == PETSC_TRUE, oo.overwrite == PETSC_TRUE};
  PetscCall(run::CheckOutputEarly(policy));
  PetscCall(problem->Setup(block, seed));
  if (ro.steps) PetscCall(problem->SetSteps(ro.steps));
  const std::int64_t T = ro.steps ? ro.steps : problem->horizon();
  // Vector families (d_i > 1 or m > 1) run with the graph algorithms only.
  const bool vec = problem->is_vector();
  PetscCheck(!vec || algorithm->supports_vector(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-algorithm %s does not run on -problem %s (vector decisions: d = %d, m = %d); use pdct, li2022 or dopp",
             algorithm->name(), problem->name(), problem->dim(), problem->rows());
  // Scheduling families (ecs) run only with the scheduling schemes and the schemes only on them.
  PetscCheck(problem->is_schedule() == algorithm->schedules(), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-algorithm %s does not run on -problem %s (%s)", algorithm->name(), problem->name(),
             problem->is_schedule() ? "a scheduling family: use optimal, optimal_par, uniform, aca or par_ecs"
                                    : "the scheduling schemes run on -problem ecs only");
  // Market families (gridcell) run only with the trading algorithms and the trading algorithms only on them.
  PetscCheck(problem->is_market() == algorithm->trades() || market_opt, PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "-algorithm %s does not run on -problem %s (%s)", algorithm->name(), problem->name(),
             problem->is_market() ? "a market family: use none, mmr, mfq or an optimization-based clearing"
                                  : "the trading algorithms none, mmr and mfq run on -problem gridcell only");
  // Options of the learning (mfq, §16.5) mean nothing to the other algorithms.
  PetscCheck(!(market && !algorithm->learns() && market->learning_option_given()), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s applies to -algorithm mfq with -mfq_policy learn only; -algorithm %s does not learn",
             market && market->learning_option_given() ? market->learning_option_given() : "", algorithm->name());
  // Options of the optimization-based clearing (§16.6, §16.11) mean nothing to the trading algorithms.
  PetscCheck(!(market && algorithm->trades() && market->opt_option_given()), PETSC_COMM_WORLD, PETSC_ERR_ARG_INCOMP,
             "%s applies to the optimization-based clearing (pdct, li2022, dopp, coa, doa, dpa, offline) only; -algorithm %s "
             "does not use it",
             market && market->opt_option_given() ? market->opt_option_given() : "", algorithm->name());
  // A scheduling or market family has no per-step optimum of (2.1): its own metrics (cost per kWh, PAR; community
  // cost against the no-trading baseline) replace Reg/Vio.
  if (problem->is_schedule() || (problem->is_market() && !market_opt)) ro.metrics = PETSC_FALSE;
  if (ro.metrics) PetscCall(problem->PrepareOracle());
  graph::LocalGraphs graphs;
  graph::HaloStats halo;
  if (graph_needed) {
    PetscCall(PetscLogEventBegin(ev->setup_graph, 0, 0, 0, 0));
    PetscCall(graph::GraphsBuild(gopts, block, &graphs));
    PetscCall(PetscLogEventEnd(ev->setup_graph, 0, 0, 0, 0));
    PetscCall(graph::HaloStatsCompute(graphs, &halo));
  }
  // A market family learns whether the algorithm clears a market (the market channel of §16.8) before its graph setup.
  auto *market_problem = dynamic_cast<problems::MarketProblem *>(problem.get());
  if (market_problem) PetscCall(market_problem->SetMarketChannel(algorithm->clears(), algorithm->mixes_duals()));
  // A problem that uses the graph (gridcell's shares) finishes its setup on it, after its own validation.
  if (problem->uses_graph()) PetscCall(problem->SetGraph(graphs));
  algorithm->SetSeed(seed);
  PetscCall(algorithm->Setup(block, *problem, algorithm->uses_graph() ? &graphs : nullptr, T));
  PetscCall(algorithms::ExchangeFeaturesInstall(features, *algorithm, seed));
  PetscCall(algorithms::AttackInstall(attack, *algorithm, seed));
  // A market family's dual channel (§16.8's form; gridcell's attackers and detector on pdct's and li2022's messages).
  if (market_problem && market_problem->dual_channel()) PetscCall(algorithms::AttackInstallDual(*market_problem->dual_channel(), *algorithm));
  // Every input has been read: refuse an output or checkpoint path that is one of them, an existing file the
  // user did not ask to replace, or an unusable location, before anything is written (run/path_policy.hpp).
  run::OutputLock lock;
  std::string run_id;
  PetscCall(run::CheckRunPaths(policy, &lock, &run_id, &oo.work_file));
  if (!ck.restart) PetscCall(NewRunId(&run_id));

  char *all_options = nullptr;
  PetscCall(PetscOptionsGetAll(nullptr, &all_options));
  const std::string options_string = all_options ? all_options : "";
  PetscCall(PetscFree(all_options));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "dodge %s (git %s) on %d rank%s, N = %" PetscInt64_FMT " agents (%" PetscInt64_FMT
                        "-%" PetscInt64_FMT " per rank), T = %" PetscInt64_FMT "\n  problem:   %s\n  algorithm: %s\n",
                        DODGE_VERSION, DODGE_GIT_HASH, size, size > 1 ? "s" : "", n, n / size, (n + size - 1) / size, T,
                        problem->describe().c_str(), algorithm->describe().c_str()));
  if (graph_needed) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  graph:     %s\n", graphs.description.c_str()));
    if (size > 1)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                            "  halo:      %" PetscInt64_FMT " ghost agents (largest rank %" PetscInt64_FMT "), %" PetscInt64_FMT
                            " of %" PetscInt64_FMT " in-edges cross ranks, up to %" PetscInt64_FMT " peer ranks per rank\n",
                            halo.ghosts_total, halo.ghosts_max, halo.cut_entries, halo.entries, halo.peers_max));
  }
  if (const std::string xd = algorithms::ExchangeFeaturesDescribe(*algorithm); !xd.empty())
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  exchange:  %s\n", xd.c_str()));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  memory:    %s; available %s%s\n", mem_est.Describe().c_str(),
                        mem_avail > 0 ? (std::to_string(static_cast<long long>(mem_avail / 1048576.0)) + " MiB per rank (" + mem_source + ")").c_str() : "unknown",
                        mo.check ? "" : " (-memory_check false)"));
  const std::string out_line = !write ? "none"
                               : oo.work_file == oo.file ? oo.file
                                                         : oo.file + " (written as " + oo.work_file + " until complete)";
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  options:   %s\n  output:    %s\n", options_string.c_str(), out_line.c_str()));
  PetscCall(PetscLogStagePop());

  // Every input is read now: a checkpoint's fingerprint also holds their contents, so a restart on an edited
  // file is refused; the output records them as input_files.
  std::string inputs;
  PetscCall(run::InputFingerprint(&inputs));
  const std::string ck_fingerprint = fingerprint + inputs;

  // ---- the run: the loop owns the step; output, checkpoints, progress are its monitors ----
  run::Run run;
  run.Setup(*problem, *algorithm, block, T, ro.metrics);
  if (ro.nonfinite_at > 0 && !ro.metrics) run.InjectNonfiniteAt(ro.nonfinite_at);
  if (ck.restart) {
    // The state at the end of the checkpointed step.
    run::RunState resume;
    const double t0 = run::Now();
    PetscCall(run::CheckpointRead(ck.file, ck_fingerprint, n, T, &resume, *problem, *algorithm, run.observer()));
    t_io_setup += run::Now() - t0;
    run.Restore(resume);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  restart:   from %s at the end of step %" PetscInt64_FMT "\n", ck.file.c_str(), resume.t));
  }
  // The output file: created only now that every input has been validated.
  run::OutputMonitor output;
  if (write) {
    const run::RunDescription d{options_string, now_iso(), run_id, fingerprint, inputs,
                                static_cast<std::int64_t>(ro.seed), ro.metrics == PETSC_TRUE};
    const double t0 = run::Now();
    PetscCall(output.Create(oo, ck.restart, run, graph_needed ? &graphs : nullptr, d));
    t_io_setup += run::Now() - t0;
    run.AddMonitor(&output);
  }
  graphs.ReleaseSetupData();  // recorded; the run needs only columns and weights
  run::CheckpointMonitor checkpoints(ck, ck_fingerprint, run_id, n, *problem, *algorithm);
  run.AddMonitor(&checkpoints);
  run::KillMonitor kill(ck.kill_at);
  if (ck.kill_at > 0) run.AddMonitor(&kill);
  run::ProgressMonitor progress(ro.progress);
  run.AddMonitor(&progress);
  // mfq's unrecorded passes (-mfq_passes; a restart resumes inside the recorded last pass).
  PetscCall(algorithm->BeforeRun(ck.restart == PETSC_TRUE));
  const double t_solve = run::Now();
  PetscCall(run.Solve());
  if (run.stopped()) {  // checkpointed on a signal: requeue with -restart
    if (write) PetscCall(output.Close());
    *exit_code = run.exit_code();
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  const metrics::Tracker &tracker = run.observer().tracker();
  double run_seconds = run.run_seconds();
  const double output_seconds = (write ? output.io_seconds() : 0.0) + t_io_setup, ckpt_seconds = checkpoints.io_seconds();
  const double io_seconds = output_seconds + ckpt_seconds;
  // Until the summary (the final attributes and close of the output follow it); rank 0's clock.
  const double total_seconds = run::Now() - t_start, setup_seconds = t_solve - t_start - t_io_setup;
  const double other_seconds = std::max(0.0, total_seconds - setup_seconds - run_seconds - io_seconds);
  const std::int64_t oracle_iters_total = run.oracle_iterations(), oracle_failures = run.oracle_failures();

  // Rank 0's step clock is the run's; every rank reports the same numbers.
  if (rank != 0) run_seconds = 0;
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &run_seconds, 1));

  // ---- summary ----
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double rss = static_cast<double>(ru.ru_maxrss) * 1024.0;
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, &rss, 1));
  const double rate = static_cast<double>(n) * static_cast<double>(T) / run_seconds;
  const problems::Units &units = problem->units();
  const double Td = static_cast<double>(T), usd = units.cost_to_dollars;
  double mpi_counts[2] = {static_cast<double>(algorithm->mpi_messages()), static_cast<double>(algorithm->mpi_bytes())};
  PetscCall(comm::AllreduceSum(PETSC_COMM_WORLD, mpi_counts, 2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nSummary after T = %" PetscInt64_FMT " steps\n", T));
  if (ro.metrics) {
    // Each quantity in its own units (the cost's and x's); a second column only where a scale exists: $ for
    // AEMO dispatch (C_b Δh per step), MW with S_b. Demand's utility and the per-unit costs of synthetic
    // dispatch, pev and regression are not money, so they get no '$' column. "/T" rows are means per step.
    const bool money = usd != 1.0 && units.money_units != units.cost_units;
    const bool power = units.power_base != 1.0 && units.power_units != units.x_units;
    auto row = [&](const char *name, double v, const std::string &u, bool scaled, double scale, const std::string &su,
                   const char *extra) -> PetscErrorCode {
      PetscFunctionBeginUser;
      if (scaled)
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e %-20s %14.6e %s%s\n", name, v, u.c_str(), v * scale, su.c_str(), extra));
      else
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.6e %s%s\n", name, v, u.c_str(), extra));
      PetscFunctionReturn(PETSC_SUCCESS);
    };
    // A step is Δh hours: the money per step read per hour too, where the two differ.
    char per_hour[96] = "";
    if (money && units.hours_per_step != 1.0)
      snprintf(per_hour, sizeof per_hour, " (%.6e %s/h, %g h per step)", tracker.regret() / Td * usd / units.hours_per_step,
               units.money_units.c_str(), units.hours_per_step);
    PetscCall(row("Reg(T)/T, mean per step", tracker.regret() / Td, units.cost_units, money, usd, units.money_units, per_hour));
    PetscCall(row("Reg(T)", tracker.regret(), units.cost_units, money, usd, units.money_units, ""));
    PetscCall(row("Vio(T)/T, mean per step", tracker.violation() / Td, units.x_units, power, units.power_base, units.power_units, ""));
    PetscCall(row("Vio+(T)/T, mean per step", tracker.violation_plus() / Td, units.x_units, power, units.power_base, units.power_units, ""));
    PetscCall(row("path length P_T", tracker.path_length(), units.x_units, false, 1.0, "", ""));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4f (%" PetscInt64_FMT " of %" PetscInt64_FMT " steps)\n", "binding fraction (mu* > 0)",
                          static_cast<double>(tracker.binding_steps()) / Td, tracker.binding_steps(), T));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3e\n", "max tracking error (rel.)", tracker.max_tracking_error_rel()));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f per step\n", "oracle iterations", static_cast<double>(oracle_iters_total) / Td));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f s = setup %.3f + steps %.3f + I/O %.3f + other %.3f s\n",
                        "wall time", total_seconds, setup_seconds, run_seconds, io_seconds, other_seconds));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f s (setup: options, input files, graphs, oracle tables)\n",
                        "time in setup", setup_seconds));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f s (algorithm, oracle and metrics; the rate below uses it)\n",
                        "time in steps", run_seconds));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.3f s (output %.3f s with its creation and /inputs, checkpoints %.3f s)\n",
                        "time in I/O", io_seconds, output_seconds, ckpt_seconds));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4e\n", "agent-steps per second", rate));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4e messages, %.4e bytes (logical)\n", "communication", tracker.messages(), tracker.bytes()));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.4e messages, %.4e bytes\n", "MPI traffic (all ranks)", mpi_counts[0], mpi_counts[1]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.1f bytes/agent (peak RSS %.1f MiB over all ranks)\n", "resident memory",
                        rss / static_cast<double>(n), rss / (1024.0 * 1024.0)));
  {
    double peak = run::PeakResidentBytes();
    std::int64_t peak_max = static_cast<std::int64_t>(peak);
    PetscCall(comm::AllreduceMaxInt(PETSC_COMM_WORLD, &peak_max, 1));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %14.0f bytes estimated, %" PetscInt64_FMT " bytes peak (VmHWM, largest rank)\n",
                          "memory per rank", mem_est.bytes, peak_max));
  }
  PetscCall(problem->View());
  PetscCall(algorithm->View());

  if (write) {
    io::Recorder *rec = &output.recorder();
    PetscCall(rec->SetAttribute("/", "end_time", now_iso()));
    PetscCall(rec->SetAttribute("/", "wall_time_s", run_seconds));
    PetscCall(rec->SetAttribute("/", "agent_steps_per_s", rate));
    // The traffic and the halo behind it, for the scaling model (docs/performance.md, bench/scaling_model.py).
    PetscCall(rec->SetAttribute("/", "mpi_messages", static_cast<std::int64_t>(mpi_counts[0])));
    PetscCall(rec->SetAttribute("/", "mpi_bytes", static_cast<std::int64_t>(mpi_counts[1])));
    if (graph_needed) {
      PetscCall(rec->SetAttribute("/", "halo_ghosts_total", halo.ghosts_total));
      PetscCall(rec->SetAttribute("/", "halo_ghosts_max", halo.ghosts_max));
      PetscCall(rec->SetAttribute("/", "halo_peers_total", halo.peers_total));
      PetscCall(rec->SetAttribute("/", "halo_peers_max", halo.peers_max));
      PetscCall(rec->SetAttribute("/", "halo_cut_entries", halo.cut_entries));
      PetscCall(rec->SetAttribute("/", "halo_entries", halo.entries));
    }
    if (ro.metrics) {
      PetscCall(rec->SetAttribute("/", "final_regret_avg", tracker.regret() / Td));
      PetscCall(rec->SetAttribute("/", "final_violation_avg", tracker.violation() / Td));
      PetscCall(rec->SetAttribute("/", "binding_fraction", static_cast<double>(tracker.binding_steps()) / Td));
      PetscCall(rec->SetAttribute("/", "oracle_failures", oracle_failures));
    }
    PetscCall(problem->RecordSummary(*rec));
    PetscCall(algorithm->RecordSummary(*rec));
    PetscCall(rec->SetStatus("complete"));
    PetscCall(output.Close());
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-28s %s (status complete)\n", "output", oo.file.c_str()));
  }
  PetscCall(checkpoints.RemoveAfterCompletion());
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace dodge::app
